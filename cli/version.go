package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"time"

	"candour/config"
	"candour/server"
)

// versionCmd is "candour version": one line, for people and for scripts.
// main stamps server.Build from its linker flags (-X main.version).
func versionCmd(stdout io.Writer) error {
	fmt.Fprintf(stdout, "candour %s (commit %s, %s)\n", server.Build.Version, server.Build.Commit, runtime.Version())
	return nil
}

// healthcheck is "candour healthcheck": exit 0 when /readyz at CANDOUR_ADDR
// answers 200, else an error (one line on stderr, exit 1). It exists for
// the distroless image, which has no shell and no curl: Docker's HEALTHCHECK
// runs the binary itself. An address on every interface (0.0.0.0:8080,
// :8080) is asked on the loopback address.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 0 {
		if args[0] == "-h" || args[0] == "--help" {
			fmt.Fprintln(stdout, "Usage: candour healthcheck\n\nExits 0 when GET /readyz at CANDOUR_ADDR answers 200 within 5 seconds, else 1.")
			return nil
		}
		return usageError{"healthcheck takes no arguments"}
	}
	// Only the address matters here: the rest of the configuration is the
	// server's to check, and a healthcheck must not fail on it with exit 2.
	addr := strings.TrimSpace(getenv("CANDOUR_ADDR"))
	if addr == "" {
		addr = config.DefaultAddr
	}
	url := "http://" + probeAddr(addr) + "/readyz"
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %s: %v", url, err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", url, res.Status)
	}
	return nil
}

// probeAddr turns a listening address into one to connect to: an empty or
// unspecified host becomes the loopback address.
func probeAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		if ip != nil && ip.To4() == nil {
			host = "::1"
		} else {
			host = "127.0.0.1"
		}
	}
	return net.JoinHostPort(host, port)
}
