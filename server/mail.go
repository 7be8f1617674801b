package server

import (
	"context"
	"fmt"

	"candour/mail"
	"candour/store"
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

// mailUsers queues one message to each of the people with ids who are
// active, read through the group's view (people).
func (s *Server) mailUsers(ctx context.Context, people peopleByID, ids []string, subject string, body func(u store.User) string) error {
	if len(ids) == 0 {
		return nil
	}
	users, err := people.UsersByID(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		u, ok := users[id]
		if !ok || u.Status != store.StatusActive {
			continue
		}
		if err := s.queueMail(ctx, u.Email, subject, body(u)); err != nil {
			return err
		}
	}
	return nil
}
