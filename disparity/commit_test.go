package disparity_test

import (
	"context"
	"testing"

	"candour/disparity"
	"candour/store/storetest"
)

// TestCommitmentKnownAnswer: the commitment of the all-zero seed to a
// filter, worked out with Python's hashlib over the same text:
// sha256("000…000\nforce=dorset\nfrom=2019-01\nto=2019-01\nlegislation=\ngroup=Black\nremoval=true\nsize=3").
func TestCommitmentKnownAnswer(t *testing.T) {
	f := disparity.SampleFilter{Force: "dorset", From: "2019-01", To: "2019-01", Group: "Black", Removal: true, Size: 3}
	var zero disparity.Seed
	if got, want := disparity.Commitment(zero, f), "cc4514889a56a2a4485d7a4a3f43984b80bcd778300697f8ee2c7abd02dd58e7"; got != want {
		t.Errorf("commitment = %s, want %s", got, want)
	}
	if _, err := disparity.ParseSeed("xyz"); err == nil {
		t.Error("a seed that is not 64 hex digits was read")
	}
}

// TestSameSeedSameSample: the draw depends only on the seed and the stored
// records, and different seeds draw differently.
func TestSameSeedSameSample(t *testing.T) {
	db := storetest.Open(t)
	importFile(t, db, "2019-01-dorset-stop-and-search.csv")
	f := disparity.SampleFilter{Force: "dorset", From: "2019-01", To: "2019-01", Size: 10}
	draw := func(s disparity.Seed) string {
		recs, _, err := disparity.DrawSample(context.Background(), db, f, disparity.SeededRand(s))
		if err != nil {
			t.Fatal(err)
		}
		var refs string
		for _, r := range recs {
			refs += r.Ref + " "
		}
		return refs
	}
	a, err := disparity.NewSeed()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := disparity.NewSeed()
	if first, again := draw(a), draw(a); first != again {
		t.Error("the same seed drew different records")
	}
	if draw(a) == draw(b) {
		t.Error("two random seeds drew the same 10 of 156 records")
	}
}
