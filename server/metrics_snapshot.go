//go:build !candourbench

package server

// liveStoreCounts: the store's counts are an hourly snapshot on the metrics
// listener (metrics.go). Only the benchmark's build, with the candourbench
// tag, publishes them live (metrics_live.go).
const liveStoreCounts = false
