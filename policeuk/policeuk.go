// Package policeuk reads the stop-and-search CSV files that police.uk
// publishes each month per force (15 columns, two vocabularies: coded labels
// before 2019, 2011-census wording since) and the Census 2021 TS021 ethnic
// group table. It streams: a file is never held in memory whole. It knows
// nothing of the store; callers decide what to keep.
package policeuk

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"candour/apperr"

	// The month of a record is its date in Europe/London (tz embeds the
	// zone database, so it cannot fall back to UTC).
	"candour/tz"
)

// London is the time zone police.uk dates are local to. police.uk writes
// local midnight in British Summer Time as 23:00 UTC the day before
// (2018-07-31T23:00:00+00:00 is 1 August 2018).
var London = tz.London

// MonthOf is the YYYY-MM of a police.uk date in Europe/London.
func MonthOf(t time.Time) string { return t.In(London).Format("2006-01") }

// Columns is the header of a police.uk stop-and-search file, in order.
var Columns = []string{
	"Type", "Date", "Part of a policing operation", "Policing operation", "Latitude", "Longitude",
	"Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity", "Legislation",
	"Object of search", "Outcome", "Outcome linked to object of search", "Removal of more than just outer clothing",
}

// Column positions.
const (
	ColType = iota
	ColDate
	ColPartOfOperation
	ColOperation
	ColLatitude
	ColLongitude
	ColGender
	ColAgeRange
	ColSelfEthnicity
	ColOfficerEthnicity
	ColLegislation
	ColObject
	ColOutcome
	ColOutcomeLinked
	ColRemoval
)

// Record is one search, with every field as published (trimmed).
type Record struct {
	Line   int      // line in the file, for messages
	Month  string   // YYYY-MM: Date in Europe/London (or the file name's month when Date is empty)
	Fields []string // len(Columns), as given
}

// Get returns a field by column position.
func (r Record) Get(col int) string { return r.Fields[col] }

// FormatError names the first problem in a file that is not this format.
type FormatError struct {
	Line, Column int // 1-based; Column 0 when the whole line is wrong
	Problem      string
}

func (e *FormatError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Problem)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Problem)
}

// Unwrap makes the problem an application error: apperr.Invalid with the
// line it names and the message Error gives, so the web shows it as a
// form error (422) and the command line exits with status 2.
func (e *FormatError) Unwrap() error {
	return &apperr.Error{Code: apperr.Invalid, Message: e.Error(), Line: e.Line}
}

// Reader streams records from one file.
type Reader struct {
	csv       *csv.Reader
	fileMonth string
	line      int
	// months remembers the month of each date met (up to monthMemo of
	// them): many rows share a date, and parsing it costs more than the
	// rest of the row.
	months map[string]string
}

// monthMemo bounds a Reader's memo of dates.
const monthMemo = 4096

// NewReader checks the header and returns a reader positioned at the first
// record. fileMonth (YYYY-MM or "") is used for rows without a date.
func NewReader(r io.Reader, fileMonth string) (*Reader, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = len(Columns)
	head, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &FormatError{Line: 1, Problem: "the file is empty"}
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			return nil, &FormatError{Line: 1, Problem: fmt.Sprintf("the header has %d columns, expected the %d of a police.uk stop-and-search file", len(head), len(Columns))}
		}
		return nil, &FormatError{Line: 1, Problem: "not a CSV file: " + err.Error()}
	}
	for i, want := range Columns {
		got := strings.TrimSpace(strings.TrimPrefix(head[i], "\ufeff"))
		if got != want {
			return nil, &FormatError{Line: 1, Column: i + 1, Problem: fmt.Sprintf("the header says %q, expected %q", got, want)}
		}
	}
	return &Reader{csv: cr, fileMonth: fileMonth, line: 1, months: map[string]string{}}, nil
}

