// Package surveytest reads a survey's published results back the way a
// determined reader would, from the published CSV alone (the same figures
// as the results page, the public summary and `candour report survey`),
// and works out every relation between the figures that anyone who knows
// the questionnaire can rely on. disclosuretest then attacks them. It is
// for tests: the survey's counters are used only to know the true values,
// never to decide what the reader knows. Decisions keeps release
// decisions in memory, for tests that decide a release without a store.
package surveytest

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"candour/stats"
	"candour/stats/disclosuretest"
	"candour/store"
	"candour/words"
)

// Read parses a results CSV (survey.WriteCSV) of version v of sv, whose
// true counters are ts, into what a reader knows.
func Read(r io.Reader, sv *store.Survey, version int, ts []store.Tally) (*disclosuretest.Knowledge, error) {
	v := sv.Version(version)
	if v == nil {
		return nil, fmt.Errorf("no version %d", version)
	}
	recs, err := readCSV(r)
	if err != nil {
		return nil, err
	}
	rd := &reader{small: map[string]bool{}, k: disclosuretest.New(), sv: sv, v: v, truth: newTruth(ts)}
	rd.k.Lenient = sv.Imported
	for _, rec := range recs {
		if err := rd.row(rec); err != nil {
			return nil, err
		}
	}
	if err := rd.relations(); err != nil {
		return nil, err
	}
	return rd.k, nil
}

func readCSV(r io.Reader) ([][]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || len(recs[0]) < 17 || recs[0][2] != "question_id" {
		return nil, fmt.Errorf("not a results CSV")
	}
	var out [][]string
	for _, rec := range recs[1:] {
		if len(rec) >= 17 {
			out = append(out, rec)
		}
	}
	return out, nil
}

type truth struct {
	byKey map[string]*store.Tally
}

func newTruth(ts []store.Tally) *truth {
	t := &truth{byKey: map[string]*store.Tally{}}
	for i := range ts {
		t.byKey[ts[i].Dim+"/"+ts[i].Value] = &ts[i]
	}
	return t
}

func (t *truth) n(dim, val string) int64 {
	if tl := t.byKey[dim+"/"+val]; tl != nil {
		return tl.N
	}
	return 0
}

func (t *truth) c(dim, val, qid string, codes ...string) int64 {
	tl := t.byKey[dim+"/"+val]
	if tl == nil || tl.C == nil {
		return 0
	}
	var s int64
	for _, c := range codes {
		s += tl.C[qid][c]
	}
	return s
}

type reader struct {
	small map[string]bool // dim/value of groups "too small to show"
	k     *disclosuretest.Knowledge
	sv    *store.Survey
	v     *store.Version
	truth *truth
}

// A cell's name: question id (or "n" for respondents), breakdown, group
// value, and the answer's code (or "_a" for who answered, "m:" + the
// combined row's label).
func name(qid, dim, val, code string) string { return qid + "|" + dim + "|" + val + "|" + code }

func state(count, note string) int {
	switch {
	case count != "":
		return stats.Shown
	case strings.HasPrefix(note, "not shown (fewer than 10 people"):
		return stats.Unpublished
	case strings.HasPrefix(note, "fewer than 10"):
		return stats.Primary
	}
	return stats.Secondary
}

// dimOf turns a breakdown's label and a group's label back into the
// breakdown and its value, as anyone reading the CSV can.
func dimOf(breakdown, group string) (string, string, bool) {
	if breakdown == "Everyone" {
		return store.DimAll, store.DimAll, true
	}
	for _, d := range store.BreakdownDims {
		if words.Breakdown(d) != breakdown {
			continue
		}
		for _, val := range store.DimValues(d) {
			if words.BreakdownValue(store.AboutYouAnswer(d, val)) == group {
				return d, val, true
			}
		}
	}
	return "", "", false
}

