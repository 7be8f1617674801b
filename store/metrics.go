package store

import (
	"context"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
)

// opLatency records every database command's duration by command name.
type opLatency struct {
	hist *prometheus.HistogramVec
	// trace, when set (tests only, store/testhooks.go), is told of every
	// command sent: its name and the collection it names.
	trace atomic.Pointer[func(command, coll string)]
	// started counts the commands sent (Commands).
	started atomic.Int64
	// filters, when set (tests only), is told of every command's filter
	// (nil when it has none).
	filters atomic.Pointer[func(command, coll string, filter bson.Raw)]
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
		Started: func(ctx context.Context, e *event.CommandStartedEvent) {
			o.started.Add(1)
			if f := o.trace.Load(); f != nil && ctx.Value(untraced{}) == nil {
				coll := ""
				if v, err := e.Command.LookupErr(e.CommandName); err == nil {
					coll, _ = v.StringValueOK()
				}
				if id, err := e.Command.LookupErr("filter", "_id"); err == nil && traceIDs {
					coll += " " + id.String()
				}
				(*f)(e.CommandName, coll)
			}
			if f := o.filters.Load(); f != nil {
				coll, _ := e.Command.Lookup(e.CommandName).StringValueOK()
				filter, _ := e.Command.Lookup("filter").DocumentOK()
				(*f)(e.CommandName, coll, filter)
			}
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			o.hist.WithLabelValues(e.CommandName, "ok").Observe(e.Duration.Seconds())
		},
		Failed: func(_ context.Context, e *event.CommandFailedEvent) {
			o.hist.WithLabelValues(e.CommandName, "error").Observe(e.Duration.Seconds())
		},
	}
}

// Commands is how many database commands this store has sent: serve
// watches it to tell when start-up's work has settled.
func (s *Store) Commands() int64 { return s.ops.started.Load() }

// RegisterMetrics adds the store's metrics to a Prometheus registry.
func (s *Store) RegisterMetrics(reg prometheus.Registerer) {
	_ = reg.Register(s.ops.hist)
}

var traceIDs = false

// untraced marks a context whose commands a trace (TraceCommands) leaves
// out: background work on a timer that is no request's round trip, such
// as saving the rate limits counted in memory every second (limits.go).
type untraced struct{}
