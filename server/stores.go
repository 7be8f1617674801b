package server

import (
	"context"
	"io"
	"math/rand/v2"
	"time"

	"candour/advice"
	"candour/disparity"
	"candour/powers"
	"candour/sealed"
	"candour/store"
	"candour/survey"
)

// The narrow views of the store that handler groups depend on. Each lists
// only the methods its group calls, so a handler test can stand in a
// hand-written fake (fakes_test.go) for the embedded store; New fills every
// one with the real *store.Store; no handler reaches the concrete store
// (docs/architecture.md, "Where to add a new feature").

// sessionDB is what the session store (session.go) keeps in the database:
// signed-in sessions, by the cookie's id.
type sessionDB interface {
	Now() time.Time
	Session(ctx context.Context, cookieID string) (*store.Session, error)
	SaveSession(ctx context.Context, cookieID string, ss *store.Session) error
	UpdateSession(ctx context.Context, cookieID string, ss *store.Session) error
	TouchSession(ctx context.Context, cookieID string, lastSeen, expires time.Time) error
	DeleteSession(ctx context.Context, cookieID string) error
}

// userDB is how every request finds the signed-in person (loadSession).
type userDB interface {
	User(ctx context.Context, id string) (*store.User, error)
}

// visitStore is what one visit's pages need (visit_*.go): its page,
// scheduling and changing it, signing up and cancelling, the pair's day
// and time, findings, sign-off and the force's response, the body-worn
// video log, a panel's sample, and planning a quarter of unannounced
// visits (loadVisit and mailUsers in visit_access.go too).
type visitStore interface {
	Now() time.Time
	Visit(ctx context.Context, id string) (*store.Visit, error)
	Group(ctx context.Context, id string) (*store.Group, error)
	Groups(ctx context.Context) ([]store.Group, error)
	GroupMembers(ctx context.Context, groupID string) ([]store.Membership, error)
	UsersByID(ctx context.Context, ids []string) (map[string]store.User, error)
	VisitFindings(ctx context.Context, v *store.Visit) ([]store.Finding, error)
	Eligible(ctx context.Context, v *store.Visit, userID string, ms []store.Membership, now time.Time) error
	SignUp(ctx context.Context, id, userID string, ms []store.Membership) (string, error)
	CancelSignUp(ctx context.Context, id, userID string) ([]string, error)
	SetVisitTime(ctx context.Context, id string, start, end time.Time) error
	CreateVisit(ctx context.Context, v *store.Visit) error
	UpdateVisit(ctx context.Context, id string, version int, ch store.VisitChange) ([]string, error)
	Finding(ctx context.Context, id string) (*store.Finding, error)
	SaveFinding(ctx context.Context, f *store.Finding, version int, submit bool) error
	SignOffVisit(ctx context.Context, id, chairName string) error
	RespondToFinding(ctx context.Context, id, response, by string) (*store.Finding, error)
	BWVViewings(ctx context.Context, visitID string) ([]store.BWVViewing, error)
	RecordBWVViewing(ctx context.Context, v *store.BWVViewing) error
	PanelSample(ctx context.Context, id string) (*store.PanelSample, error)
	AttachSample(ctx context.Context, sampleID, visitID string) error
	VisitPlanByID(ctx context.Context, id string) (*store.VisitPlan, error)
	AvailabilityPollOf(ctx context.Context, groupID, quarter string) (*store.AvailabilityPoll, error)
	TrainingOf(ctx context.Context, userID string) (*store.Training, error)
	PlanInputsFor(ctx context.Context, groupID, quarter string, eligible, locations []string, minVetting string) (*store.PlanInputs, error)
	PlanQuarterFrom(ctx context.Context, in *store.PlanInputs, chairID string, rng *rand.Rand, commitment, seed string) (*store.VisitPlan, error)
}

// visitCalendarStore is what the reads across many visits need: the
// calendar (visit_calendar.go), the calendar feeds and their address
// (visit_ical.go), the CSV export (visit_export.go), the panel trends
// (visit_trends.go) and the review sessions a sample may be attached to
// (sampleVisitChoices, visit_sample.go). They read the calendar's copies
// (the month documents and each person's diary) and, by id, the few
// visits they need in full.
type visitCalendarStore interface {
	Now() time.Time
	Groups(ctx context.Context) ([]store.Group, error)
	User(ctx context.Context, id string) (*store.User, error)
	Visits(ctx context.Context, f store.VisitFilter) ([]store.Visit, error)
	VisitsByID(ctx context.Context, ids []string) ([]store.Visit, error)
	AllVisits(ctx context.Context) ([]store.Visit, error)
	Diary(ctx context.Context, userID string) (*store.Diary, error)
	Meetings(ctx context.Context, groupIDs []string, from time.Time, limit int) ([]store.Meeting, error)
	FeedOwner(ctx context.Context, token string) (string, error)
	ResetFeedToken(ctx context.Context, userID string) (string, error)
	PanelTallyOf(ctx context.Context, groupID string) (*store.PanelTally, error)
}

