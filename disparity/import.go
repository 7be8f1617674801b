// Package disparity turns police.uk stop-and-search files and the Census
// 2021 population into the counters the store keeps (at import), and those
// counters into disparity reports (rates, ratios with intervals, arrest and
// find rates, the not-stated share). Arithmetic lives in stats; parsing in
// policeuk; this package joins them to the store.
package disparity

import (
	"context"
	"encoding/csv"
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
}

// ImportOptions says whose data a file is.
type ImportOptions struct {
	Force    string      // lower-case force name, e.g. "dorset"; from the file name when empty
	Source   string      // file name, for the record
	By       string      // who imported (email or "command line")
	Progress func(int64) // called every 10,000 rows, if set
}

// ImportResult is the import report.
type ImportResult struct {
	Force        string
	Months       []string
	Rows         int64
	Unrecognised []store.ValueCount // by column and value, as given
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
	gen    string
	chunk  []string
	chunks int
	rows   int64
	cells  map[store.PowerCell]*store.PowerCell // keyed with zero counts
	unrec  map[[2]string]int64
}

// ImportStopSearch reads a police.uk stop-and-search file twice: first to
// check every line (a file that is not this format is refused whole, with
// the first problem named, and nothing stored), then to store its records
// and counters month by month. Re-importing a month replaces it.
func ImportStopSearch(ctx context.Context, db *store.Store, src io.ReadSeeker, o ImportOptions) (*ImportResult, error) {
	fileMonth, fileForce, _ := policeuk.ParseFileName(o.Source)
	force := strings.ToLower(strings.TrimSpace(o.Force))
	if force == "" {
		force = fileForce
	}
	if force == "" {
		return nil, fmt.Errorf("say which force this file is for (--force), or use the police.uk file name, like 2019-01-dorset-stop-and-search.csv")
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
	months := map[string]*monthImport{}
	res := &ImportResult{Force: force}
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
			m = &monthImport{gen: store.NewID(), cells: map[store.PowerCell]*store.PowerCell{}, unrec: map[[2]string]int64{}}
			months[rec.Month] = m
		}
		m.add(rec)
		if len(m.chunk) == store.PowerChunkSize {
			if err := db.PutPowerChunk(ctx, store.PowerStopSearch, force, rec.Month, m.gen, m.chunks, m.chunk); err != nil {
				return nil, err
			}
			m.chunks++
			m.chunk = nil
		}
		res.Rows++
		if o.Progress != nil && res.Rows%10000 == 0 {
			o.Progress(res.Rows)
		}
	}
	for month, m := range months {
		if len(m.chunk) > 0 {
			if err := db.PutPowerChunk(ctx, store.PowerStopSearch, force, month, m.gen, m.chunks, m.chunk); err != nil {
				return nil, err
			}
			m.chunks++
		}
		pm := m.finish(force, month, o)
		if err := db.FinishPowerMonth(ctx, pm); err != nil {
			return nil, err
		}
		res.Months = append(res.Months, month)
		res.Unrecognised = mergeCounts(res.Unrecognised, pm.Unrecognised)
	}
	sort.Strings(res.Months)
	if o.Progress != nil {
		o.Progress(res.Rows)
	}
	return res, nil
}

// check reads the whole file, returning its first format problem.
func check(src io.Reader, fileMonth string) error {
	r, err := policeuk.NewReader(src, fileMonth)
	if err != nil {
		return err
	}
	for {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// csvLine encodes one record as a CSV line, without the line break.
func csvLine(fields []string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(fields) // a strings.Builder never fails
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

func selfKnown(v string) bool { return stats.GroupOf(v) != stats.Unrecognised }

// add counts one record in the month's counters and keeps it.
func (m *monthImport) add(rec policeuk.Record) {
	m.chunk = append(m.chunk, csvLine(rec.Fields))
	m.rows++
	arrest := policeuk.IsArrest(rec.Get(policeuk.ColOutcome))
	find := rec.Get(policeuk.ColOutcomeLinked) == "True"
	for _, basis := range []string{SelfDefined, OfficerDefined} {
		g := stats.GroupOf(rec.Get(policeuk.ColSelfEthnicity))
		if basis == OfficerDefined {
			g = stats.OfficerGroupOf(rec.Get(policeuk.ColOfficerEthnicity))
		}
		m.count(store.PowerCell{Basis: basis, Dim: "all", Group: string(g)}, arrest, find)
		for _, d := range dims {
			m.count(store.PowerCell{Basis: basis, Dim: d.name, Value: rec.Get(d.col), Group: string(g)}, arrest, find)
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

func (m *monthImport) finish(force, month string, o ImportOptions) *store.PowerMonth {
	pm := &store.PowerMonth{Kind: store.PowerStopSearch, Force: force, Month: month, Records: m.rows,
		Chunks: m.chunks, Gen: m.gen, Source: o.Source, ImportedBy: o.By}
	for _, c := range m.cells {
		pm.Cells = append(pm.Cells, *c)
	}
	sort.Slice(pm.Cells, func(i, j int) bool {
		a, b := pm.Cells[i], pm.Cells[j]
		return a.Basis+a.Dim+a.Value+a.Group < b.Basis+b.Dim+b.Value+b.Group
	})
	for k, n := range m.unrec {
		pm.Unrecognised = append(pm.Unrecognised, store.ValueCount{Column: k[0], Value: k[1], Count: n})
	}
	pm.Unrecognised = mergeCounts(nil, pm.Unrecognised)
	return pm
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

// ImportPopulation loads Census 2021 TS021 rows for a force area: its
// population by group is the sum of the rows in the file.
func ImportPopulation(ctx context.Context, db *store.Store, src io.Reader, force, source string) (*store.Population, error) {
	force = strings.ToLower(strings.TrimSpace(force))
	if force == "" {
		return nil, fmt.Errorf("say which force this population is for (--force)")
	}
	rows, err := policeuk.ReadCensus(src)
	if err != nil {
		return nil, err
	}
	p := &store.Population{ID: force, Groups: map[string]int64{}, Source: source}
	detailed := map[string]int64{}
	for _, r := range rows {
		if r.GroupCode < 1 { // "Does not apply"
			continue
		}
		g := stats.GroupOf(r.Group)
		if g == stats.Unrecognised || g == stats.NotStated {
			return nil, &policeuk.FormatError{Line: r.Line, Column: 4, Problem: fmt.Sprintf("%q is not a Census 2021 ethnic group", r.Group)}
		}
		p.Groups[string(g)] += r.Count
		p.Total += r.Count
		detailed[r.Group] += r.Count
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
