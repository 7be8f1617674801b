package server

import (
	"runtime"
	"strings"
	"testing"
)

// TestBuildInfoMetric: /metrics names the build the instance runs (passed
// in, so the package's Build is left as it is).
func TestBuildInfoMetric(t *testing.T) {
	a := newFakeAppWith(t, Options{SignInsPerMinute: 1000, Build: BuildInfo{Version: "v1.4.2", Commit: "0abc123"}})
	body := a.scrape() // the metrics listener
	want := `candour_build_info{commit="0abc123",goversion="` + runtime.Version() + `",version="v1.4.2"} 1`
	if !strings.Contains(body, want) {
		t.Fatalf("/metrics lacks %s", want)
	}
}
