package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/jobs"
	"candour/server"
	"candour/store"
)

// editAuditPage changes the stored events of the page holding event seq,
// as someone with database access would (store/audit.go keeps events
// AuditPageSize to a document in one collection).
func editAuditPage(t *testing.T, db *store.Store, seq int64, edit func([]store.AuditEvent) []store.AuditEvent) {
	t.Helper()
	ctx := context.Background()
	// Appends write each event as a document of its own and fold them onto
	// pages later: fold them all now, so the event is on its page.
	if err := db.FoldAuditForTest(ctx); err != nil {
		t.Fatal(err)
	}
	coll := db.RawDatabase().Collection(store.AuditCollection)
	var page struct {
		ID     string             `bson:"_id"`
		Events []store.AuditEvent `bson:"events"`
	}
	id := bson.D{{Key: "_id", Value: store.AuditPageID(seq)}}
	if err := coll.FindOne(ctx, id).Decode(&page); err != nil {
		t.Fatalf("page of event %d: %v", seq, err)
	}
	page.Events = edit(page.Events)
	if _, err := coll.ReplaceOne(ctx, id, page); err != nil {
		t.Fatal(err)
	}
	db.ForgetCopies() // as the store would find it after a restart
}

// rewindAudit deletes every event after to and moves the chain's head back
// to event to: what someone rewriting history would do first, so that the
// chain's own links still verify.
func rewindAudit(t *testing.T, db *store.Store, to int64) {
	t.Helper()
	ctx := context.Background()
	last, err := db.AuditEventAt(ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := db.AuditHead(ctx)
	for p := to; p <= head; p += store.AuditPageSize {
		editAuditPage(t, db, p, func(evs []store.AuditEvent) []store.AuditEvent {
			return slices.DeleteFunc(evs, func(e store.AuditEvent) bool { return e.Seq > to })
		})
	}
	if _, err := db.RawDatabase().Collection("counters").UpdateOne(ctx, bson.D{{Key: "_id", Value: "audit"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: to}, {Key: "hash", Value: last.Hash}}},
			// and nothing left pending that would write the deleted events back
			{Key: "$unset", Value: bson.D{{Key: "pending", Value: ""}, {Key: "pendingDays", Value: ""}, {Key: "closed", Value: ""}, {Key: "bucketFirst", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	db.ForgetCopies()
}

func TestAuditVerifyAgainstThePublishedFeed(t *testing.T) {
	env := testEnv(t, nil)
	ctx := context.Background()
	cfg, _, db, err := open(ctx, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	nextDay := func() { mu.Lock(); now = now.Add(24 * time.Hour); mu.Unlock() }
	appendEvents := func(n int, who string) {
		t.Helper()
		for i := range n {
			if err := db.Audit(ctx, store.AuditEvent{Actor: who, Action: store.AuditRefViewed, Target: fmt.Sprintf("referral:%d", i),
				Reason: store.ReasonAssessment}); err != nil {
				t.Fatal(err)
			}
		}
	}
	keyA := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	keyB := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32))

	// Day 1: events 1-5, head 5 signed with key A. Day 2: events 6-10, the
	// key rotated, head 10 signed with key B. Day 3: events 11-13, not yet published.
	appendEvents(5, "a@example.org")
	if h, err := jobs.PublishAuditHead(ctx, db, keyA); err != nil || h == nil || h.Seq != 5 || h.Day != "2026-03-02" {
		t.Fatalf("first head = %+v, %v", h, err)
	}
	appendEvents(1, "a@example.org")
	if h, err := jobs.PublishAuditHead(ctx, db, keyA); err != nil || h != nil {
		t.Fatalf("a second head the same day = %+v, %v; want none", h, err)
	}
	nextDay()
	appendEvents(4, "b@example.org")
	if h, err := jobs.PublishAuditHead(ctx, db, keyB); err != nil || h == nil || h.Seq != 10 || h.Day != "2026-03-03" {
		t.Fatalf("second head = %+v, %v", h, err)
	}
	nextDay()
	appendEvents(3, "c@example.org")

	srv, err := server.New(cfg, db, slog.New(slog.DiscardHandler), []byte(strings.Repeat("k", 32)), server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	feedURL := hs.URL + "/audit-chain.atom"
	var saved []byte // a copy of the feed as published, kept by someone outside
	verify := func(trusted map[string]ed25519.PublicKey) (string, error) {
		t.Helper()
		feed, err := openFeed(ctx, feedURL)
		if err != nil {
			t.Fatal(err)
		}
		defer feed.Close()
		var out bytes.Buffer
		err = verifyAudit(ctx, db, feed, trusted, &out)
		return out.String(), err
	}

	// The public page lists both keys and both heads.
	page, err := openFeed(ctx, hs.URL+"/audit-chain")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page)
	page.Close()
	for _, want := range []string{store.KeyID(keyA.Public().(ed25519.PublicKey)), store.KeyID(keyB.Public().(ed25519.PublicKey)), "2026-03-02", "2026-03-03"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("the public page lacks %q", want)
		}
	}

	// Intact: 13 events, 2 heads (days 1 and 2), the latest at event 10.
	out, err := verify(nil)
	if err != nil || !strings.Contains(out, "Every link of the audit chain verifies: 13 events.") ||
		!strings.Contains(out, "The chain passes through all 2 published heads (the latest: event 10 on 2026-03-03).") {
		t.Fatalf("intact chain: %v\n%s", err, out)
	}
	feed, _ := openFeed(ctx, feedURL)
	saved, _ = io.ReadAll(feed)
	feed.Close()

	// Trusting only key A: the head signed with key B is refused.
	if _, err := verify(map[string]ed25519.PublicKey{store.KeyID(keyA.Public().(ed25519.PublicKey)): keyA.Public().(ed25519.PublicKey)}); err == nil ||
		!strings.Contains(err.Error(), "not a known key") {
		t.Fatalf("untrusted key: %v", err)
	}
	// A copy of the feed whose head was edited no longer matches its signature.
	h10, _ := db.AuditEventAt(ctx, 10)
	forged := bytes.ReplaceAll(saved, []byte(h10.Hash), []byte(strings.Repeat("0", 64)))
	var sink bytes.Buffer
	if err := verifyAudit(ctx, db, bytes.NewReader(forged), nil, &sink); err == nil || !strings.Contains(err.Error(), "does not match its signature") {
		t.Fatalf("forged feed: %v", err)
	}

	// A tampered event: the chain's own links break at it.
	setActor := func(who string) {
		editAuditPage(t, db, 3, func(evs []store.AuditEvent) []store.AuditEvent {
			for i := range evs {
				if evs[i].Seq == 3 {
					evs[i].Actor = who
				}
			}
			return evs
		})
	}
	setActor("someone-else@example.org")
	if _, err := verify(nil); err == nil || !strings.Contains(err.Error(), "broken at event 3: event altered") {
		t.Fatalf("tampered event: %v", err)
	}
	setActor("a@example.org")
	if _, err := verify(nil); err != nil {
		t.Fatalf("restored event: %v", err)
	}

	// A deleted event in the middle: a gap in the chain.
	var ev7 store.AuditEvent
	editAuditPage(t, db, 7, func(evs []store.AuditEvent) []store.AuditEvent {
		return slices.DeleteFunc(evs, func(e store.AuditEvent) bool {
			if e.Seq == 7 {
				ev7 = e
			}
			return e.Seq == 7
		})
	})
	if _, err := verify(nil); err == nil || !strings.Contains(err.Error(), "broken at event 7: event missing") {
		t.Fatalf("deleted event: %v", err)
	}
	editAuditPage(t, db, 7, func(evs []store.AuditEvent) []store.AuditEvent {
		evs = append(evs, ev7)
		slices.SortFunc(evs, func(a, b store.AuditEvent) int { return int(a.Seq - b.Seq) })
		return evs
	})
	if _, err := verify(nil); err != nil {
		t.Fatalf("restored event 7: %v", err)
	}
	// Deleted events with the head moved back (events 8-13 gone): the
	// chain's links all verify, but published event 10 is missing.
	rewindAudit(t, db, 7)
	out, err = verify(nil)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 published heads do not match") ||
		!strings.Contains(out, "Every link of the audit chain verifies: 7 events.") ||
		!strings.Contains(out, "Published head of 2026-03-03: event 10, published on 2026-03-03, is no longer stored.") {
		t.Fatalf("deleted events: %v\n%s", err, out)
	}

	// A rewritten chain: history from event 4 replaced, every hash
	// recomputed, the chain's links intact; neither published head matches.
	rewindAudit(t, db, 3)
	appendEvents(10, "rewriter@example.org")
	out, err = verify(nil)
	if err == nil || !strings.Contains(err.Error(), "2 of 2 published heads do not match") ||
		!strings.Contains(out, "Every link of the audit chain verifies: 13 events.") ||
		!strings.Contains(out, "event 5 no longer has the hash published on 2026-03-02: the chain has been rewritten") {
		t.Fatalf("rewritten chain: %v\n%s", err, out)
	}

	// The command itself, on the saved copy of the feed: exit 1 (not a usage error).
	hs.Close()
	db.Close(context.Background())
	file := t.TempDir() + "/heads.atom"
	if err := os.WriteFile(file, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	var cmdOut bytes.Buffer
	err = Run(ctx, []string{"audit", "verify", "--against", file}, env, nil, &cmdOut, &cmdOut)
	var ue usageError
	if err == nil || errors.As(err, &ue) || !strings.Contains(err.Error(), "2 of 2 published heads do not match") {
		t.Fatalf("candour audit verify --against FILE: %v\n%s", err, cmdOut.String())
	}
	for _, args := range [][]string{{"audit"}, {"audit", "verify", "--against", t.TempDir() + "/missing.atom"}, {"audit", "verify", "--key", "nonsense"}} {
		if err := Run(ctx, args, env, nil, io.Discard, io.Discard); !errors.As(err, &ue) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
}

func TestDPIAPrintsTheRecordOfProcessing(t *testing.T) {
	env := testEnv(t, map[string]string{"CANDOUR_REFERRAL_RETENTION": "anonymous:closed=18"})
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"dpia"}, env, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Dorset Police: Candour record of processing and DPIA draft", "## Referral and report content",
		"- Who can see it: Counter Corruption Unit", "  - Anonymous reports closed: deleted 18 months after that status"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dpia lacks %q\n%s", want, out.String())
		}
	}
	var ue usageError
	if err := Run(context.Background(), []string{"dpia", "extra"}, env, nil, io.Discard, io.Discard); !errors.As(err, &ue) {
		t.Errorf("dpia extra: %v, want a usage error", err)
	}
}
