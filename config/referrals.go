package config

import (
	"encoding/base64"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
)

// Retention says how many months referral content is kept once a referral
// has been in a final status (no further action, closed) that long. Kind is
// "partner" or "anonymous".
type Retention struct {
	Kind, Status string
	Months       int
}

// DefaultRetention applies when CANDOUR_REFERRAL_RETENTION is not set:
// anonymous reports closed with no further action go after 12 months,
// closed ones after 24; partner referrals after 24 and 72.
const DefaultRetention = "anonymous:no-further-action=12,anonymous:closed=24,partner:no-further-action=24,partner:closed=72"

// loadReferralConfig reads the keys, mailbox and retention of referrals.
func loadReferralConfig(getenv func(string) string, c *Config) error {
	c.FieldKeyset = strings.TrimSpace(getenv("CANDOUR_FIELD_KEYSET"))
	if c.FieldKeyset != "" {
		if _, err := base64.StdEncoding.DecodeString(c.FieldKeyset); err != nil {
			return fmt.Errorf("CANDOUR_FIELD_KEYSET: must be base64 of a Tink keyset (make one with: candour keys new)")
		}
	}
	if v := strings.TrimSpace(getenv("CANDOUR_BLIND_INDEX_KEY")); v != "" {
		k, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(k) < 32 {
			return fmt.Errorf("CANDOUR_BLIND_INDEX_KEY: must be base64 of at least 32 random bytes")
		}
		c.BlindIndexKey = k
	}
	if v := strings.TrimSpace(getenv("CANDOUR_CCU_MAILBOX")); v != "" {
		if _, err := mail.ParseAddress(v); err != nil {
			return fmt.Errorf("CANDOUR_CCU_MAILBOX: %q is not an email address", v)
		}
		c.CCUMailbox = v
	}
	c.ReportsPerHour = 20
	if v := strings.TrimSpace(getenv("CANDOUR_REPORTS_PER_HOUR")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("CANDOUR_REPORTS_PER_HOUR: %q is not a positive whole number", v)
		}
		c.ReportsPerHour = n
	}
	spec := strings.TrimSpace(getenv("CANDOUR_REFERRAL_RETENTION"))
	if spec == "" {
		spec = DefaultRetention
	}
	rs, err := ParseRetention(spec)
	if err != nil {
		return fmt.Errorf("CANDOUR_REFERRAL_RETENTION: %w", err)
	}
	c.Retention = rs
	return nil
}

// ParseRetention reads "kind:status=months,..." such as
// "anonymous:no-further-action=12". "none" keeps everything.
func ParseRetention(spec string) ([]Retention, error) {
	if spec == "none" {
		return nil, nil
	}
	var rs []Retention
	for _, part := range strings.Split(spec, ",") {
		ks, months, ok := strings.Cut(strings.TrimSpace(part), "=")
		kind, status, ok2 := strings.Cut(ks, ":")
		n, err := strconv.Atoi(months)
		switch {
		case !ok || !ok2 || err != nil || n < 1:
			return nil, fmt.Errorf("%q must look like anonymous:no-further-action=12 (a whole number of months)", part)
		case kind != "anonymous" && kind != "partner":
			return nil, fmt.Errorf("%q: the kind must be anonymous or partner", part)
		case status != "no-further-action" && status != "closed":
			return nil, fmt.Errorf("%q: only no-further-action and closed referrals can be deleted", part)
		}
		rs = append(rs, Retention{Kind: kind, Status: status, Months: n})
	}
	return rs, nil
}
