// Package server is Candour's web portal: Gin routes, middleware, handlers
// and page rendering. It calls the store's methods and never builds database
// queries itself; who may use each route is decided in policy.go alone.
package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"candour/config"
	"candour/password"
	"candour/store"
)

// Server is the portal.
type Server struct {
	cfg           config.Config
	auditLog      auditDB            // audit events, from every handler (Server.audit)
	outbox        outboxDB           // messages for the mail worker (Server.queueMail)
	users         userDB             // the signed-in person, every request (stores.go)
	visits        visitStore         // one visit's pages: sign-up, findings, sign-off, BWV log, planning
	calendar      visitCalendarStore // the calendar, its feeds and export, panel trends
	conflicts     conflictStore      // a CCU analyst's declared conflicts of interest
	admin         adminStore         // people, groups and partner organisations (admin pages)
	accounts      accountStore       // a person's own account and the emailed links that set a password
	meetings      meetingStore       // group meetings: papers, attendance, minutes and actions
	volunteer     volunteerStore     // volunteers' availability, training and expenses
	custody       custodyStore       // custody visit reports, the scheme manager's pages and the return
	ccu           ccuStore           // the Counter Corruption Unit's queue, cases, audit and access review
	adviceAsk     adviceAskStore     // asking for critical-incident advice
	adviceDB      adviceStore        // an advice request's pages: answers, responses, impact and the public summary
	surveyDB      surveyStore        // community confidence surveys: building, answering, results and exports
	auditPages    auditPagesStore    // the audit log and the CCU's referral audit, with names put to events
	recs          recStore           // the recommendations register and "You said, we did"
	homePage      homeStore          // the home page: each role's work waiting, a member's next visits
	attempts      attemptsDB         // the budget of tries on an account (signin_throttle.go)
	limits        hitsDB             // the rate limits' counts (limits.go)
	secondFactor  twoFactorStore     // two-factor set-up, codes and recovery codes
	reports       reportStore        // anonymous reports and a reporter's return
	referrals     referralStore      // partner organisations' referrals
	durable       syncDB             // one wait for the disk for a request's writes (one_sync.go)
	signIns       signInStore        // signing in: by password or through the identity provider
	powers        powerStore         // the powers and disparity pages and their figures
	processing    processingStore    // the record of processing's lawful bases
	chainHeads    auditChainStore    // the public audit chain's signed daily heads
	devOutbox     devMailDB          // the outbox's newest messages, outside production (devmail.go)
	ready         readyDB            // the readiness check (readyz)
	log           *slog.Logger
	templates     templateSet
	pageBufs      sync.Pool                // *bytes.Buffer: a page is drawn into one before it is sent (render.go)
	notices       map[string]template.HTML // privacy and accessibility, rendered at start-up (notices.go)
	sessions      *sessionStore
	hasher        password.Hasher
	metrics       *metrics
	signInLimiter *rateLimiter
	draining      atomic.Bool // set when shutdown begins: /readyz answers 503 (drain.go)
	oidc          *oidcFlow   // sign-in through the force's identity provider; nil when off (oidc.go)
	engine        *gin.Engine
	routeTable    []Route
	reportLimiter *rateLimiter  // anonymous report submissions and replies
	receiptGuard  *receiptGuard // wrong receipt codes
	ccuInbox      ccuInbox      // who "a new referral is waiting" goes to, cached
	surveys       surveyParts   // respondents' cookie and rate limit (survey_cookie.go, survey_load.go)
	resets        chan string   // password-reset requests, answered off the request path
	resetGate     sync.Mutex    // held while one is answered (tests hold it to look in between)
	resetPending  sync.WaitGroup
	limitSecret   []byte                          // keys the HMAC of client addresses in the store's limits
	sessionKey    []byte                          // CANDOUR_SESSION_KEY: purpose keys are derived from it
	gateSeen      func(*gin.Context)              // tests: called by the text gate for each form it normalised
	names         personNames                     // people's names for the audit pages, cached (audit_words.go)
	scanner       PaperScanner                    // meeting papers' virus scan (meeting_access.go)
	headlines     *store.Cache[overviewRow]       // the overview's lines, by the imports' versions (power_overview.go)
	dashboards    *store.Cache[*recDashboardData] // the recommendations dashboard, drawn, by the copy's load (recommendation_dashboard.go)
	openData      *store.Cache[*openData]         // "You said, we did" as JSON and Atom, by the copy's load (public_recommendations.go)

	recordsPerFinding int // Options.RecordsPerFinding (visit_record.go)
}

// Options are the server's tunables that are not configuration proper.
type Options struct {
	// SignInsPerMinute limits sign-in and reset attempts per client address
	// (default 20). Tests raise it; the benchmark dials from many loopback
	// addresses instead.
	SignInsPerMinute int
	// ReportsPerHour limits anonymous report submissions and replies per
	// client address, kept in memory only (default CANDOUR_REPORTS_PER_HOUR).
	ReportsPerHour int

	// SurveyPostsPerMinute limits survey starts and submissions per client
	// address (default: the configuration's, 30). Tests raise it.
	SurveyPostsPerMinute int

	// PaperScanner scans meeting papers before they are served (default
	// NoScan, which passes everything).
	PaperScanner PaperScanner

	// RecordsPerFinding caps the records one review's finding holds
	// (default 200). Tests lower it.
	RecordsPerFinding int

	// Build is the build named on /metrics (default Build, which main
	// sets). Tests name their own instead of changing Build.
	Build BuildInfo

	// DecideSurveys, if set, wakes the job that decides closed surveys'
	// releases (the disclosure audit; jobs.Wake): results pages then never
	// decide a release in the request, and show that the results are
	// being checked until the job has decided them. Without it (tests and
	// tools without the jobs), the first request decides, as before.
	DecideSurveys func()
}