// Read returns the next record, io.EOF at the end, or a *FormatError.
func (r *Reader) Read() (Record, error) {
	fields, err := r.csv.Read()
	if errors.Is(err, io.EOF) {
		return Record{}, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				return Record{}, &FormatError{Line: pe.StartLine, Problem: fmt.Sprintf("has %d columns, expected %d (is the file cut short?)", len(fields), len(Columns))}
			}
			return Record{}, &FormatError{Line: pe.StartLine, Column: pe.Column, Problem: pe.Err.Error()}
		}
		return Record{}, err
	}
	// Only after a good read: when the first field cannot be parsed (a
	// stray quote), csv has no field positions and FieldPos panics.
	r.line, _ = r.csv.FieldPos(0)
	rec := Record{Line: r.line, Fields: make([]string, len(fields))}
	for i, f := range fields {
		rec.Fields[i] = strings.TrimSpace(f)
	}
	date := rec.Fields[ColDate]
	switch m, ok := r.months[date]; {
	case date == "":
		rec.Month = r.fileMonth
	case ok:
		rec.Month = m
	default:
		if t, err := time.Parse(time.RFC3339, date); err == nil {
			rec.Month = MonthOf(t)
		} else if t, err := time.Parse("2006-01-02", date); err == nil {
			rec.Month = t.Format("2006-01") // a calendar date has no time zone to convert
		} else {
			return Record{}, &FormatError{Line: rec.Line, Column: ColDate + 1, Problem: fmt.Sprintf("%q is not a date like 2019-01-01T00:00:00+00:00", date)}
		}
		if len(r.months) < monthMemo {
			r.months[date] = rec.Month
		}
	}
	if rec.Month == "" {
		return Record{}, &FormatError{Line: rec.Line, Column: ColDate + 1, Problem: "no date, and the file name does not say the month"}
	}
	return rec, nil
}

// A browser that already has a file of that name saves the download as
// "… (1).csv": it is still the same month's file.
var fileNameRe = regexp.MustCompile(`(\d{4}-\d{2})-([a-z0-9-]+?)-stop-and-search(?: \(\d+\))?\.csv$`)

// ParseFileName takes the month and force from a police.uk file name like
// 2019-01-dorset-stop-and-search.csv ("2019-01", "dorset"), also when a
// browser has saved it as 2019-01-dorset-stop-and-search (1).csv.
func ParseFileName(name string) (month, force string, ok bool) {
	m := fileNameRe.FindStringSubmatch(strings.ToLower(name))
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// Vocabulary checks: a value outside these is kept as given and counted as
// unrecognised in the import report.
var (
	knownTypes    = set("Person search", "Vehicle search", "Person and Vehicle search")
	knownGenders  = set("Male", "Female", "Other")
	knownAges     = set("under 10", "10-17", "18-24", "25-34", "over 34")
	knownOfficer  = set("White", "Black", "Asian", "Other", "Mixed")
	knownBooleans = set("True", "False")
)

func set(vs ...string) map[string]bool {
	m := map[string]bool{}
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// Unrecognised lists the columns of rec whose non-empty value is outside
// the known vocabularies. Free-text columns (legislation, object, outcome,
// operation) are not checked here: they are reported as given.
func Unrecognised(rec Record, selfKnown func(string) bool) []int {
	var cols []int
	check := func(col int, ok bool) {
		if rec.Fields[col] != "" && !ok {
			cols = append(cols, col)
		}
	}
	check(ColType, knownTypes[rec.Fields[ColType]])
	check(ColGender, knownGenders[rec.Fields[ColGender]])
	check(ColAgeRange, knownAges[rec.Fields[ColAgeRange]])
	check(ColOfficerEthnicity, knownOfficer[rec.Fields[ColOfficerEthnicity]])
	check(ColSelfEthnicity, selfKnown(rec.Fields[ColSelfEthnicity]))
	check(ColOutcomeLinked, knownBooleans[rec.Fields[ColOutcomeLinked]])
	check(ColRemoval, knownBooleans[rec.Fields[ColRemoval]])
	return cols
}

// IsArrest reports whether an outcome is an arrest in either vocabulary.
func IsArrest(outcome string) bool {
	return outcome == "Arrest" || outcome == "Suspect arrested"
}
