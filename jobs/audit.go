package jobs

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"candour/config"
	"candour/store"
)

// startAuditJobs publishes the audit chain's head once a day, signed.
func startAuditJobs(ctx context.Context, wg *sync.WaitGroup, cfg config.Config, db *store.Store, log *slog.Logger, holder string) {
	key, err := auditSigningKey(cfg)
	if err != nil {
		log.Error("audit heads will not be published: no signing key", "err", err)
		return
	}
	// Hourly, so a day is not missed after a restart; the first run of a
	// day publishes and the rest find the day taken.
	every(ctx, wg, log, db, holder, "audit-head", time.Hour, func(ctx context.Context) error {
		h, err := PublishAuditHead(ctx, db, key)
		if h != nil {
			log.Info("audit chain head published", "day", h.Day, "seq", h.Seq, "key", h.KeyID)
		}
		return err
	})
}

// PublishAuditHead signs and publishes today's head of the chain: the
// latest stored event. It returns nil when there is nothing to publish
// (no events yet) or today's head is already published.
func PublishAuditHead(ctx context.Context, db *store.Store, key ed25519.PrivateKey) (*store.PublishedHead, error) {
	seq, err := db.AuditHead(ctx)
	if err != nil || seq == 0 {
		return nil, err
	}
	ev, err := db.AuditEventAt(ctx, seq)
	if err != nil {
		// The head moves just before its event is written: try next time.
		return nil, fmt.Errorf("audit head %d: %w", seq, err)
	}
	now := db.Now().UTC()
	h := store.PublishedHead{Day: now.Format(time.DateOnly), Seq: ev.Seq, Hash: ev.Hash, At: now}
	h.Sign(key)
	if err := db.PublishHead(ctx, h); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, nil
		}
		return nil, err
	}
	return &h, nil
}

// auditSigningKey is CANDOUR_AUDIT_SIGNING_KEY, or in development a key made
// once and kept in the data directory (audit-signing.key, mode 0600), like
// the session key. Production refuses to start without it (config.Validate).
func auditSigningKey(cfg config.Config) (ed25519.PrivateKey, error) {
	if len(cfg.AuditSigningKey) > 0 {
		return ed25519.NewKeyFromSeed(cfg.AuditSigningKey), nil
	}
	path := filepath.Join(cfg.DataDir, "audit-signing.key")
	if b, err := os.ReadFile(path); err == nil {
		if seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b))); err == nil && len(seed) == ed25519.SeedSize {
			return ed25519.NewKeyFromSeed(seed), nil
		}
	}
	seed := make([]byte, ed25519.SeedSize)
	_, _ = rand.Read(seed)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(seed)), 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}
