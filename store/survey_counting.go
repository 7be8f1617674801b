package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Counting survey responses so that a crash never leaves a stored
// response out of the results, nor counts one twice.
//
// A response is counted in a batch (a group commit: submissions arriving
// together are counted with one $inc per counter document). The batch is
// a small document in tally_batches, made BEFORE any response names it; it
// holds a lease (until) while its instance counts it. Each response is
// stored naming its batch. A response is counted exactly when its batch's
// document is gone. Counting a batch is:
//
//  1. each counter document it moves gets one $inc, guarded by the batch's
//     id: the update matches only if the document has no applied.<id> mark
//     yet, and sets it (so repeating step 1 never counts twice);
//  2. the batch document is deleted: the batch is counted;
//  3. the marks are removed (housekeeping: once the batch document is
//     gone nothing runs step 1 for it again, so a mark left by a crash
//     here is inert). This instance removes its counted batches' marks
//     with the next batch's writes to the same counters (one $unset
//     beside that batch's $inc and $set: no write of its own), and the
//     rest once no batch has been waiting for markLinger, and at Close
//     (marksLeft): while submissions keep coming, even one at a time,
//     each counter is written once a batch, not twice.
//
// (Step 3 was once before step 2: a counting stopped part-way through
// removing the marks left a batch document whose repair counted again
// every counter already unmarked.)
//
// A batch's first counting, while the lease it was opened with has more
// than half to run (countBatch), knows that no counter has a mark for it
// yet: nothing else may count the batch before the lease ends. On the
// embedded server its increments are then written by _id without reading
// each counter first (condUpdate.known); MongoDB checks the guard in the
// filter anyway. A repair always reads and checks.
//
// A crash before step 2 leaves the batch document. repairCounts (at
// start-up and hourly) claims each batch whose lease has ended (one
// conditional update, so two instances never repair one batch together),
// recomputes its increments from the responses that name it, and runs
// the steps again: the guard makes the repeat idempotent. The confirmation
// page is shown after step 2, and a respondent who presses Send again
// after a crash is told it was received (it is stored, and will be counted
// by the repair).
//
// Under load the counting can run out of its time (countTimeout: it must
// end inside the batch's lease, or a repair could run beside it) while the
// writer queue is long. The responses are stored by then, so that is not
// the respondents' failure: they are told their answers were sent, and
// this instance counts the batch again itself as soon as its lease ends
// (countLater), rather than leaving it to the hourly repair. (It was a 500
// for every respondent in the batch: TestCountingRunOutOfTime.)
//
// (Responses are not marked one by one: a bulk
// update of a batch's responses, one statement each, was one command that
// held a SQLite connection per statement on the embedded server and, at
// about 100 responses, exhausted its pool; see embeddedBulkMax in engine.go,
// which now sends bulk writes there in parts.)

// batchLease is how long an instance may take to count a batch before
// another may repair it; batchRotate is how long an idle, empty open batch
// is reused.
const (
	batchLease  = 15 * time.Second
	batchRotate = 5 * time.Second
)

// tallyBatchDoc is a batch being counted.
type tallyBatchDoc struct {
	ID    string    `bson:"_id"`
	Until time.Time `bson:"until"` // lease: nobody else counts it before then
}

const tallyBatchColl = "tally_batches"

// tallyBatcher gathers the increments of submissions waiting to be counted.
type tallyBatcher struct {
	mu      sync.Mutex
	open    *tallyBatch
	running bool
	// marksLeft are the marks (batch ids) of batches this instance has
	// counted, still on each counter: step 3 not yet done.
	marksLeft map[pendingKey][]string
	lingering bool          // clearIdleMarks is waiting to remove them
	timeout   time.Duration // counting one batch (0: countTimeout)
	closed    chan struct{} // closed by Close: countLater stops
	later     sync.WaitGroup
}

// countTimeout bounds counting one batch: it ends countMargin before the
// lease, so that a repair never runs beside it.
const (
	countMargin  = 2 * time.Second
	countTimeout = batchLease - countMargin
)

