// Package disparity holds what every disparity monitor builds on: the
// Census 2021 population import, panel samples and their commitments, and
// what every activity's import and report share (shared.go: CSV lines,
// month chunks, the comparison with White people; period.go and words.go:
// period labels and plain-English words). Stop and search's import and
// report are one more dataset definition (powers.StopSearch, worked out by
// powers.BuildBasis). Arithmetic lives in stats; parsing in policeuk.
package disparity

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"candour/apperr"
	"candour/policeuk"
	"candour/stats"
	"candour/store"
)

// Ethnicity bases.
const (
	SelfDefined    = "self"
	OfficerDefined = "officer"
)

// DimLabel counts unrecognised ethnicity labels as given.
const DimLabel = "label"

// DimRemoval counts searches by "Removal of more than just outer clothing".
// Months imported before it was counted have no cells of this dimension.
const DimRemoval = "removal"

// ImportOptions says whose data a police.uk file is (ResolveForce); the
// import itself is powers.Import with powers.StopSearch.
type ImportOptions struct {
	Force         string // lower-case police.uk force name, e.g. "dorset"; from the file name when empty
	ForceOverride bool   // the person confirmed Force although the file name names another force
	Source        string // file name
}

// refuse is input that cannot be stored as given (the wrong force, a
// table for another area, a force with no data): an apperr.Invalid with no
// field (the page or the command line says where it belongs) and the
// message in plain English. Nothing is stored; the command line exits with
// status 2 and the web answers 422.
func refuse(format string, args ...any) error { return apperr.Invalidf("", format, args...) }

// refuseLine is a refusal that names a row of the file: its Line is set.
func refuseLine(line int, format string, args ...any) error {
	e := apperr.Invalidf("", format, args...)
	e.Line = line
	return e
}

// ForceMismatch refuses a force given by the person that disagrees with
// the force in the file name. It is an apperr.Invalid (Unwrap) that also
// carries the two forces; a page that words the refusal its own way asks
// ImportOptions.Mismatch for them first rather than taking the error apart.
type ForceMismatch struct {
	Source, FileForce, Given string
}

func (e *ForceMismatch) Error() string {
	return fmt.Sprintf("%s is named as %s's data, but the force given is %s: check which force the file is for, or confirm %s",
		e.Source, e.FileForce, e.Given, e.Given)
}

// Unwrap makes the mismatch an application error: apperr.Invalid on the
// field "force", with the message Error gives.
func (e *ForceMismatch) Unwrap() error { return apperr.Invalidf("force", "%s", e.Error()) }

// Mismatch reports the two forces when the force given disagrees with the
// force in the file name and the person has not confirmed it
// (ForceOverride): the one refusal of ResolveForce that a page asks the
// person about in its own words (how to confirm is the page's to say).
func (o ImportOptions) Mismatch() (ForceMismatch, bool) {
	_, fileForce, _ := policeuk.ParseFileName(o.Source)
	given := strings.ToLower(strings.TrimSpace(o.Force))
	if given == "" || fileForce == "" || given == fileForce || o.ForceOverride {
		return ForceMismatch{}, false
	}
	return ForceMismatch{Source: o.Source, FileForce: fileForce, Given: given}, true
}

// MonthRows is how many rows of a file are dated in a month.
type MonthRows struct {
	Month string `json:"month"`
	Rows  int64  `json:"rows"`
}

// ResolveForce decides whose data a file is: the force in a police.uk file
// name, or the one given. A force given that disagrees with the file name
// is refused unless confirmed; a force police.uk does not publish for
// England and Wales is refused.
func ResolveForce(o ImportOptions) (string, error) {
	if m, wrong := o.Mismatch(); wrong {
		return "", &m
	}
	_, fileForce, _ := policeuk.ParseFileName(o.Source)
	force := strings.ToLower(strings.TrimSpace(o.Force))
	if force == "" {
		force = fileForce
	}
	if force == "" {
		return "", refuse("say which force this file is for (--force), or use the police.uk file name, like 2019-01-dorset-stop-and-search.csv")
	}
	if _, ok := policeuk.Force(force); !ok {
		return "", refuse("%q is not a police force area of England and Wales as police.uk names them (for example dorset, avon-and-somerset, metropolitan)", force)
	}
	return force, nil
}

