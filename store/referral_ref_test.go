package store_test

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/store"
	"candour/store/storetest"
)

// TestAnonymousReportReferenceDoesNotDateIt: an anonymous report keeps its
// time only to the day, so its reference must not be the next number of the
// counter that partner referrals (whose times are exact) also draw from:
// "between CCU-00001 at 10:32 and CCU-00003 at 10:47" would date it.
func TestAnonymousReportReferenceDoesNotDateIt(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	var refs []string
	for i, kind := range []string{store.KindPartner, store.KindAnonymous, store.KindPartner} {
		n := store.NewReferral{Kind: kind, PartnerID: "p", Content: sampleContent("REF")}
		if kind == store.KindAnonymous {
			n = store.NewReferral{Kind: kind, ID: "anon-ref", Content: sampleContent("REF")}
		}
		r, err := s.CreateReferral(ctx, n)
		if err != nil {
			t.Fatalf("referral %d: %v", i, err)
		}
		refs = append(refs, r.Ref)
	}
	if refs[0] != "CCU-00001" || refs[2] != "CCU-00002" {
		t.Errorf("partner references %q and %q: the anonymous report took a number between them", refs[0], refs[2])
	}
	if !regexp.MustCompile(`^CCU-A[A-Z2-9]{6}$`).MatchString(refs[1]) {
		t.Errorf("anonymous reference %q is not a random CCU-A reference", refs[1])
	}
}

// TestAnonymousMessagesAreNotDatedByTheirIDs: a reporter's reply is dated
// to the day, but an ObjectID as its id would hold the second it was sent.
func TestAnonymousMessagesAreNotDatedByTheirIDs(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	r, err := s.CreateReferral(ctx, store.NewReferral{Kind: store.KindAnonymous, ID: "anon-msg", Content: sampleContent("MSG")})
	if err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{store.FromReporter, store.FromCCU, store.FromReporter} {
		if err := s.AddRefMessage(ctx, r.ID, from, "", "hello"); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Referral(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	dated := 0
	for _, m := range got.Messages {
		if oid, err := bson.ObjectIDFromHex(m.ID); err == nil && time.Since(oid.Timestamp()).Abs() < 24*time.Hour {
			dated++
		}
	}
	if dated == len(got.Messages) {
		t.Errorf("every message id on an anonymous report holds the time it was sent: %+v", got.Messages)
	}
}

// TestReferenceNumbersUsedOnce: partner referrals sent at once each get a
// number of their own, and a restart never gives a number again. On the
// embedded server a process takes 20 numbers from the counter at once
// (refBlock); the rest of its block is skipped after a restart, so the
// first referral after it is CCU-00041 there (30 sent: 1 to 30 given from
// the blocks 1–20 and 21–40, 31 to 40 skipped; the next block is 41–60).
// Through MONGODB_URI every referral takes its own number: CCU-00031.
func TestReferenceNumbersUsedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := storetest.Options(t)
	sl := storetest.Sealer(t)
	open := storetest.Reopener(t, o, sl)
	db := open()
	const n = 30
	refs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, err := db.CreateReferral(ctx, store.NewReferral{Kind: store.KindPartner, PartnerID: "p", Content: sampleContent("N")})
			if err == nil {
				refs[i] = r.Ref
			}
			errs[i] = err
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, ref := range refs {
		if errs[i] != nil {
			t.Fatalf("referral %d: %v", i, errs[i])
		}
		if seen[ref] {
			t.Errorf("%s given twice", ref)
		}
		seen[ref] = true
	}
	for i := 1; i <= n; i++ {
		if ref := fmt.Sprintf("CCU-%05d", i); !seen[ref] {
			t.Errorf("%s not given: %v", ref, refs)
		}
	}
	db = storetest.Restart(t, db, o, open)
	r, err := db.CreateReferral(ctx, store.NewReferral{Kind: store.KindPartner, PartnerID: "p", Content: sampleContent("AFTER")})
	if err != nil {
		t.Fatal(err)
	}
	want := "CCU-00041"
	if !db.Embedded() {
		want = "CCU-00031"
	}
	if r.Ref != want {
		t.Errorf("after a restart: %s, want %s", r.Ref, want)
	}
}
