// Package disparity turns police.uk stop-and-search files and the Census
// 2021 population into the counters the store keeps (at import), and those
// counters into disparity reports (rates, ratios with intervals, arrest and
// find rates, the not-stated share). Arithmetic lives in stats; parsing in
// policeuk; this package joins them to the store.
package disparity

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"candour/policeuk"
	"candour/stats"
	"candour/store"
)

// Ethnicity bases.
const (
	SelfDefined    = "self"
	OfficerDefined = "officer"
)

// DimLabel counts unrecognised ethnicity labels as given.
const DimLabel = "label"

// Breakdown dimensions kept as counters, with their column.
var dims = []struct {
	name string
	col  int
}{
	{"legislation", policeuk.ColLegislation},
	{"object", policeuk.ColObject},
	{"outcome", policeuk.ColOutcome},
	{"age", policeuk.ColAgeRange},
	{"gender", policeuk.ColGender},
	{"type", policeuk.ColType},
	// Strip and intimate searches (powers.StripSearch) read this one.
	{DimRemoval, policeuk.ColRemoval},
}

// DimRemoval counts searches by "Removal of more than just outer clothing".
// Months imported before it was counted have no cells of this dimension.
const DimRemoval = "removal"

// ImportOptions says whose data a file is.
type ImportOptions struct {
	Force         string      // lower-case police.uk force name, e.g. "dorset"; from the file name when empty
	ForceOverride bool        // the person confirmed Force although the file name names another force
	Source        string      // file name, for the record
	By            string      // who imported (email or "command line")
	Progress      func(int64) // called every 10,000 rows, if set
}

// Refusal is input that cannot be stored as given (the wrong force, a
// table for another area, a force with no data). Nothing is stored; the
// command line exits with status 2 and the web answers 422.
type Refusal struct{ Msg string }

func (e *Refusal) Error() string { return e.Msg }

func refuse(format string, args ...any) error { return &Refusal{Msg: fmt.Sprintf(format, args...)} }

// ForceMismatch refuses a force given by the person that disagrees with
// the force in the file name.
type ForceMismatch struct {
	Source, FileForce, Given string
}

func (e *ForceMismatch) Error() string {
	return fmt.Sprintf("%s is named as %s's data, but the force given is %s: check which force the file is for, or confirm %s",
		e.Source, e.FileForce, e.Given, e.Given)
}

// IsRefusal reports whether err is about the input (a refusal or a file
// that is not in the expected layout) rather than a fault of the system.
func IsRefusal(err error) bool {
	var r *Refusal
	var fm *ForceMismatch
	var fe *policeuk.FormatError
	return errors.As(err, &r) || errors.As(err, &fm) || errors.As(err, &fe)
}

// MonthRows is how many rows of a file are dated in a month.
type MonthRows struct {
	Month string `json:"month"`
	Rows  int64  `json:"rows"`
}

