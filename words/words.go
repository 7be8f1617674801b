// Package words names Candour's coded values for people: the labels of
// visit types, recommendation statuses, sources and Race Action Plan areas,
// roles, group kinds, advice, attendance, referral and findings codes
// (people.go), and the sentences built from them. The web layer owns it (pages, mail);
// jobs and the store's messages use it too. It imports nothing of
// Candour's, so anything may import it; words_test checks that every code
// the store lists has a label.
package words

import (
	"fmt"
	"strings"
)

// VisitType names a type for people.
func VisitType(t string) string {
	switch t {
	case "custody":
		return "Custody suite visit"
	case "stop-search":
		return "Stop and search / body-worn video review panel"
	case "use-of-force":
		return "Use of force review"
	case "intelligence":
		return "Intelligence process scrutiny"
	case "control-room":
		return "Control room visit"
	case "training":
		return "Training observation"
	case "other":
		return "Other visit"
	}
	return t
}

// RecStatus names a status for people.
func RecStatus(s string) string {
	switch s {
	case "raised":
		return "Raised"
	case "awaiting-response":
		return "Awaiting force response"
	case "accepted":
		return "Accepted"
	case "accepted-in-part":
		return "Accepted in part"
	case "not-accepted":
		return "Not accepted"
	case "in-progress":
		return "In progress"
	case "implemented":
		return "Implemented"
	case "verified":
		return "Verified"
	case "closed":
		return "Closed"
	case "superseded":
		return "Superseded"
	}
	return s
}

// RecSource names a source for people.
func RecSource(s string) string {
	switch s {
	case "visit-finding":
		return "Scrutiny visit finding"
	case "iag-advice":
		return "IAG advice"
	case "survey":
		return "Community survey"
	case "scrutiny-panel":
		return "Scrutiny panel"
	case "external-forum":
		return "External scrutiny forum"
	case "hmicfrs-coc":
		return "HMICFRS cause of concern"
	case "hmicfrs-afi":
		return "HMICFRS area for improvement"
	case "other":
		return "Other"
	}
	return s
}

// RAPArea names an area for people.
func RAPArea(a string) string {
	switch a {
	case "represented":
		return "Represented"
	case "respected":
		return "Respected"
	case "involved":
		return "Involved"
	case "protected":
		return "Protected"
	}
	return a
}

// StatusList joins status labels in plain English: "A, B or C".
func StatusList(ss []string) string {
	labels := make([]string, len(ss))
	for i, st := range ss {
		labels[i] = RecStatus(st)
	}
	switch len(labels) {
	case 0:
		return "nothing: this recommendation's lifecycle has ended"
	case 1:
		return labels[0]
	}
	return strings.Join(labels[:len(labels)-1], ", ") + " or " + labels[len(labels)-1]
}

// TransitionRefused says why a recommendation cannot go from one status to
// another, and where it can go now.
func TransitionRefused(from, to string, allowed []string) string {
	return fmt.Sprintf("This recommendation is %q, so it cannot become %q. From %q it can now become: %s.",
		RecStatus(from), RecStatus(to), RecStatus(from), StatusList(allowed))
}

// Force names a tactic, reason, impact factor or injury for people.
func Force(k string) string {
	return map[string]string{
		"handcuffCompliant": "Handcuffing (compliant)", "handcuffNonCompliant": "Handcuffing (non-compliant)",
		"limbRestraints": "Limb or body restraints", "groundRestraint": "Ground restraint",
		"unarmedSkills": "Unarmed skills (pressure points, strikes, restraints, take-downs)", "spitGuard": "Spit and bite guard",
		"shield": "Shield", "baton": "Baton (drawn or used)", "irritantSpray": "Irritant spray, CS or PAVA (drawn or used)",
		"taser": "Taser (drawn, aimed, red-dotted, arced, fired or drive-stun)", "aep": "Attenuating energy projectile (AEP)",
		"firearm": "Firearm (aimed or fired)", "dog": "Police dog (deployed or bit)",
		"protectSelf": "Protect self", "protectPublic": "Protect the public", "protectSubject": "Protect the person themselves",
		"protectOfficers": "Protect other officers", "preventOffence": "Prevent an offence", "secureEvidence": "Secure evidence",
		"effectSearch": "Carry out a search", "effectArrest": "Make an arrest", "methodOfEntry": "Method of entry",
		"removeHandcuffs": "Remove handcuffs", "preventHarm": "Prevent harm", "preventEscape": "Prevent escape",
		"weapon": "Possession of a weapon", "alcohol": "Alcohol", "drugs": "Drugs", "mentalHealth": "Mental health",
		"priorKnowledge": "Prior knowledge of the person", "sizeGenderBuild": "Size, gender or build",
		"acuteBehaviouralDisorder": "Acute behavioural disorder", "crowd": "Crowd", "other": "Other",
		"none": "None", "minor": "Minor", "severe": "Severe",
	}[k]
}

// Training names a kind of volunteer training for people.
func Training(k string) string {
	switch k {
	case "custody-induction":
		return "Custody visiting induction"
	case "panel-training":
		return "Scrutiny panel and body-worn video training"
	}
	return k
}