type tallyBatch struct {
	id      string
	opened  time.Time
	created sync.Once
	err     error // making its document
	joining int   // submissions holding the id that have not joined or left
	left    chan struct{}
	pending map[pendingKey]*pendingInc
	waiters []chan error
	// uncounted: a response that names the batch is, or may be, stored
	// without its increments in pending (leaveUncounted). The batch is
	// then counted from the responses that name it, never from pending.
	uncounted bool
}

type pendingKey struct{ coll, id string }

type pendingInc struct {
	survey     string
	version    int
	dim, value string
	inc        map[string]int64
}

// tallyBatch is the store's batcher of survey counts (one per open store).
func (s *Store) tallyBatch() *tallyBatcher { return s.batcher }

// stopCounting stops the batches waiting to be counted again (their
// documents stay for the repair at the next start) and forgets the
// batcher: Close calls it (again is harmless).
func (s *Store) stopCounting() {
	b := s.batcher
	b.mu.Lock()
	select {
	case <-b.closed:
	default:
		close(b.closed)
	}
	b.mu.Unlock()
	b.later.Wait()
	b.mu.Lock()
	left := b.marksLeft
	b.marksLeft = nil
	b.mu.Unlock()
	s.clearMarks(left) // the marks still on counters: step 3 before the store closes
}

// enterBatch gives a submission the batch it will be counted in, making
// the batch's document first. The caller must then join or leave it.
func (s *Store) enterBatch(ctx context.Context) (*tallyBatch, error) {
	b := s.tallyBatch()
	now := s.now()
	b.mu.Lock()
	if b.open == nil || (b.open.joining == 0 && len(b.open.waiters) == 0 && now.Sub(b.open.opened) > batchRotate) {
		b.open = &tallyBatch{id: NewID(), opened: now, pending: map[pendingKey]*pendingInc{}}
	}
	bt := b.open
	bt.joining++
	b.mu.Unlock()
	bt.created.Do(func() {
		_, bt.err = s.c(tallyBatchColl).InsertOne(context.WithoutCancel(ctx), tallyBatchDoc{ID: bt.id, Until: bt.opened.Add(batchLease).UTC()})
	})
	if bt.err != nil {
		s.leaveBatch(bt)
		return nil, fmt.Errorf("store: open a counting batch: %w", bt.err)
	}
	return bt, nil
}

// leaveBatch: the submission was not stored after all.
func (s *Store) leaveBatch(bt *tallyBatch) {
	b := s.tallyBatch()
	b.mu.Lock()
	bt.joining--
	if bt.joining == 0 && bt.left != nil {
		close(bt.left)
		bt.left = nil
	}
	s.settleUncounted(b, bt)
	b.mu.Unlock()
}

// leaveUncounted: the submission's response is, or may be, stored naming
// bt, but its increments will not join bt's (its insert did not answer in
// time, which does not say it was not stored; or a step after the insert
// failed). Counting bt from its pending increments would delete bt's
// document and so mark that response counted without counting it: bt is
// counted instead from the responses that name it once its lease ends
// (countLater, as a batch whose counting ran out of time), and the
// submissions that joined it are told their answers were sent.
func (s *Store) leaveUncounted(bt *tallyBatch) {
	b := s.tallyBatch()
	b.mu.Lock()
	defer b.mu.Unlock()
	bt.uncounted = true
	bt.joining--
	if bt.joining == 0 && bt.left != nil {
		close(bt.left)
		bt.left = nil
	}
	s.settleUncounted(b, bt)
}

// settleUncounted (b.mu held): once nobody holds bt and nobody waits for
// its counting, no flush will take it (flushTallies takes the open batch
// when it has waiters, and then counts it later itself). A batch left
// uncounted is then closed to new submissions and counted from its
// responses once its lease ends.
func (s *Store) settleUncounted(b *tallyBatcher, bt *tallyBatch) {
	if !bt.uncounted || bt.joining > 0 || len(bt.waiters) > 0 || b.open != bt {
		return
	}
	b.open = nil
	select {
	case <-b.closed: // closing: the repair at the next start counts it
	default:
		b.later.Add(1)
		go s.countLater(b, bt.id)
	}
}

