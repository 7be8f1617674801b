package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The operations settings: defaults, accepted values, and a refusal that
// names the variable for each wrong one.
func TestOpsSettings(t *testing.T) {
	load := func(env map[string]string) (Config, error) {
		return Load(func(k string) string { return env[k] })
	}
	c, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DBTimeout != 10*time.Second || c.DrainDelay != 5*time.Second || c.OIDC.Enabled() {
		t.Errorf("defaults: timeout %s, drain %s, OIDC %v; want 10s, 5s, off", c.DBTimeout, c.DrainDelay, c.OIDC.Enabled())
	}
	c, err = load(map[string]string{"CANDOUR_DB_TIMEOUT": "3s", "CANDOUR_DRAIN_DELAY": "0s",
		"CANDOUR_OIDC_ISSUER": "https://login.microsoftonline.com/tenant/v2.0", "CANDOUR_OIDC_CLIENT_ID": "id",
		"CANDOUR_OIDC_CLIENT_SECRET": "secret", "CANDOUR_OIDC_ROLES": "admin, ccu"})
	if err != nil {
		t.Fatal(err)
	}
	if c.DBTimeout != 3*time.Second || c.DrainDelay != 0 || !c.OIDC.Enabled() || !slices.Equal(c.OIDC.Roles, []string{"admin", "ccu"}) ||
		c.OIDC.Label != "Sign in with your force account" {
		t.Errorf("settings: %+v %s %s", c.OIDC, c.DBTimeout, c.DrainDelay)
	}
	prod := map[string]string{"CANDOUR_ENV": "production", "CANDOUR_SESSION_KEY": strings.Repeat("QUFB", 11), "MONGODB_URI": "mongodb://db/?replicaSet=rs0",
		"CANDOUR_BASE_URL": "https://candour.example", "CANDOUR_FIELD_KEYSET": "QUFB", "CANDOUR_BLIND_INDEX_KEY": strings.Repeat("QUFB", 11),
		"CANDOUR_AUDIT_SIGNING_KEY": strings.Repeat("QUFB", 10) + "QUE="}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{with(nil, "CANDOUR_DB_TIMEOUT", "0s"), "CANDOUR_DB_TIMEOUT"},
		{with(nil, "CANDOUR_DB_TIMEOUT", "soon"), "CANDOUR_DB_TIMEOUT"},
		{with(nil, "CANDOUR_DRAIN_DELAY", "2m"), "CANDOUR_DRAIN_DELAY"},
		{with(nil, "CANDOUR_OIDC_CLIENT_ID", "id"), "CANDOUR_OIDC_ISSUER"},
		{with(nil, "CANDOUR_OIDC_ISSUER", "https://idp.example"), "CANDOUR_OIDC_CLIENT_ID"},
		{with(nil, "CANDOUR_OIDC_ISSUER", "idp.example", "CANDOUR_OIDC_CLIENT_ID", "a", "CANDOUR_OIDC_CLIENT_SECRET", "b"), "CANDOUR_OIDC_ISSUER"},
		{with(nil, "CANDOUR_OIDC_ISSUER", "https://idp.example", "CANDOUR_OIDC_CLIENT_ID", "a", "CANDOUR_OIDC_CLIENT_SECRET", "b", "CANDOUR_OIDC_ROLES", "admin,member"), "CANDOUR_OIDC_ROLES"},
		{with(prod, "CANDOUR_OIDC_ISSUER", "http://idp.example", "CANDOUR_OIDC_CLIENT_ID", "a", "CANDOUR_OIDC_CLIENT_SECRET", "b"), "must be https in production"},
	} {
		if _, err := load(tc.env); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error naming %s", tc.env, err, tc.want)
		}
	}
	if _, err := load(with(prod, "CANDOUR_OIDC_ISSUER", "https://idp.example", "CANDOUR_OIDC_CLIENT_ID", "a", "CANDOUR_OIDC_CLIENT_SECRET", "b")); err != nil {
		t.Errorf("production with an https issuer: %v", err)
	}
}
