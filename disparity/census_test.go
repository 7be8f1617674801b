package disparity_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"candour/apperr"
	"candour/disparity"
	"candour/policeuk"
	"candour/store"
	"candour/store/storetest"
)

func censusFile(t *testing.T) [][]string {
	t.Helper()
	b, err := os.ReadFile(dataDir + "census2021-ts021-dorset-force-area.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func writeCSV(rows [][]string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows)
	return b.String()
}

// nomisWide turns the real narrow table into Nomis's wide layout: one row
// per area, a total column, a subtotal per high-level group and a column
// per detailed group, the same numbers.
func nomisWide(rows [][]string) string {
	head := []string{"date", "geography", "geography code", "Ethnic group: Total: All usual residents"}
	var order []string
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		if r[2] == "-8" || seen[r[3]] {
			continue
		}
		seen[r[3]] = true
		order = append(order, r[3])
	}
	lastHigh := ""
	for _, l := range order {
		high := l[:strings.Index(l, ": ")]
		if high != lastHigh {
			head = append(head, "Ethnic group: "+high)
			lastHigh = high
		}
		head = append(head, "Ethnic group: "+l)
	}
	out := [][]string{head}
	byArea := map[string]map[string]int64{}
	names := map[string]string{}
	var areas []string
	for _, r := range rows[1:] {
		if r[2] == "-8" {
			continue
		}
		if byArea[r[0]] == nil {
			byArea[r[0]] = map[string]int64{}
			areas = append(areas, r[0])
			names[r[0]] = r[1]
		}
		var n int64
		for _, c := range r[4] {
			n = n*10 + int64(c-'0')
		}
		byArea[r[0]][r[3]] = n
	}
	for _, a := range areas {
		row := []string{"2021", names[a], a, ""}
		var total int64
		for _, h := range head[4:] {
			label := strings.TrimPrefix(h, "Ethnic group: ")
			var n int64
			if strings.Contains(label, ": ") {
				n = byArea[a][label]
				total += n
			} else {
				for l, v := range byArea[a] {
					if strings.HasPrefix(l, label+": ") {
						n += v
					}
				}
			}
			row = append(row, itoa(n))
		}
		row[3] = itoa(total)
		out = append(out, row)
	}
	return writeCSV(out)
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestCensusLayoutsGiveTheSamePopulation loads the real Dorset table in
// the three layouts; each gives White 733,925, Asian 17,856, Mixed 15,529,
// Other 7,150, Black 5,315 (testdata/README.md), from the two authorities.
func TestCensusLayoutsGiveTheSamePopulation(t *testing.T) {
	rows := censusFile(t)
	custom := append([][]string{{"Lower tier local authorities Code", "Lower tier local authorities", "Ethnic group (20 categories) Code", "Ethnic group (20 categories)", "Observation"}}, rows[1:]...)
	for _, tc := range []struct{ layout, content string }{
		{policeuk.LayoutNarrow, writeCSV(rows)},
		{policeuk.LayoutCustom, "\ufeff" + writeCSV(custom)},
		{policeuk.LayoutWide, nomisWide(rows)},
	} {
		t.Run(tc.layout, func(t *testing.T) {
			db := storetest.Open(t)
			p, err := disparity.ImportPopulation(context.Background(), db, strings.NewReader(tc.content), "dorset", "ts021.csv")
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int64{"White": 733925, "Asian": 17856, "Mixed": 15529, "Other": 7150, "Black": 5315}
			for g, n := range want {
				if p.Groups[g] != n {
					t.Errorf("%s = %d, want %d", g, p.Groups[g], n)
				}
			}
			if p.Total != 779775 || p.Layout != tc.layout || p.ForceCode != "E23000039" || len(p.Areas) != 2 ||
				p.Areas[0].Code != "E06000058" || p.Areas[1].Code != "E06000059" || p.Areas[0].Residents+p.Areas[1].Residents != 779775 {
				t.Errorf("population %+v", p)
			}
			stored, err := db.Population(context.Background(), "dorset")
			if err != nil || len(stored.Areas) != 2 {
				t.Errorf("stored %+v %v", stored, err)
			}
		})
	}
}

// renamed copies rows once per code given, as the rows of that area.
func renamed(rows [][]string, codes ...string) [][]string {
	var out [][]string
	for _, code := range codes {
		for _, r := range rows {
			c := append([]string(nil), r...)
			c[0] = code
			out = append(out, c)
		}
	}
	return out
}

func TestCensusTablesThatDoNotFitAreRefused(t *testing.T) {
	rows := censusFile(t)
	var bcp, dorset [][]string
	for _, r := range rows[1:] {
		if r[0] == "E06000058" {
			bcp = append(bcp, r)
		} else {
			dorset = append(dorset, r)
		}
	}
	head := rows[:1]
	cat := func(parts ...[][]string) string {
		var all [][]string
		for _, p := range parts {
			all = append(all, p...)
		}
		return writeCSV(all)
	}
	cases := []struct {
		name, force, content, want string
	}{
		{"Dorset's table as Wiltshire's", "wiltshire", writeCSV(rows),
			"this table is not for the Wiltshire police force area: Bournemouth, Christchurch and Poole (E06000058) is in the Dorset police force area; Dorset (E06000059) is in the Dorset police force area"},
		{"the whole country, say", "dorset", cat(rows, renamed(bcp, "E06000001", "E06000002", "E06000003", "E06000004", "E06000005", "E06000006", "E06000007")),
			"Hartlepool (E06000001) is in the Cleveland police force area; Middlesbrough (E06000002) is in the Cleveland police force area; Redcar and Cleveland (E06000003) is in the Cleveland police force area; Stockton-on-Tees (E06000004) is in the Cleveland police force area; Darlington (E06000005) is in the Durham police force area; and 2 more areas outside it"},
		{"an area repeated", "dorset", cat(head, bcp, dorset, dorset[3:4]), "Dorset (E06000059) has \"Asian, Asian British or Asian Welsh: Indian\" again"},
		{"half the force area", "dorset", cat(head, dorset), "does not cover the whole Dorset police force area: it lacks Bournemouth, Christchurch and Poole (E06000058)"},
		{"an unknown force", "atlantis", writeCSV(rows), "\"atlantis\" is not a police force area"},
		{"a code that is no authority", "dorset", strings.Replace(writeCSV(rows), "E06000059", "E06000099", -1), "\"E06000099\""},
		{"the old layout's header misspelt", "dorset", strings.Replace(writeCSV(rows), "observation", "obs", 1), "line 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := storetest.Open(t)
			_, err := disparity.ImportPopulation(context.Background(), db, strings.NewReader(tc.content), tc.force, "ts021.csv")
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a refusal with %q", err, tc.want)
			}
			// A refusal that names a line carries it (Line), as the
			// message says it: "line 7: ...".
			var line int
			if _, e := fmt.Sscanf(err.Error(), "line %d", &line); e == nil && apperr.As(err).Line != line {
				t.Errorf("the message names line %d, the error's Line is %d", line, apperr.As(err).Line)
			}
			if tc.name == "an area repeated" && apperr.As(err).Line == 0 {
				t.Errorf("a repeated area's refusal names no line: %v", err)
			}
			if _, err := db.Population(context.Background(), tc.force); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a refused table stored a population: %v", err)
			}
		})
	}
}
