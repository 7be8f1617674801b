package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"candour/apperr"
	"candour/store"
	"candour/store/storetest"
)

// TestMileageRate: HMRC's rate, 45p a mile for the first 10,000 miles in a
// tax year and 25p after, in whole pence. By hand: 37 x 45 = 1,665;
// 9,990 already claimed + 20 = 10 x 45 + 10 x 25 = 700; 10,000 already
// claimed + 5 = 5 x 25 = 125.
func TestMileageRate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		prior, miles int
		want         int64
	}{{0, 37, 1665}, {0, 0, 0}, {9990, 20, 700}, {10000, 5, 125}, {12000, 4, 100}, {0, 10000, 450000}} {
		if got := store.MileagePence(tc.prior, tc.miles); got != tc.want {
			t.Errorf("MileagePence(%d, %d) = %d, want %d", tc.prior, tc.miles, got, tc.want)
		}
	}
	for in, want := range map[time.Time]string{
		time.Date(2027, 4, 5, 23, 30, 0, 0, store.London): "2026-04-06",
		time.Date(2027, 4, 6, 0, 0, 0, 0, store.London):   "2027-04-06",
		time.Date(2026, 12, 1, 10, 0, 0, 0, store.London): "2026-04-06",
	} {
		if got := store.TaxYearStart(in).Format(time.DateOnly); got != want {
			t.Errorf("tax year of %s starts %s, want %s", in, got, want)
		}
	}
}

// TestClaimsOnePerVisitAndTaxYear: a claim's mileage counts the person's
// other claims (not rejected) in the tax year; one claim per person per
// visit, however two requests race; a claim is decided once.
func TestClaimsOnePerVisitAndTaxYear(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	may := time.Date(2026, 5, 12, 10, 0, 0, 0, store.London)
	big := &store.ExpenseClaim{VisitID: "v1", VisitDate: may, UserID: "u1", UserName: "Ann", Miles: 9990}
	if err := db.CreateClaim(ctx, big); err != nil {
		t.Fatal(err)
	}
	if big.MileagePence != 449550 { // 9,990 x 45
		t.Fatalf("mileage %d, want 449550", big.MileagePence)
	}
	// The same tax year: 10 miles at 45p, 10 at 25p = 700.
	c2 := &store.ExpenseClaim{VisitID: "v2", VisitDate: may.AddDate(0, 6, 0), UserID: "u1", Miles: 20, ParkingPence: 450}
	if err := db.CreateClaim(ctx, c2); err != nil || c2.MileagePence != 700 || c2.TotalPence() != 1150 {
		t.Fatalf("second claim: %d %d %v", c2.MileagePence, c2.TotalPence(), err)
	}
	// The next tax year (from 6 April 2027) starts again: 20 x 45 = 900.
	c3 := &store.ExpenseClaim{VisitID: "v3", VisitDate: time.Date(2027, 4, 6, 9, 0, 0, 0, store.London), UserID: "u1", Miles: 20}
	if err := db.CreateClaim(ctx, c3); err != nil || c3.MileagePence != 900 {
		t.Fatalf("next year: %d %v", c3.MileagePence, err)
	}
	// Someone else is not counted: 20 x 45 = 900.
	c4 := &store.ExpenseClaim{VisitID: "v2", VisitDate: may.AddDate(0, 6, 0), UserID: "u2", Miles: 20}
	if err := db.CreateClaim(ctx, c4); err != nil || c4.MileagePence != 900 {
		t.Fatalf("another person: %d %v", c4.MileagePence, err)
	}

	// Two claims for one visit at once: one is stored, the other is a
	// Duplicate.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			errs[i] = db.CreateClaim(ctx, &store.ExpenseClaim{VisitID: "v9", VisitDate: may, UserID: "u3", Miles: 5 + i})
		})
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || !apperr.Is(errors.Join(errs[0], errs[1]), apperr.Duplicate) {
		t.Fatalf("racing claims: %v, %v", errs[0], errs[1])
	}

	if err := db.DecideClaim(ctx, big.ID, false, "Not a journey for the visit", "Coordinator"); err != nil {
		t.Fatal(err)
	}
	if err := db.DecideClaim(ctx, big.ID, true, "", "Coordinator"); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("deciding twice: %v, want a conflict", err)
	}
	if err := db.DecideClaim(ctx, "nope", true, "", "Coordinator"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deciding a claim that is not there: %v", err)
	}
	got, _ := db.Claim(ctx, big.ID)
	if got.Status != store.ClaimRejected || got.Reason != "Not a journey for the visit" || got.DecidedBy != "Coordinator" {
		t.Fatalf("rejected claim = %+v", got)
	}
	// With the big claim rejected, a later claim in that year is all at
	// 45p: 30 x 45 = 1,350.
	c5 := &store.ExpenseClaim{VisitID: "v5", VisitDate: may.AddDate(0, 7, 0), UserID: "u1", Miles: 30}
	if err := db.CreateClaim(ctx, c5); err != nil || c5.MileagePence != 1350 {
		t.Fatalf("after a rejection: %d %v", c5.MileagePence, err)
	}
	waiting, _ := db.ClaimsWithStatus(ctx, store.ClaimWaiting)
	if len(waiting) != 5 {
		t.Fatalf("%d waiting, want 5", len(waiting))
	}
}