func (rd *reader) row(rec []string) error {
	qid, breakdown, group, answer, count, base, note := rec[2], rec[4], rec[5], rec[6], rec[7], rec[8], rec[16]
	if note == "not collected" {
		return nil
	}
	dim, val, ok := dimOf(breakdown, group)
	if !ok {
		return fmt.Errorf("unknown breakdown %q group %q", breakdown, group)
	}
	if state(count, note) == stats.Unpublished {
		rd.small[dim+"/"+val] = true
	}
	if answer == "(respondents)" {
		return rd.cell(name("n", dim, val, "n"), count, note, rd.truth.n(dim, val))
	}
	q := rd.v.Question(qid)
	if q == nil {
		return fmt.Errorf("unknown question %q", qid)
	}
	// Those in a group too small to show who answered a question everyone
	// must answer are the group itself: its size, attacked as the group's
	// respondents (or, for "not stated", never published), not again here.
	sizeOnly := state(count, note) == stats.Unpublished && q.Required && q.ShowIfQ == "" && !rd.sv.Imported
	if answer == "(answered)" || strings.HasPrefix(answer, "(answered;") {
		if sizeOnly {
			return rd.k.Cell(name(qid, dim, val, store.TallyAnswered), stats.Unpublished, rd.truth.c(dim, val, qid, store.TallyAnswered))
		}
		return rd.cell(name(qid, dim, val, store.TallyAnswered), count, note, rd.truth.c(dim, val, qid, store.TallyAnswered))
	}
	// Every answer's row prints the base it is a share of (a group too
	// small to show has none).
	bnote := ""
	if state(count, note) == stats.Unpublished {
		bnote = note
	}
	if sizeOnly {
		if err := rd.k.Cell(name(qid, dim, val, store.TallyAnswered), stats.Unpublished, rd.truth.c(dim, val, qid, store.TallyAnswered)); err != nil {
			return err
		}
	} else if err := rd.cell(name(qid, dim, val, store.TallyAnswered), base, bnote, rd.truth.c(dim, val, qid, store.TallyAnswered)); err != nil {
		return err
	}
	answer = strings.TrimSuffix(answer, " (compared with White)")
	codes, combined := rd.codes(q, answer)
	if codes == nil {
		return fmt.Errorf("question %s has no answer %q", qid, answer)
	}
	code := codes[0]
	if combined {
		code = "m:" + answer
	}
	return rd.cell(name(qid, dim, val, code), count, note, rd.truth.c(dim, val, qid, codes...))
}

func (rd *reader) cell(n, count, note string, truth int64) error {
	st := state(count, note)
	if st == stats.Shown {
		v, err := strconv.ParseInt(count, 10, 64)
		if err != nil {
			return fmt.Errorf("%s: count %q", n, count)
		}
		if v != truth {
			return fmt.Errorf("%s: published %d, true value %d", n, v, truth)
		}
	}
	return rd.cellState(n, st, truth)
}

func (rd *reader) cellState(n string, st int, truth int64) error {
	if st == stats.Unpublished {
		// A count of a group too small to show: not published, but a reader
		// knows it is there (a whole number of 0 or more, tied to everyone
		// and the shown groups by the breakdown's sums), so it is attacked
		// like any withheld count.
		st = stats.Secondary
	}
	if st == stats.Secondary && stats.Suppressed(truth) {
		// An answer's row leaves a withheld base empty; a base of 1 to 9 is
		// labelled "fewer than 10" where it is printed on its own.
		st = stats.Primary
	}
	return rd.k.Cell(n, st, truth)
}

// codes are the answer codes behind an answer's label, and whether it is a
// combined row.
func (rd *reader) codes(q *store.Question, label string) ([]string, bool) {
	for _, o := range q.Choices() {
		if o.Label == label {
			return []string{o.Code}, false
		}
	}
	switch {
	case q.Type == store.QAgree && label == "Strongly agree or agree":
		return []string{"sa", "a"}, true
	case q.Type == store.QAgree && label == "Disagree or strongly disagree":
		return []string{"d", "sd"}, true
	case q.Type == store.QRating && label == "7 or higher":
		return []string{"r7", "r8", "r9", "r10"}, true
	}
	return nil, false
}

