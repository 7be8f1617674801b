package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"candour/config"
	"candour/mail"
	"candour/store"
	"candour/words"
)

// startRecommendationJobs runs the weekly overdue reminders (the
// register's summaries are repaired by the hourly repair job, repair.go): each owner of
// an overdue recommendation is mailed the list of theirs, and every
// coordinator gets a digest of everything overdue. The job wakes hourly
// under a lease and sends once per ISO week (a job_runs record decides),
// so restarts and several instances never send twice.
func startRecommendationJobs(ctx context.Context, wg *sync.WaitGroup, cfg config.Config, db *store.Store, log *slog.Logger, holder string) {
	every(ctx, wg, log, db, holder, "recommendation-reminders", time.Hour, func(ctx context.Context) error {
		n, err := sendRecommendationReminders(ctx, cfg, db)
		if n > 0 {
			log.Info("recommendation reminders queued", "messages", n)
		}
		return err
	})
}

// sendRecommendationReminders queues this week's reminders and digest,
// unless they have been queued already this week. It returns how many
// messages it queued.
func sendRecommendationReminders(ctx context.Context, cfg config.Config, db *store.Store) (int, error) {
	now := db.Now()
	year, week := now.ISOWeek()
	first, err := db.ClaimRun(ctx, fmt.Sprintf("recommendation-reminders/%d-W%02d", year, week))
	if err != nil || !first {
		return 0, err
	}
	late, err := db.AllRecommendations(ctx, store.RecommendationFilter{Overdue: true, Now: now})
	if err != nil || len(late) == 0 {
		return 0, err
	}
	link := func(r store.RecSummary) string {
		return fmt.Sprintf("- %s (due %s, %s)\n  %s/recommendations/%s", r.Title, r.DueAt.Format("2 January 2006"),
			words.RecStatus(r.Status), cfg.BaseURL, r.ID)
	}
	byOwner := map[string][]store.RecSummary{}
	for _, r := range late {
		if r.OwnerEmail != "" {
			byOwner[r.OwnerEmail] = append(byOwner[r.OwnerEmail], r)
		}
	}
	owners := make([]string, 0, len(byOwner))
	for o := range byOwner {
		owners = append(owners, o)
	}
	sort.Strings(owners)
	sent := 0
	for _, email := range owners {
		rs := byOwner[email]
		lines := make([]string, len(rs))
		for i, r := range rs {
			lines[i] = link(r)
		}
		body := fmt.Sprintf("Hello %s,\n\nThese recommendations you are accountable for are past their agreed due date:\n\n%s\n\n"+
			"Please record progress, or agree a new date with the engagement coordinator.", rs[0].OwnerName, strings.Join(lines, "\n"))
		if err := db.QueueMail(ctx, email, "Overdue recommendations you own", mail.Compose(cfg, body)); err != nil {
			return sent, err
		}
		sent++
	}
	lines := make([]string, len(late))
	for i, r := range late {
		lines[i] = link(r) + "\n  Owner: " + r.OwnerDept + ", " + r.OwnerName
	}
	digest := fmt.Sprintf("%d recommendations are overdue:\n\n%s\n\nThe dashboard: %s/recommendations/dashboard",
		len(late), strings.Join(lines, "\n"), cfg.BaseURL)
	for page := 1; ; page++ {
		coords, more, err := db.ListUsers(ctx, store.UserFilter{Role: store.RoleCoordinator, Page: page})
		if err != nil {
			return sent, err
		}
		for _, u := range coords {
			if u.Status != store.StatusActive {
				continue
			}
			if err := db.QueueMail(ctx, u.Email, "Weekly digest: overdue recommendations", mail.Compose(cfg, "Hello "+u.Name+",\n\n"+digest)); err != nil {
				return sent, err
			}
			sent++
		}
		if !more {
			return sent, nil
		}
	}
}
