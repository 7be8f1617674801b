package store

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/event"
)

// opLatency records every database command's duration by command name.
type opLatency struct {
	hist *prometheus.HistogramVec
}

func newOpLatency() *opLatency {
	return &opLatency{
		hist: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "candour_store_operation_duration_seconds", Help: "Database command latency by command.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .5},
		}, []string{"command", "outcome"}),
	}
}

func (o *opLatency) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			o.hist.WithLabelValues(e.CommandName, "ok").Observe(e.Duration.Seconds())
		},
		Failed: func(_ context.Context, e *event.CommandFailedEvent) {
			o.hist.WithLabelValues(e.CommandName, "error").Observe(e.Duration.Seconds())
		},
	}
}

// RegisterMetrics adds the store's metrics to a Prometheus registry.
func (s *Store) RegisterMetrics(reg prometheus.Registerer) {
	_ = reg.Register(s.ops.hist)
}