// count adds one stored response to its batch's increments and
// returns once they are written (step 1 above). $inc adds up the same in
// any order, so several instances batching on their own stay correct.
func (s *Store) count(ctx context.Context, bt *tallyBatch, surveyID string, v *Version, a Answers) error {
	b := s.tallyBatch()
	done := make(chan error, 1)
	b.mu.Lock()
	addIncs(bt.pending, surveyID, v, a)
	bt.waiters = append(bt.waiters, done)
	bt.joining--
	if bt.joining == 0 && bt.left != nil {
		close(bt.left)
		bt.left = nil
	}
	if !b.running {
		b.running = true
		go s.flushTallies(b)
	}
	b.mu.Unlock()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err() // the increments are still written (or repaired)
	}
}

// addIncs merges one response's increments into pending.
func addIncs(pending map[pendingKey]*pendingInc, surveyID string, v *Version, a Answers) {
	for _, k := range responseKeys(v, a) {
		key := pendingKey{coll: TallyCollection, id: tallyID(surveyID, v.N, k[0], k[1])}
		p := pending[key]
		if p == nil {
			p = &pendingInc{survey: surveyID, version: v.N, dim: k[0], value: k[1], inc: map[string]int64{}}
			pending[key] = p
		}
		for _, e := range incFor(v, a, k[0] == DimAll) {
			p.inc[e.Key] += toInt64(e.Value)
		}
	}
}

// flushTallies counts open batches that have waiters, one after another,
// until none is left.
func (s *Store) flushTallies(b *tallyBatcher) {
	for {
		b.mu.Lock()
		bt := b.open
		if bt == nil || len(bt.waiters) == 0 {
			b.running = false
			if len(b.marksLeft) > 0 && !b.lingering {
				select {
				case <-b.closed: // closing: stopCounting removes them
				default:
					b.lingering = true
					b.later.Add(1)
					go s.clearIdleMarks(b)
				}
			}
			b.mu.Unlock()
			return
		}
		b.open = nil // new submissions start the next batch
		var left chan struct{}
		if bt.joining > 0 {
			left = make(chan struct{})
			bt.left = left
		}
		b.mu.Unlock()
		if left != nil {
			<-left // every submission holding this batch has joined or left
		}
		b.mu.Lock()
		waiters := bt.waiters
		timeout := b.timeout
		uncounted := bt.uncounted
		// The earlier batches' marks on the counters this one moves go
		// with its writes.
		unset := map[pendingKey][]string{}
		for k := range bt.pending {
			if ids := b.marksLeft[k]; len(ids) > 0 {
				unset[k] = ids
				delete(b.marksLeft, k)
			}
		}
		b.mu.Unlock()
		if timeout <= 0 {
			timeout = countTimeout
		}
		err := errUncounted // counted from its responses (leaveUncounted)
		if !uncounted {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			err = s.countBatch(ctx, bt.id, bt.pending, unset, bt.opened.Add(batchLease).UTC())
			cancel()
		}
		b.mu.Lock()
		if b.marksLeft == nil {
			b.marksLeft = map[pendingKey][]string{}
		}
		for k, ids := range unset {
			if err != nil { // perhaps not removed: again later
				b.marksLeft[k] = append(b.marksLeft[k], ids...)
			}
		}
		if err == nil {
			for k := range bt.pending {
				b.marksLeft[k] = append(b.marksLeft[k], bt.id)
			}
		}
		b.mu.Unlock()
		if err != nil {
			// Every response in the batch is stored and names it: it is
			// counted again here when its lease ends (or by the repair at
			// the next start). The respondents' answers were sent.
			if !uncounted {
				s.log.Warn("survey responses stored; counting them ran out of time, counted again when the batch's lease ends",
					"batch", bt.id, "responses", len(waiters), "err", err)
			}
			b.mu.Lock()
			select {
			case <-b.closed: // closing: the repair at the next start counts it
			default:
				b.later.Add(1)
				go s.countLater(b, bt.id)
			}
			b.mu.Unlock()
		}
		for _, w := range waiters {
			w <- nil
		}
	}
}

