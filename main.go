// Command candour is the community engagement and scrutiny portal. main only
// wires: it connects the process (arguments, environment, signals, exit
// status) to the command line in package cli, which parses the command,
// loads configuration, opens the store and runs the command.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"candour/cli"
	"candour/server"
	"candour/store"
)

// version and commit are set at build time, identically by the Makefile and
// the Dockerfile:
//
//	go build -ldflags "-X main.version=v1.2.3 -X main.commit=abc1234"
//
// A plain `go build` leaves them "dev".
var (
	version = "dev"
	commit  = "dev"
)

// getenv is os.Getenv, except that CANDOUR_METRICS_ADDR set to nothing
// reads as "off" (the metrics listener disabled), as distinct from unset
// (the default address).
func getenv(name string) string {
	v, set := os.LookupEnv(name)
	if name == "CANDOUR_METRICS_ADDR" && set && v == "" {
		return "off"
	}
	return v
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case cli.IsUsage(err):
		fmt.Fprintln(os.Stderr, "candour:", err)
		os.Exit(2)
	case errors.Is(err, store.ErrSchemaNewer):
		// The database is ahead of this binary: restarting will not help,
		// so an orchestrator can tell this from a transient failure.
		fmt.Fprintln(os.Stderr, "candour:", err)
		os.Exit(3)
	default:
		fmt.Fprintln(os.Stderr, "candour:", err)
		os.Exit(1)
	}
}

// run stamps the build into the portal and runs the command line.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	server.Build.Version, server.Build.Commit = version, commit
	return cli.Run(ctx, args, getenv, stdin, stdout, stderr)
}