// New builds the portal. It fails if a template does not parse.
func New(cfg config.Config, db *store.Store, log *slog.Logger, sessionKey []byte, opts Options) (*Server, error) {
	shared, err := pageTemplates()
	if err != nil {
		return nil, err
	}
	// The map is the Server's own (a test adds a page to it); the parsed
	// templates in it are shared.
	tmpl := maps.Clone(shared)
	if opts.SignInsPerMinute == 0 {
		opts.SignInsPerMinute = 20
	}
	if opts.ReportsPerHour == 0 {
		opts.ReportsPerHour = max(cfg.ReportsPerHour, 1)
	}
	if opts.RecordsPerFinding == 0 {
		opts.RecordsPerFinding = 200
	}
	if opts.Build == (BuildInfo{}) {
		opts.Build = Build
	}
	s := &Server{
		cfg:          cfg,
		auditLog:     db,
		outbox:       db,
		users:        db,
		visits:       db,
		calendar:     db,
		conflicts:    db,
		adviceAsk:    db,
		adviceDB:     db,
		surveyDB:     db,
		ccu:          db,
		custody:      db,
		volunteer:    db,
		meetings:     db,
		accounts:     db,
		admin:        db,
		auditPages:   db,
		recs:         db,
		homePage:     db,
		attempts:     db,
		limits:       db,
		secondFactor: db,
		reports:      db,
		referrals:    db,
		durable:      db,
		signIns:      db,
		powers:       powerFigures{db},
		processing:   db,
		chainHeads:   db,
		devOutbox:    db,
		ready:        db,
		log:          slog.New(requestIDHandler{log.Handler()}),
		templates:    tmpl,
		hasher:       password.For(cfg),
		metrics:      newMetrics(db, opts.Build),
		limitSecret:  derivedKey(sessionKey, "candour rate limit keys"),
		sessionKey:   sessionKey,
	}
	s.recordsPerFinding = opts.RecordsPerFinding
	s.scanner = opts.PaperScanner
	if s.scanner == nil {
		s.scanner = NoScan{}
	}
	s.signInLimiter = s.newLimiter("signin", opts.SignInsPerMinute, time.Minute, false)
	s.oidc = newOIDCFlow(cfg, s.signIns.Now)
	s.reportLimiter = s.newLimiter("report", opts.ReportsPerHour, time.Hour, true)
	s.receiptGuard = &receiptGuard{db: db, secret: s.limitSecret}
	s.resets = make(chan string, 256)
	go s.resetWorker()
	s.sessions = newSessionStore(db, sessionKey, cfg.Production(), s.idleTimeout)
	if opts.SurveyPostsPerMinute == 0 {
		opts.SurveyPostsPerMinute = cfg.SurveyPostsPerMinute
	}
	s.surveys = newSurveyParts(sessionKey, cfg.Production())
	s.surveys.decide = opts.DecideSurveys
	s.headlines = store.NewCache[overviewRow](headlinesKept, 0)
	s.dashboards = store.NewCache[*recDashboardData](dashboardsKept, 0)
	s.openData = store.NewCache[*openData](openDataKept, 0)
	s.surveys.limiter = s.newLimiter("survey", opts.SurveyPostsPerMinute, time.Minute, true)
	if s.notices, err = s.loadNotices(cfg.NoticesDir); err != nil {
		return nil, err
	}

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = false
	// Uploads over 1 MiB wait in temporary files, not in memory, so a 10 MB
	// meeting paper (or a stop-and-search import) costs a bounded amount.
	r.MaxMultipartMemory = 1 << 20
	r.RedirectTrailingSlash = true
	// Only a proxy in CANDOUR_TRUSTED_PROXIES may say who the client is
	// (X-Forwarded-For); otherwise the client is the connecting address.
	if err := r.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("CANDOUR_TRUSTED_PROXIES: %w", err)
	}
	r.Use(s.requestID, s.accessLog, s.recovery, s.securityHeaders, s.limitBody)
	if err := s.routes(r); err != nil {
		return nil, err
	}
	s.engine = r
	return s, nil
}

// derivedKey is a key for one purpose, derived from the session key.
func derivedKey(sessionKey []byte, purpose string) []byte {
	k := sha256.Sum256(append([]byte(purpose+"\x00"), sessionKey...))
	return k[:]
}

// idleTimeout is how long a session lives without a request: the configured
// timeout (30 minutes) for staff, CCU and partners, longer for volunteers who
// may be writing up a visit on a phone.
func (s *Server) idleTimeout(role string) time.Duration {
	switch store.Role(role) {
	case store.RoleMember, store.RoleChair:
		return max(s.cfg.IdleTimeout, 2*time.Hour)
	case "":
		return 2 * time.Hour // signed out: only holds the CSRF token
	}
	return s.cfg.IdleTimeout
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		w.Header().Set("Connection", "close") // the next request goes to another instance
	}
	s.engine.ServeHTTP(w, r)
}

// Serve answers requests on l until ctx is cancelled, then drains (drain.go:
// /readyz 503 at once, requests served for CANDOUR_DRAIN_DELAY), stops
// accepting and gives requests in flight shutdownGrace to finish.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	s.drain()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *Server) healthz(c *gin.Context) { c.String(http.StatusOK, "ok\n") }

func (s *Server) readyz(c *gin.Context) {
	if s.draining.Load() {
		c.String(http.StatusServiceUnavailable, "shutting down\n")
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.ready.Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready", "err", err)
		c.String(http.StatusServiceUnavailable, "store unavailable\n")
		return
	}
	c.String(http.StatusOK, "ready\n")
}
