package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ResealProgress is where a re-seal run got to.
type ResealProgress struct {
	Checked  int    // referrals read
	Resealed int    // referrals re-sealed under the primary key
	Retried  int    // referrals that changed while being re-sealed and were read again
	After    string // the last referral id done: a later run resumes after it
}

// resealCheckpoint is kept in the counters collection: the primary key a run
// re-seals under and the last referral id it finished, so a run that was
// stopped resumes where it stopped.
type resealCheckpoint struct {
	ID      string `bson:"_id"`
	Primary int64  `bson:"primary"`
	After   string `bson:"after"`
}

const resealCheckpointID = "reseal"

// ResealReferrals re-encrypts, under the sealer's primary key, every
// sealed field of every referral (content, contact details, messages and
// notes) that an older key sealed. It walks the referrals in id order, a
// batch at a time, and records after each batch how far it got: run again
// with the same primary key, it resumes after the last referral it
// finished (restart true walks from the beginning). A referral already
// under the primary key is left as it is, so a run is safe to repeat.
//
// Each referral is rewritten by one conditional update: only if it has the
// same number of messages as when read and its content was not deleted in
// between; otherwise it is read again. The caller audits the run.
func (s *Store) ResealReferrals(ctx context.Context, batch int, restart bool, progress func(ResealProgress)) (ResealProgress, error) {
	var p ResealProgress
	if s.sealer == nil {
		return p, ErrNoKeys
	}
	if batch < 1 {
		batch = 50
	}
	primary := int64(s.sealer.PrimaryKeyID())
	counters := s.c("counters")
	if !restart {
		var cp resealCheckpoint
		err := counters.FindOne(ctx, bson.D{{Key: "_id", Value: resealCheckpointID}}).Decode(&cp)
		if err == nil && cp.Primary == primary {
			p.After = cp.After
		} else if err != nil && notFound(err) != ErrNotFound {
			return p, fmt.Errorf("store: reseal checkpoint: %w", err)
		}
	}
	for {
		filter := bson.D{}
		if p.After != "" {
			filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: p.After}}}}
		}
		cur, err := s.c("referrals").Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(batch)))
		if err != nil {
			return p, fmt.Errorf("store: reseal: %w", err)
		}
		var rs []Referral
		if err := cur.All(ctx, &rs); err != nil {
			return p, fmt.Errorf("store: reseal: %w", err)
		}
		if len(rs) == 0 {
			break
		}
		for i := range rs {
			done, err := s.resealOne(ctx, &rs[i])
			for tries := 0; err == nil && !done && tries < 5; tries++ {
				p.Retried++
				var r *Referral
				if r, err = s.Referral(ctx, rs[i].ID); err == nil {
					done, err = s.resealOne(ctx, r)
				}
			}
			if err != nil {
				return p, err
			}
			if !done {
				return p, fmt.Errorf("store: reseal referral %s: it kept changing; run again", rs[i].ID)
			}
			p.Checked++
			if !s.underPrimary(&rs[i]) {
				p.Resealed++
			}
			p.After = rs[i].ID
		}
		if _, err := counters.UpdateOne(ctx, bson.D{{Key: "_id", Value: resealCheckpointID}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "primary", Value: primary}, {Key: "after", Value: p.After}}}},
			options.UpdateOne().SetUpsert(true)); err != nil {
			return p, fmt.Errorf("store: reseal checkpoint: %w", err)
		}
		if progress != nil {
			progress(p)
		}
	}
	return p, nil
}

// underPrimary reports whether every sealed field of r is under the primary key.
func (s *Store) underPrimary(r *Referral) bool {
	ok := s.sealer.SealedUnderPrimary(r.SealedContent) && s.sealer.SealedUnderPrimary(r.SealedContact)
	for _, m := range r.Messages {
		ok = ok && s.sealer.SealedUnderPrimary(m.Body)
	}
	return ok
}

// resealOne rewrites one referral's sealed fields under the primary key.
// It reports false when the referral changed since it was read.
func (s *Store) resealOne(ctx context.Context, r *Referral) (bool, error) {
	if r.ContentGone || s.underPrimary(r) {
		return true, nil
	}
	reseal := func(field string, ct []byte) ([]byte, error) {
		if s.sealer.SealedUnderPrimary(ct) {
			return ct, nil
		}
		pt, err := s.sealer.Open(r.ID, field, ct)
		if err != nil {
			return nil, fmt.Errorf("store: reseal referral %s %s: %w", r.ID, field, err)
		}
		return s.sealer.Seal(r.ID, field, pt)
	}
	set := bson.D{}
	if len(r.SealedContent) > 0 {
		ct, err := reseal("content", r.SealedContent)
		if err != nil {
			return false, err
		}
		set = append(set, bson.E{Key: "content", Value: ct})
	}
	if len(r.SealedContact) > 0 {
		ct, err := reseal("contact", r.SealedContact)
		if err != nil {
			return false, err
		}
		set = append(set, bson.E{Key: "contact", Value: ct})
	}
	cond := Ne("contentGone", true)
	if len(r.Messages) > 0 {
		msgs := make([]RefMessage, len(r.Messages))
		for i, m := range r.Messages {
			body, err := reseal("message:"+m.ID, m.Body)
			if err != nil {
				return false, err
			}
			m.Body = body
			msgs[i] = m
		}
		set = append(set, bson.E{Key: "messages", Value: msgs})
		// A message added meanwhile would be lost by writing the array back.
		cond = cond.And(Size("messages", len(r.Messages)))
	} else {
		cond = cond.And(Or(Exists("messages", false), Size("messages", 0)))
	}
	res, err := s.updateIf(ctx, "referrals", r.ID, cond, bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return false, fmt.Errorf("store: reseal referral %s: %w", r.ID, err)
	}
	return res.MatchedCount == 1, nil
}

// AuditResealed is the audit action of a "candour keys reseal" run.
const AuditResealed = "referrals-resealed"
