package server

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/config"
	"candour/store"
	"candour/words"
)

// DataKind is one kind of personal data Candour holds, as the record of
// processing (UK GDPR article 30, DPA 2018 section 61) and a DPIA draft
// describe it. Who may see it comes from the policy table (the actions
// listed) and how long it is kept from the retention settings the jobs
// use, so the record cannot drift from what the code does. The lawful
// basis and conditions are defaults for the force's data protection
// officer to check.
type DataKind struct {
	Key         string // for the edit page's address: the name in lower case with hyphens
	Name        string
	Held        string
	Purpose     string
	LawfulBasis string
	Condition   string   // Schedule 1 or Schedule 8 condition, where special category or sensitive
	Actions     []string // policy actions that show it
	Seen        []string // who can see it: from policy, for the actions
	Kept        []string // from the retention settings and jobs
	Protection  string
	Edited      *store.ProcessingBasis // the DPO's wording, when it replaced the default
}

// Processing is the record of processing for cfg.
func Processing(cfg config.Config) []DataKind {
	kinds := []DataKind{
		{Name: "Referral and report content", Held: "What partners and anonymous reporters tell the Counter Corruption Unit, including the person of concern, and the CCU's messages and notes",
			Purpose: "Counter-corruption: assessing and investigating reports of police abuse of position", LawfulBasis: "Law enforcement processing (DPA 2018 Part 3, section 35(2)(b): necessary for a law enforcement purpose)",
			Condition: "DPA 2018 Schedule 8, paragraph 1 (statutory purposes) for sensitive processing", Actions: []string{"ccu.view", "ccu.export"},
			Protection: "Sealed with Tink AES-256-GCM before it is stored; a reason is recorded before each opening and a reason and recipient before each export; every access is in the hash-chained audit log, checked against signed public checkpoints"},
		{Name: "Reporter identity", Held: "Contact details a reporter chose to leave; the partner worker who referred",
			Purpose: "Contacting the reporter safely", LawfulBasis: "Law enforcement processing (DPA 2018 Part 3, section 35(2)(b))",
			Actions: []string{"ccu.view", "ccu.export"}, Protection: "Sealed like the content; anonymous reporters' addresses, browsers and times of day are never stored"},
		{Name: "Survey special category answers", Held: "Optional answers about ethnicity, religion, sexual orientation and disability, not linked to a name",
			Purpose: "Finding out whether some communities have less confidence in the police than others", LawfulBasis: "UK GDPR article 6(1)(e) public task",
			Condition: "UK GDPR article 9(2)(g) with DPA 2018 Schedule 1, paragraph 8 (equality of opportunity or treatment)", Actions: []string{"surveys.results", "surveys.export", "surveys.public"},
			Protection: "Counted, not kept with names; results suppressed below the small-number threshold before anyone sees them"},
		{Name: "Vetting data", Held: "Scrutiny members' vetting level and its expiry date",
			Purpose: "Letting only vetted members take part in visits", LawfulBasis: "UK GDPR article 6(1)(e) public task",
			Condition: "DPA 2018 Schedule 1, paragraph 10 (preventing or detecting unlawful acts), for anything the vetting reveals", Actions: []string{"people.edit", "members.edit", "groups.list"},
			Protection: "Only the level and the expiry date are held, never the vetting record"},
		{Name: "Visit details", Held: "Scrutiny visits, who signed up, what they observed and recorded",
			Purpose: "Independent scrutiny of custody, stop and search and use of force", LawfulBasis: "UK GDPR article 6(1)(e) public task",
			Actions: []string{"visits.view", "visits.findings", "visits.export"}, Protection: "Members see their own groups' visits only"},
		{Name: "Declared conflicts of interest", Held: "People each CCU analyst declares a connection to (name and force, or collar number) and how they know them",
			Purpose: "Flagging an analyst's access to a case about someone they are connected to", LawfulBasis: "Law enforcement processing (DPA 2018 Part 3, section 35(2)(b)); DPA 2018 section 62 (logging)",
			Actions: []string{"ccu.conflicts"}, Protection: "Sealed like referral content, matched by a keyed blind index; only the declaring analyst sees the list, the supervisor's access review shows only that a case matched"},
		{Name: "Critical-incident advice", Held: "What the force tells advisory group members about an incident, the advice each member gives (with their name), and what the force did with it",
			Purpose: "Taking community advice after critical incidents to reduce tension, and accounting for what the force did with it", LawfulBasis: "UK GDPR article 6(1)(e) public task",
			Actions: []string{"advice.view", "advice.manage"}, Protection: "Members see only the requests they were asked and their own advice; every opening is audited; messages carry only the deadline and a link; nothing is public until a coordinator publishes a summary the group agreed"},
		{Name: "Group meetings", Held: "Agendas, papers, who attended, minutes and actions (with the names of their owners)",
			Purpose: "Running the advisory groups and scrutiny forum, and following up what they agree", LawfulBasis: "UK GDPR article 6(1)(e) public task",
			Actions: []string{"meetings.view", "meetings.manage"}, Protection: "Seen only by the group's members and staff; papers sealed at rest, checked by content and served only as downloads, each download audited"},
		{Name: "Custody visit reports", Held: "What independent custody visitors found: detainees by custody number only, whether each was a child or vulnerable, their rights, welfare and health as they told the visitors, and matters raised with the custody sergeant",
			Purpose: "Independent custody visiting (Police and Crime Commissioner's duty, Police Reform Act 2002 section 51) and the quarterly return to ICVA", LawfulBasis: "UK GDPR article 6(1)(e) public task",
			Condition: "DPA 2018 Schedule 1, paragraph 6 (statutory purposes), for health information detainees give",
			Actions:   []string{"custody.report", "custody.reports", "custody.force"}, Protection: "Sealed at rest like referral content; never a name; only the pair and the scheme manager read the detainee lines; the force sees only the matters raised and the issues; the scheme manager's every reading is audited; mail carries only a link"},
		{Name: "Mobile numbers", Held: "A mobile number a member chose to give for urgent requests",
			Purpose: "Telling members by text message that urgent advice is needed", LawfulBasis: "UK GDPR article 6(1)(e) public task",
			Actions: []string{"account.mobile"}, Protection: "Set and removed by the person on their own account page; text messages go only through the force's configured gateway, and the log shows the last three digits only"},
		{Name: "Accounts and the audit log", Held: "Names, email addresses, roles, sign-ins, and who did what to which record, with the reason given",
			Purpose: "Running the portal securely; logging consultation and disclosure (DPA 2018 section 62)", LawfulBasis: "UK GDPR article 6(1)(e) public task; DPA 2018 section 62 (logging)",
			Actions: []string{"people.list", "audit.list", "ccu.audit", "ccu.review"}, Protection: "Argon2id passwords; two-factor for administrators and the CCU; the audit log is append-only and hash-chained"},
	}
	for i := range kinds {
		kinds[i].Key = kindKey(kinds[i].Name)
		kinds[i].Seen = whoMay(kinds[i].Actions)
		kinds[i].Kept = keptFor(cfg, kinds[i].Name)
	}
	return kinds
}

