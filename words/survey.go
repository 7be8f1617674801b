package words

import (
	"fmt"
	"time"
)

// QuestionType names a survey question's type (store.QSingle and the
// rest) for people; "" for a type that is not one.
func QuestionType(t string) string {
	switch t {
	case "single":
		return "Single choice"
	case "multiple":
		return "Multiple choice"
	case "agree":
		return "Agreement scale"
	case "rating":
		return "Rating from 0 to 10"
	case "number":
		return "Number"
	case "short":
		return "Short text"
	case "long":
		return "Long text"
	case "postcode":
		return "Postcode district"
	}
	return ""
}

// Breakdown names a survey breakdown (an about-you question results are
// broken down by, store.BreakdownDims) in plain English; "" for one that
// is not.
func Breakdown(dim string) string {
	switch dim {
	case "ay_eth":
		return "Ethnic group"
	case "ay_age":
		return "Age"
	case "ay_sex":
		return "Sex"
	case "ay_gender":
		return "Gender identity"
	case "ay_disab":
		return "Disability"
	case "ay_relig":
		return "Religion"
	case "ay_orient":
		return "Sexual orientation"
	}
	return ""
}

// BreakdownValue names a breakdown's column from the answer's own text
// (store.AboutYouAnswer: the about-you question's option, or the Census
// ethnic group's name). The people who did not say have no answer text:
// their column is "Not stated".
func BreakdownValue(answer string) string {
	if answer == "" {
		return "Not stated"
	}
	return answer
}

// FinancialQuarter names quarter q (1 to 4) of the financial year that
// starts in April of year: "Q1 2026/27 (April to June 2026)".
func FinancialQuarter(year, q int) string {
	first := time.Month(4 + 3*(q-1)) // April, July, October, January (13)
	firstYear := year
	if first > 12 {
		first, firstYear = first-12, year+1
	}
	last := first + 2
	return fmt.Sprintf("Q%d %d/%02d (%s to %s %d)", q, year, (year+1)%100, first, last, firstYear)
}