// errUncounted stands for the counting of a batch left to countLater by
// leaveUncounted: its marks to remove stay for later.
var errUncounted = errors.New("store: batch left to be counted from its responses")

// markLinger is how long the counting must have been idle before the
// marks left on counters are removed by writes of their own (until then
// the next batch's writes take them along).
const markLinger = time.Second

// clearIdleMarks is step 3 for the marks left, once no batch has been
// counted or waiting for markLinger.
func (s *Store) clearIdleMarks(b *tallyBatcher) {
	defer b.later.Done()
	for {
		select {
		case <-b.closed:
			b.mu.Lock()
			b.lingering = false
			b.mu.Unlock()
			return
		case <-time.After(markLinger):
		}
		b.mu.Lock()
		if b.running || b.open != nil && len(b.open.waiters) > 0 {
			b.mu.Unlock()
			continue // counting: its writes take marks along; look again later
		}
		left := b.marksLeft
		b.marksLeft = nil
		b.lingering = false
		b.mu.Unlock()
		s.clearMarks(left)
		return
	}
}

// countLater counts batch id once its lease has ended (the store's
// clock, looked at each second), trying again a lease later while the
// store is too busy, until Close.
func (s *Store) countLater(b *tallyBatcher, id string) {
	defer b.later.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-b.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	for attempt := 0; ; attempt++ {
		n, wait, err := s.repairBatch(ctx, id)
		switch {
		case err == nil && wait == 0:
			if n > 0 {
				s.log.Info("survey responses counted after running out of time", "batch", id, "responses", n)
			}
			return
		case err != nil && ctx.Err() != nil:
			return // closing: the repair at the next start counts it
		case err != nil:
			s.log.Warn("survey responses still to count; trying again", "batch", id, "attempt", attempt+1, "err", err)
			wait = batchLease
		}
		until := s.now().Add(wait)
		for s.now().Before(until) {
			select {
			case <-b.closed:
				return
			case <-time.After(min(time.Second, until.Sub(s.now()))):
			}
		}
	}
}

// countBatch runs steps 1 and 2 for batch id, whose lease ends at until.
// While more than half the lease is left (the usual case: batches are
// counted within a second or two of opening), nobody can have claimed the
// batch (repairBatch takes only a batch whose lease has ended), so it is
// counted at once, within the lease as it stands: the counting must end
// (countMargin) before the lease does. Otherwise the lease is renewed
// first and, if another instance has taken the batch over, it is left to
// that instance.
func (s *Store) countBatch(ctx context.Context, id string, pending map[pendingKey]*pendingInc, unset map[pendingKey][]string, until time.Time) error {
	if left := until.Sub(s.now()); left > batchLease/2 {
		ctx, cancel := context.WithTimeout(ctx, left-countMargin)
		defer cancel()
		return s.applyBatch(ctx, id, pending, unset, true)
	}
	res, err := s.updateIf(ctx, tallyBatchColl, id, Eq("until", until),
		bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: s.now().Add(batchLease).UTC()}}}})
	if err != nil {
		return fmt.Errorf("store: count responses: %w", err)
	}
	if res.MatchedCount == 0 {
		return nil // repaired by someone else: counted there
	}
	// The lease was still the one this batch was opened with: no repair
	// has claimed it, so no counter has been moved for it yet.
	return s.applyBatch(ctx, id, pending, unset, true)
}

