package powers

import (
	"io"
	"strings"

	"candour/disparity"
	"candour/policeuk"
	"candour/stats"
	"candour/store"
)

// StopSearch is police.uk's monthly stop and search records, one file per
// force and month (docs/disparity.md). Its file is read by police.uk's own
// reader behind the File hook, because a Column list cannot say what it
// needs: two header vocabularies (the coded labels before 2019), the force
// and month in the file name, each file a part of every month its rows
// are dated in, values outside the vocabularies kept as given. Each
// search is counted twice, by self-defined and by officer-defined
// ethnicity, and each counter carries the searches' arrests and finds.
//
// BuildBasis works out its figures by either basis (arrest and find rates,
// vehicle-only searches, unrecognised labels as given, the month trend
// and the breakdowns included) for every page that shows them: /disparity,
// /public/stop-and-search, its row of the overview, the panel sample page,
// `candour report disparity` and publishing (CheckStopSearchPublishable).
// Its page is still /disparity's, with its own table, charts, basis switch
// and sentences (the Sentences hook), so it is left out of Lookup and All
// (OwnMonitor). Strip searches read its counters (StripSearch.From).
var StopSearch = register(&Dataset{
	Kind:  store.PowerStopSearch,
	Title: "Stop and search",
	One:   "search", Many: "searches", Base: "searches",
	Likely: "to be searched",
	Summary: "Stop and search records as police.uk publishes them: how many searches of each ethnic group, per 1,000 residents, " +
		"how that compares with White people, and what share of each group's searches ended in arrest or found what was searched for.",
	Source: "police.uk's monthly stop and search files for the force",
	Cannot: []string{
		"The figures count searches, not people: one person searched twice is counted twice.",
		"Rates are per 1,000 residents (Census 2021), not per 1,000 people present in the area.",
		"Searches with no self-defined ethnicity are in no group, so each group's rate is likely to be too low.",
		"A difference is not a cause: the figures cannot say why one group is searched more than another.",
	},
	// Arrest rate and find rate, with Wilson intervals.
	Shares: []Measure{
		{Key: "arrest", Label: "ended in arrest", Counter: Arrests},
		{Key: "find", Label: "found what was searched for", Counter: Finds},
	},
	Samples:    true,
	Sentences:  stopSearchSentences,
	OwnMonitor: "/disparity",
	File: &FileFormat{
		Header: strings.Join(policeuk.Columns, ","),
		Force: func(o ImportOptions) (string, error) {
			return disparity.ResolveForce(disparity.ImportOptions{Force: o.Force, ForceOverride: o.ForceOverride, Source: o.Source})
		},
		Open:      openStopSearch,
		Part:      stopSearchPart,
		FileMonth: func(o ImportOptions) string { return fileMonth(o.Source) },
		// As /disparity shows them.
		Breakdowns: []string{"legislation", "object", "outcome", "age", "gender"},
	},
})

// fileMonth is the month a police.uk file name gives, or "".
func fileMonth(source string) string {
	m, _, _ := policeuk.ParseFileName(source)
	return m
}

// stopSearchPart is the part of each month a file brings: a police.uk
// file named for its month is that month's file (so a browser's second
// download, "… (1).csv", replaces it); any other file is its own part,
// keyed by its name.
func stopSearchPart(o ImportOptions) string {
	if m := fileMonth(o.Source); m != "" {
		return m
	}
	return "file:" + o.Source
}

// stopSearchRecords reads one police.uk file and says what each search
// counts in.
type stopSearchRecords struct {
	rd    *policeuk.Reader
	cells []store.PowerCell // reused from one record to the next
	unrec [][2]string
	// Memos of the group of each label met (self- and officer-defined):
	// a file has a few dozen labels over its rows.
	self, officer map[string]stats.Group
}

func openStopSearch(src io.Reader, o ImportOptions) (Records, error) {
	rd, err := policeuk.NewReader(src, fileMonth(o.Source))
	if err != nil {
		return nil, err
	}
	return &stopSearchRecords{rd: rd, self: map[string]stats.Group{}, officer: map[string]stats.Group{}}, nil
}

// stopSearchDims are the breakdowns kept as counters, with their column.
var stopSearchDims = []struct {
	name string
	col  int
}{
	{"legislation", policeuk.ColLegislation},
	{"object", policeuk.ColObject},
	{"outcome", policeuk.ColOutcome},
	{"age", policeuk.ColAgeRange},
	{"gender", policeuk.ColGender},
	{"type", policeuk.ColType},
	// Strip and intimate searches (StripSearch) read this one.
	{disparity.DimRemoval, policeuk.ColRemoval},
}

// Next reads the next search and the counters it adds to: for each
// basis, "all" and each breakdown by group, with the search's arrest and
// find; an unrecognised ethnicity label also by the label as given. A
// vehicle searched with nobody in it (Type = Vehicle search) has nobody
// whose ethnicity could be stated: its own line, never "not stated".
func (r *stopSearchRecords) Next() (Record, error) {
	rec, err := r.rd.Read()
	if err != nil {
		return Record{}, err
	}
	var add store.PowerCell
	add.Searches = 1
	if policeuk.IsArrest(rec.Get(policeuk.ColOutcome)) {
		add.Arrests = 1
	}
	if rec.Get(policeuk.ColOutcomeLinked) == "True" {
		add.Finds = 1
	}
	vehicleOnly := rec.Get(policeuk.ColType) == "Vehicle search"
	r.cells, r.unrec = r.cells[:0], r.unrec[:0]
	for _, basis := range []string{disparity.SelfDefined, disparity.OfficerDefined} {
		label := rec.Get(policeuk.ColSelfEthnicity)
		g := memoGroup(r.self, label, stats.GroupOf)
		if basis == disparity.OfficerDefined {
			label = rec.Get(policeuk.ColOfficerEthnicity)
			g = memoGroup(r.officer, label, stats.OfficerGroupOf)
		}
		if vehicleOnly {
			g = stats.VehicleOnly
		}
		add.Basis, add.Group = basis, string(g)
		add.Dim, add.Value = "all", ""
		r.cells = append(r.cells, add)
		for _, d := range stopSearchDims {
			add.Dim, add.Value = d.name, rec.Get(d.col)
			r.cells = append(r.cells, add)
		}
		if g == stats.Unrecognised {
			// Kept by label, so reports can show each one as given.
			add.Dim, add.Value = disparity.DimLabel, label
			r.cells = append(r.cells, add)
		}
	}
	selfKnown := func(v string) bool { return memoGroup(r.self, v, stats.GroupOf) != stats.Unrecognised }
	for _, col := range policeuk.Unrecognised(rec, selfKnown) {
		r.unrec = append(r.unrec, [2]string{policeuk.Columns[col], rec.Get(col)})
	}
	return Record{Month: rec.Month, Fields: rec.Fields, Cells: r.cells, Unrecognised: r.unrec}, nil
}

// memoGroup is of(label), remembered in memo (bounded like a reader's).
func memoGroup(memo map[string]stats.Group, label string, of func(string) stats.Group) stats.Group {
	if g, ok := memo[label]; ok {
		return g
	}
	g := of(label)
	if len(memo) < memoLimit {
		memo[label] = g
	}
	return g
}
