package store

import (
	"context"
	"errors"
	"testing"
)

// The copy of a force's months in memory follows every change to them:
// a new month, a re-import that replaces a month's part, and a part taken
// out, each seen by the very next read, for every period that was read.
func TestPowerMonthsCopyFollowsEveryChange(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	part := func(key string, n int64) PowerPart {
		return PowerPart{Key: key, Source: key + "-dorset-stop-and-search.csv", Gen: "g-" + key, Records: n,
			Cells: []PowerCell{{Basis: "self", Dim: "all", Group: "White", Searches: n}}}
	}
	searches := func(from, to string) []int64 {
		t.Helper()
		ms, err := s.PowerMonths(ctx, PowerStopSearch, "dorset", from, to)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, m := range ms {
			out = append(out, m.Cells[0].Searches)
		}
		return out
	}
	same := func(what string, got []int64, want ...int64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: searches by month %v, want %v", what, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: searches by month %v, want %v", what, got, want)
			}
		}
	}
	same("nothing imported", searches("", ""))
	if err := s.PutPowerPart(ctx, PowerStopSearch, "dorset", "2019-01", part("2019-01", 5)); err != nil {
		t.Fatal(err)
	}
	same("January", searches("", ""), 5)
	same("January, the first quarter", searches("2019-01", "2019-03"), 5)
	if err := s.PutPowerPart(ctx, PowerStopSearch, "dorset", "2019-02", part("2019-02", 7)); err != nil {
		t.Fatal(err)
	}
	same("January and February", searches("", ""), 5, 7)
	same("January and February, the first quarter", searches("2019-01", "2019-03"), 5, 7)
	same("February alone", searches("2019-02", "2019-02"), 7)
	// A corrected January file replaces January's part: 5 becomes 9.
	if err := s.PutPowerPart(ctx, PowerStopSearch, "dorset", "2019-01", part("2019-01", 9)); err != nil {
		t.Fatal(err)
	}
	same("January corrected", searches("", ""), 9, 7)
	same("January corrected, the first quarter", searches("2019-01", "2019-03"), 9, 7)
	// February's file, imported again with no rows dated in February,
	// takes its part out: the month goes.
	if _, err := s.RemovePowerPartsOutside(ctx, PowerStopSearch, "dorset", "2019-02", nil); err != nil {
		t.Fatal(err)
	}
	same("February taken out", searches("", ""), 9)
	same("February taken out, February alone", searches("2019-02", "2019-02"))
	// What a caller does to its slice does not reach the copy.
	ms, err := s.PowerMonths(ctx, PowerStopSearch, "dorset", "", "")
	if err != nil {
		t.Fatal(err)
	}
	ms[0] = PowerMonth{}
	same("after a caller changed its slice", searches("", ""), 9)
}

// The copies of the index of months and of a force's population (read by
// the overview of every activity) follow every change: a new kind's month
// and a population loaded again are seen by the very next read.
func TestPowerIndexAndPopulationCopiesFollowEveryChange(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.Population(ctx, "dorset"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("population before any: %v", err)
	}
	for _, total := range []int64{100, 200} {
		if err := s.PutPopulation(ctx, &Population{ID: "dorset", Total: total, Groups: map[string]int64{"White": total}}); err != nil {
			t.Fatal(err)
		}
		p, err := s.Population(ctx, "dorset")
		if err != nil || p.Total != total {
			t.Fatalf("population after loading %d: %v %+v", total, err, p)
		}
	}
	months := func(kind string) []string {
		t.Helper()
		all, err := s.PowerIndexes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ix := range all[kind] {
			if ix.Force == "dorset" {
				return ix.Months
			}
		}
		return nil
	}
	if got := months(PowerStopSearch); got != nil {
		t.Fatalf("months before any: %v", got)
	}
	for i, m := range []string{"2019-02", "2019-01"} {
		if err := s.indexMonth(ctx, PowerStopSearch, "dorset", m); err != nil {
			t.Fatal(err)
		}
		if got := months(PowerStopSearch); len(got) != i+1 || got[0] != "2019-01" && i == 1 {
			t.Fatalf("months after indexing %s: %v", m, got)
		}
	}
}

// A force's drivers are a population of their own beside its Census
// residents (one collection, _id "drivers/dorset"): each is read as its
// kind, an absent one is ErrNotFound however often it is asked for (and
// remembered on the embedded server), and loading one is seen by the very
// next read of it and changes nothing of the other.
func TestDriversAreAPopulationBesideTheCensus(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if _, err := s.PopulationOf(ctx, Drivers, "dorset"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("drivers before any (%d): %v", i, err)
		}
	}
	if err := s.PutPopulation(ctx, &Population{ID: "dorset", Total: 100, Groups: map[string]int64{"White": 100}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PopulationOf(ctx, Drivers, "dorset"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the Census table was read as drivers: %v", err)
	}
	if PopulationID(Drivers, "dorset") != "drivers/dorset" || PopulationID(Residents, "dorset") != "dorset" {
		t.Fatalf("ids %q %q", PopulationID(Drivers, "dorset"), PopulationID(Residents, "dorset"))
	}
	for _, total := range []int64{60, 70} {
		if err := s.PutPopulation(ctx, &Population{ID: PopulationID(Drivers, "dorset"), Of: Drivers, Total: total, Made: "a survey", Period: "2024",
			Groups: map[string]int64{"White": total}}); err != nil {
			t.Fatal(err)
		}
		d, err := s.PopulationOf(ctx, Drivers, "dorset")
		if err != nil || d.Total != total || d.Of != Drivers || d.Made != "a survey" {
			t.Fatalf("drivers after loading %d: %+v %v", total, d, err)
		}
		if r, err := s.Population(ctx, "dorset"); err != nil || r.Total != 100 || r.Of != Residents {
			t.Fatalf("residents after loading drivers: %+v %v", r, err)
		}
	}
}
