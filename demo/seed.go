// Package demo fills an empty store with a believable demo force: accounts
// for every role, groups and members, recommendations, a year of police.uk
// stop-and-search months with the force's Census population, visits,
// referrals and surveys. `candour seed demo` and the first start of `make
// run` call Seed; every demo account shares one development password.
package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"candour/config"
	"candour/password"
	"candour/store"
)

// Login is a demo account's sign-in, printed for newcomers.
type Login struct {
	Role     store.Role
	Email    string
	Password string
	Note     string
}

// Password is every demo account's password (development only).
const Password = "candour-demo-2026"

// PrintLogins prints the demo sign-ins for a newcomer.
func PrintLogins(w io.Writer, logins []Login) {
	fmt.Fprintf(w, "\nDemo sign-ins (password %q for all):\n", Password)
	for _, l := range logins {
		fmt.Fprintf(w, "  %-14s %-36s %s\n", l.Role, l.Email, l.Note)
	}
	fmt.Fprintln(w)
}

// Seed fills an empty store with the demo force: the eight demo
// sign-ins, partner organisations, Dorset's groups with about 25 community
// members and their vetting, and a few audit events.
func Seed(ctx context.Context, db *store.Store, cfg config.Config) ([]Login, error) {
	hash := password.For(cfg).Hash(Password)
	partners, err := seedPartners(ctx, db)
	if err != nil {
		return nil, err
	}
	var logins []Login
	demo := map[string]*store.User{}
	for _, p := range []struct {
		role    store.Role
		email   string
		name    string
		note    string
		partner string
	}{
		{store.RoleAdmin, "admin@candour.example", "Alex Admin", "two-factor set-up at first sign-in", ""},
		{store.RoleCoordinator, "coordinator@candour.example", "Priya Shah", "", ""},
		{store.RoleCCU, "ccu@candour.example", "Sam Okafor", "two-factor set-up at first sign-in", ""},
		{store.RoleCCUSupervisor, "supervisor@candour.example", "Morgan Reid", "two-factor set-up at first sign-in", ""},
		{store.RoleChair, "chair@candour.example", "Grace Mensah", "", ""},
		{store.RoleMember, "member@candour.example", "Daniel Clarke", "", ""},
		{store.RolePartner, "partner@candour.example", "Jo Whitfield", "", "Purbeck Domestic Abuse Service"},
		{store.RoleSchemeManager, "schememanager@candour.example", "Ruth Adeyemi", "Police and Crime Commissioner's office", ""},
		{store.RoleOfficer, "officer@candour.example", "PC Tom Hughes", "records vehicle stops at /vehicle-stops/new", ""},
	} {
		u := &store.User{Email: p.email, Name: p.name, Role: p.role, Status: store.StatusActive, PasswordHash: hash, PartnerID: partners[p.partner]}
		if err := db.CreateUser(ctx, u); err != nil {
			return nil, err
		}
		demo[p.email] = u
		logins = append(logins, Login{Role: p.role, Email: p.email, Password: Password, Note: p.note})
	}
	if err := seedCommunity(ctx, db, hash, partners, demo); err != nil {
		return nil, fmt.Errorf("seed demo: %w", err)
	}
	if err := seedRecommendations(ctx, db, demo); err != nil {
		return nil, fmt.Errorf("seed demo: %w", err)
	}
	if err := seedStopSearch(ctx, db, cfg.DemoDataDir, demo["coordinator@candour.example"]); err != nil {
		return nil, fmt.Errorf("seed demo: %w", err)
	}
	if err := seedPowers(ctx, db, demo["coordinator@candour.example"]); err != nil {
		return nil, fmt.Errorf("seed demo: %w", err)
	}
	if err := seedVisits(ctx, db, demo); err != nil {
		return nil, fmt.Errorf("seed demo: %w", err)
	}
	if err := seedCustodyReports(ctx, db); err != nil {
		return nil, fmt.Errorf("seed demo: %w", err)
	}
	refLogins, err := seedReferrals(ctx, db, cfg, partners, demo)
	if err != nil {
		return nil, fmt.Errorf("seed demo: %w", err)
	}
	logins = append(logins, refLogins...)
	if err := SeedSurveys(ctx, db); err != nil {
		return nil, fmt.Errorf("seed demo: %w", err)
	}
	if err := seedAdvice(ctx, db, demo); err != nil {
		return nil, fmt.Errorf("seed demo: %w", err)
	}
	if err := seedMeetings(ctx, db, demo); err != nil {
		return nil, fmt.Errorf("seed demo: %w", err)
	}
	return logins, nil
}

