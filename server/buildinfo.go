package server

import (
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
)

// Build is the version and commit the binary was built from; main sets it
// from its -ldflags values before New. It is exported on /metrics as
// candour_build_info, so a dashboard shows which version each instance runs.
var Build = struct{ Version, Commit string }{"dev", "dev"}

func buildInfo() prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "candour_build_info", Help: "Always 1; the labels say which build this instance runs.",
	}, []string{"version", "commit", "goversion"})
	g.WithLabelValues(Build.Version, Build.Commit, runtime.Version()).Set(1)
	return g
}
