package store

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Survey responses are inserted together: submissions arriving while one
// insert is under way are stored by the next, as one insert of many
// documents (one command, one SQLite transaction, one commit and one wait
// for the group commit's fsync on the embedded server), instead of one
// each, every one queueing for the writer lock. Each submission still goes
// on only once its own response is stored (on disk), or is told why not:
// ErrAlreadySubmitted for its id already stored, the store's error
// otherwise. So SubmitResponse keeps its order (the counting batch's
// document first, then the response naming it, then its free-text answers
// and its counts) and a crash keeps what it kept (survey_counting.go).
//
// Measured with make bench -profile (7 December 2026): at 50 respondents
// the insert of each response was a quarter of the submissions' time
// waiting for the writer.
type responseInserts struct {
	mu      sync.Mutex
	pending []pendingResponse
	running bool
	// late is what an insert that stored its documents answers (tests:
	// one that stored them and then ran out of time); nil: nothing.
	late error
}

type pendingResponse struct {
	r    *Response
	done chan error
}

// responseInsertTimeout bounds one insert of many responses. A submission
// waits for its insert's outcome whatever becomes of its request (its
// invitation code stays held for its response's id until the response is
// known to be stored: SubmitResponse).
// Giving up on an insert already sent does not stop the server storing
// it: the respondent would be told the service was busy (and to send
// again) about answers that were kept. Under load (200 respondents at once
// on a loaded machine, TestTwoHundredConcurrentRespondents) an insert
// took longer than the 10 s this once was, and most of the 200 were told
// so; it stays under the portal's 60 s to write a response.
const responseInsertTimeout = 30 * time.Second

// insertResponse stores r with the responses submitted with it, and
// returns once it is stored (nil), or found already stored (a duplicate
// key error), or not stored (the error).
func (s *Store) insertResponse(r *Response) error {
	q := s.responses
	done := make(chan error, 1)
	q.mu.Lock()
	q.pending = append(q.pending, pendingResponse{r: r, done: done})
	if !q.running {
		q.running = true
		go s.flushResponses(q)
	}
	q.mu.Unlock()
	return <-done
}

// flushResponses inserts the waiting responses, all at once, until none
// is left.
func (s *Store) flushResponses(q *responseInserts) {
	for {
		q.mu.Lock()
		group := q.pending
		q.pending = nil
		if len(group) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		late := q.late
		q.mu.Unlock()
		errs := s.insertResponses(group)
		for i := range errs {
			if errs[i] == nil && late != nil {
				errs[i] = late
			}
		}
		for i, p := range group {
			p.done <- errs[i]
		}
	}
}

// insertResponses inserts group's responses in one unordered insert and
// returns each one's outcome.
func (s *Store) insertResponses(group []pendingResponse) []error {
	ctx, cancel := context.WithTimeout(context.Background(), responseInsertTimeout)
	defer cancel()
	errs := make([]error, len(group))
	var err error
	if len(group) == 1 {
		_, err = s.c("survey_responses").InsertOne(ctx, group[0].r)
		errs[0] = err
		return errs
	}
	docs := make([]any, len(group))
	for i, p := range group {
		docs[i] = p.r
	}
	_, err = s.c("survey_responses").InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return errs
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		for i := range errs {
			errs[i] = err // none of them is known to be stored
		}
		return errs
	}
	// Only the documents named by a write error were not stored (an
	// unordered insert goes on past each).
	for _, we := range bwe.WriteErrors {
		if we.Index >= 0 && we.Index < len(errs) {
			errs[we.Index] = mongo.WriteException{WriteErrors: mongo.WriteErrors{we.WriteError}}
		}
	}
	return errs
}
