package config

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strings"
)

// loadAuditConfig reads the key that signs the published audit chain
// heads. It lives outside the database, so that someone who can rewrite
// the audit log cannot also sign a matching head.
func loadAuditConfig(getenv func(string) string, c *Config) error {
	v := strings.TrimSpace(getenv("CANDOUR_AUDIT_SIGNING_KEY"))
	if v == "" {
		return nil
	}
	k, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(k) != ed25519.SeedSize {
		return fmt.Errorf("CANDOUR_AUDIT_SIGNING_KEY: must be base64 of a 32-byte Ed25519 seed (make one with: candour keys new)")
	}
	c.AuditSigningKey = k
	return nil
}
