package store

import (
	"context"
	"testing"
)

// The copy of a force's months in memory follows every change to them:
// a new month, a re-import that replaces a month's part, and a part taken
// out, each seen by the very next read, for every period that was read.
func TestPowerMonthsCopyFollowsEveryChange(t *testing.T) {
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
