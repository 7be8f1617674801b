package server

import "time"

// shutdownGrace is how long requests in flight get to finish once the
// server stops accepting connections.
const shutdownGrace = 30 * time.Second

// drain begins a graceful shutdown (SIGTERM): from now on /readyz answers
// 503, so the load balancer or Kubernetes stops sending new requests here,
// and every response closes its connection; requests are still served for
// CANDOUR_DRAIN_DELAY (the time a load balancer takes to notice), after
// which Serve stops accepting and waits up to shutdownGrace for the
// requests in flight.
func (s *Server) drain() {
	if s.draining.Swap(true) {
		return
	}
	s.log.Info("shutting down: /readyz answers 503; serving for the drain delay", "delay", s.cfg.DrainDelay.String())
	time.Sleep(s.cfg.DrainDelay)
}
