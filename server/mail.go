package server

import (
	"context"
	"fmt"
)

// queueMail puts a message in the outbox; the mail worker sends it. Bodies
// are plain text, written for the person reading them, and carry no
// confidential content (links only).
func (s *Server) queueMail(ctx context.Context, to, subject, body string) error {
	body += "\n\n--\nCandour, " + s.cfg.ForceName + "\nThis is an automatic message. Do not reply to it.\n"
	if err := s.store.QueueMail(ctx, to, subject, body); err != nil {
		return fmt.Errorf("queue mail to %s: %w", to, err)
	}
	return nil
}

// link makes an absolute link for a message.
func (s *Server) link(path string) string { return s.cfg.BaseURL + path }
