package jobs

import (
	"context"
	"errors"
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
	d := newDecider() // the job's own goroutine is the only one to use it
	run(ctx, wg, log, db, holder, "survey-decisions", time.Minute, false, wake, func(ctx context.Context) error {
		n, err := d.decide(ctx, db)
		if n > 0 {
			log.Info("survey releases decided", "count", n)
		}
		return err
	})
}

// DecideClosedSurveys decides and stores every closed survey's (and
// imported baseline's) releases that have no stored decision, and says
// how many it decided. It reads every survey and every closed version's
// counters; the job (startSurveyJobs) reads only what changed since its
// last run.
func DecideClosedSurveys(ctx context.Context, db *store.Store) (int, error) {
	return newDecider().decide(ctx, db)
}

// decider is the survey-decisions job's memory from one run to the next,
// so that a run in which nothing has changed reads nothing (issue 18: at
// every minute's run the job read every survey and the counters of every
// closed version, and laid out and hashed each release, to find each
// decision stored already: half a second of CPU a minute on a year of
// data). It keeps the surveys as last read, under the store's number of
// survey writes (store.SurveysVersion), brought up to date by reading the
// surveys written since (store.SurveysWrittenSince), and for each version found decided
// the survey's revision and its counters' number then
// (store.SurveyFiguresVersion). A run reads the surveys again only when a
// survey was written since, and a version's counters again only when the
// survey or its counters changed: a late response, a repair, a re-import,
// a new version. Which surveys are closed is worked out afresh at every
// run (a survey closes at the start of its closing day with no write).
// Where another instance may write (MongoDB), the numbers are not exact
// and every run reads everything, as before.
type decider struct {
	surveys  []store.Survey
	surveysN uint64
	read     bool // surveys holds a read
	settled  map[string]settledMark
}

// settledMark is what a version's decided release was found under.
type settledMark struct {
	rev     int
	figures uint64
}

func newDecider() *decider { return &decider{settled: map[string]settledMark{}} }

// readSurveys brings d.surveys up to the surveys' number n: where the
// store can say which surveys were written since the last read
// (store.SurveysWrittenSince), it reads those alone by _id; otherwise it
// reads every survey (issue 18: each close, and each look at a closed
// survey not decided yet, woke the job to read every survey again, a few
// milliseconds of decoding each, beside the looks).
func (d *decider) readSurveys(ctx context.Context, db *store.Store, n uint64, exact bool) error {
	if ids, ok := db.SurveysWrittenSince(d.surveysN, n); d.read && exact && ok {
		for _, id := range ids {
			sv, err := db.Survey(ctx, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			d.keep(id, sv)
		}
		d.surveysN = n
		return nil
	}
	svs, err := db.Surveys(ctx)
	if err != nil {
		return err
	}
	d.surveys, d.surveysN, d.read = svs, n, exact
	return nil
}

// keep puts survey id as read (nil: deleted) in d.surveys.
func (d *decider) keep(id string, sv *store.Survey) {
	for i := range d.surveys {
		if d.surveys[i].ID != id {
			continue
		}
		if sv == nil {
			d.surveys = append(d.surveys[:i], d.surveys[i+1:]...)
		} else {
			d.surveys[i] = *sv
		}
		return
	}
	if sv != nil {
		d.surveys = append(d.surveys, *sv)
	}
}

// decide is DecideClosedSurveys with d's memory.
func (d *decider) decide(ctx context.Context, db *store.Store) (int, error) {
	// Each number is taken before what it numbers is read: a write
	// between the two moves it, and the next run reads again.
	n, exact := db.SurveysVersion()
	if !exact || !d.read || n != d.surveysN {
		if err := d.readSurveys(ctx, db, n, exact); err != nil {
			return 0, err
		}
	}
	day := store.Day(db.Now())
	decided := 0
	for i := range d.surveys {
		sv := &d.surveys[i]
		if st := sv.State(day); st != store.SurveyClosed && st != store.SurveyImported {
			continue
		}
		for _, v := range sv.Versions {
			key := sv.ID + "/" + strconv.Itoa(v.N)
			figures, exact := db.SurveyFiguresVersion(sv.ID)
			if m, ok := d.settled[key]; ok && exact && m == (settledMark{rev: sv.Rev, figures: figures}) {
				continue // decided, and nothing has changed since
			}
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
			if exact {
				d.settled[key] = settledMark{rev: sv.Rev, figures: figures}
			}
		}
	}
	return decided, nil
}
