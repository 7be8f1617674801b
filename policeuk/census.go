package policeuk

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// CensusRow is one row of Census 2021 table TS021 (ethnic group, usual
// residents) for one local authority.
type CensusRow struct {
	Line      int
	AreaCode  string
	AreaName  string
	GroupCode int    // -8 "Does not apply", 1..19 the detailed groups
	Group     string // the Census 2021 label, e.g. "White: Irish"
	Count     int64
}

// censusColumns is the TS021 layout.
var censusColumns = []string{"lad_code", "lad_name", "ethnic_group_code", "ethnic_group", "observation"}

// ReadCensus reads every row of a TS021 file (a few hundred rows at most).
func ReadCensus(r io.Reader) ([]CensusRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(censusColumns)
	head, err := cr.Read()
	if err != nil {
		return nil, &FormatError{Line: 1, Problem: "not a Census TS021 file: " + err.Error()}
	}
	for i, want := range censusColumns {
		if got := strings.TrimSpace(strings.TrimPrefix(head[i], "\ufeff")); got != want {
			return nil, &FormatError{Line: 1, Column: i + 1, Problem: fmt.Sprintf("the header says %q, expected %q", got, want)}
		}
	}
	var rows []CensusRow
	for {
		f, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &FormatError{Line: pe.StartLine, Problem: pe.Err.Error()}
			}
			return nil, err
		}
		code, err := strconv.Atoi(strings.TrimSpace(f[2]))
		if err != nil {
			return nil, &FormatError{Line: line, Column: 3, Problem: fmt.Sprintf("%q is not a group code", f[2])}
		}
		n, err := strconv.ParseInt(strings.TrimSpace(f[4]), 10, 64)
		if err != nil || n < 0 {
			return nil, &FormatError{Line: line, Column: 5, Problem: fmt.Sprintf("%q is not a count of people", f[4])}
		}
		rows = append(rows, CensusRow{Line: line, AreaCode: f[0], AreaName: f[1], GroupCode: code, Group: strings.TrimSpace(f[3]), Count: n})
	}
	if len(rows) == 0 {
		return nil, &FormatError{Line: 2, Problem: "the file has no rows"}
	}
	return rows, nil
}
