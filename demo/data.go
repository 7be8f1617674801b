package demo

import "embed"

// demoData holds the real public files the demo seed imports (police.uk
// stop-and-search months, two of them in British Summer Time, and the Census
// 2021 population of the force area),
// so `candour seed demo` works from the binary alone. testdata/README.md
// names their sources (the files of the same names in testdata/ are links
// to these); CANDOUR_DEMO_DATA points the seed at another directory.
//
//go:embed data/census2021-ts021-dorset-force-area.csv data/2016-11-dorset-stop-and-search.csv data/2019-01-dorset-stop-and-search.csv
//go:embed data/2018-08-dorset-stop-and-search.csv data/2018-09-dorset-stop-and-search.csv
var demoData embed.FS
