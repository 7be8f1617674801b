package powers

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"candour/apperr"
	"candour/disparity"
	"candour/policeuk"
	"candour/stats"
	"candour/store"
)

// ImportOptions says whose data a file is.
type ImportOptions struct {
	// Force is the lower-case police.uk force name, e.g. "dorset":
	// required, unless the dataset's File.Force finds it in the file name.
	Force string
	// ForceOverride: the person confirmed Force although the file name
	// names another force (a File dataset whose names carry a force).
	ForceOverride bool
	Year          string      // the financial year a yearly dataset's file is for, like 2019-20
	Source        string      // file name, for the record
	By            string      // who imported (email or "command line")
	Progress      func(int64) // called every 10,000 rows, if set
}

// RowProblem is one thing wrong with one line of a file.
type RowProblem struct {
	Line    int    // 1-based line in the file
	Column  string // the column's name; "" when the whole line is wrong
	Problem string
}

func (p RowProblem) String() string {
	if p.Column == "" {
		return fmt.Sprintf("line %d: %s", p.Line, p.Problem)
	}
	return fmt.Sprintf("line %d, %s: %s", p.Line, p.Column, p.Problem)
}

// MaxProblems is how many problems a refusal names; the rest are counted.
const MaxProblems = 20

// FileError refuses a file: every line was checked and these are wrong.
// Nothing is stored.
type FileError struct {
	Problems []RowProblem // the first MaxProblems
	Lines    int          // how many lines had a problem
}

// Error is the problems' messages, joined: what the command line prints.
func (e *FileError) Error() string {
	var parts []string
	for _, p := range apperr.All(e) {
		parts = append(parts, p.Message)
	}
	return strings.Join(parts, "; ")
}

// Unwrap lists the problems as application errors: apperr.Invalid on the
// upload's field "file", each with its line, and a last one counting the
// lines not named. The web shows each in the error summary (fileErrors
// in server/render.go); the command line prints the same messages (Error).
func (e *FileError) Unwrap() []error {
	var out []error
	for _, p := range e.Problems {
		out = append(out, &apperr.Error{Code: apperr.Invalid, Field: "file", Message: p.String(), Line: p.Line})
	}
	if more := e.Lines - len(e.Problems); more > 0 {
		out = append(out, apperr.Invalidf("file", "and %d more lines with problems", more))
	}
	return out
}

// ImportResult is what an import stored.
type ImportResult struct {
	Kind, Force  string
	FileMonth    string   // the month the file name gives, if any (File.FileMonth)
	Months       []string // the months the rows are dated in
	Rows         int64
	ByMonth      []disparity.MonthRows
	Replaced     []string           // months that held an earlier import, now replaced (one part a month)
	Unrecognised []store.ValueCount // by column and value, as given (File datasets)
	Notes        []string           // things the person should know, in plain English
}

// Spans reports whether the file's rows are dated in more than one month,
// or in a month other than the one its name gives.
func (r *ImportResult) Spans() bool {
	return len(r.Months) > 1 || (r.FileMonth != "" && len(r.Months) == 1 && r.Months[0] != r.FileMonth)
}

// UnrecognisedTotal counts rows' unrecognised values.
func (r *ImportResult) UnrecognisedTotal() int64 {
	var n int64
	for _, v := range r.Unrecognised {
		n += v.Count
	}
	return n
}

// ResolveForce checks the force a file is said to be for.
func ResolveForce(force string) (string, error) {
	force = strings.ToLower(strings.TrimSpace(force))
	if force == "" {
		return "", apperr.Invalidf("", "say which force this file is for (for example dorset)")
	}
	if _, ok := policeuk.Force(force); !ok {
		return "", apperr.Invalidf("", "%q is not a police force area of England and Wales as police.uk names them (for example dorset, avon-and-somerset, metropolitan)", force)
	}
	return force, nil
}