var _ visitCalendarStore = (*store.Store)(nil)

// conflictStore is what a CCU analyst's declared conflicts of interest
// need (ccu_conflict_*.go).
type conflictStore interface {
	Conflicts(ctx context.Context, userID string) ([]store.Conflict, error)
	DeclareConflict(ctx context.Context, userID string, p store.ConflictPerson) (*store.Conflict, error)
	RemoveConflict(ctx context.Context, userID, id string) error
}

// adviceAskStore is what asking for critical-incident advice needs
// (advice_new.go): the groups, who is in them, the people named, the new
// request, and the outbox its messages wait in (advice.Notify).
type adviceAskStore interface {
	advice.Outbox
	Now() time.Time
	Groups(ctx context.Context) ([]store.Group, error)
	GroupMembers(ctx context.Context, groupID string) ([]store.Membership, error)
	UserByEmail(ctx context.Context, email string) (*store.User, error)
	UsersByID(ctx context.Context, ids []string) (map[string]store.User, error)
	CreateAdviceRequest(ctx context.Context, r *store.AdviceRequest) error
	MarkAdviceNotified(ctx context.Context, id string) error
}

// adviceStore is what a critical-incident advice request's own pages need
// (advice_list.go, advice_show.go, advice_answer.go, advice_respond.go,
// advice_impact.go and loadAdvice in advice_access.go): the requests, a
// member's advice, the force's response to it, closing early, the
// community impact assessment's wording and the public summary, and the
// names of the groups and of the people who have not answered. (Asking
// for advice is adviceAskStore.)
type adviceStore interface {
	Now() time.Time
	AdviceRequest(ctx context.Context, id string) (*store.AdviceRequest, error)
	AdviceList(ctx context.Context, askedOf, reader string, limit int) ([]store.AdviceListing, error)
	PublishedAdvice(ctx context.Context, limit int) ([]store.AdviceRequest, error)
	GiveAdvice(ctx context.Context, id, userID, name, text string) (store.Advice, error)
	RespondToAdvice(ctx context.Context, id, userID, outcome, response, by string) error
	CloseAdviceRequest(ctx context.Context, id string) error
	AgreeImpactWording(ctx context.Context, id, wording string) error
	PublishAdviceSummary(ctx context.Context, id, summary, by string) error
	UnpublishAdviceSummary(ctx context.Context, id string) error
	Groups(ctx context.Context) ([]store.Group, error)
	UsersByID(ctx context.Context, ids []string) (map[string]store.User, error)
}

// surveyStore is what community confidence surveys need (survey_*.go):
// building and running them (the settings, the draft's questions,
// publishing, invitation codes), answering them (the respondents' copy of
// the survey, a code's check, the response), their results (the counters,
// the figures' version the results cache is keyed by, and the release
// decisions survey.BuildStored keeps: survey.Decisions), the free-text
// answers and their redaction, and the raw export.
type surveyStore interface {
	survey.Decisions
	Now() time.Time
	Surveys(ctx context.Context) ([]store.Survey, error)
	Survey(ctx context.Context, id string) (*store.Survey, error)
	SurveyForRespondents(ctx context.Context, id string) (*store.Survey, error)
	CreateSurvey(ctx context.Context, sv *store.Survey) error
	ChangeSurvey(ctx context.Context, id string, rev int, change func(sv *store.Survey, now time.Time) error) (*store.Survey, error)
	SurveyCodeCounts(ctx context.Context, surveyID string) (total, used int64, err error)
	CreateSurveyCodes(ctx context.Context, surveyID string, n int) ([]string, error)
	CheckSurveyCode(ctx context.Context, surveyID, code string) error
	SubmitResponse(ctx context.Context, v *store.Version, r *store.Response, code string) error
	Responses(ctx context.Context, surveyID string) ([]store.Response, error)
	Tallies(ctx context.Context, surveyID string, n int) ([]store.Tally, error)
	SurveyFiguresVersion(id string) (version uint64, exact bool)
	SurveyTexts(ctx context.Context, surveyID, qid string, published bool) ([]store.SurveyText, error)
	PublishedSurveyTexts(ctx context.Context, surveyID string) ([]store.SurveyText, error)
	RedactSurveyText(ctx context.Context, surveyID, id, redacted string, publish bool) error
}

