package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"

	"candour/config"
	"candour/receipts"
	"candour/sealed"
	"candour/server"
	"candour/store"
)

// The referral rows: the CCU's queue with a year's 200 referrals and
// their messages, a referral opened (decrypted and audited), a partner's
// list, and the two submissions (a partner's referral and an anonymous
// report, each sealed field by field) with every client sending at once.

var benchReferrals = 200 // multiplied by -scale

// Who the referral rows sign in as (beyond load.go's own).
const (
	ccuAnalyst    who = 100 + iota // a CCU analyst (seeded session)
	partnerWorker                  // a partner organisation's worker (seeded session)
	reporter                       // an anonymous member of the public, with the form's token
)

// refBench is what the referral rows need from seeding.
var refBench struct {
	ccu, partner []session
	openID       string   // a referral with messages, for the CCU's view
	receipts     []string // receipts of seeded anonymous reports
	workerID     string   // the partner worker, whose referral drafts the rows mint
	key          []byte   // the server's session key, which encrypts the drafts
}

// seedReferralBench writes the field keys where the development server
// reads them (the data directory), then seeds 200 referrals (a third
// anonymous) with three messages each, a CCU analyst and a partner worker
// with a session per client.
func seedReferralBench(ctx context.Context, db *store.Store, env *serverEnv, o options) error {
	ks, err := sealed.NewKeyset()
	if err != nil {
		return err
	}
	blind := make([]byte, 32)
	_, _ = rand.Read(blind)
	if err := os.WriteFile(filepath.Join(env.dataDir, "field.keyset"), []byte(ks), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(env.dataDir, "blind.key"), []byte(base64.StdEncoding.EncodeToString(blind)), 0o600); err != nil {
		return err
	}
	sl, err := sealed.New(ks, blind)
	if err != nil {
		return err
	}
	db.SetSealer(sl)
	p := &store.Partner{Name: "Bench Refuge", Kind: "charity", Email: "office@bench-refuge.example"}
	if err := db.CreatePartner(ctx, p); err != nil {
		return err
	}
	analyst := &store.User{Email: "analyst@bench.example", Name: "Bench Analyst", Role: store.RoleCCU, Status: store.StatusActive, TOTPEnabled: true}
	worker := &store.User{Email: "worker@bench-refuge.example", Name: "Bench Worker", Role: store.RolePartner, Status: store.StatusActive, PartnerID: p.ID}
	for _, u := range []*store.User{analyst, worker} {
		if err := db.CreateUser(ctx, u); err != nil {
			return err
		}
	}
	refBench.workerID, refBench.key = worker.ID, env.sessionKey
	cfg, _ := config.Load(func(string) string { return "" })
	// In bulk (store.SeedReferrals): CreateReferral, three AddRefMessage
	// and an AssessReferral each took 70 s for 200 at 1× on a busy machine.
	in := make([]store.SeedReferral, benchReferrals)
	for i := range in {
		n := store.NewReferral{Kind: store.KindPartner, PartnerID: p.ID, SubmittedBy: worker.ID, Content: benchContent(i)}
		if i%3 == 0 {
			code := receipts.New()
			n = store.NewReferral{Kind: store.KindAnonymous, ID: sl.Receipt(code), ReceiptHash: receipts.Hash(cfg, code), Content: benchContent(i)}
			refBench.receipts = append(refBench.receipts, code)
		}
		in[i].New = n
		for k, from := range []string{store.FromCCU, store.FromPartner, store.FromNote} {
			in[i].Messages = append(in[i].Messages, store.SeedMessage{From: from, ByName: "Bench",
				Text: fmt.Sprintf("Message %d about referral %d: a question or an answer of a few sentences, as people write them.", k, i)})
		}
		if i%4 == 1 {
			in[i].Assess = &store.Assessment{Status: store.RefStatuses[i%len(store.RefStatuses)], Risk: "medium", Source: "2", Intel: "C", Handling: "P"}
		}
	}
	ids, err := db.SeedReferrals(ctx, in)
	if err != nil {
		return err
	}
	if len(ids) > 1 {
		refBench.openID = ids[1]
	}
	for range o.clients + 1 {
		for _, pair := range []struct {
			u   *store.User
			dst *[]session
		}{{analyst, &refBench.ccu}, {worker, &refBench.partner}} {
			// The analyst has given a reason for the case in this session
			// (server/ccu_reason.go's session value "reason:<id>").
			s, err := mintSession(ctx, db, env.sessionKey, pair.u, "reason:"+refBench.openID, store.ReasonAssessment)
			if err != nil {
				return err
			}
			*pair.dst = append(*pair.dst, s)
		}
	}
	return nil
}

