package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"candour/store"
	"candour/survey"
)

// startSurveyJobs starts the survey-decisions job: once a survey has
// closed (or for an imported baseline), it decides each version's release
// (the disclosure audit, survey.Decide) and stores the decision with it,
// so that the first person to open the results does not wait for the
// audit and every instance serves the same decision, after a restart too.
// The portal wakes it (wake) when a survey closes through its settings
// and when a page asks for a release not decided yet: the portal never
// decides in a request (survey.BuildDecided), it shows that the results
// are being checked until this job has decided them.
func startSurveyJobs(ctx context.Context, wg *sync.WaitGroup, db *store.Store, log *slog.Logger, holder string, wake Wake) {
	run(ctx, wg, log, db, holder, "survey-decisions", time.Minute, false, wake, func(ctx context.Context) error {
		n, err := DecideClosedSurveys(ctx, db)
		if n > 0 {
			log.Info("survey releases decided", "count", n)
		}
		return err
	})
}

// DecideClosedSurveys decides and stores every closed survey's (and
// imported baseline's) releases that have no stored decision, and says
// how many it decided.
func DecideClosedSurveys(ctx context.Context, db *store.Store) (int, error) {
	svs, err := db.Surveys(ctx)
	if err != nil {
		return 0, err
	}
	day := store.Day(db.Now())
	decided := 0
	for i := range svs {
		sv := &svs[i]
		if st := sv.State(day); st != store.SurveyClosed && st != store.SurveyImported {
			continue
		}
		for _, v := range sv.Versions {
			ts, err := db.Tallies(ctx, sv.ID, v.N)
			if err != nil {
				return decided, err
			}
			did, err := survey.Decide(ctx, db, sv, v.N, ts)
			if err != nil {
				return decided, err
			}
			if did {
				decided++
			}
		}
	}
	return decided, nil
}
