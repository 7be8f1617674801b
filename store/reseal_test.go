package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"candour/sealed"
	"candour/store"
	"candour/store/storetest"
)

// TestResealReferrals: after a rotation, reseal moves every sealed field
// (content, contact, messages and notes) of every referral to the new
// primary key; a run stopped after its first batch resumes after the last
// referral it finished; a second run finds nothing to do.
func TestResealReferrals(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	blind := bytes.Repeat([]byte("k"), 32)
	ks, _ := sealed.NewKeyset()
	old, _ := sealed.New(ks, blind)
	s.SetSealer(old)
	var ids []string
	for i, marker := range []string{"a", "b", "c", "d", "e"} {
		n := store.NewReferral{Kind: store.KindPartner, PartnerID: "p1", Content: sampleContent(marker)}
		if i == 0 {
			n.Contact = store.ReporterContact{Name: "Contact" + marker}
		}
		r, err := s.CreateReferral(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if i < 2 {
			if err := s.AddRefMessage(ctx, r.ID, store.FromPartner, "", "Message"+marker); err != nil {
				t.Fatal(err)
			}
			if err := s.AddRefMessage(ctx, r.ID, store.FromNote, "Analyst", "Note"+marker); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, r.ID)
	}
	added, _, _ := sealed.AddKey(ks)
	promoted, _ := sealed.Promote(added, 0)
	neu, _ := sealed.New(promoted, blind)
	s.SetSealer(neu)

	// First run, batches of 2, stopped after the first batch.
	stop, cancel := context.WithCancel(ctx)
	p, err := s.ResealReferrals(stop, 2, false, func(store.ResealProgress) { cancel() })
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped run: %v", err)
	}
	if p.Checked != 2 || p.Resealed != 2 {
		t.Fatalf("stopped run did %+v, want 2 checked and re-sealed", p)
	}
	// Resumed: the other 3 only (5 made, 2 done).
	p, err = s.ResealReferrals(ctx, 2, false, nil)
	if err != nil || p.Checked != 3 || p.Resealed != 3 {
		t.Fatalf("resumed run = %+v, %v; want 3 checked, 3 re-sealed", p, err)
	}
	for i, id := range ids {
		raw, err := s.Referral(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if k := sealed.KeyID(raw.SealedContent); k != neu.PrimaryKeyID() {
			t.Errorf("referral %d content under key %d, want %d", i, k, neu.PrimaryKeyID())
		}
		if i == 0 && sealed.KeyID(raw.SealedContact) != neu.PrimaryKeyID() {
			t.Errorf("contact still under key %d", sealed.KeyID(raw.SealedContact))
		}
		for _, m := range raw.Messages {
			if sealed.KeyID(m.Body) != neu.PrimaryKeyID() {
				t.Errorf("referral %d message %s under key %d", i, m.ID, sealed.KeyID(m.Body))
			}
		}
		r, err := s.OpenReferral(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := "What" + string(rune('a'+i))
		if r.Content.WhatHappened != want {
			t.Errorf("referral %d opens to %q, want %q", i, r.Content.WhatHappened, want)
		}
		if i < 2 && (len(r.Messages) != 2 || r.Messages[0].Text != "Message"+string(rune('a'+i)) || r.Messages[1].Text != "Note"+string(rune('a'+i))) {
			t.Errorf("referral %d messages = %+v", i, r.Messages)
		}
	}
	// A fresh run from the start finds everything under the primary key.
	p, err = s.ResealReferrals(ctx, 2, true, nil)
	if err != nil || p.Checked != 5 || p.Resealed != 0 {
		t.Fatalf("repeat run = %+v, %v; want 5 checked, none re-sealed", p, err)
	}
	// The old key alone can open nothing now.
	s.SetSealer(old)
	if _, err := s.OpenReferral(ctx, ids[0]); err == nil {
		t.Fatal("the old keyset still opens a re-sealed referral")
	}
}