// ImportResult is the import report.
type ImportResult struct {
	Force        string
	FileMonth    string // the month the file name gives, if any
	Months       []string
	ByMonth      []MonthRows
	Rows         int64
	Unrecognised []store.ValueCount // by column and value, as given
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

// monthImport accumulates one month while the file streams.
type monthImport struct {
	MonthChunks
	cells map[store.PowerCell]*store.PowerCell // keyed with zero counts
	unrec map[[2]string]int64
}

// ResolveForce decides whose data a file is: the force in a police.uk file
// name, or the one given. A force given that disagrees with the file name
// is refused unless confirmed; a force police.uk does not publish for
// England and Wales is refused.
func ResolveForce(o ImportOptions) (string, error) {
	_, fileForce, _ := policeuk.ParseFileName(o.Source)
	given := strings.ToLower(strings.TrimSpace(o.Force))
	force := given
	switch {
	case given != "" && fileForce != "" && given != fileForce && !o.ForceOverride:
		return "", &ForceMismatch{Source: o.Source, FileForce: fileForce, Given: given}
	case given == "":
		force = fileForce
	}
	if force == "" {
		return "", refuse("say which force this file is for (--force), or use the police.uk file name, like 2019-01-dorset-stop-and-search.csv")
	}
	if _, ok := policeuk.Force(force); !ok {
		return "", refuse("%q is not a police force area of England and Wales as police.uk names them (for example dorset, avon-and-somerset, metropolitan)", force)
	}
	return force, nil
}

// ImportStopSearch reads a police.uk stop-and-search file twice: first to
// check every line (a file that is not this format is refused whole, with
// the first problem named, and nothing stored), then to store its records
// and counters. Each row is filed under its own month (its date in
// Europe/London). The file's contribution to each month is kept as a part
// of that month: importing the file again replaces those parts and nothing
// else, so imports in any order give the same counts and no import deletes
// rows another file brought.
func ImportStopSearch(ctx context.Context, db *store.Store, src io.ReadSeeker, o ImportOptions) (*ImportResult, error) {
	fileMonth, _, _ := policeuk.ParseFileName(o.Source)
	force, err := ResolveForce(o)
	if err != nil {
		return nil, err
	}
	if err := check(src, fileMonth); err != nil {
		return nil, err
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	r, err := policeuk.NewReader(src, fileMonth)
	if err != nil {
		return nil, err
	}
	key := fileMonth
	if key == "" {
		key = "file:" + o.Source
	}
	months := map[string]*monthImport{}
	res := &ImportResult{Force: force, FileMonth: fileMonth}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err // cannot happen after check, unless the file changed
		}
		m := months[rec.Month]
		if m == nil {
			m = &monthImport{MonthChunks: NewMonthChunks(), cells: map[store.PowerCell]*store.PowerCell{}, unrec: map[[2]string]int64{}}
			months[rec.Month] = m
		}
		m.add(rec)
		if err := m.Add(ctx, db, store.PowerStopSearch, force, rec.Month, rec.Fields); err != nil {
			return nil, err
		}
		res.Rows++
		if o.Progress != nil && res.Rows%10000 == 0 {
			o.Progress(res.Rows)
		}
	}
	for month := range months {
		res.Months = append(res.Months, month)
	}
	sort.Strings(res.Months)
	var shared []string // notes on months that hold other files' rows too
	for _, month := range res.Months {
		m := months[month]
		if err := m.Flush(ctx, db, store.PowerStopSearch, force, month); err != nil {
			return nil, err
		}
		part := m.part(key, o)
		stored, err := db.PutPowerPartMonth(ctx, store.PowerStopSearch, force, month, part)
		if err != nil {
			return nil, err
		}
		var others []string
		for _, p := range stored.Parts {
			if p.Key != key {
				others = append(others, fmt.Sprintf("%s (%s)", p.Source, plural(p.Records, "row", "rows")))
			}
		}
		if len(others) > 0 {
			shared = append(shared, fmt.Sprintf("%s also holds rows from %s. If any are the same searches as in this file, they are counted twice: check the files.",
				MonthLabel(month), strings.Join(others, ", ")))
		}
		res.ByMonth = append(res.ByMonth, MonthRows{Month: month, Rows: m.Rows})
		res.Unrecognised = mergeCounts(res.Unrecognised, part.Unrecognised)
	}
	// A new version of the file may no longer have rows in a month an
	// earlier version spread into: take that share back.
	gone, err := db.RemovePowerPartsOutside(ctx, store.PowerStopSearch, force, key, res.Months)
	if err != nil {
		return nil, err
	}
	if res.Spans() {
		var parts []string
		for _, mr := range res.ByMonth {
			parts = append(parts, fmt.Sprintf("%s (%s)", MonthLabel(mr.Month), plural(mr.Rows, "row", "rows")))
		}
		note := fmt.Sprintf("The rows are dated in %s: %s. Each row was stored in its own month.", plural(int64(len(res.Months)), "month", "months"), strings.Join(parts, ", "))
		if fileMonth != "" {
			note = fmt.Sprintf("The file is named for %s, but its rows are dated in %s: %s. Each row was stored in its own month; in months other than %s the rows were added as this file's share, and nothing else in those months was replaced.",
				MonthLabel(fileMonth), plural(int64(len(res.Months)), "month", "months"), strings.Join(parts, ", "), MonthLabel(fileMonth))
		}
		res.Notes = append(res.Notes, note)
	}
	for _, month := range gone {
		res.Notes = append(res.Notes, fmt.Sprintf("An earlier import of this file had rows dated in %s; this version has none, so they were taken out of %s.", MonthLabel(month), MonthLabel(month)))
	}
	res.Notes = append(res.Notes, shared...)
	if o.Progress != nil {
		o.Progress(res.Rows)
	}
	return res, nil
}

