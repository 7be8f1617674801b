package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// TestExpensesClaimJourney: a member at a panel session claims mileage,
// parking and a bus fare with a PDF receipt; bad amounts, a receipt of the
// wrong type, someone without a seat and a second claim are 422s that keep
// what was typed and store nothing; the coordinator rejects without a
// reason (422), then approves; the approved claim is the finance CSV's one
// row; the receipt downloads only for the claimant and staff. Figures by
// hand: 37 miles x 45p = 1,665p = £16.65; parking £4.50 + bus £3.20 =
// £7.70; total £24.35.
func TestExpensesClaimJourney(t *testing.T) {
	w := newVisitWorld(t)
	ctx := context.Background()
	chair, m1 := w.as(w.chair), w.as(w.m1)
	id := w.createVisit(chair, visitFormAt(w.panel.ID, tomorrow10(w.a), "3"))
	if r := m1.submit("/visits/"+id, "/visits/"+id+"/sign-up", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("sign-up: %d", r.Status)
	}
	if _, err := w.a.store.UpdateUser(ctx, w.m1.ID, store.UserUpdate{Name: "=Ann Smith", Role: store.RoleMember, Status: store.StatusActive}); err != nil {
		t.Fatal(err)
	}
	page := "/expenses/visit/" + id
	good := url.Values{"miles": {"37"}, "parking": {"£4.50"}, "transport": {"3.2"}}
	pdf := map[string][]byte{"bus ticket.pdf": []byte("%PDF-1.4\n% a bus ticket\n")}

	// Before the session: nothing to claim for yet.
	if r := m1.upload(page, page, "receipts", pdf, good); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "once it is over") {
		t.Fatalf("claim before the session: %d", r.Status)
	}
	w.a.advance(72 * time.Hour) // the session is over (and the sessions have ended)
	coord, m1, m2 := w.as(w.coord), w.as(w.m1), w.as(w.m2)
	if r := m1.get("/expenses"); !strings.Contains(r.Body, `href="/expenses/visit/`+id+`"`) {
		t.Fatalf("the session is not offered to claim for: %d\n%s", r.Status, r.Body)
	}
	noClaims := func(when string) {
		t.Helper()
		if cs, _ := w.a.store.ClaimsOf(ctx, w.m1.ID); len(cs) != 0 {
			t.Fatalf("%s: a claim was stored: %+v", when, cs)
		}
	}

	bad := url.Values{"miles": {"-5"}, "parking": {"4.555"}, "transport": {"2"}}
	r := m1.upload(page, page, "receipts", nil, bad)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Miles must be 0 or more") || !strings.Contains(r.Body, "Parking must be an amount in pounds and pence") ||
		!strings.Contains(r.Body, `value="-5"`) || !strings.Contains(r.Body, `value="4.555"`) || !strings.Contains(r.Body, "govuk-error-summary") {
		t.Fatalf("negative miles and a bad amount: %d\n%s", r.Status, r.Body)
	}
	noClaims("bad amounts")
	absurd := url.Values{"miles": {"25000"}, "parking": {"900"}}
	if r := m1.upload(page, page, "receipts", nil, absurd); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "1,000 or fewer") || !strings.Contains(r.Body, "must be £500 or less") {
		t.Fatalf("absurd amounts: %d", r.Status)
	}
	if r := m1.upload(page, page, "receipts", nil, url.Values{"miles": {""}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the miles you drove") {
		t.Fatalf("nothing to claim: %d", r.Status)
	}
	if r := m1.upload(page, page, "receipts", map[string][]byte{"receipt.txt": []byte("just some text")}, good); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "The file must be a PDF, or a PNG or JPEG image") || !strings.Contains(r.Body, `value="37"`) {
		t.Fatalf("a text receipt: %d", r.Status)
	}
	noClaims("wrong receipt")
	if r := m2.upload(page, page, "receipts", nil, good); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "You can claim only for a visit you had a place at") {
		t.Fatalf("a member without a seat: %d", r.Status)
	}
	if cs, _ := w.a.store.ClaimsOf(ctx, w.m2.ID); len(cs) != 0 {
		t.Fatal("a claim without a seat was stored")
	}

	if r := m1.upload(page, page, "receipts", pdf, good); r.Status != http.StatusSeeOther || r.Location != "/expenses" {
		t.Fatalf("claim: %d\n%s", r.Status, r.Body)
	}
	cl, err := w.a.store.Claim(ctx, store.ClaimID(id, w.m1.ID))
	if err != nil {
		t.Fatal(err)
	}
	if cl.Miles != 37 || cl.MileagePence != 1665 || cl.OtherPence() != 770 || cl.TotalPence() != 2435 || len(cl.Receipts) != 1 || cl.Status != store.ClaimWaiting {
		t.Fatalf("claim = %+v", cl)
	}
	if r := m1.upload(page, page, "receipts", nil, good); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already claimed") {
		t.Fatalf("a second claim: %d", r.Status)
	}
	if r := m1.get("/expenses"); !strings.Contains(r.Body, "£24.35") || !strings.Contains(r.Body, "Waiting for approval") {
		t.Fatalf("the member's claims page:\n%s", r.Body)
	}

	// The receipt: the claimant and staff download it, as an attachment;
	// another member gets 404.
	rec := "/expenses/claims/" + cl.ID + "/receipts/" + cl.Receipts[0].ID
	if r := m1.get(rec); r.Status != http.StatusOK || r.Body != string(pdf["bus ticket.pdf"]) || r.Header.Get("Content-Disposition") != `attachment; filename="bus ticket.pdf"` {
		t.Fatalf("receipt for the claimant: %d %q", r.Status, r.Header.Get("Content-Disposition"))
	}
	if r := m2.get(rec); r.Status != http.StatusNotFound {
		t.Fatalf("receipt for another member: %d, want 404", r.Status)
	}
	if r := coord.get(rec); r.Status != http.StatusOK {
		t.Fatalf("receipt for the coordinator: %d", r.Status)
	}

	// The coordinator decides.
	if r := m1.get("/expenses/claims"); r.Status != http.StatusForbidden {
		t.Fatalf("a member opens the claims waiting: %d, want 403", r.Status)
	}
	decide := "/expenses/claims/" + cl.ID
	r = coord.submit("/expenses/claims", decide, url.Values{"decision": {"reject"}, "reason": {"  "}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter why the claim is rejected") || !strings.Contains(r.Body, `href="#reason-`+cl.ID+`"`) {
		t.Fatalf("reject without a reason: %d\n%s", r.Status, r.Body)
	}
	if cl, _ := w.a.store.Claim(ctx, cl.ID); cl.Status != store.ClaimWaiting {
		t.Fatal("a refused decision was stored")
	}
	if r := coord.submit("/expenses/claims", decide, url.Values{"decision": {"approve"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", r.Status, r.Body)
	}
	if r := coord.submit("/expenses/claims", decide, url.Values{"decision": {"reject"}, "reason": {"late"}}); r.Status != http.StatusConflict {
		t.Fatalf("deciding again: %d, want 409", r.Status)
	}
	if r := m1.get("/expenses"); !strings.Contains(r.Body, "Approved") {
		t.Fatal("the member does not see the approval")
	}

	// The finance CSV: a byte-order mark, the header, and the one approved
	// claim, its name made safe for spreadsheets.
	r = coord.get("/expenses/export.csv")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Body, "\ufeff") {
		t.Fatalf("export: %d", r.Status)
	}
	cl, _ = w.a.store.Claim(ctx, cl.ID)
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(r.Body, "\ufeff")), "\n")
	day := tomorrow10(w.a).AddDate(0, 0, -3).In(london).Format("02/01/2006")
	want := cl.ID + ",'=Ann Smith," + day + ",37,16.65,7.70,24.35,Test coordinator," + cl.DecidedAt.In(london).Format("02/01/2006 15:04")
	if len(lines) != 2 || lines[0] != "claim id,name,visit date,miles,mileage amount,other amount,total,approved by,approved at" || lines[1] != want {
		t.Fatalf("export:\n%s\nwant row\n%s", r.Body, want)
	}
	if r := m1.get("/expenses/export.csv"); r.Status != http.StatusForbidden {
		t.Fatalf("a member exports: %d, want 403", r.Status)
	}
	for action, n := range map[string]int{auditClaimMade: 1, auditClaimApproved: 1, auditReceiptDownloaded: 2, auditClaimsExported: 1} {
		if got := w.a.auditCount(action, ""); got != n {
			t.Errorf("%s audited %d times, want %d", action, got, n)
		}
	}
}

func TestParsePence(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "4.50": 450, "£12": 1200, "0.5": 50, ".75": 75, "3.2": 320, "500": 50000} {
		if got, msg := parsePence(in); got != want || msg != "" {
			t.Errorf("parsePence(%q) = %d %q, want %d", in, got, msg, want)
		}
	}
	for _, in := range []string{"-1", "4.555", "abc", "500.01", "4.", "1e3"} {
		if _, msg := parsePence(in); msg == "" {
			t.Errorf("parsePence(%q) took it", in)
		}
	}
	if pounds(2435) != "£24.35" || pounds(5) != "£0.05" {
		t.Error("pounds")
	}
}
