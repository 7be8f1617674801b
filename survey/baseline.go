package survey

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"candour/stats"
	"candour/store"
	"candour/words"
)

// BaselineHeader is the first line of a baseline CSV: aggregated counts
// from a survey run outside Candour (say the force's existing Community
// Safety Survey), one row per question, group and answer.
var BaselineHeader = []string{"matching_code", "question", "type", "group", "answer", "count"}

// Baseline is an imported survey's questions and counters.
type Baseline struct {
	Questions []store.Question
	Tallies   []store.Tally
}

// ParseBaseline reads a baseline CSV, all or nothing: type is agree,
// single or rating; group is Everyone or a Census 2021 group (Asian,
// Black, Mixed, Other, White) or "Not stated"; answer is the answer's
// label (Strongly agree ... Don't know; an option; 0 to 10). Where no
// Everyone rows are given for a question they are the sum of the groups.
func ParseBaseline(r io.Reader) (*Baseline, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(BaselineHeader)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("line 1: %w", csvErr(err))
	}
	for i, h := range BaselineHeader {
		if strings.ToLower(strings.TrimSpace(strings.TrimPrefix(head[i], "\ufeff"))) != h {
			return nil, fmt.Errorf("line 1: the columns must be %s", strings.Join(BaselineHeader, ","))
		}
	}
	type cell struct{ group, code string }
	b := &Baseline{}
	byKey := map[string]*store.Question{}
	counts := map[string]map[cell]int64{} // question id → counts
	everyone := map[string]bool{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, csvErr(err))
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		key, text, typ, group, answer := strings.ToLower(rec[0]), rec[1], strings.ToLower(rec[2]), rec[3], rec[4]
		n, err := strconv.ParseInt(rec[5], 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("line %d: the count %q is not a whole number of 0 or more", line, rec[5])
		}
		if key == "" || text == "" {
			return nil, fmt.Errorf("line %d: every row needs a matching code and the question", line)
		}
		q := byKey[key]
		if q == nil {
			if typ != store.QAgree && typ != store.QSingle && typ != store.QRating {
				return nil, fmt.Errorf("line %d: the type %q must be agree, single or rating", line, rec[2])
			}
			b.Questions = append(b.Questions, store.Question{ID: "q" + strconv.Itoa(len(b.Questions)+1), Key: key, Type: typ, Text: text})
			byKey = map[string]*store.Question{}
			for i := range b.Questions {
				byKey[b.Questions[i].Key] = &b.Questions[i]
			}
			q = byKey[key]
			counts[q.ID] = map[cell]int64{}
		} else if q.Type != typ {
			return nil, fmt.Errorf("line %d: question %s is %s on an earlier line", line, key, q.Type)
		}
		g, ok := baselineGroup(group)
		if !ok {
			return nil, fmt.Errorf("line %d: the group %q must be Everyone, Asian, Black, Mixed, Other, White or Not stated", line, group)
		}
		code := ""
		for _, o := range q.Choices() {
			if strings.EqualFold(o.Label, answer) {
				code = o.Code
			}
		}
		if code == "" && q.Type == store.QSingle {
			q.Options = append(q.Options, store.Option{Code: "o" + strconv.Itoa(len(q.Options)+1), Label: answer})
			code = q.Options[len(q.Options)-1].Code
		}
		if code == "" {
			return nil, fmt.Errorf("line %d: %q is not an answer to a %s question", line, answer, words.QuestionType(q.Type))
		}
		if g == store.DimAll {
			everyone[q.ID] = true
		}
		counts[q.ID][cell{g, code}] += n
	}
	if len(b.Questions) == 0 {
		return nil, errors.New("the file has no rows after the header")
	}
	tallies := map[string]*store.Tally{}
	tally := func(g string) *store.Tally {
		if tallies[g] == nil {
			dim := store.AboutEthnicity
			if g == store.DimAll {
				dim = store.DimAll
			}
			tallies[g] = &store.Tally{Version: 1, Dim: dim, Value: g, C: map[string]map[string]int64{}}
		}
		return tallies[g]
	}
	for _, q := range b.Questions {
		for c, n := range counts[q.ID] {
			add(tally(c.group), q.ID, c.code, n)
			if !everyone[q.ID] && c.group != store.DimAll {
				add(tally(store.DimAll), q.ID, c.code, n)
			}
		}
	}
	// Only the groups the file has get counters: a group it does not
	// mention was not collected, which is not the same as 0.
	for _, g := range append([]string{store.DimAll}, store.EthnicGroupValues...) {
		if tallies[g] == nil && g != store.DimAll {
			continue
		}
		t := tally(g)
		for _, cs := range t.C { // respondents: the most who answered any one question
			t.N = max(t.N, cs[store.TallyAnswered])
		}
		b.Tallies = append(b.Tallies, *t)
	}
	return b, nil
}

func add(t *store.Tally, qid, code string, n int64) {
	if t.C[qid] == nil {
		t.C[qid] = map[string]int64{}
	}
	t.C[qid][code] += n
	t.C[qid][store.TallyAnswered] += n
}

func baselineGroup(s string) (string, bool) {
	switch strings.ToLower(s) {
	case "everyone", "all", "":
		return store.DimAll, true
	case "not stated", "prefer not to say":
		return store.NotStated, true
	}
	for _, g := range stats.Groups {
		if strings.EqualFold(string(g), s) || strings.EqualFold(g.Label(), s) {
			return string(g), true
		}
	}
	return "", false
}

func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
