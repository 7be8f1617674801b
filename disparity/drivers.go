package disparity

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"candour/apperr"
	"candour/policeuk"
	"candour/stats"
	"candour/store"
)

// DriversHeader is the first line of a file of drivers by ethnic group:
// then one line for each of the five Census 2021 groups, and optionally
// one for drivers whose ethnicity is not stated.
const DriversHeader = "Ethnic group,Drivers"

// DriversLayout describes the layout in a sentence, for refusals, help and
// the upload page's hint.
const DriversLayout = "the first line is “Ethnic group,Drivers”, then one line for each of Asian, Black, Mixed, Other and White " +
	"(or their Census 2021 names) with a whole number of drivers, and optionally a line for Not stated"

// DriversOptions says whose drivers a file counts and how they were
// counted: nobody publishes drivers by ethnic group for a force area, so
// the person loading them says where they came from and for what time.
type DriversOptions struct {
	Force  string // as police.uk names it: "dorset"
	Made   string // how the figures were made: "licence holders by self-defined ethnicity, from the force's own survey"
	Period string // the time they describe: "2024"
	Source string // the file name
	By     string // who loaded it
}

// driverGroups are the labels a drivers file may give each group: the
// short name and the Census 2021 high-level name (case does not matter).
// Detailed categories are refused: a file that gave both a group and its
// parts would count drivers twice, and a line per group is all a rate needs.
var driverGroups = map[string]stats.Group{
	"asian": stats.Asian, "asian, asian british or asian welsh": stats.Asian,
	"black": stats.Black, "black, black british, black welsh, caribbean or african": stats.Black,
	"mixed": stats.Mixed, "mixed or multiple ethnic groups": stats.Mixed,
	"other": stats.Other, "other ethnic group": stats.Other,
	"white":      stats.White,
	"not stated": stats.NotStated,
}

// maxDriverLines bounds a drivers file: it has at most six lines of
// figures, so anything much longer is another file.
const maxDriverLines = 50

