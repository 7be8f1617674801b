package server

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// TestAccessReview: two analysts' month, reviewed, filtered, exported and
// signed off through the real router.
func TestAccessReview(t *testing.T) {
	a := newTestApp(t)
	ana := a.newUser(store.RoleCCU, "ana@example.org")
	ben := a.newUser(store.RoleCCU, "ben@example.org")
	sup := a.newUser(store.RoleCCUSupervisor, "supervisor@example.org")
	_, pc := a.newPartnerUser("Refuge Dorset", "w@refuge.example")
	one := submitReferral(t, pc, referralAnswers("V1"))
	two := submitReferral(t, pc, referralAnswers("V2"))
	three := submitReferral(t, pc, referralAnswers("V3"))

	// Everything below happens on the 10th of last month, 10am UK time.
	now := time.Now().In(london)
	last := time.Date(now.Year(), now.Month()-1, 10, 10, 0, 0, 0, london)
	month := last.Format("2006-01")
	a.advance(last.Sub(a.store.Now()))

	ca := a.client()
	ca.signIn(ana)
	ca.openCase(one, store.ReasonAssessment) // opened, then a note: worked
	ca.get("/ccu/referrals/" + one)
	if r := ca.submit("/ccu/referrals/"+one, "/ccu/referrals/"+one+"/notes", url.Values{"message": {"Checked"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("note: %d", r.Status)
	}
	page := "/ccu/referrals/" + two + "/reason" // opened for "other", nothing done: idle
	if r := ca.submit(page, page, url.Values{"reason": {"other"}, "other": {"checking a name"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reason: %d", r.Status)
	}
	ca.get("/ccu/referrals/" + two)

	cb := a.client()
	cb.signIn(ben)
	cb.openCase(one, store.ReasonSupervision) // opened twice and exported: no work, idle
	cb.get("/ccu/referrals/" + one)
	cb.get("/ccu/referrals/" + one)
	exp := "/ccu/referrals/" + one + "/export"
	if r := cb.submit(exp, exp, url.Values{"reason": {store.ReasonDisclosure}, "recipient": {"PSD, Wessex Police"}}); r.Status != http.StatusOK {
		t.Fatalf("export: %d", r.Status)
	}
	cb.openCase(three, store.ReasonInvestigation) // opened, then a message: worked
	cb.get("/ccu/referrals/" + three)
	if r := cb.submit("/ccu/referrals/"+three, "/ccu/referrals/"+three+"/messages", url.Values{"message": {"Can we talk?"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("message: %d", r.Status)
	}

	// Back to today: the supervisor reviews last month.
	a.advance(time.Since(a.store.Now()))
	cs := a.client()
	cs.signIn(sup)
	r := cs.get("/ccu/review?month=" + month)
	if r.Status != http.StatusOK {
		t.Fatalf("review: %d\n%s", r.Status, r.Body)
	}
	// By hand, counting every GET of a case page as an opening (the test
	// client's submit GETs the page first, for its form token, as a browser
	// would have it open): ana opened one twice (get, then the note form's
	// page) and two once: 2 cases, 3 openings, 1 idle (two). ben opened one
	// twice and three twice (get, then the message form's page), exported
	// one once (the export page is not an opening): 2 cases, 4 openings,
	// 1 export, 1 idle (one: no work after viewing; an export is not work).
	for _, want := range []string{
		cells("ana@example.org", "2", "3", "0", "1", "2"),
		cells("ben@example.org", "2", "4", "1", "1", "2"),
		"Another reason: checking a name", // stored as "other: checking a name"
		"Disclosure to another force; disclosed to PSD, Wessex Police",
		"Sign off " + last.Format("January 2006"),
	} {
		if !strings.Contains(flatten(r.Body), want) {
			t.Errorf("review lacks %q", want)
		}
	}
	// Filters: only "other" reasons; only idle cases.
	if body := flatten(cs.get("/ccu/review?month=" + month + "&reason=other").Body); !strings.Contains(body, cells("ana@example.org", "1", "1", "0", "1", "2")) || strings.Contains(body, "ben@example.org") {
		t.Errorf("reason filter:\n%s", body)
	}
	if body := flatten(cs.get("/ccu/review?month=" + month + "&idle=true").Body); !strings.Contains(body, cells("ana@example.org", "1", "1", "0", "1", "2")) ||
		!strings.Contains(body, cells("ben@example.org", "1", "2", "1", "1", "2")) {
		t.Errorf("idle filter:\n%s", body)
	}

	// Export for professional standards: one line per access, audited:
	// ana 3 openings; ben 4 openings and 1 export: 8 lines and the header.
	r = cs.get("/ccu/review/export.csv?month=" + month)
	rows, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil || r.Status != http.StatusOK || len(rows) != 9 {
		t.Fatalf("export: %d, %d rows, %v\n%s", r.Status, len(rows), err, r.Body)
	}
	var exported bool
	for _, row := range rows[1:] {
		if row[1] == "ben@example.org" && row[3] == store.AuditRefExported && row[4] == "Disclosure to another force" && row[5] == "PSD, Wessex Police" && row[6] == "yes" {
			exported = true
		}
	}
	if !exported {
		t.Errorf("no export line for ben: %v", rows)
	}
	if evs := auditOf(t, a, store.AuditAccessExported); len(evs) != 1 || evs[0].Actor != sup.Email {
		t.Errorf("export audit = %+v", evs)
	}

	// Sign-off: last month once, with its note. (A bad month and this
	// month, not over: TestOnlyASupervisorReviewsAccessWithFakes.)
	if r := cs.submit("/ccu/review?month="+month, "/ccu/review/sign-off", url.Values{"month": {month}, "note": {"Asked ana about CCU-00002"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("sign off: %d\n%s", r.Status, r.Body)
	}
	evs := auditOf(t, a, store.AuditAccessReviewed)
	if len(evs) != 1 || evs[0].Target != "review:"+month || evs[0].Detail != "4 cases opened by 2 analysts, 2 with no activity after a view; note: Asked ana about CCU-00002" {
		t.Fatalf("sign-off audit = %+v", evs)
	}
	if r := cs.submit("/ccu/review?month="+month, "/ccu/review/sign-off", url.Values{"month": {month}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "was signed off on") {
		t.Fatalf("second sign-off: %d", r.Status)
	}
	if body := cs.get("/ccu/review?month=" + month).Body; !strings.Contains(body, "Signed off on") || strings.Contains(body, `action="/ccu/review/sign-off"`) {
		t.Fatal("the signed-off month still offers sign-off")
	}
}

// cells is a table row's cells as flatten leaves them.
func cells(vs ...string) string { return strings.Join(vs, "|") + "|" }

// flatten reduces a page to its table cells' text, "|"-separated per
// cell, so rows can be compared whatever the markup's spacing.
func flatten(body string) string {
	var b strings.Builder
	for _, part := range strings.Split(body, "<td")[1:] {
		start := strings.Index(part, ">")
		end := strings.Index(part, "</td>")
		if start < 0 || end < start {
			continue
		}
		b.WriteString(strings.TrimSpace(part[start+1:end]) + "|")
		if strings.Contains(part[end:], "</tr>") {
			b.WriteString("\n")
		}
	}
	return b.String() + body
}

// TestManyCasesInAnHourAreFlagged: 10 different cases first opened within
// an hour flag the analyst; 9, or 10 spread over more than an hour, do not.
func TestManyCasesInAnHourAreFlagged(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0)
	opened := func(who string, minutes ...int) []store.AuditEvent {
		var evs []store.AuditEvent
		for i, m := range minutes {
			evs = append(evs, store.AuditEvent{Seq: int64(i + 1), Actor: who, Action: store.AuditRefViewed,
				Target: "referral:" + strconv.Itoa(i), Detail: "CCU-" + strconv.Itoa(i), At: start.Add(9*time.Hour + time.Duration(m)*time.Minute)})
		}
		return evs
	}
	for _, tc := range []struct {
		name      string
		minutes   []int
		wantBurst int
		flagged   bool
	}{
		// By hand: minutes 0..54 step 6 are 10 openings inside 54 minutes.
		{"ten in 54 minutes", []int{0, 6, 12, 18, 24, 30, 36, 42, 48, 54}, 10, true},
		{"nine in 48 minutes", []int{0, 6, 12, 18, 24, 30, 36, 42, 48}, 9, false},
		// 0..63 step 7: any hour holds at most 9 (0..56 or 7..63; 63-0 is over an hour).
		{"ten over 63 minutes", []int{0, 7, 14, 21, 28, 35, 42, 49, 56, 63}, 9, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rv := buildAccessReview(opened("ana@example.org", tc.minutes...), start, end, "", false, nil)
			if len(rv.Analysts) != 1 || rv.Analysts[0].Burst != tc.wantBurst || rv.Analysts[0].Bursting != tc.flagged {
				t.Fatalf("analysts = %+v, want burst %d flagged %v", rv.Analysts, tc.wantBurst, tc.flagged)
			}
		})
	}
}
