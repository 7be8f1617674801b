package cli

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"candour/config"
	"candour/server"
	"candour/store/storetest"
)

// TestVersionWithoutLdflagsIsDev: a plain go build (as the test binary is)
// says "dev".
func TestVersionWithoutLdflagsIsDev(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"version"}, func(string) string { return "" }, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	if want := "candour dev (commit dev, " + runtime.Version() + ")\n"; out.String() != want {
		t.Fatalf("version = %q, want %q", out.String(), want)
	}
}

// TestMakeBinaryStampsVersion builds the binary through the Makefile's
// "binary" target (the one the Dockerfile runs) with VERSION and COMMIT,
// and runs it: the stamped values come back.
func TestMakeBinaryStampsVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	bin := filepath.Join(t.TempDir(), "candour")
	cmd := exec.Command("make", "--no-print-directory", "binary", "VERSION=v9.8.7-test", "COMMIT=abc1234", "OUT="+bin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make binary: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "candour v9.8.7-test (commit abc1234, ") {
		t.Fatalf("stamped binary says %q", out)
	}
}

// TestHealthcheck: exit 0 against a portal whose /readyz answers 200 (the
// real router on a real store), an error against one that answers 503, and
// against an address where nothing listens.
func TestHealthcheck(t *testing.T) {
	db := storetest.Open(t)
	cfg, err := config.Load(func(k string) string { return map[string]string{"CANDOUR_DATA_DIR": t.TempDir()}[k] })
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(cfg, db, slog.New(slog.DiscardHandler), bytes.Repeat([]byte("k"), 32), server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ready := httptest.NewServer(srv)
	defer ready.Close()
	unready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
	}))
	defer unready.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadAddr := dead.Listener.Addr().String()
	dead.Close()

	check := func(addr string) error {
		return Run(context.Background(), []string{"healthcheck"}, func(k string) string {
			return map[string]string{"CANDOUR_ADDR": addr, "CANDOUR_DATA_DIR": t.TempDir()}[k]
		}, nil, os.Stdout, os.Stderr)
	}
	if err := check(ready.Listener.Addr().String()); err != nil {
		t.Fatalf("ready portal: %v", err)
	}
	// The image listens on 0.0.0.0: the check asks the loopback address.
	_, port, _ := strings.Cut(ready.Listener.Addr().String(), ":")
	if err := check("0.0.0.0:" + port); err != nil {
		t.Fatalf("ready portal on 0.0.0.0: %v", err)
	}
	if err := check(unready.Listener.Addr().String()); err == nil || !strings.Contains(err.Error(), "503") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("503 portal: %v (want one line naming the status)", err)
	}
	if err := check(deadAddr); err == nil {
		t.Fatal("nothing listening, and healthcheck passed")
	}
	if err := Run(context.Background(), []string{"healthcheck", "extra"}, func(string) string { return "" }, nil, os.Stdout, os.Stderr); err == nil {
		t.Fatal("healthcheck took an argument")
	}
}

func TestProbeAddr(t *testing.T) {
	for in, want := range map[string]string{
		"0.0.0.0:8080":   "127.0.0.1:8080",
		":8080":          "127.0.0.1:8080",
		"[::]:8080":      "[::1]:8080",
		"127.0.0.1:9000": "127.0.0.1:9000",
		"app:8080":       "app:8080",
	} {
		if got := probeAddr(in); got != want {
			t.Errorf("probeAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
