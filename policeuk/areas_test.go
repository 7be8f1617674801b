package policeuk

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestEveryForceAreaHasAuthoritiesAndNoneIsListedTwice(t *testing.T) {
	if n := len(Forces()); n != 43 {
		t.Fatalf("%d force areas, want the 43 of England and Wales", n)
	}
	// Each code once in the file itself (the map would hide a repeat).
	rows, err := csv.NewReader(bytes.NewReader(ladCSV)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	census := 0
	for _, r := range rows[1:] {
		if seen[r[0]] {
			t.Errorf("%s %s is listed twice", r[0], r[1])
		}
		seen[r[0]] = true
		if _, ok := ForceByCode(r[2]); !ok {
			t.Errorf("%s %s: %s is not a force area", r[0], r[1], r[2])
		}
		if r[3] == "" {
			census++
		}
	}
	// Census 2021 lower-tier local authorities: 309 in England, 22 in Wales.
	if census != 331 {
		t.Errorf("%d Census 2021 authorities, want 331", census)
	}
	per := map[string]int{}
	for _, la := range Authorities() {
		if len(la.Replaces) == 0 {
			per[la.PFA]++
		}
		for _, old := range la.Replaces {
			if o, ok := Authority(old); !ok || o.PFA != la.PFA {
				t.Errorf("%s replaces %s, which is not a district of the same force area", la.Code, old)
			}
		}
	}
	for _, f := range Forces() {
		if per[f.Code] == 0 {
			t.Errorf("%s (%s) has no local authority", f.Name, f.Code)
		}
	}
	// Spot checks by hand: Dorset is two unitary authorities; London is 32
	// boroughs for the Metropolitan Police and the City for its own force;
	// Wales is 6 + 4 + 7 + 5 authorities.
	for code, want := range map[string]int{"E23000039": 2, "E23000001": 32, "E23000034": 1, "W15000001": 6,
		"W15000004": 4, "W15000003": 7, "W15000002": 5, "E23000022": 2, "E23000029": 13} {
		if per[code] != want {
			t.Errorf("%s has %d authorities, want %d", code, per[code], want)
		}
	}
	for _, code := range []string{"E06000058", "E06000059"} {
		if la, _ := Authority(code); la.PFA != "E23000039" {
			t.Errorf("%s is in %q, want Dorset E23000039", code, la.PFA)
		}
	}
	if f, ok := Force("dorset"); !ok || f.Code != "E23000039" {
		t.Errorf("Force(dorset) = %+v", f)
	}
}
