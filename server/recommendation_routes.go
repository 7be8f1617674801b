package server

// recommendationRoutes registers the recommendations register and the
// public "You said, we did" pages.
func (s *Server) recommendationRoutes(h handle) {
}