// adminStore is what the administration of people, groups and partner
// organisations needs (people_list.go, person_*.go, group_*.go,
// member_edit.go, partner_*.go), and the download of what is held about a
// person (person_subject_access.go). (Auditing and queueing the
// invitation's mail go through auditDB and outboxDB.)
type adminStore interface {
	Now() time.Time
	SubjectAccessFor(ctx context.Context, userID string, groupName func(id string) string) (*store.SubjectAccess, error)
	CreateGroup(ctx context.Context, g *store.Group) error
	CreatePartner(ctx context.Context, p *store.Partner) error
	CreateToken(ctx context.Context, kind string, userID string, createdBy string, life time.Duration) (string, error)
	CreateUser(ctx context.Context, u *store.User) error
	DeleteUserSessions(ctx context.Context, userID string) (int64, error)
	Group(ctx context.Context, id string) (*store.Group, error)
	GroupMembers(ctx context.Context, groupID string) ([]store.Membership, error)
	Groups(ctx context.Context) ([]store.Group, error)
	ListUsers(ctx context.Context, f store.UserFilter) ([]store.User, bool, error)
	Membership(ctx context.Context, groupID string, userID string) (*store.Membership, error)
	Partner(ctx context.Context, id string) (*store.Partner, error)
	PartnerWorkers(ctx context.Context, partnerID string) ([]store.User, error)
	Partners(ctx context.Context) ([]store.Partner, error)
	PutMembership(ctx context.Context, m *store.Membership) error
	RemoveMembership(ctx context.Context, groupID string, userID string) error
	RevokeTokens(ctx context.Context, userID string, kinds ...string) (int64, error)
	SetRole(ctx context.Context, id string, r store.Role) error
	UpdateGroup(ctx context.Context, g *store.Group) error
	UpdateUser(ctx context.Context, id string, up store.UserUpdate) (*store.User, error)
	User(ctx context.Context, id string) (*store.User, error)
	UserByEmail(ctx context.Context, email string) (*store.User, error)
	UserMemberships(ctx context.Context, userID string) ([]store.Membership, error)
	UsersByID(ctx context.Context, ids []string) (map[string]store.User, error)
}

// accountStore is what a person's own account needs: the account page and
// its password, mobile and sign-out forms (account*.go), and the emailed
// links that set a password, invitations and resets (invitation.go,
// password_reset.go). (Auditing, sign-in throttling and queueing the reset
// mail take the store.)
type accountStore interface {
	PeekToken(ctx context.Context, kind string, secret string) (*store.Token, error)
	User(ctx context.Context, id string) (*store.User, error)
	UseToken(ctx context.Context, kind string, secret string) (*store.Token, error)
	ChangePassword(ctx context.Context, id string, hash string) error
	UserMemberships(ctx context.Context, userID string) ([]store.Membership, error)
	Group(ctx context.Context, id string) (*store.Group, error)
	Partner(ctx context.Context, id string) (*store.Partner, error)
	DeleteUserSessions(ctx context.Context, userID string) (int64, error)
	SetMobile(ctx context.Context, id string, mobile string) error
	UserByEmail(ctx context.Context, email string) (*store.User, error)
	CreateToken(ctx context.Context, kind string, userID string, createdBy string, life time.Duration) (string, error)
	RevokeTokens(ctx context.Context, userID string, kinds ...string) (int64, error)
}

// auditDB is where every handler's audit events go (Server.audit).
type auditDB interface {
	Audit(ctx context.Context, e store.AuditEvent) error
}

// outboxDB is where every handler's messages wait for the mail worker
// (Server.queueMail).
type outboxDB interface {
	QueueMail(ctx context.Context, to, subject, body string) error
}

