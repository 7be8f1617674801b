package server

import (
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"candour/config"
)

// TestNoticesAreTrue: the built-in privacy notice names both cookies the
// portal sets and quotes the retention periods the jobs enforce (12 months
// for closed accounts, 7 years for audit, the configured referral rules,
// 30 days for mail); the accessibility statement has the GOV.UK model
// statement's sections and claims partial, not full, compliance.
func TestNoticesAreTrue(t *testing.T) {
	a := newFakeApp(t)
	c := a.client()
	res := c.get("/privacy")
	if res.Status != http.StatusOK {
		t.Fatalf("/privacy: %d", res.Status)
	}
	for _, want := range []string{
		"<code>" + sessionCookie + "</code>", "<code>" + surveyCookie + "0</code>", surveyCookie + "5",
		"<code>" + publicFlow.cookieName() + "0</code>", "<code>" + partnerFlow.cookieName() + "0</code>", publicFlow.cookieName() + "11",
		"deleted 12 months after it was closed", "kept for 7 years", "deleted 30 days after they were sent",
		// config.DefaultRetention: anonymous:no-further-action=12, ..., partner:closed=72.
		"anonymous reports (the account of what happened, contact details and messages) is deleted 12 months after they were marked &#34;no further action&#34;",
		"referrals from partner organisations (the account of what happened, contact details and messages) is deleted 6 years after they were marked &#34;closed&#34;",
		"after 30 minutes without use for staff, or 2 hours for community members", "can no longer be sent after 2 hours</td>",
	} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("privacy notice lacks %q", want)
		}
	}
	if strings.Contains(res.Body, "We use one cookie") {
		t.Error("privacy notice still says there is one cookie")
	}
	res = c.get("/accessibility")
	for _, want := range []string{
		"How accessible this website is", "Feedback and contact information", "Reporting accessibility problems with this website",
		"Enforcement procedure", "Technical information about this website", "Compliance status", "partially compliant",
		"Non-accessible content", "What we're doing to improve accessibility", "Preparation of this accessibility statement",
		"This statement was prepared on 6 December 2026", "signed out after 30 minutes without using the portal",
	} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("accessibility statement lacks %q", want)
		}
	}
	if strings.Contains(res.Body, "fully compliant") {
		t.Error("the statement claims full compliance")
	}
	if strings.Count(res.Body, "<h1") != 1 {
		t.Errorf("%d h1 elements on the statement", strings.Count(res.Body, "<h1"))
	}
}

// TestOperatorNotices: a privacy.html in CANDOUR_NOTICES_DIR replaces the
// built-in notice (with the portal's figures filled in); the statement
// without a file there stays the built-in one; a file that does not parse,
// or a directory that does not exist, stops start-up naming it.
func TestOperatorNotices(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "privacy.html"), []byte(`<h1 class="govuk-heading-l">Our privacy notice</h1>
<p class="govuk-body">{{.ForceName}} keeps security records for {{.AuditRetentionYears}} years.</p>`), 0o644)
	newWith := func(dir string) (*Server, error) {
		cfg, err := config.Load(func(k string) string {
			return map[string]string{"CANDOUR_SEED_DEMO": "false", "CANDOUR_NOTICES_DIR": dir, "CANDOUR_FORCE_NAME": "Wessex Police"}[k]
		})
		if err != nil {
			t.Fatal(err)
		}
		return New(cfg, nil, slog.New(slog.DiscardHandler), []byte(strings.Repeat("k", 32)), Options{})
	}
	srv, err := newWith(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(srv.notices["privacy"]); !strings.Contains(got, "Our privacy notice") || !strings.Contains(got, "Wessex Police keeps security records for 7 years.") {
		t.Fatalf("operator's privacy notice rendered as %q", got)
	}
	if got := string(srv.notices["accessibility"]); !strings.Contains(got, "Accessibility statement for Candour") {
		t.Fatal("the built-in statement was not used when the directory lacks one")
	}
	os.WriteFile(filepath.Join(dir, "accessibility.html"), []byte(`<h1>{{.NoSuchField}}</h1>`), 0o644)
	if _, err := newWith(dir); err == nil || !strings.Contains(err.Error(), "accessibility.html") {
		t.Fatalf("a notice using an unknown field: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "accessibility.html"), []byte(`<h1>{{.ForceName</h1>`), 0o644)
	if _, err := newWith(dir); err == nil || !strings.Contains(err.Error(), "accessibility.html") {
		t.Fatalf("a notice that does not parse: %v", err)
	}
	if _, err := newWith(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "CANDOUR_NOTICES_DIR") {
		t.Fatalf("a missing notices directory: %v", err)
	}
}