// CheckFile reads a whole police.uk file without storing anything and
// returns its first format problem (a *policeuk.FormatError), if any.
func CheckFile(src io.Reader, source string) error {
	fileMonth, _, _ := policeuk.ParseFileName(source)
	return check(src, fileMonth)
}

// check reads the whole file, returning its first format problem. A file
// with a header and no rows is refused: it is far more likely a cut
// download than a month without a single search, and storing it would take
// back everything the file's earlier import brought.
func check(src io.Reader, fileMonth string) error {
	r, err := policeuk.NewReader(src, fileMonth)
	if err != nil {
		return err
	}
	for rows := 0; ; rows++ {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			if rows == 0 {
				return &policeuk.FormatError{Line: 2, Problem: "the file has a header but no searches (is the download cut short?)"}
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func selfKnown(v string) bool { return stats.GroupOf(v) != stats.Unrecognised }

// add counts one record in the month's counters and keeps it.
func (m *monthImport) add(rec policeuk.Record) {
	arrest := policeuk.IsArrest(rec.Get(policeuk.ColOutcome))
	find := rec.Get(policeuk.ColOutcomeLinked) == "True"
	vehicleOnly := rec.Get(policeuk.ColType) == "Vehicle search"
	for _, basis := range []string{SelfDefined, OfficerDefined} {
		label := rec.Get(policeuk.ColSelfEthnicity)
		g := stats.GroupOf(label)
		if basis == OfficerDefined {
			label = rec.Get(policeuk.ColOfficerEthnicity)
			g = stats.OfficerGroupOf(label)
		}
		if vehicleOnly {
			// Nobody was searched, so there is nobody whose ethnicity
			// could be stated: its own line, never "not stated".
			g = stats.VehicleOnly
		}
		m.count(store.PowerCell{Basis: basis, Dim: "all", Group: string(g)}, arrest, find)
		for _, d := range dims {
			m.count(store.PowerCell{Basis: basis, Dim: d.name, Value: rec.Get(d.col), Group: string(g)}, arrest, find)
		}
		if g == stats.Unrecognised {
			// Kept by label, so reports can show each one as given.
			m.count(store.PowerCell{Basis: basis, Dim: DimLabel, Value: label, Group: string(g)}, arrest, find)
		}
	}
	for _, col := range policeuk.Unrecognised(rec, selfKnown) {
		m.unrec[[2]string{policeuk.Columns[col], rec.Get(col)}]++
	}
}

func (m *monthImport) count(key store.PowerCell, arrest, find bool) {
	c := m.cells[key]
	if c == nil {
		c = new(store.PowerCell)
		*c = key
		m.cells[key] = c
	}
	c.Searches++
	if arrest {
		c.Arrests++
	}
	if find {
		c.Finds++
	}
}

func (m *monthImport) part(key string, o ImportOptions) store.PowerPart {
	p := store.PowerPart{Key: key, Source: o.Source, Gen: m.Gen, Records: m.Rows, Chunks: m.Chunks, ImportedBy: o.By}
	for _, c := range m.cells {
		p.Cells = append(p.Cells, *c)
	}
	SortCells(p.Cells)
	for k, n := range m.unrec {
		p.Unrecognised = append(p.Unrecognised, store.ValueCount{Column: k[0], Value: k[1], Count: n})
	}
	p.Unrecognised = mergeCounts(nil, p.Unrecognised)
	return p
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

// ImportPopulation loads a Census 2021 TS021 table for a force area (in
// any layout policeuk.ReadCensusTable reads). Every area in it must be a
// local authority of that force area, each once, and together they must
// cover the whole force area; otherwise the table is refused and nothing
// stored. The force's population by group is the sum of the rows, and the
// areas that made it are kept so pages can say what the denominator is.
func ImportPopulation(ctx context.Context, db *store.Store, src io.Reader, force, source string) (*store.Population, error) {
	force = strings.ToLower(strings.TrimSpace(force))
	if force == "" {
		return nil, refuse("say which force this population is for (--force)")
	}
	fa, ok := policeuk.Force(force)
	if !ok {
		return nil, refuse("%q is not a police force area of England and Wales as police.uk names them (for example dorset, avon-and-somerset, metropolitan)", force)
	}
	table, err := policeuk.ReadCensusTable(src)
	if err != nil {
		return nil, err
	}
	p := &store.Population{ID: force, Groups: map[string]int64{}, Source: source, Layout: table.Layout, ForceCode: fa.Code, ForceName: fa.Name}
	detailed := map[string]int64{}
	type area struct {
		name   string
		n      int64
		groups map[string]int // label → line
	}
	areas := map[string]*area{}
	var order []string
	var elsewhere []string // areas of other force areas, as "Name (code), in Force"
	for _, r := range table.Rows {
		if r.GroupCode < 1 { // "Does not apply"
			continue
		}
		la, ok := policeuk.Authority(r.AreaCode)
		if !ok {
			return nil, &policeuk.FormatError{Line: r.Line, Column: 1, Problem: fmt.Sprintf("%q (%s) is not a local authority of England and Wales in Census 2021", r.AreaCode, r.AreaName)}
		}
		if la.PFA != fa.Code {
			other, _ := policeuk.ForceByCode(la.PFA)
			if areas[r.AreaCode] == nil {
				elsewhere = append(elsewhere, fmt.Sprintf("%s (%s) is in the %s police force area", la.Name, la.Code, other.Name))
				areas[r.AreaCode] = &area{name: la.Name, groups: map[string]int{}}
			}
			continue
		}
		g := stats.GroupOf(r.Group)
		if g == stats.Unrecognised || g == stats.NotStated {
			return nil, &policeuk.FormatError{Line: r.Line, Column: 4, Problem: fmt.Sprintf("%q is not a Census 2021 ethnic group", r.Group)}
		}
		a := areas[r.AreaCode]
		if a == nil {
			a = &area{name: la.Name, groups: map[string]int{}}
			areas[r.AreaCode] = a
			order = append(order, r.AreaCode)
		}
		if first, dup := a.groups[r.Group]; dup {
			return nil, refuse("line %d: %s (%s) has %q again (first on line %d): a repeated area would count its residents twice", r.Line, la.Name, la.Code, r.Group, first)
		}
		a.groups[r.Group] = r.Line
		a.n += r.Count
		p.Groups[string(g)] += r.Count
		p.Total += r.Count
		detailed[r.Group] += r.Count
	}
	if len(elsewhere) > 0 {
		shown := elsewhere
		if len(shown) > 5 {
			shown = append(shown[:5:5], fmt.Sprintf("and %d more areas outside it", len(elsewhere)-5))
		}
		return nil, refuse("this table is not for the %s police force area: %s. Load a table of the force area's local authorities only",
			fa.Name, strings.Join(shown, "; "))
	}
	for _, code := range order {
		if n := len(areas[code].groups); n != 19 {
			return nil, refuse("%s (%s) has %d ethnic groups; Census 2021 table TS021 has 19", areas[code].name, code, n)
		}
		for _, old := range mustAuthority(code).Replaces {
			if areas[old] != nil {
				return nil, refuse("%s (%s) and %s (%s) are both in the table, but the first replaced the second in April 2023: its residents would be counted twice",
					areas[code].name, code, areas[old].name, old)
			}
		}
	}
	var missing []string
	for _, la := range policeuk.Authorities() {
		if la.PFA != fa.Code || len(la.Replaces) > 0 || areas[la.Code] != nil || replacedIn(la.Code, areas) {
			continue
		}
		missing = append(missing, fmt.Sprintf("%s (%s)", la.Name, la.Code))
	}
	if len(missing) > 0 {
		return nil, refuse("the table does not cover the whole %s police force area: it lacks %s, so the population would be too small", fa.Name, strings.Join(missing, ", "))
	}
	sort.Strings(order)
	for _, code := range order {
		p.Areas = append(p.Areas, store.PopulationArea{Code: code, Name: areas[code].name, Residents: areas[code].n})
	}
	for label, n := range detailed {
		p.Detailed = append(p.Detailed, store.ValueCount{Value: label, Count: n})
	}
	sort.Slice(p.Detailed, func(i, j int) bool { return p.Detailed[i].Value < p.Detailed[j].Value })
	if err := db.PutPopulation(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

func mustAuthority(code string) policeuk.LocalAuthority {
	la, _ := policeuk.Authority(code)
	return la
}

// replacedIn reports whether a district's April 2023 successor is among
// the areas (a table on the 2023 geography).
func replacedIn[T any](code string, areas map[string]T) bool {
	for c := range areas {
		for _, old := range mustAuthority(c).Replaces {
			if old == code {
				return true
			}
		}
	}
	return false
}
