package disparity

import (
	"context"
	"encoding/csv"
	"sort"
	"strings"

	"candour/stats"
	"candour/store"
)

// The pieces below are shared by the stop-and-search import and report
// and by every other activity's (package powers), so the two stay one
// mechanism: the same chunks, the same counter order, the same comparison
// with White people.

// CSVLine encodes one record as a CSV line, without the line break.
func CSVLine(fields []string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(fields) // a strings.Builder never fails
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// MonthChunks keeps one month's records, as CSV lines, in chunks of
// store.PowerChunkSize while an import streams, under a new generation:
// a month's records are never all in memory.
type MonthChunks struct {
	Gen    string
	Chunks int   // chunks written
	Rows   int64 // records added
	chunk  []string
}

// NewMonthChunks starts a month's records under a new generation.
func NewMonthChunks() MonthChunks { return MonthChunks{Gen: store.NewID()} }

// Add keeps one record, writing a chunk when it is full.
func (m *MonthChunks) Add(ctx context.Context, db *store.Store, kind, force, month string, fields []string) error {
	m.chunk = append(m.chunk, CSVLine(fields))
	m.Rows++
	if len(m.chunk) == store.PowerChunkSize {
		return m.Flush(ctx, db, kind, force, month)
	}
	return nil
}

// Flush writes the records not yet written, if any.
func (m *MonthChunks) Flush(ctx context.Context, db *store.Store, kind, force, month string) error {
	if len(m.chunk) == 0 {
		return nil
	}
	if err := db.PutPowerChunk(ctx, kind, force, month, m.Gen, m.Chunks, m.chunk); err != nil {
		return err
	}
	m.Chunks++
	m.chunk = nil
	return nil
}

// SortCells puts a part's counters in one stable order (basis, dimension,
// value, group), so the same file always stores the same document.
func SortCells(cells []store.PowerCell) {
	sort.Slice(cells, func(i, j int) bool {
		a, b := cells[i], cells[j]
		return a.Basis+"\x00"+a.Dim+"\x00"+a.Value+"\x00"+a.Group < b.Basis+"\x00"+b.Dim+"\x00"+b.Value+"\x00"+b.Group
	})
}

// Against is one group's rate per 1,000 residents and its comparison with
// White people, by stats.Compare's one rule. Pointers are nil where a
// figure does not exist.
type Against struct {
	Rate, RateYear             *float64
	Ratio, RatioLow, RatioHigh *float64
	Gap, GapLow, GapHigh       *float64 // per 1,000
	Flag                       bool
}

// CompareWithWhite works out a group's figures: events among population,
// against White people's; perYear turns the period's rate into a rate a
// year (12 ÷ the months with data, or 1 ÷ the years), 0 for none. White
// people's own ratio is 1, with no interval, when they have events and a
// population.
func CompareWithWhite(g stats.Group, events, population, whiteEvents, whitePop int64, perYear float64) Against {
	var a Against
	if r, ok := stats.Rate(events, population); ok {
		a.Rate = ptr(r)
		if perYear > 0 {
			a.RateYear = ptr(r * perYear)
		}
	}
	if g == stats.White {
		if whiteEvents > 0 && whitePop > 0 {
			a.Ratio = ptr(1) // the reference: no interval against itself
		}
		return a
	}
	c := stats.Compare(events, population, whiteEvents, whitePop)
	if !c.HasRatio {
		return a
	}
	a.Ratio = ptr(c.Ratio.Estimate)
	if c.HasRatioCI {
		a.RatioLow, a.RatioHigh = ptr(c.Ratio.Low), ptr(c.Ratio.High)
	}
	if c.HasGap {
		a.Gap, a.GapLow, a.GapHigh = ptr(c.Gap.Estimate*1000), ptr(c.Gap.Low*1000), ptr(c.Gap.High*1000)
	}
	a.Flag = c.Flag
	return a
}
