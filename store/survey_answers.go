package store

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"candour/apperr"
)

// Answers are a response's answers by question id: option codes for
// choice questions, one value for the others. Unanswered questions are absent.
type Answers map[string][]string

// Visible reports whether q is asked, given the answers so far: a question
// with a show-if condition only when the earlier answer was the one named.
func (q *Question) Visible(a Answers) bool {
	if q.ShowIfQ == "" {
		return true
	}
	got := a[q.ShowIfQ]
	return len(got) == 1 && got[0] == q.ShowIfA
}

var postcodeDistrictRe = regexp.MustCompile(`^[A-Z]{1,2}[0-9][0-9A-Z]?$`)

// CheckAnswer validates the submitted values for q and returns them
// normalised (nil when unanswered). The message is written for the
// respondent; a value that is not on the form (tampering) gets a message too
// and is never stored.
func (q *Question) CheckAnswer(raw []string) ([]string, string) {
	var vals []string
	for _, v := range raw {
		if v = strings.TrimSpace(v); v != "" {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		if q.Required {
			switch {
			case q.Type == QMultiple:
				return nil, "Select at least one answer"
			case q.Choice():
				return nil, "Select an answer"
			case q.Type == QNumber:
				return nil, "Enter a number"
			}
			return nil, "Enter your answer"
		}
		return nil, ""
	}
	switch q.Type {
	case QSingle, QAgree, QRating:
		if len(vals) != 1 || !q.hasChoice(vals[0]) {
			return nil, "Select one of the answers shown"
		}
	case QMultiple:
		seen := map[string]bool{}
		for _, v := range vals {
			if !q.hasChoice(v) || seen[v] {
				return nil, "Select only answers shown on the page"
			}
			seen[v] = true
		}
	case QNumber:
		if len(vals) != 1 {
			return nil, "Enter one number"
		}
		n, err := strconv.Atoi(strings.ReplaceAll(vals[0], ",", ""))
		if err != nil || n < 0 || n > MaxNumber {
			return nil, "Enter a whole number from 0 to 1,000,000, like 3"
		}
		vals = []string{strconv.Itoa(n)}
	case QShort, QLong:
		limit := MaxShortText
		if q.Type == QLong {
			limit = MaxLongText
		}
		if len(vals) != 1 {
			return nil, "Enter one answer"
		}
		if utf8.RuneCountInString(vals[0]) > limit {
			return nil, "Your answer must be " + strconv.Itoa(limit) + " characters or fewer"
		}
	case QPostcode:
		if len(vals) != 1 {
			return nil, "Enter one postcode district"
		}
		if vals[0] == PreferNotToSay {
			return vals, ""
		}
		v := strings.ToUpper(strings.ReplaceAll(vals[0], " ", ""))
		if !postcodeDistrictRe.MatchString(v) {
			return nil, "Enter only the first part of your postcode, like DT1 or BH15"
		}
		vals = []string{v}
	default:
		return nil, "This question cannot be answered"
	}
	return vals, ""
}

func (q *Question) hasChoice(code string) bool {
	for _, o := range q.Choices() {
		if o.Code == code {
			return true
		}
	}
	return false
}

// Check validates a whole response against the version: every visible
// question's answer, every required one present, and no answer to a
// question that is hidden or not in the version. It returns the normalised
// answers and the problems in question order (nil when fine): each an
// apperr.Invalid whose field is the question's id (apperr.All lists them).
func (v *Version) Check(a Answers) (Answers, error) {
	out := Answers{}
	var errs []*apperr.Error
	known := map[string]bool{}
	for i := range v.Questions {
		q := &v.Questions[i]
		known[q.ID] = true
		raw, given := a[q.ID]
		if !q.Visible(out) {
			if given && len(raw) > 0 {
				errs = append(errs, apperr.New(apperr.Invalid, q.ID, "This question does not apply to your earlier answers: go back and check them"))
			}
			continue
		}
		vals, msg := q.CheckAnswer(raw)
		if msg != "" {
			errs = append(errs, apperr.New(apperr.Invalid, q.ID, msg))
			continue
		}
		if vals != nil {
			out[q.ID] = vals
		}
	}
	for id := range a {
		if !known[id] {
			errs = append(errs, apperr.New(apperr.Invalid, id, "Your answers include a question that is not in this survey"))
		}
	}
	return out, apperr.Join(errs...)
}

// Label is an answer in words: option labels joined, or the value itself.
func (q *Question) Label(vals []string) string {
	if q.Type == QPostcode && len(vals) == 1 && vals[0] == PreferNotToSay {
		return "Prefer not to say"
	}
	if !q.Choice() {
		return strings.Join(vals, ", ")
	}
	ls := make([]string, len(vals))
	for i, c := range vals {
		ls[i] = q.OptionLabel(c)
	}
	return strings.Join(ls, ", ")
}
