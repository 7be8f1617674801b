package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
	t.Parallel()
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
	p, err := s.Reseal(stop, 2, false, func(store.ResealProgress) { cancel() })
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped run: %v", err)
	}
	if p.Checked != 2 || p.Resealed != 2 {
		t.Fatalf("stopped run did %+v, want 2 checked and re-sealed", p)
	}
	// Resumed: the other 3 only (5 made, 2 done).
	p, err = s.Reseal(ctx, 2, false, nil)
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
	p, err = s.Reseal(ctx, 2, true, nil)
	if err != nil || p.Checked != 5 || p.Resealed != 0 {
		t.Fatalf("repeat run = %+v, %v; want 5 checked, none re-sealed", p, err)
	}
	// The old key alone can open nothing now.
	s.SetSealer(old)
	if _, err := s.OpenReferral(ctx, ids[0]); err == nil {
		t.Fatal("the old keyset still opens a re-sealed referral")
	}
}

// TestResealEveryKind: one document of every sealed kind is made under a
// key; the key is rotated, "keys reseal" runs, and the old key is taken
// out of the keyset: every kind still opens, to what was written. The
// table must name every kind the store seals (store.SealedKinds, the
// registry that both sealing and re-sealing use), so a new kind of sealed
// document fails here until it is made, re-sealed and opened below.
func TestResealEveryKind(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	blind := bytes.Repeat([]byte("k"), 32)
	oldKS, _ := sealed.NewKeyset()
	old, _ := sealed.New(oldKS, blind)
	db.SetSealer(old)
	// Papers in chunks of 4 KiB, not 1 MiB: the meeting paper below is two
	// chunks either way, and megabytes sealed, re-sealed and dumped were
	// most of this test's CPU under the race detector.
	const chunk = 4 << 10
	db.SetPaperChunkSizeForTest(chunk)

	type kind struct {
		make func() (check func() error)
	}
	kinds := map[string]kind{
		"referrals": {make: func() func() error {
			r, err := db.CreateReferral(ctx, store.NewReferral{Kind: store.KindPartner, PartnerID: "p1", Content: sampleContent("x"),
				Contact: store.ReporterContact{Name: "Contact x"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.AddRefMessage(ctx, r.ID, store.FromPartner, "", "Message x"); err != nil {
				t.Fatal(err)
			}
			return func() error {
				o, err := db.OpenReferral(ctx, r.ID)
				if err != nil {
					return err
				}
				if o.Content.WhatHappened != "Whatx" || o.Contact.Name != "Contact x" || len(o.Messages) != 1 || o.Messages[0].Text != "Message x" {
					return fmt.Errorf("opens to %+v %+v %+v", o.Content, o.Contact, o.Messages)
				}
				return nil
			}
		}},
		"custody_reports": {make: func() func() error {
			r := &store.CustodyReport{ID: "visit-1", Suite: "Weymouth", Content: store.CustodyContent{Matters: "Blanket missing in cell 4"}}
			if err := db.SaveCustodyReport(ctx, r, 0); err != nil {
				t.Fatal(err)
			}
			return func() error {
				o, err := db.CustodyReport(ctx, "visit-1")
				if err != nil {
					return err
				}
				if o.Content.Matters != "Blanket missing in cell 4" {
					return fmt.Errorf("opens to %+v", o.Content)
				}
				return nil
			}
		}},
		"conflicts": {make: func() func() error {
			if _, err := db.DeclareConflict(ctx, "analyst", store.ConflictPerson{Name: "Sam Brother", Force: "Dorset Police", Connection: "brother"}); err != nil {
				t.Fatal(err)
			}
			return func() error {
				cs, err := db.Conflicts(ctx, "analyst")
				if err != nil {
					return err
				}
				if len(cs) != 1 || cs[0].Person.Name != "Sam Brother" {
					return fmt.Errorf("opens to %+v", cs)
				}
				return nil
			}
		}},
		"meeting_papers": {make: func() func() error {
			m := newMeeting(t, db)
			content := bytes.Repeat([]byte("PAPER "), chunk/3) // two chunks
			p := &store.Paper{Name: "figures.pdf", Type: "application/pdf"}
			if err := db.StorePaper(ctx, m.ID, p, bytes.NewReader(content)); err != nil {
				t.Fatal(err)
			}
			return func() error {
				var out bytes.Buffer
				if err := db.OpenPaper(ctx, *p, &out); err != nil {
					return err
				}
				if !bytes.Equal(out.Bytes(), content) {
					return fmt.Errorf("opens to %d bytes, not the %d stored", out.Len(), len(content))
				}
				return nil
			}
		}},
		"expense_receipts": {make: func() func() error {
			content := []byte("%PDF-1.4 parking receipt")
			p := &store.Paper{Name: "parking.pdf", Type: "application/pdf"}
			if err := db.StoreReceipt(ctx, p, bytes.NewReader(content)); err != nil {
				t.Fatal(err)
			}
			return func() error {
				var out bytes.Buffer
				if err := db.OpenReceipt(ctx, *p, &out); err != nil {
					return err
				}
				if !bytes.Equal(out.Bytes(), content) {
					return fmt.Errorf("opens to %q", out.String())
				}
				return nil
			}
		}},
		"advice_requests": {make: func() func() error {
			r := answeredAdviceRequest(t, db)
			return func() error { return adviceOpensAsWritten(ctx, db, r.ID) }
		}},
	}
	for _, k := range store.SealedKinds() {
		if _, ok := kinds[k]; !ok {
			t.Errorf("the store seals %s, which this test does not make, re-seal and open: add it", k)
		}
	}
	if len(kinds) != len(store.SealedKinds()) {
		t.Errorf("this test knows %d kinds, the store seals %d (%v)", len(kinds), len(store.SealedKinds()), store.SealedKinds())
	}
	checks := map[string]func() error{}
	for name, k := range kinds {
		checks[name] = k.make()
	}

	added, newID, _ := sealed.AddKey(oldKS)
	promoted, _ := sealed.Promote(added, newID)
	both, _ := sealed.New(promoted, blind)
	db.SetSealer(both)
	p, err := db.Reseal(ctx, 2, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Documents: 1 referral, 1 report, 1 conflict, 2 paper chunks, 1
	// receipt chunk, 1 request = 7, all re-sealed.
	if p.Checked != 7 || p.Resealed != 7 {
		t.Fatalf("reseal = %+v, want 7 documents checked and re-sealed", p)
	}
	dump := storetest.RawDump(t, db)
	for _, s := range []string{"Meet at the library", "We met there", "Tension is low", "Blanket missing", "Sam Brother", "PAPER PAPER", "parking receipt", "Message x"} {
		if bytes.Contains(dump, []byte(s)) {
			t.Errorf("the raw database holds %q", s)
		}
	}

	retired, err := sealed.Retire(promoted, old.PrimaryKeyID())
	if err != nil {
		t.Fatal(err)
	}
	newOnly, err := sealed.New(retired, blind)
	if err != nil {
		t.Fatal(err)
	}
	db.SetSealer(newOnly)
	for _, name := range store.SealedKinds() {
		if check := checks[name]; check != nil {
			if err := check(); err != nil {
				t.Errorf("%s after the old key is gone: %v", name, err)
			}
		}
	}
	// The old key alone opens none of it now.
	db.SetSealer(old)
	for _, name := range store.SealedKinds() {
		if check := checks[name]; check != nil && check() == nil {
			t.Errorf("%s still opens with the retired key alone", name)
		}
	}
}

// adviceOpensAsWritten checks a request made as in TestResealEveryKind.
func adviceOpensAsWritten(ctx context.Context, db *store.Store, id string) error {
	r, err := db.AdviceRequest(ctx, id)
	if err != nil {
		return err
	}
	a := r.Answers["u1"]
	if r.Title != "Fatal collision, Boscombe" || r.Shared != "A man died after a police pursuit." || r.Question != "How should we talk to the community tonight?" ||
		a.Text != "Meet at the library." || a.Response != "We met there." || r.ImpactWording != "Tension is low." || r.PublicSummary != "The force met the community." {
		return fmt.Errorf("opens to %+v", r)
	}
	return nil
}
