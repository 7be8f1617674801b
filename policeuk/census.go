package policeuk

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// CensusRow is one count of Census 2021 table TS021 (ethnic group, usual
// residents) for one local authority and one detailed ethnic group.
type CensusRow struct {
	Line      int
	AreaCode  string
	AreaName  string
	GroupCode int    // -8 "Does not apply", 1..19 the detailed groups
	Group     string // the Census 2021 label, e.g. "White: Irish"
	Count     int64
}

// Census table layouts that ReadCensus understands.
const (
	// LayoutNarrow is one row per area and group with short column names
	// (lad_code, lad_name, ethnic_group_code, ethnic_group, observation).
	LayoutNarrow = "narrow"
	// LayoutCustom is ONS's "create a custom dataset" CSV for TS021 by
	// lower tier local authority: the same five columns under ONS's names.
	LayoutCustom = "ONS custom dataset"
	// LayoutWide is Nomis's bulk layout: one row per area, one column per
	// group ("Ethnic group: White: Irish"), with subtotal columns.
	LayoutWide = "Nomis wide"
)

var narrowHeaders = map[string][]string{
	LayoutNarrow: {"lad_code", "lad_name", "ethnic_group_code", "ethnic_group", "observation"},
	LayoutCustom: {"Lower tier local authorities Code", "Lower tier local authorities", "Ethnic group (20 categories) Code", "Ethnic group (20 categories)", "Observation"},
}

// CensusTable is a whole TS021 file, read.
type CensusTable struct {
	Layout string
	Rows   []CensusRow
}

// ReadCensus reads every row of a TS021 file (a few thousand rows at most).
func ReadCensus(r io.Reader) ([]CensusRow, error) {
	t, err := ReadCensusTable(r)
	if err != nil {
		return nil, err
	}
	return t.Rows, nil
}

func clean(s string) string { return strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")) }

// ReadCensusTable reads a TS021 file in any of the layouts above, naming
// the first problem of a file it cannot read.
func ReadCensusTable(r io.Reader) (*CensusTable, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, &FormatError{Line: 1, Problem: "not a Census TS021 file: " + err.Error()}
	}
	for i := range head {
		head[i] = clean(head[i])
	}
	layout := ""
	for name, cols := range narrowHeaders {
		if len(head) == len(cols) && strings.EqualFold(head[0], cols[0]) {
			for i, want := range cols {
				if !strings.EqualFold(head[i], want) {
					return nil, &FormatError{Line: 1, Column: i + 1, Problem: fmt.Sprintf("the header says %q, expected %q", head[i], want)}
				}
			}
			layout = name
		}
	}
	var rows []CensusRow
	switch {
	case layout != "":
		rows, err = readNarrow(cr)
	case indexOf(head, "geography code") >= 0:
		layout = LayoutWide
		rows, err = readWide(cr, head)
	default:
		return nil, &FormatError{Line: 1, Problem: fmt.Sprintf("not a Census 2021 TS021 table by local authority: expected the header %q (ONS custom dataset), %q, or Nomis's layout with a \"geography code\" column",
			strings.Join(narrowHeaders[LayoutCustom], ","), strings.Join(narrowHeaders[LayoutNarrow], ","))}
	}
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, &FormatError{Line: 2, Problem: "the file has no rows"}
	}
	return &CensusTable{Layout: layout, Rows: rows}, nil
}

func indexOf(xs []string, want string) int {
	for i, x := range xs {
		if strings.EqualFold(x, want) {
			return i
		}
	}
	return -1
}

func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &FormatError{Line: pe.StartLine, Problem: pe.Err.Error()}
	}
	return err
}

func readNarrow(cr *csv.Reader) ([]CensusRow, error) {
	var rows []CensusRow
	for {
		f, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, csvErr(err)
		}
		line, _ := cr.FieldPos(0)
		if len(f) != 5 {
			return nil, &FormatError{Line: line, Problem: fmt.Sprintf("has %d columns, expected 5", len(f))}
		}
		code, err := strconv.Atoi(strings.TrimSpace(f[2]))
		if err != nil {
			return nil, &FormatError{Line: line, Column: 3, Problem: fmt.Sprintf("%q is not a group code", f[2])}
		}
		n, err := strconv.ParseInt(strings.TrimSpace(f[4]), 10, 64)
		if err != nil || n < 0 {
			return nil, &FormatError{Line: line, Column: 5, Problem: fmt.Sprintf("%q is not a count of people", f[4])}
		}
		rows = append(rows, CensusRow{Line: line, AreaCode: strings.TrimSpace(f[0]), AreaName: strings.TrimSpace(f[1]),
			GroupCode: code, Group: strings.TrimSpace(f[3]), Count: n})
	}
}

// readWide reads Nomis's layout. Only the detailed columns ("Ethnic group:
// White: Irish") are counted; the total and the high-level subtotals
// ("Ethnic group: White") would count people twice. The detailed columns
// must add up to the total column, when there is one.
func readWide(cr *csv.Reader, head []string) ([]CensusRow, error) {
	codeCol, nameCol, totalCol := indexOf(head, "geography code"), indexOf(head, "geography"), -1
	type col struct {
		i     int
		label string
	}
	var detailed []col
	for i, h := range head {
		rest, ok := strings.CutPrefix(h, "Ethnic group: ")
		switch {
		case !ok:
		case strings.HasPrefix(rest, "Total"):
			totalCol = i
		case strings.Contains(rest, ": "):
			detailed = append(detailed, col{i, rest})
		}
	}
	if len(detailed) == 0 {
		return nil, &FormatError{Line: 1, Problem: "no detailed ethnic group columns (like \"Ethnic group: White: Irish\")"}
	}
	var rows []CensusRow
	for {
		f, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, csvErr(err)
		}
		line, _ := cr.FieldPos(0)
		if len(f) != len(head) {
			return nil, &FormatError{Line: line, Problem: fmt.Sprintf("has %d columns, expected %d", len(f), len(head))}
		}
		var sum int64
		for k, d := range detailed {
			n, err := strconv.ParseInt(strings.TrimSpace(f[d.i]), 10, 64)
			if err != nil || n < 0 {
				return nil, &FormatError{Line: line, Column: d.i + 1, Problem: fmt.Sprintf("%q is not a count of people", f[d.i])}
			}
			sum += n
			name := ""
			if nameCol >= 0 {
				name = strings.TrimSpace(f[nameCol])
			}
			rows = append(rows, CensusRow{Line: line, AreaCode: strings.TrimSpace(f[codeCol]), AreaName: name, GroupCode: k + 1, Group: d.label, Count: n})
		}
		if totalCol >= 0 {
			total, err := strconv.ParseInt(strings.TrimSpace(f[totalCol]), 10, 64)
			if err != nil || total != sum {
				return nil, &FormatError{Line: line, Column: totalCol + 1, Problem: fmt.Sprintf("the detailed groups add up to %d, but the total says %q", sum, f[totalCol])}
			}
		}
	}
}
