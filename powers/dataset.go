// Package powers monitors disparity in each policing activity Candour
// watches (strip searches, vehicle stops, …), each described by one
// Dataset definition: its file layout and vocabularies, how ethnicity maps
// to the five Census 2021 groups, which records are the events counted in
// rates and ratios, and which shares are shown. One import (Import) and one
// report (Build) serve every definition, on the stop-and-search machinery:
// monthly counter documents in the store (store.PowerMonth), the Census
// population, and stats.Compare's one flag rule. Adding an activity is one
// definition file plus its tests. Stop and search is one of them
// (stop_search.go): its police.uk reader sits behind the File hook, and a
// dataset can read its counters (From).
//
// It does no HTTP and builds no BSON filters.
package powers

import (
	"io"
	"sort"
	"strings"

	"candour/stats"
	"candour/store"
)

// Column is one column of a dataset's file, in order.
type Column struct {
	Name      string
	Required  bool     // a row with it empty is refused
	Values    []string // the vocabulary (exact, case-sensitive); nil means free text
	Date      bool     // the record's date: filed under its month in Europe/London
	Ethnicity bool     // self-defined ethnicity: mapped with Dataset.Group
	Breakdown bool     // counted by value and group
	// Person is a hashed person key (64 hexadecimal digits, a SHA-256,
	// never a name): a record whose key came earlier in the file is a
	// repeat (counter "repeat": "yes" or "no").
	Person bool
	// Hint, when set, is what the import page says the column holds.
	Hint string
	// Field, for a dataset whose records are also typed on a form
	// (Capture), is the form field the column is typed in: a refusal of a
	// captured record names it.
	Field string
}

// Measure picks records by the value of one column: those with Column in
// Values. Of, when set, is the base a share is worked out over (records
// with Column in Of); a record outside it has no answer (not recorded).
//
// Counter, instead of Column, picks the records a File reader marked in
// each counter: Arrests or Finds (stop and search's searches that ended in
// arrest, and those whose outcome was linked to the object of the search).
type Measure struct {
	Key     string // short, stable: "removal"
	Label   string // "went beyond outer clothing"
	Column  string
	Values  []string
	Of      []string
	Counter string // Arrests or Finds; "" to pick by Column
}

// The counters a Measure can read from a cell beside its records.
const (
	Arrests = "arrests"
	Finds   = "finds"
)

// Dataset defines one activity.
type Dataset struct {
	Kind      string // store kind and URL path: "strip-search"
	Title     string // "Strip and intimate searches"
	One, Many string // what one event is: "stop", "stops"
	Base      string // what the records a share is of are: "searches", "stops"
	Likely    string // ends "Black people were 3 times as likely as White people …": "to be stopped"
	Summary   string // one paragraph: what the page shows
	Source    string // where the records come from, for the quality statement
	// Cannot lists what the data cannot show, for the quality statement.
	Cannot []string
	// Population, when set, is the kind of population (store.Drivers) the
	// rates are per 1,000 of where the force has loaded one; otherwise
	// Census 2021 residents, as for every other dataset, and the page
	// says so with Fallback: why rates per resident are second best here.
	Population string
	Fallback   string

	// Columns is the layout of the dataset's own file; nil for a dataset
	// derived from another kind's counters (From).
	Columns []Column
	// Table, instead of Columns, is an aggregated layout: one row per
	// category, with a count per ethnic group in columns (the Home Office's
	// use of force tables).
	Table *Table
	// Yearly datasets hold one document per financial year ("2019-20")
	// rather than per month; an import names its year.
	Yearly bool
	// Ethnicity says whose description of ethnicity the figures use, for
	// the page: "self-defined" unless set.
	Ethnicity string
	// From names the kind whose counters this dataset reads (stop and
	// search for strip searches): it has no import of its own.
	From string
	// Event picks the records counted in rates and ratios; nil: every
	// record. A month with no record in Event.Of has no data for this
	// dataset (the column was not recorded then).
	Event *Measure
	// Shares are shown as shares of each group's records, with Wilson
	// intervals.
	Shares []Measure
	// Group maps a self-defined ethnicity to its group; nil: stats.GroupOf.
	Group func(string) stats.Group
	// Suppress withholds every figure resting on 1 to 9 records (shown
	// as "fewer than 10"), as surveys do: for records nobody else
	// publishes, where a small cell can point at a person.
	Suppress bool
	// Derive, when set, checks a record whose columns are each good
	// against rules across columns (problems name the column; the line is
	// filled in) and works out more counters from it: (dim, value) pairs,
	// counted by group as a breakdown is (missing people: hours to find).
	Derive func(fields []string) (cells [][2]string, problems []RowProblem)
	// Page is the path of the activity's own page of figures beyond the
	// shared monitor's, linked from it ("" for none) with PageLabel.
	Page, PageLabel string
	// Restricted datasets (vetting decisions) are read only on their own
	// pages by the roles the policy table names there: Lookup and All
	// leave them out, so no shared page, list or public route shows them.
	Restricted bool
	// Samples says whether panels can draw samples of these records from
	// the stop-and-search sample page (strip searches).
	Samples bool
	// Focus, when set, is a subset of the records shown first, with its
	// own counts and shares (children's custody strip searches).
	Focus *Focus
	// Rule, when set, checks one row across its columns (get returns a
	// column's value by name) and returns the column and problem, or "".
	Rule func(get func(string) string) (column, problem string)
	// File, instead of Columns, reads a layout a Column list cannot
	// express (police.uk's stop and search files) and says which counters
	// each record adds to.
	File *FileFormat
	// Sentences, when set, says the report's findings in the dataset's
	// own words instead of the shared ones (stop and search keeps the
	// sentences its page has always had).
	Sentences func(rep *Report) []string
	// OwnMonitor is the path of the activity's own monitor when the
	// shared one (/powers/KIND) does not serve it yet (stop and search:
	// /disparity): Lookup and All leave it out, so no shared route, list
	// or overview row shows it twice.
	OwnMonitor string
}

