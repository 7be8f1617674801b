package demo

import (
	"context"
	"fmt"
	"time"

	"candour/store"
)

// demoAdvice are the demo's critical-incident advice requests: one from
// three weeks ago, answered, responded to, with an agreed impact
// assessment wording and a published summary; one open now, which the
// demo member has not answered yet.
var demoAdvice = []struct {
	title, shared, handling, question string
	groups                            []string // group names
	ago, hours                        time.Duration
	answers                           []demoAnswer
	wording, summary                  string
}{
	{"Fatal collision after a police pursuit, Boscombe",
		"At 11:40pm on Friday a car being followed by a marked police car collided with a wall on Christchurch Road. The driver, a 19-year-old man from Boscombe, died at the scene. The matter has been referred to the Independent Office for Police Conduct. His family have been told; his name has not been released.",
		store.HandlingGroup,
		"Friends are organising a vigil on Sunday evening. How should the force police it, and what should it say to the community before then?",
		[]string{"Bournemouth, Christchurch and Poole IAG", "Police Race Action Plan Group"}, 21 * 24 * time.Hour, 6 * time.Hour,
		[]demoAnswer{
			{"delroy.francis@example.org", 40 * time.Minute, "Keep uniformed officers at a distance and in soft caps. Ask the family who they want to speak first. Do not park police cars on Christchurch Road that evening.",
				store.OutcomeActed, "Officers attended in soft caps and stayed at the end of the road; no police vehicles were parked on Christchurch Road. The family liaison officer asked the family, who chose to speak first."},
			{"member@candour.example", 95 * time.Minute, "Put out a short statement on Saturday saying the IOPC is investigating and that the force will not comment on the pursuit until it reports. Say the vigil is the family's and the police will keep their distance.",
				store.OutcomePartly, "A statement went out on Saturday at 10am saying the IOPC is investigating. Corporate Communications did not say the police would keep their distance, because the route of the vigil was not yet known; this was said on Sunday morning instead."},
			{"amara.okonkwo@example.org", 3 * time.Hour, "Invite two IAG members to be at the vigil as independent observers.",
				store.OutcomeExplained, "The family asked for no observers at the vigil. The force offered instead a meeting with the IAG the following week, held on Thursday at the Boscombe Centre."},
		},
		"The force asked the Bournemouth, Christchurch and Poole IAG and the Race Action Plan Group for advice within six hours of the collision. Three members advised; the force acted on two pieces of advice in full or in part and explained why it did not act on the third. The IAG considers the community's concerns were heard.",
		"After a fatal collision in Boscombe, the force asked its Independent Advisory Group how to police the vigil. On their advice, officers attended in soft caps and kept their distance, and the family spoke first.",
	},
	{"Disorder after a football match, Poole Quay",
		"Shortly after 5pm today a fight between two groups of supporters on Poole Quay left three people with minor injuries. Officers made two arrests. Videos shared online show an officer using PAVA spray; some posts say the people sprayed were targeted because they are Black.",
		store.HandlingConfidential,
		"What should the force do in the next 24 hours to reassure communities in Poole, and who should it speak to first?",
		[]string{"Bournemouth, Christchurch and Poole IAG", "Police Race Action Plan Group"}, 90 * time.Minute, 5 * time.Hour,
		[]demoAnswer{
			{"delroy.francis@example.org", 25 * time.Minute, "Speak to the pastors at the two churches on Wimborne Road tonight, before the videos spread further. Say that the use of PAVA will be reviewed and the footage shown to the Use of Force Scrutiny Panel.", "", ""},
			{"kwame.asante@example.org", 60 * time.Minute, "Publish the body-worn video once the people involved have been told, and say when.", "", ""},
		},
		"", "",
	},
}

type demoAnswer struct {
	email             string
	after             time.Duration
	text              string
	outcome, response string
}

// seedAdvice creates the demo's advice requests, at their times (the
// store's clock is moved for each step and put back after).
func seedAdvice(ctx context.Context, db *store.Store, demo map[string]*store.User) error {
	now := db.Now()
	defer db.SetClock(time.Now)
	groups, err := db.Groups(ctx)
	if err != nil {
		return err
	}
	coord := demo["coordinator@candour.example"]
	for _, da := range demoAdvice {
		start := now.Add(-da.ago)
		db.SetClock(func() time.Time { return start })
		r := &store.AdviceRequest{Title: da.title, Shared: da.shared, Handling: da.handling, Question: da.question,
			Deadline: start.Add(da.hours), CreatedBy: coord.ID, CreatedByName: coord.Name}
		seen := map[string]bool{}
		for _, g := range groups {
			for _, name := range da.groups {
				if g.Name != name {
					continue
				}
				r.GroupIDs = append(r.GroupIDs, g.ID)
				ms, err := db.GroupMembers(ctx, g.ID)
				if err != nil {
					return err
				}
				for _, m := range ms {
					if !seen[m.UserID] {
						seen[m.UserID] = true
						r.Asked = append(r.Asked, m.UserID)
					}
				}
			}
		}
		if err := db.CreateAdviceRequest(ctx, r); err != nil {
			return fmt.Errorf("advice %s: %w", da.title, err)
		}
		if err := db.MarkAdviceNotified(ctx, r.ID); err != nil {
			return err
		}
		for _, a := range da.answers {
			u, err := db.UserByEmail(ctx, a.email)
			if err != nil {
				return fmt.Errorf("advice from %s: %w", a.email, err)
			}
			at := start.Add(a.after)
			db.SetClock(func() time.Time { return at })
			if _, err := db.GiveAdvice(ctx, r.ID, u.ID, u.Name, a.text); err != nil {
				return fmt.Errorf("advice from %s: %w", a.email, err)
			}
			if a.outcome != "" {
				answered := start.Add(da.hours + 20*time.Hour)
				db.SetClock(func() time.Time { return answered })
				if err := db.RespondToAdvice(ctx, r.ID, u.ID, a.outcome, a.response, coord.Name); err != nil {
					return err
				}
			}
		}
		if da.wording != "" {
			at := start.Add(3 * 24 * time.Hour)
			db.SetClock(func() time.Time { return at })
			if err := db.AgreeImpactWording(ctx, r.ID, da.wording); err != nil {
				return err
			}
			if err := db.PublishAdviceSummary(ctx, r.ID, da.summary, coord.Name); err != nil {
				return err
			}
		}
	}
	return nil
}
