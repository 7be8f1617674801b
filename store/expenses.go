package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"candour/apperr"
)

// Expenses claims for visits (docs/advisory.md, "Volunteer logistics"): a
// member who was at a visit or panel session claims mileage and other
// costs, with receipts; the coordinator approves or rejects each claim and
// downloads the approved ones for finance. Money is whole pence, never a
// float.

// Mileage rates: HMRC's approved mileage allowance payment for a car or van
// is 45p a mile for the first 10,000 business miles in a tax year and 25p a
// mile after that.
const (
	MileageRatePence      = 45
	MileageLaterRatePence = 25
	MileageRateMiles      = 10000
)

// Claim statuses.
const (
	ClaimWaiting  = "waiting"
	ClaimApproved = "approved"
	ClaimRejected = "rejected"
)

// ExpenseClaim is one person's claim for one visit. Its id is the visit's
// id and the person's id, so a second claim for the same visit cannot be
// stored, however the requests race.
type ExpenseClaim struct {
	ID             string    `bson:"_id"` // visitID-userID
	VisitID        string    `bson:"visitId"`
	VisitDate      time.Time `bson:"visitDate"`
	VisitLabel     string    `bson:"visitLabel"`
	UserID         string    `bson:"userId"`
	UserName       string    `bson:"userName"`
	Miles          int       `bson:"miles"`
	MileagePence   int64     `bson:"mileagePence"`
	ParkingPence   int64     `bson:"parkingPence"`
	TransportPence int64     `bson:"transportPence"`
	Receipts       []Paper   `bson:"receipts"` // sealed in expense_receipts, as meeting papers are
	Status         string    `bson:"status"`
	Reason         string    `bson:"reason,omitempty"` // why it was rejected
	DecidedBy      string    `bson:"decidedBy,omitempty"`
	DecidedAt      time.Time `bson:"decidedAt,omitempty"`
	CreatedAt      time.Time `bson:"createdAt"`
}

// OtherPence is the claim's costs other than mileage.
func (c ExpenseClaim) OtherPence() int64 { return c.ParkingPence + c.TransportPence }

// TotalPence is what the claim pays.
func (c ExpenseClaim) TotalPence() int64 { return c.MileagePence + c.OtherPence() }

// ClaimID is the id of userID's claim for visitID.
func ClaimID(visitID, userID string) string { return visitID + "-" + userID }

// MileagePence is the allowance for miles when the person has already
// claimed prior miles in the same tax year: 45p a mile up to 10,000 miles
// in the year, 25p a mile beyond.
func MileagePence(prior, miles int) int64 {
	first := min(miles, max(MileageRateMiles-prior, 0))
	return int64(first)*MileageRatePence + int64(miles-first)*MileageLaterRatePence
}

// TaxYearStart is the 6 April (UK time) that begins the tax year t is in.
func TaxYearStart(t time.Time) time.Time {
	l := t.In(London)
	y := l.Year()
	start := time.Date(y, time.April, 6, 0, 0, 0, 0, London)
	if l.Before(start) {
		start = time.Date(y-1, time.April, 6, 0, 0, 0, 0, London)
	}
	return start
}

// StoreReceipt seals a receipt's content as it is read (expense_receipts);
// the caller scans it (OpenReceipt) before the claim that lists it is
// made.
func (s *Store) StoreReceipt(ctx context.Context, p *Paper, r io.Reader) error {
	return s.sealChunks(ctx, "expense_receipts", p, r)
}

// OpenReceipt writes a receipt's content to w.
func (s *Store) OpenReceipt(ctx context.Context, p Paper, w io.Writer) error {
	return s.openChunks(ctx, "expense_receipts", p, w)
}

// DeleteReceipt removes a receipt's content (one that failed its scan, or
// whose claim was refused).
func (s *Store) DeleteReceipt(ctx context.Context, p Paper) error {
	return s.deleteChunks(ctx, "expense_receipts", p)
}

// CreateClaim stores a claim, waiting for approval, working out its
// mileage from the person's other claims (not rejected) in the tax year of
// the visit. The claim first takes its place in the person's tax year
// (reserveMiles: one conditional write that adds its miles and returns
// those before it), so claims made at the same instant for different
// visits are split at the 10,000-mile line as if made one after the other.
// A second claim by the same person for the same visit is an apperr
// Duplicate.
func (s *Store) CreateClaim(ctx context.Context, c *ExpenseClaim) error {
	c.ID = ClaimID(c.VisitID, c.UserID)
	c.Status, c.CreatedAt = ClaimWaiting, s.now().UTC()
	c.Reason, c.DecidedBy, c.DecidedAt = "", "", time.Time{}
	duplicate := apperr.New(apperr.Duplicate, "miles", "You have already claimed expenses for this visit")
	prior, err := s.reserveMiles(ctx, c)
	if errors.Is(err, ErrDuplicate) {
		return duplicate
	}
	if err != nil {
		s.abandonReservation(context.WithoutCancel(ctx), c)
		return err
	}
	c.MileagePence = MileagePence(prior, c.Miles)
	if err := s.queueClaim(ctx, c.ID, true); err != nil {
		return err
	}
	if _, err := s.c("expense_claims").InsertOne(ctx, c); err != nil {
		if isDuplicate(err) {
			return duplicate
		}
		s.abandonClaim(context.WithoutCancel(ctx), c)
		return fmt.Errorf("store: create claim: %w", err)
	}
	return nil
}

