package survey

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"candour/stats"
	"candour/store"
	"candour/words"
)

// Row is one published figure, as the CSV export and the JSON report
// give it. Count is empty (nil in JSON) when withheld, and Note says why.
type Row struct {
	Question   string   `json:"question"`
	QuestionID string   `json:"questionId"`
	Breakdown  string   `json:"breakdown"`
	Group      string   `json:"group"`
	Answer     string   `json:"answer"`
	Count      *int64   `json:"count"`
	Base       *int64   `json:"base"`
	Percent    *float64 `json:"percent"`
	Low        *float64 `json:"ciLow"`
	High       *float64 `json:"ciHigh"`
	Ratio      *float64 `json:"ratioToWhite,omitempty"`
	RatioLow   *float64 `json:"ratioLow,omitempty"`
	RatioHigh  *float64 `json:"ratioHigh,omitempty"`
	Flag       bool     `json:"unlikelyChance,omitempty"`
	Note       string   `json:"note,omitempty"`
}

// Report is a version's published figures in one flat list.
type Report struct {
	SurveyID    string `json:"surveyId"`
	Title       string `json:"title"`
	Version     int    `json:"version"`
	Respondents *int64 `json:"respondents"`
	Rows        []Row  `json:"rows"`
	Disclosure  string `json:"disclosure"`
	// Fieldwork: the survey is still open, so only the number of
	// responses is given (FieldworkNote).
	Fieldwork bool `json:"fieldwork,omitempty"`
}

// Disclosure is the rule every export states.
const Disclosure = "Counts of 1 to 9 are \"withheld\", and so are other counts that, with everything else published about this survey (every page, summary and file), would let anyone narrow one of them to within 5 of its true value; every withheld count reads the same. A suppression audit proves, for each count of 1 to 9, that it could be 5 lower (or 0) and 5 higher with every published figure unchanged. Groups of fewer than 10 people are not shown; groups of fewer than 50 respondents are marked \"small group\"."

// Answer labels of the rows that are not answers.
const (
	RespondentsAnswer = "(respondents)"
	AnsweredAnswer    = "(answered)"
)

// Flatten lists every figure of r: each answer overall and in every group
// of every breakdown, and each measure with its ratio to the White group.
func Flatten(r *Results) *Report {
	rep := &Report{SurveyID: r.SurveyID, Title: r.Title, Version: r.Version, Respondents: r.Respondents.Value(), Disclosure: Disclosure}
	rep.Rows = append(rep.Rows, Row{Question: "Everyone who answered the survey", Breakdown: "Everyone", Group: "Everyone", Answer: RespondentsAnswer,
		Count: r.Respondents.Value(), Note: note(r.Respondents, false)})
	if r.Fieldwork {
		rep.Fieldwork, rep.Disclosure = true, FieldworkNote
		rep.Rows[0].Note = "still open: only the number of responses until it closes"
		return rep
	}
	for _, g := range r.Groups {
		rep.Rows = append(rep.Rows, Row{Question: "Everyone who answered the survey", Breakdown: words.Breakdown(store.AboutEthnicity), Group: g.Label, Answer: RespondentsAnswer,
			Count: g.N.Value(), Base: r.Respondents.Value(), Note: note(g.N, g.SmallBase)})
	}
	for i := range r.Questions {
		q := &r.Questions[i]
		if !q.Q.Choice() || q.NotCollected || q.Q.ID == store.AboutEthnicity {
			row := Row{Question: q.Q.Text, QuestionID: q.Q.ID, Breakdown: "Everyone", Group: "Everyone", Answer: AnsweredAnswer, Count: q.Answered.Value(), Note: note(q.Answered, false)}
			if q.Q.Type == store.QNumber {
				row.Answer = "(answered; mean " + q.Mean + ")"
			}
			rep.Rows = append(rep.Rows, row)
			continue
		}
		for _, a := range q.Answers {
			rep.Rows = append(rep.Rows, shareRow(q, "Everyone", "Everyone", a.Label, a.Share, false))
		}
		for mi, m := range q.Measures {
			if len(m.Codes) > 1 {
				rep.Rows = append(rep.Rows, shareRow(q, "Everyone", "Everyone", m.Label, q.MeasureTotal(mi), false))
			}
		}
		for _, bd := range q.Breakdowns {
			if bd.NotCollected {
				rep.Rows = append(rep.Rows, Row{Question: q.Q.Text, QuestionID: q.Q.ID, Breakdown: bd.Label, Group: "", Answer: "", Note: "not collected"})
				continue
			}
			for _, br := range bd.Rows {
				for ci, col := range bd.Columns {
					rep.Rows = append(rep.Rows, shareRow(q, bd.Label, col.Label, br.Label, br.Cells[ci], col.SmallBase))
				}
			}
			for mi, m := range bd.Measures {
				if len(q.Measures[mi].Codes) == 1 {
					if bd.Dim != store.AboutEthnicity {
						continue // the same figure as the answer's row above
					}
				}
				for ci, col := range bd.Columns {
					cmp := m.Cells[ci]
					row := shareRow(q, bd.Label, col.Label, m.Label, cmp.Share, col.SmallBase)
					if cmp.HasRatio {
						row.Ratio = f(cmp.Ratio.Estimate)
						if cmp.HasCI {
							row.RatioLow, row.RatioHigh = f(cmp.Ratio.Low), f(cmp.Ratio.High)
						}
						row.Flag = cmp.Flag
					}
					if len(q.Measures[mi].Codes) == 1 {
						row.Answer += " (compared with White)"
					}
					rep.Rows = append(rep.Rows, row)
				}
			}
		}
	}
	return rep
}