// ImportDrivers loads a force's drivers by ethnic group (DriversHeader's
// layout) as its population of store.Drivers, replacing any loaded before:
// the same file twice is one population. Every line is checked first; a
// file with any wrong line, a group missing or repeated, or options
// missing is refused with every problem (apperr.Invalid, each wrong line's
// Line set, options on the fields "force", "made" and "period") and
// nothing is stored.
func ImportDrivers(ctx context.Context, db DB, src io.Reader, o DriversOptions) (*store.Population, error) {
	p, err := ReadDrivers(src, o)
	if err != nil {
		return nil, err
	}
	if err := db.PutPopulation(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// ReadDrivers checks a drivers file and its options and returns the
// population it would store, or the refusal ImportDrivers describes.
func ReadDrivers(src io.Reader, o DriversOptions) (*store.Population, error) {
	force := strings.ToLower(strings.TrimSpace(o.Force))
	fa, _ := policeuk.Force(force)
	made, period := strings.TrimSpace(o.Made), strings.TrimSpace(o.Period)
	p := &store.Population{ID: store.PopulationID(store.Drivers, force), Of: store.Drivers, Groups: map[string]int64{},
		Source: o.Source, Layout: "drivers", ForceCode: fa.Code, ForceName: fa.Name, ImportedBy: o.By, Made: made, Period: period}
	// In the order of the upload form: the file, then the options.
	problems := append(readDriverLines(src, p), o.check()...)
	if len(problems) > 0 {
		return nil, apperr.Join(problems...)
	}
	return p, nil
}

// Check reports what is wrong with the options alone (the force, how the
// figures were made, what time they describe), each on its field, or nil:
// for a form sent without a file.
func (o DriversOptions) Check() error { return apperr.Join(o.check()...) }

func (o DriversOptions) check() []*apperr.Error {
	var problems []*apperr.Error
	force := strings.ToLower(strings.TrimSpace(o.Force))
	_, known := policeuk.Force(force)
	switch {
	case force == "":
		problems = append(problems, apperr.Invalidf("force", "Say which force the drivers are for, for example dorset"))
	case !known:
		problems = append(problems, apperr.Invalidf("force", "%q is not a police force area of England and Wales as police.uk names them (for example dorset, avon-and-somerset, metropolitan)", force))
	}
	made, period := strings.TrimSpace(o.Made), strings.TrimSpace(o.Period)
	switch {
	case made == "":
		problems = append(problems, apperr.Invalidf("made", "Say how the driver figures were made, for example licence holders by self-defined ethnicity from the force's own survey"))
	case len(made) > 300:
		problems = append(problems, apperr.Invalidf("made", "Say how the driver figures were made in 300 characters or fewer"))
	}
	switch {
	case period == "":
		problems = append(problems, apperr.Invalidf("period", "Say what time the driver figures describe, for example 2024"))
	case len(period) > 60:
		problems = append(problems, apperr.Invalidf("period", "Say what time the driver figures describe in 60 characters or fewer"))
	}
	return problems
}

// readDriverLines reads the file's lines into p and returns every problem.
func readDriverLines(src io.Reader, p *store.Population) []*apperr.Error {
	br := bufio.NewReader(src)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3) // a byte order mark from a spreadsheet
	}
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return []*apperr.Error{apperr.Invalidf("", "the file is empty: %s", DriversLayout)}
	}
	if err != nil {
		return []*apperr.Error{apperr.Invalidf("", "the file is not a CSV file this can read (%v): %s", csvProblem(err), DriversLayout)}
	}
	if h := strings.Join(trimAll(head), ","); !strings.EqualFold(h, DriversHeader) {
		return []*apperr.Error{apperr.Invalidf("", "this file is not in the layout for drivers%s: %s", layoutHint(h), DriversLayout)}
	}
	var problems []*apperr.Error
	at := func(line int, column, format string, args ...any) {
		e := apperr.Invalidf("", "line %d, %s: %s", line, column, fmt.Sprintf(format, args...))
		e.Line = line
		problems = append(problems, e)
	}
	seen := map[stats.Group]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			e := apperr.Invalidf("", "line %d: %s", line, csvProblem(err))
			e.Line = line
			return append(problems, e) // the reader cannot go on past it
		}
		line, _ := r.FieldPos(0)
		if line > maxDriverLines {
			e := apperr.Invalidf("", "line %d: the file goes on past %d lines, but a drivers file has at most 7: %s", line, maxDriverLines, DriversLayout)
			e.Line = line
			return append(problems, e)
		}
		rec = trimAll(rec)
		if len(rec) != 2 {
			e := apperr.Invalidf("", "line %d: has %d columns, expected 2 (%s)", line, len(rec), DriversHeader)
			e.Line = line
			problems = append(problems, e)
			continue
		}
		g, ok := driverGroups[strings.ToLower(rec[0])]
		if !ok {
			at(line, "Ethnic group", "%q is not one of Asian, Black, Mixed, Other, White or Not stated (give the five Census 2021 groups, not their parts)", rec[0])
		} else if first, dup := seen[g]; dup {
			at(line, "Ethnic group", "%s again (first on line %d): a group given twice would count its drivers twice", string(g), first)
			ok = false
		} else {
			seen[g] = line
		}
		n, err := strconv.ParseInt(rec[1], 10, 64)
		switch {
		case err != nil || n < 0:
			at(line, "Drivers", "%q is not a whole number of drivers: write it like 12000, with no commas or decimals", rec[1])
			continue
		case n == 0 && g != stats.NotStated:
			at(line, "Drivers", "0 drivers would give no rate for the %s group: check the figure", string(g))
			continue
		}
		if !ok {
			continue
		}
		if g == stats.NotStated {
			p.NotStated = n
			continue
		}
		p.Groups[string(g)] = n
		p.Total += n
	}
	if len(seen) == 0 && len(problems) == 0 {
		return []*apperr.Error{apperr.Invalidf("", "the file has a header but no groups: %s", DriversLayout)}
	}
	var missing []string
	for _, g := range stats.Groups {
		if _, ok := seen[g]; !ok {
			missing = append(missing, string(g))
		}
	}
	if len(missing) > 0 && len(problems) == 0 {
		problems = append(problems, apperr.Invalidf("", "the file has no line for %s: give all five groups, or rates could not be compared with White drivers",
			strings.Join(missing, ", ")))
	}
	return problems
}

// layoutHint names the file a wrong header most likely belongs to.
func layoutHint(header string) string {
	h := strings.ToLower(header)
	switch {
	case strings.Contains(h, "lad_code") || strings.Contains(h, "local authorities") || strings.Contains(h, "ethnic group: total"):
		return " (it looks like a Census table of residents: load that as the Census population)"
	case strings.Contains(h, "self-defined ethnicity"):
		return " (it looks like a file of records: import those on the activity's own page)"
	}
	return ""
}

func trimAll(rec []string) []string {
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	return rec
}

// csvProblem words a CSV reader's error without its own line prefix.
func csvProblem(err error) string {
	switch {
	case errors.Is(err, csv.ErrBareQuote):
		return `a " inside a value that does not start with one (put the value in quotes and write the " inside it twice)`
	case errors.Is(err, csv.ErrQuote):
		return "a value in quotes is not closed"
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
