//go:build candourbench

package cli

import (
	"net/http"
	"net/http/pprof"
	"runtime"
)

// profiling: this build is the benchmark's (bench/server.go builds the
// portal with the candourbench tag), whose -profile flag takes a CPU
// profile of each row from the metrics listener. No other build serves
// these: the portal's own binary has no profiler on any listener. It
// samples blocking (one event per 100 µs blocked, on average) for the
// profile of where requests wait under load (DIR/<row>.block.pprof).
func profiling(mux *http.ServeMux) {
	runtime.SetBlockProfileRate(100_000)
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
}
