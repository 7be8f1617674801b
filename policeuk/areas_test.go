package policeuk

import (
	"bytes"
	"encoding/csv"
	"strings"
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

// TestAuthoritiesAtForceBoundaries places, one by one, the authorities a
// hand-written lookup most easily gets wrong: those whose county name points
// at another force, the islands, the Welsh valleys and the April 2023
// unitary authorities. Checked by hand against Schedule 1 to the Police Act
// 1996 (as amended) and each force's published area, not against ONS's file.
func TestAuthoritiesAtForceBoundaries(t *testing.T) {
	for code, want := range map[string]string{
		"E06000053": "devon-and-cornwall", // Isles of Scilly
		"E06000052": "devon-and-cornwall", // Cornwall
		"E06000027": "devon-and-cornwall", // Torbay
		"E06000025": "avon-and-somerset",  // South Gloucestershire, not Gloucestershire
		"E06000024": "avon-and-somerset",  // North Somerset
		"E06000066": "avon-and-somerset",  // Somerset (April 2023)
		"E07000246": "avon-and-somerset",  // Somerset West and Taunton (replaced 2023)
		"E06000042": "thames-valley",      // Milton Keynes
		"E06000060": "thames-valley",      // Buckinghamshire
		"E06000039": "thames-valley",      // Slough
		"E07000180": "thames-valley",      // Vale of White Horse
		"E06000063": "cumbria",            // Cumberland (April 2023)
		"E06000064": "cumbria",            // Westmorland and Furness (April 2023)
		"E07000027": "cumbria",            // Barrow-in-Furness
		"E06000065": "north-yorkshire",    // North Yorkshire (April 2023)
		"E06000014": "north-yorkshire",    // York
		"E07000169": "north-yorkshire",    // Selby
		"E06000012": "humberside",         // North East Lincolnshire, not Lincolnshire
		"E06000013": "humberside",         // North Lincolnshire
		"E06000046": "hampshire",          // Isle of Wight
		"E06000017": "leicestershire",     // Rutland
		"E06000031": "cambridgeshire",     // Peterborough
		"E06000033": "essex",              // Southend-on-Sea
		"E06000035": "kent",               // Medway
		"E06000005": "durham",             // Darlington
		"E06000004": "cleveland",          // Stockton-on-Tees
		"E06000006": "cheshire",           // Halton
		"E06000030": "wiltshire",          // Swindon
		"E06000019": "west-mercia",        // Herefordshire
		"E06000057": "northumbria",        // Northumberland
		"E09000001": "city-of-london",     // City of London
		"W06000023": "dyfed-powys",        // Powys
		"W06000010": "dyfed-powys",        // Carmarthenshire
		"W06000024": "south-wales",        // Merthyr Tydfil
		"W06000013": "south-wales",        // Bridgend
		"W06000018": "gwent",              // Caerphilly
		"W06000019": "gwent",              // Blaenau Gwent
		"W06000001": "north-wales",        // Isle of Anglesey
		"W06000006": "north-wales",        // Wrexham
	} {
		la, ok := Authority(code)
		if !ok {
			t.Errorf("%s is not in the lookup", code)
			continue
		}
		f, _ := ForceByCode(la.PFA)
		if f.PoliceUK != want {
			t.Errorf("%s %s is in %s, want %s", code, la.Name, f.PoliceUK, want)
		}
	}
	// The 2023 unitary authorities replace exactly their districts.
	for code, want := range map[string]string{
		"E06000063": "E07000026 E07000028 E07000029", // Allerdale, Carlisle, Copeland
		"E06000064": "E07000027 E07000030 E07000031", // Barrow-in-Furness, Eden, South Lakeland
		"E06000065": "E07000163 E07000164 E07000165 E07000166 E07000167 E07000168 E07000169",
		"E06000066": "E07000187 E07000188 E07000189 E07000246", // Mendip, Sedgemoor, South Somerset, Somerset West and Taunton
	} {
		la, _ := Authority(code)
		if got := strings.Join(la.Replaces, " "); got != want {
			t.Errorf("%s %s replaces %q, want %q", code, la.Name, got, want)
		}
	}
}
