package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
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
		h, err := publishAuditHead(ctx, db, key)
		if h != nil {
			log.Info("audit chain head published", "day", h.Day, "seq", h.Seq, "key", h.KeyID)
		}
		return err
	})
}

// publishAuditHead signs and publishes today's head of the chain: the
// latest stored event. It returns nil when there is nothing to publish
// (no events yet) or today's head is already published.
func publishAuditHead(ctx context.Context, db *store.Store, key ed25519.PrivateKey) (*store.PublishedHead, error) {
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
