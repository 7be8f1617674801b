package demo

import (
	"context"
	"fmt"
	"time"

	"candour/store"
)

// demoStep is one change in a demo recommendation's life, days after it
// was raised.
type demoStep struct {
	day  int
	to   string // a status, or "" for a progress update
	text string // reason, evidence, comment or progress note
	pct  int
}

// demoPublic is a demo recommendation's "You said, we did" wording.
type demoPublic struct {
	title, summary, response string
	published                bool
}

// demoRecs are the demo force's recommendations: believable, across the
// lifecycle, some overdue and some published.
var demoRecs = []struct {
	title, wording, source, group, area, priority, dept, owner string
	raisedAgo, dueAfter                                        int // days
	tags                                                       []string
	steps                                                      []demoStep
	public                                                     *demoPublic
	followed                                                   bool
}{
	{"Record the grounds for every search in full", "The panel found that 9 of the 40 records it reviewed gave grounds of one or two words (\"smell of cannabis\"). We recommend that every record states in full what the officer saw, heard or knew.",
		"scrutiny-panel", "Stop and Search Scrutiny Panel", "respected", "high", "Neighbourhood Policing", "Ch Supt Neil Harding", 300, 120,
		[]string{"stop and search", "grounds"}, []demoStep{{14, store.RecAwaiting, "", 0}, {40, store.RecAccepted, "Accepted in full. Supervisors will review grounds weekly.", 0}, {45, store.RecInProgress, "", 0},
			{90, "", "New guidance issued to all response and neighbourhood officers.", 60}, {150, store.RecImplemented, "Supervisor dip sample of 120 records in March: 114 gave full grounds.", 0},
			{180, store.RecVerified, "The panel reviewed 40 new records and saw full grounds in 38.", 0}},
		&demoPublic{"Full grounds on every stop and search record", "The panel found that some stop and search records gave only a few words as the reason for the search, and asked that every record explains the grounds in full.",
			"We issued new guidance to officers and supervisors now check the grounds every week. In March, 114 of 120 records checked gave full grounds. The panel checked again and agreed.", true}, true},
	{"Switch on body-worn video before every search", "Officers should switch on body-worn video before the search begins, not part way through. 6 of the 25 videos we watched began after the search had started.",
		"scrutiny-panel", "Stop and Search Scrutiny Panel", "respected", "high", "Professional Standards", "Supt Karen Doyle", 200, 90,
		[]string{"body-worn video", "stop and search"}, []demoStep{{10, store.RecAwaiting, "", 0}, {30, store.RecAccepted, "", 0}, {35, store.RecInProgress, "", 0}, {70, "", "Reminder in the daily briefing; BWV activation added to the supervisor checklist.", 40}},
		&demoPublic{"Body-worn video switched on before every search", "The panel asked that officers start recording before a search begins, so the whole encounter is on video.",
			"We have reminded every officer and added it to the checks supervisors make. We will report the results to the panel.", true}, true},
	{"Give people a copy of their stop and search record", "Nobody in the sample was told how to get a copy of their record (the E in GOWISELY). Print the web address on the receipt card.",
		"scrutiny-panel", "Stop and Search Scrutiny Panel", "involved", "medium", "Corporate Communications", "Ms Rachel Obi", 150, 60,
		[]string{"GOWISELY"}, []demoStep{{7, store.RecAwaiting, "", 0}, {28, store.RecAccepted, "New receipt cards ordered.", 0}, {30, store.RecInProgress, "", 0}, {55, "", "Cards designed; printing delayed by the supplier.", 50}}, nil, false},
	{"Explain the use of handcuffs on compliant people", "In 5 of the 20 use of force records handcuffs were used on people described as calm and compliant, with no reason given. Record why.",
		"scrutiny-panel", "Use of Force Scrutiny Panel", "respected", "high", "Operational Training", "Insp Gareth Lewis", 120, 60,
		[]string{"use of force", "handcuffs"}, []demoStep{{10, store.RecAwaiting, "", 0}, {35, store.RecAcceptedInPart, "We accept recording the reason. We do not accept a new form: the existing use of force form has a reason field, which training will cover.", 0},
			{40, store.RecInProgress, "", 0}, {100, store.RecImplemented, "Personal safety training updated; reason field now mandatory in the use of force app.", 0}}, nil, true},
	{"Review Taser drawn but not fired incidents with the panel", "The panel would like to review a sample of incidents where Taser was drawn or aimed but not fired, including the video.",
		"scrutiny-panel", "Use of Force Scrutiny Panel", "respected", "medium", "Operational Training", "Insp Gareth Lewis", 40, 90,
		[]string{"Taser"}, []demoStep{{5, store.RecAwaiting, "", 0}}, nil, false},
	{"Recruit from Black communities in Bournemouth", "Hold recruitment open evenings in community venues in Boscombe and Kinson, with serving Black officers present, and mentor applicants through the assessment centre.",
		"iag-advice", "Bournemouth, Christchurch and Poole IAG", "represented", "high", "People Services", "Ms Joanne Price", 260, 120,
		[]string{"recruitment", "positive action"}, []demoStep{{12, store.RecAwaiting, "", 0}, {40, store.RecAccepted, "", 0}, {45, store.RecInProgress, "", 0}, {110, "", "Two open evenings held; 14 applicants mentored.", 70},
			{170, store.RecImplemented, "Positive action team now runs quarterly open evenings; 9 of 14 mentored applicants passed the assessment centre.", 0}, {200, store.RecVerified, "", 0}, {210, store.RecClosed, "", 0}},
		&demoPublic{"Recruitment events in Bournemouth's communities", "The group asked us to hold recruitment evenings in community venues, with Black officers there to talk to, and to mentor applicants.",
			"We now hold open evenings every quarter in Boscombe and Kinson. Nine of the fourteen people we mentored passed the assessment centre.", true}, false},
	{"Community impact assessment after critical incidents", "Share a community impact assessment with the IAG within 48 hours of any critical incident affecting Black communities.",
		"iag-advice", "Bournemouth, Christchurch and Poole IAG", "involved", "high", "Operations Command", "Supt Mark Ellis", 180, 60,
		[]string{"critical incidents"}, []demoStep{{10, store.RecAwaiting, "", 0}, {20, store.RecAccepted, "", 0}, {25, store.RecInProgress, "", 0}}, nil, true},
	{"Publish stop and search data by ward every quarter", "Publish stop and search figures by ward and ethnicity every quarter so that communities can see where disparity is highest.",
		"external-forum", "Police Race Action Plan Group", "respected", "medium", "Performance and Analysis", "Mr Tom Reeve", 220, 90,
		[]string{"data", "disparity"}, []demoStep{{10, store.RecAwaiting, "", 0}, {50, store.RecNotAccepted, "Ward-level figures for small areas could identify individuals. We will publish by neighbourhood policing area instead and have raised it as a new recommendation.", 0}},
		&demoPublic{"Stop and search figures for local areas", "The forum asked us to publish stop and search figures by ward and ethnicity every quarter.",
			"We will not publish by ward, because in small areas the figures could identify people. We will publish by neighbourhood policing area instead.", true}, false},
	{"Race Action Plan training for all supervisors", "Every sergeant and inspector completes the national Race Action Plan training, with a community member co-delivering.",
		"visit-finding", "Police Race Action Plan Group", "respected", "high", "Learning and Development", "Ms Helen Sparks", 240, 150,
		[]string{"training"}, []demoStep{{15, store.RecAwaiting, "", 0}, {45, store.RecAccepted, "", 0}, {50, store.RecInProgress, "", 0}, {120, "", "62% of supervisors trained.", 62},
			{190, store.RecImplemented, "All supervisors trained except long-term absence.", 0}, {215, store.RecInProgress, "The group has not seen the co-delivery by community members that was agreed.", 0}}, nil, true},
	{"Mentoring for Black officers seeking promotion", "Set up a mentoring scheme with senior leaders for Black officers and staff preparing for promotion.",
		"visit-finding", "Police Race Action Plan Group", "represented", "medium", "People Services", "Ms Joanne Price", 90, 120,
		[]string{"progression"}, []demoStep{{10, store.RecAwaiting, "", 0}, {25, store.RecAccepted, "", 0}, {30, store.RecInProgress, "", 0}, {60, "", "Twelve mentors matched.", 30}}, nil, false},
	{"Respond to hate crime reports within 24 hours", "Every hate crime reported by a Black victim is contacted by an officer within 24 hours, and told the outcome.",
		"survey", "Police Race Action Plan Group", "protected", "high", "Public Protection", "Det Supt Amira Khan", 160, 60,
		[]string{"hate crime", "victim care"}, []demoStep{{8, store.RecAwaiting, "", 0}, {30, store.RecAccepted, "", 0}, {35, store.RecInProgress, "", 0}, {80, "", "Contact within 24 hours now at 81%.", 55}},
		&demoPublic{"Contact hate crime victims within a day", "Survey respondents told us they were not contacted quickly after reporting hate crime. The group asked that every victim hears from an officer within 24 hours.",
			"We now check every hate crime report each morning. In the last month 81% of victims were contacted within 24 hours.", true}, true},
	{"Interpreters booked before custody interviews", "Custody should book an interpreter before the interview is arranged, not on the day. Two detainees waited more than six hours.",
		"visit-finding", "Dorset Rural IAG", "protected", "medium", "Custody", "Ch Insp Sarah Bell", 70, 45,
		[]string{"custody"}, []demoStep{{6, store.RecAwaiting, "", 0}}, nil, false},
	{"Rural engagement with Gypsy and Traveller communities", "Name a liaison officer for Gypsy and Traveller sites in North Dorset and attend the site residents' meetings.",
		"iag-advice", "Dorset Rural IAG", "involved", "low", "Neighbourhood Policing", "Insp Paul Maddox", 30, 90,
		[]string{"rural", "Gypsy and Traveller"}, nil, nil, false},
	{"Cause of concern: vetting decisions and disproportionality", "HMICFRS: the force should monitor vetting refusals by ethnicity and act on any disproportionality.",
		"hmicfrs-coc", "Police Race Action Plan Group", "represented", "high", "Vetting Unit", "Ms Claire Dunn", 330, 180,
		[]string{"vetting", "HMICFRS"}, []demoStep{{10, store.RecAwaiting, "", 0}, {20, store.RecAccepted, "", 0}, {25, store.RecInProgress, "", 0}, {200, "", "Monitoring in place; review of appeals outstanding.", 75}}, nil, false},
	{"Hybrid meetings for every group", "Every group should meet in a way that lets members join online or in person, with the papers sent a week ahead.",
		"iag-advice", "Dorset Rural IAG", "involved", "medium", "Corporate Communications", "Ms Rachel Obi", 100, 90,
		[]string{"access"}, []demoStep{{5, store.RecAwaiting, "", 0}, {20, store.RecAccepted, "", 0}, {25, store.RecInProgress, "", 0}, {60, "", "Meeting rooms in Dorchester and Bournemouth equipped.", 50}}, nil, false},
	{"Stop and search community panel attendance online", "Offer online attendance at every panel meeting so that members outside Bournemouth can take part.",
		"scrutiny-panel", "Stop and Search Scrutiny Panel", "involved", "low", "Corporate Communications", "Ms Rachel Obi", 350, 60,
		[]string{"access"}, []demoStep{{10, store.RecAwaiting, "", 0}, {300, store.RecSuperseded, "", 0}}, nil, false},
}