func f(x float64) *float64 { return &x }

func shareRow(q *QuestionResult, breakdown, group, answer string, s Share, small bool) Row {
	row := Row{Question: q.Q.Text, QuestionID: q.Q.ID, Breakdown: breakdown, Group: group, Answer: answer,
		Count: s.Count.Value(), Base: s.Base.Value(), Note: note(s.Count, small)}
	if s.Has {
		row.Percent, row.Low, row.High = f(s.IV.Estimate*100), f(s.IV.Low*100), f(s.IV.High*100)
	}
	return row
}

func note(c Count, small bool) string {
	n := ""
	if !c.Shown() {
		n = c.Text()
	}
	if c.State == stats.Unpublished {
		return n
	}
	if small {
		if n != "" {
			n += "; "
		}
		n += "small group"
	}
	return n
}

// WriteCSV writes the report as CSV with a header row.
func WriteCSV(w io.Writer, rep *Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"survey", "version", "question_id", "question", "breakdown", "group", "answer", "count", "base",
		"percent", "ci_low", "ci_high", "ratio_to_white", "ratio_low", "ratio_high", "unlikely_chance", "note"})
	for _, r := range rep.Rows {
		_ = cw.Write([]string{rep.Title, strconv.Itoa(rep.Version), r.QuestionID, r.Question, r.Breakdown, r.Group, r.Answer,
			intText(r.Count), intText(r.Base), num(r.Percent, 1), num(r.Low, 1), num(r.High, 1), num(r.Ratio, 2), num(r.RatioLow, 2), num(r.RatioHigh, 2),
			map[bool]string{true: "yes", false: ""}[r.Flag], r.Note})
	}
	_ = cw.Write([]string{"# " + rep.Disclosure})
	cw.Flush()
	return cw.Error()
}

func intText(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

func num(p *float64, prec int) string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf("%.*f", prec, *p)
}

// WriteResponsesCSV writes one row per response: its day and version, and
// for every question of every version a code column and a label column.
// It is the raw data: for staff only, and every download is audited.
func WriteResponsesCSV(w io.Writer, sv *store.Survey, rs []store.Response) error {
	var cols []store.Question
	seen := map[string]bool{}
	for _, v := range sv.Versions {
		for _, q := range v.Questions {
			if !seen[q.ID] {
				seen[q.ID] = true
				cols = append(cols, q)
			}
		}
	}
	cw := csv.NewWriter(w)
	head := []string{"response", "day", "version"}
	for _, q := range cols {
		head = append(head, q.ID+" code", q.ID+": "+q.Text)
	}
	_ = cw.Write(head)
	for i, r := range rs {
		v := sv.Version(r.Version)
		row := []string{strconv.Itoa(i + 1), r.Day, strconv.Itoa(r.Version)}
		for _, c := range cols {
			vals := r.Answers[c.ID]
			q := &c
			if v != nil && v.Question(c.ID) != nil {
				q = v.Question(c.ID)
			}
			code := ""
			if q.Choice() || q.Type == store.QPostcode {
				code = joinCodes(vals)
			}
			row = append(row, code, safeCell(q.Label(vals)))
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

func joinCodes(vals []string) string {
	out := ""
	for i, v := range vals {
		if i > 0 {
			out += ";"
		}
		out += v
	}
	return out
}

// safeCell stops a spreadsheet from running a respondent's text as a formula.
func safeCell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