// relations adds every relation a reader who knows the questionnaire can
// rely on (see survey/release.go for the same list, written from the
// other side).
func (rd *reader) relations() error {
	k := rd.k
	all := name("n", store.DimAll, store.DimAll, "n")
	var errs []error
	try := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	size := map[string]string{} // dim/value → the cell of its respondents
	var groups []string
	for _, g := range store.EthnicGroupValues {
		n := name("n", store.AboutEthnicity, g, "n")
		if k.Has(n) {
			groups = append(groups, n)
			size[store.AboutEthnicity+"/"+g] = n
		}
	}
	if len(groups) > 0 {
		try(k.Sum(groups, all))
	}
	for _, d := range store.BreakdownDims {
		q := rd.v.Question(d)
		if q == nil || !k.Has(name(d, store.DimAll, store.DimAll, store.TallyAnswered)) {
			continue
		}
		pnts := name(d, store.DimAll, store.DimAll, store.PreferNotToSay)
		if d == store.AboutEthnicity {
			// Those who answered the ethnicity question are at most everyone,
			// and those who skipped it are "not stated".
			answered := name(d, store.DimAll, store.DimAll, store.TallyAnswered)
			try(k.AtMost([]string{answered}, all))
			if n, ok := size[d+"/"+store.NotStated]; ok {
				try(k.AtMost([]string{all}, answered, n))
			}
			continue
		}
		ns := name("n", d, store.NotStated, "n")
		if rd.small[d+"/"+store.NotStated] {
			// "Not stated" too small to show: its size is never published,
			// but everyone less the answers shown is it, so a reader who
			// subtracts may learn it; attacked like any withheld count.
			try(rd.cellState(ns, stats.Unpublished, rd.truth.n(d, store.NotStated)))
		} else {
			try(k.Cell(ns, stats.Unpublished, rd.truth.n(d, store.NotStated)))
		}
		parts := []string{ns}
		for _, val := range store.DimValues(d) {
			if val != store.NotStated {
				size[d+"/"+val] = name(d, store.DimAll, store.DimAll, val)
				parts = append(parts, size[d+"/"+val])
			}
		}
		size[d+"/"+store.NotStated] = ns
		try(k.Sum(parts, all))
		try(k.AtMost([]string{pnts}, ns))
	}
	// A group too small to show has at most 9 people: its note says so.
	if len(rd.small) > 0 {
		try(k.Constant("threshold", stats.MinCell-1))
		for g := range rd.small {
			if n, ok := size[g]; ok {
				try(k.AtMost([]string{n}, "threshold"))
			}
		}
	}
	for i := range rd.v.Questions {
		q := &rd.v.Questions[i]
		base := func(dim, val string) string { return name(q.ID, dim, val, store.TallyAnswered) }
		if !k.Has(base(store.DimAll, store.DimAll)) {
			continue
		}
		everyone := q.Required && q.ShowIfQ == "" && !rd.sv.Imported
		if everyone {
			try(k.Sum([]string{base(store.DimAll, store.DimAll)}, all))
		}
		if !q.Choice() || q.ID == store.AboutEthnicity {
			continue
		}
		rows := []string{store.TallyAnswered}
		for _, o := range q.Choices() {
			rows = append(rows, o.Code)
		}
		combined := map[string][]string{}
		for _, label := range []string{"Strongly agree or agree", "Disagree or strongly disagree", "7 or higher"} {
			if codes, ok := rd.codes(q, label); ok && k.Has(name(q.ID, store.DimAll, store.DimAll, "m:"+label)) {
				rows = append(rows, "m:"+label)
				combined["m:"+label] = codes
			}
		}
		scope := func(dim, val string) {
			var codes []string
			for _, o := range q.Choices() {
				codes = append(codes, name(q.ID, dim, val, o.Code))
			}
			if q.Type == store.QMultiple {
				for _, c := range codes {
					try(k.AtMost([]string{c}, base(dim, val)))
				}
				try(k.AtLeast(codes, base(dim, val)))
			} else {
				try(k.Sum(codes, base(dim, val)))
			}
			for m, cs := range combined {
				var parts []string
				for _, c := range cs {
					parts = append(parts, name(q.ID, dim, val, c))
				}
				try(k.Sum(parts, name(q.ID, dim, val, m)))
				if q.Type != store.QMultiple {
					try(k.AtMost([]string{name(q.ID, dim, val, m)}, base(dim, val)))
				}
			}
		}
		scope(store.DimAll, store.DimAll)
		for _, d := range store.BreakdownDims {
			if !k.Has(base(d, store.DimValues(d)[0])) {
				continue
			}
			for _, val := range store.DimValues(d) {
				scope(d, val)
				if n, ok := size[d+"/"+val]; ok {
					if everyone {
						try(k.Sum([]string{base(d, val)}, n))
					} else {
						try(k.AtMost([]string{base(d, val)}, n))
					}
				}
			}
			for _, row := range rows {
				var parts []string
				for _, val := range store.DimValues(d) {
					parts = append(parts, name(q.ID, d, val, row))
				}
				try(k.Sum(parts, name(q.ID, store.DimAll, store.DimAll, row)))
			}
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// Claim hands the attack the witnesses survey.Certificate gives (names in
// the release's form), in the reader's names. The attack checks each
// against the relations worked out here before it counts.
func Claim(k *disclosuretest.Knowledge, v *store.Version, cert map[string][2]map[string]int64) {
	conv := func(n string) string {
		p := strings.Split(n, "/")
		switch {
		case p[0] == "n" && len(p) == 3:
			return name("n", p[1], p[2], "n")
		case p[0] == "q" && len(p) == 5:
			code := p[4]
			if q := v.Question(p[1]); q != nil && strings.HasPrefix(code, "m") {
				if label := combinedLabel(q, code); label != "" {
					code = "m:" + label
				}
			}
			return name(p[1], p[2], p[3], code)
		}
		return n
	}
	for n, ws := range cert {
		var out [2]map[string]int64
		for e := range ws {
			if ws[e] == nil {
				continue
			}
			out[e] = map[string]int64{}
			for c, x := range ws[e] {
				out[e][conv(c)] = x
			}
		}
		k.Claim(conv(n), out)
	}
}

// combinedLabel is the label of combined row "m0", "m1" of a question.
func combinedLabel(q *store.Question, code string) string {
	switch {
	case q.Type == store.QAgree && code == "m0":
		return "Strongly agree or agree"
	case q.Type == store.QAgree && code == "m1":
		return "Disagree or strongly disagree"
	case q.Type == store.QRating && code == "m0":
		return "7 or higher"
	}
	return ""
}
