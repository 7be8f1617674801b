package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"candour/config"
	"candour/disparity"
	"candour/password"
	"candour/powers"
	"candour/server"
	"candour/store"
)

// benchPassword is every seeded account's password.
const benchPassword = "bench-password-2026"

// sessionCookie is the portal's cookie name (server/session.go).
const sessionCookie = "candour_session"

// signInsPerClient is how many times each client signs in per run; two
// runs (one client, then all) stay inside the portal's limit of 20 sign-in
// attempts a minute per client address.
const signInsPerClient = 10

// seeded is what the load needs to know about the seeded data, and what
// seeding cost.
type seeded struct {
	memberSessions []session // one per client, a community member's
	adminSessions  []session // one per client, the administrator's
	signIns        []string  // distinct members' emails for POST /sign-in, signInsPerClient per client
	force          string    // stop-and-search force with a year of data, "" if none
	users, groups  int
	memberships    int
	partners       int
	stopSearch     int64
	auditEvents    int
	took           time.Duration
	auditTook      time.Duration
	hashTook       time.Duration // one argon2id hash at the configured cost, best of three
	probes         []probe       // single store calls, timed
	recommendation string        // one recommendation's id, for its page
	surveys        *surveyBench  // the surveys' ids and how to mint a submission (surveys.go)
	rawInserts     float64       // survey-response-sized inserts a second, 50 at once, straight through the driver (surveys.go)
	rawInsertCPU   time.Duration // the CPU time of one of them
}

// session is a signed-in browser: its cookie and its form token.
type session struct {
	cookie string
	csrf   string
}

// probe is one store call's time on the seeded data (best of three).
type probe struct {
	what string
	took time.Duration
}

// seed fills the data directory through the store package while no server
// runs (the embedded server owns its SQLite files).
func seed(ctx context.Context, env *serverEnv, o options) (*seeded, error) {
	began := time.Now()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, env.storeOptions())
	if err != nil {
		return nil, err
	}
	defer db.Close(context.Background())
	sd := &seeded{}
	rnd := rand.New(rand.NewPCG(2026, 11))

	var hash string
	sd.hashTook = time.Hour
	for range 3 { // best of three: the machine may be busy
		t := time.Now()
		hash = password.For(cfg).Hash(benchPassword)
		sd.hashTook = min(sd.hashTook, time.Since(t))
	}
	t := time.Now()

	done := func(what string) {
		fmt.Fprintf(os.Stderr, "  %-40s %s\n", what, ms(time.Since(t)))
		t = time.Now()
	}
	people, err := seedPeople(ctx, db, hash, o, rnd, sd)
	if err != nil {
		return nil, err
	}
	done(fmt.Sprintf("%d accounts, %d partners", sd.users, sd.partners))
	if err := seedGroups(ctx, db, people, rnd, sd); err != nil {
		return nil, err
	}
	done(fmt.Sprintf("%d groups, %d memberships", sd.groups, sd.memberships))
	if err := seedSessions(ctx, db, env.sessionKey, people, o, sd); err != nil {
		return nil, err
	}
	done(fmt.Sprintf("%d sessions", len(sd.memberSessions)+len(sd.adminSessions)))
	if err := seedStopSearch(ctx, db, o.dataDir, people.admin.Email, sd); err != nil {
		return nil, err
	}
	done(fmt.Sprintf("%d stop-and-search records", sd.stopSearch))
	if err := seedPowers(ctx, db, o.dataDir, people.admin.Email, sd.force); err != nil { // powers.go
		return nil, err
	}
	done("a year of vehicle stops")
	if err := seedRecommendations(ctx, db, sd); err != nil {
		return nil, err
	}
	done(fmt.Sprintf("%d recommendations with history", benchRecommendations))
	if err := seedVisits(ctx, db, env.sessionKey, people); err != nil {
		return nil, err
	}
	done(fmt.Sprintf("%d visits, %d findings", benchVisits, benchFindings))
	// First: it gives the store the field keys, which advice is sealed with.
	if err := seedReferralBench(ctx, db, env, o); err != nil {
		return nil, err
	}
	done(fmt.Sprintf("%d referrals with messages", benchReferrals))
	if err := seedAdviceBench(ctx, db, env.sessionKey, people, o.profile); err != nil {
		return nil, err
	}
	done(fmt.Sprintf("%d advice requests; %d members notified (%d messages) in %s", benchAdviceRequests+1, benchAdviceNotify, adviceBench.messages, ms(adviceBench.notify)))
	if err := seedAudit(ctx, db, o.audit, people.community, rnd); err != nil {
		return nil, err
	}
	sd.auditEvents, sd.auditTook = o.audit, time.Since(t)
	done(fmt.Sprintf("%d audit events", o.audit))
	sd.probes = probeStore(ctx, db, people, sd.force)
	done("store probes")
	if err := seedSurveyBench(ctx, db, env.sessionKey, sd, o.profile != ""); err != nil {
		return nil, err
	}
	done(fmt.Sprintf("surveys: %d responses, and counters for %d", benchSurveyResponses, benchMillion))
	sd.took = time.Since(began)
	return sd, nil
}

