package store

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// PublishedHead is the audit chain's head as Candour published it on one
// day, signed with an Ed25519 key kept outside the database. Anyone who
// keeps a copy of the published heads can later check that the stored
// chain still passes through every one of them: rewriting or deleting
// events, even with their hashes recomputed, no longer goes unnoticed.
type PublishedHead struct {
	Day       string    `bson:"_id"` // YYYY-MM-DD (UTC): one head a day
	Seq       int64     `bson:"seq"`
	Hash      string    `bson:"hash"`
	At        time.Time `bson:"at"`
	KeyID     string    `bson:"keyId"`
	PublicKey string    `bson:"publicKey"` // base64, so that older heads stay checkable after a key rotation
	Signature string    `bson:"signature"` // base64 Ed25519 signature of Message()
}

// KeyID names a public key: the first 16 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// Message is what the signature covers: every field but the signature.
func (h PublishedHead) Message() []byte {
	return fmt.Appendf(nil, "candour audit head v1\nday %s\nseq %d\nhash %s\nat %s\nkey %s\n",
		h.Day, h.Seq, h.Hash, h.At.UTC().Format(time.RFC3339), h.KeyID)
}

// Sign fills the key id, public key and signature with priv.
func (h *PublishedHead) Sign(priv ed25519.PrivateKey) {
	pub := priv.Public().(ed25519.PublicKey)
	h.KeyID = KeyID(pub)
	h.PublicKey = base64.StdEncoding.EncodeToString(pub)
	h.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(priv, h.Message()))
}

// Verify reports whether the head is signed by pub, and names pub's id.
func (h PublishedHead) Verify(pub ed25519.PublicKey) bool {
	sig, err := base64.StdEncoding.DecodeString(h.Signature)
	return err == nil && len(pub) == ed25519.PublicKeySize && h.KeyID == KeyID(pub) && ed25519.Verify(pub, h.Message(), sig)
}

// PublishHead stores a signed head for its day. Returns ErrConflict if
// that day's head is already published (one a day; the first stands).
func (s *Store) PublishHead(ctx context.Context, h PublishedHead) error {
	h.At = h.At.UTC().Truncate(time.Second)
	if _, err := s.c("published_heads").InsertOne(ctx, h); err != nil {
		if isDuplicate(err) {
			return fmt.Errorf("store: publish head %s: %w", h.Day, ErrConflict)
		}
		return fmt.Errorf("store: publish head %s: %w", h.Day, err)
	}
	return nil
}

// PublishedHeads lists every published head, newest first (one a day: a
// few hundred a year).
func (s *Store) PublishedHeads(ctx context.Context) ([]PublishedHead, error) {
	cur, err := s.c("published_heads").Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("store: published heads: %w", err)
	}
	var hs []PublishedHead
	if err := cur.All(ctx, &hs); err != nil {
		return nil, fmt.Errorf("store: published heads: %w", err)
	}
	return hs, nil
}

// HeadMismatch is a published head the stored chain no longer passes
// through.
type HeadMismatch struct {
	Head   PublishedHead
	Reason string
}

// CheckHeads compares the stored chain with published heads: each head's
// event must still be stored with the published hash. Together with
// VerifyAudit (every link intact) this shows that nothing up to the latest
// head was altered, deleted or rewritten since it was published.
func (s *Store) CheckHeads(ctx context.Context, heads []PublishedHead) ([]HeadMismatch, error) {
	// Events removed under the retention policy (audit_retention.go) end
	// at the anchor: heads before it cannot be checked event by event,
	// and the anchor itself must still carry the published hash.
	anchor, err := s.AuditAnchorNow(ctx)
	if err != nil {
		return nil, err
	}
	var bad []HeadMismatch
	for _, h := range heads {
		if anchor != nil && h.Seq <= anchor.Seq {
			if h.Seq == anchor.Seq && anchor.Hash != h.Hash {
				bad = append(bad, HeadMismatch{h, fmt.Sprintf("event %d, where the kept chain starts, no longer has the hash published on %s", h.Seq, h.Day)})
			}
			continue
		}
		ev, err := s.AuditEventAt(ctx, h.Seq)
		switch {
		case errors.Is(err, ErrNotFound):
			bad = append(bad, HeadMismatch{h, fmt.Sprintf("event %d, published on %s, is no longer stored", h.Seq, h.Day)})
		case err != nil:
			return nil, err
		case ev.Hash != h.Hash || ev.digest() != h.Hash:
			bad = append(bad, HeadMismatch{h, fmt.Sprintf("event %d no longer has the hash published on %s: the chain has been rewritten", h.Seq, h.Day)})
		}
	}
	return bad, nil
}
