package powers

import "candour/stats"

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
