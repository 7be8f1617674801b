package store

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// repairCustodyIssueCounts gives every submitted custody report saved
// before IssuesRaised and IssuesAnswered existed (issue 16's home-page
// counts) the counts worked out from its own sealed content, and returns
// how many it gave them. Without them such a report reads as zero raised,
// so the scheme manager's home page called every one of its issues "to
// raise" until the report was next saved.
//
// It is a Repair step and not a numbered migration: migrations run inside
// Open, before the store has its field keys (SetSealer), and the counts
// can only come from the sealed content. As a step it also puts right a
// report that an older instance saves during a rolling upgrade, at the
// hourly Repair after.
//
// Only reports without the field are read (every save writes it, zero
// included), so once done it finds none: idempotent. Each report is
// written by one conditional update, only if it is still at the version
// read and still without the counts; a report saved in between got its
// counts from that save and is left as it is. A report whose content no
// key opens is logged and skipped. A crash part-way leaves the
// rest without the field, for the next run. The version is not moved: the
// counts are a copy of what the content already says, and the pair's or
// the scheme manager's open form must not be refused for it.
func (s *Store) repairCustodyIssueCounts(ctx context.Context) (int, error) {
	cur, err := s.r("custody_reports").Find(ctx, bson.D{
		{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{CustodySubmitted, CustodyConfirmed}}}},
		{Key: "issuesRaised", Value: bson.D{{Key: "$exists", Value: false}}},
	})
	if err != nil {
		return 0, fmt.Errorf("store: custody reports without issue counts: %w", err)
	}
	var rs []CustodyReport
	if err := cur.All(ctx, &rs); err != nil {
		return 0, fmt.Errorf("store: custody reports without issue counts: %w", err)
	}
	fixed := 0
	for i := range rs {
		r := &rs[i]
		if err := s.openCustody(r); err != nil {
			if errors.Is(err, ErrNoSealer) {
				return fixed, err
			}
			// A report no key opens must not stop the portal starting;
			// it keeps reading as before, and the next run tries again.
			s.log.Warn("store: a custody report's content does not open, so its issue counts are left to the next repair", "report", r.ID, "err", err)
			continue
		}
		cats, raised, answered := r.Content.issueCounts()
		res, err := s.updateIf(ctx, "custody_reports", r.ID, Eq("version", r.Version).And(Exists("issuesRaised", false)),
			bson.D{{Key: "$set", Value: bson.D{
				{Key: "issueCategories", Value: cats},
				{Key: "issuesRaised", Value: raised},
				{Key: "issuesAnswered", Value: answered},
			}}})
		if err != nil {
			return fixed, fmt.Errorf("store: custody report %s issue counts: %w", r.ID, err)
		}
		if res.MatchedCount == 1 {
			fixed++
		}
	}
	return fixed, nil
}
