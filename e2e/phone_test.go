package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"candour/disparity"
	pwhash "candour/password"
	"candour/powers"
	"candour/store"
)

// TestPagesFitPhones fills the portal with the kind of data that made pages
// scroll sideways on a phone (long names and addresses, many members, a
// year of stop and search, registers with every column) and visits every
// list and figure page as the role that uses it. checkPage measures each at
// 320px and 390px (no sideways scroll, chart text of 12px or more) and runs
// axe-core at 320px as well as on the desktop.
func TestPagesFitPhones(t *testing.T) {
	requireBrowser(t)
	p := startPortal(t)
	ctx := context.Background()
	org := &store.Partner{Name: "Dorset Women's Refuge and Domestic Abuse Support Service", Kind: "charity", Email: "referrals.team@dorset-womens-refuge.example.org"}
	if err := p.store.CreatePartner(ctx, org); err != nil {
		t.Fatal(err)
	}
	people := map[store.Role]*store.User{}
	for _, r := range store.Roles {
		email := string(r) + ".with.a.long.address@community-organisation.example.org"
		if r != store.RolePartner {
			people[r] = p.user(t, r, email)
			continue
		}
		u := &store.User{Email: email, Name: "Browser partner", Role: r, Status: store.StatusActive, PartnerID: org.ID, PasswordHash: pwhash.For(p.cfg).Hash(password)}
		if err := p.store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		people[r] = u
	}
	var groups []*store.Group
	for _, name := range []string{"Bournemouth, Christchurch and Poole Independent Advisory Group", "Stop and Search Scrutiny Panel", "Race Action Plan Group"} {
		g := &store.Group{Name: name, Kind: store.GroupPanel}
		if err := p.store.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g)
	}
	expires := time.Now().AddDate(0, 0, 20)
	for i := range 6 {
		m := p.user(t, store.RoleMember, fmt.Sprintf("member.number.%d.with.a.long.address@community-organisation.example.org", i))
		if err := p.store.PutMembership(ctx, &store.Membership{GroupID: groups[i%3].ID, UserID: m.ID, VettingLevel: "NPPV2", VettingExpires: expires}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []store.Role{store.RoleChair, store.RoleMember} {
		if err := p.store.PutMembership(ctx, &store.Membership{GroupID: groups[1].ID, UserID: people[r].ID, Chair: r == store.RoleChair, VettingLevel: "NPPV3", VettingExpires: expires}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		rec := &store.Recommendation{Title: fmt.Sprintf("Explain stop and search rights in plain English at every custody suite, number %d", i),
			Wording: "The panel recommends...", Source: "scrutiny-panel", GroupID: groups[1].ID, Area: "respected", Priority: "high",
			OwnerDept: "Neighbourhood Policing and Partnerships", OwnerName: "Chief Inspector", DueAt: time.Now().AddDate(0, 3, 0)}
		if err := p.store.CreateRecommendation(ctx, rec, store.Actor{ID: people[store.RoleAdmin].ID, Name: people[store.RoleAdmin].Name}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []string{"sexual-purpose", "partner-abuse"} {
		if _, err := p.store.CreateReferral(ctx, store.NewReferral{Kind: store.KindPartner, PartnerID: org.ID, SubmittedBy: people[store.RolePartner].ID,
			Content: store.ReferralContent{Category: c, WhatHappened: "Messages to a victim.", HowKnown: "disclosure", Danger: "no"}}); err != nil {
			t.Fatal(err)
		}
	}
	importStopSearch(t, p, people[store.RoleAdmin].Email)
	start := time.Now().AddDate(0, 0, 10).Truncate(time.Hour)
	v := &store.Visit{Type: store.VisitStopSearch, GroupID: groups[1].ID, Location: "Kings Park Community Hub, Bournemouth (and online)",
		Start: start, End: start.Add(2 * time.Hour), Capacity: 6, MinVetting: "NPPV2"}
	if err := p.store.CreateVisit(ctx, v); err != nil {
		t.Fatalf("create visit: %v", err)
	}
	member, _ := p.store.User(ctx, people[store.RoleMember].ID) // with its memberships
	if _, err := p.store.SignUp(ctx, v.ID, member.ID, member.Memberships); err != nil {
		t.Fatal(err)
	}
	sv := &store.Survey{Title: "Community confidence in policing, spring 2026", OpenLink: true, AboutYou: true}
	if err := p.store.CreateSurvey(ctx, sv); err != nil {
		t.Fatal(err)
	}
	if _, err := p.store.ChangeSurvey(ctx, sv.ID, sv.Rev, func(sv *store.Survey, _ time.Time) error {
		sv.Draft = []store.Question{{ID: "q1", Type: store.QAgree, Text: "The police in your area treat everyone fairly"}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Each role's home page is checked as it signs in (signIn lands on
	// /home and runs checkPage there), so it is not opened again below.
	visits := map[store.Role][]string{
		store.RoleAdmin: {"/admin/people", "/admin/people/" + people[store.RoleMember].ID, "/admin/groups", "/admin/groups/" + groups[1].ID,
			"/admin/partners", "/admin/partners/" + org.ID, "/admin/audit", "/admin/groups/" + groups[1].ID + "/members/" + people[store.RoleMember].ID + "/remove"},
		store.RoleCoordinator:   {"/recommendations", "/recommendations/dashboard", "/disparity", "/disparity/samples", "/visits", "/surveys", "/surveys/" + sv.ID, "/surveys/" + sv.ID + "/publish"},
		store.RoleChair:         {"/recommendations", "/visits?view=past"},
		store.RoleMember:        {"/disparity", "/visits/" + v.ID, "/visits/" + v.ID + "/cancel"},
		store.RolePartner:       {"/referrals"},
		store.RoleCCU:           {"/ccu", "/ccu/conflicts"},
		store.RoleCCUSupervisor: {"/ccu", "/ccu/audit", "/ccu/review"},
	}
	// What each home page says waits (the fixtures above, counted by hand:
	// two referrals not yet assessed; eight memberships whose vetting
	// expires in 20 days).
	home := map[store.Role]string{
		store.RoleCCU:           "2 referrals to assess",
		store.RoleCCUSupervisor: "2 referrals to assess",
		store.RoleCoordinator:   "8 members' vetting expires in the next 30 days",
		store.RoleAdmin:         "8 members' vetting expires in the next 30 days",
	}
	for _, r := range store.Roles {
		t.Run(string(r), func(t *testing.T) {
			tb := p.signInAs(t, people[r])
			if want := home[r]; want != "" && !strings.Contains(mainText(t, tb), want) {
				t.Errorf("the %s home page does not say %q:\n%s", r, want, mainText(t, tb))
			}
			for _, path := range visits[r] {
				tb.visit(t, path, string(r)+" "+path)
			}
		})
	}
	t.Run("public", func(t *testing.T) {
		tb := newTab(t, p.url, false)
		for _, path := range []string{"/", "/public/stop-and-search", "/you-said-we-did", "/report", "/report/new/immediate-danger"} {
			tb.visit(t, path, "public "+path)
		}
	})
}

// importStopSearch imports the real police.uk files and Census table kept
// in testdata/ and publishes the newest month, as the demo does.
func importStopSearch(t *testing.T, p *portal, by string) {
	t.Helper()
	ctx := context.Background()
	census, err := os.Open("../testdata/census2021-ts021-dorset-force-area.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer census.Close()
	if _, err := disparity.ImportPopulation(ctx, p.store, census, "dorset", "census2021-ts021-dorset-force-area.csv"); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../testdata/*-dorset-stop-and-search.csv")
	newest := ""
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := powers.Import(ctx, p.store, powers.StopSearch, bytes.NewReader(b), powers.ImportOptions{Source: filepath.Base(f), By: by})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range res.Months {
			newest = max(newest, m)
		}
	}
	if err := p.store.PublishDisparity(ctx, &store.DisparityPublication{ID: "dorset", From: "2016-11", To: newest,
		Ethnicity: disparity.SelfDefined, PublishedBy: by}); err != nil {
		t.Fatal(err)
	}
}
