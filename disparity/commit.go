package disparity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
)

// Verifiable samples. Before a panel's records are drawn, Candour picks a
// random seed and publishes a commitment to it and to the filter:
// SHA-256 of CommitmentText. The draw uses a random number generator
// seeded with it (ChaCha8, from Go's standard library), and the seed is
// shown on the sample page once the records are drawn. Anyone can then
// check the commitment and draw the same records again from the same
// stored records, so nobody could have hand-picked them, or changed the
// filter after seeing the data.

// Seed is the secret a sample is drawn with.
type Seed [32]byte

// NewSeed reads a seed from the operating system's random source.
func NewSeed() (Seed, error) {
	var s Seed
	if _, err := rand.Read(s[:]); err != nil {
		return s, fmt.Errorf("disparity: sample seed: %w", err)
	}
	return s, nil
}

// String is the seed in hexadecimal, as the sample page shows it.
func (s Seed) String() string { return hex.EncodeToString(s[:]) }

// ParseSeed reads a seed written by String.
func ParseSeed(h string) (Seed, error) {
	var s Seed
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != len(s) {
		return s, fmt.Errorf("%q is not a sample seed (64 hexadecimal digits)", h)
	}
	copy(s[:], b)
	return s, nil
}

// Canonical is the filter as one exact text: every field, in a fixed
// order, one per line.
func (f SampleFilter) Canonical() string {
	return fmt.Sprintf("force=%s\nfrom=%s\nto=%s\nlegislation=%s\ngroup=%s\nremoval=%t\nsize=%d",
		f.Force, f.From, f.To, f.Legislation, f.Group, f.Removal, f.Size)
}

// CommitmentText is what the commitment is the SHA-256 of: the seed in
// hexadecimal, a line break, and the filter's canonical text.
func CommitmentText(s Seed, f SampleFilter) string { return s.String() + "\n" + f.Canonical() }

// Commitment is the SHA-256 of CommitmentText, in hexadecimal.
func Commitment(s Seed, f SampleFilter) string { return CommitTo(s, f.Canonical()) }

// CommitTo is the commitment to a seed and any inputs written as one
// exact text (an unannounced-visit plan's, store.PlanInputs.Text): the
// SHA-256, in hexadecimal, of the seed in hexadecimal, a line break and
// the text.
func CommitTo(s Seed, inputs string) string {
	sum := sha256.Sum256([]byte(s.String() + "\n" + inputs))
	return hex.EncodeToString(sum[:])
}

// SeededRand is the random number generator a sample is drawn with.
func SeededRand(s Seed) *mrand.Rand { return mrand.New(mrand.NewChaCha8(s)) }
