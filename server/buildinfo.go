package server

import (
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
)

// BuildInfo is the version and commit a binary was built from.
type BuildInfo struct{ Version, Commit string }

// Build is the version and commit the binary was built from; main sets it
// from its -ldflags values before New. It is exported on /metrics as
// candour_build_info (Options.Build, by default this), so a dashboard
// shows which version each instance runs.
var Build = BuildInfo{Version: "dev", Commit: "dev"}

func buildInfo(b BuildInfo) prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "candour_build_info", Help: "Always 1; the labels say which build this instance runs.",
	}, []string{"version", "commit", "goversion"})
	g.WithLabelValues(b.Version, b.Commit, runtime.Version()).Set(1)
	return g
}
