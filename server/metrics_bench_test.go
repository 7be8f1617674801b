//go:build candourbench

package server

import (
	"strconv"
	"strings"
	"testing"

	"candour/store"
)

// storeCommandTotal sums the store's command counts in a scrape, as the
// benchmark does (bench/load.go, storeCommands).
func storeCommandTotal(t *testing.T, scrape string) int {
	t.Helper()
	n := 0
	for _, line := range storeSeries.FindAllString(scrape, -1) {
		f := strings.Fields(line)
		v, err := strconv.Atoi(f[len(f)-1])
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		n += v
	}
	return n
}

// TestStoreCountsAreLiveInTheBenchmarksBuild: with the candourbench tag
// (the benchmark's build only) a member signing in and reading the home
// page moves the store's counts between two scrapes. Run with
// go test -tags ferretdb_no_postgresql,candourbench -run StoreCounts ./server/
func TestStoreCountsAreLiveInTheBenchmarksBuild(t *testing.T) {
	a := newTestApp(t)
	before := storeCommandTotal(t, a.scrape())
	c := a.client()
	c.signIn(a.newUser(store.RoleMember, "counted@example.org"))
	c.get("/")
	if after := storeCommandTotal(t, a.scrape()); after <= before {
		t.Fatalf("store commands %d before, %d after signing in and reading home: not live", before, after)
	}
}