// The demo's partner organisations (invented names, real kinds of body).
var demoPartners = []store.Partner{
	{Name: "Purbeck Domestic Abuse Service", Kind: "charity", Email: "referrals@purbeck-das.example"},
	{Name: "BCP Council Safeguarding Adults Team", Kind: "local authority", Email: "safeguarding.adults@bcp-council.example"},
	{Name: "Wessex Sexual Violence Support Service", Kind: "charity", Email: "support@wessex-svss.example"},
	{Name: "Dorset Council Children's Services", Kind: "local authority", Email: "childrens.safeguarding@dorset-council.example"},
	{Name: "Dorset Community Health Safeguarding Team", Kind: "health", Email: "safeguarding@dorset-health.example"},
}

// seedPartners creates the partner organisations and returns their ids by name.
func seedPartners(ctx context.Context, db *store.Store) (map[string]string, error) {
	ids := map[string]string{}
	for _, p := range demoPartners {
		if err := db.CreatePartner(ctx, &p); err != nil {
			return nil, fmt.Errorf("seed partner %s: %w", p.Name, err)
		}
		ids[p.Name] = p.ID
	}
	return ids, nil
}

// The demo's groups, by a short key used in demoMembers.
var demoGroups = []struct {
	key string
	store.Group
}{
	{"bcp", store.Group{Name: "Bournemouth, Christchurch and Poole IAG", Kind: store.GroupIAG,
		Description: "Advises the force as a critical friend on policing in Bournemouth, Christchurch and Poole, including critical incidents and community tension. Meets monthly at a community venue and online."}},
	{"rural", store.Group{Name: "Dorset Rural IAG", Kind: store.GroupIAG,
		Description: "Advises on policing Dorset's villages and market towns: rural, wildlife and heritage crime, isolation and access to services. Meets every other month in Dorchester and online."}},
	{"rap", store.Group{Name: "Police Race Action Plan Group", Kind: store.GroupRAP,
		Description: "Co-chaired by a community member and the force, with key contacts from Dorset's Black communities, the Dorset Ethnic Police Association, the Office of the Police and Crime Commissioner and Corporate Communications. Agrees the calendar of community scrutiny visits and tracks their recommendations."}},
	{"sas", store.Group{Name: "Stop and Search Scrutiny Panel", Kind: store.GroupPanel,
		Description: "Independent panel that reviews a sample of stop and search records and body-worn video every quarter, at a neutral venue with online access."}},
	{"uof", store.Group{Name: "Use of Force Scrutiny Panel", Kind: store.GroupPanel,
		Description: "Independent panel that reviews use of force records and body-worn video, including Taser and handcuffing, and publishes its findings."}},
}

// demoMembership puts a member in a group: vetting level, days until the
// vetting expires (negative: lapsed) and whether they chair it.
type demoMembership struct {
	group   string
	vetting string
	days    int
	chair   bool
}

