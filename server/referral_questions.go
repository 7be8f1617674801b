package server

import (
	"strings"

	"candour/store"
	"candour/words"
)

// question is one page of a referral or report: a set of radios, a text
// box, a textarea, or a group of text boxes (Fields) on one page. Answers
// travel between pages in hidden fields of the form itself, so nothing is
// stored until the person sends it (and nothing at all if they give up).
type question struct {
	Name     string // form field (the first field's for a group)
	Slug     string // the page's last path segment: /report/new/what-happened
	Kind     string // "radios", "text", "textarea" or "group"
	Title    string // the page's heading (the legend or label)
	Hint     string
	Choices  []choice
	Required string     // the message when it is left empty; "" when optional
	Fields   []question // a group's text boxes
	Short    string     // the row's key on the check-your-answers page
	Show     func(a answers) bool
	Contact  bool // a reporter's contact details (sealed separately)
	// Check is a rule beyond "required": it returns the field at fault
	// and the message, or "".
	Check func(a answers) (field, message string)
}

// names lists the form fields a question writes.
func (q question) names() []string {
	if q.Kind == "group" {
		ns := make([]string, len(q.Fields))
		for i, f := range q.Fields {
			ns[i] = f.Name
		}
		return ns
	}
	return []string{q.Name}
}

// shown reports whether the question applies given the answers so far.
func (q question) shown(a answers) bool { return q.Show == nil || q.Show(a) }

// answers are the form's answers by field name.
type answers map[string]string

func categoryChoices(public bool) []choice {
	hints := map[string]string{
		"sexual-purpose":          "For example, a sexual relationship with a victim or witness, sexual messages, or offering help in return for sex.",
		"partner-abuse":           "Domestic abuse or coercive control by someone in policing, including violence against women and girls.",
		"discrimination":          "Racist, homophobic, misogynistic or disablist words or behaviour, in person or online.",
		"information-for-favours": "Passing on police information, or using influence, for money, gifts or favours.",
		"personal-advantage":      "Using police powers, systems or their position to benefit themselves or people they know.",
	}
	cs := make([]choice, len(store.RefCategories))
	for i, c := range store.RefCategories {
		cs[i] = choice{Value: c, Label: words.RefCategory(c), Hint: hints[c]}
	}
	return cs
}

var (
	yesNoChoices = []choice{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}}
	dutyChoice   = []choice{{Value: "on", Label: "On duty"}, {Value: "off", Label: "Off duty"}, {Value: "unknown", Label: "I do not know"}}
	settingCh    = []choice{{Value: "in-person", Label: "In person"}, {Value: "online", Label: "Online, by phone or by message"}, {Value: "both", Label: "Both"}, {Value: "unknown", Label: "I do not know"}}
)

