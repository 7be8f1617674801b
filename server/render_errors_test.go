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

// TestAddFileErrorsListsEveryLine: each wrong line is its own item named
// with the file (Add would keep only the first message for the field), a
// message without a line follows the file's name, and a refusal that named
// lines ends saying nothing was stored; anything but form errors is left
// to fail.
func TestAddFileErrorsListsEveryLine(t *testing.T) {
	errs := &formErrors{}
	err := fmt.Errorf("powers: import: %w", apperr.Join(
		&apperr.Error{Code: apperr.Invalid, Field: "file", Message: `line 3, Date: "2024-13-01" is not a date`, Line: 3},
		&apperr.Error{Code: apperr.Invalid, Field: "file", Message: `line 5, Reason: "Speeding" is not one of`, Line: 5},
		apperr.Invalidf("file", "and 2 more lines with problems"),
	))
	if !addFileErrors(errs, "stops.csv", err) {
		t.Fatal("a refused file was not form errors")
	}
	want := []string{`stops.csv, line 3, Date: "2024-13-01" is not a date`, `stops.csv, line 5, Reason: "Speeding" is not one of`,
		"stops.csv: and 2 more lines with problems", "Nothing was stored from the file: correct these lines and import it again"}
	if len(errs.Items) != len(want) {
		t.Fatalf("items = %+v", errs.Items)
	}
	for i, w := range want {
		if it := errs.Items[i]; it.Field != "file" || it.Message != w {
			t.Errorf("item %d = %+v, want %q on file", i, it, w)
		}
	}
	errs = &formErrors{}
	if !addFileErrors(errs, "stops.csv", apperr.Invalidf("file", "the file is not UTF-8")) || len(errs.Items) != 1 || errs.Items[0].Message != "stops.csv: the file is not UTF-8" {
		t.Errorf("a refusal without lines: %+v", errs.Items)
	}
	for _, other := range []error{nil, errors.New("disk full"), store.ErrNotFound, apperr.Join(apperr.Invalidf("file", "x"), apperr.New(apperr.Conflict, "", "y"))} {
		errs = &formErrors{}
		if addFileErrors(errs, "stops.csv", other) || len(errs.Items) != 0 {
			t.Errorf("%v: taken as form errors: %+v", other, errs.Items)
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
		tp, ok := set[c.page]
		if !ok {
			t.Fatalf("no page %q", c.page)
		}
		if got := tp.Lookup(c.name) != nil; got != c.want {
			t.Errorf("page %s has template %q: %v, want %v", c.page, c.name, got, c.want)
		}
	}
}
