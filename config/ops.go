package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// OIDC is sign-in through the force's identity provider (OpenID Connect,
// such as Microsoft Entra ID) for staff accounts. Off unless Issuer is set.
type OIDC struct {
	Issuer       string   // CANDOUR_OIDC_ISSUER: the provider's issuer URL (https), e.g. https://login.microsoftonline.com/<tenant>/v2.0
	ClientID     string   // CANDOUR_OIDC_CLIENT_ID
	ClientSecret string   // CANDOUR_OIDC_CLIENT_SECRET
	Roles        []string // CANDOUR_OIDC_ROLES: the staff roles that may sign in this way (default admin,coordinator,ccu)
	Label        string   // CANDOUR_OIDC_LABEL: the button's words (default "Sign in with your force account")
}

// Enabled reports whether sign-in through the identity provider is on.
func (o OIDC) Enabled() bool { return o.Issuer != "" }

// oidcRoles are the roles that may use the identity provider: staff only.
// Members, chairs and partners are volunteers and other organisations'
// people, with no account at the force's provider; they keep local accounts.
var oidcRoles = []string{"admin", "coordinator", "ccu", "ccusupervisor", "officer"}

// loadOpsConfig reads CANDOUR_DRAIN_DELAY, CANDOUR_DB_TIMEOUT and the
// CANDOUR_OIDC_* variables.
func loadOpsConfig(getenv func(string) string, c *Config) error {
	c.DrainDelay = 5 * time.Second
	if v := strings.TrimSpace(getenv("CANDOUR_DRAIN_DELAY")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > time.Minute {
			return fmt.Errorf("CANDOUR_DRAIN_DELAY: %q is not a duration from 0s to 1m, such as 5s", v)
		}
		c.DrainDelay = d
	}
	c.DBTimeout = 10 * time.Second
	if v := strings.TrimSpace(getenv("CANDOUR_DB_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 10*time.Minute {
			return fmt.Errorf("CANDOUR_DB_TIMEOUT: %q is not a duration from 1s to 10m, such as 10s", v)
		}
		c.DBTimeout = d
	}
	o := OIDC{
		Issuer:       strings.TrimSpace(getenv("CANDOUR_OIDC_ISSUER")),
		ClientID:     strings.TrimSpace(getenv("CANDOUR_OIDC_CLIENT_ID")),
		ClientSecret: getenv("CANDOUR_OIDC_CLIENT_SECRET"),
		Label:        strings.TrimSpace(getenv("CANDOUR_OIDC_LABEL")),
		Roles:        oidcRoles,
	}
	if o.Label == "" {
		o.Label = "Sign in with your force account"
	}
	if v := strings.TrimSpace(getenv("CANDOUR_OIDC_ROLES")); v != "" {
		o.Roles = nil
		for r := range strings.SplitSeq(v, ",") {
			r = strings.TrimSpace(r)
			if !slices.Contains(oidcRoles, r) {
				return fmt.Errorf("CANDOUR_OIDC_ROLES: %q is not one of %s (volunteers and partners keep local accounts)", r, strings.Join(oidcRoles, ", "))
			}
			o.Roles = append(o.Roles, r)
		}
	}
	if o.Issuer == "" {
		if o.ClientID != "" || o.ClientSecret != "" {
			return fmt.Errorf("CANDOUR_OIDC_ISSUER: required when CANDOUR_OIDC_CLIENT_ID or CANDOUR_OIDC_CLIENT_SECRET is set")
		}
		c.OIDC = o
		return nil
	}
	u, err := url.Parse(o.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("CANDOUR_OIDC_ISSUER: %q must be the provider's issuer URL, like https://login.microsoftonline.com/<tenant>/v2.0", o.Issuer)
	}
	if o.ClientID == "" || o.ClientSecret == "" {
		return fmt.Errorf("CANDOUR_OIDC_CLIENT_ID and CANDOUR_OIDC_CLIENT_SECRET: both required with CANDOUR_OIDC_ISSUER")
	}
	c.OIDC = o
	return nil
}

// validateOps is the production checks of loadOpsConfig's settings.
func (c Config) validateOps() error {
	if c.Production() && c.OIDC.Enabled() && !strings.HasPrefix(c.OIDC.Issuer, "https://") {
		return fmt.Errorf("CANDOUR_OIDC_ISSUER: must be https in production")
	}
	return nil
}