// partnerQuestions are the referral pages a partner organisation's worker
// answers. The immediate-danger question comes first: a "yes" shows the
// "call 999 now" page before anything else.
var partnerQuestions = []question{
	{Name: "danger", Slug: "immediate-danger", Kind: "radios", Title: "Is anyone in immediate danger?", Short: "Immediate danger",
		Hint: "For example, the person you support is with them now, or has been threatened with harm today.", Choices: yesNoChoices,
		Required: "Select yes if anyone is in immediate danger"},
	{Name: "category", Slug: "what-it-is-about", Kind: "radios", Title: "What is the concern about?", Short: "Category", Choices: categoryChoices(false),
		Hint: "Choose the closest. The Counter Corruption Unit can change it.", Required: "Select what the concern is about"},
	{Name: "personName", Slug: "who", Kind: "group", Title: "Who is the person of concern?", Short: "Person of concern",
		Hint: "Tell us whatever is known. Leave a box empty if you do not know.", Fields: []question{
			{Name: "personName", Kind: "text", Title: "Name, or a description if the name is not known", Short: "Name or description"},
			{Name: "personForce", Kind: "text", Title: "Which police force they work for", Short: "Force", Hint: "For example, Dorset Police"},
			{Name: "personRole", Kind: "text", Title: "Their role", Short: "Role", Hint: "For example, police officer, PCSO, police staff or volunteer"},
			{Name: "collarNumber", Kind: "text", Title: "Collar or shoulder number", Short: "Collar number"},
			{Name: "station", Kind: "text", Title: "Station or team", Short: "Station or team"},
		}},
	{Name: "whatHappened", Slug: "what-happened", Kind: "textarea", Title: "What happened?", Short: "What happened",
		Hint:     "Describe what was done or said, in your own words. Include anything that would help the Counter Corruption Unit understand it.",
		Required: "Describe what happened"},
	{Name: "when", Slug: "when", Kind: "text", Title: "When did it happen?", Short: "When", Hint: "A date, or roughly, like 'March 2026' or 'over the last year'."},
	{Name: "where", Slug: "where", Kind: "text", Title: "Where did it happen?", Short: "Where", Hint: "A place, a town, or an app or website."},
	{Name: "onDuty", Slug: "on-or-off-duty", Kind: "radios", Title: "Was the person on duty or off duty?", Short: "On or off duty", Choices: dutyChoice},
	{Name: "setting", Slug: "in-person-or-online", Kind: "radios", Title: "Did it happen in person or online?", Short: "In person or online", Choices: settingCh},
	{Name: "howKnown", Slug: "how-you-know", Kind: "radios", Title: "How do you know about it?", Short: "How you know", Required: "Select how you know about it",
		Choices: []choice{{Value: "disclosure", Label: "The person it happened to told me (a direct disclosure)"},
			{Value: "witnessed", Label: "I saw or heard it myself"}, {Value: "third-hand", Label: "Someone else told me (third-hand)"}}},
	{Name: "victimConsent", Slug: "contact-with-the-person", Kind: "radios", Title: "Does the person it happened to agree to be contacted by the Counter Corruption Unit?", Short: "Victim agrees to contact",
		Choices:  []choice{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}, {Value: "not-asked", Label: "I have not been able to ask them"}},
		Required: "Select whether the person agrees to be contacted"},
	{Name: "safeContact", Slug: "safe-contact", Kind: "textarea", Title: "How can they be contacted safely?", Short: "Safe contact",
		Hint: "For example, only through you, only at certain times, or never by post. Do not give details here that would put them at risk if seen by the person of concern.",
		Show: func(a answers) bool { return a["victimConsent"] == "yes" }},
	{Name: "safeguarding", Slug: "safeguarding", Kind: "textarea", Title: "What safeguarding is already in place?", Short: "Safeguarding in place",
		Hint: "For example, a MARAC referral, a safety plan, or refuge accommodation. Say 'none' if there is none."},
}

