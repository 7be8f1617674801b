package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sync"
	"testing"

	"candour/store"
)

// TestAuditPageBurstFromMemoryMatchesStored: 120 views of the audit log at
// once over real HTTP (run with -race), each of which appends an
// audit-viewed event before it reads the newest page, so the appends, the
// background folds (one starts at 100 unfolded events) and the newest
// page's reads of the copy in memory (store/audit_tail.go) all run
// together. Afterwards the newest page, the second page and the newest day
// filtered by action, as ListAudit serves them, equal a read of what is
// stored; and by hand the head is the one before (the warm-up's and the
// sign-in's events) + 1 for the first view + 120, the newest page that
// down to 49 below it.
func TestAuditPageBurstFromMemoryMatchesStored(t *testing.T) {
	a := newTestApp(t)
	a.warmAudit()
	admin := a.client()
	admin.signIn(a.newUser(store.RoleAdmin, "admin@example.org"))
	ctx := context.Background()
	head0, err := a.store.AuditHead(ctx) // the warm-up and the sign-in's events
	if err != nil {
		t.Fatal(err)
	}
	if r := admin.get("/admin/audit"); r.Status != http.StatusOK {
		t.Fatalf("audit: %d", r.Status)
	}
	const views = 120
	var wg sync.WaitGroup
	errs := make(chan error, views)
	work := make(chan struct{})
	for range 20 {
		wg.Go(func() {
			for range work {
				res, err := admin.http.Get(a.http.URL + "/admin/audit")
				if err != nil {
					errs <- err
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("audit: %d", res.StatusCode)
				}
			}
		})
	}
	for range views {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	head, err := a.store.AuditHead(ctx)
	if err != nil || head != head0+1+views {
		t.Fatalf("head %d, %v; want %d", head, err, head0+1+views)
	}
	for _, f := range []store.AuditFilter{{}, {Page: 2}, {Action: store.AuditAuditViewed}, {Action: store.AuditAuditViewed, Page: 2}} {
		got, gotMore, err := a.store.ListAudit(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		want, wantMore, err := a.store.ListAuditStoredForTest(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			got[i].At = got[i].At.UTC()
		}
		for i := range want {
			want[i].At = want[i].At.UTC()
		}
		if gotMore != wantMore || !reflect.DeepEqual(got, want) {
			t.Fatalf("%+v: the page from memory (%d events, more %v) differs from the stored read (%d, more %v)", f, len(got), gotMore, len(want), wantMore)
		}
		if f == (store.AuditFilter{}) && (len(got) != store.PageSize || got[0].Seq != head || got[len(got)-1].Seq != head-store.PageSize+1) {
			t.Fatalf("newest page from %d to %d, want %d down to %d", got[0].Seq, got[len(got)-1].Seq, head, head-store.PageSize+1)
		}
	}
	if brk, n, err := a.store.VerifyAudit(ctx); err != nil || brk != nil || n != head {
		t.Fatalf("verify: %+v, %d, %v; want %d on one chain", brk, n, err, head)
	}
}
