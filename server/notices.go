package server

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"candour/config"
	"candour/store"
	"candour/templates"
	"candour/words"
)

// The privacy notice and the accessibility statement are the operator's to
// word: each is a template file, privacy.html and accessibility.html. The
// portal's own text is embedded (templates/notices/) and used unless
// CANDOUR_NOTICES_DIR holds a file of the same name. They are rendered once,
// at start-up, with the figures below taken from the running portal, so a
// notice that quotes them stays true; a file that does not parse stops
// start-up with its name.

// noticeNames are the notices an operator can replace.
var noticeNames = []string{"privacy", "accessibility"}

// NoticeData is what a notice template can use.
type NoticeData struct {
	ForceName              string
	StaffIdleMinutes       int // staff and CCU sessions end after this long unused
	VolunteerIdleHours     int // community members' sessions
	SurveyCookieHours      int // an unsent survey response is kept this long in the browser
	SurveyCookieLast       int // the highest candour_surveyN cookie number
	DraftCookieHours       int // an unsent report or referral is kept this long in the browser
	DraftCookieLast        int // the highest candour_anonymousN / candour_partnerN cookie number
	AccountRetentionMonths int // closed accounts are deleted after this long
	AuditRetentionYears    int // audit events are kept this long
	MailKeptDays           int // copies of sent mail are kept this long
	ReferralRetention      []string
	StatementPrepared      string // the accessibility statement's dates (the embedded text's)
	StatementReviewed      string
}

// statementDate is when the embedded accessibility statement was prepared
// and last reviewed against the portal's tests. An operator's own statement
// states its own dates.
const statementDate = "6 December 2026"

func (s *Server) noticeData() NoticeData {
	d := NoticeData{
		ForceName:              s.cfg.ForceName,
		StaffIdleMinutes:       int(s.idleTimeout(string(store.RoleAdmin)) / time.Minute),
		VolunteerIdleHours:     int(s.idleTimeout(string(store.RoleMember)) / time.Hour),
		SurveyCookieHours:      int(surveyCookieLife / time.Hour),
		SurveyCookieLast:       surveyCookieParts - 1,
		DraftCookieHours:       int(draftLife / time.Hour),
		DraftCookieLast:        draftParts - 1,
		AccountRetentionMonths: store.AccountRetentionMonths,
		AuditRetentionYears:    store.AuditRetentionYears,
		MailKeptDays:           int(store.MailKeptFor / (24 * time.Hour)),
		StatementPrepared:      statementDate,
		StatementReviewed:      statementDate,
	}
	for _, r := range s.cfg.Retention {
		d.ReferralRetention = append(d.ReferralRetention, retentionText(r))
	}
	return d
}

// retentionText words one referral retention rule for the privacy notice.
func retentionText(r config.Retention) string {
	kind := map[string]string{store.KindAnonymous: "anonymous reports", store.KindPartner: "referrals from partner organisations"}[r.Kind]
	if kind == "" {
		kind = r.Kind + " referrals"
	}
	status := strings.ToLower(words.RefStatus(r.Status))
	period := strconv.Itoa(r.Months) + " months"
	if r.Months%12 == 0 {
		period = strconv.Itoa(r.Months/12) + " years"
		if r.Months == 12 {
			period = "12 months"
		}
	}
	return fmt.Sprintf("%s (the account of what happened, contact details and messages) is deleted %s after they were marked %q; a record that they existed and their outcome is kept", kind, period, status)
}

// loadNotices renders every notice, from dir when it has the file.
func (s *Server) loadNotices(dir string) (map[string]template.HTML, error) {
	if dir != "" {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("CANDOUR_NOTICES_DIR: %q is not a directory", dir)
		}
	}
	data := s.noticeData()
	out := map[string]template.HTML{}
	for _, name := range noticeNames {
		src, origin, err := noticeSource(dir, name)
		if err != nil {
			return nil, err
		}
		t, err := template.New(name).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("notice %s: %w", origin, err)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return nil, fmt.Errorf("notice %s: %w", origin, err)
		}
		out[name] = template.HTML(buf.String()) // the operator's own markup, with our figures escaped into it
	}
	return out, nil
}

func noticeSource(dir, name string) ([]byte, string, error) {
	if dir != "" {
		path := filepath.Join(dir, name+".html")
		b, err := os.ReadFile(path)
		if err == nil {
			return b, path, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, path, fmt.Errorf("notice %s: %w", path, err)
		}
	}
	b, err := fs.ReadFile(templates.FS, "notices/"+name+".html")
	return b, "templates/notices/" + name + ".html", err
}