// publicQuestions are the same questions worded for a member of the
// public, with the choice to stay anonymous or leave contact details.
var publicQuestions = []question{
	{Name: "danger", Slug: "immediate-danger", Kind: "radios", Title: "Is anyone in immediate danger?", Short: "Immediate danger",
		Hint: "For example, someone is being hurt or threatened now.", Choices: yesNoChoices, Required: "Select yes if anyone is in immediate danger"},
	{Name: "category", Slug: "what-it-is-about", Kind: "radios", Title: "What do you want to report?", Short: "What it is about", Choices: categoryChoices(true),
		Hint: "Choose the closest.", Required: "Select what you want to report"},
	{Name: "personName", Slug: "who", Kind: "group", Title: "Who are you reporting?", Short: "Who you are reporting",
		Hint: "Tell us whatever you know. Leave a box empty if you do not know.", Fields: []question{
			{Name: "personName", Kind: "text", Title: "Their name, or what they look like", Short: "Name or description"},
			{Name: "personForce", Kind: "text", Title: "Which police force they work for", Short: "Force", Hint: "For example, Dorset Police"},
			{Name: "personRole", Kind: "text", Title: "What they do", Short: "Role", Hint: "For example, police officer, PCSO, police staff or volunteer"},
			{Name: "collarNumber", Kind: "text", Title: "Collar or shoulder number", Short: "Collar number", Hint: "The number on their uniform, if you saw it"},
			{Name: "station", Kind: "text", Title: "Police station or team", Short: "Station or team"},
		}},
	{Name: "whatHappened", Slug: "what-happened", Kind: "textarea", Title: "What happened?", Short: "What happened",
		Hint: "Tell us what they did or said. Do not include your own name unless you want to.", Required: "Tell us what happened"},
	{Name: "when", Slug: "when", Kind: "text", Title: "When did it happen?", Short: "When", Hint: "A date, or roughly, like 'last summer'."},
	{Name: "where", Slug: "where", Kind: "text", Title: "Where did it happen?", Short: "Where", Hint: "A place, a town, or an app or website."},
	{Name: "onDuty", Slug: "on-or-off-duty", Kind: "radios", Title: "Were they working at the time?", Short: "On or off duty", Choices: dutyChoice},
	{Name: "setting", Slug: "in-person-or-online", Kind: "radios", Title: "Did it happen in person or online?", Short: "In person or online", Choices: settingCh},
	{Name: "howKnown", Slug: "how-you-know", Kind: "radios", Title: "How do you know about it?", Short: "How you know", Required: "Select how you know about it",
		Choices: []choice{{Value: "happened-to-me", Label: "It happened to me"}, {Value: "witnessed", Label: "I saw or heard it"},
			{Value: "third-hand", Label: "Someone told me about it"}}},
	{Name: "victimConsent", Slug: "contact-with-the-person", Kind: "radios", Title: "Would the person it happened to be willing to talk to the Counter Corruption Unit?", Short: "Willing to talk",
		Choices: []choice{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"}, {Value: "not-asked", Label: "I do not know"}},
		Show:    func(a answers) bool { return a["howKnown"] != "happened-to-me" }},
	{Name: "safeguarding", Slug: "safeguarding", Kind: "textarea", Title: "Is anyone helping to keep the person safe?", Short: "Support in place",
		Hint: "For example, a charity, a social worker or a refuge. Leave this empty if you do not know."},
	{Name: "stayAnonymous", Slug: "stay-anonymous", Kind: "radios", Title: "Do you want to stay anonymous?", Short: "Stay anonymous", Contact: true,
		Hint:     "If you leave contact details, only the Counter Corruption Unit can read them. You will get a receipt code either way.",
		Choices:  []choice{{Value: "yes", Label: "Yes, stay anonymous"}, {Value: "no", Label: "No, I will leave contact details"}},
		Required: "Select whether you want to stay anonymous"},
	{Name: "contactName", Slug: "your-contact-details", Kind: "group", Title: "How can the Counter Corruption Unit contact you?", Short: "Your contact details", Contact: true,
		Hint: "Give at least one way to contact you.", Show: func(a answers) bool { return a["stayAnonymous"] == "no" }, Check: checkContact, Fields: []question{
			{Name: "contactName", Kind: "text", Title: "Your name (optional)", Short: "Name"},
			{Name: "contactEmail", Kind: "text", Title: "Email address", Short: "Email"},
			{Name: "contactPhone", Kind: "text", Title: "Phone number", Short: "Phone"},
			{Name: "contactWhen", Kind: "text", Title: "When is it safe to contact you?", Short: "Safe times", Hint: "For example, weekdays after 6pm"},
		}},
}

// contentOf builds the sealed content from answers.
func contentOf(a answers) store.ReferralContent {
	return store.ReferralContent{Category: a["category"], PersonName: a["personName"], PersonForce: a["personForce"],
		PersonRole: a["personRole"], CollarNumber: a["collarNumber"], Station: a["station"], WhatHappened: a["whatHappened"],
		When: a["when"], Where: a["where"], OnDuty: a["onDuty"], Setting: a["setting"], HowKnown: a["howKnown"],
		VictimConsent: a["victimConsent"], SafeContact: a["safeContact"], Safeguarding: a["safeguarding"], Danger: a["danger"]}
}

// contactOf builds a reporter's contact details from answers (empty when
// they chose to stay anonymous).
func contactOf(a answers) store.ReporterContact {
	if a["stayAnonymous"] != "no" {
		return store.ReporterContact{}
	}
	return store.ReporterContact{Name: a["contactName"], Email: a["contactEmail"], Phone: a["contactPhone"], When: a["contactWhen"]}
}

// choiceLabel is the label of a choice's value (for check your answers
// and the CCU's view), or the value itself.
func choiceLabel(qs []question, name, value string) string {
	for _, q := range qs {
		if q.Name == name {
			for _, c := range q.Choices {
				if c.Value == value {
					return c.Label
				}
			}
		}
	}
	return value
}

// checkContact needs an email address or a phone number, and a real-looking
// email address if one is given.
func checkContact(a answers) (string, string) {
	email, phone := a["contactEmail"], a["contactPhone"]
	switch {
	case email == "" && phone == "":
		return "contactEmail", "Enter an email address or a phone number, or go back and choose to stay anonymous"
	case email != "" && !emailLike(email):
		return "contactEmail", "Enter an email address in the correct format, like name@example.com"
	}
	return "", ""
}

// emailLike is a light check of an address's shape: one @ with text either
// side and a dot in the domain.
func emailLike(e string) bool {
	at := strings.LastIndex(e, "@")
	return at > 0 && at < len(e)-3 && strings.Contains(e[at+1:], ".") && !strings.ContainsAny(e, " <>")
}
