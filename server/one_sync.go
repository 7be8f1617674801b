package server

import (
	"sync"

	"github.com/gin-gonic/gin"
)

// oneSync lets a request's writes on the embedded store share one wait for
// the disk (store.OneSync): each write commits without waiting for its
// fsync, and the answer waits once, for one fsync covering them all, before
// its first byte leaves (or, if the handler wrote nothing, before Gin
// writes the status). So an answer still says only what is on disk. It is
// on the anonymous report's send and the receipt's return, whose three to
// five writes each waited for an fsync of their own, one after another
// (issue 18), on a visit sign-up (its seat, and the head of the diary
// when a far month is listed first; the booking itself is written after
// the answer, store/visit_diary_later.go), and on
// an answer to a request for advice (the answer, then its audit event,
// whose own wait for the disk covers the answer: the audit's group commit
// waits for itself, store.ownSync, as it carries other requests' events).
// Every request on such a route waits alike, so the answer's
// timing says no more than before.
func (s *Server) oneSync(c *gin.Context) {
	ctx, wait := s.durable.OneSync(c.Request.Context())
	c.Request = c.Request.WithContext(ctx)
	w := &syncedWriter{ResponseWriter: c.Writer, wait: wait}
	c.Writer = w
	c.Next()
	w.synced()
}

// syncedWriter waits for the request's writes to be on disk before
// anything of the answer is written.
type syncedWriter struct {
	gin.ResponseWriter
	wait func()
	once sync.Once
}

func (w *syncedWriter) synced() { w.once.Do(w.wait) }

func (w *syncedWriter) WriteHeader(code int) {
	w.synced()
	w.ResponseWriter.WriteHeader(code)
}

func (w *syncedWriter) WriteHeaderNow() {
	w.synced()
	w.ResponseWriter.WriteHeaderNow()
}

func (w *syncedWriter) Write(b []byte) (int, error) {
	w.synced()
	return w.ResponseWriter.Write(b)
}

func (w *syncedWriter) WriteString(s string) (int, error) {
	w.synced()
	return w.ResponseWriter.WriteString(s)
}

func (w *syncedWriter) Flush() {
	w.synced()
	w.ResponseWriter.Flush()
}