// meetingStore is what group meetings need (meeting_*.go): the meeting, its
// papers, attendance, minutes and actions, and the group's members.
type meetingStore interface {
	Now() time.Time
	Meeting(ctx context.Context, id string) (*store.Meeting, error)
	Meetings(ctx context.Context, groupIDs []string, from time.Time, limit int) ([]store.Meeting, error)
	CreateMeeting(ctx context.Context, m *store.Meeting) error
	UpdateMeetingDetails(ctx context.Context, m *store.Meeting, version int) error
	StorePaper(ctx context.Context, meetingID string, p *store.Paper, r io.Reader) error
	PaperScanned(ctx context.Context, meetingID string, p store.Paper, clean bool) error
	OpenPaper(ctx context.Context, p store.Paper, w io.Writer) error
	DeletePaper(ctx context.Context, meetingID string, p store.Paper) error
	GroupMembers(ctx context.Context, groupID string) ([]store.Membership, error)
	MarkAttendance(ctx context.Context, id string, userID string, mark string) error
	SaveMinutes(ctx context.Context, id string, text string, by string) error
	ApproveMinutes(ctx context.Context, id string, by string) error
	AddAction(ctx context.Context, id string, a store.MeetingAction) (store.MeetingAction, error)
	SetActionDone(ctx context.Context, id string, actionID string, done bool) error
	Group(ctx context.Context, id string) (*store.Group, error)
	UsersByID(ctx context.Context, ids []string) (map[string]store.User, error)
	Groups(ctx context.Context) ([]store.Group, error)
}

// volunteerStore is what volunteers' logistics need: the availability poll
// (visit_availability*.go), training records (training_*.go) and expenses
// claims with their receipts (expenses.go).
type volunteerStore interface {
	Now() time.Time
	Groups(ctx context.Context) ([]store.Group, error)
	AvailabilityPollOf(ctx context.Context, groupID string, quarter string) (*store.AvailabilityPoll, error)
	VisitPlanByID(ctx context.Context, id string) (*store.VisitPlan, error)
	SetAvailability(ctx context.Context, groupID string, quarter string, userID string, weeks []string) error
	User(ctx context.Context, id string) (*store.User, error)
	SetTraining(ctx context.Context, userID string, r store.TrainingRecord) error
	TrainingOf(ctx context.Context, userID string) (*store.Training, error)
	ClaimsOf(ctx context.Context, userID string) ([]store.ExpenseClaim, error)
	ClaimableVisits(ctx context.Context, userID string, now time.Time) ([]store.Visit, error)
	Claim(ctx context.Context, id string) (*store.ExpenseClaim, error)
	StoreReceipt(ctx context.Context, p *store.Paper, r io.Reader) error
	OpenReceipt(ctx context.Context, p store.Paper, w io.Writer) error
	CreateClaim(ctx context.Context, c *store.ExpenseClaim) error
	DeleteReceipt(ctx context.Context, p store.Paper) error
	ClaimsWithStatus(ctx context.Context, status string) ([]store.ExpenseClaim, error)
	WaitingClaims(ctx context.Context) ([]store.ExpenseClaim, error)
	DecideClaim(ctx context.Context, id string, approve bool, reason string, by string) error
}

// auditPagesStore is what the two audit pages need (audit_list.go, the
// administrators' audit log, and ccu_audit.go, the CCU supervisor's
// referral audit): the events, the chain's check, and the names put to
// them (describeAudit: people, groups, recommendations, visits and
// referrals).
type auditPagesStore interface {
	ListAudit(ctx context.Context, flt store.AuditFilter) ([]store.AuditEvent, bool, error)
	VerifyAudit(ctx context.Context) (*store.AuditBreak, int64, error)
	AccountsByID(ctx context.Context, ids []string) (map[string]store.User, error)
	Groups(ctx context.Context) ([]store.Group, error)
	RecommendationsByID(ctx context.Context, ids []string) ([]store.RecSummary, error)
	Schedules(ctx context.Context, ids []string) ([]store.Visit, error)
	ReferralsByID(ctx context.Context, ids []string) ([]store.RefSummary, error)
}

// custodyStore is what custody visit reports need (custody_*.go): the pair's
// report, the scheme manager's reading and follow-up, the force's view and
// the quarter's return, and the scheme managers to tell. (The visit itself
// comes through visitStore's loadVisit.)
type custodyStore interface {
	Now() time.Time
	CustodyReport(ctx context.Context, id string) (*store.CustodyReport, error)
	SaveCustodyReport(ctx context.Context, r *store.CustodyReport, version int) error
	SubmitCustodyReport(ctx context.Context, r *store.CustodyReport, version int, userID string, name string) error
	ConfirmCustodyReport(ctx context.Context, r *store.CustodyReport, version int, userID string, name string) error
	MarkCustodyRead(ctx context.Context, id string) error
	UpdateCustodyIssues(ctx context.Context, r *store.CustodyReport, version int) error
	SubmittedCustodyReports(ctx context.Context, from time.Time, to time.Time) ([]store.CustodyReport, error)
	CustodyVisits(ctx context.Context) ([]store.Visit, error)
	ListUsers(ctx context.Context, flt store.UserFilter) ([]store.User, bool, error)
}

