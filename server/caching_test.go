package server

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"candour/static"
	"candour/store"
)

// fetch sends a GET with extra headers and returns the response and body.
func fetch(t *testing.T, a *testApp, path string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.http.URL+path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// TestStaticAssetsAreHashedAndCachedForAYear: pages name the stylesheet,
// script and icon by content-hashed URLs, which answer with the file and a
// year-long immutable Cache-Control; the plain name and a stale hash answer
// "no-cache"; an ETag gives a 304; HTML stays no-store.
func TestStaticAssetsAreHashedAndCachedForAYear(t *testing.T) {
	a := newFakeApp(t).testApp
	res, body := fetch(t, a, "/", nil)
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("landing page Cache-Control %q, want no-store", got)
	}
	for _, name := range []string{"dist/candour.css", "js/init.js", "img/favicon.svg"} {
		want, _ := fs.ReadFile(static.FS, name)
		ext := filepath.Ext(name)
		re := regexp.MustCompile(`"(/static/` + regexp.QuoteMeta(strings.TrimSuffix(name, ext)) + `\.([0-9a-f]{10})` + regexp.QuoteMeta(ext) + `)"`)
		m := re.FindSubmatch(body)
		if m == nil {
			t.Errorf("the page does not name %s by a hashed URL", name)
			continue
		}
		hashed := string(m[1])
		res, got := fetch(t, a, hashed, nil)
		if res.StatusCode != 200 || !bytes.Equal(got, want) {
			t.Fatalf("%s: %d, %d bytes (want the file's %d)", hashed, res.StatusCode, len(got), len(want))
		}
		if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s Cache-Control %q", hashed, cc)
		}
		etag := res.Header.Get("ETag")
		if res, _ := fetch(t, a, hashed, map[string]string{"If-None-Match": etag}); etag == "" || res.StatusCode != http.StatusNotModified {
			t.Errorf("%s with If-None-Match %s: %d, want 304", hashed, etag, res.StatusCode)
		}
		for _, other := range []string{"/static/" + name, strings.Replace(hashed, string(m[2]), "0123456789", 1)} {
			res, got := fetch(t, a, other, nil)
			if res.StatusCode != 200 || !bytes.Equal(got, want) || res.Header.Get("Cache-Control") != "no-cache" {
				t.Errorf("%s: %d, Cache-Control %q; want the file with no-cache", other, res.StatusCode, res.Header.Get("Cache-Control"))
			}
		}
	}
	if res, _ := fetch(t, a, "/static/dist/nothing.0123456789.css", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("a missing static file: %d", res.StatusCode)
	}
	// A file the stylesheet references by its plain name (GOV.UK Frontend's images).
	if res, _ := fetch(t, a, "/static/dist/assets/images/favicon.ico", nil); res.StatusCode != 200 {
		t.Errorf("GOV.UK Frontend's favicon.ico: %d", res.StatusCode)
	}
}

// TestFeedsAnswerConditionalRequests: the public Atom feed and a private
// calendar feed carry an ETag (and the Atom feed a Last-Modified), answer a
// repeat request with 304 and no body, and choose their own Cache-Control.
func TestFeedsAnswerConditionalRequests(t *testing.T) {
	f, _, w := recFakes(t)
	quietCalendar(t, f)
	w.setClock(f.clock)
	a := f.testApp
	res, body := fetch(t, a, "/you-said-we-did.atom", nil)
	if res.StatusCode != 200 || !bytes.Contains(body, []byte("<feed")) {
		t.Fatalf("atom: %d", res.StatusCode)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=300" {
		t.Errorf("atom Cache-Control %q", cc)
	}
	etag, lm := res.Header.Get("ETag"), res.Header.Get("Last-Modified")
	if etag == "" || lm == "" {
		t.Fatalf("atom ETag %q, Last-Modified %q", etag, lm)
	}
	if res, b := fetch(t, a, "/you-said-we-did.atom", map[string]string{"If-None-Match": etag}); res.StatusCode != 304 || len(b) != 0 {
		t.Errorf("atom If-None-Match: %d with %d bytes", res.StatusCode, len(b))
	}
	if res, _ := fetch(t, a, "/you-said-we-did.atom", map[string]string{"If-Modified-Since": lm}); res.StatusCode != 304 {
		t.Errorf("atom If-Modified-Since: %d", res.StatusCode)
	}
	if res, _ := fetch(t, a, "/you-said-we-did.atom", map[string]string{"If-None-Match": `"other"`}); res.StatusCode != 200 {
		t.Errorf("atom with a stale ETag: %d", res.StatusCode)
	}

	res, _ = fetch(t, a, "/you-said-we-did.json", nil)
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=300" || res.Header.Get("ETag") == "" {
		t.Fatalf("json: %d, Cache-Control %q, ETag %q", res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("ETag"))
	}
	// The body says when it was generated; the ETag covers the data only, so a
	// later poll of unchanged data is still a 304.
	a.advance(time.Hour)
	if res, _ := fetch(t, a, "/you-said-we-did.json", map[string]string{"If-None-Match": res.Header.Get("ETag")}); res.StatusCode != 304 {
		t.Errorf("json If-None-Match an hour later: %d", res.StatusCode)
	}

	u := f.newUser(store.RoleMember, "feeds@example.org")
	c := f.as(u)
	r := c.submit("/visits/feed", "/visits/feed", nil)
	m := feedURLRe.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatal("no feed address")
	}
	path := strings.TrimPrefix(m[1], a.http.URL)
	res, _ = fetch(t, a, path, nil)
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "private, max-age=900" || res.Header.Get("ETag") == "" {
		t.Fatalf("calendar: %d, Cache-Control %q, ETag %q", res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("ETag"))
	}
	if res, _ := fetch(t, a, path, map[string]string{"If-None-Match": res.Header.Get("ETag")}); res.StatusCode != 304 {
		t.Errorf("calendar If-None-Match: %d", res.StatusCode)
	}
}

// TestCSVExportsStartWithAByteOrderMark: downloads start with the UTF-8
// BOM and are not kept by caches; and no handler writes CSV any other way
// than through sendCSV (so a new export cannot forget the BOM).
func TestCSVExportsStartWithAByteOrderMark(t *testing.T) {
	a, _, _ := recFakes(t)
	quietCalendar(t, a)
	u := a.newUser(store.RoleCoordinator, "exports@example.org")
	c := a.as(u)
	for _, path := range []string{"/recommendations/export.csv", "/visits/export.csv"} {
		res := c.get(path)
		if res.Status != 200 || !strings.HasPrefix(res.Body, "\xEF\xBB\xBF") || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d, starts %q, Cache-Control %q", path, res.Status, res.Body[:min(6, len(res.Body))], res.Header.Get("Cache-Control"))
		}
	}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "assets.go" {
			continue
		}
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte(`"text/csv`)) {
			t.Errorf("%s sends text/csv itself: use sendCSV", f)
		}
	}
}
