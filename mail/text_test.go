package mail_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"candour/mail"
	"candour/store"
)

// gateway is a real HTTP server standing in for the force's text-message
// gateway: it records what it was sent and can be told to refuse.
type gateway struct {
	mu     sync.Mutex
	got    []map[string]string
	auth   []string
	refuse bool
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.refuse {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	var m map[string]string
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	g.got = append(g.got, m)
	g.auth = append(g.auth, r.Header.Get("Authorization"))
}

// TestTextsGoToTheGatewayAndMailDoesNot: the outbox holds mail and text
// messages side by side; the SMTP worker sends only the mail and the text
// worker only the texts, to the gateway with its token; a refusal is
// tried again later.
func TestTextsGoToTheGatewayAndMailDoesNot(t *testing.T) {
	srv := startSMTP(t)
	db, mw, clock := setup(t, srv, nil)
	ctx := context.Background()
	g := &gateway{refuse: true}
	hs := httptest.NewServer(g)
	t.Cleanup(hs.Close)
	tw := mail.NewWorker(mail.TextOutbox(db), mail.Texts(mail.WebhookTexts{URL: hs.URL, Token: "s3cret"}), slog.New(slog.DiscardHandler))

	if err := db.QueueMessages(ctx, []store.Mail{
		{To: "asha@example.org", Subject: "Advice needed", Body: "By mail"},
		{Channel: store.ChannelText, To: "+447700900123", Body: "By text"},
	}); err != nil {
		t.Fatal(err)
	}
	sendDue(t, mw, 1)
	if _, accepted := srv.counts(); accepted != 1 {
		t.Fatalf("SMTP server accepted %d, want the one mail", accepted)
	}
	sendDue(t, tw, 0) // the gateway refuses
	clock.advance(2 * 60e9)
	g.mu.Lock()
	g.refuse = false
	g.mu.Unlock()
	sendDue(t, tw, 1)
	sendDue(t, tw, 0)
	if len(g.got) != 1 || g.got[0]["to"] != "+447700900123" || g.got[0]["body"] != "By text" || g.auth[0] != "Bearer s3cret" {
		t.Fatalf("gateway got %v with %v", g.got, g.auth)
	}
	if _, accepted := srv.counts(); accepted != 1 {
		t.Fatalf("the text also went by mail")
	}
}