// ccuStore is what the Counter Corruption Unit's pages need (ccu_*.go but
// the declared conflicts): the queue, a case opened for a reason, its
// assessment, messages and links, the partner workers it invites, the
// referral audit and the supervisor's access review, and the unit's
// people (the assignee list, who is told of a new referral: ccuInbox).
type ccuStore interface {
	Now() time.Time
	ListUsers(ctx context.Context, flt store.UserFilter) ([]store.User, bool, error)
	Referral(ctx context.Context, id string) (*store.Referral, error)
	OpenReferral(ctx context.Context, id string) (*store.Referral, error)
	ReferralsByID(ctx context.Context, ids []string) ([]store.RefSummary, error)
	ReferralMatches(ctx context.Context, r *store.Referral) ([]store.RefSummary, error)
	ListReferrals(ctx context.Context, flt store.ReferralFilter) ([]store.RefSummary, bool, error)
	AssessReferral(ctx context.Context, id string, version int, a store.Assessment) (*store.Referral, error)
	AddRefMessage(ctx context.Context, id string, from string, byName string, text string) error
	LinkReferrals(ctx context.Context, id string, other string, link bool) error
	ConflictsWith(ctx context.Context, userID string, r *store.Referral) (bool, error)
	ConflictIndex(ctx context.Context) (map[string][]string, error)
	User(ctx context.Context, id string) (*store.User, error)
	Partner(ctx context.Context, id string) (*store.Partner, error)
	CreateUser(ctx context.Context, u *store.User) error
	ListAudit(ctx context.Context, flt store.AuditFilter) ([]store.AuditEvent, bool, error)
	AuditEventsBetween(ctx context.Context, from time.Time, to time.Time, actions []string) ([]store.AuditEvent, error)
	AccessReviewFor(ctx context.Context, month string) (*store.AccessReview, error)
	SignOffAccessReview(ctx context.Context, r store.AccessReview) error
}

// recStore is what the recommendations register needs
// (recommendation_*.go) and its public pages, "You said, we did"
// (public_recommendations.go): the register, the kept copy the dashboard
// draws from, the finding a recommendation is raised from and its visit,
// whether someone chairs the raising group, the group names, and the
// followers to tell of a change.
type recStore interface {
	Now() time.Time
	Recommendation(ctx context.Context, id string) (*store.Recommendation, error)
	ListRecommendations(ctx context.Context, f store.RecommendationFilter) ([]store.RecSummary, bool, error)
	ExportRecommendations(ctx context.Context) ([]store.Recommendation, error)
	RecommendationsCopy(ctx context.Context) ([]store.RecSummary, uint64, error)
	CreateRecommendation(ctx context.Context, r *store.Recommendation, by store.Actor) error
	CreateRecommendations(ctx context.Context, rs []*store.Recommendation, by store.Actor, kind string) error
	ChangeRecommendation(ctx context.Context, id string, version int, change func(r *store.Recommendation, now time.Time) (store.HistoryEntry, error)) (*store.Recommendation, error)
	FollowRecommendation(ctx context.Context, id, userID string, follow bool) error
	Finding(ctx context.Context, id string) (*store.Finding, error)
	Visit(ctx context.Context, id string) (*store.Visit, error)
	Membership(ctx context.Context, groupID, userID string) (*store.Membership, error)
	Groups(ctx context.Context) ([]store.Group, error)
	UsersByID(ctx context.Context, ids []string) (map[string]store.User, error)
}

// homeStore is what the home page needs (home.go, home_tasks.go and the
// next visits, visit_home.go): the person's groups and diary, and each
// role's counts of work waiting, all from by-id reads and the store's
// copies.
type homeStore interface {
	Now() time.Time
	UserMemberships(ctx context.Context, userID string) ([]store.Membership, error)
	Group(ctx context.Context, id string) (*store.Group, error)
	Groups(ctx context.Context) ([]store.Group, error)
	Diary(ctx context.Context, userID string) (*store.Diary, error)
	ReferralCounts(ctx context.Context) (store.RefCounts, error)
	AccessReviewFor(ctx context.Context, month string) (*store.AccessReview, error)
	QuestionsFor(ctx context.Context, partnerID string) ([]store.RefSummary, error)
	RecommendationCounts(ctx context.Context, now time.Time, groups []string) (store.RecCounts, error)
	FindingsCounts(ctx context.Context, groupIDs []string, first, last time.Time) (store.FindingCounts, error)
	VisitCopiesOf(ctx context.Context, userID string, booked, groupIDs []string, first, last time.Time) ([]store.Visit, error)
	ClaimsWaitingCount(ctx context.Context) (int, error)
	CustodyFollowUps(ctx context.Context) (store.CustodyFollowUp, error)
	ExpenseYear(ctx context.Context, userID string, start time.Time) (map[string]store.ExpenseYearItem, error)
	Schedules(ctx context.Context, ids []string) ([]store.Visit, error)
	Visits(ctx context.Context, f store.VisitFilter) ([]store.Visit, error)
}

