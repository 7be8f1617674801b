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

	// The recommendations register: members and chairs read and follow;
	// staff manage it (recommendation_*.go).
	h("GET", "/recommendations", "recommendations.list", s.recommendationList)
	h("GET", "/recommendations/dashboard", "recommendations.dashboard", s.recommendationDashboard)
	h("GET", "/recommendations/export.csv", "recommendations.export", s.recommendationExport)
	h("GET", "/recommendations/import", "recommendations.import", s.recommendationImportForm)
	h("POST", "/recommendations/import", "recommendations.import", s.recommendationImport)
	h("GET", "/recommendations/new", "recommendations.raise", s.recommendationNewForm)
	h("POST", "/recommendations/new", "recommendations.raise", s.recommendationCreate)
	h("GET", "/recommendations/:id", "recommendations.list", s.recommendationShow)
	h("GET", "/recommendations/:id/edit", "recommendations.edit", s.recommendationEditForm)
	h("POST", "/recommendations/:id/edit", "recommendations.edit", s.recommendationSave)
	h("POST", "/recommendations/:id/status", "recommendations.edit", s.recommendationStatus)
	h("POST", "/recommendations/:id/progress", "recommendations.edit", s.recommendationProgress)
	h("POST", "/recommendations/:id/public", "recommendations.edit", s.recommendationPublicWording)
	h("POST", "/recommendations/:id/publish", "recommendations.edit", s.recommendationPublish)
	h("POST", "/recommendations/:id/follow", "recommendations.follow", s.recommendationFollow)
	// The raising group's chair verifies and agrees the public wording.
	h("POST", "/recommendations/:id/verify", "recommendations.chair", s.recommendationVerify)
	h("POST", "/recommendations/:id/agree", "recommendations.chair", s.recommendationAgree)

	// "You said, we did": anyone, without signing in.
	h("GET", "/you-said-we-did", "yousaidwedid", s.publicRecommendationList)
	h("GET", "/you-said-we-did.json", "yousaidwedid", s.publicRecommendationJSON)
	h("GET", "/you-said-we-did.atom", "yousaidwedid", s.publicRecommendationAtom)
	h("GET", "/you-said-we-did/:id", "yousaidwedid", s.publicRecommendationShow)

	// Scrutiny visits: the calendar, sign-up, findings, unannounced pairs,
	// calendar feeds and panel trends (visit_*.go). The policy table lets a
	// role in; accessTo (visit_access.go) then decides, per visit, what this
	// person may see and do (their own groups' visits; a chair's group; staff
	// see all; unannounced timing only for the pair and the chair).
	h("GET", "/visits", "visits.view", s.visitCalendar)
	h("GET", "/visits/new", "visits.edit", s.visitNewForm)
	h("POST", "/visits/new", "visits.edit", s.visitCreate)
	h("GET", "/visits/plan", "visits.plan", s.visitPlanForm)
	h("POST", "/visits/plan", "visits.plan", s.visitPlan)
	h("GET", "/visits/trends", "visits.view", s.visitTrends)
	h("GET", "/visits/availability", "visits.availability", s.visitAvailability)
	h("POST", "/visits/availability", "visits.availability", s.visitAvailabilitySave)
	h("GET", "/training/:id", "training.manage", s.trainingShow)
	h("POST", "/training/:id", "training.manage", s.trainingSave)
	h("GET", "/visits/export.csv", "visits.export", s.visitExport)
	h("GET", "/visits/feed", "visits.feed", s.visitFeedPage)
	h("POST", "/visits/feed", "visits.feed", s.visitFeedReset)
	h("GET", "/visits/:id", "visits.view", s.visitShow)
	h("GET", "/visits/:id/ics", "visits.view", s.visitICS)
	h("GET", "/visits/:id/edit", "visits.edit", s.visitEditForm)
	h("POST", "/visits/:id/edit", "visits.edit", s.visitSave)
	h("POST", "/visits/:id/sign-up", "visits.signup", s.oneSync, s.visitSignUp) // the seat (and a far month's listing on the diary's head) wait for one fsync (one_sync.go)
	h("GET", "/visits/:id/cancel", "visits.signup", s.visitCancelConfirm)
	h("POST", "/visits/:id/cancel", "visits.signup", s.visitCancel)
	h("POST", "/visits/:id/time", "visits.signup", s.visitSetTime)
	h("GET", "/visits/:id/findings", "visits.findings", s.visitFindingForm)
	h("POST", "/visits/:id/findings", "visits.findings", s.visitFindingSave)
	h("GET", "/visits/:id/findings/submit", "visits.findings", s.visitFindingSubmitConfirm)
	h("POST", "/visits/:id/findings/submit", "visits.findings", s.visitFindingSubmit)
	h("GET", "/visits/:id/findings/record", "visits.findings", s.visitRecordForm)
	h("POST", "/visits/:id/findings/record", "visits.findings", s.visitRecordSave)
	h("POST", "/visits/:id/findings/record/remove", "visits.findings", s.visitRecordRemove)
	h("POST", "/visits/:id/sign-off", "visits.signoff", s.visitSignOff)
	h("POST", "/visits/:id/findings/:userId/response", "visits.respond", s.visitFindingRespond)
	h("GET", "/visits/:id/bwv", "visits.bwv", s.visitBWVLog)
	h("POST", "/visits/:id/bwv", "visits.bwv", s.visitBWVRecord)
	h("GET", "/visits/:id/bwv/export.csv", "visits.bwv.export", s.visitBWVExport)
	// The private calendar feed: the secret token in the address is the
	// only credential, so calendar apps can fetch it without signing in.
	h("GET", "/calendar/:token", "visits.feed.token", s.visitFeed)

	// Expenses claims for visits (expenses.go): a member or chair claims
	// for a visit or panel session they sat at; the coordinator decides and
	// exports the approved claims for finance.
	h("GET", "/expenses", "expenses.claim", s.expenseList)
	h("GET", "/expenses/visit/:id", "expenses.claim", s.expenseForm)
	h("POST", "/expenses/visit/:id", "expenses.claim", s.expenseCreate)
	h("GET", "/expenses/claims", "expenses.approve", s.expenseClaims)
	h("POST", "/expenses/claims/:id", "expenses.approve", s.expenseDecide)
	h("GET", "/expenses/claims/:id/receipts/:receiptId", "expenses.receipt", s.expenseReceipt)
	h("GET", "/expenses/export.csv", "expenses.export", s.expenseExport)

	// Confidential referrals from partner organisations, anonymous reports
	// from the public and the Counter Corruption Unit's side of both
	// (referral_*.go, report_*.go, ccu_*.go).
	//
	// Partner organisations' workers: their organisation's referrals only
	// (status and messages, never another organisation's: checked in the handlers).
	h("GET", "/referrals", "referrals.list", s.referralList)
	h("GET", "/referrals/new", "referrals.submit", s.referralNewForm)
	h("GET", "/referrals/new/:step", "referrals.submit", s.referralPage)
	h("POST", "/referrals/new/:step", "referrals.submit", s.referralAnswer) // check-answers sends it
	h("GET", "/referrals/:id", "referrals.view", s.referralShow)
	h("GET", "/referrals/:id/confirmation", "referrals.view", s.referralConfirmation)
	h("POST", "/referrals/:id/messages", "referrals.message", s.referralMessage)

	// Anonymous reports: anyone, without signing in. Nothing on these
	// routes stores or logs an address, a user agent or a precise time.
	h("GET", "/report", "reports.submit", s.reportStart)
	h("GET", "/report/new", "reports.submit", s.reportNewForm)
	h("GET", "/report/new/:step", "reports.submit", s.reportPage)
	// The send and the receipt's return wait for the disk once for all their writes (one_sync.go).
	h("POST", "/report/new/:step", "reports.submit", s.oneSync, s.reportAnswer) // check-answers sends it; only sending counts against the limit (reportSend)
	// "Exit this page" on every report, referral and sensitive survey page:
	// deletes the drafts this browser holds and leaves (referral_draft.go).
	h("GET", "/exit", "exit", s.exitPage)
	h("GET", "/report/return", "reports.return", s.reportReturnForm)
	h("POST", "/report/return", "reports.return", s.oneSync, s.reportReturn)
	h("GET", "/report/status", "reports.return", s.reportStatus)
	h("POST", "/report/status/reply", "reports.return", s.limit(s.reportLimiter), s.reportReply)
	h("POST", "/report/status/leave", "reports.return", s.reportLeave)

	// The Counter Corruption Unit.
	h("GET", "/ccu", "ccu.queue", s.ccuQueue)
	h("GET", "/ccu/audit", "ccu.audit", s.ccuAudit)
	h("GET", "/ccu/review", "ccu.review", s.ccuReview)
	h("POST", "/ccu/review/sign-off", "ccu.review", s.ccuReviewSignOff)
	h("GET", "/ccu/review/export.csv", "ccu.review", s.ccuReviewExport)
	h("GET", "/ccu/conflicts", "ccu.conflicts", s.ccuConflicts)
	h("POST", "/ccu/conflicts", "ccu.conflicts", s.ccuConflictDeclare)
	h("POST", "/ccu/conflicts/:id/remove", "ccu.conflicts", s.ccuConflictRemove)
	h("GET", "/ccu/partners/:id/workers", "ccu.invite", s.ccuInviteForm)
	h("POST", "/ccu/partners/:id/workers", "ccu.invite", s.ccuInvite)
	h("GET", "/ccu/referrals/:id", "ccu.view", s.ccuShow) // asks for a reason first (once per case per session)
	h("GET", "/ccu/referrals/:id/reason", "ccu.view", s.ccuReasonForm)
	h("POST", "/ccu/referrals/:id/reason", "ccu.view", s.ccuReason)
	h("GET", "/ccu/referrals/:id/export", "ccu.export", s.ccuExportForm)
	h("POST", "/ccu/referrals/:id/export", "ccu.export", s.ccuExport) // the download: reason and recipient
	h("POST", "/ccu/referrals/:id/assess", "ccu.assess", s.ccuAssess)
	h("POST", "/ccu/referrals/:id/messages", "ccu.message", s.ccuMessage)
	h("POST", "/ccu/referrals/:id/notes", "ccu.message", s.ccuNote)
	h("POST", "/ccu/referrals/:id/links", "ccu.link", s.ccuLink)

	// Critical-incident advice (docs/advisory.md, advice_*.go): staff open a
	// request and record what the force did with each answer; the members
	// and chairs asked read it and answer; the public sees only a summary a
	// coordinator has published. Row-level rule (adviceAccessTo): a member
	// or chair sees a request only if they were asked (any other is "not
	// found").
	h("GET", "/advice", "advice.list", s.adviceList)
	h("GET", "/advice/new", "advice.create", s.adviceNewForm)
	h("POST", "/advice/new", "advice.create", s.adviceCreate)
	h("GET", "/advice/:id", "advice.view", s.adviceShow)
	h("POST", "/advice/:id/answer", "advice.answer", s.oneSync, s.adviceAnswer) // the answer and its audit event wait for one fsync (one_sync.go)
	h("POST", "/advice/:id/close", "advice.manage", s.adviceClose)
	h("POST", "/advice/:id/answers/:userId/response", "advice.manage", s.adviceRespond)
	h("GET", "/advice/:id/impact", "advice.manage", s.adviceImpact)
	h("POST", "/advice/:id/impact", "advice.manage", s.adviceImpactSave)
	h("POST", "/advice/:id/publish", "advice.manage", s.advicePublish)
	h("POST", "/advice/:id/unpublish", "advice.manage", s.adviceUnpublish)
	h("GET", "/public/advice", "advice.public", s.advicePublicList)
	h("GET", "/public/advice/:id", "advice.public", s.advicePublicShow)
	h("GET", "/account/mobile", "account.mobile", s.accountMobileForm)
	h("POST", "/account/mobile", "account.mobile", s.accountMobileSave)

	// Group meetings (docs/advisory.md, meeting_*.go): staff and a group's
	// chair schedule them, set the agenda, upload papers, take attendance,
	// draft minutes and record actions; the chair approves the minutes; the
	// group's members read everything and download papers. Row-level rules
	// are in meetingAccessTo (meeting_access.go).
	h("GET", "/meetings", "meetings.view", s.meetingList)
	h("GET", "/meetings/new", "meetings.manage", s.meetingNewForm)
	h("POST", "/meetings/new", "meetings.manage", s.meetingCreate)
	h("GET", "/meetings/:id", "meetings.view", s.meetingShow)
	h("GET", "/meetings/:id/ics", "meetings.view", s.meetingICS)
	h("GET", "/meetings/:id/edit", "meetings.manage", s.meetingEditForm)
	h("POST", "/meetings/:id/edit", "meetings.manage", s.meetingSave)
	h("POST", "/meetings/:id/papers", "meetings.manage", s.meetingPaperUpload)
	h("GET", "/meetings/:id/papers/:paperId", "meetings.view", s.meetingPaperDownload)
	h("POST", "/meetings/:id/papers/:paperId/remove", "meetings.manage", s.meetingPaperRemove)
	h("POST", "/meetings/:id/attendance", "meetings.manage", s.meetingAttendance)
	h("POST", "/meetings/:id/minutes", "meetings.manage", s.meetingMinutes)
	h("POST", "/meetings/:id/minutes/approve", "meetings.approve", s.meetingMinutesApprove)
	h("POST", "/meetings/:id/actions", "meetings.manage", s.meetingActionAdd)
	h("POST", "/meetings/:id/actions/:actionId/done", "meetings.manage", s.meetingActionDone)

	// Custody visit reports (docs/visits.md, "Custody visit reports";
	// custody_*.go): the pair who made a custody visit write one report
	// together; the scheme manager (the Police and Crime Commissioner's office)
	// reads every report, follows up its issues with the force and makes the
	// quarterly return; the force's staff see only the matters raised and the
	// issues for the inspector, never the detainee lines.
	// The pair (row-level: attending the custody visit, once it has started).
	h("GET", "/visits/:id/custody-report", "custody.report", s.custodyReportShow)
	h("GET", "/visits/:id/custody-report/arrival", "custody.report", s.custodyArrivalForm)
	h("POST", "/visits/:id/custody-report/arrival", "custody.report", s.custodyArrivalSave)
	h("GET", "/visits/:id/custody-report/detainees/:n", "custody.report", s.custodyDetaineeForm)
	h("POST", "/visits/:id/custody-report/detainees/:n", "custody.report", s.custodyDetaineeSave)
	h("POST", "/visits/:id/custody-report/detainees/:n/remove", "custody.report", s.custodyDetaineeRemove)
	h("GET", "/visits/:id/custody-report/matters", "custody.report", s.custodyMattersForm)
	h("POST", "/visits/:id/custody-report/matters", "custody.report", s.custodyMattersSave)
	h("GET", "/visits/:id/custody-report/submit", "custody.report", s.custodySubmitConfirm)
	h("POST", "/visits/:id/custody-report/submit", "custody.report", s.custodySubmit)
	h("GET", "/visits/:id/custody-report/confirm", "custody.report", s.custodyConfirmForm)
	h("POST", "/visits/:id/custody-report/confirm", "custody.report", s.custodyConfirm)

	// The scheme manager.
	h("GET", "/custody", "custody.reports", s.custodyList)
	h("GET", "/custody/reports/:id", "custody.reports", s.custodySchemeShow)
	h("POST", "/custody/reports/:id/issues", "custody.reports", s.custodyIssuesSave)
	h("GET", "/custody/return", "custody.return", s.custodyReturn)
	h("GET", "/custody/return.csv", "custody.return", s.custodyReturnCSV)

	// The force: matters raised and issues, without detainees.
	h("GET", "/custody/force", "custody.force", s.custodyForce)

	// Community confidence surveys (survey_*.go): answering them (anyone,
	// anonymously), building and running them (staff), their results (staff;
	// a public summary once published) and exports.
	//
	// Answering: anonymous, no account, nothing stored before submission.
	h("GET", "/s/:id", "surveys.respond", s.surveyStart)
	h("POST", "/s/:id/start", "surveys.respond", s.surveyLimit, s.surveyBegin)
	h("GET", "/s/:id/q/:qid", "surveys.respond", s.surveyQuestion)
	h("POST", "/s/:id/q/:qid", "surveys.respond", s.surveyAnswer)
	h("GET", "/s/:id/check", "surveys.respond", s.surveyCheck)
	h("POST", "/s/:id/check", "surveys.respond", s.surveyLimit, s.surveySubmit)
	h("GET", "/s/:id/done", "surveys.respond", s.surveyDone)

	// Published results summaries: anyone.
	h("GET", "/public/surveys", "surveys.public", s.publicSurveyList)
	h("GET", "/public/surveys/:id", "surveys.public", s.publicSurveyResults)

	// Building and running surveys: staff.
	h("GET", "/surveys", "surveys.manage", s.surveyList)
	h("GET", "/surveys/new", "surveys.manage", s.surveyNewForm)
	h("POST", "/surveys/new", "surveys.manage", s.surveyCreate)
	h("GET", "/surveys/:id", "surveys.manage", s.surveyShow)
	h("POST", "/surveys/:id/settings", "surveys.manage", s.surveySettings)
	h("GET", "/surveys/:id/questions/new", "surveys.manage", s.surveyQuestionNewForm)
	h("POST", "/surveys/:id/questions/new", "surveys.manage", s.surveyQuestionCreate)
	h("GET", "/surveys/:id/questions/:qid", "surveys.manage", s.surveyQuestionEditForm)
	h("POST", "/surveys/:id/questions/:qid", "surveys.manage", s.surveyQuestionSave)
	h("POST", "/surveys/:id/questions/:qid/move", "surveys.manage", s.surveyQuestionMove)
	h("POST", "/surveys/:id/questions/:qid/remove", "surveys.manage", s.surveyQuestionRemove)
	h("GET", "/surveys/:id/publish", "surveys.manage", s.surveyPublishConfirm)
	h("POST", "/surveys/:id/publish", "surveys.manage", s.surveyPublish)
	h("POST", "/surveys/:id/codes", "surveys.manage", s.surveyCodes)

	// Results and exports: staff. The raw export is audited.
	h("GET", "/surveys/:id/results", "surveys.results", s.surveyResults)
	h("GET", "/surveys/:id/results.csv", "surveys.results", s.surveyResultsCSV)
	h("GET", "/surveys/:id/responses.csv", "surveys.export", s.surveyResponsesCSV)
	h("GET", "/surveys/:id/text", "surveys.results", s.surveyTexts)
	h("POST", "/surveys/:id/text/:tid", "surveys.results", s.surveyTextSave)

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
