package server

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
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

// TestTenMegabytePaperInBoundedMemory: a 10 MB paper, sent as a stream,
// is taken: it waits in a temporary file (MaxMultipartMemory is 1 MiB) and
// is read, sealed and stored a chunk at a time (ten chunks), so Candour's
// own code never holds more than a few MB of it at once.
//
// What is measured: the peak, sampled every 5 ms through the upload, of the
// growth of the heap in use (as of the last collection, with collections every 5% of
// growth) that was allocated by Candour's code (a stack through a candour/
// package), and not inside the database driver or the embedded engine. The
// whole heap is no measure here: the embedded engine runs in this process
// and holds about ten times a 1 MiB chunk while it writes one (its decoding,
// JSON and SQLite row), which swung the whole heap's peak by ±5 MB between
// runs. A chunk in flight is 1 MiB read and 1 MiB sealed, and the chunk
// before it may wait for the next collection: about 4 MB. The bound is
// 6 MB; reading the paper whole (io.ReadAll in openUpload) adds 10 MB and
// fails it (docs/advisory.md gives the figures).
//
// The heap is a whole process's, and other tests of the package would be
// measured with it, so the measuring runs in a process of its own: this
// test runs the test binary again with only itself selected. Memory is not
// time: a loaded machine slows the upload but does not make it hold more.
func TestTenMegabytePaperInBoundedMemory(t *testing.T) {
	if os.Getenv(paperMemoryChild) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTenMegabytePaperInBoundedMemory$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), paperMemoryChild+"=1")
		out, err := cmd.CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "meetings_test.go") {
				t.Log(strings.TrimSpace(line))
			}
		}
		if err != nil {
			t.Fatalf("the upload in a process of its own failed: %v\n%s", err, out)
		}
		return
	}
	runtime.MemProfileRate = 4096 // every allocation of a chunk's size is recorded
	w := newMeetingWorld(t)
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	uploadHeld(t, w, 64<<10) // the store's caches warm up
	small := uploadHeld(t, w, 2<<20)
	large := uploadHeld(t, w, MaxPaperBytes)
	t.Logf("Candour's code held at most %.1f MB more heap for a 2 MB paper, %.1f MB more for a 10 MB one", float64(small)/(1<<20), float64(large)/(1<<20))
	if large > 6<<20 {
		t.Errorf("a 10 MB paper: Candour's code held %.1f MB more heap at once, want under 6 MB: is it read whole?", float64(large)/(1<<20))
	}
	m, _ := w.a.store.Meeting(context.Background(), w.id)
	if ps := m.PaperList(); len(ps) != 3 || ps[2].Chunks != 10 || ps[2].Size < MaxPaperBytes-2048 {
		t.Fatalf("stored: %+v", ps)
	}
}

// paperMemoryChild is set in the process that measures an upload's memory.
const paperMemoryChild = "CANDOUR_TEST_PAPER_MEMORY_CHILD"

// heldByCandour is the heap in use, as of the last collection, allocated by
// stacks through Candour's packages and not through the driver or the
// embedded engine (from the heap profile), nor by this measuring itself.
func heldByCandour() int64 {
	var recs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, true)
	for {
		recs = make([]runtime.MemProfileRecord, n+64)
		var ok bool
		if n, ok = runtime.MemProfile(recs, true); ok {
			break
		}
	}
	var held int64
	for _, r := range recs[:n] {
		if r.InUseBytes() == 0 {
			continue
		}
		ours, engine := false, false
		frames := runtime.CallersFrames(r.Stack())
		for {
			f, more := frames.Next()
			ours = ours || strings.HasPrefix(f.Function, "candour/")
			engine = engine || strings.HasPrefix(f.Function, "candour/server.heldByCandour") || strings.Contains(f.Function, "FerretDB") || strings.Contains(f.Function, "sqlite") ||
				strings.Contains(f.Function, "mongo-driver")
			if !more {
				break
			}
		}
		if ours && !engine {
			held += r.InUseBytes()
		}
	}
	return held
}

// uploadHeld streams a paper of size bytes and returns the most heap
// Candour's code held while the server took it (heldByCandour) over what it
// held before.
func uploadHeld(t *testing.T, w *meetingWorld, size int) int64 {
	t.Helper()
	tok := w.coord.csrf(w.page)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		_ = mw.WriteField("csrf_token", tok)
		fw, _ := mw.CreateFormFile("paper", "paper.pdf")
		_, _ = fw.Write([]byte("%PDF-1.4\n"))
		line := bytes.Repeat([]byte("0123456789abcdef"), 64) // 1 KiB
		for range (size - 1024) / len(line) {
			_, _ = fw.Write(line)
		}
		_ = mw.Close()
		_ = pw.Close()
	}()
	runtime.GC()
	before := heldByCandour()
	peak := before
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			default:
			}
			peak = max(peak, heldByCandour())
			time.Sleep(5 * time.Millisecond)
		}
	}()
	req, _ := http.NewRequest("POST", w.a.http.URL+w.page+"/papers", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res := w.coord.do(req)
	close(stop)
	<-sampled
	if res.Status != http.StatusSeeOther {
		t.Fatalf("upload of %d bytes: %d\n%s", size, res.Status, res.Body)
	}
	return peak - before
}