// abandonClaim gives back the place c took in its tax year and in the
// claims waiting, after storing c failed, but only if c is not stored
// after all. On MongoDB an insert can fail and still be applied: a write
// concern error (the majority did not acknowledge it in time) or the
// client-side timeout leave it on the primary, where it is usually
// committed soon after (docs/advisory.md, "The mileage split on
// MongoDB"); giving its miles back then would let the next claims be
// paid 45p a mile past the 10,000-mile line. When whether it is stored
// cannot be read, the place is kept: a place without its claim is taken
// over by the next claim for the visit after the grace, and the
// approval page puts the claims waiting right.
func (s *Store) abandonClaim(ctx context.Context, c *ExpenseClaim) {
	if _, err := s.Claim(ctx, c.ID); !errors.Is(err, ErrNotFound) {
		return // stored after all, or unknown
	}
	_ = s.queueClaim(ctx, c.ID, false)
	_ = s.releaseMiles(ctx, expenseYearID(c.UserID, TaxYearStart(c.VisitDate)), c.ID, ExpenseYearItem{Miles: c.Miles, At: c.CreatedAt})
}

// Claim reads one claim (ErrNotFound if there is none).
func (s *Store) Claim(ctx context.Context, id string) (*ExpenseClaim, error) {
	var c ExpenseClaim
	if err := s.r("expense_claims").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c); err != nil {
		return nil, fmt.Errorf("store: claim: %w", notFound(err))
	}
	return &c, nil
}

// ClaimsOf lists a person's claims, newest visit first.
func (s *Store) ClaimsOf(ctx context.Context, userID string) ([]ExpenseClaim, error) {
	return s.claims(ctx, bson.D{{Key: "userId", Value: userID}})
}

// ClaimsWithStatus lists the claims with status, newest visit first.
func (s *Store) ClaimsWithStatus(ctx context.Context, status string) ([]ExpenseClaim, error) {
	return s.claims(ctx, bson.D{{Key: "status", Value: status}})
}

func (s *Store) claims(ctx context.Context, filter bson.D) ([]ExpenseClaim, error) {
	cur, err := s.r("expense_claims").Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "visitDate", Value: -1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("store: claims: %w", err)
	}
	out := []ExpenseClaim{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("store: claims: %w", err)
	}
	return out, nil
}

// DecideClaim approves or rejects a waiting claim (reason: why it was
// rejected). A claim already decided is an apperr Conflict: two
// coordinators cannot both decide it. The decision is then recorded in the
// person's tax year (a rejected claim's miles stop counting) and the claim
// leaves the list of those waiting.
func (s *Store) DecideClaim(ctx context.Context, id string, approve bool, reason, by string) error {
	status := ClaimRejected
	if approve {
		status, reason = ClaimApproved, ""
	}
	var c ExpenseClaim
	err := s.findAndUpdateIf(ctx, "expense_claims", id, Eq("status", ClaimWaiting),
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: status}, {Key: "reason", Value: reason},
			{Key: "decidedBy", Value: by}, {Key: "decidedAt", Value: s.now().UTC()}}}}, true).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		decided, err := s.Claim(ctx, id)
		if err != nil {
			return err
		}
		// The decision that was stored may not have reached the tax year
		// and the claims waiting: a crash in between, or on MongoDB a
		// write that failed after it was applied (a write concern error or
		// a timeout). Both writes are idempotent, so whoever finds the
		// claim decided finishes them.
		if err := s.decideInYear(ctx, decided); err != nil {
			return err
		}
		if err := s.queueClaim(ctx, id, false); err != nil {
			return err
		}
		return apperr.New(apperr.Conflict, "", "This claim has already been decided")
	}
	if err != nil {
		return fmt.Errorf("store: decide claim: %w", err)
	}
	if err := s.decideInYear(ctx, &c); err != nil {
		return err
	}
	return s.queueClaim(ctx, id, false)
}

// ClaimableVisits lists the visits userID had a seat at that ended before
// now, newest first (at most 50): the ones they may claim for. An
// unannounced visit whose time was never set is not one.
func (s *Store) ClaimableVisits(ctx context.Context, userID string, now time.Time) ([]Visit, error) {
	cur, err := s.r("visits").Find(ctx, bson.D{{Key: "attendees", Value: userID}, {Key: "end", Value: bson.D{{Key: "$lt", Value: now.UTC()}}}},
		options.Find().SetSort(bson.D{{Key: "end", Value: -1}}).SetLimit(50))
	if err != nil {
		return nil, fmt.Errorf("store: claimable visits: %w", err)
	}
	var all []Visit
	if err := cur.All(ctx, &all); err != nil {
		return nil, fmt.Errorf("store: claimable visits: %w", err)
	}
	out := []Visit{}
	for _, v := range all {
		if v.Claimable(userID, now) {
			out = append(out, v)
		}
	}
	return out, nil
}

// Claimable reports whether userID may claim expenses for v at now: they
// had a seat and it is over.
func (v *Visit) Claimable(userID string, now time.Time) bool {
	return v.Attending(userID) && (!v.Unannounced || v.TimeSet) && !v.End.IsZero() && v.End.Before(now)
}
