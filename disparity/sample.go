package disparity

import (
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strings"

	"candour/policeuk"
	"candour/stats"
	"candour/store"
)

// SampleFilter says which records a panel sample is drawn from.
type SampleFilter struct {
	Force       string
	From, To    string // YYYY-MM, inclusive
	Legislation string // as published; "" for any
	Group       string // self-defined high-level group (or "Not stated"); "" for any
	Removal     bool   // only searches that went beyond outer clothing (strip and intimate searches)
	Size        int    // how many records to draw (1 to 50)
}

// MaxSample is the largest sample a panel can be given.
const MaxSample = 50

// DrawSample reads the stored records of the period, keeps those that meet
// the filter, and draws Size of them uniformly at random (reservoir
// sampling, so memory stays at Size records however many match). It
// returns the sample, in file order, and how many records matched.
func DrawSample(ctx context.Context, db DB, f SampleFilter, rnd *rand.Rand) ([]store.SampledRecord, int64, error) {
	if f.Size < 1 || f.Size > MaxSample {
		return nil, 0, fmt.Errorf("sample size must be 1 to %d", MaxSample)
	}
	months, err := db.PowerMonths(ctx, store.PowerStopSearch, f.Force, f.From, f.To)
	if err != nil {
		return nil, 0, err
	}
	var picked []store.SampledRecord
	var seen int64
	for i := range months {
		m := &months[i]
		for pi := range m.Parts {
			p := &m.Parts[pi]
			// A month's own police.uk file gives references like
			// dorset/2019-01/#37; rows another file brought into the month
			// name that file: dorset/2018-08/2018-09-dorset-stop-and-search.csv#2.
			prefix := fmt.Sprintf("%s/%s/", f.Force, m.Month)
			if p.Key != m.Month {
				prefix += p.Source
			}
			line := 0
			for c := 0; c < p.Chunks; c++ {
				chunk, err := db.PowerChunkOf(ctx, m, p, c)
				if err != nil {
					return nil, 0, err
				}
				for _, row := range chunk.Rows {
					line++
					fields, err := csv.NewReader(strings.NewReader(row)).Read()
					if err != nil || len(fields) != len(policeuk.Columns) || !matches(fields, f) {
						continue
					}
					seen++
					rec := store.SampledRecord{Ref: fmt.Sprintf("%s#%d", prefix, line), Month: m.Month, Fields: fields}
					switch {
					case len(picked) < f.Size:
						picked = append(picked, rec)
					default:
						if j := rnd.Int64N(seen); j < int64(f.Size) {
							picked[j] = rec
						}
					}
				}
			}
		}
	}
	sortByRef(picked)
	return picked, seen, nil
}

func matches(fields []string, f SampleFilter) bool {
	if f.Legislation != "" && fields[policeuk.ColLegislation] != f.Legislation {
		return false
	}
	if f.Removal && fields[policeuk.ColRemoval] != "True" {
		return false
	}
	return f.Group == "" || string(stats.GroupOf(fields[policeuk.ColSelfEthnicity])) == f.Group
}

// sortByRef puts a sample back in file order (month, then line).
func sortByRef(rs []store.SampledRecord) {
	key := func(r store.SampledRecord) string {
		i := strings.LastIndex(r.Ref, "#")
		return r.Ref[:i] + fmt.Sprintf("%09s", r.Ref[i+1:])
	}
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && key(rs[j]) < key(rs[j-1]); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}
