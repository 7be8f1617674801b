package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"candour/store"
)

// demoPaper is a small real PDF for the demo's meeting papers.
const demoPaper = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n" +
	"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

// seedMeetings adds the demo's group meetings: last month's IAG meeting
// with attendance, approved minutes and actions; the use of force panel's
// external scrutiny forum next week, with an independent chair, online
// access and a paper; and the Race Action Plan Group next month.
func seedMeetings(ctx context.Context, db *store.Store, demo map[string]*store.User) error {
	groups, err := db.Groups(ctx)
	if err != nil {
		return err
	}
	byName := map[string]string{}
	for _, g := range groups {
		byName[g.Name] = g.ID
	}
	now := db.Now()
	defer db.SetClock(time.Now)
	coord := demo["coordinator@candour.example"]
	evening := func(days int) time.Time {
		d := now.In(store.London).AddDate(0, 0, days)
		return time.Date(d.Year(), d.Month(), d.Day(), 18, 30, 0, 0, store.London)
	}

	// Last month's IAG meeting, written up.
	past := evening(-24)
	db.SetClock(func() time.Time { return past.AddDate(0, 0, -14) })
	iag := &store.Meeting{GroupID: byName["Bournemouth, Christchurch and Poole IAG"], Title: "IAG monthly meeting", Start: past, End: past.Add(2 * time.Hour),
		Venue: "Boscombe Centre, Room 2", OnlineLink: "https://meet.example.org/bcp-iag", CreatedBy: coord.ID,
		Agenda: []string{"Welcome and apologies", "The vigil on Christchurch Road: what went well", "Stop and search in Boscombe: the quarter's figures", "Any other business"}}
	if err := db.CreateMeeting(ctx, iag); err != nil {
		return fmt.Errorf("meeting: %w", err)
	}
	members, err := db.GroupMembers(ctx, iag.GroupID)
	if err != nil {
		return err
	}
	for i, m := range members {
		mark := []string{store.AttendPresent, store.AttendPresent, store.AttendApologies, store.AttendPresent, store.AttendAbsent}[i%5]
		if err := db.MarkAttendance(ctx, iag.ID, m.UserID, mark); err != nil {
			return err
		}
	}
	after := past.Add(3 * time.Hour)
	db.SetClock(func() time.Time { return after })
	if err := db.SaveMinutes(ctx, iag.ID, strings.Join([]string{
		"1. Welcome and apologies. Apologies were received from two members.",
		"2. The vigil. Members thanked the force for keeping its distance; the family's liaison officer described how the family chose to speak first.",
		"3. Stop and search. Black people in Boscombe were searched at 4.1 times the rate of White people this quarter. Members asked for the grounds of every search of a child to be reviewed by the panel.",
		"4. Any other business. None.",
	}, "\n"), coord.Name); err != nil {
		return err
	}
	approved := past.AddDate(0, 0, 2)
	db.SetClock(func() time.Time { return approved })
	if err := db.ApproveMinutes(ctx, iag.ID, "Delroy Francis"); err != nil {
		return err
	}
	done, err := db.AddAction(ctx, iag.ID, store.MeetingAction{Text: "Send members the body-worn video policy before the next meeting", Owner: "Priya Shah", Due: past.AddDate(0, 0, 14)})
	if err != nil {
		return err
	}
	if err := db.SetActionDone(ctx, iag.ID, done.ID, true); err != nil {
		return err
	}
	if _, err := db.AddAction(ctx, iag.ID, store.MeetingAction{Text: "Ask the Stop and Search Scrutiny Panel to review the grounds of every search of a child in Boscombe this quarter",
		Owner: "Ch Insp Mark Dyer", Due: now.AddDate(0, 0, 10)}); err != nil {
		return err
	}

	// Next week's external scrutiny forum, with a paper.
	db.SetClock(func() time.Time { return now })
	forum := &store.Meeting{GroupID: byName["Use of Force Scrutiny Panel"], Title: "External scrutiny forum: use of force and Taser", Start: evening(7), End: evening(7).Add(2 * time.Hour),
		Venue: "Kings Park Community Hub, Bournemouth", OnlineLink: "https://meet.example.org/scrutiny-forum", IndependentChair: "Dr Ruth Okoye", CreatedBy: coord.ID,
		Agenda: []string{"Welcome from the independent chair", "Use of force by ethnicity: the year's figures", "Taser drawn but not fired: ten body-worn video clips", "Questions from the public"}}
	if err := db.CreateMeeting(ctx, forum); err != nil {
		return err
	}
	p := &store.Paper{Name: "Use of force by ethnicity 2025-26.pdf", Type: "application/pdf", UploadedBy: coord.Name}
	if err := db.StorePaper(ctx, forum.ID, p, strings.NewReader(demoPaper)); err != nil {
		return err
	}
	if err := db.PaperScanned(ctx, forum.ID, *p, true); err != nil {
		return err
	}

	// The Race Action Plan Group next month.
	rap := &store.Meeting{GroupID: byName["Police Race Action Plan Group"], Title: "Race Action Plan Group", Start: evening(30), End: evening(30).Add(90 * time.Minute),
		Venue: "Police headquarters, Winfrith", OnlineLink: "https://meet.example.org/rap", CreatedBy: coord.ID,
		Agenda: []string{"Progress on the calendar of scrutiny visits", "Recommendations overdue", "The community confidence survey: first results"}}
	return db.CreateMeeting(ctx, rap)
}
