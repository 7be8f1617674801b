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
	Force    string      // lower-case police.uk force name, e.g. "dorset" (required)
	Year     string      // the financial year a yearly dataset's file is for, like 2019-20
	Source   string      // file name, for the record
	By       string      // who imported (email or "command line")
	Progress func(int64) // called every 10,000 rows, if set
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
// lines not named. The web shows each in the error summary (addFileErrors
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

// IsRefusal reports whether err is about the input, not a fault of the
// system: the command line exits with status 2 and the web answers 422. A
// file's wrong lines (FileError) are application errors (apperr.Invalid);
// a refusal of the force, the year or the dataset is a disparity.Refusal.
func IsRefusal(err error) bool {
	return apperr.Is(err, apperr.Invalid) || disparity.IsRefusal(err)
}

// ImportResult is what an import stored.
type ImportResult struct {
	Kind, Force string
	Rows        int64
	ByMonth     []disparity.MonthRows
	Replaced    []string // months that held an earlier import, now replaced
}

// ResolveForce checks the force a file is said to be for.
func ResolveForce(force string) (string, error) {
	force = strings.ToLower(strings.TrimSpace(force))
	if force == "" {
		return "", &disparity.Refusal{Msg: "say which force this file is for (for example dorset)"}
	}
	if _, ok := policeuk.Force(force); !ok {
		return "", &disparity.Refusal{Msg: fmt.Sprintf("%q is not a police force area of England and Wales as police.uk names them (for example dorset, avon-and-somerset, metropolitan)", force)}
	}
	return force, nil
}

// Check reads a whole file without storing anything and returns a
// *FileError naming the lines that are wrong (or a refusal of the force or
// year), if any.
func Check(d *Dataset, src io.Reader, o ImportOptions) error {
	force, err := ResolveForce(o.Force)
	if err != nil {
		return err
	}
	if d.Yearly {
		if err := CheckYear(o.Year); err != nil {
			return &disparity.Refusal{Msg: err.Error()}
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
		return &FileError{Lines: 1, Problems: []RowProblem{{Line: 2, Problem: fmt.Sprintf("the file has a header but no %s (is the download cut short?)", d.Many)}}}
	}
	return nil
}

// Import checks every line of a file in the dataset's layout (a file with
// any wrong line is refused whole, naming the lines, and nothing is
// stored), then stores its records and counters, each record under the
// month of its date in Europe/London. An import replaces each month it has
// rows in, whatever file brought that month before, and leaves every other
// month alone: importing the same period again gives the same figures.
func Import(ctx context.Context, db *store.Store, d *Dataset, src io.ReadSeeker, o ImportOptions) (*ImportResult, error) {
	if !d.Importable() {
		return nil, &disparity.Refusal{Msg: fmt.Sprintf("%s come from the stop and search files: import those instead", strings.ToLower(d.Title))}
	}
	force, err := ResolveForce(o.Force)
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
	rd, err := newReader(d, src)
	if err != nil {
		return nil, err
	}
	type month struct {
		disparity.MonthChunks
		cells map[store.PowerCell]int64
	}
	months := map[string]*month{}
	res := &ImportResult{Kind: d.Kind, Force: force}
	for {
		r, _, err := rd.read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		m := months[r.month]
		if m == nil {
			m = &month{MonthChunks: disparity.NewMonthChunks(), cells: map[store.PowerCell]int64{}}
			months[r.month] = m
		}
		if err := m.Add(ctx, db, d.Kind, force, r.month, r.fields); err != nil {
			return nil, err
		}
		g := string(r.group)
		m.cells[store.PowerCell{Basis: disparity.SelfDefined, Dim: "all", Group: g}]++
		for i, c := range d.Columns {
			if d.counted(c.Name) {
				m.cells[store.PowerCell{Basis: disparity.SelfDefined, Dim: c.Name, Value: r.fields[i], Group: g}]++
			}
		}
		for _, e := range r.extra {
			m.cells[store.PowerCell{Basis: disparity.SelfDefined, Dim: e[0], Value: e[1], Group: g}]++
		}
		if d.inFocus(r.fields) {
			m.cells[store.PowerCell{Basis: disparity.SelfDefined, Dim: focusPrefix + "all", Group: g}]++
			for i, c := range d.Columns {
				if d.counted(c.Name) || d.focusCounted(c.Name) {
					m.cells[store.PowerCell{Basis: disparity.SelfDefined, Dim: focusPrefix + c.Name, Value: r.fields[i], Group: g}]++
				}
			}
		}
		res.Rows++
		if o.Progress != nil && res.Rows%10000 == 0 {
			o.Progress(res.Rows)
		}
	}
	var keys []string
	for k := range months {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m := months[k]
		if err := m.Flush(ctx, db, d.Kind, force, k); err != nil {
			return nil, err
		}
		if old, err := db.PowerMonth(ctx, d.Kind, force, k); err == nil && old.Records > 0 {
			res.Replaced = append(res.Replaced, k)
		}
		part := store.PowerPart{Key: k, Source: o.Source, Gen: m.Gen, Records: m.Rows, Chunks: m.Chunks, ImportedBy: o.By}
		for c, n := range m.cells {
			c.Searches = n
			part.Cells = append(part.Cells, c)
		}
		disparity.SortCells(part.Cells)
		// One part per month, keyed by the month: the import replaces the
		// month's earlier part, whichever file brought it.
		if _, err := db.PutPowerPartMonth(ctx, d.Kind, force, k, part); err != nil {
			return nil, err
		}
		res.ByMonth = append(res.ByMonth, disparity.MonthRows{Month: k, Rows: m.Rows})
	}
	if o.Progress != nil {
		o.Progress(res.Rows)
	}
	return res, nil
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
	seen map[string]bool // person keys met so far (Column.Person)
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
	return &reader{d: d, csv: cr, seen: map[string]bool{}}, nil
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
			m, ok := monthOf(v)
			if !ok {
				probs = append(probs, RowProblem{line, c.Name, fmt.Sprintf("%q is not a date like 2024-01-31 or 2024-01-31T18:30:00Z", v)})
			}
			out.month = m
		case c.Ethnicity:
			out.group = r.d.groupOf(v)
			if out.group == stats.Unrecognised {
				probs = append(probs, RowProblem{line, c.Name, fmt.Sprintf("%q is not an ethnic group Candour knows (use the Census 2021 or police.uk wording, or leave it empty if not stated)", v)})
			}
		case c.Person:
			if !personKey.MatchString(v) {
				probs = append(probs, RowProblem{line, c.Name, "is not a person key: 64 hexadecimal digits (a SHA-256 of the force's own reference, never a name)"})
				continue
			}
			repeat := "no"
			if r.seen[v] {
				repeat = "yes"
			}
			r.seen[v] = true
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

// monthOf is the YYYY-MM of a date in Europe/London: a time with a zone
// is converted (23:00 UTC on 31 July in summer is 1 August), a time
// without one is taken as London time, a calendar date as it is.
func monthOf(v string) (string, bool) {
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
func importTable(ctx context.Context, db *store.Store, d *Dataset, src io.Reader, o ImportOptions, force string) (*ImportResult, error) {
	if err := CheckYear(o.Year); err != nil {
		return nil, &disparity.Refusal{Msg: err.Error()}
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
