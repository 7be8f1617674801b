//go:build candourbench

package cli

import (
	"net/http"
	"net/http/pprof"
)

// profiling: this build is the benchmark's (bench/server.go builds the
// portal with the candourbench tag), whose -profile flag takes a CPU
// profile of each row from the metrics listener. No other build serves
// these: the portal's own binary has no profiler on any listener.
func profiling(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
}
