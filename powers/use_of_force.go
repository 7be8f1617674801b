package powers

import (
	"strings"

	"candour/stats"
)

// UseOfForce is the Home Office's use of force statistics, table "number
// of times each tactic was used, by police force and officer-perceived
// ethnicity" (as Resistance Lab tidies the published tables to CSV), for
// one force and one financial year: a count of uses per tactic and group,
// not one row per incident. A force's own extract in the same layout is
// read the same way. The headline is "*Total Tactics" (all tactics but
// tactical communication); shares are of each group's tactic uses.
var UseOfForce = register(&Dataset{
	Kind:  "use-of-force",
	Title: "Use of force",
	One:   "use of force", Many: "uses of force", Base: "uses of force",
	Likely: "to have force used on them",
	Summary: "How often officers used force on people of each ethnic group (each tactic counted once per incident it was used in), " +
		"per 1,000 residents, how that compares with White people, and what share of each group's uses of force were each tactic.",
	Source:    "the Home Office's police use of force statistics (number of times each tactic was used, by force and officer-perceived ethnicity), or the force's own extract in the same layout",
	Ethnicity: "officer-perceived",
	Cannot: []string{
		"The counts are of tactics used, not of people or incidents: one incident where an officer handcuffed and then restrained someone counts twice, so a rate is not the share of residents force was used on.",
		"Ethnicity is as the officer perceived it. Where a group's column is 0 on every row, the force did not record it, so there is no figure rather than none.",
		"Shares of each tactic are of a group's tactic uses, which are not independent of each other, so their intervals are narrower than they should be.",
	},
	Yearly: true,
	Table: &Table{
		Force:    "Police Force",
		Key:      []string{"Type of force", "Tactic"},
		Category: "Tactic",
		Groups: map[string]stats.Group{
			"White":                    stats.White,
			"Black (or Black British)": stats.Black,
			"Asian (or Asian British)": stats.Asian,
			"Chinese":                  stats.Asian, // as in Census 2021
			"Mixed":                    stats.Mixed,
			"Other":                    stats.Other,
			"Don't know":               stats.NotStated,
			"Not reported":             stats.NotStated,
		},
		Total:    "Number of times tactic reported",
		Headline: "*Total Tactics",
		Note:     "one row per tactic; each count is how many times the tactic was used",
	},
	// The tactic names changed between years (2018-19: "CED", 2019-20:
	// "CED of which"); a share names every spelling.
	Shares: []Measure{
		{Key: "handcuffing", Label: "were handcuffing", Column: "Tactic", Values: []string{"Handcuffing, of which"}},
		{Key: "ground", Label: "were ground restraint", Column: "Tactic", Values: []string{"Ground restraint"}},
		{Key: "taser", Label: "were Taser (CED) drawn, aimed or fired", Column: "Tactic", Values: []string{"CED of which", "CED"}},
		{Key: "spray", Label: "were irritant spray", Column: "Tactic", Values: []string{"Irritant spray, of which"}},
		{Key: "firearms", Label: "were firearms", Column: "Tactic", Values: []string{"*Total Firearms"}},
	},
})

// The vocabularies of a use-of-force incident file, in the Home Office's
// words (its use of force recording form and open data).
var (
	UseOfForceReasons = []string{"Protect self", "Protect public", "Protect other officers", "Protect subject",
		"Prevent offence", "Secure evidence", "Effect search", "Effect arrest", "Method of entry",
		"Remove handcuffs", "Prevent harm", "Prevent escape", "Other"}
	UseOfForceOutcomes = []string{"Arrested", "Hospitalised", "Detained under the Mental Health Act", "Fled", "Other"}
	UseOfForceInjuries = []string{"No injury", "Minor injury", "Severe injury", "Death"}
	// UseOfForceTactics are the tactic columns, each Yes or No: whether
	// the incident escalated to it.
	UseOfForceTactics = []string{"Handcuffing", "Ground restraint", "Taser", "Irritant spray", "Baton", "Firearm"}
)

// UseOfForceIncidents is a force's own use-of-force records, one row per
// incident and subject, with the fields the Home Office collects: the
// subject's ethnicity as the officer perceived it, the main reason for
// using force, the outcome, whether the subject and the officer were
// injured, and which tactics were used. The Home Office publishes reasons,
// outcomes and injuries only nationally and not by ethnicity, so these
// figures need the force's records.
var UseOfForceIncidents = register(&Dataset{
	Kind:  "use-of-force-incidents",
	Title: "Use of force incidents by reason, outcome and injury",
	One:   "incident", Many: "incidents", Base: "incidents",
	Likely: "to have force used on them",
	Summary: "Incidents where officers used force on someone, from the force's own records (one row per incident and person): " +
		"how many involved people of each ethnic group, per 1,000 residents, how that compares with White people, " +
		"what share of each group's incidents escalated to each tactic, and each group's incidents by reason, outcome and injury.",
	Source:    "the force's own use of force records (one row per incident and subject, in the fields of the Home Office's use of force form), imported as CSV",
	Ethnicity: "officer-perceived",
	Cannot: []string{
		"Each row is one person in one incident: someone force was used on twice is counted twice, and a rate is not the share of residents force was used on.",
		"Ethnicity is as the officer perceived it; records where it was not reported are in no group.",
		"Only the main reason is counted: an officer can give several, and the others are not in these figures.",
	},
	Columns: []Column{
		{Name: "Date", Required: true, Date: true},
		{Name: "Subject ethnicity", Ethnicity: true},
		{Name: "Main reason", Required: true, Values: UseOfForceReasons, Breakdown: true},
		{Name: "Outcome", Required: true, Values: UseOfForceOutcomes, Breakdown: true},
		{Name: "Subject injury", Required: true, Values: UseOfForceInjuries, Breakdown: true},
		{Name: "Officer injury", Required: true, Values: UseOfForceInjuries, Breakdown: true},
		{Name: "Handcuffing", Required: true, Values: yesNo},
		{Name: "Ground restraint", Required: true, Values: yesNo},
		{Name: "Taser", Required: true, Values: yesNo},
		{Name: "Irritant spray", Required: true, Values: yesNo},
		{Name: "Baton", Required: true, Values: yesNo},
		{Name: "Firearm", Required: true, Values: yesNo},
	},
	Shares: []Measure{
		{Key: "handcuffing", Label: "escalated to handcuffing", Column: "Handcuffing", Values: []string{"Yes"}},
		{Key: "ground", Label: "escalated to ground restraint", Column: "Ground restraint", Values: []string{"Yes"}},
		{Key: "taser", Label: "escalated to Taser", Column: "Taser", Values: []string{"Yes"}},
		{Key: "spray", Label: "escalated to irritant spray", Column: "Irritant spray", Values: []string{"Yes"}},
		{Key: "baton", Label: "escalated to a baton", Column: "Baton", Values: []string{"Yes"}},
		{Key: "firearm", Label: "escalated to a firearm", Column: "Firearm", Values: []string{"Yes"}},
	},
	Group: func(label string) stats.Group {
		if strings.EqualFold(strings.TrimSpace(label), "Not reported") {
			return stats.NotStated
		}
		return stats.GroupOf(label)
	},
})

var yesNo = []string{"Yes", "No"}
