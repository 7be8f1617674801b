package config

import (
	"strings"
	"testing"
)

func TestLoadNamesTheVariableAtFault(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string // part of the error; "" for no error
	}{
		{map[string]string{}, ""},
		{map[string]string{"CANDOUR_ENV": "staging"}, "CANDOUR_ENV"},
		{map[string]string{"CANDOUR_IDLE_TIMEOUT": "soon"}, "CANDOUR_IDLE_TIMEOUT"},
		{map[string]string{"CANDOUR_SESSION_KEY": "c2hvcnQ="}, "CANDOUR_SESSION_KEY"},
		{map[string]string{"CANDOUR_SMTP_ADDR": "mail.example.org"}, "CANDOUR_SMTP_ADDR"},
		{map[string]string{"CANDOUR_MAIL_FROM": "nobody"}, "CANDOUR_MAIL_FROM"},
		{map[string]string{"CANDOUR_SEED_DEMO": "perhaps"}, "CANDOUR_SEED_DEMO"},
		{map[string]string{"CANDOUR_ENV": "production"}, "CANDOUR_SESSION_KEY"},
		{map[string]string{"CANDOUR_ENV": "production", "CANDOUR_SESSION_KEY": strings.Repeat("QUFB", 11)}, "MONGODB_URI"},
		{map[string]string{"CANDOUR_ENV": "production", "CANDOUR_SESSION_KEY": strings.Repeat("QUFB", 11), "CANDOUR_ALLOW_EMBEDDED": "true"}, "CANDOUR_BASE_URL"},
		{map[string]string{"CANDOUR_ENV": "production", "CANDOUR_SESSION_KEY": strings.Repeat("QUFB", 11), "MONGODB_URI": "mongodb://db/?replicaSet=rs0", "CANDOUR_BASE_URL": "https://candour.example"}, "CANDOUR_FIELD_KEYSET"},
		{map[string]string{"CANDOUR_ENV": "production", "CANDOUR_SESSION_KEY": strings.Repeat("QUFB", 11), "MONGODB_URI": "mongodb://db/?replicaSet=rs0", "CANDOUR_BASE_URL": "https://candour.example", "CANDOUR_FIELD_KEYSET": "QUFB"}, "CANDOUR_BLIND_INDEX_KEY"},
		{map[string]string{"CANDOUR_ENV": "production", "CANDOUR_SESSION_KEY": strings.Repeat("QUFB", 11), "MONGODB_URI": "mongodb://db/?replicaSet=rs0", "CANDOUR_BASE_URL": "https://candour.example", "CANDOUR_FIELD_KEYSET": "QUFB", "CANDOUR_BLIND_INDEX_KEY": strings.Repeat("QUFB", 11)}, "CANDOUR_AUDIT_SIGNING_KEY"},
		{map[string]string{"CANDOUR_ENV": "production", "CANDOUR_SESSION_KEY": strings.Repeat("QUFB", 11), "MONGODB_URI": "mongodb://db/?replicaSet=rs0", "CANDOUR_BASE_URL": "https://candour.example", "CANDOUR_FIELD_KEYSET": "QUFB", "CANDOUR_BLIND_INDEX_KEY": strings.Repeat("QUFB", 11), "CANDOUR_AUDIT_SIGNING_KEY": strings.Repeat("QUFB", 10) + "QUE="}, ""},
		{map[string]string{"CANDOUR_AUDIT_SIGNING_KEY": strings.Repeat("QUFB", 11)}, "CANDOUR_AUDIT_SIGNING_KEY"}, // 33 bytes, not a seed
	}
	for _, tc := range cases {
		_, err := Load(func(k string) string { return tc.env[k] })
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: unexpected error %v", tc.env, err)
		case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
			t.Errorf("%v: err = %v, want one naming %s", tc.env, err, tc.want)
		}
	}
	c, _ := Load(func(string) string { return "" })
	if c.Production() || !c.SeedDemo || c.Addr != "127.0.0.1:8080" || c.BaseURL != "http://127.0.0.1:8080" {
		t.Errorf("defaults = %+v", c)
	}
}
