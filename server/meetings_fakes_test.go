package server

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/store"
)

// Group meetings' refusals, validation and access on fakes (meetingStore).
// TestMeetingJourney keeps the real store: the good meeting, papers stored
// sealed and downloaded, attendance taken by two people at once, minutes
// approved and then fixed, actions, the .ics and the calendars.

// fakeMeetingWorld is an IAG with a chair and two members, a member of no
// group, a coordinator, and a meeting tomorrow evening with one paper,
// held in memory behind a fakeMeetings. Writes are left nil unless a test
// gives them: a handler that writes when it should refuse fails the test.
type fakeMeetingWorld struct {
	a                      *fakeApp
	fm                     *fakeMeetings
	g                      store.Group
	chair, member, second  *store.User
	coord, chairC, memberC *client
	outsiderC              *client
	page, id               string

	mu sync.Mutex
	m  store.Meeting
}

func newFakeMeetingWorld(t *testing.T) *fakeMeetingWorld {
	w := &fakeMeetingWorld{a: newFakeApp(t), g: store.Group{ID: store.NewID(), Name: "Bournemouth IAG", Kind: store.GroupIAG}}
	in := func(chair bool) []store.Membership { return []store.Membership{{GroupID: w.g.ID, Chair: chair}} }
	w.chair = &store.User{Email: "chair@example.org", Name: "Test chair", Role: store.RoleChair, Status: store.StatusActive, Memberships: in(true)}
	w.member = &store.User{Email: "member@example.org", Name: "Test member", Role: store.RoleMember, Status: store.StatusActive, Memberships: in(false)}
	w.second = &store.User{Email: "second@example.org", Name: "Second member", Role: store.RoleMember, Status: store.StatusActive, Memberships: in(false)}
	w.chairC, w.memberC = w.a.as(w.chair), w.a.as(w.member)
	w.second.ID = store.NewID()
	w.a.users.add(w.second)
	w.coord = w.a.as(&store.User{Email: "coord@example.org", Name: "Test coordinator", Role: store.RoleCoordinator, Status: store.StatusActive})
	w.outsiderC = w.a.as(&store.User{Email: "outsider@example.org", Name: "Test outsider", Role: store.RoleMember, Status: store.StatusActive})
	now := time.Now()
	day := now.In(london).AddDate(0, 0, 1)
	w.id = store.NewID()
	w.page = "/meetings/" + w.id
	w.m = store.Meeting{ID: w.id, GroupID: w.g.ID, Title: "IAG monthly meeting; March, part 2", Start: at(day, 18, 30), End: at(day, 20, 30),
		Venue: "Boscombe Centre, Room 2", IndependentChair: "Dr Ruth Okoye", Agenda: []string{"Welcome", "Stop and search figures", "Any other business"},
		Version: 1, MinutesStatus: store.MinutesDraft, Attendance: map[string]string{}, Actions: map[string]store.MeetingAction{},
		Papers: map[string]store.Paper{"p1": {ID: "p1", Name: "figures.pdf", Type: "application/pdf", Status: store.PaperClean}}}
	fm := &fakeMeetings{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: now}}}
	fm.meeting = func(id string) (*store.Meeting, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if id != w.id {
			return nil, store.ErrNotFound
		}
		cp := w.m
		return &cp, nil
	}
	fm.groups = func() ([]store.Group, error) { return []store.Group{w.g}, nil }
	fm.groupMembers = func(string) ([]store.Membership, error) {
		return []store.Membership{{GroupID: w.g.ID, UserID: w.chair.ID, Chair: true}, {GroupID: w.g.ID, UserID: w.member.ID}, {GroupID: w.g.ID, UserID: w.second.ID}}, nil
	}
	fm.usersByID = w.a.users.byID
	w.fm = fm
	w.a.srv.meetings = fm
	return w
}