// FileFormat is the reader hook of a dataset whose file a Column list
// cannot describe. Import does the rest as for every dataset: every line
// checked before anything is stored, records kept in chunks by month in
// Europe/London, the month's parts replaced in one conditional write.
type FileFormat struct {
	// Header is the file's header, for help text.
	Header string
	// Force decides whose data a file is from the import options (a
	// police.uk file name names its force). Nil: ResolveForce(o.Force).
	Force func(o ImportOptions) (string, error)
	// Open checks the header and returns a reader of the file's records.
	// A file that is not in the layout is refused whole: Open and Next
	// return a refusal (an apperr.Invalid) naming the first problem.
	Open func(src io.Reader, o ImportOptions) (Records, error)
	// Part, when set, names the part of each month one file brings: the
	// file is a part of every month its rows are dated in, and importing
	// it again replaces those parts and nothing else (police.uk's files,
	// whose rows can spill into a neighbouring month). Nil: one part a
	// month, so the last import of a month wins.
	Part func(o ImportOptions) string
	// FileMonth is the month a file's name says it holds ("" for none),
	// for the import's notes.
	FileMonth func(o ImportOptions) string
	// Breakdowns are the dimensions of the reader's counters that the
	// report shows by value and group.
	Breakdowns []string
}

// Records streams one file's records.
type Records interface {
	// Next returns the next record, io.EOF after the last, or a refusal
	// naming the line. The record's slices are the reader's own: they
	// hold until the next call.
	Next() (Record, error)
}

// Record is one record as a FileFormat reads it.
type Record struct {
	Month  string   // YYYY-MM in Europe/London
	Fields []string // the record as published, kept for panel samples
	// Cells are the counters the record adds to, each with what it adds
	// (Searches 1; Arrests and Finds 0 or 1): any basis (self- and
	// officer-defined), dimension, value and group.
	Cells []store.PowerCell
	// Unrecognised is each column (by name) and value outside the known
	// vocabularies: kept as given and counted in the import's result.
	Unrecognised [][2]string
}

// Focus is a subset of a dataset's records (those with Column in Values)
// counted apart and shown first, by group, with the dataset's suppression.
// It has no rates: Candour holds no population for it.
type Focus struct {
	Column string
	Values []string
	Title  string // "Strip searches of children"
	Many   string // "strip searches of children"
	Base   string // in sentences, "Of children's strip searches of White people, …"
	// NoRate says why the subset has no rate per 1,000, for the page.
	NoRate string
	Shares []Measure
}

// focusPrefix starts the counters of a Focus subset's cells.
const focusPrefix = "focus:"

// focusDataset is the dataset as its Focus subset is reported.
func (d *Dataset) focusDataset() *Dataset {
	f := *d
	f.Title, f.Many, f.Base = d.Focus.Title, d.Focus.Many, d.Focus.Base
	f.Shares = d.Focus.Shares
	f.Focus = nil
	return &f
}

// groupOf maps a label with the dataset's mapping.
func (d *Dataset) groupOf(label string) stats.Group {
	if d.Group != nil {
		return d.Group(label)
	}
	return stats.GroupOf(label)
}

// Importable reports whether the dataset has a file of its own.
func (d *Dataset) Importable() bool {
	return d.From == "" && (len(d.Columns) > 0 || d.Table != nil || d.File != nil)
}

// EthnicityBasis is whose description of ethnicity the figures use.
func (d *Dataset) EthnicityBasis() string {
	if d.Ethnicity != "" {
		return d.Ethnicity
	}
	return "self-defined"
}

// StoreKind is the kind of counters the dataset's figures come from.
func (d *Dataset) StoreKind() string {
	if d.From != "" {
		return d.From
	}
	return d.Kind
}

// Header is the dataset's file header, for help text and templates.
func (d *Dataset) Header() string {
	if d.Table != nil {
		return d.Table.header()
	}
	if d.File != nil {
		return d.File.Header
	}
	var names []string
	for _, c := range d.Columns {
		names = append(names, c.Name)
	}
	return strings.Join(names, ",")
}

var registry = map[string]*Dataset{}

// register adds a definition; each definition file calls it from init.
func register(d *Dataset) *Dataset {
	if _, dup := registry[d.Kind]; dup {
		panic("powers: dataset " + d.Kind + " defined twice")
	}
	registry[d.Kind] = d
	return d
}

// shared reports whether the shared pages serve a dataset: not a
// restricted one, nor one with its own monitor.
func (d *Dataset) shared() bool { return !d.Restricted && d.OwnMonitor == "" }

// Lookup returns the dataset of a kind that the shared pages serve (not a
// restricted one, nor one with its own monitor).
func Lookup(kind string) (*Dataset, bool) {
	d, ok := registry[kind]
	if ok && !d.shared() {
		return nil, false
	}
	return d, ok
}

// All returns every dataset the shared pages serve, by title.
func All() []*Dataset {
	var ds []*Dataset
	for _, d := range registry {
		if !d.shared() {
			continue
		}
		ds = append(ds, d)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].Title < ds[j].Title })
	return ds
}

func in(v string, vs []string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}