// kindKey is a kind's key: "Referral and report content" is
// "referral-and-report-content".
func kindKey(name string) string {
	return strings.Join(strings.Fields(strings.ToLower(name)), "-")
}

// WithBases puts the DPO's edited lawful bases and conditions in place of
// the defaults.
func WithBases(kinds []DataKind, bases map[string]store.ProcessingBasis) []DataKind {
	for i := range kinds {
		if b, ok := bases[kinds[i].Key]; ok {
			kinds[i].LawfulBasis, kinds[i].Condition = b.LawfulBasis, b.Condition
			kinds[i].Edited = &b
		}
	}
	return kinds
}

// whoMay lists the roles the policy table gives any of actions, in the
// order of store.Roles, with "anyone" for a public action.
func whoMay(actions []string) []string {
	var out []string
	for _, a := range actions {
		if isPublic(a) {
			return append(out, "anyone (the published, suppressed summary)")
		}
	}
	for _, r := range store.Roles {
		for _, a := range actions {
			if allowed(r, a) {
				out = append(out, words.Role(string(r)))
				break
			}
		}
	}
	return out
}

// keptFor is how long a kind of data is kept, from the settings the
// retention jobs use; "no deletion job" where there is none.
func keptFor(cfg config.Config, kind string) []string {
	switch kind {
	case "Referral and report content", "Reporter identity":
		if len(cfg.Retention) == 0 {
			return []string{"Kept: CANDOUR_REFERRAL_RETENTION is none"}
		}
		var out []string
		for _, r := range cfg.Retention {
			what := "Partner referrals"
			if r.Kind == store.KindAnonymous {
				what = "Anonymous reports"
			}
			out = append(out, fmt.Sprintf("%s %s: deleted %d months after that status (referral-retention job, hourly)", what, strings.ToLower(words.RefStatus(r.Status)), r.Months))
		}
		return out
	case "Declared conflicts of interest":
		return []string{"Until the analyst removes it, or with their account (account-retention job)"}
	case "Accounts and the audit log":
		return []string{fmt.Sprintf("Sessions: deleted %s after the last request (session-cleanup job)", durationWords(cfg.IdleTimeout)),
			fmt.Sprintf("Sent mail: deleted after %s (mail-cleanup job)", durationWords(store.MailKeptFor)),
			"Accounts and audit events: no deletion job; kept until deleted by hand"}
	}
	return []string{"No deletion job: kept until deleted by hand"}
}

func durationWords(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return fmt.Sprintf("%d minutes", d/time.Minute)
}

// ProcessingMarkdown is the record of processing as Markdown, the start
// of a data protection impact assessment (candour dpia).
// bases are the DPO's edits (nil: the defaults).
func ProcessingMarkdown(cfg config.Config, bases map[string]store.ProcessingBasis) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: Candour record of processing and DPIA draft\n\nGenerated from the running configuration: who can see each kind of data comes from the policy table, how long it is kept from the retention settings. Lawful bases and conditions not marked as set by the data protection officer are defaults for them to check.\n", cfg.ForceName)
	for _, k := range WithBases(Processing(cfg), bases) {
		fmt.Fprintf(&b, "\n## %s\n\n- Held: %s\n- Purpose: %s\n- Lawful basis: %s\n", k.Name, k.Held, k.Purpose, k.LawfulBasis)
		if k.Edited != nil {
			fmt.Fprintf(&b, "- Basis and condition set by %s on %s\n", k.Edited.By, k.Edited.At.In(london).Format("2 January 2006"))
		}
		if k.Condition != "" {
			fmt.Fprintf(&b, "- Condition: %s\n", k.Condition)
		}
		fmt.Fprintf(&b, "- Who can see it: %s\n- How long it is kept:\n", strings.Join(k.Seen, ", "))
		for _, line := range k.Kept {
			fmt.Fprintf(&b, "  - %s\n", line)
		}
		fmt.Fprintf(&b, "- How it is protected: %s\n", k.Protection)
	}
	return b.String()
}

// processingRecord is the admin page of the record of processing.
func (s *Server) processingRecord(c *gin.Context) {
	bases, err := s.processing.ProcessingBases(c.Request.Context())
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.render(c, http.StatusOK, "processing", &Page{Title: "Record of processing", Data: WithBases(Processing(s.cfg), bases)})
}
