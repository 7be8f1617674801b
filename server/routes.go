package server

import (
	"fmt"

	"github.com/gin-gonic/gin"
)

// Route is one registered route and the policy action that guards it.
type Route struct {
	Method, Path, Action string
}

// routes is the whole site map. Each line names the action the policy
// table (policy.go) decides on; nothing else decides who may use a route.
func (s *Server) routes(r *gin.Engine) error {
	// Static files: content-hashed names, cached for a year (assets.go).
	set, err := staticAssets()
	if err != nil {
		return fmt.Errorf("static files: %w", err)
	}
	r.GET("/static/*path", set.serveStatic)
	r.HEAD("/static/*path", set.serveStatic)

	// Operations (no session).
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	// /metrics is not here: it has its own listener (MetricsHandler,
	// CANDOUR_METRICS_ADDR), never the public port.
	s.routeTable = append(s.routeTable, Route{"GET", "/healthz", "health"}, Route{"GET", "/readyz", "health"})

	// Every route: the session, the CSRF check and the one text gate.
	g := r.Group("/", s.loadSession, s.checkCSRF, s.normaliseInput)
	var h handle = func(method, path, action string, handlers ...gin.HandlerFunc) {
		if _, ok := policy[action]; !ok {
			panic("routes: no policy for action " + action)
		}
		s.routeTable = append(s.routeTable, Route{method, path, action})
		g.Handle(method, path, append([]gin.HandlerFunc{s.authorize(action)}, handlers...)...)
	}

	// Public information.
	h("GET", "/", "landing", s.landing)
	h("GET", "/accessibility", "accessibility", s.accessibility)
	h("GET", "/privacy", "privacy", s.privacy)
	h("GET", "/contact", "contact", s.contact)
	h("GET", "/audit-chain", "audit.chain", s.auditChain)
	h("GET", "/audit-chain.atom", "audit.chain", s.auditChainFeed)

	// Signing in (anyone).
	h("GET", "/sign-in", "signin", s.signInForm)
	h("GET", "/login", "signin", s.login) // what people type
	h("POST", "/sign-in", "signin", s.limit(s.signInLimiter), s.signIn)
	h("GET", "/sign-in/oidc", "signin.oidc", s.limit(s.signInLimiter), s.oidcStart)
	h("GET", "/sign-in/oidc/callback", "signin.oidc", s.limit(s.signInLimiter), s.oidcCallback)
	h("GET", "/sign-in/two-factor", "signin.twofactor", s.twoFactorForm)
	h("POST", "/sign-in/two-factor", "signin.twofactor", s.limit(s.signInLimiter), s.twoFactor)
	h("GET", "/sign-in/two-factor/set-up", "signin.twofactor", s.twoFactorSetupForm)
	h("POST", "/sign-in/two-factor/set-up", "signin.twofactor", s.limit(s.signInLimiter), s.twoFactorSetup)
	h("GET", "/sign-in/two-factor/recovery", "signin.twofactor", s.recoveryCodeForm)
	h("POST", "/sign-in/two-factor/recovery", "signin.twofactor", s.limit(s.signInLimiter), s.recoveryCode)
	h("GET", "/password-reset", "password.reset", s.passwordResetRequestForm)
	h("POST", "/password-reset", "password.reset", s.limit(s.signInLimiter), s.passwordResetRequest)
	h("GET", "/password-reset/:token", "password.reset", s.passwordResetForm)
	h("POST", "/password-reset/:token", "password.reset", s.passwordReset)
	h("GET", "/invitation/:token", "invitation", s.invitationForm)
	h("POST", "/invitation/:token", "invitation", s.invitationAccept)

	// Every signed-in person.
	h("GET", "/home", "home", s.home)
	h("POST", "/sign-out", "signout", s.signOut)
	h("GET", "/account", "account", s.account)
	h("POST", "/account/password", "password.change", s.passwordChange)
	h("POST", "/account/sign-out-everywhere", "signout.all", s.signOutEverywhere)
	h("GET", "/account/two-factor", "twofactor.enrol", s.accountTwoFactorForm)
	h("POST", "/account/two-factor", "twofactor.enrol", s.accountTwoFactor)
	h("POST", "/account/two-factor/recovery-codes", "twofactor.enrol", s.accountRecoveryCodes)

	// Administration: people (admin), groups and memberships (admin and
	// coordinators), partner organisations (admin and CCU), audit (admin).
	h("GET", "/admin/people", "people.list", s.peopleList)
	h("GET", "/admin/people/new", "people.invite", s.personInviteForm)
	h("POST", "/admin/people/new", "people.invite", s.personInvite)
	h("GET", "/admin/people/:id", "people.edit", s.personShow)
	h("POST", "/admin/people/:id", "people.edit", s.personSave)
	h("POST", "/admin/people/:id/invitation", "people.invite", s.personReinvite)
	h("POST", "/admin/people/:id/subject-access", "people.subjectaccess", s.personSubjectAccess)
	h("GET", "/admin/groups", "groups.list", s.groupList)
	h("GET", "/admin/groups/new", "groups.edit", s.groupNewForm)
	h("POST", "/admin/groups/new", "groups.edit", s.groupCreate)
	h("GET", "/admin/groups/:id", "groups.list", s.groupShow)
	h("POST", "/admin/groups/:id", "groups.edit", s.groupSave)
	h("POST", "/admin/groups/:id/members", "members.edit", s.memberSave)
	h("GET", "/admin/groups/:id/members/:userId/remove", "members.edit", s.memberRemoveConfirm)
	h("POST", "/admin/groups/:id/members/:userId/remove", "members.edit", s.memberRemove)
	h("GET", "/admin/partners", "partners.list", s.partnerList)
	h("POST", "/admin/partners", "partners.edit", s.partnerCreate)
	h("GET", "/admin/partners/:id", "partners.list", s.partnerShow)
	h("GET", "/admin/audit", "audit.list", s.auditList)
	h("GET", "/admin/processing", "processing", s.processingRecord)
	h("GET", "/admin/processing/:kind", "processing", s.processingBasisForm)
	h("POST", "/admin/processing/:kind", "processing", s.processingBasisSave)

	// Stop-and-search disparity: members, chairs and staff read it; staff
	// import data and publish a period for the public page.
	h("GET", "/disparity", "disparity.view", s.disparityView)
	h("GET", "/disparity/import", "disparity.import", s.disparityImportForm)
	h("POST", "/disparity/import", "disparity.import", s.disparityImport)
	h("POST", "/disparity/population", "disparity.import", s.populationImport)
	h("POST", "/disparity/drivers", "disparity.import", s.driversImport) // drivers by ethnic group, for vehicle stops
	h("POST", "/disparity/publish", "disparity.publish", s.disparityPublish)
	h("GET", "/public/stop-and-search", "disparity.public", s.publicDisparity)
	h("GET", "/disparity/samples", "disparity.sample", s.sampleList)
	h("GET", "/disparity/samples/new", "disparity.sample", s.sampleNewForm)
	h("POST", "/disparity/samples/new", "disparity.sample", s.sampleCreate)
	h("GET", "/disparity/samples/:id", "disparity.sample", s.sampleShow)
	h("POST", "/disparity/samples/:id/draw", "disparity.sample", s.sampleDraw)     // after its commitment
	h("POST", "/disparity/samples/:id/attach", "disparity.sample", s.sampleAttach) // to a review session the person manages

	// Disparity in the other activities the force monitors (powers/): one
	// monitor per dataset definition, read like stop and search; staff
	// import the force's own files and publish a period.
	h("GET", "/powers", "powers.view", s.powerOverview)
	h("GET", "/public/powers", "powers.public", s.publicPowerOverview)
	h("GET", "/powers/:kind", "powers.view", s.powerView)
	h("GET", "/powers/:kind/import", "powers.import", s.powerImportForm)
	h("POST", "/powers/:kind/import", "powers.import", s.powerImport)
	h("POST", "/powers/:kind/publish", "powers.publish", s.powerPublish)
	h("GET", "/public/powers/:kind", "powers.public", s.publicPower)
	// Section 163 vehicle stops recorded one at a time by the force's staff.
	h("GET", "/vehicle-stops/new", "vehiclestops.capture", s.vehicleStopNew)
	h("POST", "/vehicle-stops/new", "vehiclestops.capture", s.vehicleStopCreate)
	// Missing people's time to be found, beside their shared monitor, and
	// published apart from it.
	h("GET", "/missing-people/time-to-find", "powers.view", s.missingTime)
	h("POST", "/missing-people/time-to-find/publish", "powers.publish", s.missingTimePublish)
	h("GET", "/public/missing-people/time-to-find", "powers.public", s.publicMissingTime)
	// Vetting decisions: the CCU and administrators only, never published
	// (no publish route, no public page, not in the overview).
	h("GET", "/vetting", "vetting.view", s.vettingView)
	h("GET", "/vetting/import", "vetting.import", s.vettingImportForm)
	h("POST", "/vetting/import", "vetting.import", s.vettingImport)

	// Recommendations register and "You said, we did" (recommendation_routes.go).
	s.recommendationRoutes(h)

	// Scrutiny visits, findings and calendar feeds (visit_routes.go).
	s.visitRoutes(h)
	s.expenseRoutes(h) // expenses claims for visits (expenses.go)

	// Confidential referrals, anonymous reports and the CCU (referral_routes.go).
	s.referralRoutes(h)

	// Critical-incident advice (advice_routes.go).
	s.adviceRoutes(h)

	// Group meetings: agenda, papers, attendance, minutes, actions (meeting_routes.go).
	s.meetingRoutes(h)

	// Custody visit reports, the scheme manager and the quarterly return (custody_routes.go).
	s.custodyRoutes(h)

	// Community confidence surveys (survey_routes.go).
	s.surveyRoutes(h)

	if !s.cfg.Production() {
		h("GET", "/dev/mail", "devmail", s.devMail)
	}

	r.NoRoute(s.loadSession, s.notFound)
	r.NoMethod(s.loadSession, s.notFound)
	return nil
}

// handle registers one route under a policy action.
type handle func(method, path, action string, handlers ...gin.HandlerFunc)

// Routes lists every registered route with its action (for the
// route-by-role test and the docs).
func (s *Server) Routes() []Route { return s.routeTable }
