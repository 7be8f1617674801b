//go:build candourbench

package server

// liveStoreCounts: this build is the benchmark's (make bench builds the
// portal with the candourbench tag, bench/server.go), which reads the
// store's command counts on the metrics listener before and after each
// row to print round trips per request. Only that build publishes them
// live; every other build (make build, make binary, the image, the tests)
// publishes them as the hourly snapshot (metrics_snapshot.go).
const liveStoreCounts = true
