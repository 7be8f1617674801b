package server

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"candour/store"
)

// meetingWorld is an IAG with a chair and two members, a member of no
// group, a signed-in coordinator and a meeting tomorrow evening.
type meetingWorld struct {
	a                      *testApp
	g                      *store.Group
	chair, member, second  *store.User
	coordU                 *store.User
	coord, chairC, memberC *client
	outsiderC              *client
	page                   string
	id                     string
}

func newMeetingWorld(t *testing.T) *meetingWorld {
	w := &meetingWorld{a: newTestApp(t)}
	ctx := context.Background()
	w.g = &store.Group{Name: "Bournemouth IAG", Kind: store.GroupIAG}
	if err := w.a.store.CreateGroup(ctx, w.g); err != nil {
		t.Fatal(err)
	}
	w.chair = w.a.newUser(store.RoleChair, "chair@example.org")
	w.member = w.a.newUser(store.RoleMember, "member@example.org")
	w.second = w.a.newUser(store.RoleMember, "second@example.org")
	for _, m := range []store.Membership{{GroupID: w.g.ID, UserID: w.chair.ID, Chair: true}, {GroupID: w.g.ID, UserID: w.member.ID}, {GroupID: w.g.ID, UserID: w.second.ID}} {
		if err := w.a.store.PutMembership(ctx, &m); err != nil {
			t.Fatal(err)
		}
	}
	w.coordU, w.coord = w.a.signedIn(store.RoleCoordinator, "coord@example.org")
	w.chairC, w.memberC = w.a.client(), w.a.client()
	w.chairC.signIn(w.chair)
	w.memberC.signIn(w.member)
	_, w.outsiderC = w.a.signedIn(store.RoleMember, "outsider@example.org")
	day := w.a.store.Now().In(london).AddDate(0, 0, 1)
	r := w.coord.submit("/meetings/new", "/meetings/new", url.Values{"group": {w.g.ID}, "title": {"IAG monthly meeting; March, part 2"},
		"date-day": {day.Format("2")}, "date-month": {day.Format("1")}, "date-year": {day.Format("2006")}, "startTime": {"18:30"}, "endTime": {"20:30"},
		"venue": {"Boscombe Centre, Room 2"}, "onlineLink": {"https://meet.example.org/iag"}, "independentChair": {"Dr Ruth Okoye"},
		"agenda": {"Welcome\nStop and search figures\nAny other business"}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/meetings/") {
		t.Fatalf("schedule: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	w.page, w.id = r.Location, strings.TrimPrefix(r.Location, "/meetings/")
	return w
}

func docx(t *testing.T, word bool) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	names := []string{"[Content_Types].xml", "_rels/.rels"}
	if word {
		names = append(names, "word/document.xml")
	}
	for _, n := range names {
		f, err := z.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(f, "<xml>%s</xml>", n)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestMeetingJourney: scheduling, papers stored and downloaded as
// attachments, the calendars, attendance, minutes the chair approves,
// actions, an action to a recommendation, and the .ics. (Bad input,
// refusals and who may not: TestMeetingBadInputAndAccessWithFakes and
// TestPaperScanAndSizeWithFakes.)
func TestMeetingJourney(t *testing.T) {
	w := newMeetingWorld(t)
	a, ctx := w.a, context.Background()

	// Members see it. (Bad input, who may not see or change it, and
	// refused papers: TestMeetingBadInputAndAccessWithFakes.)
	if res := w.memberC.get(w.page); res.Status != http.StatusOK || !strings.Contains(res.Body, "Dr Ruth Okoye") || !strings.Contains(res.Body, "Stop and search figures") {
		t.Fatalf("member's view: %d", res.Status)
	}
	if ms, _ := a.store.Meetings(ctx, nil, time.Time{}, 10); len(ms) != 1 {
		t.Fatalf("%d meetings stored, want only the good one", len(ms))
	}

	// Papers: a PDF and a Word document are taken; downloads are attachments.
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
	for _, tc := range []struct {
		name    string
		content []byte
		want    int
	}{
		{"figures.pdf", pdf, http.StatusSeeOther},
		{"../../etc/Minutes draft.docx", docx(t, true), http.StatusSeeOther},
	} {
		res := w.coord.upload(w.page, w.page+"/papers", "paper", map[string][]byte{tc.name: tc.content}, nil)
		if res.Status != tc.want {
			t.Fatalf("upload %s: %d, want %d\n%s", tc.name, res.Status, tc.want, res.Body)
		}
	}
	m, _ := a.store.Meeting(ctx, w.id)
	papers := m.PaperList()
	if len(papers) != 2 || papers[0].Name != "figures.pdf" || papers[1].Name != "Minutes draft.docx" || papers[1].Type != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" {
		t.Fatalf("papers: %+v", papers)
	}
	res := w.memberC.get(w.page + "/papers/" + papers[0].ID)
	if res.Status != http.StatusOK || res.Body != string(pdf) || res.Header.Get("Content-Disposition") != `attachment; filename="figures.pdf"` ||
		res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %d %q %q", res.Status, res.Header.Get("Content-Disposition"), res.Header.Get("Content-Type"))
	}

	// The meeting is in the visits calendar's month and the member's feed.
	if res := w.memberC.get("/visits?month=" + m.Start.In(london).Format("2006-01")); !strings.Contains(res.Body, "/meetings/"+w.id) {
		t.Fatal("the meeting is not in the visits calendar's month")
	}
	cal := feedOf(t, w.memberC)
	found := false
	for _, e := range cal.Events() {
		found = found || e.Id() == w.id+"@candour-meeting"
	}
	if !found {
		t.Fatal("the meeting is not in the member's calendar feed")
	}

	// (The audit log is listed by day: these are today's.)
	for _, act := range []string{auditMeetingCreated, auditPaperUploaded, auditPaperDownloaded} {
		if a.auditCount(act, "") == 0 {
			t.Errorf("no %s event", act)
		}
	}

	// Attendance, taken by two people at once for different members.
	m, _ = a.store.Meeting(ctx, w.id)
	a.advance(m.Start.Sub(a.store.Now())) // the meeting starts: everyone signs in again
	w.coord.signIn(w.coordU)
	w.chairC.signIn(w.chair)
	w.memberC.signIn(w.member)
	var wg sync.WaitGroup
	for _, x := range []struct {
		c    *client
		form url.Values
	}{{w.coord, url.Values{"att-" + w.member.ID: {store.AttendPresent}}}, {w.chairC, url.Values{"att-" + w.second.ID: {store.AttendApologies}, "att-" + w.chair.ID: {store.AttendPresent}}}} {
		tok := x.c.csrf(w.page)
		wg.Add(1)
		go func() {
			defer wg.Done()
			x.form.Set("csrf_token", tok)
			if res := x.c.post(w.page+"/attendance", x.form); res.Status != http.StatusSeeOther {
				t.Errorf("attendance: %d", res.Status)
			}
		}()
	}
	wg.Wait()
	m, _ = a.store.Meeting(ctx, w.id)
	if m.Attendance[w.member.ID] != store.AttendPresent || m.Attendance[w.second.ID] != store.AttendApologies || m.Attendance[w.chair.ID] != store.AttendPresent {
		t.Fatalf("attendance: %v", m.Attendance)
	}

	// Minutes: drafted by the coordinator, approved by the chair, then fixed.
	res = w.coord.submit(w.page, w.page+"/minutes", url.Values{"minutes": {"1. Welcome.\n2. Figures: the panel asked for a breakdown by ethnicity."}})
	wantStatus(t, "minutes", res, http.StatusSeeOther, w.page+"#minutes-section")
	res = w.chairC.submit(w.page, w.page+"/minutes/approve", nil)
	wantStatus(t, "approve", res, http.StatusSeeOther, w.page+"#minutes-section")
	res = w.coord.submit(w.page, w.page+"/minutes", url.Values{"minutes": {"rewritten"}})
	wantStatus(t, "minutes after approval", res, http.StatusUnprocessableEntity, "")

	// Actions: an action becomes a recommendation in one step.
	due := a.store.Now().In(london).AddDate(0, 1, 0)
	res = w.coord.submit(w.page, w.page+"/actions", url.Values{"text": {"Publish searches by ethnicity each quarter"}, "owner": {"Insp. Hall"},
		"due-day": {due.Format("2")}, "due-month": {due.Format("1")}, "due-year": {due.Format("2006")}})
	wantStatus(t, "action", res, http.StatusSeeOther, w.page+"#actions")
	m, _ = a.store.Meeting(ctx, w.id)
	act := m.ActionList()[0]
	body := html.UnescapeString(w.coord.get(w.page).Body)
	raise := "/recommendations/new?action=" + url.QueryEscape(w.id+"/"+act.ID)
	if !strings.Contains(body, raise) {
		t.Fatalf("no link to raise the action as a recommendation (%s)", raise)
	}
	res = w.coord.get(raise)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "Publish searches by ethnicity each quarter") || !strings.Contains(res.Body, `value="/meetings/`+w.id+`#action-`+act.ID+`"`) {
		t.Fatalf("pre-filled recommendation form: %d\n%s", res.Status, res.Body)
	}
	if res := w.memberC.get(raise); res.Status != http.StatusForbidden {
		t.Fatalf("member raising: %d, want 403", res.Status)
	}
	res = w.coord.submit(w.page, w.page+"/actions/"+act.ID+"/done", url.Values{"done": {"true"}})
	wantStatus(t, "done", res, http.StatusSeeOther, w.page+"#actions")

	// The .ics: CRLF line ends, RFC 5545 escaping of the title's ; and ,.
	res = w.memberC.get(w.page + "/ics")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "SUMMARY:IAG monthly meeting\\; March\\, part 2 (Bournemouth IAG)\r\n") ||
		strings.Contains(strings.ReplaceAll(res.Body, "\r\n", ""), "\n") {
		t.Fatalf("ics: %d\n%q", res.Status, res.Body)
	}
	for _, act := range []string{auditAttendance, auditMinutesSaved, auditMinutesApproved, auditActionAdded, auditActionDone} {
		if a.auditCount(act, "") == 0 {
			t.Errorf("no %s event", act)
		}
	}
}

// refuseScanner refuses every paper, reading it whole first (read is how
// many bytes the last one had), until the test lets every paper through
// as NoScan does (passAll): both are atomic, as the server's requests
// write and read them while the test runs.
type refuseScanner struct {
	read    atomic.Int64
	passAll atomic.Bool
}

func (r *refuseScanner) Scan(ctx context.Context, name string, rd io.Reader) (bool, string, error) {
	if r.passAll.Load() {
		return NoScan{}.Scan(ctx, name, rd)
	}
	n, err := io.Copy(io.Discard, rd)
	r.read.Store(n)
	return false, "test signature found", err
}
