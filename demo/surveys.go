package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"candour/store"
)

// SeedSurveys adds the demo force's surveys: last year's Community Safety
// Survey (the baseline, closed) and this spring's confidence survey of
// Black communities (open, published, with the about-you section), each
// with a few hundred believable responses in which Black respondents report
// less confidence than White respondents.
func SeedSurveys(ctx context.Context, db *store.Store) error {
	rnd := rand.New(rand.NewPCG(2026, 5))
	now := db.Now()
	agree := func(key, text string) store.Question {
		return store.Question{Type: store.QAgree, Key: key, Text: text}
	}
	baseline, err := demoSurvey(ctx, db, &store.Survey{Title: "Community Safety Survey 2025", Series: "Community confidence", Wave: "2025",
		Intro: "Dorset Police's yearly survey of how safe people feel and what they think of policing where they live.", AboutYou: true, OpenLink: true, Closed: true, Public: true},
		[]store.Question{
			agree("fair", "Dorset Police treat everyone fairly, whatever their ethnicity"),
			agree("rely", "You can rely on the police to be there when you need them"),
			{Type: store.QRating, Key: "confidence", Text: "How much confidence do you have in Dorset Police?"},
		}, now.AddDate(-1, 0, 0))
	if err != nil {
		return err
	}
	if err := demoResponses(ctx, db, baseline, 420, rnd, now.AddDate(-1, 0, 0), false); err != nil {
		return err
	}
	main, err := demoSurvey(ctx, db, &store.Survey{Title: "Your confidence in Dorset Police", Series: "Community confidence", Wave: "Spring 2026",
		Intro:    "Dorset Police and its Independent Advisory Groups want to hear from Black communities in Dorset, and from everyone, about your feelings, perceptions and experiences of policing, so that we can find and tackle unfair differences.",
		AboutYou: true, OpenLink: true, InviteCodes: true, Public: true, BaselineID: baseline.ID, ClosesOn: store.Day(now.AddDate(0, 2, 0))},
		[]store.Question{
			{Type: store.QSingle, Text: "In the last 12 months, have you had any contact with Dorset Police?", Required: true, Options: store.NewOptions([]string{"Yes", "No"}, nil)},
			{Type: store.QAgree, Text: "You were treated with respect during that contact", ShowIfQ: "q1", ShowIfA: "o1"},
			agree("fair", "Dorset Police treat everyone fairly, whatever their ethnicity"),
			agree("rely", "You can rely on the police to be there when you need them"),
			{Type: store.QRating, Key: "confidence", Text: "How much confidence do you have in Dorset Police?", Hint: "0 means none at all and 10 means complete confidence."},
			{Type: store.QMultiple, Text: "Which of these would most improve your confidence?", Options: store.NewOptions([]string{
				"More officers from my community", "Better explanations when I am stopped", "Seeing action on complaints", "More visible patrols"}, nil)},
			{Type: store.QNumber, Text: "How many times have you been stopped and searched in the last 12 months?", Hint: "Enter 0 if none."},
			{Type: store.QLong, Text: "Is there anything else you would like to tell us?"},
		}, now.AddDate(0, 0, -21))
	if err != nil {
		return err
	}
	return demoResponses(ctx, db, main, 360, rnd, now.AddDate(0, 0, -21), true)
}

// demoSurvey creates a survey with questions and publishes version 1.
func demoSurvey(ctx context.Context, db *store.Store, sv *store.Survey, qs []store.Question, published time.Time) (*store.Survey, error) {
	if err := db.CreateSurvey(ctx, sv); err != nil {
		return nil, fmt.Errorf("seed surveys: %w", err)
	}
	sv, err := db.ChangeSurvey(ctx, sv.ID, sv.Rev, func(sv *store.Survey, _ time.Time) error {
		for i := range qs {
			qs[i].ID = "q" + strconv.Itoa(i+1)
		}
		sv.Draft, sv.NextQ = qs, len(qs)
		return sv.Publish(published)
	})
	if err != nil {
		return nil, fmt.Errorf("seed surveys: %w", err)
	}
	return sv, nil
}

// Who answers: the spring survey reached Black communities on purpose.
var demoEthnicity = []struct {
	code   string
	weight int
}{
	{"white_british", 30}, {"white_other", 4}, {"white_irish", 1}, {"black_african", 16}, {"black_caribbean", 14}, {"black_other", 4},
	{"mixed_white_black_caribbean", 6}, {"mixed_white_black_african", 3}, {"mixed_white_asian", 2}, {"asian_indian", 3}, {"asian_pakistani", 2},
	{"asian_bangladeshi", 1}, {"asian_chinese", 2}, {"other_arab", 1}, {"other_any", 1}, {"pnts", 5}, {"", 5},
}

