package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ResealProgress is where a re-seal run got to.
type ResealProgress struct {
	Kind     string // the collection being walked (one of SealedKinds)
	Checked  int    // documents read, every kind so far
	Resealed int    // documents with a value re-sealed under the primary key
	Values   int    // values re-sealed (or sealed for the first time)
	Retried  int    // documents that changed while being re-sealed and were read again
	After    string // the last document id done in Kind: a later run resumes after it
}

// resealCheckpoint is kept in the counters collection: the primary key a run
// re-seals under, the kind it was walking and the last id it finished there,
// so a run that was stopped resumes where it stopped.
type resealCheckpoint struct {
	ID      string `bson:"_id"`
	Primary int64  `bson:"primary"`
	Kind    string `bson:"kind"`
	After   string `bson:"after"`
}

const resealCheckpointID = "reseal"

// Reseal re-encrypts, under the sealer's primary key, every sealed value of
// every sealed kind (sealed_kinds.go: referrals' content, contact details,
// messages and notes; custody visit reports; declared conflicts; meeting
// papers and expenses receipts; critical-incident advice) that an older key
// sealed, and seals any value still held in the clear from before its
// field was sealed (advice written before advice was sealed). It walks
// the kinds in order and each kind's documents in id order, a batch at a
// time, and records after each batch how far it got: run again with the
// same primary key, it resumes there (restart true walks from the
// beginning). A document already under the primary key is left as it is,
// so a run is safe to repeat.
//
// Each document is rewritten by one conditional update, only if what it
// replaces is still as read; otherwise it is read again. The caller audits
// the run.
func (s *Store) Reseal(ctx context.Context, batch int, restart bool, progress func(ResealProgress)) (ResealProgress, error) {
	var p ResealProgress
	if s.sealer == nil {
		return p, ErrNoKeys
	}
	if batch < 1 {
		batch = 50
	}
	primary := int64(s.sealer.PrimaryKeyID())
	counters := s.c("counters")
	var cp resealCheckpoint
	if !restart {
		err := counters.FindOne(ctx, bson.D{{Key: "_id", Value: resealCheckpointID}}).Decode(&cp)
		if err != nil && notFound(err) != ErrNotFound {
			return p, fmt.Errorf("store: reseal checkpoint: %w", err)
		}
		if err != nil || cp.Primary != primary {
			cp = resealCheckpoint{}
		}
		if cp.Kind == "" && cp.After != "" {
			cp.Kind = "referrals" // a checkpoint from before every kind was re-sealed
		}
		if _, ok := sealedKindOf(cp.Kind); !ok {
			cp = resealCheckpoint{}
		}
	}
	resuming := cp.Kind != ""
	for _, k := range sealedKinds {
		if resuming && k.coll != cp.Kind {
			continue // done by the stopped run
		}
		p.Kind, p.After = k.coll, ""
		if resuming {
			p.After, resuming = cp.After, false
		}
		if err := s.resealKind(ctx, k, batch, primary, &p, progress); err != nil {
			return p, err
		}
	}
	return p, nil
}

// resealKind walks one kind from p.After.
func (s *Store) resealKind(ctx context.Context, k sealedKind, batch int, primary int64, p *ResealProgress, progress func(ResealProgress)) error {
	for {
		filter := bson.D{}
		if p.After != "" {
			filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: p.After}}}}
		}
		cur, err := s.c(k.coll).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(batch)))
		if err != nil {
			return fmt.Errorf("store: reseal %s: %w", k.coll, err)
		}
		var docs []bson.Raw
		if err := cur.All(ctx, &docs); err != nil {
			return fmt.Errorf("store: reseal %s: %w", k.coll, err)
		}
		if len(docs) == 0 {
			return nil
		}
		for _, doc := range docs {
			id := docIDOf(doc)
			n, err := s.resealDoc(ctx, k, doc, p)
			if err != nil {
				return err
			}
			p.Checked++
			if n > 0 {
				p.Resealed++
				p.Values += n
			}
			p.After = id
		}
		if _, err := s.c("counters").UpdateOne(ctx, bson.D{{Key: "_id", Value: resealCheckpointID}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "primary", Value: primary}, {Key: "kind", Value: k.coll}, {Key: "after", Value: p.After}}}},
			options.UpdateOne().SetUpsert(true)); err != nil {
			return fmt.Errorf("store: reseal checkpoint: %w", err)
		}
		if progress != nil {
			progress(*p)
		}
	}
}

