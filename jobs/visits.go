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
// It reads which of them were claimed on an earlier run first (by _id:
// store.RunsClaimed) and claims only the rest: every run finds again every
// reminder of its window, and claiming each again was an insert through
// the writer that failed as a duplicate (issue 18).
func sendVisitReminders(ctx context.Context, cfg config.Config, db *store.Store) (int, error) {
	due, err := visitRemindersDue(ctx, cfg, db)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	keys := make([]string, len(due))
	for i, r := range due {
		keys[i] = r.key
	}
	claimed, err := db.RunsClaimed(ctx, keys)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, r := range due {
		if claimed[r.key] {
			continue
		}
		first, err := db.ClaimRun(ctx, r.key)
		if err != nil {
			return sent, err
		}
		if !first {
			continue
		}
		if err := db.QueueMail(ctx, r.to.Email, r.subject, mail.Compose(cfg, "Hello "+r.to.Name+",\n\n"+r.body)); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// visitReminder is one reminder due to one person, claimed by key.
type visitReminder struct {
	key, subject, body string
	to                 store.User
}

// visitRemindersDue lists the reminders due now, claimed or not: 48 hours
// before a visit to each attendee, and 3 and 7 days after it to each who
// has not submitted findings.
func visitRemindersDue(ctx context.Context, cfg config.Config, db *store.Store) ([]visitReminder, error) {
	now := db.Now()
	vs, err := db.VisitsStartingBetween(ctx, now.AddDate(0, 0, -15), now.Add(48*time.Hour))
	if err != nil {
		return nil, err
	}
	var out []visitReminder
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
			return nil, err
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
				out = append(out, visitReminder{key: "visit-reminder/" + d.key + "/" + v.ID + "/" + uid, subject: d.subject, body: d.body, to: u})
			}
		}
	}
	return out, nil
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
