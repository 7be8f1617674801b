package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/config"
	"candour/store"
	"candour/templates"
)

// TestStaleTellsTheVersionCheckApart: the store's version check (however
// wrapped) gets the stale page in the handler's words with 409; a refusal
// with a message of its own that shares the code (a submitted report is
// locked), any other error and nil are left to the handler (nothing
// written). No database: the server has none.
func TestStaleTellsTheVersionCheckApart(t *testing.T) {
	cfg, err := config.Load(func(k string) string { return map[string]string{"CANDOUR_SEED_DEMO": "false"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(cfg, nil, slog.New(slog.DiscardHandler), []byte(strings.Repeat("k", 32)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	try := func(err error) (bool, *httptest.ResponseRecorder) {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodPost, "/visits/v1/custody-report", nil)
		return srv.stale(c, err, "The report changed while you were writing", "Go back to the report to see their changes."), w
	}
	ok, w := try(fmt.Errorf("store: save custody report: %w", store.ErrConflict))
	if !ok || w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "The report changed while you were writing") ||
		!strings.Contains(w.Body.String(), "Go back to the report to see their changes.") {
		t.Fatalf("version check: stale = %v, %d\n%s", ok, w.Code, w.Body)
	}
	for _, other := range []error{store.ErrLocked, apperr.New(apperr.Conflict, "minutes", "The minutes have been approved"), store.ErrNotFound, errors.New("disk full"), nil} {
		if ok, w := try(other); ok || w.Body.Len() != 0 {
			t.Errorf("%v: stale = %v, wrote %d bytes; want false and nothing written", other, ok, w.Body.Len())
		}
	}
}

// TestFileErrorsListEveryLine: each wrong line is its own error named with
// the file, a message without a line follows the file's name, and a
// refusal that named lines ends saying nothing was stored; anything but
// form errors is returned as it is, for fail.
func TestFileErrorsListEveryLine(t *testing.T) {
	err := fmt.Errorf("powers: import: %w", apperr.Join(
		&apperr.Error{Code: apperr.Invalid, Field: "file", Message: `line 3, Date: "2024-13-01" is not a date`, Line: 3},
		&apperr.Error{Code: apperr.Invalid, Field: "file", Message: `line 5, Reason: "Speeding" is not one of`, Line: 5},
		apperr.Invalidf("file", "and 2 more lines with problems"),
	))
	all := apperr.All(fileErrors("stops.csv", err))
	want := []string{`stops.csv, line 3, Date: "2024-13-01" is not a date`, `stops.csv, line 5, Reason: "Speeding" is not one of`,
		"stops.csv: and 2 more lines with problems", "Nothing was stored from the file: correct these lines and import it again"}
	if len(all) != len(want) {
		t.Fatalf("errors = %+v", all)
	}
	for i, w := range want {
		if e := all[i]; e.Code != apperr.Invalid || e.Field != "file" || e.Message != w {
			t.Errorf("error %d = %+v, want %q on file", i, e, w)
		}
	}
	if all := apperr.All(fileErrors("stops.csv", apperr.Invalidf("file", "the file is not UTF-8"))); len(all) != 1 || all[0].Message != "stops.csv: the file is not UTF-8" {
		t.Errorf("a refusal without lines: %+v", all)
	}
	// A refusal worded for the command line too (no field of its own: the
	// wrong force, year or dataset) goes on the upload's field.
	if all := apperr.All(fileErrors("stops.csv", apperr.Invalidf("", "2019 is not a financial year"))); len(all) != 1 ||
		all[0].Field != "file" || all[0].Message != "stops.csv: 2019 is not a financial year" {
		t.Errorf("a refusal with no field: %+v", all)
	}
	for _, other := range []error{nil, errors.New("disk full"), store.ErrNotFound, apperr.Join(apperr.Invalidf("file", "x"), apperr.New(apperr.Conflict, "", "y"))} {
		if got := fileErrors("stops.csv", other); got != other {
			t.Errorf("%v: reworded as %v", other, got)
		}
	}
}

// TestFormAgain: form errors draw the page again with 422 and the GOV.UK
// error summary, each distinct message an item linking to its field (a
// file's wrong lines all listed, a message repeated word for word once),
// in order; binding's messages travel as errors too (Err, With); anything
// else is fail's page. No database: the server has none.
func TestFormAgain(t *testing.T) {
	cfg, err := config.Load(func(k string) string { return map[string]string{"CANDOUR_SEED_DEMO": "false"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(cfg, nil, slog.New(slog.DiscardHandler), []byte(strings.Repeat("k", 32)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	again := func(err error) (*Page, *httptest.ResponseRecorder) {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodPost, "/recommendations/import", nil)
		p := &Page{Title: "Import recommendations", Data: &recImportData{Columns: csvColumns}}
		srv.formAgain(c, "recommendation_import", p, err)
		return p, w
	}
	bound := &formErrors{}
	bound.Add("file", "Choose a CSV file to import")
	p, w := again(bound.With(
		apperr.Invalidf("file", "stops.csv, line 3: not a date"),
		apperr.Invalidf("file", "stops.csv, line 3: not a date"),
		apperr.Invalidf("owner", "Enter the owner"),
	))
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "govuk-error-summary") {
		t.Fatalf("form errors: %d\n%s", w.Code, body)
	}
	want := []fieldError{{"file", "Choose a CSV file to import"}, {"file", "stops.csv, line 3: not a date"}, {"owner", "Enter the owner"}}
	if len(p.Errors.Items) != len(want) {
		t.Fatalf("summary = %+v", p.Errors.Items)
	}
	for i, it := range want {
		if p.Errors.Items[i] != it {
			t.Errorf("item %d = %+v, want %+v", i, p.Errors.Items[i], it)
		}
	}
	if p.Errors.For("file") != "Choose a CSV file to import" {
		t.Errorf("next to the field: %q, want the first", p.Errors.For("file"))
	}
	if !strings.Contains(body, `href="#file"`) || !strings.Contains(body, "stops.csv, line 3: not a date") {
		t.Errorf("the summary does not link the file's lines:\n%s", body)
	}
	if (&formErrors{}).Err() != nil || (&formErrors{}).With() != nil {
		t.Error("an empty form has an error")
	}
	for _, tc := range []struct {
		err  error
		code int
	}{
		{store.ErrNotFound, http.StatusNotFound},
		{apperr.New(apperr.Conflict, "", "Someone signed it off"), http.StatusConflict},
		{errors.New("disk full"), http.StatusInternalServerError},
		{apperr.Join(apperr.Invalidf("file", "x"), apperr.New(apperr.Forbidden, "", "")), http.StatusForbidden},
	} {
		if _, w := again(tc.err); w.Code != tc.code || strings.Contains(w.Body.String(), "govuk-error-summary") {
			t.Errorf("%v: %d, want %d without a summary", tc.err, w.Code, tc.code)
		}
	}
}

// TestPageSetsHoldOnlyWhatTheyCall: each page's template set has the
// layout, the page and the partials it calls (through other partials too),
// and not the others (template_set.go); every page can be drawn, which the
// handler tests check page by page.
func TestPageSetsHoldOnlyWhatTheyCall(t *testing.T) {
	set, err := parseTemplates(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		page, name string
		want       bool
	}{
		{"home", "base", true},
		{"home", "monitorPeriod", false}, // partials/monitor.html: the disparity pages'
		{"home", "importForm", false},
		{"disparity", "monitorPeriod", true},
		{"disparity", "monitorSentences", true},
		{"advice_new", "textInput", true}, // partials/components.html
		{"advice_new", "radios", true},    // partials/admin.html
		{"advice_list", "radios", false},
	} {
		tp, ok := set.page(c.page)
		if !ok {
			t.Fatalf("no page %q", c.page)
		}
		if got := tp.Lookup(c.name) != nil; got != c.want {
			t.Errorf("page %s has template %q: %v, want %v", c.page, c.name, got, c.want)
		}
	}
}

// TestServersShareOneParseOfTheTemplates: the templates are parsed once
// per process (pageTemplates) and every Server draws with that one parse;
// a Server that parsed its own would cost each handler test about 0.28 s
// of CPU under the race detector.
func TestServersShareOneParseOfTheTemplates(t *testing.T) {
	cfg, err := config.Load(func(k string) string { return map[string]string{"CANDOUR_SEED_DEMO": "false"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	var servers [2]*Server
	for i := range servers {
		if servers[i], err = New(cfg, nil, slog.New(slog.DiscardHandler), []byte(strings.Repeat("k", 32)), Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if len(servers[0].templates) == 0 {
		t.Fatal("no templates")
	}
	for name, tmpl := range servers[0].templates {
		if servers[1].templates[name] != tmpl {
			t.Errorf("page %s: the second Server parsed the templates again", name)
		}
	}
	// Each has its own map: a page added to one (as TestErrorPagesAndHeaders
	// does) is not the other's.
	servers[0].templates["added"] = servers[0].templates["error"]
	if _, ok := servers[1].templates["added"]; ok {
		t.Error("a page added to one Server's templates shows in another's")
	}
}

// TestPagesAreParsedAtFirstUse: start-up parses every page (so that it
// fails if one does not parse) but keeps none; a page is parsed again
// when first drawn, and kept from then on (template_set.go: an idle
// portal's heap held 11–15 MB of parsed pages).
func TestPagesAreParsedAtFirstUse(t *testing.T) {
	set, err := parseTemplates(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range set {
		if p.t != nil {
			t.Errorf("page %s is held parsed before it was drawn", name)
		}
	}
	first, ok := set.page("home")
	if !ok || first.Lookup("base") == nil {
		t.Fatalf("home: %v, %v", first, ok)
	}
	if again, _ := set.page("home"); again != first {
		t.Error("home was parsed twice")
	}
	if set["advice_list"].t != nil {
		t.Error("drawing home parsed advice_list too")
	}
	if _, ok := set.page("no-such-page"); ok {
		t.Error("a page that does not exist was found")
	}
}
