package server

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"candour/store"
)

// metrics are the Prometheus series served on the metrics listener
// (CANDOUR_METRICS_ADDR), never on the portal's public port. They must say
// nothing about people: an observer polling them must not learn when an
// anonymous report, a reporter's return or a survey response happened.
// So:
//   - HTTP requests are counted by route, except the anonymous routes and
//     static files (a reporter's browser fetches those too);
//   - everything the store moves (command latency by command, the mail
//     outbox's depth) is published as a snapshot taken once per clock hour,
//     so a single action cannot be told from the rest of its hour (only
//     the benchmark's own build, with the candourbench tag, publishes the
//     store's command counts live: metrics_live.go);
//   - no Go runtime or process series (version, start time, allocations
//     move with every request, anonymous ones included).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	hourly   *hourlyGatherer
}

func newMetrics(db *store.Store, build BuildInfo) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "candour_http_requests_total", Help: "HTTP requests by route, method and status (anonymous routes and static files are not counted).",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "candour_http_request_duration_seconds", Help: "HTTP request latency by route (anonymous routes and static files are not counted).",
			Buckets: []float64{.005, .01, .02, .05, .1, .15, .25, .5, 1, 2.5},
		}, []string{"route", "method"}),
	}
	m.reg.MustRegister(m.requests, m.latency, buildInfo(build)) // the build (version, commit) is no secret and moves with no one

	slow := prometheus.NewRegistry()
	m.hourly = &hourlyGatherer{inner: slow, now: time.Now}
	if db != nil { // nil: handler tests with fakes for the store (fakes_test.go)
		slow.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "candour_mail_outbox_pending", Help: "Messages waiting in the mail outbox (as at the start of the hour).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			n, err := db.CountPendingMail(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
		if liveStoreCounts {
			db.RegisterMetrics(m.reg) // the benchmark's build only (metrics_live.go)
		} else {
			db.RegisterMetrics(slow)
		}
		m.hourly.now = db.Now
	}
	return m
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(prometheus.Gatherers{m.reg, m.hourly}, promhttp.HandlerOpts{})
}

// MetricsHandler serves the Prometheus series (for the metrics listener).
func (s *Server) MetricsHandler() http.Handler { return s.metrics.handler() }

// hourlyGatherer publishes what inner gathers as it was at the first
// scrape of the current clock hour: scrapes within an hour are identical,
// so nobody can time one anonymous action by watching a store counter.
type hourlyGatherer struct {
	inner prometheus.Gatherer
	now   func() time.Time

	mu    sync.Mutex
	hour  time.Time
	cache []*dto.MetricFamily
}

func (h *hourlyGatherer) Gather() ([]*dto.MetricFamily, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	hour := h.now().UTC().Truncate(time.Hour)
	if h.cache == nil || !hour.Equal(h.hour) {
		mfs, err := h.inner.Gather()
		if err != nil {
			return nil, err
		}
		h.cache, h.hour = mfs, hour
	}
	return h.cache, nil
}
