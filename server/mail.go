package server

import (
	"context"
	"fmt"

	"candour/mail"
)

// queueMail puts a message in the outbox; the mail worker sends it. Bodies
// are plain text, written for the person reading them, and carry no
// confidential content (links only).
func (s *Server) queueMail(ctx context.Context, to, subject, body string) error {
	if err := s.outbox.QueueMail(ctx, to, subject, mail.Compose(s.cfg, body)); err != nil {
		return fmt.Errorf("queue mail to %s: %w", to, err)
	}
	return nil
}

// link makes an absolute link for a message.
func (s *Server) link(path string) string { return s.cfg.BaseURL + path }