// attemptsDB is the budget of tries on an account (signin_throttle.go):
// passwords at sign-in, two-factor and recovery codes, and the current
// password on the account page (takeTry).
type attemptsDB interface {
	TakeAttempt(ctx context.Context, key, account string, b store.AttemptBudget) (store.Attempt, error)
	ForgetAttempt(ctx context.Context, key string) error
}

// twoFactorStore is what two-factor authentication needs (twofactor.go,
// recovery.go): the account that owes a code at sign-in, its pending
// secret, the time steps used up, and its recovery codes. Set-up from the
// account page (account.go) goes through it too.
type twoFactorStore interface {
	Now() time.Time
	User(ctx context.Context, id string) (*store.User, error)
	SetTOTPSecret(ctx context.Context, id, secret string) error
	UseTOTPStep(ctx context.Context, id string, step int64) error
	EnableTOTP(ctx context.Context, id string) error
	SetRecoveryCodes(ctx context.Context, id string, hashes []string) error
	UseRecoveryCode(ctx context.Context, id, hash string) error
}

// reportStore is what anonymous reports need (report_*.go): the report
// stored under its receipt's keyed id, the reporter's return visit and
// their conversation with the CCU, and the flag that tells the CCU
// mailbox in its next batch (the limits on sending and on receipt tries
// go through hitsDB and receiptTriesDB).
type reportStore interface {
	Now() time.Time
	Sealer() *sealed.Sealer
	CreateReferral(ctx context.Context, n store.NewReferral) (*store.Referral, error)
	Referral(ctx context.Context, id string) (*store.Referral, error)
	ReferralReceipt(ctx context.Context, id string) (*store.Referral, error)
	OpenMessages(r *store.Referral, notes bool) error
	AddRefMessage(ctx context.Context, id, from, byName, text string) error
	NoteAnonymousArrival(ctx context.Context, what string) error
	StartReportVisit(ctx context.Context, r *store.Referral) (string, error)
	EndReportVisit(ctx context.Context, id, nonce string) error
}

// referralStore is what partner organisations' referrals need
// (referral_*.go): sending one, the organisation's list, a referral's
// status and its conversation with the CCU. (Telling the CCU mailbox goes
// through outboxDB, the CCU's people through ccuStore.)
type referralStore interface {
	CreateReferral(ctx context.Context, n store.NewReferral) (*store.Referral, error)
	ListReferrals(ctx context.Context, f store.ReferralFilter) ([]store.RefSummary, bool, error)
	Referral(ctx context.Context, id string) (*store.Referral, error)
	OpenMessages(r *store.Referral, notes bool) error
	AddRefMessage(ctx context.Context, id, from, byName, text string) error
}

// signInStore is what signing in needs (signin.go, oidc.go): the account
// an email address names and the clock an identity provider's round trip
// is timed by. (The tries go through attemptsDB, the session through
// sessionDB, the second step through twoFactorStore.)
type signInStore interface {
	Now() time.Time
	UserByEmail(ctx context.Context, email string) (*store.User, error)
}

// syncDB lets a request's writes share one wait for the disk (oneSync, on
// the anonymous report's send and the receipt's return).
type syncDB interface {
	OneSync(ctx context.Context) (context.Context, func())
}

// hitsDB is where the rate limiters count requests (limits.go), so that a
// limit holds across restarts and instances.
type hitsDB interface {
	Hit(ctx context.Context, key string, n int, window time.Duration) (bool, time.Duration, error)
}

// receiptTriesDB is the budget of receipt codes a client may try, and
// the overall count of tries (receiptGuard, report_guard.go).
type receiptTriesDB interface {
	TakeAttempt(ctx context.Context, key, account string, b store.AttemptBudget) (store.Attempt, error)
	ForgetAttempt(ctx context.Context, key string) error
	Hit(ctx context.Context, key string, n int, window time.Duration) (bool, time.Duration, error)
}

