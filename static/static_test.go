package static

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// The files the page layout links to are embedded, so the binary serves them.
func TestEmbedsWhatPagesLinkTo(t *testing.T) {
	for _, name := range []string{
		"dist/candour.css",
		"dist/govuk-frontend.min.js",
		"dist/assets/images/favicon.ico",
		"js/init.js",
		"img/favicon.svg",
	} {
		b, err := fs.ReadFile(FS, name)
		if err != nil {
			t.Errorf("%s: %v (run make static)", name, err)
			continue
		}
		if len(b) == 0 {
			t.Errorf("%s is empty", name)
		}
	}
	if _, err := fs.Stat(FS, "dist/assets/.stamp"); err == nil {
		t.Error("make's stamp file is embedded and would be served")
	}
}

// The stylesheet is for a service outside GOV.UK: Arial, no GDS Transport
// font, and every url() resolves to a file we embed.
func TestStylesheetIsForANonGOVUKService(t *testing.T) {
	b, err := fs.ReadFile(FS, "dist/candour.css")
	if err != nil {
		t.Fatal(err)
	}
	css := string(b)
	if strings.Contains(css, "GDS Transport") || strings.Contains(css, "@font-face") {
		t.Error("candour.css names the GDS Transport font; it must use Arial")
	}
	if !strings.Contains(css, "font-family:arial,sans-serif") {
		t.Error("candour.css does not set Arial")
	}
	for _, m := range regexp.MustCompile(`url\("?([^")]+)"?\)`).FindAllStringSubmatch(css, -1) {
		u := m[1]
		if strings.HasPrefix(u, "data:") {
			continue
		}
		name, ok := strings.CutPrefix(u, "/static/")
		if !ok {
			t.Errorf("candour.css refers to %s, outside /static/", u)
			continue
		}
		if _, err := fs.Stat(FS, name); err != nil {
			t.Errorf("candour.css refers to %s, which is not embedded", u)
		}
	}
}

// init.js imports GOV.UK Frontend from the path it is served at, and adds
// the body class GOV.UK Frontend checks before it starts any component (the
// usual inline script for it is blocked by our CSP).
func TestInitScriptImportsTheEmbeddedBundle(t *testing.T) {
	b, err := fs.ReadFile(FS, "js/init.js")
	if err != nil {
		t.Fatal(err)
	}
	js := string(b)
	m := regexp.MustCompile(`from '/static/([^']+)'`).FindStringSubmatch(js)
	if m == nil {
		t.Fatal("init.js has no import from /static/")
	}
	bundle, err := fs.ReadFile(FS, m[1])
	if err != nil {
		t.Fatalf("init.js imports /static/%s: %v", m[1], err)
	}
	if !strings.Contains(string(bundle), "initAll") {
		t.Errorf("/static/%s does not export initAll", m[1])
	}
	if !strings.Contains(js, "'govuk-frontend-supported'") {
		t.Error("init.js does not add govuk-frontend-supported to <body>")
	}
}
