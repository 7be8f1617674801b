package disparity_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"candour/apperr"
	"candour/disparity"
	"candour/store"
	"candour/store/storetest"
)

func driversOptions() disparity.DriversOptions {
	return disparity.DriversOptions{Force: "dorset", Made: "licence holders by self-defined ethnicity, from the force's own survey",
		Period: "2024", Source: "drivers-dorset-example.csv", By: "test"}
}

// TestDriversExampleLoads: testdata/drivers-dorset-example.csv (made up,
// see testdata/README.md) is White 600,000, Black 4,000, Asian 12,000,
// Mixed 8,000, Other 4,000 and Not stated 20,000: 628,000 drivers in the
// five groups. Loading it twice is one population, the second load's.
func TestDriversExampleLoads(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	b, err := os.ReadFile(dataDir + "drivers-dorset-example.csv")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		p, err := disparity.ImportDrivers(ctx, db, bytes.NewReader(b), driversOptions())
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 628000 || p.NotStated != 20000 || p.Groups["Black"] != 4000 || p.Groups["White"] != 600000 || p.ID != "drivers/dorset" {
			t.Fatalf("load %d: %+v", i, p)
		}
	}
	got, err := db.PopulationOf(ctx, store.Drivers, "dorset")
	if err != nil || got.Total != 628000 || got.Made != driversOptions().Made || got.Period != "2024" || got.ForceName != "Dorset" {
		t.Fatalf("stored: %+v %v", got, err)
	}
	// Beside the Census population, not instead of it.
	if _, err := db.Population(ctx, "dorset"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a Census population appeared: %v", err)
	}
	if docs := storetest.Docs(t, db, "populations"); len(docs) != 1 || docs["drivers/dorset"] == nil {
		t.Errorf("populations stored: %v, want drivers/dorset alone", docs)
	}
}

// TestBadDriverFilesAreRefused: every wrong line is named, with its
// number, and nothing is stored.
func TestBadDriverFilesAreRefused(t *testing.T) {
	head := disparity.DriversHeader + "\n"
	five := "White,600000\nBlack,4000\nAsian,12000\nMixed,8000\nOther,4000\n"
	for _, c := range []struct {
		name, file string
		o          func(*disparity.DriversOptions)
		want       []string
		lines      []int
	}{
		{"bad lines", head + "White,600000\nBlack,\"4,000\"\nAsian: Indian,12000\nMixed,0\nOther,4000\nBlack,10\nWhite,1,2\n", nil,
			[]string{`line 3, Drivers: "4,000" is not a whole number of drivers`, `line 4, Ethnic group: "Asian: Indian" is not one of Asian, Black`,
				`line 5, Drivers: 0 drivers would give no rate for the Mixed group`, `line 7, Ethnic group: Black again (first on line 3)`,
				"line 8: has 3 columns, expected 2"},
			[]int{3, 4, 5, 7, 8}},
		{"a group missing", head + "White,600000\nBlack,4000\nAsian,12000\n", nil,
			[]string{"the file has no line for Mixed, Other: give all five groups"}, nil},
		{"a Census table", "lad_code,lad_name,ethnic_group_code,ethnic_group,observation\nE06000058,x,1,y,2\n", nil,
			[]string{"this file is not in the layout for drivers (it looks like a Census table of residents: load that as the Census population): the first line is “Ethnic group,Drivers”"}, nil},
		{"vehicle stops", "Date,District,Reason,Self-defined ethnicity,Officer-observed ethnicity,Outcome\n", nil,
			[]string{"it looks like a file of records"}, nil},
		{"header only", head, nil, []string{"the file has a header but no groups"}, nil},
		{"a broken quote", head + "White,600000\nBlack,4\"000\nAsian,12000\n", nil, []string{`line 3: a " inside a value that does not start with one`}, []int{3}},
		{"far too long", head + strings.Repeat("White,1\n", 60), nil, []string{"line 51: the file goes on past 50 lines"}, nil},
		{"empty", "", nil, []string{"the file is empty"}, nil},
		{"no force, how or when", head + five, func(o *disparity.DriversOptions) { o.Force, o.Made, o.Period = "gotham", " ", "" },
			[]string{`"gotham" is not a police force area`, "Say how the driver figures were made", "Say what time the driver figures describe"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := storetest.Open(t)
			o := driversOptions()
			if c.o != nil {
				c.o(&o)
			}
			_, err := disparity.ImportDrivers(context.Background(), db, strings.NewReader(c.file), o)
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("err = %v, want a refusal", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
			var lines []int
			for _, e := range apperr.All(err) {
				if e.Line > 0 {
					lines = append(lines, e.Line)
				}
			}
			if len(c.lines) > 0 && !equalInts(lines, c.lines) {
				t.Errorf("lines %v, want %v", lines, c.lines)
			}
			if _, err := db.PopulationOf(context.Background(), store.Drivers, "gotham"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("stored for gotham: %v", err)
			}
			if _, err := db.PopulationOf(context.Background(), store.Drivers, "dorset"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("something was stored: %v", err)
			}
		})
	}
}

// A spreadsheet's byte order mark, CRLF line ends, the Census 2021 names
// of the groups and a blank line at the end read as the plain file.
func TestDriverFileAsASpreadsheetSavesIt(t *testing.T) {
	db := storetest.Open(t)
	file := "\xEF\xBB\xBFEthnic group,Drivers\r\n\"Asian, Asian British or Asian Welsh\",12000\r\n" +
		"\"Black, Black British, Black Welsh, Caribbean or African\",4000\r\nMixed or Multiple ethnic groups,8000\r\n" +
		"Other ethnic group,4000\r\nwhite,600000\r\n\r\n"
	p, err := disparity.ImportDrivers(context.Background(), db, strings.NewReader(file), driversOptions())
	if err != nil || p.Total != 628000 || p.NotStated != 0 || p.Groups["Asian"] != 12000 {
		t.Fatalf("%+v %v", p, err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