// powerStore is what the powers and disparity pages need (power_*.go,
// disparity_*.go, vetting_view.go, missing_time*.go and the vehicle stop
// form, vehicle_stop_new.go): which forces and months are held, the
// publications, the Census populations, the panels' samples, and the
// figures that powers and disparity draw from the store's records (the
// methods below the line, which powerFigures answers with the real
// store).
type powerStore interface {
	PowerForces(ctx context.Context, kind string) (map[string]store.PowerIndex, error)
	PowerIndexes(ctx context.Context) (map[string][]store.PowerIndex, error)
	PublishPower(ctx context.Context, p *store.PowerPublication) error
	PowerPublications(ctx context.Context, kind string) ([]store.PowerPublication, error)
	AllPowerPublications(ctx context.Context) (map[string][]store.PowerPublication, error)
	PublishDisparity(ctx context.Context, p *store.DisparityPublication) error
	DisparityPublications(ctx context.Context) ([]store.DisparityPublication, error)
	Population(ctx context.Context, force string) (*store.Population, error)
	PopulationOf(ctx context.Context, of, force string) (*store.Population, error)
	CommitPanelSample(ctx context.Context, p *store.PanelSample) error
	PanelSample(ctx context.Context, id string) (*store.PanelSample, error)
	PanelSamples(ctx context.Context) ([]store.PanelSample, error)
	DrawPanelSample(ctx context.Context, id string, records []store.SampledRecord, matching int64, by string) error

	ImportPower(ctx context.Context, d *powers.Dataset, src io.ReadSeeker, o powers.ImportOptions) (*powers.ImportResult, error)
	ImportPopulation(ctx context.Context, src io.Reader, force, source string) (*store.Population, error)
	ImportDrivers(ctx context.Context, src io.Reader, o disparity.DriversOptions) (*store.Population, error)
	PowerReport(ctx context.Context, d *powers.Dataset, force, from, to string) (*powers.Report, error)
	PowerReportBasis(ctx context.Context, d *powers.Dataset, force, from, to, basis string) (*powers.Report, error)
	PowerHeadline(ctx context.Context, d *powers.Dataset, force, from, to, basis string) (*powers.Report, error)
	StopSearchPublishable(ctx context.Context, force, from, to, basis string) (*powers.Report, error)
	VettingReport(ctx context.Context, force, from, to string) (*powers.VettingReport, error)
	MissingTimes(ctx context.Context, force, from, to string) (*powers.MissingTimes, error)
	CapturePower(ctx context.Context, d *powers.Dataset, force string, fields []string, by string) (string, error)
	DrawSample(ctx context.Context, f disparity.SampleFilter, rnd *rand.Rand) ([]store.SampledRecord, int64, error)
}

// powerFigures is the real store with the figures powers and disparity
// draw from it, each method one call of theirs: the powers pages' view in
// production.
type powerFigures struct{ *store.Store }

// ImportPower is powers.Import.
func (p powerFigures) ImportPower(ctx context.Context, d *powers.Dataset, src io.ReadSeeker, o powers.ImportOptions) (*powers.ImportResult, error) {
	return powers.Import(ctx, p.Store, d, src, o)
}

// ImportPopulation is disparity.ImportPopulation.
func (p powerFigures) ImportPopulation(ctx context.Context, src io.Reader, force, source string) (*store.Population, error) {
	return disparity.ImportPopulation(ctx, p.Store, src, force, source)
}

// ImportDrivers is disparity.ImportDrivers.
func (p powerFigures) ImportDrivers(ctx context.Context, src io.Reader, o disparity.DriversOptions) (*store.Population, error) {
	return disparity.ImportDrivers(ctx, p.Store, src, o)
}

// PowerReport is powers.Build.
func (p powerFigures) PowerReport(ctx context.Context, d *powers.Dataset, force, from, to string) (*powers.Report, error) {
	return powers.Build(ctx, p.Store, d, force, from, to)
}

// PowerReportBasis is powers.BuildBasis.
func (p powerFigures) PowerReportBasis(ctx context.Context, d *powers.Dataset, force, from, to, basis string) (*powers.Report, error) {
	return powers.BuildBasis(ctx, p.Store, d, force, from, to, basis)
}

// PowerHeadline is powers.Headline.
func (p powerFigures) PowerHeadline(ctx context.Context, d *powers.Dataset, force, from, to, basis string) (*powers.Report, error) {
	return powers.Headline(ctx, p.Store, d, force, from, to, basis)
}

// StopSearchPublishable is powers.CheckStopSearchPublishable.
func (p powerFigures) StopSearchPublishable(ctx context.Context, force, from, to, basis string) (*powers.Report, error) {
	return powers.CheckStopSearchPublishable(ctx, p.Store, force, from, to, basis)
}

