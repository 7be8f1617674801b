package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/store"
	"candour/store/storetest"
)

// startUpBounded are the collections start-up may search by something
// other than _id alone, because what they hold does not grow with the
// force's data: the unfolded tail of the audit log (under two pages), the
// survey batches not yet counted, the groups (tens), the marks of changes
// cut off by a crash, and the submitted custody reports that lack their
// issue counts (the step reads them all on the embedded engine: one per
// custody visit report, not a volume the benchmark scales; left as is).
var startUpBounded = []string{store.AuditEventsCollection, "tally_batches", "groups", store.CopyMarksCollection, "custody_reports"}

// seedForce stores k×30 members in two groups and k×10 panel sessions,
// each with a submitted finding reviewing one record: the volumes that
// start-up's repairs used to read whole.
func seedForce(t *testing.T, db *store.Store, k int) {
	t.Helper()
	ctx := context.Background()
	gs := []*store.Group{{Name: "Panel A", Kind: "panel"}, {Name: "Panel B", Kind: "panel"}}
	for _, g := range gs {
		if err := db.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	var ms []*store.Membership
	var users []string
	for i := range 30 * k {
		u := &store.User{Email: fmt.Sprintf("m%d@example.org", i), Name: fmt.Sprintf("Member %d", i), Role: store.RoleMember, Status: store.StatusActive}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		users = append(users, u.ID)
		ms = append(ms, &store.Membership{GroupID: gs[i%2].ID, UserID: u.ID, VettingLevel: "NPPV2", Chair: i < 2})
	}
	if err := db.SeedMemberships(ctx, ms); err != nil {
		t.Fatal(err)
	}
	var vs []*store.Visit
	var fs []*store.Finding
	at := time.Now().UTC().AddDate(0, -2, 0).Truncate(time.Hour)
	for i := range 10 * k {
		start := at.Add(time.Duration(i) * 24 * time.Hour)
		v := &store.Visit{ID: fmt.Sprintf("v%d", i), Type: store.VisitStopSearch, GroupID: gs[i%2].ID, Location: "Hub", Start: start, End: start.Add(2 * time.Hour),
			Capacity: 6, MinVetting: "none", Attendees: []string{users[i%len(users)]}}
		vs = append(vs, v)
		f := &store.Finding{VisitID: v.ID, GroupID: v.GroupID, VisitType: v.Type, VisitStart: v.Start, UserID: users[i%len(users)], AuthorName: "A member"}
		for _, key := range store.SectionsFor(v.Type) {
			f.Sections = append(f.Sections, store.FindingSection{Key: key, RAG: store.RAGRatings[0], Comment: "Seen."})
		}
		f.Records = []store.RecordReview{{Reference: fmt.Sprintf("r%d", i), Date: start.AddDate(0, -1, 0), SelfEthnicity: "Not stated", Grounds: "yes", RAG: store.RAGRatings[0]}}
		fs = append(fs, f)
	}
	if err := db.SeedVisits(ctx, vs, fs); err != nil {
		t.Fatal(err)
	}
}

// startUpCommands restarts the store at o and returns the commands its
// RepairAtStart sends, each as "command collection filter".
func startUpCommands(t *testing.T, open func() *store.Store) []string {
	t.Helper()
	ctx := context.Background()
	db := open()
	defer db.Close(ctx)
	var sent []string
	stop := db.TraceFilters(func(cmd, coll string, filter bson.Raw) {
		sent = append(sent, strings.TrimSpace(cmd+" "+coll+" "+filter.String()))
	})
	defer stop()
	if _, err := db.RepairAtStart(ctx); err != nil {
		t.Fatal(err)
	}
	return sent
}

// TestStartUpReadsTheSameWhateverTheData: what start-up reads before the
// portal answers does not grow with the data (issue 18: start-up < 2 s on
// ten times a year's data; it took 21 s when it read every membership,
// account and submitted finding). The same store at one and at four times
// the members, memberships, visits and findings sends the same commands at
// start, and none of them searches a collection that grows with the force
// by anything but _id. Counted, not timed: a busy machine cannot make it
// pass or fail.
func TestStartUpReadsTheSameWhateverTheData(t *testing.T) {
	t.Parallel()
	var runs [][]string
	for _, k := range []int{1, 4} {
		o := storetest.Options(t)
		sl := storetest.Sealer(t)
		open := storetest.Reopener(t, o, sl)
		db := open()
		seedForce(t, db, k)
		if o.URI != "" {
			defer func() {
				db := open()
				_ = db.DropDatabase(context.Background())
				_ = db.Close(context.Background())
			}()
		}
		if err := db.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		sent := startUpCommands(t, open)
		for _, c := range sent {
			f := strings.Fields(c)
			if f[0] == "getMore" {
				t.Errorf("×%d: start-up read a cursor past its first batch (a read that grows with the data): %v", k, sent)
				continue
			}
			if f[0] != "find" || slices.Contains(startUpBounded, f[1]) {
				continue
			}
			if rest := strings.Join(f[2:], " "); !strings.HasPrefix(rest, `{"_id": "`) || strings.Count(rest, `"`) != 4 {
				t.Errorf("×%d: start-up searched %s by %s, not by _id alone: it reads more as the force grows", k, f[1], rest)
			}
		}
		runs = append(runs, sent)
	}
	if len(runs[0]) != len(runs[1]) {
		t.Fatalf("start-up sent %d commands at ×1 and %d at ×4:\n%s\n--\n%s", len(runs[0]), len(runs[1]), strings.Join(runs[0], "\n"), strings.Join(runs[1], "\n"))
	}
}

// TestMembershipCutOffIsPutRightAtStart: a membership change cut off after
// it was written and before its copies (a kill between the two) is put
// right by the next start, before the portal answers: the mark it wrote
// first names the account and the group. The account's copy decides who
// may sign up for a visit.
func TestMembershipCutOffIsPutRightAtStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := storetest.Options(t)
	open := storetest.Reopener(t, o, storetest.Sealer(t))
	db := open()
	g := &store.Group{Name: "Panel", Kind: "panel"}
	if err := db.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	u := &store.User{Email: "m@example.org", Name: "Member", Role: store.RoleMember, Status: store.StatusActive}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	// The cut: the context ends once the membership is written, as its
	// copies are about to be made (their first read fails).
	err := cutAtFirstFind(db, "memberships", func(cut context.Context) error {
		return db.PutMembership(cut, &store.Membership{GroupID: g.ID, UserID: u.ID, Chair: true, VettingLevel: "NPPV2"})
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("the cut-off change: %v, want it cancelled", err)
	}
	db = storetest.Restart(t, db, o, open)
	if ms, err := db.UserMemberships(ctx, u.ID); err != nil || len(ms) != 0 {
		t.Fatalf("before the repair the account's copy is %v (%v), want it empty: the cut did not cut", ms, err)
	}
	done, err := db.RepairAtStart(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// One account and one group rewritten.
	if n := done.Fixed["group summaries and memberships on accounts"]; n != 2 {
		t.Fatalf("start-up put right %d copies, want 2 (the account and the group): %v", n, done.Fixed)
	}
	if ms, err := db.UserMemberships(ctx, u.ID); err != nil || len(ms) != 1 || ms[0].GroupID != g.ID {
		t.Fatalf("the account's copy after start-up: %+v (%v)", ms, err)
	}
	if gr, err := db.Group(ctx, g.ID); err != nil || gr.MemberCount != 1 || !slices.Equal(gr.ChairNames, []string{"Member"}) {
		t.Fatalf("the group's summary after start-up: %+v (%v)", gr, err)
	}
	// The mark is gone: the next start rewrites nothing.
	again, err := db.RepairAtStart(ctx)
	if err != nil || len(again.Fixed) != 0 {
		t.Fatalf("a second start repaired %v (%v)", again.Fixed, err)
	}
	// A change that completes leaves no mark behind.
	if err := db.RemoveMembership(ctx, g.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := db.RawDatabase().Collection(store.CopyMarksCollection).CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Fatalf("%d marks left after a completed change (%v)", n, err)
	}
}

// TestSubmittedFindingCutOffIsTalliedAtStart: a finding submitted and cut
// off before its panel tally was added to is counted by the next start,
// once: the tally is rebuilt from the group's submitted findings.
func TestSubmittedFindingCutOffIsTalliedAtStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := storetest.Options(t)
	open := storetest.Reopener(t, o, storetest.Sealer(t))
	db := open()
	start := time.Now().UTC().AddDate(0, -1, 0).Truncate(time.Hour)
	v := &store.Visit{ID: "v1", Type: store.VisitStopSearch, GroupID: "panel", Location: "Hub", Start: start, End: start.Add(2 * time.Hour), Capacity: 6, MinVetting: "none", Attendees: []string{"u1"}}
	if err := db.RecordVisit(ctx, v); err != nil {
		t.Fatal(err)
	}
	f := &store.Finding{VisitID: v.ID, GroupID: v.GroupID, VisitType: v.Type, VisitStart: v.Start, UserID: "u1", AuthorName: "Member"}
	for _, key := range store.SectionsFor(v.Type) {
		f.Sections = append(f.Sections, store.FindingSection{Key: key, RAG: store.RAGRatings[0], Comment: "Seen."})
	}
	// Two records, one stopped without grounds (hand count: records 2, noGrounds 1).
	f.Records = []store.RecordReview{
		{Reference: "r1", Date: start.AddDate(0, 0, -3), SelfEthnicity: "Not stated", Grounds: "no", RAG: store.RAGRatings[0]},
		{Reference: "r2", Date: start.AddDate(0, 0, -2), SelfEthnicity: "Not stated", Grounds: "yes", RAG: store.RAGRatings[0]},
	}
	// The cut: the context ends after the submit is written, as the
	// visit's calendar copy is read (before the tally is added to).
	err := cutAtFirstFind(db, "visit_months", func(cut context.Context) error {
		return db.SaveFinding(cut, f, 0, true)
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("the cut-off submit: %v, want it cancelled", err)
	}
	db = storetest.Restart(t, db, o, open)
	month := store.MonthKey(start)
	if tl, err := db.PanelTallyOf(ctx, "panel"); err != nil || tl.Months[month].Records != 0 {
		t.Fatalf("before the repair the tally is %+v (%v), want nothing counted: the cut did not cut", tl.Months, err)
	}
	if _, err := db.RepairAtStart(ctx); err != nil {
		t.Fatal(err)
	}
	tl, err := db.PanelTallyOf(ctx, "panel")
	if err != nil {
		t.Fatal(err)
	}
	if got := tl.Months[month]; got.Records != 2 || got.NoGrounds != 1 {
		t.Fatalf("the tally after start-up: %+v, want 2 records, 1 without grounds", got)
	}
	// Once: a second start changes nothing.
	if again, err := db.RepairAtStart(ctx); err != nil || len(again.Fixed) != 0 {
		t.Fatalf("a second start repaired %v (%v)", again.Fixed, err)
	}
}

// cutAtFirstFind runs change with a context that ends at its first find on
// coll: a change cut off there, as a kill between its writes would.
func cutAtFirstFind(db *store.Store, coll string, change func(context.Context) error) error {
	cut, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := db.TraceCommands(func(command, c string) {
		if command == "find" && c == coll {
			cancel()
		}
	})
	defer stop()
	return change(cut)
}
