// Package config holds Candour's typed configuration, read from CANDOUR_*
// environment variables (and MONGODB_URI) with safe defaults for development.
// It does no I/O beyond reading the environment it is given.
package config

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultAddr is where the portal listens unless CANDOUR_ADDR says otherwise.
const DefaultAddr = "127.0.0.1:8080"

// Environments.
const (
	Development = "development"
	Production  = "production"
)

// Config is everything the binary can be told from outside.
type Config struct {
	Addr           string        // CANDOUR_ADDR
	DataDir        string        // CANDOUR_DATA_DIR: embedded store files
	MongoURI       string        // MONGODB_URI: empty means the embedded store
	Database       string        // CANDOUR_DATABASE
	BaseURL        string        // CANDOUR_BASE_URL: used in links sent by mail
	Env            string        // CANDOUR_ENV
	AllowEmbedded  bool          // CANDOUR_ALLOW_EMBEDDED: permit the embedded store in production
	SessionKey     []byte        // CANDOUR_SESSION_KEY: base64, 32+ bytes, signs nothing secret but checks cookie integrity
	ForceName      string        // CANDOUR_FORCE_NAME: shown in the header
	SMTPAddr       string        // CANDOUR_SMTP_ADDR: host:port; empty keeps mail in the outbox (shown at /dev/mail in development)
	SMTPUser       string        // CANDOUR_SMTP_USER
	SMTPPassword   string        // CANDOUR_SMTP_PASSWORD
	MailFrom       string        // CANDOUR_MAIL_FROM
	IdleTimeout    time.Duration // CANDOUR_IDLE_TIMEOUT: sign-out after this long without a request
	ArgonTime      uint32        // CANDOUR_ARGON_TIME: argon2id passes (tuned to about 50 ms a hash)
	ArgonMemoryKiB uint32        // CANDOUR_ARGON_MEMORY_KIB
	SeedDemo       bool          // CANDOUR_SEED_DEMO: seed the demo force on first start (default true in development)
	DemoDataDir    string        // CANDOUR_DEMO_DATA: a directory of police.uk and Census files for the demo to import instead of its embedded copies (default: the embedded copies)
	FieldKeyset    string        // CANDOUR_FIELD_KEYSET: base64 Tink AES-256-GCM keyset sealing referral content (`candour keys new`)
	BlindIndexKey  []byte        // CANDOUR_BLIND_INDEX_KEY: base64, 32+ bytes, keys the blind index and receipt ids
	CCUMailbox     string        // CANDOUR_CCU_MAILBOX: where "a new referral is waiting" goes (default: every CCU account)
	ContactEmail   string        // CANDOUR_CONTACT_EMAIL: the public contact page's address for questions and feedback
	Retention      []Retention   // CANDOUR_REFERRAL_RETENTION: how long referral content is kept in a final status
	ReportsPerHour int           // CANDOUR_REPORTS_PER_HOUR: anonymous reports and replies a client address may send an hour (default 20)
	NoticesDir     string        // CANDOUR_NOTICES_DIR: the operator's privacy.html and accessibility.html (default: the built-in text)

	SurveyPostsPerMinute int // CANDOUR_SURVEY_POSTS_PER_MINUTE: survey starts and submissions a minute per client address (default 30)

	MetricsAddr     string   // CANDOUR_METRICS_ADDR: the Prometheus listener (default 127.0.0.1:9464; "off" disables it)
	TrustedProxies  []string // CANDOUR_TRUSTED_PROXIES: CIDRs whose X-Forwarded-For is believed (default none)
	AuditSigningKey []byte   // CANDOUR_AUDIT_SIGNING_KEY: base64 Ed25519 seed (32 bytes) signing the published audit chain heads

	DrainDelay time.Duration // CANDOUR_DRAIN_DELAY: after SIGTERM, how long /readyz answers 503 while requests are still served (default 5s; config/ops.go)
	DBTimeout  time.Duration // CANDOUR_DB_TIMEOUT: MongoDB's client-side operation timeout, timeoutMS (default 10s; config/ops.go)
	OIDC       OIDC          // CANDOUR_OIDC_*: staff sign-in through the force's identity provider (config/ops.go)

	TextURL   string // CANDOUR_TEXT_URL: the force's text-message gateway (https), for urgent advice requests; empty logs them instead
	TextToken string // CANDOUR_TEXT_TOKEN: the bearer token the gateway expects
}