// seedRecommendations fills the register with the demo recommendations,
// their dated histories (built with the same lifecycle rules as the
// portal) and a few followers, raised by the demo groups.
func seedRecommendations(ctx context.Context, db *store.Store, demo map[string]*store.User) error {
	groups, err := db.Groups(ctx)
	if err != nil {
		return err
	}
	byName := map[string]string{}
	for _, g := range groups {
		byName[g.Name] = g.ID
	}
	coord, chair, member := demo["coordinator@candour.example"], demo["chair@candour.example"], demo["member@candour.example"]
	if coord == nil || chair == nil || member == nil {
		return fmt.Errorf("seed recommendations: the demo sign-ins are missing")
	}
	by := store.Actor{ID: coord.ID, Name: coord.Name}
	now := db.Now().UTC().Truncate(time.Hour)
	var replacement string
	for _, d := range demoRecs {
		gid, ok := byName[d.group]
		if !ok {
			return fmt.Errorf("seed recommendations: no group %q", d.group)
		}
		raised := now.AddDate(0, 0, -d.raisedAgo)
		r := &store.Recommendation{ID: store.NewID(), Title: d.title, Wording: d.wording, Source: d.source, GroupID: gid,
			RaisedAt: raised, Area: d.area, Tags: d.tags, Priority: d.priority, OwnerDept: d.dept, OwnerName: d.owner,
			DueAt: raised.AddDate(0, 0, d.dueAfter), Status: store.RecRaised, Version: 1, CreatedAt: raised}
		r.History = []store.HistoryEntry{{At: raised, ByID: coord.ID, ByName: coord.Name, Kind: store.HistCreated, To: store.RecRaised, What: "raised"}}
		for _, st := range d.steps {
			at := raised.AddDate(0, 0, st.day)
			who := by
			if st.to == store.RecVerified || (r.Status == store.RecImplemented && st.to == store.RecInProgress) {
				who = store.Actor{ID: chair.ID, Name: chair.Name}
			}
			var e store.HistoryEntry
			if st.to == "" {
				e, err = r.Progress(st.text, st.pct, who, at)
			} else {
				e, err = r.Transition(store.Transition{To: st.to, Reason: st.text, Evidence: st.text, Comment: st.text, SupersededBy: replacement}, who, at)
			}
			if err != nil {
				return fmt.Errorf("seed recommendation %q: %w", d.title, err)
			}
			r.History = append(r.History, e)
			r.Version++
			r.UpdatedAt = at
		}
		if r.Status == store.RecVerified || r.Status == store.RecClosed {
			r.Percent = 100
		}
		if p := d.public; p != nil {
			at := r.UpdatedAt.Add(time.Hour)
			for _, step := range []func() (store.HistoryEntry, error){
				func() (store.HistoryEntry, error) {
					return r.SetPublicWording(p.title, p.summary, p.response, false, by, at)
				},
				func() (store.HistoryEntry, error) {
					return r.AgreePublicWording(store.Actor{ID: chair.ID, Name: chair.Name}, at)
				},
				func() (store.HistoryEntry, error) { return r.Publish(p.published, by, at) },
			} {
				e, err := step()
				if err != nil {
					return fmt.Errorf("seed recommendation %q: %w", d.title, err)
				}
				r.History = append(r.History, e)
				r.Version++
			}
			r.UpdatedAt = at
		}
		if r.UpdatedAt.IsZero() {
			r.UpdatedAt = raised
		}
		if d.followed {
			r.Followers = []string{member.ID}
		}
		if err := db.InsertRecommendation(ctx, r); err != nil {
			return err
		}
		replacement = r.ID // the one after it in the list may be superseded by it
	}
	return nil
}
