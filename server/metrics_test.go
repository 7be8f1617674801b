package server

import (
	"strings"
	"testing"
)

func TestMetricsCountRequestsByRouteAndStoreOperations(t *testing.T) {
	a := newTestApp(t)
	c := a.client()
	c.get("/sign-in")
	c.get("/no/such/page")
	r := c.get("/metrics")
	for _, want := range []string{
		`candour_http_requests_total{method="GET",route="/sign-in",status="200"} 1`,
		`candour_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`candour_http_request_duration_seconds_bucket{method="GET",route="/sign-in"`,
		`candour_store_operation_duration_seconds_count{command="find",outcome="ok"}`,
		`candour_mail_outbox_pending 0`,
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
