// Command devstore serves the embedded store's engine (FerretDB on SQLite)
// on a TCP port of the loopback address, as a separate process, so that the
// store and handler tests can run through MONGODB_URI the way they would
// against a MongoDB server: a real URI, a connection pool, write concern,
// timeouts and retryable writes all go through the driver's network path.
// It is the stand-in for MongoDB where no MongoDB server can run (`make
// test-mongo`); it has no authentication and listens on 127.0.0.1 only. It
// is for tests, not for production.
//
//	go run -tags ferretdb_no_postgresql ./store/devstore -addr 127.0.0.1:27018 -dir /tmp/x
//
// It prints "MONGODB_URI=<uri>" on standard output once it listens, and
// stops on SIGINT or SIGTERM (or when standard input closes, with -stdin).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "TCP address to listen on (loopback only)")
	dir := flag.String("dir", "", "directory for the SQLite files (default: a new temporary directory, removed at exit)")
	stdin := flag.Bool("stdin", false, "also stop when standard input closes")
	flag.Parse()
	if err := run(*addr, *dir, *stdin); err != nil {
		fmt.Fprintln(os.Stderr, "devstore:", err)
		os.Exit(1)
	}
}

func run(addr, dir string, stdin bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-addr %s: the store has no authentication; listen on a loopback address only", addr)
	}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "candour-devstore-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return err
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Handler:   "sqlite",
		SQLiteURL: (&url.URL{Scheme: "file", Path: abs + "/"}).String(),
		// Errors only: its warnings include whole wire messages (document contents).
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if stdin {
		go func() {
			_, _ = bufio.NewReader(os.Stdin).ReadString(0) // until it closes
			stop()
		}()
	}
	done := make(chan struct{})
	go func() { defer close(done); f.Run(ctx) }()
	// MongoDBURI waits until the listener is up and reports its real port.
	fmt.Printf("MONGODB_URI=%s\n", f.MongoDBURI())
	<-done
	return nil
}
