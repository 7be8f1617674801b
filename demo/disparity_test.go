package demo

import (
	"context"
	"testing"

	"candour/store"
)

// The demo seed imports the four embedded police.uk months, the two summer
// ones each whole in its own month (row counts from testdata/README.md),
// and publishes the newest.
func TestDemoSeedHasTheSummerMonths(t *testing.T) {
	db, _, _ := seeded(t)
	ctx := context.Background()
	for month, want := range map[string]int64{"2016-11": 229, "2018-08": 144, "2018-09": 172, "2019-01": 156} {
		m, err := db.PowerMonth(ctx, store.PowerStopSearch, "dorset", month)
		if err != nil || m.Records != want {
			t.Errorf("%s: %v, want %d records", month, err, want)
		}
	}
	forces, _ := db.PowerForces(ctx, store.PowerStopSearch)
	if got := forces["dorset"].Months; len(got) != 4 {
		t.Errorf("months %v, want 4 (no July 2018 from the BST dates)", got)
	}
	pubs, _ := db.DisparityPublications(ctx)
	if len(pubs) != 1 || pubs[0].From != "2019-01" {
		t.Errorf("published %+v", pubs)
	}
}
