package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"candour/config"
	"candour/demo"
	"candour/jobs"
	"candour/server"
	"candour/store"
)

// serve runs the portal until ctx is cancelled (SIGTERM or Ctrl-C): stop
// accepting, finish requests, stop background jobs, close the store.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "Usage: candour serve\n\nRuns the portal at CANDOUR_ADDR (default 127.0.0.1:8080). With no MONGODB_URI it starts\nthe embedded store in CANDOUR_DATA_DIR and, in development, seeds demo data on first start.", stderr)
	if done, err := parse(fs, args); done {
		return err
	}
	cfg, log, db, err := open(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())

	if cfg.SeedDemo {
		n, err := db.CountUsers(ctx, "")
		if err != nil {
			return err
		}
		if n == 0 {
			logins, err := demo.Seed(ctx, db, cfg)
			if err != nil {
				return fmt.Errorf("seed demo: %w", err)
			}
			demo.PrintLogins(stdout, logins)
		}
	}

	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	var running sync.WaitGroup
	defer func() { stopJobs(); running.Wait() }()
	if err := jobs.RepairAtStart(jobsCtx, &running, db, log); err != nil {
		return fmt.Errorf("repair after a crash: %w", err)
	}

	key, err := sessionKey(cfg)
	if err != nil {
		return err
	}
	decisions := jobs.NewWake() // the portal wakes the survey-decisions job
	srv, err := server.New(cfg, db, log, key, server.Options{DecideSurveys: decisions.Soon})
	if err != nil {
		return err
	}
	debug.FreeOSMemory() // what the repair at start read is garbage now
	l, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (CANDOUR_ADDR): %w", cfg.Addr, err)
	}
	store := "embedded store in " + cfg.DataDir
	if !db.Embedded() {
		store = "MongoDB"
	}
	log.Info("Candour is running", "url", "http://"+l.Addr().String(), "store", store, "env", cfg.Env)
	fmt.Fprintf(stdout, "Candour is running at http://%s (%s). Press Ctrl-C to stop.\n", l.Addr(), store)

	if cfg.MetricsAddr != "" {
		ml, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			l.Close()
			return fmt.Errorf("listen on %s (CANDOUR_METRICS_ADDR): %w", cfg.MetricsAddr, err)
		}
		fmt.Fprintf(stdout, "Metrics are at http://%s/metrics (CANDOUR_METRICS_ADDR).\n", ml.Addr())
		go serveMetrics(ctx, ml, srv.MetricsHandler(), db, log)
	}

	jobs.Start(jobsCtx, &running, cfg, db, log, decisions)
	running.Add(1)
	go func() {
		defer running.Done()
		releaseStartupMemory(jobsCtx, db)
	}()

	err = srv.Serve(ctx, l)
	stopJobs()
	running.Wait()
	log.Info("stopped")
	return err
}

// startupSettle is how long the store must have sent no command for
// start-up's work to count as done (releaseStartupMemory), and
// startupSettleMax how long to wait for that at most.
const (
	startupSettle    = 500 * time.Millisecond
	startupSettleMax = time.Minute
)

// releaseStartupMemory returns start-up's garbage to the operating system
// once: when the background jobs' first runs (the repair reads whole
// collections) have settled, the store having sent no command for
// startupSettle, or after startupSettleMax whatever the traffic. The Go
// runtime would otherwise keep the heap they grew for minutes, and idle
// RSS after a restart is a budget (docs/performance.md). No memory limit
// is set: under load the live heap is far above any idle figure, and a
// limit near it would make the collector run without end.
func releaseStartupMemory(ctx context.Context, db *store.Store) {
	deadline := time.Now().Add(startupSettleMax)
	last, still := db.Commands(), time.Duration(0)
	for still < startupSettle && time.Now().Before(deadline) {
		const tick = 100 * time.Millisecond
		select {
		case <-ctx.Done():
			return
		case <-time.After(tick):
		}
		if n := db.Commands(); n == last {
			still += tick
		} else {
			last, still = n, 0
		}
	}
	debug.FreeOSMemory()
}

// serveMetrics answers GET /metrics on its own listener until ctx ends.
func serveMetrics(ctx context.Context, l net.Listener, h http.Handler, db *store.Store, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	profiling(mux, db)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		<-ctx.Done()
		_ = hs.Close()
	}()
	if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("metrics listener stopped", "err", err)
	}
}

// open loads configuration, builds the logger and opens the store.
func open(ctx context.Context, getenv func(string) string, stderr io.Writer) (config.Config, *slog.Logger, *store.Store, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return cfg, nil, nil, usageError{err.Error()}
	}
	var h slog.Handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	if cfg.Production() {
		h = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	}
	log := slog.New(h)
	openCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	db, err := store.Open(openCtx, store.Options{URI: cfg.MongoURI, Database: cfg.Database, DataDir: cfg.DataDir, Logger: log, Timeout: cfg.DBTimeout})
	if err != nil {
		return cfg, nil, nil, err
	}
	sl, err := fieldKeys(cfg)
	if err != nil {
		db.Close(context.Background())
		return cfg, nil, nil, err
	}
	db.SetSealer(sl)
	return cfg, log, db, nil
}

// sessionKey is CANDOUR_SESSION_KEY, or in development a random key kept in
// the data directory so that sessions survive a restart.
func sessionKey(cfg config.Config) ([]byte, error) {
	if len(cfg.SessionKey) > 0 {
		return cfg.SessionKey, nil
	}
	path := filepath.Join(cfg.DataDir, "session.key")
	if b, err := os.ReadFile(path); err == nil {
		if key, err := base64.StdEncoding.DecodeString(string(b)); err == nil && len(key) >= 32 {
			return key, nil
		}
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)), 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return key, nil
}
