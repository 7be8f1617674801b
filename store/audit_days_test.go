package store

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestAuditOpenDayIsHeldByTheHead: an append notes no day while its day is
// still open (the chain head holds the open day's range, one write fewer an
// append); the append that begins a new day notes the day it closes, whole;
// and a crash after the head moved into a new day is put right by the
// repair. Every reader of the days (the list, a day's events) sees the same
// ranges as when every append noted its day.
func TestAuditOpenDayIsHeldByTheHead(t *testing.T) {
	t.Parallel()
	s := openTestStore(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	appendN := func(n int) {
		t.Helper()
		for range n {
			if err := s.Audit(ctx, AuditEvent{Actor: "a@example.org", Action: AuditSignIn}); err != nil {
				t.Fatal(err)
			}
		}
	}
	noted := func() int64 {
		t.Helper()
		n, err := s.r("audit_days").CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	days := func() []auditDay {
		t.Helper()
		d, err := s.auditDays(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	appendN(3) // events 1 to 3 on 1 March
	if n := noted(); n != 0 {
		t.Fatalf("%d days noted while the only day is open, want 0", n)
	}
	if d := days(); len(d) != 1 || d[0] != (auditDay{Day: "2026-03-01", First: 1, Last: 3}) {
		t.Fatalf("days %+v, want 1 March holding 1 to 3", d)
	}

	now = now.Add(24 * time.Hour)
	appendN(2) // events 4 and 5 on 2 March: 1 March closes
	if n := noted(); n != 1 {
		t.Fatalf("%d days noted, want 1 (the closed day)", n)
	}
	var closed auditDay
	if err := s.r("audit_days").FindOne(ctx, bson.D{{Key: "_id", Value: "2026-03-01"}}).Decode(&closed); err != nil || closed.First != 1 || closed.Last != 3 {
		t.Fatalf("closed day %+v, %v; want 1 to 3", closed, err)
	}
	want := []auditDay{{Day: "2026-03-02", First: 4, Last: 5}, {Day: "2026-03-01", First: 1, Last: 3}}
	if d := days(); len(d) != 2 || d[0] != want[0] || d[1] != want[1] {
		t.Fatalf("days %+v, want %+v", d, want)
	}
	for _, c := range []struct {
		day  string
		want int
	}{{"2026-03-01", 3}, {"2026-03-02", 2}} {
		evs, _, err := s.ListAudit(ctx, AuditFilter{Day: c.day, Action: AuditSignIn})
		if err != nil || len(evs) != c.want {
			t.Fatalf("events of %s: %d, %v; want %d", c.day, len(evs), err, c.want)
		}
	}

	// Killed right after events 6 and 7 of 3 March were inserted, before
	// the head moved over them (and closed 2 March).
	now = now.Add(24 * time.Hour)
	insertOnly(t, s, 2, 2)
	s.ForgetCopies() // as after a restart
	if n, err := s.RepairAuditChain(ctx); err != nil || n != 2 {
		t.Fatalf("repair carried %d, %v; want 2", n, err)
	}
	want = []auditDay{{Day: "2026-03-03", First: 6, Last: 7}, {Day: "2026-03-02", First: 4, Last: 5}, {Day: "2026-03-01", First: 1, Last: 3}}
	if d := days(); len(d) != 3 || d[0] != want[0] || d[1] != want[1] || d[2] != want[2] {
		t.Fatalf("after the repair: days %+v, want %+v", d, want)
	}
	appendN(1)
	if brk, n, err := s.VerifyAudit(ctx); err != nil || brk != nil || n != 8 {
		t.Fatalf("verify: break %+v, %d, %v", brk, n, err)
	}
	if d := days(); d[0] != (auditDay{Day: "2026-03-03", First: 6, Last: 8}) {
		t.Fatalf("open day %+v, want 3 March holding 6 to 8", d[0])
	}
}
