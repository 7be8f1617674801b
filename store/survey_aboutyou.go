package store

import "candour/stats"

// The standard "about you" section: the same questions, codes and reasons
// in every survey, so results can be broken down by them and compared
// between surveys. Every question is optional and offers "Prefer not to
// say". A published version keeps its own copy of the section.

// PreferNotToSay is the code of "Prefer not to say" in every about-you question.
const PreferNotToSay = "pnts"

// NotStated is the breakdown value for a respondent who skipped a
// question or preferred not to say.
const NotStated = "ns"

// About-you question ids (also breakdown dimensions, except the postcode).
const (
	AboutEthnicity   = "ay_eth"
	AboutAge         = "ay_age"
	AboutSex         = "ay_sex"
	AboutGender      = "ay_gender"
	AboutDisability  = "ay_disab"
	AboutReligion    = "ay_relig"
	AboutOrientation = "ay_orient"
	AboutPostcode    = "ay_pc"
)

// ethnicityOptions are the 19 Census 2021 categories under their 5 groups.
var ethnicityOptions = []Option{
	{Code: "asian_bangladeshi", Label: "Bangladeshi", Group: string(stats.Asian)},
	{Code: "asian_chinese", Label: "Chinese", Group: string(stats.Asian)},
	{Code: "asian_indian", Label: "Indian", Group: string(stats.Asian)},
	{Code: "asian_pakistani", Label: "Pakistani", Group: string(stats.Asian)},
	{Code: "asian_other", Label: "Any other Asian background", Group: string(stats.Asian)},
	{Code: "black_african", Label: "African", Group: string(stats.Black)},
	{Code: "black_caribbean", Label: "Caribbean", Group: string(stats.Black)},
	{Code: "black_other", Label: "Any other Black, Black British, or Caribbean background", Group: string(stats.Black)},
	{Code: "mixed_white_asian", Label: "White and Asian", Group: string(stats.Mixed)},
	{Code: "mixed_white_black_african", Label: "White and Black African", Group: string(stats.Mixed)},
	{Code: "mixed_white_black_caribbean", Label: "White and Black Caribbean", Group: string(stats.Mixed)},
	{Code: "mixed_other", Label: "Any other Mixed or Multiple ethnic background", Group: string(stats.Mixed)},
	{Code: "white_british", Label: "English, Welsh, Scottish, Northern Irish or British", Group: string(stats.White)},
	{Code: "white_irish", Label: "Irish", Group: string(stats.White)},
	{Code: "white_gypsy", Label: "Gypsy or Irish Traveller", Group: string(stats.White)},
	{Code: "white_roma", Label: "Roma", Group: string(stats.White)},
	{Code: "white_other", Label: "Any other White background", Group: string(stats.White)},
	{Code: "other_arab", Label: "Arab", Group: string(stats.Other)},
	{Code: "other_any", Label: "Any other ethnic group", Group: string(stats.Other)},
}

func withPNTS(opts ...Option) []Option {
	return append(opts, Option{Code: PreferNotToSay, Label: "Prefer not to say"})
}

func opts(pairs ...string) []Option {
	var os []Option
	for i := 0; i+1 < len(pairs); i += 2 {
		os = append(os, Option{Code: pairs[i], Label: pairs[i+1]})
	}
	return withPNTS(os...)
}

// aboutYou is the standard section, built once; AboutYouQuestions hands
// out copies.
var aboutYou = buildAboutYou()

// AboutYouQuestions returns a fresh copy of the standard section.
func AboutYouQuestions() []Question {
	qs := make([]Question, len(aboutYou))
	for i, q := range aboutYou {
		q.Options = append([]Option(nil), q.Options...)
		qs[i] = q
	}
	return qs
}

