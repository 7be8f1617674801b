package powers

import (
	"fmt"
	"strings"

	"candour/stats"
	"candour/store"
)

// StripSearch is searches that went beyond outer clothing (strip and
// intimate searches), read from the police.uk column "Removal of more than
// just outer clothing" of the stop-and-search records already imported:
// no file of its own. Months whose files leave the column empty on every
// row (police.uk files before 2017) have no data for it, rather than none.
var StripSearch = register(&Dataset{
	Kind:  "strip-search",
	Title: "Strip and intimate searches",
	One:   "search that went beyond outer clothing", Many: "searches that went beyond outer clothing", Base: "searches",
	Likely: "to have a search go beyond outer clothing",
	Summary: "Stop and search records where the officer removed more than just outer clothing (a strip or more thorough search), " +
		"as police.uk publishes them: how many of each ethnic group, per 1,000 residents, how that compares with White people, " +
		"and what share of each group's searches went that far.",
	Source: "the police.uk stop and search records already imported, column “Removal of more than just outer clothing”",
	Cannot: []string{
		"police.uk says only whether more than outer clothing was removed: it does not say whether a search exposed intimate parts, nor where it took place. Custody strip searches are not in these records.",
		"Searches where the column is empty are in neither count, so the share is of searches where it was recorded.",
	},
	From: store.PowerStopSearch,
	Event: &Measure{Key: "removal", Label: "went beyond outer clothing", Column: "removal",
		Values: []string{"True"}, Of: []string{"True", "False"}},
	Shares: []Measure{{Key: "removal", Label: "went beyond outer clothing", Column: "removal",
		Values: []string{"True"}, Of: []string{"True", "False"}}},
	Samples: true,
})

// The vocabularies of a force's custody strip search extract.
var (
	CustodyAgeBands = []string{"10 to 13", "14 to 17", "18 to 24", "25 to 34", "35 to 44", "45 to 54", "55 and over"}
	// CustodyReasons are the reason codes of the extract, in words: why
	// the custody officer authorised the search (PACE Code C, Annex A).
	CustodyReasons = []string{"Risk of harm", "Concealed drugs", "Concealed evidence", "Other"}
)

// CustodyStripSearch is strip searches in custody from the force's own
// extract, one row per search. The custody number is not stored: the
// layout has no column for it, so a file that carries one is refused by
// its header. Children's searches (under 18) are shown first, and every
// count of 1 to 9 is withheld, as custody records can point at a person.
var CustodyStripSearch = register(&Dataset{
	Kind:  "custody-strip-search",
	Title: "Custody strip searches",
	One:   "strip search in custody", Many: "strip searches in custody", Base: "strip searches",
	Likely:   "to be strip searched in custody",
	Suppress: true,
	Summary: "Strip searches of people in police custody, from the force's own custody records: searches of children first, " +
		"then everyone: how many of each ethnic group (as the person described it), per 1,000 residents, how that compares with White people, " +
		"and what share found something.",
	Source: "the force's own custody records of strip searches (one row per search, without the custody number), imported as CSV",
	Cannot: []string{
		"Rates are per 1,000 residents of all ages: people held in custody may live elsewhere, and the figures for children have no rate, because Candour holds no count of children by ethnic group.",
		"Searches where the person did not state their ethnicity are in no group; the officer-observed ethnicity is shown separately and not used for the figures.",
		"A search that found nothing is not in itself unjustified: the records do not say what the officer knew.",
	},
	Columns: []Column{
		{Name: "Date and time", Required: true, Date: true},
		{Name: "Custody suite", Required: true, Breakdown: true},
		{Name: "Self-defined ethnicity", Ethnicity: true},
		{Name: "Officer-observed ethnicity", Values: []string{"", "White", "Black", "Asian", "Mixed", "Other"}, Breakdown: true},
		{Name: "Age band", Required: true, Values: CustodyAgeBands, Breakdown: true},
		{Name: "Child", Required: true, Values: yesNo},
		{Name: "Appropriate adult present", Values: []string{"", "Yes", "No"}},
		{Name: "Reason code", Required: true, Values: CustodyReasons, Breakdown: true},
		{Name: "Anything found", Required: true, Values: yesNo},
	},
	Shares: []Measure{
		{Key: "found", Label: "found something", Column: "Anything found", Values: []string{"Yes"}},
		{Key: "child", Label: "were of children", Column: "Child", Values: []string{"Yes"}},
	},
	Focus: &Focus{
		Column: "Child", Values: []string{"Yes"},
		Title: "Strip searches of children", Many: "strip searches of children", Base: "children's strip searches",
		NoRate: "There is no rate per 1,000 for children: Candour holds the Census population of all ages, not of children by ethnic group. Compare each group's share of these searches with its share of all searches below.",
		Shares: []Measure{
			{Key: "adult", Label: "had an appropriate adult present", Column: "Appropriate adult present", Values: []string{"Yes"}, Of: []string{"Yes", "No"}},
			{Key: "found", Label: "found something", Column: "Anything found", Values: []string{"Yes"}},
		},
	},
	Group: func(label string) stats.Group {
		if strings.EqualFold(strings.TrimSpace(label), "Prefer not to say") {
			return stats.NotStated
		}
		return stats.GroupOf(label)
	},
	// A child is under 18: the age band must agree, and a child's search
	// must say whether an appropriate adult was there (PACE Code C, Annex A).
	Rule: func(get func(string) string) (string, string) {
		child := get("Child") == "Yes"
		young := get("Age band") == "10 to 13" || get("Age band") == "14 to 17"
		switch {
		case child != young:
			return "Child", fmt.Sprintf("is %q but the age band is %q (a child is under 18)", get("Child"), get("Age band"))
		case child && get("Appropriate adult present") == "":
			return "Appropriate adult present", "is empty: say Yes or No for a child"
		}
		return "", ""
	},
})
