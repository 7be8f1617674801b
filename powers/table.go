package powers

import (
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"candour/stats"
)

// Table is an aggregated layout: each row names a category (a tactic) and
// gives a count for each ethnic group in its own column, and their total.
// The header must have the Key columns, then ethnic group columns (any of
// Groups, in any order), then Total.
type Table struct {
	Force    string                 // the column naming the force, checked against the force given
	Key      []string               // the columns naming a row, in order after Force
	Category string                 // the Key column counted as a breakdown (and by the shares)
	Groups   map[string]stats.Group // ethnic group column → group (not-stated columns map to stats.NotStated)
	Total    string                 // the column that must equal the row's group counts added up
	Headline string                 // the Category value whose counts are the events (a total row)
	Note     string                 // what one count is, for the help text
}

func (t *Table) header() string {
	cols := append([]string{t.Force}, t.Key...)
	cols = append(cols, "(ethnic group columns)", t.Total)
	return strings.Join(cols, ",")
}

// tableRow is one row of a table: its category and a count per group.
type tableRow struct {
	line     int
	category string
	counts   map[stats.Group]int64
	fields   []string
}

var yearPattern = regexp.MustCompile(`^(\d{4})-(\d{2})$`)

// CheckYear checks a financial year written like 2019-20.
func CheckYear(y string) error {
	m := yearPattern.FindStringSubmatch(y)
	if m == nil {
		return fmt.Errorf("%q is not a financial year like 2019-20", y)
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	if (a+1)%100 != b {
		return fmt.Errorf("%q is not a financial year like 2019-20 (the second year follows the first)", y)
	}
	return nil
}

// YearLabel turns 2019-20 into "the year ending March 2020".
func YearLabel(y string) string {
	if CheckYear(y) != nil {
		return y
	}
	a, _ := strconv.Atoi(y[:4])
	return fmt.Sprintf("the year ending March %d", a+1)
}

// forceKey normalises a force's name to police.uk's identifier:
// "Avon & Somerset" → "avon-and-somerset", "Dorset" → "dorset".
func forceKey(name string) string {
	s := strings.ToLower(strings.TrimSpace(name))
	s = strings.ReplaceAll(s, "&", "and")
	s = strings.TrimSuffix(s, " police")
	return strings.Join(strings.Fields(s), "-")
}

// readTable reads and checks a whole table for force, returning its rows
// or a *FileError naming every wrong line.
func readTable(d *Dataset, src io.Reader, force string) ([]tableRow, error) {
	t := d.Table
	cr := newCSV(src)
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, lineError(1, "", "the file is empty")
	}
	if err != nil {
		return nil, lineError(1, "", "not a CSV file: "+err.Error())
	}
	for i := range head {
		head[i] = strings.TrimSpace(strings.TrimPrefix(head[i], "\ufeff"))
	}
	want := append([]string{t.Force}, t.Key...)
	if len(head) < len(want)+2 {
		return nil, lineError(1, "", fmt.Sprintf("the header has %d columns; %s start %s, then a column per ethnic group, then %q", len(head), strings.ToLower(d.Title), strings.Join(want, ","), t.Total))
	}
	for i, w := range want {
		if head[i] != w {
			return nil, lineError(1, fmt.Sprintf("column %d", i+1), fmt.Sprintf("the header says %q, expected %q", head[i], w))
		}
	}
	if last := head[len(head)-1]; last != t.Total {
		return nil, lineError(1, fmt.Sprintf("column %d", len(head)), fmt.Sprintf("the header says %q, expected %q", last, t.Total))
	}
	groupCols := head[len(want) : len(head)-1]
	seen := map[string]bool{}
	for i, h := range groupCols {
		if _, ok := t.Groups[h]; !ok || seen[h] {
			return nil, lineError(1, fmt.Sprintf("column %d", len(want)+i+1), fmt.Sprintf("%q is not an ethnic group column of this table (or is there twice)", h))
		}
		seen[h] = true
	}
	catCol := len(want) - 1
	for i, k := range want {
		if k == t.Category {
			catCol = i
		}
	}
	fe := &FileError{}
	problem := func(line int, col, msg string) {
		if len(fe.Problems) < MaxProblems {
			fe.Problems = append(fe.Problems, RowProblem{line, col, msg})
		}
	}
	var rows []tableRow
	headlines := 0
	for {
		fields, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		before := len(fe.Problems)
		bad := false
		if len(fields) != len(head) {
			problem(line, "", fmt.Sprintf("has %d columns, expected %d (is the file cut short?)", len(fields), len(head)))
			fe.Lines++
			continue
		}
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		if forceKey(fields[0]) != force {
			problem(line, t.Force, fmt.Sprintf("%q is not %s: a file holds one force's figures", fields[0], force))
			bad = true
		}
		r := tableRow{line: line, category: fields[catCol], counts: map[stats.Group]int64{}, fields: append([]string(nil), fields...)}
		var sum int64
		for i, h := range groupCols {
			n, ok := count(fields[len(want)+i])
			if !ok {
				problem(line, h, fmt.Sprintf("%q is not a count (a whole number of 0 or more)", fields[len(want)+i]))
				bad = true
				continue
			}
			r.counts[t.Groups[h]] += n
			sum += n
		}
		total, ok := count(fields[len(fields)-1])
		switch {
		case !ok:
			problem(line, t.Total, fmt.Sprintf("%q is not a count", fields[len(fields)-1]))
			bad = true
		case !bad && total != sum:
			problem(line, t.Total, fmt.Sprintf("is %d, but the ethnic group columns add up to %d", total, sum))
			bad = true
		}
		if r.category == "" {
			problem(line, t.Category, "is empty")
			bad = true
		}
		if r.category == t.Headline {
			headlines++
		}
		if bad || len(fe.Problems) > before {
			fe.Lines++
			continue
		}
		rows = append(rows, r)
	}
	if fe.Lines == 0 && headlines != 1 {
		return nil, lineError(2, t.Category, fmt.Sprintf("the file must have exactly one %q row (it has %d): its counts are the figures", t.Headline, headlines))
	}
	if fe.Lines > 0 {
		return nil, fe
	}
	return rows, nil
}

// count reads a count written as 12 or 12.0 (as the Home Office's tables,
// tidied, write them).
func count(s string) (int64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f != math.Trunc(f) || f > 1e15 {
		return 0, false
	}
	return int64(f), true
}

func lineError(line int, col, msg string) *FileError {
	return &FileError{Lines: 1, Problems: []RowProblem{{Line: line, Column: col, Problem: msg}}}
}