// resealDoc re-seals one document, reading it again (up to five times) if
// it changes in between; it returns how many values it re-sealed.
func (s *Store) resealDoc(ctx context.Context, k sealedKind, doc bson.Raw, p *ResealProgress) (int, error) {
	id := docIDOf(doc)
	for tries := 0; ; tries++ {
		set, cond, n, err := s.resealPlan(k, doc)
		if err != nil || n == 0 {
			return 0, err
		}
		res, err := s.updateIf(ctx, k.coll, id, cond, bson.D{{Key: "$set", Value: set}})
		if err != nil {
			return 0, fmt.Errorf("store: reseal %s %s: %w", k.coll, id, err)
		}
		if res.MatchedCount == 1 {
			return n, nil
		}
		if tries == 4 {
			return 0, fmt.Errorf("store: reseal %s %s: it kept changing; run again", k.coll, id)
		}
		p.Retried++
		var again bson.Raw
		if err := s.r(k.coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&again); err != nil {
			if notFound(err) == ErrNotFound {
				return 0, nil // deleted meanwhile: nothing left to re-seal
			}
			return 0, fmt.Errorf("store: reseal %s %s: %w", k.coll, id, err)
		}
		doc = again
	}
}

// planReferralReseal re-seals a referral's content, contact details and
// messages (and notes). The messages are an array rewritten whole, so the
// write is conditional on the number of messages being as read (a message
// added meanwhile would be lost) and on the content not having been
// deleted in between.
func planReferralReseal(s *Store, doc bson.Raw) (bson.D, Cond, int, error) {
	var r Referral
	if err := bson.Unmarshal(doc, &r); err != nil {
		return nil, Cond{}, 0, fmt.Errorf("store: reseal referral: %w", err)
	}
	if r.ContentGone {
		return nil, Cond{}, 0, nil
	}
	n := 0
	reseal := func(field string, ct []byte) ([]byte, error) {
		if s.sealer.SealedUnderPrimary(ct) {
			return ct, nil
		}
		pt, err := s.sealer.Open(r.ID, field, ct)
		if err != nil {
			return nil, fmt.Errorf("store: reseal referral %s %s: %w", r.ID, field, err)
		}
		n++
		return s.sealer.Seal(r.ID, field, pt)
	}
	set := bson.D{}
	for _, f := range []struct {
		name string
		ct   []byte
	}{{"content", r.SealedContent}, {"contact", r.SealedContact}} {
		if len(f.ct) == 0 {
			continue
		}
		ct, err := reseal(f.name, f.ct)
		if err != nil {
			return nil, Cond{}, 0, err
		}
		set = append(set, bson.E{Key: f.name, Value: ct})
	}
	cond := Ne("contentGone", true)
	if len(r.Messages) > 0 {
		msgs := make([]RefMessage, len(r.Messages))
		for i, m := range r.Messages {
			body, err := reseal("message:"+m.ID, m.Body)
			if err != nil {
				return nil, Cond{}, 0, err
			}
			m.Body = body
			msgs[i] = m
		}
		set = append(set, bson.E{Key: "messages", Value: msgs})
		cond = cond.And(Size("messages", len(r.Messages)))
	} else {
		cond = cond.And(Or(Exists("messages", false), Size("messages", 0)))
	}
	if n == 0 {
		return nil, Cond{}, 0, nil
	}
	return set, cond, n, nil
}

// AuditResealed is the audit action of a "candour keys reseal" run.
const AuditResealed = "referrals-resealed"
