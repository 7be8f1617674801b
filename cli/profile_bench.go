//go:build candourbench

package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/pprof"
	"runtime"
	"strconv"
	"time"

	"candour/store"
)

// profiling: this build is the benchmark's (bench/server.go builds the
// portal with the candourbench tag), whose -profile flag takes a CPU
// profile of each row from the metrics listener, and block and mutex
// profiles of it under load. No other build serves these: the portal's own
// binary has no profiler on any listener.
//
// It also measures the survey submissions' yardstick side by side with
// them (bench/surveys.go): POST /debug/raw-inserts?seconds=N&writers=M with
// a response (JSON) has M goroutines insert copies of it into the
// responses' own collection through this process's store (store.RawInserts:
// the writer alone, none of the portal's work) for N seconds, and answers
// how many were stored and in how many seconds. Each copy has a new id and names survey
// rawInsertSurvey, which does not exist, and no counting batch: nothing
// counts, exports or shows it.
func profiling(mux *http.ServeMux, db *store.Store) {
	mux.HandleFunc("POST /debug/raw-inserts", func(w http.ResponseWriter, r *http.Request) {
		secs, err1 := strconv.ParseFloat(r.URL.Query().Get("seconds"), 64)
		writers, err2 := strconv.Atoi(r.URL.Query().Get("writers"))
		var like store.Response
		if err := json.NewDecoder(r.Body).Decode(&like); err != nil || err1 != nil || err2 != nil || secs <= 0 || secs > 10 || writers < 1 || writers > 200 {
			http.Error(w, "want ?seconds=(0,10]&writers=1..200 and a response as JSON", http.StatusBadRequest)
			return
		}
		like.SurveyID, like.Batch = rawInsertSurvey, ""
		began := time.Now()
		n := db.RawInserts(r.Context(), "survey_responses", writers, time.Duration(secs*float64(time.Second)), func() any {
			doc := like
			doc.ID = store.NewID()
			return &doc
		})
		fmt.Fprintf(w, "%d %f\n", n, time.Since(began).Seconds())
	})
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

// rawInsertSurvey is the survey id the raw inserts name: no survey has it.
const rawInsertSurvey = "bench-raw-inserts"
