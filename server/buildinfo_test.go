package server

import (
	"runtime"
	"strings"
	"testing"
)

// TestBuildInfoMetric: /metrics names the build the instance runs.
func TestBuildInfoMetric(t *testing.T) {
	was := Build
	Build.Version, Build.Commit = "v1.4.2", "0abc123"
	t.Cleanup(func() { Build = was })
	a := newTestApp(t)
	body := a.scrape() // the metrics listener
	want := `candour_build_info{commit="0abc123",goversion="` + runtime.Version() + `",version="v1.4.2"} 1`
	if !strings.Contains(body, want) {
		t.Fatalf("/metrics lacks %s", want)
	}
}
