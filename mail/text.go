package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"candour/store"
)

// TextSender sends one text message to a mobile number. The force chooses
// the gateway (CANDOUR_TEXT_URL: WebhookTexts); without one, LogTexts.
type TextSender interface {
	SendText(ctx context.Context, to, body string) error
}

// LogTexts is the default TextSender: it sends nothing and writes one log
// line per message with the number's last three digits only (never the
// body, which carries a link), so an operator can see texts would go.
type LogTexts struct{ Log *slog.Logger }

// SendText logs the message and reports success.
func (l LogTexts) SendText(ctx context.Context, to, _ string) error {
	l.Log.InfoContext(ctx, "text message not sent: no CANDOUR_TEXT_URL", "to", "…"+tail(to, 3))
	return nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// WebhookTexts posts each message as JSON ({"to": ..., "body": ...}) to
// the force's text-message gateway, with the token as a bearer token; any
// 2xx answer means the gateway took it.
type WebhookTexts struct {
	URL, Token string
	Client     *http.Client
}

// SendText posts one message.
func (w WebhookTexts) SendText(ctx context.Context, to, body string) error {
	payload, err := json.Marshal(map[string]string{"to": to, "body": body})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("text gateway: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if w.Token != "" {
		req.Header.Set("Authorization", "Bearer "+w.Token)
	}
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("text gateway: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("text gateway: answered %s", res.Status)
	}
	return nil
}

// Texts makes a Sender of a TextSender, for a Worker over TextOutbox.
func Texts(t TextSender) Sender { return textBatch{t} }

type textBatch struct{ t TextSender }

func (b textBatch) Send(ctx context.Context, batch []store.Mail) []error {
	out := make([]error, len(batch))
	for i, m := range batch {
		if ctx.Err() != nil {
			out[i] = ErrNotTried
			continue
		}
		out[i] = b.t.SendText(ctx, m.To, m.Body)
	}
	return out
}

// TextOutbox is the outbox's text messages, for a Worker of their own.
func TextOutbox(db *store.Store) Outbox { return textOutbox{db} }

type textOutbox struct{ *store.Store }

func (o textOutbox) DueMail(ctx context.Context, limit int) ([]store.Mail, error) {
	return o.Store.DueTexts(ctx, limit)
}