type seededPeople struct {
	admin     *store.User
	community []*store.User // members and chairs
	// Set by seedGroups: the groups, each group's members' ids (in the
	// order seeded) and the Stop and Search Scrutiny Panel, whose visits
	// to come the sign-up row uses.
	groups  []store.Group
	byGroup map[string][]string
	panel   *store.Group
}

var (
	firstNames = strings.Fields("Aisha Ben Chloe Dev Emeka Fatima George Hana Imran Jade Kwame Laura Mohammed Nia Oliver Priya Rhys Sara Tom Uche Vikram Wendy Yusuf Zara")
	lastNames  = strings.Fields("Ahmed Baker Clarke Davies Evans Francis Green Hussain Iqbal Jones Khan Lewis Mensah Nowak Okafor Patel Reid Singh Taylor Walker Wright Young")
)

// seedPeople makes the administrator (two-factor enrolled), coordinators, a
// CCU officer, partner workers and the community: members, one in ten a chair.
func seedPeople(ctx context.Context, db *store.Store, hash string, o options, rnd *rand.Rand, sd *seeded) (*seededPeople, error) {
	p := &seededPeople{}
	create := func(u *store.User) error {
		u.Status, u.PasswordHash = store.StatusActive, hash
		sd.users++
		return db.CreateUser(ctx, u)
	}
	p.admin = &store.User{Email: "bench-admin@candour.example", Name: "Bench Admin", Role: store.RoleAdmin,
		TOTPSecret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", TOTPEnabled: true}
	if err := create(p.admin); err != nil {
		return nil, err
	}
	for i := range 3 {
		if err := create(&store.User{Email: fmt.Sprintf("coordinator%d@candour.example", i), Name: "Coordinator " + lastNames[i], Role: store.RoleCoordinator}); err != nil {
			return nil, err
		}
	}
	if err := create(&store.User{Email: "ccu@candour.example", Name: "CCU Officer", Role: store.RoleCCU, TOTPSecret: "JBSWY3DPEHPK3PXP", TOTPEnabled: true}); err != nil {
		return nil, err
	}
	for i, name := range []string{"Citizens Advice Dorset", "Dorset Council Safeguarding", "Bournemouth Youth Trust", "Dorset HealthCare"} {
		org := &store.Partner{Name: name, Kind: store.PartnerKinds[i%len(store.PartnerKinds)], Email: fmt.Sprintf("contact@partner%d.example", i)}
		if err := db.CreatePartner(ctx, org); err != nil {
			return nil, err
		}
		sd.partners++
		for j := range 2 {
			u := &store.User{Email: fmt.Sprintf("worker%d@partner%d.example", j, i), Name: "Worker " + firstNames[i+j], Role: store.RolePartner, PartnerID: org.ID}
			if err := create(u); err != nil {
				return nil, err
			}
		}
	}
	for i := range o.members {
		role := store.RoleMember
		if i%10 == 9 {
			role = store.RoleChair
		}
		u := &store.User{Email: fmt.Sprintf("member%04d@community.example", i), Role: role,
			Name: firstNames[rnd.IntN(len(firstNames))] + " " + lastNames[rnd.IntN(len(lastNames))]}
		if err := create(u); err != nil {
			return nil, err
		}
		p.community = append(p.community, u)
	}
	return p, nil
}

// seedGroups makes ten groups and puts each community member in one to
// three of them, with vetting that has lapsed, lapses soon or is current;
// the first benchSignUpUsers members are also in the Stop and Search
// Scrutiny Panel (NPPV3, for the sign-up row: visits.go).
func seedGroups(ctx context.Context, db *store.Store, p *seededPeople, rnd *rand.Rand, sd *seeded) error {
	community := p.community
	var groups []*store.Group
	for i, name := range []string{
		"Bournemouth Independent Advisory Group", "Poole Independent Advisory Group", "Dorset Rural Independent Advisory Group",
		"Race Action Plan Group", "Stop and Search Scrutiny Panel", "Body Worn Video Scrutiny Panel",
		"Use of Force Scrutiny Panel", "Youth Scrutiny Panel", "Custody Scrutiny Panel", "Hate Crime Scrutiny Panel",
	} {
		kind := store.GroupPanel
		switch {
		case i < 3:
			kind = store.GroupIAG
		case i == 3:
			kind = store.GroupRAP
		}
		g := &store.Group{Name: name, Kind: kind, Description: "Community scrutiny of " + strings.ToLower(name) + " work."}
		if err := db.CreateGroup(ctx, g); err != nil {
			return err
		}
		groups = append(groups, g)
	}
	sd.groups = len(groups)
	now := time.Now()
	var ms []*store.Membership
	const panelIndex = 4 // Stop and Search Scrutiny Panel
	signUps := 0
	for _, u := range community {
		inPanel := false
		for k, gi := range rnd.Perm(len(groups))[:1+rnd.IntN(3)] {
			inPanel = inPanel || gi == panelIndex
			m := &store.Membership{GroupID: groups[gi].ID, UserID: u.ID, Chair: u.Role == store.RoleChair && k == 0,
				VettingLevel: store.VettingLevels[rnd.IntN(len(store.VettingLevels))]}
			switch n := rnd.IntN(10); {
			case n == 0:
				m.VettingExpires = now.AddDate(0, 0, -rnd.IntN(200)-1)
			case n == 1:
				m.VettingExpires = now.AddDate(0, 0, rnd.IntN(59)+1)
			case n < 8:
				m.VettingExpires = now.AddDate(1+rnd.IntN(3), 0, 0)
			}
			if gi == panelIndex && u.Role == store.RoleMember && signUps < benchSignUpUsers {
				m.Chair, m.VettingLevel, m.VettingExpires = false, "NPPV3", time.Time{}
			}
			ms = append(ms, m)
			sd.memberships++
		}
		if u.Role == store.RoleMember && signUps < benchSignUpUsers {
			signUps++
			if !inPanel {
				ms = append(ms, &store.Membership{GroupID: groups[panelIndex].ID, UserID: u.ID, VettingLevel: "NPPV3"})
				sd.memberships++
			}
		}
	}
	p.byGroup = map[string][]string{}
	for _, m := range ms {
		p.byGroup[m.GroupID] = append(p.byGroup[m.GroupID], m.UserID)
	}
	for _, g := range groups {
		p.groups = append(p.groups, *g)
	}
	p.panel = &p.groups[panelIndex]
	return db.SeedMemberships(ctx, ms) // in bulk: PutMembership one by one took 38 s at 1×
}

// mintSession stores a signed-in session for u and returns its cookie, as
// the portal's session store would write them (the value keys are
// server/session.go's keyUserID, keyRole and keyCSRF). extra are more
// values, as key, value pairs.
func mintSession(ctx context.Context, db *store.Store, key []byte, u *store.User, extra ...string) (session, error) {
	id, csrf := store.RandomSecret(), store.RandomSecret()
	now := time.Now().UTC()
	values := map[string]string{"uid": u.ID, "role": string(u.Role), "csrf": csrf}
	for i := 0; i+1 < len(extra); i += 2 {
		values[extra[i]] = extra[i+1]
	}
	err := db.SaveSession(ctx, id, &store.Session{UserID: u.ID, CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(3 * time.Hour),
		Values: values})
	if err != nil {
		return session{}, err
	}
	cookie, err := server.SessionCookieValue(key, id)
	return session{cookie: cookie, csrf: csrf}, err
}

// seedSessions signs the load's clients in without the sign-in pages: a
// session document per client and the signed cookie naming it, as the
// portal's session store would write them. The administrator's sessions
// skip the two-factor step, which the page budgets do not cover.
func seedSessions(ctx context.Context, db *store.Store, key []byte, p *seededPeople, o options, sd *seeded) error {
	mint := func(u *store.User) (session, error) { return mintSession(ctx, db, key, u) }
	members := 0
	for _, u := range p.community {
		switch {
		case u.Role == store.RoleMember && members < o.clients:
			s, err := mint(u)
			if err != nil {
				return err
			}
			sd.memberSessions = append(sd.memberSessions, s)
			members++
		case len(sd.signIns) < (o.clients+1)*signInsPerClient:
			sd.signIns = append(sd.signIns, u.Email)
		}
	}
	for range o.clients {
		s, err := mint(p.admin)
		if err != nil {
			return err
		}
		sd.adminSessions = append(sd.adminSessions, s)
	}
	return nil
}

// seedStopSearch imports a year of stop and search for Dorset (about 5,000
// records: the real January 2019 file resampled into each month of 2019),
// the Census population, and publishes the year on the public page.
func seedStopSearch(ctx context.Context, db *store.Store, dataDir, admin string, sd *seeded) error {
	src := filepath.Join(dataDir, "2019-01-dorset-stop-and-search.csv")
	b, err := os.ReadFile(src)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: no stop and search data (%v): the disparity pages will be empty\n", err)
		return nil
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(rows) < 2 {
		return fmt.Errorf("read %s: %v", src, err)
	}
	header, records := rows[0], rows[1:]
	const perYear = 5000
	for m := range 12 {
		month := fmt.Sprintf("2019-%02d", m+1)
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		_ = w.Write(header)
		for i := perYear * m / 12; i < perYear*(m+1)/12; i++ {
			rec := append([]string(nil), records[i%len(records)]...)
			// Date is like 2019-01-17T10:30:00+00:00: move it into the month, on a day every month has.
			if len(rec[1]) >= 10 {
				day := min(rec[1][8:10], "28")
				rec[1] = month + "-" + day + rec[1][10:]
			}
			_ = w.Write(rec)
		}
		w.Flush()
		res, err := powers.Import(ctx, db, powers.StopSearch, bytes.NewReader(buf.Bytes()), powers.ImportOptions{
			Source: month + "-dorset-stop-and-search.csv", By: admin})
		if err != nil {
			return fmt.Errorf("import %s: %w", month, err)
		}
		sd.stopSearch += res.Rows
		sd.force = res.Force
	}
	pop, err := os.Open(filepath.Join(dataDir, "census2021-ts021-dorset-force-area.csv"))
	if err != nil {
		return err
	}
	defer pop.Close()
	if _, err := disparity.ImportPopulation(ctx, db, pop, sd.force, filepath.Base(pop.Name())); err != nil {
		return err
	}
	return db.PublishDisparity(ctx, &store.DisparityPublication{ID: sd.force, From: "2019-01", To: "2019-12",
		Ethnicity: disparity.SelfDefined, PublishedBy: admin})
}

// seedAudit appends a year of audit events, mostly sign-ins and sign-outs,
// spread evenly up to a minute ago, through the store's bulk seeding (which
// keeps the hash chain valid).
func seedAudit(ctx context.Context, db *store.Store, n int, community []*store.User, rnd *rand.Rand) error {
	end := time.Now().Add(-time.Minute)
	start := end.AddDate(-1, 0, 0)
	step := end.Sub(start) / time.Duration(max(n, 1))
	return db.SeedAuditEvents(ctx, n, func(i int) store.AuditEvent {
		u := community[rnd.IntN(len(community))]
		e := store.AuditEvent{At: start.Add(time.Duration(i) * step), ActorID: u.ID, Actor: u.Email, Target: "user:" + u.ID}
		switch k := i % 100; {
		case k < 60:
			e.Action = store.AuditSignIn
		case k < 80:
			e.Action = store.AuditSignOut
		case k < 90:
			e.Action, e.Detail = store.AuditSignInFailed, "wrong password"
		case k < 94:
			e.Action, e.Detail = store.AuditMembership, "vetting level changed"
		case k < 97:
			e.Action, e.Detail = store.AuditUserChange, "name changed"
		case k < 98:
			e.Action, e.Detail = store.AuditRoleChange, "member to chair"
		default:
			e.Action = store.AuditPasswordSet
		}
		return e
	})
}

// probeTimeout bounds one probed store call: some scan the audit log.
const probeTimeout = 5 * time.Second

// probeStore times single store calls the pages make, on the seeded data,
// to show where page time goes.
func probeStore(ctx context.Context, db *store.Store, p *seededPeople, force string) []probe {
	u := p.community[0]
	calls := []struct {
		what string
		fn   func(ctx context.Context) error
	}{
		{"User by id (every signed-in request)", func(ctx context.Context) error { _, err := db.User(ctx, u.ID); return err }},
		{"UserByEmail (sign-in)", func(ctx context.Context) error { _, err := db.UserByEmail(ctx, u.Email); return err }},
		{"UserMemberships (home)", func(ctx context.Context) error { _, err := db.UserMemberships(ctx, u.ID); return err }},
		{"ListUsers page 1 (people)", func(ctx context.Context) error { _, _, err := db.ListUsers(ctx, store.UserFilter{}); return err }},
		{"Groups (groups)", func(ctx context.Context) error { _, err := db.Groups(ctx); return err }},
		{"Memberships, all (groups)", func(ctx context.Context) error { _, err := db.Memberships(ctx); return err }},
		{"PowerForces (disparity)", func(ctx context.Context) error {
			_, err := db.PowerForces(ctx, store.PowerStopSearch)
			return err
		}},
		{"powers.BuildBasis of stop and search, a year (disparity)", func(ctx context.Context) error {
			if force == "" {
				return nil
			}
			_, err := powers.BuildBasis(ctx, db, powers.StopSearch, force, "2019-01", "2019-12", disparity.SelfDefined)
			return err
		}},
		{"Audit append (every sign-in)", func(ctx context.Context) error {
			return db.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditPublished, Detail: "bench probe"})
		}},
		{"ListAudit newest 50 (audit)", func(ctx context.Context) error { _, _, err := db.ListAudit(ctx, store.AuditFilter{}); return err }},
		{"ListAudit filtered by action (audit)", func(ctx context.Context) error {
			_, _, err := db.ListAudit(ctx, store.AuditFilter{Action: store.AuditRoleChange})
			return err
		}},
	}
	var out []probe
	for _, c := range calls {
		best := time.Duration(1<<63 - 1)
		for range 3 {
			pctx, cancel := context.WithTimeout(ctx, probeTimeout)
			t := time.Now()
			err := c.fn(pctx)
			took := time.Since(t)
			cancel()
			if err != nil {
				if pctx.Err() != nil {
					best = -1 // timed out
				} else {
					fmt.Fprintf(os.Stderr, "bench: probe %s: %v\n", c.what, err)
				}
				break
			}
			best = min(best, took)
			if best > time.Second {
				break // once is enough to see it is slow
			}
		}
		out = append(out, probe{c.what, best})
	}
	return out
}
