package server

import (
	"html/template"
	"strconv"
	"strings"
	"time"

	"candour/apperr"
)

// choice is one radio, checkbox or select option.
type choice struct {
	Value, Label, Hint string
}

// choiceField is what the "radios" and "select" partials render. For radios
// Label is the fieldset's legend; the first radio's id is Name, so the error
// summary's link lands on it.
type choiceField struct {
	Name, Label, Hint, Error, Value string
	Choices                         []choice
	Inline, Small                   bool
	LabelSize                       string // "s", "m" or "l"; default is body size
}

// newChoices builds a choiceField from a form's value and its error.
func newChoices(name, label, value string, errs *formErrors, choices []choice) choiceField {
	return choiceField{Name: name, Label: label, Value: value, Error: errs.For(name), Choices: choices}
}

// checkChoices refuses each of fields (a filter's lists) whose value is not
// one of its choices: "Choose <label> from the list" is shown next to the
// field (its Error) and is one of the returned errors (apperr.Invalid,
// joined, for formAgain). It returns nil when every value is a choice.
func checkChoices(fields ...*choiceField) error {
	var problems []*apperr.Error
	for _, f := range fields {
		if !f.has(f.Value) {
			e := apperr.Invalidf(f.Name, "Choose %s from the list", f.Label)
			f.Error = e.Message
			problems = append(problems, e)
		}
	}
	return apperr.Join(problems...)
}

// has reports whether v is one of the field's choices.
func (f choiceField) has(v string) bool { return hasChoice(f.Choices, v) }

// hasChoice reports whether v is the value of one of cs.
func hasChoice(cs []choice, v string) bool {
	for _, c := range cs {
		if c.Value == v {
			return true
		}
	}
	return false
}

// checkboxField is one yes-or-no checkbox in a fieldset.
type checkboxField struct {
	Name, Legend, Label, Hint, Error string
	Checked                          bool
}

// dateField is what the "dateInput" partial renders: GOV.UK's three boxes.
// The day box's id is Name, so the error summary's link lands on it; the
// boxes are named Name-day, Name-month and Name-year.
type dateField struct {
	Name, Legend, Hint, Error string
	Day, Month, Year          string
	LegendSize                string
}

// dateParts are the three boxes of a date input as typed.
type dateParts struct {
	Day, Month, Year string
}

func (d dateParts) blank() bool { return d.Day == "" && d.Month == "" && d.Year == "" }

// parse reads a date typed into three boxes. A blank date is the zero time
// and no message; otherwise the message says what is wrong, in GOV.UK's
// words ("... must include a month", "Enter a real date"). what names the
// date in messages, like "The expiry date".
func (d dateParts) parse(what string) (time.Time, string) {
	if d.blank() {
		return time.Time{}, ""
	}
	var missing []string
	for _, p := range []struct{ name, v string }{{"day", d.Day}, {"month", d.Month}, {"year", d.Year}} {
		if strings.TrimSpace(p.v) == "" {
			missing = append(missing, p.name)
		}
	}
	if len(missing) > 0 {
		return time.Time{}, what + " must include a " + strings.Join(missing, " and ")
	}
	day, errD := strconv.Atoi(strings.TrimSpace(d.Day))
	month, errM := strconv.Atoi(strings.TrimSpace(d.Month))
	year, errY := strconv.Atoi(strings.TrimSpace(d.Year))
	if errD != nil || errM != nil || errY != nil || len(strings.TrimSpace(d.Year)) != 4 {
		return time.Time{}, "Enter a real date"
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, london)
	if t.Day() != day || int(t.Month()) != month || t.Year() != year {
		return time.Time{}, "Enter a real date" // 31 February, month 13 ...
	}
	return t, ""
}

// partsOf splits a date back into boxes, for a form that edits it.
func partsOf(t time.Time) dateParts {
	if t.IsZero() {
		return dateParts{}
	}
	t = t.In(london)
	return dateParts{Day: strconv.Itoa(t.Day()), Month: strconv.Itoa(int(t.Month())), Year: strconv.Itoa(t.Year())}
}

// pageNumber reads ?page=, defaulting to 1 for anything that is not a
// positive number.
func pageNumber(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// pager is what the "pagination" partial renders: links to the pages either
// side, keeping the list's filters.
type pager struct {
	Prev, Next template.URL
}

func newPager(filters map[string]string, page int, more bool) pager {
	var p pager
	if page > 1 {
		p.Prev = queryPage(filters, page-1)
	}
	if more {
		p.Next = queryPage(filters, page+1)
	}
	return p
}
