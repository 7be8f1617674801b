package auditfeed

import (
	"bytes"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"candour/store"
)

func signed(day string, seq int64, hash string, seed byte) store.PublishedHead {
	h := store.PublishedHead{Day: day, Seq: seq, Hash: hash, At: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	h.Sign(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, 32)))
	return h
}

func TestFeedRoundTripAndForgeries(t *testing.T) {
	heads := []store.PublishedHead{signed("2026-03-03", 10, strings.Repeat("b", 64), 2), signed("2026-03-02", 5, strings.Repeat("a", 64), 1)}
	var buf bytes.Buffer
	if err := Write(&buf, Meta{Title: "T", Author: "Force", SelfURL: "https://c.example/audit-chain.atom", PageURL: "https://c.example/audit-chain"}, heads); err != nil {
		t.Fatal(err)
	}
	feed := buf.String()
	got, err := Read(strings.NewReader(feed), nil)
	if err != nil || len(got) != 2 || got[0].Seq != 10 || got[1].Hash != heads[1].Hash || got[1].KeyID != heads[1].KeyID {
		t.Fatalf("round trip = %+v, %v", got, err)
	}
	if ks := Keys(heads); len(ks) != 2 || ks[0].ID != heads[1].KeyID || ks[0].FirstDay != "2026-03-02" {
		t.Fatalf("keys = %+v, want the older key first", ks)
	}
	for name, tc := range map[string]struct{ feed, want string }{
		"a head's hash edited":   {strings.Replace(feed, `hash="`+strings.Repeat("b", 64), `hash="`+strings.Repeat("c", 64), 1), "does not match its signature"},
		"a head's number edited": {strings.Replace(feed, `seq="10"`, `seq="11"`, 1), "does not match its signature"},
		"a key swapped":          {strings.Replace(feed, heads[0].PublicKey, heads[1].PublicKey, 1), "is not an Ed25519 public key with that id"},
		"not Atom":               {"<html></html>", "does not read as Atom"},
	} {
		if _, err := Read(strings.NewReader(tc.feed), nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
	// Trusting only the first key: the second key's head is refused.
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32)).Public().(ed25519.PublicKey)
	if _, err := Read(strings.NewReader(feed), map[string]ed25519.PublicKey{store.KeyID(pub): pub}); err == nil || !strings.Contains(err.Error(), "not a known key") {
		t.Errorf("untrusted key: %v", err)
	}
}
