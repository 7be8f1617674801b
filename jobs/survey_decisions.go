package jobs

import (
	"context"
	"log/slog"
	"strconv"
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
	d := newSurveyDecider(db)
	run(ctx, wg, log, db, holder, "survey-decisions", time.Minute, false, wake, func(ctx context.Context) error {
		n, err := d.decide(ctx)
		if n > 0 {
			log.Info("survey releases decided", "count", n)
		}
		return err
	})
}

// DecideClosedSurveys decides and stores every closed survey's (and
// imported baseline's) releases that have no stored decision, and says
// how many it decided. It reads every closed version's counters: it is a
// first run of the job, which remembers nothing yet.
func DecideClosedSurveys(ctx context.Context, db *store.Store) (int, error) {
	return newSurveyDecider(db).decide(ctx)
}

// surveyDecider is the survey-decisions job with what it remembers between
// its runs: for each closed survey version whose release it found decided
// (or decided), the survey's revision and its counters' version
// (store.SurveyFiguresVersion) then. A closed survey's counters rarely
// change (a late response, a recount), and the job runs every minute and
// whenever a look finds a release undecided, so a run that meets the same
// revision and counters again skips the version without reading its
// counters: a run with nothing to decide reads the list of surveys and
// nothing else. Where the counters' version is not exact (MongoDB, or the
// embedded engine by URI: other instances count too), nothing is
// remembered and every closed version's counters are read each run (one
// find through the index on MongoDB). Only the job's one goroutine uses it.
type surveyDecider struct {
	db   *store.Store
	seen map[string]releaseSeen // by survey id and version
}

// releaseSeen is what a decided release was decided from.
type releaseSeen struct {
	rev     int
	figures uint64
}

func newSurveyDecider(db *store.Store) *surveyDecider {
	return &surveyDecider{db: db, seen: map[string]releaseSeen{}}
}

// decide decides and stores every closed survey's (and imported
// baseline's) releases that have no stored decision, and says how many it
// decided.
func (d *surveyDecider) decide(ctx context.Context) (int, error) {
	svs, err := d.db.Surveys(ctx)
	if err != nil {
		return 0, err
	}
	day := store.Day(d.db.Now())
	decided := 0
	for i := range svs {
		sv := &svs[i]
		if st := sv.State(day); st != store.SurveyClosed && st != store.SurveyImported {
			continue
		}
		// The counters' version is read before the counters: a count that
		// lands between them moves it, and the next run looks again.
		figures, exact := d.db.SurveyFiguresVersion(sv.ID)
		for _, v := range sv.Versions {
			key := sv.ID + "/" + strconv.Itoa(v.N)
			now := releaseSeen{rev: sv.Rev, figures: figures}
			if exact && d.seen[key] == now {
				continue
			}
			ts, err := d.db.Tallies(ctx, sv.ID, v.N)
			if err != nil {
				return decided, err
			}
			did, err := survey.Decide(ctx, d.db, sv, v.N, ts)
			if err != nil {
				return decided, err
			}
			if did {
				decided++
			}
			if exact {
				d.seen[key] = now
			}
		}
	}
	return decided, nil
}