// demoMembers are the community members. Email is the demo login's
// address for the two demo accounts, who are created with the logins.
var demoMembers = []struct {
	name   string
	email  string
	status string
	groups []demoMembership
}{
	{"Grace Mensah", "chair@candour.example", store.StatusActive, []demoMembership{{"rap", "NPPV2", 480, true}, {"sas", "NPPV2", 480, true}}},
	{"Daniel Clarke", "member@candour.example", store.StatusActive, []demoMembership{{"bcp", "NPPV1", 300, false}, {"sas", "NPPV2", 41, false}}},
	{"Delroy Francis", "delroy.francis@example.org", store.StatusActive, []demoMembership{{"bcp", "NPPV1", 640, true}, {"rap", "NPPV2", 400, false}}},
	{"Amara Okonkwo", "amara.okonkwo@example.org", store.StatusActive, []demoMembership{{"bcp", "NPPV1", 310, false}, {"rap", "NPPV2", 520, false}}},
	{"Tariq Hussain", "tariq.hussain@example.org", store.StatusActive, []demoMembership{{"bcp", "NPPV1", 18, false}, {"sas", "NPPV2", 700, false}}},
	{"Siobhan Murphy", "siobhan.murphy@example.org", store.StatusActive, []demoMembership{{"rural", "NPPV1", 450, false}}},
	{"Kwame Asante", "kwame.asante@example.org", store.StatusActive, []demoMembership{{"rap", "NPPV2", 220, false}, {"sas", "NPPV2", 220, false}}},
	{"Fatima Begum", "fatima.begum@example.org", store.StatusActive, []demoMembership{{"bcp", "NPPV1", 830, false}}},
	{"Rhys Evans", "rhys.evans@example.org", store.StatusActive, []demoMembership{{"rural", "NPPV1", -12, false}}},
	{"Mei Lin Chen", "meilin.chen@example.org", store.StatusActive, []demoMembership{{"bcp", "none", 0, false}, {"uof", "NPPV2", 365, false}}},
	{"Oluwaseun Adeyemi", "seun.adeyemi@example.org", store.StatusActive, []demoMembership{{"rap", "NPPV2", 52, false}, {"sas", "NPPV2", 52, false}}},
	{"Hannah Goldberg", "hannah.goldberg@example.org", store.StatusActive, []demoMembership{{"uof", "NPPV2", 590, false}}},
	{"Marcus Campbell", "marcus.campbell@example.org", store.StatusActive, []demoMembership{{"uof", "NPPV2", 700, true}}},
	{"Aisha Rahman", "aisha.rahman@example.org", store.StatusActive, []demoMembership{{"bcp", "NPPV1", 275, false}, {"sas", "NPPV2", 275, false}}},
	{"Tomasz Nowak", "tomasz.nowak@example.org", store.StatusActive, []demoMembership{{"rural", "NPPV1", 390, false}}},
	{"Bethany Hughes", "bethany.hughes@example.org", store.StatusActive, []demoMembership{{"rural", "NPPV1", 160, false}}},
	{"Precious Moyo", "precious.moyo@example.org", store.StatusActive, []demoMembership{{"rap", "NPPV2", 610, false}, {"uof", "NPPV2", 610, false}}},
	{"Harjit Kaur Sandhu", "harjit.sandhu@example.org", store.StatusActive, []demoMembership{{"bcp", "NPPV1", 37, false}}},
	{"Liam O'Connor", "liam.oconnor@example.org", store.StatusActive, []demoMembership{{"uof", "NPPV2", 480, false}}},
	{"Yasmin Ali", "yasmin.ali@example.org", store.StatusActive, []demoMembership{{"sas", "NPPV2", 330, false}}},
	{"Errol Thompson", "errol.thompson@example.org", store.StatusActive, []demoMembership{{"rap", "NPPV3", 900, false}}},
	{"Chloe Barnes", "chloe.barnes@example.org", store.StatusActive, []demoMembership{{"rural", "NPPV1", 700, false}}},
	{"Ruth Ashworth", "ruth.ashworth@example.org", store.StatusActive, []demoMembership{{"rural", "NPPV1", 500, true}}},
	{"Gabriel Silva", "gabriel.silva@example.org", store.StatusActive, []demoMembership{{"sas", "NPPV2", 150, false}}},
	{"Nia Williams", "nia.williams@example.org", store.StatusActive, []demoMembership{{"uof", "NPPV2", 260, false}}},
	{"Jasmine Patel", "jasmine.patel@example.org", store.StatusInvited, []demoMembership{{"bcp", "none", 0, false}}},
	{"Bilal Chaudhry", "bilal.chaudhry@example.org", store.StatusInvited, nil},
	{"Martin Hale", "martin.hale@example.org", store.StatusDisabled, nil},
}