// TestMeetingBadInputAndAccessWithFakes: scheduling with bad input, who
// sees a meeting and who may change it, papers refused by their content,
// empty minutes, approval by the chair only, an action without a date,
// and minutes changed after the chair approved them.
func TestMeetingBadInputAndAccessWithFakes(t *testing.T) {
	w := newFakeMeetingWorld(t)
	fm := w.fm
	// The store's answer to saving minutes, given below (none until then).
	var approved swappable[func(id, minutes, by string) error]
	fm.saveMinutes = func(id, minutes, by string) error { return approved.get()(id, minutes, by) }

	res := w.coord.submit("/meetings/new", "/meetings/new", url.Values{"group": {w.g.ID}, "title": {"No date"}, "startTime": {"18:30"}, "endTime": {"17:00"},
		"onlineLink": {"http://insecure.example.org"}})
	wantStatus(t, "bad meeting", res, http.StatusUnprocessableEntity, "")
	for _, msg := range []string{"Enter the date of the meeting", "Enter a link that starts with https://"} {
		if !strings.Contains(res.Body, msg) {
			t.Errorf("bad meeting: no %q", msg)
		}
	}
	if n := fm.calls("CreateMeeting"); n != 0 {
		t.Fatalf("%d meetings stored, want only the good one", n)
	}

	// Members see it; someone outside the group does not; members cannot change it.
	if res := w.memberC.get(w.page); res.Status != http.StatusOK || !strings.Contains(res.Body, "Dr Ruth Okoye") || !strings.Contains(res.Body, "Stop and search figures") {
		t.Fatalf("member's view: %d", res.Status)
	}
	if res := w.outsiderC.get(w.page); res.Status != http.StatusNotFound {
		t.Fatalf("outsider: %d, want 404", res.Status)
	}
	if res := w.memberC.submit(w.page, w.page+"/attendance", url.Values{}); res.Status != http.StatusForbidden {
		t.Fatalf("member taking attendance: %d, want 403", res.Status)
	}

	// Papers: a text file named .pdf and a zip that is not a Word document
	// are not taken (nothing reaches the store).
	for _, tc := range []struct {
		name    string
		content []byte
		want    int
	}{
		{"notes.pdf", []byte("just some text, not a PDF"), http.StatusUnprocessableEntity},
		{"archive.docx", docx(t, false), http.StatusUnprocessableEntity},
		{"empty.pdf", nil, http.StatusUnprocessableEntity},
	} {
		res := w.coord.upload(w.page, w.page+"/papers", "paper", map[string][]byte{tc.name: tc.content}, nil)
		if res.Status != tc.want {
			t.Fatalf("upload %s: %d, want %d\n%s", tc.name, res.Status, tc.want, res.Body)
		}
		if tc.want == http.StatusUnprocessableEntity && !strings.Contains(res.Body, "govuk-error-summary") {
			t.Errorf("upload %s: no error summary", tc.name)
		}
	}
	if res := w.outsiderC.get(w.page + "/papers/p1"); res.Status != http.StatusNotFound {
		t.Fatalf("outsider downloading: %d", res.Status)
	}

	// Minutes: none is refused; only the chair approves.
	res = w.coord.submit(w.page, w.page+"/minutes", url.Values{"minutes": {""}})
	wantStatus(t, "empty minutes", res, http.StatusUnprocessableEntity, "")
	if res := w.coord.submit(w.page, w.page+"/minutes/approve", nil); res.Status != http.StatusForbidden {
		t.Fatalf("coordinator approving: %d, want 403", res.Status)
	}
	// Approved meanwhile: the store's refusal is a form error (the real
	// refusal is TestMeetingJourney's).
	approved.set(func(string, string, string) error { return store.ErrMinutesApproved })
	res = w.coord.submit(w.page, w.page+"/minutes", url.Values{"minutes": {"rewritten"}})
	wantStatus(t, "minutes after approval", res, http.StatusUnprocessableEntity, "")
	if !strings.Contains(res.Body, "The chair has approved the minutes, so they can no longer be changed") {
		t.Error("minutes after approval: the page does not say why")
	}

	// Actions: a due date is needed.
	res = w.coord.submit(w.page, w.page+"/actions", url.Values{"text": {"Publish searches by ethnicity each quarter"}, "owner": {"Insp. Hall"}})
	wantStatus(t, "action without a date", res, http.StatusUnprocessableEntity, "")
	if !strings.Contains(res.Body, "Enter the due date") || !strings.Contains(res.Body, "Publish searches by ethnicity each quarter") {
		t.Fatal("422 lost the message or what was typed")
	}
	if n := w.a.audits.count("", ""); n != 0 {
		t.Errorf("%d audit events from refused changes, want none", n)
	}
}

// TestPaperScanAndSizeWithFakes: a paper the scanner refuses is not kept;
// a paper over 10 MB is refused.
func TestPaperScanAndSizeWithFakes(t *testing.T) {
	w := newFakeMeetingWorld(t)
	fm := w.fm
	var (
		mu      sync.Mutex
		stored  fakeBlobs
		refused []string
	)
	fm.storePaper = func(_ string, p *store.Paper, r io.Reader) error { return stored.put(p, r) }
	fm.openPaper = stored.open
	fm.paperScanned = func(_ string, p store.Paper, clean bool) error {
		if !clean {
			stored.drop(p)
			mu.Lock()
			refused = append(refused, p.Name)
			mu.Unlock()
		}
		return nil
	}
	sc := &refuseScanner{}
	w.a.srv.scanner = sc
	content := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 3<<20)...)
	res := w.coord.upload(w.page, w.page+"/papers", "paper", map[string][]byte{"big.pdf": content}, nil)
	wantStatus(t, "refused by the scan", res, http.StatusUnprocessableEntity, "")
	if !strings.Contains(res.Body, "test signature found") || sc.read.Load() != int64(len(content)) {
		t.Fatalf("scan: read %d of %d\n%s", sc.read.Load(), len(content), res.Body)
	}
	if stored.count() != 0 || len(refused) != 1 || refused[0] != "big.pdf" {
		t.Fatalf("a refused paper is kept: %d stored, refused %v", stored.count(), refused)
	}
	if n := w.a.audits.count(auditPaperRejected, "meeting:"+w.id); n != 1 {
		t.Errorf("%d %s events, want 1", n, auditPaperRejected)
	}
	sc.passAll.Store(true) // as NoScan
	before := fm.calls("StorePaper")
	huge := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), MaxPaperBytes)...)
	res = w.coord.upload(w.page, w.page+"/papers", "paper", map[string][]byte{"huge.pdf": huge}, nil)
	if res.Status != http.StatusUnprocessableEntity && res.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("an 11 MB paper: %d", res.Status)
	}
	if n := fm.calls("StorePaper") - before; n != 0 {
		t.Errorf("an 11 MB paper reached the store (%d calls)", n)
	}
}