// Load reads the configuration from getenv (os.Getenv in production, a map in tests).
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:           DefaultAddr,
		DataDir:        "./data",
		Database:       "candour",
		Env:            Development,
		ForceName:      "Dorset Police",
		MailFrom:       "Candour <no-reply@candour.invalid>",
		ContactEmail:   "community.engagement@candour.invalid",
		IdleTimeout:    30 * time.Minute,
		ArgonTime:      1,
		ArgonMemoryKiB: 64 * 1024,

		SurveyPostsPerMinute: 30,
	}
	str := func(name string, dst *string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	str("CANDOUR_ADDR", &c.Addr)
	str("CANDOUR_DATA_DIR", &c.DataDir)
	str("MONGODB_URI", &c.MongoURI)
	str("CANDOUR_DATABASE", &c.Database)
	str("CANDOUR_BASE_URL", &c.BaseURL)
	str("CANDOUR_ENV", &c.Env)
	str("CANDOUR_FORCE_NAME", &c.ForceName)
	str("CANDOUR_SMTP_ADDR", &c.SMTPAddr)
	str("CANDOUR_SMTP_USER", &c.SMTPUser)
	c.SMTPPassword = getenv("CANDOUR_SMTP_PASSWORD")
	str("CANDOUR_MAIL_FROM", &c.MailFrom)
	str("CANDOUR_DEMO_DATA", &c.DemoDataDir)
	str("CANDOUR_NOTICES_DIR", &c.NoticesDir)

	var err error
	if c.AllowEmbedded, err = boolVar(getenv, "CANDOUR_ALLOW_EMBEDDED", false); err != nil {
		return c, err
	}
	if c.SeedDemo, err = boolVar(getenv, "CANDOUR_SEED_DEMO", c.Env == Development); err != nil {
		return c, err
	}
	if v := getenv("CANDOUR_IDLE_TIMEOUT"); v != "" {
		if c.IdleTimeout, err = time.ParseDuration(v); err != nil || c.IdleTimeout <= 0 {
			return c, fmt.Errorf("CANDOUR_IDLE_TIMEOUT: %q is not a positive duration such as 30m", v)
		}
	}
	if v := getenv("CANDOUR_ARGON_TIME"); v != "" {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n == 0 {
			return c, fmt.Errorf("CANDOUR_ARGON_TIME: %q is not a positive whole number", v)
		}
		c.ArgonTime = uint32(n)
	}
	if v := getenv("CANDOUR_ARGON_MEMORY_KIB"); v != "" {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n < 8 {
			return c, fmt.Errorf("CANDOUR_ARGON_MEMORY_KIB: %q is not a whole number of at least 8", v)
		}
		c.ArgonMemoryKiB = uint32(n)
	}
	if v := getenv("CANDOUR_SURVEY_POSTS_PER_MINUTE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return c, fmt.Errorf("CANDOUR_SURVEY_POSTS_PER_MINUTE: %q is not a positive whole number", v)
		}
		c.SurveyPostsPerMinute = n
	}
	if v := getenv("CANDOUR_SESSION_KEY"); v != "" {
		if c.SessionKey, err = base64.StdEncoding.DecodeString(v); err != nil || len(c.SessionKey) < 32 {
			return c, fmt.Errorf("CANDOUR_SESSION_KEY: must be base64 of at least 32 random bytes")
		}
	}
	if err := loadTextConfig(getenv, &c); err != nil {
		return c, err
	}
	if err := loadReferralConfig(getenv, &c); err != nil {
		return c, err
	}
	if v := strings.TrimSpace(getenv("CANDOUR_CONTACT_EMAIL")); v != "" {
		if _, err := mail.ParseAddress(v); err != nil || strings.ContainsAny(v, "<>") {
			return c, fmt.Errorf("CANDOUR_CONTACT_EMAIL: %q is not an email address", v)
		}
		c.ContactEmail = v
	}
	if err := loadSecurityConfig(getenv, &c); err != nil {
		return c, err
	}
	if err := loadAuditConfig(getenv, &c); err != nil {
		return c, err
	}
	if err := loadOpsConfig(getenv, &c); err != nil {
		return c, err
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	return c, c.Validate()
}

// Validate names the variable at fault.
func (c Config) Validate() error {
	switch c.Env {
	case Development, Production:
	default:
		return fmt.Errorf("CANDOUR_ENV: %q must be development or production", c.Env)
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("CANDOUR_BASE_URL: %q must be an absolute http(s) URL", c.BaseURL)
	}
	if c.SMTPAddr != "" {
		if _, port, err := net.SplitHostPort(c.SMTPAddr); err != nil || port == "" {
			return fmt.Errorf("CANDOUR_SMTP_ADDR: %q must be host:port, like smtp.example.org:587", c.SMTPAddr)
		}
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		return fmt.Errorf("CANDOUR_MAIL_FROM: %q is not an email address, like Candour <no-reply@example.org>", c.MailFrom)
	}
	if err := c.validateOps(); err != nil {
		return err
	}
	if c.Env == Production {
		if len(c.SessionKey) == 0 {
			return fmt.Errorf("CANDOUR_SESSION_KEY: required in production")
		}
		if c.MongoURI == "" && !c.AllowEmbedded {
			return fmt.Errorf("MONGODB_URI: required in production (or set CANDOUR_ALLOW_EMBEDDED=true)")
		}
		if !strings.HasPrefix(c.BaseURL, "https://") {
			return fmt.Errorf("CANDOUR_BASE_URL: must be https in production")
		}
		if c.FieldKeyset == "" {
			return fmt.Errorf("CANDOUR_FIELD_KEYSET: required in production (make one with: candour keys new)")
		}
		if len(c.BlindIndexKey) == 0 {
			return fmt.Errorf("CANDOUR_BLIND_INDEX_KEY: required in production")
		}
		if len(c.AuditSigningKey) == 0 {
			return fmt.Errorf("CANDOUR_AUDIT_SIGNING_KEY: required in production (make one with: candour keys new)")
		}
	}
	return nil
}

// Production reports whether the portal runs for real (secure cookies, JSON logs).
func (c Config) Production() bool { return c.Env == Production }

func boolVar(getenv func(string) string, name string, def bool) (bool, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s: %q must be true or false", name, v)
	}
	return b, nil
}
