//go:build !candourbench

package cli

import (
	"net/http"

	"candour/store"
)

// profiling serves nothing outside the benchmark's build (profile_bench.go).
func profiling(*http.ServeMux, *store.Store) {}