// Check reads a whole file without storing anything and returns a
// *FileError naming the lines that are wrong (or a refusal of the force or
// year), if any.
func Check(d *Dataset, src io.Reader, o ImportOptions) error {
	force, err := d.FileForce(o)
	if err != nil {
		return err
	}
	if d.File != nil {
		return checkFile(d, src, o)
	}
	if d.Yearly {
		if err := CheckYear(o.Year); err != nil {
			return apperr.Invalidf("", "%s", err.Error())
		}
	}
	if d.Table != nil {
		_, err := readTable(d, src, force)
		return err
	}
	rd, err := newReader(d, src)
	if err != nil {
		return err
	}
	fe := &FileError{}
	rows := 0
	for {
		_, probs, err := rd.read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		rows++
		if len(probs) > 0 {
			fe.Lines++
			for _, p := range probs {
				if len(fe.Problems) < MaxProblems {
					fe.Problems = append(fe.Problems, p)
				}
			}
		}
	}
	if fe.Lines > 0 {
		return fe
	}
	if rows == 0 {
		return noRecords(d)
	}
	return nil
}

// FileForce decides whose data a file is: the dataset's File.Force, or the
// force given (ResolveForce).
func (d *Dataset) FileForce(o ImportOptions) (string, error) {
	if d.File != nil && d.File.Force != nil {
		return d.File.Force(o)
	}
	return ResolveForce(o.Force)
}

// noRecords refuses a file with a header and no records: it is far more
// likely a cut download than a period without one, and storing it would
// take back what the file's earlier import brought.
func noRecords(d *Dataset) error {
	return &FileError{Lines: 1, Problems: []RowProblem{{Line: 2, Problem: fmt.Sprintf("the file has a header but no %s (is the download cut short?)", d.Many)}}}
}

