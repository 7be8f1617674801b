package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"candour/store"
	"candour/store/storetest"
)

// TestAuditConcurrentAppendsMakeOneChain: 100 audited writes at once (run
// with -race) give 100 events, each stored once under its own sequence
// number, on one unbroken chain. Through MONGODB_URI half of them go
// through a second store on the same database, as a second portal process
// would: the events' unique _ids and the head's conditional move decide
// between the two, and the loser links its events after the winner's.
func TestAuditConcurrentAppendsMakeOneChain(t *testing.T) {
	t.Parallel()
	o := storetest.Options(t)
	s := storetest.OpenWith(t, o)
	writers := []*store.Store{s}
	if storetest.URI() != "" {
		writers = append(writers, storetest.OpenWith(t, o))
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		w := writers[i%len(writers)]
		wg.Go(func() {
			errs <- w.Audit(ctx, store.AuditEvent{Actor: "a@example.org", Action: store.AuditSignIn, Detail: fmt.Sprint(i)})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.FoldAuditForTest(ctx); err != nil { // on pages, the way an attacker would find them
		t.Fatal(err)
	}
	brk, n, err := s.VerifyAudit(ctx)
	if err != nil || brk != nil || n != 100 {
		t.Fatalf("verify: break %+v, %d verified, %v; want 100 on one chain", brk, n, err)
	}
	seen := map[string]int64{}
	for seq := int64(1); seq <= 100; seq++ {
		ev, err := s.AuditEventAt(ctx, seq)
		if err != nil {
			t.Fatalf("event %d: %v", seq, err)
		}
		if ev.Seq != seq {
			t.Fatalf("event %d read as %d", seq, ev.Seq)
		}
		if other, dup := seen[ev.Detail]; dup {
			t.Fatalf("write %s stored twice, as %d and %d", ev.Detail, other, seq)
		}
		seen[ev.Detail] = seq
	}
	if len(seen) != 100 {
		t.Fatalf("%d distinct writes stored, want 100", len(seen))
	}
	if head, err := s.AuditHead(ctx); err != nil || head != 100 {
		t.Fatalf("head %d, %v; want 100", head, err)
	}
}
