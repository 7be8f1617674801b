//go:build candourbench

package cli

import (
	"net/http"
	"net/http/pprof"
	"runtime"
)

// profiling: this build is the benchmark's (bench/server.go builds the
// portal with the candourbench tag), whose -profile flag takes a CPU
// profile of each row from the metrics listener, and block and mutex
// profiles of it under load. No other build serves these: the portal's own
// binary has no profiler on any listener.
func profiling(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	// Blocking and lock contention are recorded only while their profile
	// is being taken (?seconds=N: every event in that window, as go test's
	// -blockprofile and -mutexprofile record them), so that the rows
	// measured between profiles pay nothing for them.
	mux.Handle("GET /debug/pprof/block", recording(func(on bool) { runtime.SetBlockProfileRate(rate(on)) }, pprof.Handler("block")))
	mux.Handle("GET /debug/pprof/mutex", recording(func(on bool) { runtime.SetMutexProfileFraction(rate(on)) }, pprof.Handler("mutex")))
}

// rate is 1 (record every event) or 0 (record none).
func rate(on bool) int {
	if on {
		return 1
	}
	return 0
}

// recording turns a profile's recording on for the length of one request
// for it.
func recording(set func(on bool), h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		set(true)
		defer set(false)
		h.ServeHTTP(w, r)
	})
}