// TestReceiptsSealed: a receipt's content is sealed (not in the database
// in clear), reads back whole, and is gone once deleted.
func TestReceiptsSealed(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	marker := "PARKING-RECEIPT-TEXT"
	content := []byte("%PDF-1.4\n" + strings.Repeat(marker, 10))
	p := &store.Paper{Name: "parking.pdf", Type: "application/pdf"}
	if err := db.StoreReceipt(ctx, p, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := db.OpenReceipt(ctx, *p, &out); err != nil || !bytes.Equal(out.Bytes(), content) {
		t.Fatalf("read back %q, %v", out.Bytes(), err)
	}
	if bytes.Contains(storetest.RawDump(t, db), []byte(marker)) {
		t.Fatal("the receipt is in the database in clear")
	}
	if err := db.DeleteReceipt(ctx, *p); err != nil {
		t.Fatal(err)
	}
	if err := db.OpenReceipt(ctx, *p, &out); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deleted receipt: %v", err)
	}
}

// TestMileageSplitUnderConcurrency: claims by one person for different
// visits made at the same instant are split at the 10,000-mile line as if
// made one after the other; none counts another's miles twice or not at
// all. By hand: 9,100 miles already claimed this tax year (9,100 x 45 =
// 409,500p), then 12 claims of 200 miles at once (2,400 miles). 900 miles
// are left at 45p: four claims wholly at 45p (200 x 45 = 9,000p each), one
// across the line (100 x 45 + 100 x 25 = 7,000p), seven wholly at 25p
// (200 x 25 = 5,000p each): 4 x 9,000 + 7,000 + 7 x 5,000 = 78,000p, which
// is (900 x 45 = 40,500) + (1,500 x 25 = 37,500). Two more requests for
// the first visit race the burst: one claim is kept for it. Afterwards the
// year stands at 11,500 miles, so 10 more are 10 x 25 = 250p; rejecting a
// 200-mile claim takes it back to 11,300.
func TestMileageSplitUnderConcurrency(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	june := time.Date(2026, 6, 1, 10, 0, 0, 0, store.London)
	if err := db.CreateClaim(ctx, &store.ExpenseClaim{VisitID: "before", VisitDate: june, UserID: "u1", Miles: 9100}); err != nil {
		t.Fatal(err)
	}
	claims := make([]*store.ExpenseClaim, 14)
	errs := make([]error, len(claims))
	for i := range claims {
		visit := fmt.Sprintf("v%02d", i%12) // the last two repeat v00 and v01
		claims[i] = &store.ExpenseClaim{VisitID: visit, VisitDate: june.AddDate(0, 0, i%12), UserID: "u1", Miles: 200}
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range claims {
		wg.Go(func() {
			<-start
			errs[i] = db.CreateClaim(ctx, claims[i])
		})
	}
	close(start)
	wg.Wait()
	stored, dup := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			stored++
		case apperr.Is(err, apperr.Duplicate):
			dup++
		default:
			t.Fatalf("claim %d: %v", i, err)
		}
	}
	if stored != 12 || dup != 2 {
		t.Fatalf("%d stored and %d duplicates, want 12 and 2", stored, dup)
	}
	// What is stored, not what the callers were told.
	all, err := db.ClaimsOf(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	var amounts []int64
	var sum int64
	for _, c := range all {
		if c.VisitID != "before" {
			amounts = append(amounts, c.MileagePence)
			sum += c.MileagePence
		}
	}
	slices.Sort(amounts)
	want := []int64{5000, 5000, 5000, 5000, 5000, 5000, 5000, 7000, 9000, 9000, 9000, 9000}
	if !slices.Equal(amounts, want) || sum != 78000 {
		t.Fatalf("mileage of the burst %v (sum %d), want %v (78,000)", amounts, sum, want)
	}
	next := &store.ExpenseClaim{VisitID: "after", VisitDate: june.AddDate(0, 1, 0), UserID: "u1", Miles: 10}
	if err := db.CreateClaim(ctx, next); err != nil || next.MileagePence != 250 {
		t.Fatalf("after the burst: %d %v, want 250", next.MileagePence, err)
	}
	// Reject one 200-mile claim of the burst: the year is at 11,510 - 200
	// = 11,310, still past the line: 10 more are 250p again; the rejected
	// claim shows in the person's year as rejected.
	if err := db.DecideClaim(ctx, store.ClaimID("v05", "u1"), false, "Not this journey", "Coordinator"); err != nil {
		t.Fatal(err)
	}
	year, err := db.ExpenseYear(ctx, "u1", store.TaxYearStart(june))
	if err != nil || year[store.ClaimID("v05", "u1")].Status != store.ClaimRejected || len(year) != 14 {
		t.Fatalf("the tax year: %d claims, v05 %+v, %v", len(year), year[store.ClaimID("v05", "u1")], err)
	}
	if n, err := db.ClaimsWaitingCount(ctx); err != nil || n != 13 {
		t.Fatalf("%d claims waiting, %v; want 13 (14 made, 1 rejected)", n, err)
	}
	last := &store.ExpenseClaim{VisitID: "last", VisitDate: june.AddDate(0, 2, 0), UserID: "u1", Miles: 10}
	if err := db.CreateClaim(ctx, last); err != nil || last.MileagePence != 250 {
		t.Fatalf("after the rejection: %d %v, want 250", last.MileagePence, err)
	}
}

