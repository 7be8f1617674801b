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
	partnerAdm = []store.Role{store.RoleAdmin, store.RoleCCU}
)

var policy = map[string][]store.Role{
	// Public pages and sign-in.
	"landing":          {public},
	"accessibility":    {public},
	"privacy":          {public},
	"health":           {public},
	"metrics":          {public},
	"signin":           {public},
	"signin.twofactor": {public}, // needs the password step first (checked in the handler)
	"password.reset":   {public},
	"invitation":       {public},
	"devmail":          {public}, // registered only in development

	// Every signed-in person.
	"home":            {signedIn},
	"account":         {signedIn},
	"signout":         {signedIn},
	"signout.all":     {signedIn},
	"password.change": {signedIn},
	"twofactor.enrol": {signedIn},

	// Administration.
	"people.list":   adminOnly,
	"people.invite": adminOnly,
	"people.edit":   adminOnly,
	"groups.list":   staff,
	"groups.edit":   staff,
	"members.edit":  staff,
	"partners.list": partnerAdm,
	"partners.edit": partnerAdm,
	"audit.list":    adminOnly,

	// Stop-and-search disparity.
	"disparity.view":    {store.RoleAdmin, store.RoleCoordinator, store.RoleChair, store.RoleMember},
	"disparity.import":  staff,
	"disparity.publish": staff,
	"disparity.public":  {public},
	"disparity.sample":  {store.RoleAdmin, store.RoleCoordinator, store.RoleChair},

	// Recommendations register and "You said, we did". Members and chairs
	// read and follow; staff manage; only the raising group's chair verifies
	// and agrees public wording (checked in the handler).
	"recommendations.list":      {store.RoleAdmin, store.RoleCoordinator, store.RoleChair, store.RoleMember},
	"recommendations.follow":    {store.RoleAdmin, store.RoleCoordinator, store.RoleChair, store.RoleMember},
	"recommendations.edit":      staff,
	"recommendations.dashboard": staff,
	"recommendations.export":    staff,
	"recommendations.import":    staff,
	"recommendations.chair":     {store.RoleChair},
	"yousaidwedid":              {public},

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
