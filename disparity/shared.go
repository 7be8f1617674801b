package disparity

import (
	"context"
	"sort"
	"unicode"
	"unicode/utf8"

	"candour/stats"
	"candour/store"
)

// The pieces below are shared by the stop-and-search import and report
// and by every other activity's (package powers), so the two stay one
// mechanism: the same chunks, the same counter order, the same comparison
// with White people.

// CSVLine encodes one record as a CSV line, without the line break,
// exactly as encoding/csv's Writer does (TestCSVLineIsEncodingCSV), but
// without a Writer and its buffer for every line: an import encodes each
// of a million records.
func CSVLine(fields []string) string {
	n := len(fields)
	for _, f := range fields {
		n += len(f) + 2
	}
	b := make([]byte, 0, n)
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		if !needsQuotes(f) {
			b = append(b, f...)
			continue
		}
		b = append(b, '"')
		for j := 0; j < len(f); j++ {
			if f[j] == '"' {
				b = append(b, '"')
			}
			b = append(b, f[j])
		}
		b = append(b, '"')
	}
	return string(b)
}

// needsQuotes is encoding/csv's rule for a field written with a comma and
// without CRLF: quote a field holding a comma, quote or line break, the
// field \. (an end-of-data marker to some readers) and one that begins
// with a space.
func needsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if f == `\.` {
		return true
	}
	for i := 0; i < len(f); i++ {
		if c := f[i]; c == '"' || c == ',' || c == '\r' || c == '\n' {
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
}

// MonthChunks keeps one month's records, as CSV lines, in chunks of
// store.PowerChunkSize while an import streams, under a new generation:
// a month's records are never all in memory. Full chunks are written
// chunkBatch at a time (one insert each batch).
type MonthChunks struct {
	Gen     string
	Chunks  int   // chunks written
	Rows    int64 // records added
	chunk   []string
	pending [][]string // full chunks not yet written
}

// chunkBatch is how many full chunks one insert writes: each insert is a
// transaction on the embedded store, and its fixed cost was a fifth of a
// million-row import's time when chunks went one at a time. 8 chunks of
// 500 lines is about half a megabyte.
const chunkBatch = 8

// NewMonthChunks starts a month's records under a new generation.
func NewMonthChunks() MonthChunks { return MonthChunks{Gen: store.NewID()} }

// Add keeps one record, writing chunks when chunkBatch of them are full.
func (m *MonthChunks) Add(ctx context.Context, db DB, kind, force, month string, fields []string) error {
	if m.chunk == nil {
		m.chunk = make([]string, 0, store.PowerChunkSize)
	}
	m.chunk = append(m.chunk, CSVLine(fields))
	m.Rows++
	if len(m.chunk) == store.PowerChunkSize {
		m.pending = append(m.pending, m.chunk)
		m.chunk = nil
		if len(m.pending) == chunkBatch {
			return m.write(ctx, db, kind, force, month)
		}
	}
	return nil
}

// Flush writes the records not yet written, if any.
func (m *MonthChunks) Flush(ctx context.Context, db DB, kind, force, month string) error {
	if len(m.chunk) > 0 {
		m.pending = append(m.pending, m.chunk)
		m.chunk = nil
	}
	return m.write(ctx, db, kind, force, month)
}

func (m *MonthChunks) write(ctx context.Context, db DB, kind, force, month string) error {
	if len(m.pending) == 0 {
		return nil
	}
	if err := db.PutPowerChunks(ctx, kind, force, month, m.Gen, m.Chunks, m.pending); err != nil {
		return err
	}
	m.Chunks += len(m.pending)
	m.pending = nil
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