// VettingReport is powers.BuildVetting.
func (p powerFigures) VettingReport(ctx context.Context, force, from, to string) (*powers.VettingReport, error) {
	return powers.BuildVetting(ctx, p.Store, force, from, to)
}

// MissingTimes is powers.BuildMissingTimes.
func (p powerFigures) MissingTimes(ctx context.Context, force, from, to string) (*powers.MissingTimes, error) {
	return powers.BuildMissingTimes(ctx, p.Store, force, from, to)
}

// CapturePower is powers.Capture.
func (p powerFigures) CapturePower(ctx context.Context, d *powers.Dataset, force string, fields []string, by string) (string, error) {
	return powers.Capture(ctx, p.Store, d, force, fields, by)
}

// DrawSample is disparity.DrawSample.
func (p powerFigures) DrawSample(ctx context.Context, f disparity.SampleFilter, rnd *rand.Rand) ([]store.SampledRecord, int64, error) {
	return disparity.DrawSample(ctx, p.Store, f, rnd)
}

// processingStore is what the record of processing needs (processing.go,
// processing_basis_edit.go): the lawful bases the DPO has set.
type processingStore interface {
	ProcessingBases(ctx context.Context) (map[string]store.ProcessingBasis, error)
	SetProcessingBasis(ctx context.Context, b store.ProcessingBasis) error
}

// readyDB is what the readiness check asks (readyz in server.go): that
// the store answers.
type readyDB interface {
	Ping(ctx context.Context) error
}

// devMailDB is what the development mail page reads (devmail.go): the
// outbox's newest messages.
type devMailDB interface {
	RecentMail(ctx context.Context, n int) ([]store.Mail, error)
}

// groupLister is any view that lists the groups (groupNamesIn).
type groupLister interface {
	Groups(ctx context.Context) ([]store.Group, error)
}

// groupNamesIn maps group ids to names (a force has tens of groups), and
// gives the groups too.
func groupNamesIn(ctx context.Context, db groupLister) (map[string]string, []store.Group, error) {
	gs, err := db.Groups(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[string]string, len(gs))
	for _, g := range gs {
		names[g.ID] = g.Name
	}
	return names, gs, nil
}

var (
	_ reportStore     = (*store.Store)(nil)
	_ referralStore   = (*store.Store)(nil)
	_ hitsDB          = (*store.Store)(nil)
	_ syncDB          = (*store.Store)(nil)
	_ signInStore     = (*store.Store)(nil)
	_ powerStore      = powerFigures{}
	_ processingStore = (*store.Store)(nil)
	_ readyDB         = (*store.Store)(nil)
	_ devMailDB       = (*store.Store)(nil)
	_ receiptTriesDB  = (*store.Store)(nil)
	_ recStore        = (*store.Store)(nil)
	_ homeStore       = (*store.Store)(nil)
	_ attemptsDB      = (*store.Store)(nil)
	_ twoFactorStore  = (*store.Store)(nil)
	_ auditPagesStore = (*store.Store)(nil)
	_ ccuStore        = (*store.Store)(nil)
	_ custodyStore    = (*store.Store)(nil)
	_ volunteerStore  = (*store.Store)(nil)
	_ meetingStore    = (*store.Store)(nil)
	_ auditDB         = (*store.Store)(nil)
	_ outboxDB        = (*store.Store)(nil)
	_ accountStore    = (*store.Store)(nil)
	_ adminStore      = (*store.Store)(nil)
	_ adviceAskStore  = (*store.Store)(nil)
	_ adviceStore     = (*store.Store)(nil)
	_ conflictStore   = (*store.Store)(nil)
	_ sessionDB       = (*store.Store)(nil)
	_ userDB          = (*store.Store)(nil)
	_ visitStore      = (*store.Store)(nil)
	_ surveyStore     = (*store.Store)(nil)
)

// The views below are the last handlers' that reached the concrete store
// (issue 17): the public audit chain (readyDB and devMailDB, above, are the
// readiness check's and the development outbox's; missing people's time to
// be found and a vehicle stop recorded by hand go through powerStore).

// auditChainStore is what the public audit chain pages need
// (audit_chain.go): the signed daily heads.
type auditChainStore interface {
	PublishedHeads(ctx context.Context) ([]store.PublishedHead, error)
}

// peopleByID is any view that reads people by id (mailUsers).
type peopleByID interface {
	UsersByID(ctx context.Context, ids []string) (map[string]store.User, error)
}

var (
	_ auditChainStore = (*store.Store)(nil)
)
