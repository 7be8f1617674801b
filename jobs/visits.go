package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"candour/config"
	"candour/mail"
	"candour/store"
	"candour/words"
)

// startVisitJobs runs the visit reminders every 15 minutes under a lease
// (and an hourly pruning of the diaries; the calendar's copies and the
// panel tallies are repaired by the hourly repair job, repair.go):
// attendees are mailed 48 hours before a visit, and anyone who went but
// has not submitted findings 3 and 7 days after it ends. A job_runs record
// per visit, person and reminder decides, so no one is mailed twice.
func startVisitJobs(ctx context.Context, wg *sync.WaitGroup, cfg config.Config, db *store.Store, log *slog.Logger, holder string) {
	every(ctx, wg, log, db, holder, "visit-reminders", 15*time.Minute, func(ctx context.Context) error {
		n, err := sendVisitReminders(ctx, cfg, db)
		if n > 0 {
			log.Info("visit reminders queued", "messages", n)
		}
		return err
	})
	// Bookings that ended over 45 days ago come off the diaries.
	every(ctx, wg, log, db, holder, "visit-diaries", time.Hour, func(ctx context.Context) error {
		_, err := db.PruneDiaries(ctx, db.Now().AddDate(0, 0, -45))
		return err
	})
}

// sendVisitReminders queues the reminders due now and returns how many.
func sendVisitReminders(ctx context.Context, cfg config.Config, db *store.Store) (int, error) {
	now := db.Now()
	vs, err := db.VisitsStartingBetween(ctx, now.AddDate(0, 0, -15), now.Add(48*time.Hour))
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, v := range vs {
		if v.Unannounced && !v.TimeSet {
			continue // the pair has not chosen a time: nothing to remind of
		}
		link := cfg.BaseURL + "/visits/" + v.ID
		when := v.Start.In(store.London).Format("Monday 2 January 2006 at 3:04pm")
		what := words.VisitType(v.Type) + " at " + v.Location
		var due []struct{ key, subject, body string }
		if v.Start.After(now) {
			due = append(due, struct{ key, subject, body string }{"48h", "Reminder: your visit on " + v.Start.In(store.London).Format("2 January"),
				fmt.Sprintf("You have a place on a visit: %s, %s.\n\n%s\n\nIf you cannot go, cancel so that someone on the waiting list can have your place:\n%s", what, when, v.Notes, link)})
		}
		for _, days := range []int{3, 7} {
			if !now.Before(v.End.AddDate(0, 0, days)) && (days == 7 || now.Before(v.End.AddDate(0, 0, 7))) {
				due = append(due, struct{ key, subject, body string }{fmt.Sprintf("%dd", days), "Please write up your findings",
					fmt.Sprintf("Thank you for going on the visit: %s.\n\nYou have not submitted your findings yet. You can save a draft and come back to it:\n%s/findings", what, link)})
			}
		}
		if len(due) == 0 {
			continue
		}
		users, err := db.UsersByID(ctx, v.Attendees)
		if err != nil {
			return sent, err
		}
		for _, uid := range v.Attendees {
			u, ok := users[uid]
			if !ok || u.Status != store.StatusActive || (v.Unannounced && !inGroup(u, v.GroupID)) {
				continue // an unannounced visit's day is only for a pair still in the group
			}
			for _, d := range due {
				if d.key != "48h" && v.HasSubmitted(uid) {
					continue
				}
				first, err := db.ClaimRun(ctx, "visit-reminder/"+d.key+"/"+v.ID+"/"+uid)
				if err != nil {
					return sent, err
				}
				if !first {
					continue
				}
				if err := db.QueueMail(ctx, u.Email, d.subject, mail.Compose(cfg, "Hello "+u.Name+",\n\n"+d.body)); err != nil {
					return sent, err
				}
				sent++
			}
		}
	}
	return sent, nil
}

// inGroup reports whether u (by the memberships copied on the account)
// belongs to group id.
func inGroup(u store.User, id string) bool {
	for _, m := range u.Memberships {
		if m.GroupID == id {
			return true
		}
	}
	return false
}