// applyBatch: steps 1 and 2 for batch id (clearMarks is step 3), with
// step 3 of earlier batches whose marks are on the same counters (unset,
// by counter; may be nil). first says that no counter can have been moved
// for the batch yet (its first counting, under the lease it was opened
// with): every guard then holds, and the embedded server writes without
// reading each counter first.
func (s *Store) applyBatch(ctx context.Context, id string, pending map[pendingKey]*pendingInc, unset map[pendingKey][]string, first bool) error {
	byColl := map[string][]pendingKey{}
	surveys := map[string]bool{}
	for k, p := range pending {
		byColl[k.coll] = append(byColl[k.coll], k)
		surveys[p.survey] = true
	}
	// After the writes, whatever their outcome: the results built from
	// these surveys' counters are built again (copy_survey_figures.go).
	defer func() {
		for sv := range surveys {
			s.figures.bump(sv)
		}
	}()
	for coll, keys := range byColl {
		ups := make([]condUpdate, len(keys))
		for i, k := range keys {
			ups[i] = condUpdate{id: k.id, cond: Exists("applied."+id, false), update: countUpdate(id, pending[k], unset[k]), known: first}
		}
		matched, err := s.eng.updateEachIf(ctx, coll, ups)
		if err != nil {
			return fmt.Errorf("store: count responses (%s): %w", coll, err)
		}
		if matched != int64(len(keys)) {
			// A counter missing, or already counted for this batch (a repair).
			for _, k := range keys {
				if err := s.guardedInc(ctx, id, k, pending[k], unset[k]); err != nil {
					return err
				}
			}
		}
	}
	if _, err := s.c(tallyBatchColl).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("store: finish counting batch: %w", err)
	}
	return nil
}

// countUpdate is a counter's update for batch id: its increments and the
// batch's mark, and the removal of the marks of counted batches unset.
func countUpdate(id string, p *pendingInc, unset []string) bson.D {
	update := append(incUpdate(p.inc), bson.E{Key: "$set", Value: bson.D{{Key: "applied." + id, Value: true}}})
	if len(unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: unsetMarks(unset)})
	}
	return update
}

func unsetMarks(ids []string) bson.D {
	d := bson.D{}
	for _, b := range ids {
		d = append(d, bson.E{Key: "applied." + b, Value: ""})
	}
	return d
}

// marksOf are batch id's marks, on the counters of pending.
func marksOf(id string, pending map[pendingKey]*pendingInc) map[pendingKey][]string {
	out := map[pendingKey][]string{}
	for k := range pending {
		out[k] = []string{id}
	}
	return out
}

// clearMarks is step 3 for counted batches: their applied.<id> marks
// (by counter) go. It has a time limit of its own (nothing waits for it)
// and only logs a failure: a mark left behind is inert.
func (s *Store) clearMarks(marks map[pendingKey][]string) {
	if len(marks) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), countTimeout)
	defer cancel()
	byColl := map[string][]pendingKey{}
	for k := range marks {
		byColl[k.coll] = append(byColl[k.coll], k)
	}
	for coll, keys := range byColl {
		models := make([]mongo.WriteModel, len(keys))
		for i, k := range keys {
			models[i] = mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: k.id}}).
				SetUpdate(bson.D{{Key: "$unset", Value: unsetMarks(marks[k])}})
		}
		if _, err := s.c(coll).BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
			s.log.Warn("survey counting: the marks of counted batches were not removed (they are inert)", "counters", len(keys), "err", err)
			return
		}
	}
}

