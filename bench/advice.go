package main

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"candour/advice"
	"candour/config"
	"candour/store"
)

// A year of critical-incident advice: 50 requests, each asking a group's
// members, with about ten answers each and the force's responses, closed;
// and one open request asking every community member, which 20 of them
// answer at once under load. Seeding also times the notification of 200
// members (mail to each, a text to the half with a mobile number), whose
// budget is one second.
const (
	benchAdviceRequests = 50
	benchAdviceAnswers  = 10
	benchAdviceNotify   = 200
	notifyBudget        = time.Second
)

// adviceBench is what the advice rows need from the seeding.
var adviceBench struct {
	openID   string
	sessions []session // members asked by the open request
	notify   time.Duration
	messages int
}

// seedAdviceBench adds the requests, the sessions and times a notification.
// With a profile directory, the notification's CPU profile (the benchmark's
// own process: it queues the messages through its store) goes there.
func seedAdviceBench(ctx context.Context, db *store.Store, key []byte, p *seededPeople, profile string) error {
	var asked []string
	for _, u := range p.community {
		asked = append(asked, u.ID)
	}
	for i := range benchAdviceRequests {
		who := asked[(i*37)%len(asked):]
		who = who[:min(len(who), 40)]
		r := &store.AdviceRequest{Title: fmt.Sprintf("Bench incident %d", i), Shared: "What happened, as far as it may be shared, in a paragraph.",
			Handling: store.HandlingGroup, Question: "What should the force do in the next day?", Asked: who, Deadline: time.Now().Add(6 * time.Hour),
			CreatedBy: p.admin.ID, CreatedByName: p.admin.Name, Notified: true}
		if err := db.CreateAdviceRequest(ctx, r); err != nil {
			return err
		}
		for k, uid := range who[:min(len(who), benchAdviceAnswers)] {
			if _, err := db.GiveAdvice(ctx, r.ID, uid, "Bench member", "Advice in a few sentences: who to speak to, what to say and when."); err != nil {
				return err
			}
			if err := db.RespondToAdvice(ctx, r.ID, uid, store.AdviceOutcomes[k%3], "What the force did, and why.", p.admin.Name); err != nil {
				return err
			}
		}
		if err := db.CloseAdviceRequest(ctx, r.ID); err != nil {
			return err
		}
	}
	open := &store.AdviceRequest{Title: "Bench open incident", Shared: "What happened.", Handling: store.HandlingConfidential,
		Question: "What should the force do tonight?", Asked: asked, Deadline: time.Now().Add(72 * time.Hour), CreatedBy: p.admin.ID,
		CreatedByName: p.admin.Name, Notified: true}
	if err := db.CreateAdviceRequest(ctx, open); err != nil {
		return err
	}
	adviceBench.openID = open.ID
	for i, u := range p.community {
		if i < benchAdviceAnswers {
			if _, err := db.GiveAdvice(ctx, open.ID, u.ID, u.Name, "Early advice."); err != nil {
				return err
			}
			continue
		}
		if len(adviceBench.sessions) < 21 {
			s, err := mintSession(ctx, db, key, u)
			if err != nil {
				return err
			}
			adviceBench.sessions = append(adviceBench.sessions, s)
		}
	}
	return timeNotify(ctx, db, p, profile)
}

// timeNotify opens a request asking 200 members, half with a mobile
// number, and times the queueing of its messages (the worst of three).
func timeNotify(ctx context.Context, db *store.Store, p *seededPeople, profile string) error {
	var asked []string
	for i, u := range p.community[:min(benchAdviceNotify, len(p.community))] {
		if i%2 == 0 && u.Mobile == "" {
			if err := db.SetMobile(ctx, u.ID, fmt.Sprintf("+4477009%05d", i)); err != nil {
				return err
			}
		}
		asked = append(asked, u.ID)
	}
	from := config.Config{ForceName: "Bench Police", BaseURL: "http://127.0.0.1"}
	if profile != "" {
		stop, err := profileSelf(filepath.Join(profile, "advice-notify.pprof"))
		if err != nil {
			return err
		}
		defer stop()
	}
	for range 3 {
		r := &store.AdviceRequest{Title: "Bench notification", Shared: "x", Handling: store.HandlingGroup, Question: "q", Asked: asked,
			Deadline: time.Now().Add(4 * time.Hour), CreatedBy: p.admin.ID}
		if err := db.CreateAdviceRequest(ctx, r); err != nil {
			return err
		}
		began := time.Now()
		n, err := advice.Notify(ctx, db, from, r, advice.First)
		if err != nil {
			return err
		}
		if err := db.MarkAdviceNotified(ctx, r.ID); err != nil {
			return err
		}
		adviceBench.notify = max(adviceBench.notify, time.Since(began))
		adviceBench.messages = n
		if err := db.CloseAdviceRequest(ctx, r.ID); err != nil {
			return err
		}
	}
	return nil
}

// adviceScenarios are the advice rows: the open request as a member and
// as staff (with its answers), the list, and 20 members answering at once.
func adviceScenarios() []scenario {
	ab := &adviceBench
	page := "/advice/" + ab.openID
	return []scenario{
		{label: "GET /advice/:id, 10 answers (admin)", method: "GET", path: page, as: admin, want: 200, budget: pageBudget},
		{label: "GET /advice, 53 requests (admin)", method: "GET", path: "/advice", as: admin, want: 200, budget: pageBudget},
		{label: "GET /advice/:id, 500 asked (member asked)", method: "GET", path: page, as: member, want: 200, budget: pageBudget,
			clients: 20, sessions: ab.sessions},
		{label: "POST /advice/:id/answer → 303 (20 members)", method: "POST", path: page + "/answer", as: member, want: 303, budget: formBudget,
			clients: 20, sessions: ab.sessions, form: func(session) url.Values {
				return url.Values{"advice": {"Speak to the pastors on Wimborne Road tonight, and publish the footage once the family agree."}}
			}},
	}
}