func buildAboutYou() []Question {
	why := "We ask so that we can see whether people's experience of the police differs between groups, and act where it does. "
	special := "This is special category information under UK data protection law: we use it only to produce statistics and never to identify you."
	return []Question{
		{ID: AboutEthnicity, Type: QSingle, AboutYou: true, Text: "What is your ethnic group?",
			Hint: "Choose the option that best describes your ethnic group or background.", Reason: why + special,
			Options: withPNTS(ethnicityOptions...)},
		{ID: AboutAge, Type: QSingle, AboutYou: true, Text: "What is your age?", Reason: why + "Age is not special category information, but we group ages into bands so that no one can be picked out.",
			Options: opts("16_24", "16 to 24", "25_34", "25 to 34", "35_44", "35 to 44", "45_54", "45 to 54", "55_64", "55 to 64", "65_74", "65 to 74", "75", "75 or over")},
		{ID: AboutSex, Type: QSingle, AboutYou: true, Text: "What is your sex?", Hint: "A question about gender identity follows.", Reason: why,
			Options: opts("female", "Female", "male", "Male")},
		{ID: AboutGender, Type: QSingle, AboutYou: true, Text: "Is the gender you identify with the same as your sex registered at birth?", Reason: why + special,
			Options: opts("yes", "Yes", "no", "No")},
		{ID: AboutDisability, Type: QSingle, AboutYou: true, Text: "Do you have a physical or mental health condition or illness lasting, or expected to last, 12 months or more?", Reason: why + special,
			Options: opts("yes", "Yes", "no", "No")},
		{ID: AboutReligion, Type: QSingle, AboutYou: true, Text: "What is your religion?", Reason: why + special,
			Options: opts("none", "No religion", "christian", "Christian", "buddhist", "Buddhist", "hindu", "Hindu", "jewish", "Jewish",
				"muslim", "Muslim", "sikh", "Sikh", "other", "Any other religion")},
		{ID: AboutOrientation, Type: QSingle, AboutYou: true, Text: "Which of the following best describes your sexual orientation?", Reason: why + special,
			Options: opts("straight", "Straight or heterosexual", "gay_lesbian", "Gay or lesbian", "bisexual", "Bisexual", "other", "Other sexual orientation")},
		{ID: AboutPostcode, Type: QPostcode, AboutYou: true, Text: "What is the first part of your postcode?",
			Hint:   "For example, DT1 or BH15. Only the first part: this shows the area, not your address.",
			Reason: "We ask so that we can see whether confidence differs between areas. We never ask for your full postcode, and areas are not shown in results."},
	}
}

// BreakdownDims are the about-you questions results can be broken down by,
// ethnic group first. The postcode district is not one: areas are too small.
var BreakdownDims = []string{AboutEthnicity, AboutAge, AboutSex, AboutGender, AboutDisability, AboutReligion, AboutOrientation}

// EthnicGroupValues are the ethnicity breakdown's values: the five
// Census 2021 groups and "not stated".
var EthnicGroupValues = []string{string(stats.Asian), string(stats.Black), string(stats.Mixed), string(stats.Other), string(stats.White), NotStated}

// DimValues lists a breakdown's values in report order, "not stated" last.
func DimValues(dim string) []string {
	if dim == AboutEthnicity {
		return EthnicGroupValues
	}
	for _, q := range aboutYou {
		if q.ID == dim {
			var vs []string
			for _, o := range q.Options {
				if o.Code != PreferNotToSay {
					vs = append(vs, o.Code)
				}
			}
			return append(vs, NotStated)
		}
	}
	return nil
}

// AboutYouAnswer is the text of a breakdown value: the about-you
// question's own option text, or the Census 2021 name of an ethnic group;
// "" for NotStated, the people who gave no answer (words.BreakdownValue
// names their column), and value itself for one it does not know.
func AboutYouAnswer(dim, value string) string {
	if value == NotStated {
		return ""
	}
	if dim == AboutEthnicity {
		return stats.Group(value).Label()
	}
	for i := range aboutYou {
		if q := &aboutYou[i]; q.ID == dim {
			return q.OptionLabel(value)
		}
	}
	return value
}

// dimValue is the breakdown value of a response's answer to an about-you question.
func dimValue(q *Question, answer []string) string {
	if len(answer) == 0 || answer[0] == PreferNotToSay {
		return NotStated
	}
	if q.ID == AboutEthnicity {
		for _, o := range q.Options {
			if o.Code == answer[0] && o.Group != "" {
				return o.Group
			}
		}
		return NotStated
	}
	return answer[0]
}
