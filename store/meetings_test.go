package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

func newMeeting(t *testing.T, db *store.Store) *store.Meeting {
	t.Helper()
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	m := &store.Meeting{GroupID: "g1", Title: "Monthly meeting", Start: start, End: start.Add(2 * time.Hour), Venue: "Boscombe Centre",
		Agenda: []string{"Welcome", "Stop and search figures"}, CreatedBy: "coord"}
	if err := db.CreateMeeting(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestAttendanceTakenAtOnce: thirty marks taken at the same moment (two
// devices at the door) are all kept.
func TestAttendanceTakenAtOnce(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	m := newMeeting(t, db)
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := db.MarkAttendance(ctx, m.ID, fmt.Sprintf("u%02d", i), store.AttendanceMarks[i%3]); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := db.Meeting(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Attendance) != 30 {
		t.Fatalf("%d marks kept, want 30", len(got.Attendance))
	}
	for i := range 30 {
		if mark := got.Attendance[fmt.Sprintf("u%02d", i)]; mark != store.AttendanceMarks[i%3] {
			t.Errorf("u%02d: %q, want %q", i, mark, store.AttendanceMarks[i%3])
		}
	}
}

func TestMinutesAndActions(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	m := newMeeting(t, db)
	if err := db.ApproveMinutes(ctx, m.ID, "chair"); !errors.Is(err, store.ErrMinutesApproved) {
		t.Fatalf("approving no minutes: %v, want refused", err)
	}
	if err := db.SaveMinutes(ctx, m.ID, "1. Welcome. 2. Figures discussed.", "coord"); err != nil {
		t.Fatal(err)
	}
	if err := db.ApproveMinutes(ctx, m.ID, "chair"); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveMinutes(ctx, m.ID, "changed after approval", "coord"); !errors.Is(err, store.ErrMinutesApproved) {
		t.Fatalf("changing approved minutes: %v, want ErrMinutesApproved", err)
	}
	a, err := db.AddAction(ctx, m.ID, store.MeetingAction{Text: "Share the quarter's figures by ethnicity", Owner: "Insp. Hall", Due: time.Now().AddDate(0, 1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetActionDone(ctx, m.ID, a.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := db.SetActionDone(ctx, m.ID, "nope", true); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown action: %v", err)
	}
	got, _ := db.Meeting(ctx, m.ID)
	if got.MinutesStatus != store.MinutesApproved || got.Minutes != "1. Welcome. 2. Figures discussed." || len(got.ActionList()) != 1 || !got.ActionList()[0].Done {
		t.Fatalf("meeting after minutes and actions: %+v", got)
	}
	got.Title = "Renamed"
	if err := db.UpdateMeetingDetails(ctx, got, got.Version); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateMeetingDetails(ctx, got, got.Version); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale version: %v, want ErrConflict", err)
	}
}

// TestPapersSealedInChunks: a paper of two and a half chunks comes back
// byte for byte, is in no raw document in clear, and is gone (content and
// record) when the scan rejects it.
func TestPapersSealedInChunks(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	// Chunks of 4 KiB, not the 1 MiB of PaperChunkSize: two and a half
	// chunks of 1 MiB took seconds of CPU to seal, store and read back under
	// the race detector, and the chunking is the same at any size.
	const chunk = 4 << 10
	db.SetPaperChunkSizeForTest(chunk)
	ctx := context.Background()
	m := newMeeting(t, db)
	marker := "CONFIDENTIAL-PAPER-TEXT"
	content := []byte(strings.Repeat(marker+" ", chunk*5/2/(len(marker)+1)+1))
	p := &store.Paper{Name: "figures.pdf", Type: "application/pdf", UploadedBy: "coord"}
	if err := db.StorePaper(ctx, m.ID, p, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	if p.Chunks != 3 || p.Size != int64(len(content)) {
		t.Fatalf("chunks %d size %d, want 3 and %d", p.Chunks, p.Size, len(content))
	}
	got, _ := db.Meeting(ctx, m.ID)
	if len(got.PaperList()) != 0 {
		t.Fatal("a paper is listed before its scan")
	}
	if err := db.PaperScanned(ctx, m.ID, *p, true); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := db.OpenPaper(ctx, *p, &out); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), content) {
		t.Fatalf("read back %d bytes, want the %d stored", out.Len(), len(content))
	}
	if bytes.Contains(storetest.RawDump(t, db), []byte(marker)) {
		t.Fatal("the paper's text is in the database in clear")
	}
	bad := &store.Paper{Name: "bad.pdf", Type: "application/pdf"}
	if err := db.StorePaper(ctx, m.ID, bad, strings.NewReader("%PDF-1.4 infected")); err != nil {
		t.Fatal(err)
	}
	if err := db.PaperScanned(ctx, m.ID, *bad, false); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Meeting(ctx, m.ID)
	if _, ok := got.Papers[bad.ID]; ok || len(got.PaperList()) != 1 {
		t.Fatalf("the rejected paper is still recorded: %v", got.Papers)
	}
	if err := db.OpenPaper(ctx, *bad, &out); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the rejected paper's content: %v, want gone", err)
	}
}