// benchOfficers is how many people of concern the seeded referrals name:
// 60 for 200 referrals, and as many more as there are referrals (-scale),
// so that each is named in about 3 referrals at every scale. The CCU's view
// of a referral lists every other referral about the same person (its
// matches): with 60 people at every scale, the referral the row opens had 3
// matches at 1× and 33 at 10×, so the row drew eleven times the list and
// its 1× and 10× figures did not compare a page showing the same data.
func benchOfficers() int { return max(benchReferrals*3/10, 1) }

func benchContent(i int) store.ReferralContent {
	officer := i % benchOfficers()
	return store.ReferralContent{Category: store.RefCategories[i%len(store.RefCategories)], PersonName: fmt.Sprintf("Officer %d", officer),
		PersonForce: "Dorset Police", CollarNumber: fmt.Sprint(1000 + officer), Station: "Weymouth",
		WhatHappened: "A description of several sentences of what the officer did, when and to whom, as a support worker would write it after a disclosure.",
		When:         "Last month", Where: "Weymouth", OnDuty: "off", Setting: "online", HowKnown: "disclosure", VictimConsent: "yes", Danger: "no"}
}

// prepareReferralClient signs a load client in for the referral rows: CCU
// and partner clients get a seeded session, reporters the token of the
// report form's page (their session lives in the cookie).
func prepareReferralClient(ctx context.Context, cl *client, base *url.URL, sc scenario, c int) {
	switch sc.as {
	case ccuAnalyst:
		cl.signIn(base, refBench.ccu[c%len(refBench.ccu)])
	case partnerWorker:
		cl.signIn(base, refBench.partner[c%len(refBench.partner)])
	case reporter:
		if tok, err := cl.formToken(ctx, base.String()+"/report/new/immediate-danger"); err == nil {
			cl.sess.csrf = tok
		}
	}
}

// referralAnswers are a whole report's or referral's answers, as its
// draft cookie holds them at check your answers.
func referralAnswers() map[string]string {
	return map[string]string{"danger": "no", "category": "sexual-purpose", "personName": "Officer 7",
		"personForce": "Dorset Police", "collarNumber": "1007", "whatHappened": "A description of several sentences of what happened.",
		"when": "Last week", "where": "Poole", "onDuty": "off", "setting": "online", "howKnown": "witnessed",
		"victimConsent": "no", "stayAnonymous": "yes"}
}

// drafter puts a draft at check your answers in the client's jar before
// each send, as the pages before it would have.
func drafter(kind, base string) prepare {
	return func(c *client, root string) {
		userID := ""
		if kind == store.KindPartner {
			userID = refBench.workerID
		}
		cs, err := server.DraftCookies(refBench.key, kind, userID, referralAnswers())
		u, perr := url.Parse(root + base + "/check-answers")
		if err != nil || perr != nil {
			return // the request then fails and is counted as such
		}
		c.http.Jar.SetCookies(u, cs)
	}
}

// referralScenarios are the referral rows: pages first (the queue before
// the submissions grow the collection), then the form posts.
func referralScenarios(sd *seeded, o options) []scenario {
	_ = sd
	var receipt atomic.Int64
	return []scenario{
		{label: "GET /ccu queue, 200 referrals (ccu)", method: "GET", path: "/ccu", as: ccuAnalyst, want: 200, budget: pageBudget},
		{label: "GET /ccu/referrals/:id, open (ccu)", method: "GET", path: "/ccu/referrals/" + refBench.openID, as: ccuAnalyst, want: 200, budget: pageBudget},
		{label: "GET /referrals (partner)", method: "GET", path: "/referrals", as: partnerWorker, want: 200, budget: pageBudget},
		// Each reporter at their own address (the guard's budget is per
		// address: 20 clients at one address, each spending a try before
		// its code is checked, locked it), and 800 requests under load: with
		// the 100 of the single client, inside the guard's 1,000 tries an
		// hour for the whole portal (server/report_guard.go), which stays.
		{label: "POST /report/return, right receipt → 303", method: "POST", path: "/report/return", as: reporter, want: 303, budget: formBudget,
			ownAddress: true, requests: 800,
			form: func(session) url.Values {
				n := receipt.Add(1)
				return url.Values{"receipt": {refBench.receipts[int(n)%len(refBench.receipts)]}}
			}},
		{label: "POST /referrals/new/check-answers, send → 303 (partner)", method: "POST", path: "/referrals/new/check-answers", as: partnerWorker, want: 303, budget: formBudget,
			form: func(session) url.Values { return url.Values{} }, before: drafter(store.KindPartner, "/referrals/new")},
		{label: "POST /report/new/check-answers, send → 200 (anonymous)", method: "POST", path: "/report/new/check-answers", as: reporter, want: 200, budget: formBudget,
			form: func(session) url.Values { return url.Values{} }, before: drafter(store.KindAnonymous, "/report/new")},
	}
}
