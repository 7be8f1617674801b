package store

import (
	"strings"
	"sync"
)

// surveyFigures numbers the changes to each survey's counters, so that
// results built from them (server/survey_results.go) can be kept for
// exactly as long as the counters stand still. The number moves after the
// write that changes the counters has returned: a build that reads the
// counters under the new number sees the write; one that read them before
// is kept under the old number, which nobody asks for again.
//
// It hears of the counters' writes through the writer's hook (a write by
// _id names its survey: tallyID) and from the counting of a batch
// (applyBatch, a bulk write that names no _id). A write that may have
// touched any survey's counters moves every survey's number.
type surveyFigures struct {
	mu  sync.Mutex
	all uint64            // moves for writes that may touch any survey
	per map[string]uint64 // by survey
}

// bump moves survey id's number ("" moves every survey's).
func (f *surveyFigures) bump(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id == "" {
		f.all++
		return
	}
	if f.per == nil {
		f.per = map[string]uint64{}
	}
	f.per[id]++
}

// of is survey id's number: both parts only grow, so their sum changes
// whenever either does and never comes back.
func (f *surveyFigures) of(id string) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.all + f.per[id]
}

// tallyChanged is the counters' hook: a write of counter id (tallyID),
// "" for a write that named no counter (the callers that know their
// surveys bump them themselves: applyBatch), or inserted.
func (s *Store) tallyChanged(id string) {
	switch {
	case id == "":
	case id == inserted:
		s.figures.bump("") // new counters: publication, an import, a repair
	default:
		survey, _, _ := strings.Cut(id, ":")
		s.figures.bump(survey)
	}
}

// SurveyFiguresVersion is a number that changes whenever survey id's
// counters change through this store. exact is false where other
// instances may change them too (MongoDB, or the embedded engine reached
// by URI): there a cache must also expire.
func (s *Store) SurveyFiguresVersion(id string) (version uint64, exact bool) {
	return s.figures.of(id), !s.docs.remote
}
