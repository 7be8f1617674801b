package stats

import "strings"

// Group is a Census 2021 high-level ethnic group, or NotStated.
type Group string

// The five high-level groups, not stated, and a label we do not know.
const (
	Asian        Group = "Asian"
	Black        Group = "Black"
	Mixed        Group = "Mixed"
	Other        Group = "Other"
	White        Group = "White"
	NotStated    Group = "Not stated"
	Unrecognised Group = "Unrecognised"
	// VehicleOnly is a search of a vehicle with no person searched: there
	// is nobody to ask, so it has no ethnicity and is not "not stated".
	VehicleOnly Group = "Vehicle only"
)

// Groups are the five high-level groups in the order reports list them.
var Groups = []Group{Asian, Black, Mixed, Other, White}

// Label is the group's full Census 2021 name.
func (g Group) Label() string {
	switch g {
	case Asian:
		return "Asian, Asian British or Asian Welsh"
	case Black:
		return "Black, Black British, Black Welsh, Caribbean or African"
	case Mixed:
		return "Mixed or Multiple ethnic groups"
	case Other:
		return "Other ethnic group"
	case White:
		return "White"
	}
	return string(g)
}

// GroupOf maps a self-defined ethnicity as police.uk publishes it (the
// 2011-census wording used since 2019, the coded labels used before, or a
// Census 2021 label) to its high-level group. Empty and "not stated" labels
// are NotStated; anything else unknown is Unrecognised, never guessed.
// Chinese counts as Asian, as in Census 2021.
func GroupOf(label string) Group {
	l := strings.ToLower(strings.TrimSpace(label))
	switch {
	case l == "":
		return NotStated
	case strings.Contains(l, "not stated"), l == "ns", strings.HasSuffix(l, "(ns)"):
		return NotStated
	}
	// Coded labels before 2019: "White - White British (W1)", "Other (O9)", "Chinese (O1)".
	if i := strings.LastIndex(l, "("); i >= 0 && strings.HasSuffix(l, ")") {
		code := l[i+1 : len(l)-1]
		if len(code) == 2 {
			switch code[0] {
			case 'w':
				return White
			case 'm':
				return Mixed
			case 'a':
				return Asian
			case 'b':
				return Black
			case 'o':
				if code == "o1" { // Chinese was under "Other" in the 2001 codes
					return Asian
				}
				return Other
			}
		}
	}
	for _, p := range []struct {
		prefix string
		g      Group
	}{
		{"white", White},
		{"mixed", Mixed},
		{"asian", Asian},
		{"black", Black},
		{"chinese", Asian},
		{"other ethnic group", Other},
		{"other", Other},
	} {
		if strings.HasPrefix(l, p.prefix) {
			if p.g == Other && strings.Contains(l, "chinese") {
				return Asian
			}
			return p.g
		}
	}
	return Unrecognised
}

// OfficerGroupOf maps officer-defined ethnicity ("White", "Black", "Asian",
// "Other", and "Mixed" where used; empty is NotStated).
func OfficerGroupOf(label string) Group {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "":
		return NotStated
	case "white":
		return White
	case "black":
		return Black
	case "asian":
		return Asian
	case "mixed":
		return Mixed
	case "other":
		return Other
	}
	return GroupOf(label)
}
