package server

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"candour/store"
)

// upload posts files as multipart/form-data with the CSRF token from page.
func (c *client) upload(page, path, field string, files map[string][]byte, fields url.Values) response {
	c.a.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf_token", c.csrf(page))
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	for name, content := range files {
		fw, _ := w.CreateFormFile(field, name)
		_, _ = fw.Write(content)
	}
	_ = w.Close()
	req, _ := http.NewRequest("POST", c.a.http.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

func readData(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDisparityImportViewPublish(t *testing.T) {
	a, _, _ := powerWorldFakes(t)
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	member := a.as(a.newUser(store.RoleMember, "member@example.org"))
	public := a.client()

	if r := member.get("/disparity"); r.Status != 200 || !strings.Contains(r.Body, "No stop and search data has been imported yet") {
		t.Fatalf("empty disparity page: %d", r.Status)
	}
	if r := public.get("/public/stop-and-search"); r.Status != 200 || !strings.Contains(r.Body, "No figures have been published yet") {
		t.Fatalf("empty public page: %d", r.Status)
	}
	// A file that is not police.uk's layout: 422, named problem, nothing stored.
	bad := strings.Replace(string(readData(t, "2019-01-dorset-stop-and-search.csv")), "Gender", "Sex", 1)
	r := coord.upload("/disparity/import", "/disparity/import", "files",
		map[string][]byte{"2019-01-dorset-stop-and-search.csv": []byte(bad)}, nil)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "line 1, column 7") {
		t.Fatalf("bad file: %d", r.Status)
	}
	if r := member.get("/disparity"); !strings.Contains(r.Body, "No stop and search data") {
		t.Fatal("a refused file left data behind")
	}
	r = coord.upload("/disparity/import", "/disparity/population", "population",
		map[string][]byte{"census2021-ts021-dorset-force-area.csv": readData(t, "census2021-ts021-dorset-force-area.csv")},
		url.Values{"population-force": {"dorset"}})
	if r.Status != 200 || !strings.Contains(r.Body, "779775 usual residents") {
		t.Fatalf("population upload: %d", r.Status)
	}
	r = coord.upload("/disparity/import", "/disparity/import", "files", map[string][]byte{
		"2019-01-dorset-stop-and-search.csv": readData(t, "2019-01-dorset-stop-and-search.csv"),
		"2016-11-dorset-stop-and-search.csv": readData(t, "2016-11-dorset-stop-and-search.csv"),
	}, nil)
	if r.Status != 200 || !strings.Contains(r.Body, "156 searches stored for dorset") || !strings.Contains(r.Body, "229 searches stored") {
		t.Fatalf("import: %d", r.Status)
	}
	r = member.get("/disparity?force=dorset&from=2019-01&to=2019-01&ethnicity=self")
	for _, want := range []string{
		"Black people were 9.5 times as likely as White people to be searched (95% interval 4.4 to 20.4)",
		"25% of person searches (39 of 156) had no self-defined ethnicity recorded.",
		"<title id=\"rates-title\">", "<title id=\"ratios-title\">",
		"9.48 (4.4 to 20.4)",
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("member's disparity page lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "Publish ") {
		t.Error("a member is offered the publish button")
	}
	if r := member.get("/disparity?from=2019-13&to=2019-01"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad month: %d, want 422", r.Status)
	}
	if r := member.get("/disparity/import"); r.Status != http.StatusForbidden {
		t.Errorf("member on import page: %d, want 403", r.Status)
	}
	r = coord.submit("/disparity?force=dorset&from=2019-01&to=2019-01", "/disparity/publish",
		url.Values{"force": {"dorset"}, "from": {"2019-01"}, "to": {"2019-01"}, "ethnicity": {"self"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("publish: %d", r.Status)
	}
	r = public.get("/public/stop-and-search")
	if r.Status != 200 || !strings.Contains(r.Body, "Black people were 9.5 times as likely") || strings.Contains(r.Body, "Publish ") {
		t.Fatalf("public page after publishing: %d", r.Status)
	}
}

func TestPanelSampleDrawnByAChair(t *testing.T) {
	a, _, _ := powerWorldFakes(t)
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	chair := a.as(a.newUser(store.RoleChair, "chair@example.org"))
	coord.upload("/disparity/import", "/disparity/import", "files",
		map[string][]byte{"2019-01-dorset-stop-and-search.csv": readData(t, "2019-01-dorset-stop-and-search.csv")}, nil)

	// (A member refused, a size or group out of range: TestPanelSampleRefusalsWithFakes.)
	form := url.Values{"force": {"dorset"}, "from": {"2019-01"}, "to": {"2019-01"}, "group": {"Black"}, "size": {"3"}}
	r := chair.submit("/disparity/samples/new", "/disparity/samples/new", form)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/disparity/samples/") {
		t.Fatalf("commit: %d to %q", r.Status, r.Location)
	}
	r = chair.submit(r.Location, r.Location+"/draw", nil) // after the commitment (verifiable samples)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/disparity/samples/") {
		t.Fatalf("draw: %d to %q", r.Status, r.Location)
	}
	page := chair.get(r.Location)
	if page.Status != 200 || strings.Count(page.Body, "dorset/2019-01/#") != 3 || !strings.Contains(page.Body, "3 records drawn at random from 7 that matched") {
		t.Fatalf("sample page: %d\n%s", page.Status, page.Body)
	}
	if list := coord.get("/disparity/samples"); !strings.Contains(list.Body, "3 of 7") {
		t.Error("the sample is not listed")
	}
}