// TestDecisionFinishedWhenTriedAgain: a claim's rejection was stored but
// never reached the person's tax year (a kill between the two writes, or
// on MongoDB the second write failing after the first was applied). The
// coordinator, told something went wrong, rejects it again: they are told
// it has already been decided, and the year stops counting its miles. By
// hand: 9,900 miles claimed, then a 200-mile claim (100 x 45 + 100 x 25 =
// 7,000p) that is rejected; the next 100 miles follow 9,900 counted
// miles: 100 x 45 = 4,500p (with the rejected 200 still counted, 10,100:
// 100 x 25 = 2,500p).
func TestDecisionFinishedWhenTriedAgain(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	june := time.Date(2026, 6, 1, 10, 0, 0, 0, store.London)
	if err := db.CreateClaim(ctx, &store.ExpenseClaim{VisitID: "a", VisitDate: june, UserID: "u1", Miles: 9900}); err != nil {
		t.Fatal(err)
	}
	b := &store.ExpenseClaim{VisitID: "b", VisitDate: june.AddDate(0, 0, 1), UserID: "u1", Miles: 200}
	if err := db.CreateClaim(ctx, b); err != nil || b.MileagePence != 7000 {
		t.Fatalf("claim b: %d %v, want 7000", b.MileagePence, err)
	}
	// The first write of the rejection, and nothing after it.
	if _, err := db.RawDatabase().Collection("expense_claims").UpdateOne(ctx, bson.D{{Key: "_id", Value: b.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: store.ClaimRejected}, {Key: "reason", Value: "Not this journey"},
			{Key: "decidedBy", Value: "Coordinator"}, {Key: "decidedAt", Value: time.Now().UTC()}}}}); err != nil {
		t.Fatal(err)
	}
	db.ForgetCopies()
	if year, err := db.ExpenseYear(ctx, "u1", store.TaxYearStart(june)); err != nil || year[b.ID].Status != store.ClaimWaiting {
		t.Fatalf("before trying again the year says %+v (%v), want waiting (else this test proves nothing)", year[b.ID], err)
	}
	if err := db.DecideClaim(ctx, b.ID, false, "Not this journey", "Coordinator"); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("rejecting again: %v, want already decided", err)
	}
	if year, err := db.ExpenseYear(ctx, "u1", store.TaxYearStart(june)); err != nil || year[b.ID].Status != store.ClaimRejected {
		t.Fatalf("after trying again the year says %+v (%v), want rejected", year[b.ID], err)
	}
	if n, err := db.ClaimsWaitingCount(ctx); err != nil || n != 1 {
		t.Fatalf("%d claims waiting (%v), want 1 (a)", n, err)
	}
	c := &store.ExpenseClaim{VisitID: "c", VisitDate: june.AddDate(0, 0, 2), UserID: "u1", Miles: 100}
	if err := db.CreateClaim(ctx, c); err != nil || c.MileagePence != 4500 {
		t.Fatalf("claim c: %d %v, want 4500", c.MileagePence, err)
	}
	// Trying again once more changes nothing: the miles are taken off once.
	if err := db.DecideClaim(ctx, b.ID, false, "Not this journey", "Coordinator"); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("rejecting a third time: %v", err)
	}
	d := &store.ExpenseClaim{VisitID: "d", VisitDate: june.AddDate(0, 0, 3), UserID: "u1", Miles: 100}
	if err := db.CreateClaim(ctx, d); err != nil || d.MileagePence != 2500 { // 10,000 counted: 100 x 25
		t.Fatalf("claim d: %d %v, want 2500", d.MileagePence, err)
	}
}
