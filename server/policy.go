package server

import "candour/store"

// Who may do what. Every route names one action; this table is the only
// place that decides which roles may use it. Row-level rules (a chair only
// manages their own group; a partner sees only their organisation's
// referrals) are checked in the handler after this gate.
//
// public: anyone, signed in or not.
// signedIn: every role.
const (
	public   = "*public"
	signedIn = "*signed-in"
)

var (
	staff      = []store.Role{store.RoleAdmin, store.RoleCoordinator}
	adminOnly  = []store.Role{store.RoleAdmin}
	partnerAdm = []store.Role{store.RoleAdmin, store.RoleCCU, store.RoleCCUSupervisor}
	// ccu: analysts and supervisors alike do the casework.
	ccu = []store.Role{store.RoleCCU, store.RoleCCUSupervisor}
	// supervisor: only a CCU supervisor watches the unit's own access.
	supervisor = []store.Role{store.RoleCCUSupervisor}
)

var policy = map[string][]store.Role{
	// Public pages and sign-in.
	"landing":          {public},
	"accessibility":    {public},
	"privacy":          {public},
	"contact":          {public},
	"health":           {public},
	"signin":           {public},
	"signin.twofactor": {public}, // needs the password step first (checked in the handler)
	"signin.oidc":      {public}, // the force's identity provider; staff accounts only (checked in the handler)
	"password.reset":   {public},
	"invitation":       {public},
	"devmail":          {public}, // registered only in development
	"audit.chain":      {public}, // the signed daily heads of the audit chain: hashes only

	// Every signed-in person.
	"home":            {signedIn},
	"account":         {signedIn},
	"signout":         {signedIn},
	"signout.all":     {signedIn},
	"password.change": {signedIn},
	"twofactor.enrol": {signedIn},

	// Administration.
	"people.list":          adminOnly,
	"people.invite":        adminOnly,
	"people.edit":          adminOnly,
	"people.subjectaccess": adminOnly, // everything held about an account holder, as a download
	"groups.list":          staff,
	"groups.edit":          staff,
	"members.edit":         staff,
	"partners.list":        partnerAdm,
	"partners.edit":        partnerAdm,
	"audit.list":           adminOnly,
	"processing":           adminOnly, // the record of processing (DPO)

	// Stop-and-search disparity.
	"disparity.view":    {store.RoleAdmin, store.RoleCoordinator, store.RoleChair, store.RoleMember},
	"disparity.import":  staff,
	"disparity.publish": staff,
	"disparity.public":  {public},
	"disparity.sample":  {store.RoleAdmin, store.RoleCoordinator, store.RoleChair},
	// Disparity in the other activities (powers/), the same way.
	"powers.view":    {store.RoleAdmin, store.RoleCoordinator, store.RoleChair, store.RoleMember},
	"powers.import":  staff,
	"powers.publish": staff,
	"powers.public":  {public},
	// Section 163 vehicle stops typed on the capture form: the officers who
	// make them, and the force's staff accounts (docs/disparity.md). The
	// form is the only staff-only action an officer may use.
	"vehiclestops.capture": {store.RoleAdmin, store.RoleCoordinator, store.RoleOfficer},
	// Vetting decisions identify people: the CCU (analysts and supervisors)
	// and administrators read and import them; nobody publishes them.
	"vetting.view":   {store.RoleAdmin, store.RoleCCU, store.RoleCCUSupervisor},
	"vetting.import": {store.RoleAdmin, store.RoleCCU, store.RoleCCUSupervisor},

	// Recommendations register and "You said, we did". Members and chairs
	// read and follow; staff manage; only the raising group's chair verifies
	// and agrees public wording (checked in the handler).
	"recommendations.list":      {store.RoleAdmin, store.RoleCoordinator, store.RoleChair, store.RoleMember},
	"recommendations.follow":    {store.RoleAdmin, store.RoleCoordinator, store.RoleChair, store.RoleMember},
	"recommendations.edit":      staff,
	"recommendations.raise":     {store.RoleAdmin, store.RoleCoordinator, store.RoleChair}, // a chair for their own groups (checked in the handler)
	"recommendations.dashboard": staff,
	"recommendations.export":    staff,
	"recommendations.import":    staff,
	"recommendations.chair":     {store.RoleChair},
	"yousaidwedid":              {public},

	// Scrutiny visits (routes.go, visit_access.go). Members and chairs see their own
	// groups' visits and staff see all (row-level rules in accessTo); a
	// chair manages their own group's; partners and the CCU see none.
	"visits.view":       {store.RoleAdmin, store.RoleCoordinator, store.RoleChair, store.RoleMember},
	"visits.edit":       {store.RoleAdmin, store.RoleCoordinator, store.RoleChair},
	"visits.plan":       {store.RoleChair},
	"visits.signup":     {store.RoleChair, store.RoleMember},
	"visits.findings":   {store.RoleChair, store.RoleMember},
	"visits.signoff":    {store.RoleChair},
	"visits.respond":    staff,
	"visits.export":     staff,
	"visits.feed":       {store.RoleAdmin, store.RoleCoordinator, store.RoleChair, store.RoleMember},
	"visits.feed.token": {public}, // the secret token is the credential
	// Not routes: every group's visits, not only the person's own groups'
	// (staff), and chairing a group's visits (a chair of that group); the
	// row-level rule is accessTo.
	"visits.every": staff,
	"visits.chair": {store.RoleChair},

	// The body-worn video viewing log of a panel session: those at it record
	// their own viewings; the chair and staff read and export it all
	// (row-level, visit_bwv.go).
	"visits.bwv":        {store.RoleAdmin, store.RoleCoordinator, store.RoleChair, store.RoleMember},
	"visits.bwv.export": {store.RoleAdmin, store.RoleCoordinator, store.RoleChair},
	// Availability for unannounced visits: members (and chairs, in groups
	// they do not chair) answer for their own groups.
	"visits.availability": {store.RoleChair, store.RoleMember},
	// Volunteers' training and induction records: the coordinator keeps them.
	"training.manage": staff,
	// Expenses claims for visits (expenses.go): members and chairs claim
	// for their own visits (row-level: a seat at it, checked in the
	// handler); the coordinator approves, rejects and exports for finance;
	// a receipt downloads for its claimant and staff only (anyone else 404).
	"expenses.claim":   {store.RoleChair, store.RoleMember},
	"expenses.approve": staff,
	"expenses.export":  staff,
	"expenses.receipt": {store.RoleAdmin, store.RoleCoordinator, store.RoleChair, store.RoleMember},

	// Confidential referrals and anonymous reports (routes.go, referral_*.go).
	// Partners see only their own organisation's referrals (checked in the
	// handler, with 404 for any other); only the CCU reads content.
	"referrals.list":    {store.RolePartner},
	"referrals.submit":  {store.RolePartner},
	"referrals.view":    {store.RolePartner},
	"referrals.message": {store.RolePartner},
	"reports.submit":    {public},
	"reports.return":    {public},
	"exit":              {public}, // "Exit this page": deletes this browser's drafts and leaves
	"ccu.queue":         ccu,
	"ccu.view":          ccu,
	"ccu.export":        ccu,
	"ccu.assess":        ccu,
	"ccu.message":       ccu,
	"ccu.link":          ccu,
	"ccu.audit":         supervisor, // who looked at or changed which referral, and the chain check
	"ccu.review":        supervisor, // the monthly access review, its sign-off and export, with the declared-conflict flags
	"ccu.conflicts":     ccu,        // each analyst's own declared conflicts of interest (supervisors declare theirs too)
	"ccu.invite":        ccu,        // partner workers; admins invite anyone at /admin/people/new

	// Critical-incident advice (routes.go, advice_access.go). Staff open requests and
	// record the force's response; the members and chairs asked read and
	// answer (checked in the handler: anyone else gets 404); the public
	// reads only published summaries.
	"advice.list":    {store.RoleAdmin, store.RoleCoordinator, store.RoleChair, store.RoleMember},
	"advice.create":  staff,
	"advice.view":    {store.RoleAdmin, store.RoleCoordinator, store.RoleChair, store.RoleMember},
	"advice.answer":  {store.RoleChair, store.RoleMember},
	"advice.manage":  staff,
	"advice.public":  {public},
	"account.mobile": {signedIn},

	// Group meetings (routes.go, meeting_access.go). Staff and the group's chair
	// manage (a chair only their own group's, checked in the handler: 403);
	// only the group's chair approves minutes; the group's members read and
	// download papers (anyone else: 404).
	"meetings.view":    {store.RoleAdmin, store.RoleCoordinator, store.RoleChair, store.RoleMember},
	"meetings.manage":  {store.RoleAdmin, store.RoleCoordinator, store.RoleChair},
	"meetings.approve": {store.RoleChair},
	// Not a route: every group's meetings, not only the person's own
	// groups' (the row-level rule in meetingAccessTo).
	"meetings.every": staff,

	// Custody visit reports (routes.go, custody_draft.go). The pair who made a
	// custody visit write its report (row-level: attending, checked in the
	// handler); the scheme manager, at the Police and Crime Commissioner's
	// office, reads every report and makes the quarterly return; the force's
	// staff see only the matters raised and the issues for the inspector.
	"custody.report":  {store.RoleChair, store.RoleMember},
	"custody.reports": {store.RoleSchemeManager},
	"custody.return":  {store.RoleSchemeManager},
	"custody.force":   staff,

	// Community confidence surveys. Anyone answers, anonymously; staff build
	// and run surveys, read results and export; anyone reads a published
	// summary.
	"surveys.respond": {public},
	"surveys.public":  {public},
	"surveys.manage":  staff,
	"surveys.results": staff,
	"surveys.export":  staff,
}

// isPublic reports whether anyone may use action.
func isPublic(action string) bool {
	rs := policy[action]
	return len(rs) == 1 && rs[0] == public
}

// allowed reports whether role may use action. Unknown actions are denied.
func allowed(role store.Role, action string) bool {
	for _, r := range policy[action] {
		if r == public || r == signedIn || r == role {
			return true
		}
	}
	return false
}