// guardedInc applies one counter document's increments for batch id once:
// a document that already lists the batch is left alone. A counter found
// missing is created first.
func (s *Store) guardedInc(ctx context.Context, batch string, k pendingKey, p *pendingInc, unset []string) error {
	update := countUpdate(batch, p, unset)
	for range 2 {
		res, err := s.updateIf(ctx, k.coll, k.id, Exists("applied."+batch, false), update)
		if err != nil {
			return fmt.Errorf("store: count responses (%s): %w", k.coll, err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
		err = s.c(k.coll).FindOne(ctx, bson.D{{Key: "_id", Value: k.id}}).Err()
		if err == nil {
			return nil // already counted for this batch
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return fmt.Errorf("store: count responses (%s): %w", k.coll, err)
		}
		t := Tally{ID: k.id, Survey: p.survey, Version: p.version, Dim: p.dim, Value: p.value, C: map[string]map[string]int64{}}
		if _, err := s.c(k.coll).InsertOne(ctx, t); err != nil && !isDuplicate(err) {
			return fmt.Errorf("store: count responses (%s): %w", k.coll, err)
		}
	}
	return fmt.Errorf("store: count responses (%s): counter %s could not be made", k.coll, k.id)
}

// repairCounts counts the responses of every batch left unfinished that no
// instance is counting (a crash, or a store error, left it): through
// Repair, at start-up and hourly. It is idempotent and safe to run on several
// instances at once. It returns how many responses it counted and, if
// some batch's lease has not ended yet, how long until it does (run it
// again then).
func (s *Store) repairCounts(ctx context.Context) (int, time.Duration, error) {
	var docs []tallyBatchDoc
	cur, err := s.c(tallyBatchColl).Find(ctx, bson.D{})
	if err == nil {
		err = cur.All(ctx, &docs)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: find counting batches: %w", err)
	}
	byBatch := map[string]bool{}
	for _, d := range docs {
		byBatch[d.ID] = true
	}
	counted := 0
	var next time.Duration
	for id := range byBatch {
		n, wait, err := s.repairBatch(ctx, id)
		if err != nil {
			return counted, 0, err
		}
		counted += n
		if wait > 0 && (next == 0 || wait < next) {
			next = wait
		}
	}
	return counted, next, nil
}

// repairBatch claims batch id if its lease has ended (or it has no
// document is gone, in which case it is finished), and counts the
// responses that name it.
func (s *Store) repairBatch(ctx context.Context, id string) (int, time.Duration, error) {
	now := s.now().UTC()
	lease := now.Add(batchLease)
	res, err := s.updateIf(ctx, tallyBatchColl, id, Lte("until", now),
		bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: lease}}}})
	if err != nil {
		return 0, 0, fmt.Errorf("store: claim batch %s: %w", id, err)
	}
	if res.MatchedCount == 0 {
		var d tallyBatchDoc
		err := s.c(tallyBatchColl).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		switch {
		case err == nil:
			return 0, d.Until.Sub(now) + time.Second, nil // still being counted
		case !errors.Is(err, mongo.ErrNoDocuments):
			return 0, 0, fmt.Errorf("store: claim batch %s: %w", id, err)
		}
		return 0, 0, nil // finished meanwhile: its responses are counted
	}
	// Claimed: its responses, read afresh, are counted here only, and
	// within the lease just taken (so that no other repair runs beside).
	ctx, cancel := context.WithTimeout(ctx, countTimeout)
	defer cancel()
	var rs []Response
	cur, err := s.c("survey_responses").Find(ctx, bson.D{{Key: "batch", Value: id}})
	if err == nil {
		err = cur.All(ctx, &rs)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: responses of batch %s: %w", id, err)
	}
	pending := map[pendingKey]*pendingInc{}
	ids := make([]string, 0, len(rs))
	surveys := map[string]*Survey{}
	for i := range rs {
		r := &rs[i]
		sv, ok := surveys[r.SurveyID]
		if !ok {
			sv, err = s.Survey(ctx, r.SurveyID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return 0, 0, err
			}
			surveys[r.SurveyID] = sv
		}
		ids = append(ids, r.ID)
		if sv == nil || sv.Version(r.Version) == nil {
			continue // its survey is gone: nothing to count it in
		}
		v := sv.Version(r.Version)
		if err := s.insertTexts(ctx, v, r); err != nil {
			return 0, 0, err
		}
		addIncs(pending, r.SurveyID, v, r.Answers)
	}
	if err := s.applyBatch(ctx, id, pending, nil, false); err != nil {
		return 0, 0, err
	}
	s.clearMarks(marksOf(id, pending))
	return len(ids), 0, nil
}
