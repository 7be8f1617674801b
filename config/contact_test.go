package config

import (
	"strings"
	"testing"
)

func TestContactEmail(t *testing.T) {
	for _, tc := range []struct{ set, want, err string }{
		{"", "community.engagement@candour.invalid", ""},
		{"engagement@dorset.police.example", "engagement@dorset.police.example", ""},
		{"not an address", "", "CANDOUR_CONTACT_EMAIL"},
		{"Team <team@example.org>", "", "CANDOUR_CONTACT_EMAIL"},
	} {
		c, err := Load(func(k string) string { return map[string]string{"CANDOUR_CONTACT_EMAIL": tc.set}[k] })
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want one naming %s", tc.set, err, tc.err)
		case tc.err == "" && (err != nil || c.ContactEmail != tc.want):
			t.Errorf("%q: %q (%v), want %q", tc.set, c.ContactEmail, err, tc.want)
		}
	}
}