// ImportPopulation loads a Census 2021 TS021 table for a force area (in
// any layout policeuk.ReadCensusTable reads). Every area in it must be a
// local authority of that force area, each once, and together they must
// cover the whole force area; otherwise the table is refused and nothing
// stored. The force's population by group is the sum of the rows, and the
// areas that made it are kept so pages can say what the denominator is.
func ImportPopulation(ctx context.Context, db DB, src io.Reader, force, source string) (*store.Population, error) {
	force = strings.ToLower(strings.TrimSpace(force))
	if force == "" {
		return nil, refuse("say which force this population is for (--force)")
	}
	fa, ok := policeuk.Force(force)
	if !ok {
		return nil, refuse("%q is not a police force area of England and Wales as police.uk names them (for example dorset, avon-and-somerset, metropolitan)", force)
	}
	table, err := policeuk.ReadCensusTable(src)
	if err != nil {
		return nil, err
	}
	p := &store.Population{ID: force, Groups: map[string]int64{}, Source: source, Layout: table.Layout, ForceCode: fa.Code, ForceName: fa.Name}
	detailed := map[string]int64{}
	type area struct {
		name   string
		n      int64
		groups map[string]int // label → line
	}
	areas := map[string]*area{}
	var order []string
	var elsewhere []string // areas of other force areas, as "Name (code), in Force"
	for _, r := range table.Rows {
		if r.GroupCode < 1 { // "Does not apply"
			continue
		}
		la, ok := policeuk.Authority(r.AreaCode)
		if !ok {
			return nil, &policeuk.FormatError{Line: r.Line, Column: 1, Problem: fmt.Sprintf("%q (%s) is not a local authority of England and Wales in Census 2021", r.AreaCode, r.AreaName)}
		}
		if la.PFA != fa.Code {
			other, _ := policeuk.ForceByCode(la.PFA)
			if areas[r.AreaCode] == nil {
				elsewhere = append(elsewhere, fmt.Sprintf("%s (%s) is in the %s police force area", la.Name, la.Code, other.Name))
				areas[r.AreaCode] = &area{name: la.Name, groups: map[string]int{}}
			}
			continue
		}
		g := stats.GroupOf(r.Group)
		if g == stats.Unrecognised || g == stats.NotStated {
			return nil, &policeuk.FormatError{Line: r.Line, Column: 4, Problem: fmt.Sprintf("%q is not a Census 2021 ethnic group", r.Group)}
		}
		a := areas[r.AreaCode]
		if a == nil {
			a = &area{name: la.Name, groups: map[string]int{}}
			areas[r.AreaCode] = a
			order = append(order, r.AreaCode)
		}
		if first, dup := a.groups[r.Group]; dup {
			return nil, refuseLine(r.Line, "line %d: %s (%s) has %q again (first on line %d): a repeated area would count its residents twice", r.Line, la.Name, la.Code, r.Group, first)
		}
		a.groups[r.Group] = r.Line
		a.n += r.Count
		p.Groups[string(g)] += r.Count
		p.Total += r.Count
		detailed[r.Group] += r.Count
	}
	if len(elsewhere) > 0 {
		shown := elsewhere
		if len(shown) > 5 {
			shown = append(shown[:5:5], fmt.Sprintf("and %d more areas outside it", len(elsewhere)-5))
		}
		return nil, refuse("this table is not for the %s police force area: %s. Load a table of the force area's local authorities only",
			fa.Name, strings.Join(shown, "; "))
	}
	for _, code := range order {
		if n := len(areas[code].groups); n != 19 {
			return nil, refuse("%s (%s) has %d ethnic groups; Census 2021 table TS021 has 19", areas[code].name, code, n)
		}
		for _, old := range mustAuthority(code).Replaces {
			if areas[old] != nil {
				return nil, refuse("%s (%s) and %s (%s) are both in the table, but the first replaced the second in April 2023: its residents would be counted twice",
					areas[code].name, code, areas[old].name, old)
			}
		}
	}
	var missing []string
	for _, la := range policeuk.Authorities() {
		if la.PFA != fa.Code || len(la.Replaces) > 0 || areas[la.Code] != nil || replacedIn(la.Code, areas) {
			continue
		}
		missing = append(missing, fmt.Sprintf("%s (%s)", la.Name, la.Code))
	}
	if len(missing) > 0 {
		return nil, refuse("the table does not cover the whole %s police force area: it lacks %s, so the population would be too small", fa.Name, strings.Join(missing, ", "))
	}
	sort.Strings(order)
	for _, code := range order {
		p.Areas = append(p.Areas, store.PopulationArea{Code: code, Name: areas[code].name, Residents: areas[code].n})
	}
	for label, n := range detailed {
		p.Detailed = append(p.Detailed, store.ValueCount{Value: label, Count: n})
	}
	sort.Slice(p.Detailed, func(i, j int) bool { return p.Detailed[i].Value < p.Detailed[j].Value })
	if err := db.PutPopulation(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

func mustAuthority(code string) policeuk.LocalAuthority {
	la, _ := policeuk.Authority(code)
	return la
}

// replacedIn reports whether a district's April 2023 successor is among
// the areas (a table on the 2023 geography).
func replacedIn[T any](code string, areas map[string]T) bool {
	for c := range areas {
		for _, old := range mustAuthority(c).Replaces {
			if old == code {
				return true
			}
		}
	}
	return false
}
