//go:build !candourbench

package cli

import "net/http"

// profiling serves nothing outside the benchmark's build (profile_bench.go).
func profiling(*http.ServeMux) {}
