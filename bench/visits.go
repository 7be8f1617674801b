package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"candour/store"
)

// A year of scrutiny visits: 300 visits (200 past, 100 to come) and 300
// findings, about a third of them panel reviews of five records each. The members
// with the load's sessions, and 51 more who sign up, are in the Stop and
// Search Scrutiny Panel, whose visits to come are at distinct times so
// that every sign-up is a real one (a seat or the waiting list).
// The volumes are multiplied by -scale (applyScale).
var (
	benchVisits     = 300
	benchPastVisits = 200
	benchFindings   = 300
)

const benchSignUpUsers = 51 // 50 concurrent members, and one for the single-client run

// visitBench is what the visit rows need from the seeding.
var visitBench struct {
	showID   string   // a past panel session with three findings
	future   []string // the panel's visits to come
	sessions []session
	groupID  string
}

// seedVisits adds the visits, findings and sign-up sessions.
func seedVisits(ctx context.Context, db *store.Store, key []byte, p *seededPeople) error {
	// The groups, their members and the panel's 51 sign-up members come
	// from seedGroups (seed.go), which put them in the panel in bulk: a
	// PutMembership each, and a GroupMembers per group, each scanned every
	// membership (minutes at -scale 10).
	groups, panel, byGroup := p.groups, p.panel, p.byGroup
	visitBench.groupID = panel.ID
	var members []*store.User
	for _, u := range p.community {
		if u.Role == store.RoleMember && len(members) < benchSignUpUsers {
			members = append(members, u)
		}
	}
	now := time.Now()
	findings := 0
	var vs []*store.Visit
	var fs []*store.Finding
	for i := range benchPastVisits {
		g := groups[i%len(groups)]
		if i%4 == 0 {
			g = *panel
		}
		kind := store.VisitTypes[i%len(store.VisitTypes)]
		if g.ID == panel.ID {
			kind = store.VisitStopSearch
		}
		start := now.AddDate(0, 0, -1-(i*365/benchPastVisits)).Truncate(time.Hour)
		who := byGroup[g.ID]
		var attendees []string
		for k := range min(3, len(who)) {
			attendees = append(attendees, who[(i+k)%len(who)])
		}
		v := &store.Visit{ID: store.NewID(), Type: kind, GroupID: g.ID, Location: fmt.Sprintf("Bench location %d", i%12), Start: start, End: start.Add(2 * time.Hour),
			Capacity: 6, MinVetting: "none", Notes: "Arrive ten minutes early.", Attendees: attendees, CreatedAt: start.AddDate(0, 0, -30)}
		vs = append(vs, v)
		for k, uid := range attendees {
			if findings == benchFindings || (k > 0 && i%2 == 1 && g.ID != panel.ID) {
				continue
			}
			f := &store.Finding{VisitID: v.ID, GroupID: v.GroupID, VisitType: v.Type, VisitStart: v.Start, UserID: uid, AuthorName: "Bench member"}
			for _, key := range store.SectionsFor(kind) {
				f.Sections = append(f.Sections, store.FindingSection{Key: key, RAG: store.RAGRatings[(i+k)%3], Comment: "What we saw, in a sentence or two."})
			}
			if store.ReviewsRecords(kind) {
				for r := range 5 {
					f.Records = append(f.Records, store.RecordReview{Reference: fmt.Sprintf("B-%d-%d-%d", i, k, r), Date: start.AddDate(0, -1, 0),
						Legislation: "Misuse of Drugs Act 1971 (section 23)", Object: "Controlled drugs", Outcome: "A no further action disposal",
						SelfEthnicity:    []string{"White: Irish", "Black, Black British, Black Welsh, Caribbean or African: African", "Not stated"}[(i+r)%3],
						OfficerEthnicity: "White", BWV: "yes", Grounds: []string{"yes", "no", "unsure"}[(i+k+r)%3], RAG: store.RAGRatings[(i+r)%3],
						Gowisely: map[string]bool{"grounds": true, "object": true}})
				}
			}
			fs = append(fs, f)
			findings++
		}
		if g.ID == panel.ID && len(attendees) == 3 && visitBench.showID == "" && i > 40 {
			visitBench.showID = v.ID
		}
	}
	for i := range benchVisits - benchPastVisits {
		start := time.Date(now.Year(), now.Month(), now.Day()+2+i, 18, 0, 0, 0, time.UTC)
		v := &store.Visit{ID: store.NewID(), Type: store.VisitStopSearch, GroupID: panel.ID, Location: "Kings Park Community Hub", Start: start, End: start.Add(2 * time.Hour),
			Capacity: 10, MinVetting: "none", Notes: "Quarterly record review."}
		vs = append(vs, v)
		visitBench.future = append(visitBench.future, v.ID)
	}
	// In bulk: RecordVisit and SaveFinding one by one took 45 s at 1× on a
	// busy machine, which made -scale 10 too slow to run.
	if err := db.SeedVisits(ctx, vs, fs); err != nil {
		return fmt.Errorf("seed visits: %v", err)
	}
	for _, u := range members {
		s, err := mintSession(ctx, db, key, u)
		if err != nil {
			return err
		}
		visitBench.sessions = append(visitBench.sessions, s)
	}
	return nil
}

// visitScenarios are the visit rows: the calendar, a visit page and the
// trends as a member, and sign-up POSTs by 50 members at once, each to a
// visit they are not yet on.
func visitScenarios() []scenario {
	vb := &visitBench
	return []scenario{
		{label: "GET /visits, month of 300 (member)", method: "GET", path: "/visits", as: member, want: 200, budget: pageBudget},
		{label: "GET /visits?view=list (member)", method: "GET", path: "/visits?view=list", as: member, want: 200, budget: pageBudget},
		{label: "GET /visits/:id, 3 findings (member)", method: "GET", path: "/visits/" + vb.showID, as: member, want: 200, budget: pageBudget},
		{label: "GET /visits/trends, panel (member)", method: "GET", path: "/visits/trends?group=" + url.QueryEscape(vb.groupID), as: member, want: 200, budget: pageBudget},
		{label: "POST /visits/:id/sign-up → 303 (50 members)", method: "POST", as: member, want: 303, budget: formBudget,
			clients: 50, sessions: vb.sessions, form: func(session) url.Values { return url.Values{} },
			pathFor: func(c, k int) string {
				return "/visits/" + vb.future[(c*7+k)%len(vb.future)] + "/sign-up"
			}},
	}
}