// seedCommunity creates the groups, the community members and their
// memberships, two more partner workers and a few audit events.
func seedCommunity(ctx context.Context, db *store.Store, hash string, partners map[string]string, demo map[string]*store.User) error {
	admin := demo["admin@candour.example"]
	groups := map[string]*store.Group{}
	for _, dg := range demoGroups {
		g := dg.Group
		if err := db.CreateGroup(ctx, &g); err != nil {
			return fmt.Errorf("group %s: %w", g.Name, err)
		}
		groups[dg.key] = &g
		if err := db.Audit(ctx, store.AuditEvent{ActorID: admin.ID, Actor: admin.Email, Action: store.AuditGroupChange, Target: "group:" + g.ID, Detail: "created " + g.Name}); err != nil {
			return err
		}
	}
	now := db.Now()
	for i, m := range demoMembers {
		u, err := seedMember(ctx, db, hash, admin, m.name, m.email, m.status, m.groups, demo)
		if err != nil {
			return err
		}
		for j, dm := range m.groups {
			ms := &store.Membership{GroupID: groups[dm.group].ID, UserID: u.ID, Chair: dm.chair, VettingLevel: dm.vetting,
				JoinedAt: now.AddDate(0, -(3 + (i*7+j*5)%30), -i).UTC()}
			if dm.vetting != "none" {
				ms.VettingExpires = time.Date(now.Year(), now.Month(), now.Day()+dm.days, 0, 0, 0, 0, time.UTC)
			}
			if err := db.PutMembership(ctx, ms); err != nil {
				return err
			}
		}
	}
	for _, w := range []struct{ name, email, partner, status string }{
		{"Helen Carter", "helen.carter@bcp-council.example", "BCP Council Safeguarding Adults Team", store.StatusActive},
		{"Aaliyah Brown", "aaliyah.brown@wessex-svss.example", "Wessex Sexual Violence Support Service", store.StatusInvited},
	} {
		u := &store.User{Name: w.name, Email: w.email, Role: store.RolePartner, Status: w.status, PartnerID: partners[w.partner]}
		if w.status == store.StatusActive {
			u.PasswordHash = hash
		}
		if err := db.CreateUser(ctx, u); err != nil {
			return fmt.Errorf("partner worker %s: %w", w.name, err)
		}
	}
	for _, e := range []store.AuditEvent{
		{ActorID: admin.ID, Actor: admin.Email, Action: store.AuditSignIn, Target: "user:" + admin.ID},
		{ActorID: demo["member@candour.example"].ID, Actor: "member@candour.example", Action: store.AuditSignIn, Target: "user:" + demo["member@candour.example"].ID},
		{Actor: "unknown@example.com", Action: store.AuditSignInFailed, Detail: "unknown or inactive account"},
		{ActorID: demo["coordinator@candour.example"].ID, Actor: "coordinator@candour.example", Action: store.AuditSignIn, Target: "user:" + demo["coordinator@candour.example"].ID},
	} {
		if err := db.Audit(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// seedMember creates (or, for the demo sign-ins, finds) a community
// member's account, a chair if they chair any group, and audits the
// creation and invitation of the new ones.
func seedMember(ctx context.Context, db *store.Store, hash string, admin *store.User, name, email, status string, ms []demoMembership, demo map[string]*store.User) (*store.User, error) {
	if u, ok := demo[email]; ok {
		return u, nil
	}
	u := &store.User{Name: name, Email: email, Role: store.RoleMember, Status: status}
	for _, m := range ms {
		if m.chair {
			u.Role = store.RoleChair
		}
	}
	if status != store.StatusInvited {
		u.PasswordHash = hash
	}
	if err := db.CreateUser(ctx, u); err != nil {
		return nil, fmt.Errorf("member %s: %w", name, err)
	}
	if status != store.StatusInvited {
		return u, nil
	}
	for _, action := range []string{store.AuditUserCreated, store.AuditInvitation} {
		if err := db.Audit(ctx, store.AuditEvent{ActorID: admin.ID, Actor: admin.Email, Action: action, Target: "user:" + u.ID}); err != nil {
			return nil, err
		}
	}
	return u, nil
}