// checkFile reads a File dataset's whole file, returning its first
// problem.
func checkFile(d *Dataset, src io.Reader, o ImportOptions) error {
	rd, err := d.File.Open(src, o)
	if err != nil {
		return err
	}
	for rows := 0; ; rows++ {
		_, err := rd.Next()
		if errors.Is(err, io.EOF) {
			if rows == 0 {
				return noRecords(d)
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Import checks every line of a file in the dataset's layout (a file with
// any wrong line is refused whole, naming the lines, and nothing is
// stored), then stores its records and counters, each record under the
// month of its date in Europe/London. An import replaces each month it has
// rows in, whatever file brought that month before, and leaves every other
// month alone: importing the same period again gives the same figures. A
// dataset whose File names each file's Part (police.uk's stop and search)
// replaces only that file's parts instead, takes back its share of months
// it no longer has rows in, and says so in the result's notes.
func Import(ctx context.Context, db DB, d *Dataset, src io.ReadSeeker, o ImportOptions) (*ImportResult, error) {
	if !d.Importable() {
		return nil, apperr.Invalidf("", "%s come from the stop and search files: import those instead", strings.ToLower(d.Title))
	}
	force, err := d.FileForce(o)
	if err != nil {
		return nil, err
	}
	if d.Table != nil {
		return importTable(ctx, db, d, src, o, force)
	}
	if err := Check(d, src, o); err != nil {
		return nil, err
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	next, err := d.records(src, o)
	if err != nil {
		return nil, err
	}
	months := map[string]*monthImport{}
	res := &ImportResult{Kind: d.Kind, Force: force}
	if d.File != nil && d.File.FileMonth != nil {
		res.FileMonth = d.File.FileMonth(o)
	}
	for {
		r, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err // cannot happen after Check, unless the file changed
		}
		m := months[r.Month]
		if m == nil {
			m = &monthImport{MonthChunks: disparity.NewMonthChunks(), cells: map[store.PowerCell]*store.PowerCell{}, unrec: map[[2]string]int64{}}
			months[r.Month] = m
		}
		if err := m.Add(ctx, db, d.Kind, force, r.Month, r.Fields); err != nil {
			return nil, err
		}
		m.count(r)
		res.Rows++
		if o.Progress != nil && res.Rows%10000 == 0 {
			o.Progress(res.Rows)
		}
	}
	for k := range months {
		res.Months = append(res.Months, k)
	}
	sort.Strings(res.Months)
	// One part a month, keyed by the month (the import replaces the
	// month's earlier part, whichever file brought it), or the file's
	// own part of each month (File.Part).
	var fileKey string
	if d.File != nil && d.File.Part != nil {
		fileKey = d.File.Part(o)
	}
	var shared []string // notes on months that hold other files' rows too
	for _, k := range res.Months {
		m := months[k]
		if err := m.Flush(ctx, db, d.Kind, force, k); err != nil {
			return nil, err
		}
		key := fileKey
		if key == "" {
			key = k
			if old, err := db.PowerMonth(ctx, d.Kind, force, k); err == nil && old.Records > 0 {
				res.Replaced = append(res.Replaced, k)
			}
		}
		part := m.part(key, o)
		stored, err := db.PutPowerPartMonth(ctx, d.Kind, force, k, part)
		if err != nil {
			return nil, err
		}
		if fileKey != "" {
			if note := sharedNote(stored, key); note != "" {
				shared = append(shared, note)
			}
		}
		res.ByMonth = append(res.ByMonth, disparity.MonthRows{Month: k, Rows: m.Rows})
		res.Unrecognised = mergeCounts(res.Unrecognised, part.Unrecognised)
	}
	if fileKey != "" {
		// A new version of the file may no longer have rows in a month an
		// earlier version spread into: take that share back.
		gone, err := db.RemovePowerPartsOutside(ctx, d.Kind, force, fileKey, res.Months)
		if err != nil {
			return nil, err
		}
		res.Notes = fileNotes(res, gone, shared)
	}
	if o.Progress != nil {
		o.Progress(res.Rows)
	}
	return res, nil
}

// records returns the dataset's records one by one: its File reader's, or
// the records of its Columns with their counters.
func (d *Dataset) records(src io.Reader, o ImportOptions) (func() (Record, error), error) {
	if d.File != nil {
		rd, err := d.File.Open(src, o)
		if err != nil {
			return nil, err
		}
		return rd.Next, nil
	}
	rd, err := newReader(d, src)
	if err != nil {
		return nil, err
	}
	var cells []store.PowerCell // reused: Import adds them up before the next
	return func() (Record, error) {
		r, _, err := rd.read()
		if err != nil {
			return Record{}, err
		}
		cells = d.cellsOf(r, cells[:0])
		return Record{Month: r.month, Fields: r.fields, Cells: cells}, nil
	}, nil
}

// cellsOf appends the counters a good row of a Columns dataset adds to.
func (d *Dataset) cellsOf(r row, cells []store.PowerCell) []store.PowerCell {
	g := string(r.group)
	cell := func(dim, value string) store.PowerCell {
		return store.PowerCell{Basis: disparity.SelfDefined, Dim: dim, Value: value, Group: g, Searches: 1}
	}
	cells = append(cells, cell("all", ""))
	for i, c := range d.Columns {
		if d.counted(c.Name) {
			cells = append(cells, cell(c.Name, r.fields[i]))
		}
	}
	for _, e := range r.extra {
		cells = append(cells, cell(e[0], e[1]))
	}
	if d.inFocus(r.fields) {
		cells = append(cells, cell(focusPrefix+"all", ""))
		for i, c := range d.Columns {
			if d.counted(c.Name) || d.focusCounted(c.Name) {
				cells = append(cells, cell(focusPrefix+c.Name, r.fields[i]))
			}
		}
	}
	return cells
}

// monthImport accumulates one month while the file streams.
type monthImport struct {
	disparity.MonthChunks
	cells map[store.PowerCell]*store.PowerCell // keyed with zero counts
	unrec map[[2]string]int64                  // column, value
}

// count adds one record's counters and unrecognised values.
func (m *monthImport) count(r Record) {
	for _, add := range r.Cells {
		key := add
		key.Searches, key.Arrests, key.Finds = 0, 0, 0
		c := m.cells[key]
		if c == nil {
			c = new(store.PowerCell)
			*c = key
			m.cells[key] = c
		}
		c.Searches += add.Searches
		c.Arrests += add.Arrests
		c.Finds += add.Finds
	}
	for _, u := range r.Unrecognised {
		m.unrec[u]++
	}
}

// part is the month's part of this import, under key.
func (m *monthImport) part(key string, o ImportOptions) store.PowerPart {
	p := store.PowerPart{Key: key, Source: o.Source, Gen: m.Gen, Records: m.Rows, Chunks: m.Chunks, ImportedBy: o.By}
	for _, c := range m.cells {
		p.Cells = append(p.Cells, *c)
	}
	disparity.SortCells(p.Cells)
	for k, n := range m.unrec {
		p.Unrecognised = append(p.Unrecognised, store.ValueCount{Column: k[0], Value: k[1], Count: n})
	}
	p.Unrecognised = mergeCounts(nil, p.Unrecognised)
	return p
}

// sharedNote says that a month holds rows from files other than this
// one, if it does: the same searches in two files are counted twice, and
// Candour cannot tell two identical published rows apart.
func sharedNote(m *store.PowerMonth, key string) string {
	var others []string
	for _, p := range m.Parts {
		if p.Key != key {
			others = append(others, fmt.Sprintf("%s (%s)", p.Source, disparity.Plural(p.Records, "row", "rows")))
		}
	}
	if len(others) == 0 {
		return ""
	}
	return fmt.Sprintf("%s also holds rows from %s. If any are the same searches as in this file, they are counted twice: check the files.",
		disparity.MonthLabel(m.Month), strings.Join(others, ", "))
}

// fileNotes are what a person importing a file in parts should know: the
// months its rows spread into, the months an earlier version of it had
// rows in and this one has not, and the months shared with other files.
func fileNotes(res *ImportResult, gone, shared []string) []string {
	var notes []string
	if res.Spans() {
		var parts []string
		for _, mr := range res.ByMonth {
			parts = append(parts, fmt.Sprintf("%s (%s)", disparity.MonthLabel(mr.Month), disparity.Plural(mr.Rows, "row", "rows")))
		}
		months := disparity.Plural(int64(len(res.Months)), "month", "months")
		note := fmt.Sprintf("The rows are dated in %s: %s. Each row was stored in its own month.", months, strings.Join(parts, ", "))
		if fm := res.FileMonth; fm != "" {
			note = fmt.Sprintf("The file is named for %s, but its rows are dated in %s: %s. Each row was stored in its own month; in months other than %s the rows were added as this file's share, and nothing else in those months was replaced.",
				disparity.MonthLabel(fm), months, strings.Join(parts, ", "), disparity.MonthLabel(fm))
		}
		notes = append(notes, note)
	}
	for _, month := range gone {
		notes = append(notes, fmt.Sprintf("An earlier import of this file had rows dated in %s; this version has none, so they were taken out of %s.", disparity.MonthLabel(month), disparity.MonthLabel(month)))
	}
	return append(notes, shared...)
}

// mergeCounts adds b into a by column and value, sorted.
func mergeCounts(a, b []store.ValueCount) []store.ValueCount {
	idx := map[[2]string]int{}
	for i, v := range a {
		idx[[2]string{v.Column, v.Value}] = i
	}
	for _, v := range b {
		k := [2]string{v.Column, v.Value}
		if i, ok := idx[k]; ok {
			a[i].Count += v.Count
			continue
		}
		idx[k] = len(a)
		a = append(a, v)
	}
	sort.Slice(a, func(i, j int) bool {
		if a[i].Column != a[j].Column {
			return a[i].Column < a[j].Column
		}
		return a[i].Value < a[j].Value
	})
	return a
}

// counted reports whether a column is kept as counters: a breakdown, or
// the column of the event or a share.
func (d *Dataset) counted(col string) bool {
	for _, c := range d.Columns {
		if c.Name == col && c.Breakdown {
			return true
		}
	}
	if d.Event != nil && d.Event.Column == col {
		return true
	}
	for _, m := range d.Shares {
		if m.Column == col {
			return true
		}
	}
	return false
}

// inFocus reports whether a row is in the dataset's Focus subset.
func (d *Dataset) inFocus(fields []string) bool {
	if d.Focus == nil {
		return false
	}
	for i, c := range d.Columns {
		if c.Name == d.Focus.Column {
			return in(fields[i], d.Focus.Values)
		}
	}
	return false
}

// focusCounted reports whether a Focus share reads a column.
func (d *Dataset) focusCounted(col string) bool {
	if d.Focus == nil {
		return false
	}
	for _, m := range d.Focus.Shares {
		if m.Column == col {
			return true
		}
	}
	return false
}

type row struct {
	month  string
	group  stats.Group
	fields []string
	extra  [][2]string // counters from Column.Person and Dataset.Derive
}

type reader struct {
	d    *Dataset
	csv  *csv.Reader
	seen map[[32]byte]struct{} // person keys met so far (Column.Person), as the 32 bytes they spell
	// Memos of the dates and ethnicity labels met so far: a file repeats
	// a few hundred of each over its rows, and parsing one costs more
	// than the rest of its row. Bounded, so a file of all-different
	// values costs memory once, not per row.
	months map[string]string
	groups map[string]stats.Group
}

// memoLimit bounds each of a reader's memos.
const memoLimit = 4096

// month is monthOf, remembered.
func (r *reader) month(v string) (string, bool) {
	if m, ok := r.months[v]; ok {
		return m, true
	}
	m, ok := monthOf(v)
	if ok && len(r.months) < memoLimit {
		r.months[v] = m
	}
	return m, ok
}

// group is the dataset's groupOf, remembered.
func (r *reader) group(v string) stats.Group {
	if g, ok := r.groups[v]; ok {
		return g
	}
	g := r.d.groupOf(v)
	if len(r.groups) < memoLimit {
		r.groups[v] = g
	}
	return g
}

func newCSV(src io.Reader) *csv.Reader {
	cr := csv.NewReader(bufio.NewReaderSize(src, 64<<10))
	cr.FieldsPerRecord = -1 // checked per line, so every bad line is named
	return cr
}

func newReader(d *Dataset, src io.Reader) (*reader, error) {
	cr := newCSV(src)
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &FileError{Lines: 1, Problems: []RowProblem{{Line: 1, Problem: "the file is empty"}}}
	}
	if err != nil {
		return nil, &FileError{Lines: 1, Problems: []RowProblem{{Line: 1, Problem: "not a CSV file: " + err.Error()}}}
	}
	want := d.Header()
	if len(head) != len(d.Columns) {
		return nil, &FileError{Lines: 1, Problems: []RowProblem{{Line: 1, Problem: fmt.Sprintf("the header has %d columns, expected the %d of %s: %s", len(head), len(d.Columns), strings.ToLower(d.Title), want)}}}
	}
	for i, c := range d.Columns {
		got := strings.TrimSpace(strings.TrimPrefix(head[i], "\ufeff"))
		if got != c.Name {
			return nil, &FileError{Lines: 1, Problems: []RowProblem{{Line: 1, Column: fmt.Sprintf("column %d", i+1), Problem: fmt.Sprintf("the header says %q, expected %q", got, c.Name)}}}
		}
	}
	return &reader{d: d, csv: cr, seen: map[[32]byte]struct{}{}, months: map[string]string{}, groups: map[string]stats.Group{}}, nil
}

// read returns the next row and its problems (none when it is good), or
// io.EOF.
func (r *reader) read() (row, []RowProblem, error) {
	fields, err := r.csv.Read()
	if errors.Is(err, io.EOF) {
		return row{}, nil, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return row{}, []RowProblem{{Line: pe.StartLine, Problem: pe.Err.Error()}}, nil
		}
		return row{}, nil, err
	}
	line, _ := r.csv.FieldPos(0)
	if len(fields) != len(r.d.Columns) {
		return row{}, []RowProblem{{Line: line, Problem: fmt.Sprintf("has %d columns, expected %d (is the file cut short?)", len(fields), len(r.d.Columns))}}, nil
	}
	out := row{fields: make([]string, len(fields)), group: stats.NotStated}
	var probs []RowProblem
	for i, c := range r.d.Columns {
		v := strings.TrimSpace(fields[i])
		out.fields[i] = v
		switch {
		case v == "" && c.Required:
			probs = append(probs, RowProblem{line, c.Name, "is empty"})
		case c.Date:
			m, ok := r.month(v)
			if !ok {
				probs = append(probs, RowProblem{line, c.Name, fmt.Sprintf("%q is not a date like 2024-01-31 or 2024-01-31T18:30:00Z", v)})
			}
			out.month = m
		case c.Ethnicity:
			out.group = r.group(v)
			if out.group == stats.Unrecognised {
				probs = append(probs, RowProblem{line, c.Name, fmt.Sprintf("%q is not an ethnic group Candour knows (use the Census 2021 or police.uk wording, or leave it empty if not stated)", v)})
			}
		case c.Person:
			if !personKey.MatchString(v) {
				probs = append(probs, RowProblem{line, c.Name, "is not a person key: 64 hexadecimal digits (a SHA-256 of the force's own reference, never a name)"})
				continue
			}
			repeat, k := "no", personBytes(v)
			if _, ok := r.seen[k]; ok {
				repeat = "yes"
			}
			r.seen[k] = struct{}{}
			out.extra = append(out.extra, [2]string{"repeat", repeat})
		case c.Values != nil && !in(v, c.Values):
			probs = append(probs, RowProblem{line, c.Name, fmt.Sprintf("%q is not one of: %s", v, strings.Join(nonEmpty(c.Values), ", "))})
		}
	}
	if len(probs) == 0 && r.d.Derive != nil {
		cells, ps := r.d.Derive(out.fields)
		for _, p := range ps {
			p.Line = line
			probs = append(probs, p)
		}
		out.extra = append(out.extra, cells...)
	}
	if r.d.Rule != nil && len(probs) == 0 {
		get := func(name string) string {
			for i, c := range r.d.Columns {
				if c.Name == name {
					return out.fields[i]
				}
			}
			return ""
		}
		if col, problem := r.d.Rule(get); problem != "" {
			probs = append(probs, RowProblem{line, col, problem})
		}
	}
	return out, probs, nil
}

// personKey is a SHA-256 in hexadecimal: a person key, never a name.
var personKey = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// personBytes is the SHA-256 a person key spells (personKey has checked
// its 64 hexadecimal digits; either case is the same key). A reader keeps
// these 32 bytes for every person of a file, not the key's string: the
// CSV reader's fields share one string per line, so keeping the key kept
// the whole line (a million episodes of 800,000 people took 405 MB).
func personBytes(v string) [32]byte {
	var k [32]byte
	for i := range k {
		k[i] = nibble(v[2*i])<<4 | nibble(v[2*i+1])
	}
	return k
}

func nibble(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// monthOf is the YYYY-MM of a date in Europe/London: a time with a zone
// is converted (23:00 UTC on 31 July in summer is 1 August), a time
// without one is taken as London time, a calendar date as it is.
func monthOf(v string) (string, bool) {
	if len(v) == len("2006-01-02") { // only a calendar date is this short
		t, err := time.Parse("2006-01-02", v)
		return t.Format("2006-01"), err == nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return policeuk.MonthOf(t), true
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05", v, policeuk.London); err == nil {
		return t.Format("2006-01"), true
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04", v, policeuk.London); err == nil {
		return t.Format("2006-01"), true
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t.Format("2006-01"), true
	}
	return "", false
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// importTable stores an aggregated table as one part of its year: the
// headline row's counts are the events, every row's counts by category a
// breakdown. A group whose column is missing or 0 on every row is marked
// as not recorded that year, not as none.
func importTable(ctx context.Context, db DB, d *Dataset, src io.Reader, o ImportOptions, force string) (*ImportResult, error) {
	if err := CheckYear(o.Year); err != nil {
		return nil, apperr.Invalidf("", "%s", err.Error())
	}
	rows, err := readTable(d, src, force)
	if err != nil {
		return nil, err
	}
	t := d.Table
	gen := store.NewID()
	cells := map[store.PowerCell]int64{}
	any := map[stats.Group]bool{}
	var lines []string
	for _, r := range rows {
		for g, n := range r.counts {
			if n > 0 {
				any[g] = true
			}
			if r.category == t.Headline {
				cells[store.PowerCell{Basis: disparity.SelfDefined, Dim: "all", Group: string(g)}] += n
			}
			cells[store.PowerCell{Basis: disparity.SelfDefined, Dim: t.Category, Value: r.category, Group: string(g)}] += n
		}
		lines = append(lines, disparity.CSVLine(r.fields))
	}
	for _, g := range stats.Groups {
		if !any[g] {
			cells[store.PowerCell{Basis: disparity.SelfDefined, Dim: dimUnrecorded, Group: string(g)}] = 1
		}
	}
	if err := db.PutPowerChunk(ctx, d.Kind, force, o.Year, gen, 0, lines); err != nil {
		return nil, err
	}
	res := &ImportResult{Kind: d.Kind, Force: force, Rows: int64(len(rows))}
	if old, err := db.PowerMonth(ctx, d.Kind, force, o.Year); err == nil && old.Records > 0 {
		res.Replaced = append(res.Replaced, o.Year)
	}
	part := store.PowerPart{Key: o.Year, Source: o.Source, Gen: gen, Records: int64(len(rows)), Chunks: 1, ImportedBy: o.By}
	for c, n := range cells {
		c.Searches = n
		part.Cells = append(part.Cells, c)
	}
	disparity.SortCells(part.Cells)
	if _, err := db.PutPowerPartMonth(ctx, d.Kind, force, o.Year, part); err != nil {
		return nil, err
	}
	res.ByMonth = []disparity.MonthRows{{Month: o.Year, Rows: int64(len(rows))}}
	return res, nil
}

// dimUnrecorded marks a group a yearly table has no figures for.
const dimUnrecorded = "unrecorded"
