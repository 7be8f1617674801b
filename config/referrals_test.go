package config

import (
	"strings"
	"testing"
)

func TestReferralVariables(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string // part of the error, or "" for none
	}{
		{map[string]string{"CANDOUR_FIELD_KEYSET": "not base64!"}, "CANDOUR_FIELD_KEYSET"},
		{map[string]string{"CANDOUR_BLIND_INDEX_KEY": "c2hvcnQ="}, "CANDOUR_BLIND_INDEX_KEY"},
		{map[string]string{"CANDOUR_CCU_MAILBOX": "not an address"}, "CANDOUR_CCU_MAILBOX"},
		{map[string]string{"CANDOUR_REFERRAL_RETENTION": "anonymous:assessing=3"}, "CANDOUR_REFERRAL_RETENTION"},
		{map[string]string{"CANDOUR_REPORTS_PER_HOUR": "0"}, "CANDOUR_REPORTS_PER_HOUR"},
		{map[string]string{"CANDOUR_CCU_MAILBOX": "ccu@police.example", "CANDOUR_REFERRAL_RETENTION": "none", "CANDOUR_REPORTS_PER_HOUR": "5"}, ""},
	}
	for _, tc := range tests {
		c, err := Load(func(k string) string { return tc.env[k] })
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.env, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: err = %v, want it to name %s", tc.env, err, tc.want)
		case tc.want == "" && (c.CCUMailbox != "ccu@police.example" || c.Retention != nil || c.ReportsPerHour != 5):
			t.Errorf("loaded %+v", c)
		}
	}
	c, _ := Load(func(string) string { return "" })
	if len(c.Retention) != 4 || c.Retention[0] != (Retention{Kind: "anonymous", Status: "no-further-action", Months: 12}) || c.ReportsPerHour != 20 {
		t.Fatalf("defaults: retention %+v, reports %d", c.Retention, c.ReportsPerHour)
	}
}
