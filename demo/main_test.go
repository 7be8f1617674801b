package demo

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"candour/config"
	"candour/store"
	"candour/store/storetest"
)

// TestMain closes the seeded demo store the tests share (seeded), if one
// was opened, when they have all run.
func TestMain(m *testing.M) {
	code := m.Run()
	if err := closeSeeded(); err != nil {
		os.Stderr.WriteString("demo tests: " + err.Error() + "\n")
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// demoConfig is the configuration the demo tests seed with: cheap
// password hashes, the embedded police.uk files.
func demoConfig(t *testing.T) config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"CANDOUR_ARGON_MEMORY_KIB": "64", "CANDOUR_DEMO_DATA": ""}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// seededDemo is one store holding the whole demo (Seed), seeded once per
// test binary and shared by the tests that only read it: the seed was most
// of this package's CPU when each test made its own (a full Seed under the
// race detector is several seconds of CPU). A test that writes to the demo
// in a way another test could see opens a store of its own.
var seededDemo struct {
	once   sync.Once
	db     *store.Store
	logins []Login
	cfg    config.Config
	dir    string // the embedded store's data directory, removed after
	uri    string // MONGODB_URI's database is dropped after
	err    error
}

// seeded is the shared demo store (seededDemo), its printed sign-ins and
// the configuration it was seeded with.
func seeded(t *testing.T) (*store.Store, []Login, config.Config) {
	t.Helper()
	d := &seededDemo
	d.once.Do(func() { d.err = seedShared(t) })
	if d.err != nil || d.db == nil {
		t.Fatalf("the shared demo store: %v", d.err)
	}
	return d.db, d.logins, d.cfg
}

// seedShared opens a fresh store as storetest does (without tying it to
// one test: TestMain closes it) and seeds the demo into it.
func seedShared(t *testing.T) error {
	d := &seededDemo
	d.cfg = demoConfig(t)
	dir, err := os.MkdirTemp("", "candour-demo-")
	if err != nil {
		return err
	}
	d.dir = dir
	o := store.Options{DataDir: dir, Database: "test", URI: storetest.URI()}
	ctx := context.Background()
	if o.URI != "" {
		o.Database = storetest.DatabaseName(t)
		d.uri = o.URI
	} else if err := store.PrepareFresh(ctx, o.DataDir, o.Database); err != nil {
		return err
	}
	db, err := store.Open(ctx, o)
	if err != nil {
		return err
	}
	d.db = db
	db.SetSealer(storetest.Sealer(t))
	d.logins, err = Seed(ctx, db, d.cfg)
	return err
}

// closeSeeded closes the shared demo store (dropping its database through
// MONGODB_URI) and removes its data directory.
func closeSeeded() error {
	d := &seededDemo
	var errs []error
	if d.db != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if d.uri != "" {
			errs = append(errs, d.db.DropDatabase(ctx))
		}
		errs = append(errs, d.db.Close(ctx))
	}
	if d.dir != "" {
		errs = append(errs, os.RemoveAll(d.dir))
	}
	return errors.Join(errs...)
}
