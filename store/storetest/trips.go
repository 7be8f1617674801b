package storetest

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"candour/store"
)

// Trips runs f and returns the store commands db sent meanwhile, each as
// "command collection" (store.TraceCommands): the handler tests' round
// trips and make bench's judged checks of them count the same way.
func Trips(db *store.Store, f func()) []string {
	var mu sync.Mutex
	var got []string
	stop := db.TraceCommands(func(cmd, coll string) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, cmd+" "+coll)
	})
	f()
	stop()
	mu.Lock()
	defer mu.Unlock()
	return append([]string(nil), got...)
}

// TripSummary counts each command and collection of trips, one line each
// in order, for a failure message.
func TripSummary(trips []string) string {
	n := map[string]int{}
	for _, t := range trips {
		n[t]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %3d× %s", n[k], k)
	}
	return b.String()
}
