package words

// The labels below moved here from the store (issue 17): the store keeps
// the codes and the lists of them, the words people read are here.

// Role names an account's role for people.
func Role(r string) string {
	switch r {
	case "admin":
		return "Administrator"
	case "coordinator":
		return "Engagement coordinator"
	case "ccu":
		return "Counter Corruption Unit"
	case "ccusupervisor":
		return "Counter Corruption Unit supervisor"
	case "chair":
		return "Group chair"
	case "member":
		return "Group member"
	case "partner":
		return "Partner organisation worker"
	case "schememanager":
		return "Custody visiting scheme manager"
	case "officer":
		return "Police officer (vehicle stops)"
	}
	return r
}

// GroupKind names a kind of group for people.
func GroupKind(k string) string {
	switch k {
	case "iag":
		return "Independent Advisory Group"
	case "rap":
		return "Race Action Plan Group"
	case "panel":
		return "Scrutiny panel"
	}
	return k
}

// Handling says what an advice request's handling marker allows, in the
// words the page shows.
func Handling(h string) string {
	switch h {
	case "confidential":
		return "Confidential: only for the people asked, do not share"
	case "group":
		return "Group only: may be discussed within your group"
	case "community":
		return "Community: may be shared with your community contacts"
	}
	return h
}

// AdviceOutcome names what the force did with a piece of advice.
func AdviceOutcome(o string) string {
	switch o {
	case "acted":
		return "Acted on"
	case "partly":
		return "Acted on in part"
	case "explained":
		return "Not acted on: explained"
	}
	return "Awaiting the force's response"
}

// Attendance names a meeting attendance mark.
func Attendance(m string) string {
	switch m {
	case "present":
		return "Present"
	case "apologies":
		return "Apologies"
	case "absent":
		return "Absent"
	}
	return "Not taken"
}

// RefStatus names a referral's status for people.
func RefStatus(s string) string {
	switch s {
	case "received":
		return "Received"
	case "assessing":
		return "Being assessed"
	case "more-information-requested":
		return "More information requested"
	case "referred-for-investigation":
		return "Referred for investigation"
	case "no-further-action":
		return "No further action"
	case "closed":
		return "Closed"
	case "content-deleted":
		return "Content deleted under the retention policy"
	}
	return s
}

// RefCategory names one of the national reporting service's categories.
func RefCategory(c string) string {
	switch c {
	case "sexual-purpose":
		return "Crossing professional boundaries or abusing their position for a sexual purpose"
	case "partner-abuse":
		return "Abusing or controlling a partner (violence against women and girls)"
	case "discrimination":
		return "Racist, homophobic, misogynistic or disablist conduct"
	case "information-for-favours":
		return "Providing information or influence for money or favours"
	case "personal-advantage":
		return "Using their policing position for personal advantage"
	}
	return c
}

// RAG says what a rating means for a reviewed record or a section.
func RAG(r string) string {
	switch r {
	case "green":
		return "Green"
	case "amber":
		return "Amber"
	case "red":
		return "Red"
	}
	return "Not rated"
}

// Section names a section of a visit's findings.
func Section(key string) string {
	return map[string]string{
		"rights":        "Rights and entitlements explained",
		"welfare":       "Detainee welfare",
		"conditions":    "Cell and suite conditions",
		"conversations": "Conversations with detainees",
		"concerns":      "Concerns raised at the time",
		"observations":  "What you observed",
		"goodPractice":  "Good practice",
	}[key]
}

// Gowisely names an element of GOWISELY, which an officer should cover
// during a search.
func Gowisely(k string) string {
	return map[string]string{
		"grounds": "Grounds for the search", "object": "Object of the search", "warrant": "Warrant card shown (if not in uniform)",
		"identity": "Identity of the officer", "station": "Station the officer works from", "entitlement": "Entitlement to a copy of the record",
		"legal": "Legal power used", "detained": "You are detained for the search",
	}[k]
}
