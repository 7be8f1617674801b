package powers

import "candour/store"

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
