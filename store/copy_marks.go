package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Marks let start-up repair only what a crash can have left behind, not
// every document that might be (issue 18: "start-up < 2 s on the 10×
// data").
//
// Two copies decide what a person sees with nothing to check them against,
// so start-up must not answer before they agree with what they copy: the
// memberships on each account and each group's summary (who may sign up
// for a visit), and each group's panel tally (the figures on a panel's
// page). Rebuilding them reads every membership, account and submitted
// finding, which grows with the force (seconds at ten times a year's
// data). Instead, a change that copies writes a mark first (one small
// document naming what its copies are of), makes the change and its
// copies, and deletes the mark. A crash anywhere in between leaves the
// mark, and start-up rebuilds the copies of what the marks name: reading
// the marks costs the same whatever the data, since only changes in flight
// or cut off by a crash have one. The full rebuilds stay in Repair (the
// hourly job), which also catches a copy left behind by a change made
// before marks existed.
//
// A mark is its own document (a fresh _id per change), so two changes of
// one group never delete each other's.

// CopyMarksCollection holds the marks of changes whose copies may not be
// written yet.
const CopyMarksCollection = "copy_marks"

// Kinds of mark.
const (
	markMemberships = "memberships" // Group and User: the account's copy and the group's summary
	markPanelTally  = "panel-tally" // Group: the group's panel tally
)

// markGrace is how old a mark must be before the hourly Repair deletes it
// once the full rebuild has covered it: a younger one may be a change
// another instance is making now, which deletes its own mark.
const markGrace = time.Minute

type copyMark struct {
	ID    string    `bson:"_id"`
	Kind  string    `bson:"kind"`
	Group string    `bson:"group,omitempty"`
	User  string    `bson:"user,omitempty"`
	At    time.Time `bson:"at"`
}

// mark writes a mark for a change about to be made. Call done after the
// change and its copies are written; if they fail, leave the mark for the
// next start or Repair.
func (s *Store) mark(ctx context.Context, kind, group, user string) (done func(context.Context), err error) {
	m := copyMark{ID: NewID(), Kind: kind, Group: group, User: user, At: s.now().UTC()}
	if _, err := s.c(CopyMarksCollection).InsertOne(ctx, m); err != nil {
		return nil, fmt.Errorf("store: mark %s: %w", kind, err)
	}
	return func(ctx context.Context) {
		if _, err := s.c(CopyMarksCollection).DeleteOne(ctx, bson.D{{Key: "_id", Value: m.ID}}); err != nil {
			// The copies are written; the mark only makes the next start
			// rebuild them once more.
			s.log.Warn("store: could not delete a copy mark; the next start rebuilds its copies again", "kind", kind, "err", err)
		}
	}, nil
}

// marks reads the marks of one kind.
func (s *Store) marks(ctx context.Context, kind string) ([]copyMark, error) {
	var ms []copyMark
	if err := s.findAll(ctx, CopyMarksCollection, bson.D{{Key: "kind", Value: kind}}, &ms); err != nil {
		return nil, fmt.Errorf("store: copy marks: %w", err)
	}
	return ms, nil
}

// unmark deletes marks whose copies have been rebuilt; with grace, only
// those older than markGrace.
func (s *Store) unmark(ctx context.Context, ms []copyMark, grace bool) error {
	for _, m := range ms {
		if grace && s.now().Sub(m.At) < markGrace {
			continue
		}
		if _, err := s.c(CopyMarksCollection).DeleteOne(ctx, bson.D{{Key: "_id", Value: m.ID}}); err != nil {
			return fmt.Errorf("store: copy mark: %w", err)
		}
	}
	return nil
}

// repairMarkedMemberships rebuilds the account copies and group summaries
// the memberships marks name, and deletes the marks. It returns how many
// copies it rewrote (each marked account and group once).
func (s *Store) repairMarkedMemberships(ctx context.Context) (int, error) {
	ms, err := s.marks(ctx, markMemberships)
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	users, groups := map[string]bool{}, map[string]bool{}
	n := 0
	for _, m := range ms {
		if m.User != "" && !users[m.User] {
			users[m.User] = true
			if err := s.syncUserMemberships(ctx, m.User); err != nil {
				return n, err
			}
			n++
		}
		if m.Group != "" && !groups[m.Group] {
			groups[m.Group] = true
			if err := s.syncGroupSummary(ctx, m.Group); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, s.unmark(ctx, ms, false)
}

// repairMarkedPanelTallies rebuilds the panel tallies of the groups the
// marks name from their submitted findings, and deletes the marks. It
// returns how many tallies it changed.
func (s *Store) repairMarkedPanelTallies(ctx context.Context) (int, error) {
	ms, err := s.marks(ctx, markPanelTally)
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	groups := map[string]bool{}
	n := 0
	for _, m := range ms {
		if groups[m.Group] {
			continue
		}
		groups[m.Group] = true
		changed, err := s.rebuildPanelTallies(ctx, bson.D{{Key: "groupId", Value: m.Group}}, []string{m.Group})
		if err != nil {
			return n, err
		}
		n += changed
	}
	return n, s.unmark(ctx, ms, false)
}

// fullRepair runs a full rebuild, then deletes the marks of kind that
// were there before it began (and are older than markGrace): the rebuild
// covered them.
func (s *Store) fullRepair(ctx context.Context, kind string, rebuild func(context.Context) (int, error)) (int, error) {
	ms, err := s.marks(ctx, kind)
	if err != nil {
		return 0, err
	}
	n, err := rebuild(ctx)
	if err != nil {
		return n, err
	}
	return n, s.unmark(ctx, ms, true)
}