// demoAgree is how likely each group is to give each answer, from
// strongly agree to don't know.
var demoAgree = map[string][]float64{
	"White": {0.22, 0.40, 0.15, 0.11, 0.06, 0.06},
	"Black": {0.07, 0.23, 0.17, 0.25, 0.22, 0.06},
	"Mixed": {0.12, 0.30, 0.18, 0.19, 0.14, 0.07},
	"Other": {0.15, 0.35, 0.18, 0.15, 0.10, 0.07},
}

func pick(rnd *rand.Rand, ps []float64, codes []string) string {
	x := rnd.Float64()
	for i, p := range ps {
		if x < p {
			return codes[i]
		}
		x -= p
	}
	return codes[len(codes)-1]
}

func demoGroup(code string) string {
	switch {
	case len(code) > 5 && code[:5] == "black":
		return "Black"
	case len(code) > 5 && code[:5] == "mixed":
		return "Mixed"
	case len(code) > 5 && code[:5] == "white":
		return "White"
	}
	return "Other"
}

// demoResponses makes n responses to sv over the weeks after from. In the
// baseline (targeted false) fewer Black people answered and everyone was
// a little more confident than now.
func demoResponses(ctx context.Context, db *store.Store, sv *store.Survey, n int, rnd *rand.Rand, from time.Time, targeted bool) error {
	v := sv.Current()
	total := 0
	for _, e := range demoEthnicity {
		total += e.weight
	}
	agreeCodes := []string{"sa", "a", "n", "d", "sd", "dk"}
	ages := []string{"16_24", "25_34", "35_44", "45_54", "55_64", "65_74", "75", "pnts"}
	comments := []string{"I was stopped twice last year and nobody explained why.", "The officers at the community meeting listened.",
		"More patrols in the evening would help.", "My son is treated differently from his white friends.", "Response times are too slow."}
	var rs []*store.Response
	for i := range n {
		eth := ""
		x := rnd.IntN(total)
		for _, e := range demoEthnicity {
			if x < e.weight {
				eth = e.code
				break
			}
			x -= e.weight
		}
		if !targeted && demoGroup(eth) == "Black" && rnd.IntN(3) > 0 {
			eth = "white_british" // last year's survey reached fewer Black people
		}
		g := demoGroup(eth)
		ps := demoAgree[g]
		if !targeted {
			ps = []float64{ps[0] + 0.04, ps[1] + 0.04, ps[2], ps[3] - 0.04, ps[4] - 0.04, ps[5]}
		}
		a := store.Answers{}
		if eth != "" {
			a[store.AboutEthnicity] = []string{eth}
		}
		a[store.AboutAge] = []string{ages[rnd.IntN(len(ages))]}
		a[store.AboutSex] = []string{[]string{"female", "male", "pnts"}[rnd.IntN(3)]}
		if rnd.IntN(5) == 0 {
			a[store.AboutDisability] = []string{"yes"}
		}
		for _, q := range v.Questions {
			switch {
			case q.AboutYou:
			case q.Type == store.QSingle:
				a[q.ID] = []string{[]string{"o1", "o2"}[rnd.IntN(2)]}
			case q.Type == store.QAgree && q.Visible(a):
				a[q.ID] = []string{pick(rnd, ps, agreeCodes)}
			case q.Type == store.QRating:
				score := int(ps[0]*20+ps[1]*10) + rnd.IntN(5) - 1
				a[q.ID] = []string{"r" + strconv.Itoa(max(0, min(10, score)))}
			case q.Type == store.QMultiple:
				a[q.ID] = []string{"o" + strconv.Itoa(1+rnd.IntN(4))}
			case q.Type == store.QNumber && rnd.IntN(2) == 0:
				times := 0
				if g == "Black" && rnd.IntN(4) == 0 {
					times = 1 + rnd.IntN(3)
				}
				a[q.ID] = []string{strconv.Itoa(times)}
			case q.Type == store.QLong && rnd.IntN(6) == 0:
				a[q.ID] = []string{comments[rnd.IntN(len(comments))]}
			}
		}
		checked, err := v.Check(a)
		if err != nil {
			return fmt.Errorf("seed surveys: demo response %d: %w", i, err)
		}
		rs = append(rs, &store.Response{SurveyID: sv.ID, Version: v.N, Answers: checked, Day: store.Day(from.AddDate(0, 0, rnd.IntN(21)))})
	}
	return db.InsertResponses(ctx, sv, rs)
}
