package mail

import (
	"context"
	"fmt"
	"net"
	netmail "net/mail"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"candour/config"
	"candour/store"
)

// SMTP sends through a mail server. It upgrades the connection with
// STARTTLS when the server offers it, and signs in (PLAIN) only when a user
// name is configured; the password is then sent only over TLS or to a
// server on this machine.
type SMTP struct {
	client *gomail.Client
	from   string
}

var _ Sender = (*SMTP)(nil)

// NewSMTP makes a sender from CANDOUR_SMTP_ADDR (host:port),
// CANDOUR_SMTP_USER, CANDOUR_SMTP_PASSWORD and CANDOUR_MAIL_FROM. Its
// errors name the variable at fault.
func NewSMTP(cfg config.Config) (*SMTP, error) {
	host, portText, err := net.SplitHostPort(cfg.SMTPAddr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil || host == "" || port < 1 || port > 65535 {
		return nil, fmt.Errorf("CANDOUR_SMTP_ADDR: %q must be host:port, like smtp.example.org:587", cfg.SMTPAddr)
	}
	if _, err := netmail.ParseAddress(cfg.MailFrom); err != nil {
		return nil, fmt.Errorf("CANDOUR_MAIL_FROM: %q is not an email address, like Candour <no-reply@example.org>", cfg.MailFrom)
	}
	opts := []gomail.Option{
		gomail.WithPort(port),
		gomail.WithTLSPolicy(gomail.TLSOpportunistic),
		gomail.WithTimeout(10 * time.Second),
	}
	if cfg.SMTPUser != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(cfg.SMTPUser), gomail.WithPassword(cfg.SMTPPassword))
	}
	client, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("CANDOUR_SMTP_ADDR: %w", err)
	}
	return &SMTP{client: client, from: cfg.MailFrom}, nil
}

// Send delivers the batch over one connection, one message at a time,
// stopping (ErrNotTried for the rest) when ctx ends.
func (s *SMTP) Send(ctx context.Context, batch []store.Mail) []error {
	results := make([]error, len(batch))
	conn, err := s.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		for i := range results {
			results[i] = fmt.Errorf("connect to mail server: %w", err)
		}
		return results
	}
	defer func() { _ = s.client.CloseWithSMTPClient(conn) }()
	for i, m := range batch {
		if ctx.Err() != nil {
			results[i] = ErrNotTried
			continue
		}
		msg, err := s.message(m)
		if err != nil {
			results[i] = err
			continue
		}
		// A message the server accepted counts as sent even if resetting
		// the connection afterwards failed.
		if err := s.client.SendWithSMTPClient(conn, msg); err != nil && !msg.IsDelivered() {
			results[i] = err
		}
	}
	return results
}

// message builds a plain-text message marked as automatic, so that
// auto-responders do not answer it.
func (s *SMTP) message(m store.Mail) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return nil, fmt.Errorf("sender address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("recipient address: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	return msg, nil
}
