package server

import (
	"bytes"
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"candour/powers"
	"candour/store"
)

// The powers and disparity pages and the record of processing on fakes
// (powerStore, processingStore): bad input refused before anything is
// stored, what a role sees. The imports, the figures and their
// suppression, publishing and the panels' samples run on real files with
// the records in memory (powerWorld: TestDisparityImportViewPublish,
// TestDisparityRefusalsAndSummerMonths, TestPanelSampleDrawnByAChair,
// power_test.go, vetting_test.go).

// powerFakes is a fake app whose powers pages hold nothing yet: no force
// has data. Imports, publishing and samples are left nil, so a test that
// reaches one fails. give, if not nil, gives the fake more answers before
// the server starts.
func powerFakes(t *testing.T, give func(fp *fakePowers)) (*fakeApp, *fakePowers) {
	a := unstartedFakeApp(t, Options{SignInsPerMinute: 1000})
	fp := &fakePowers{fakeCalls: fakeCalls{t: t, now: time.Now()}}
	fp.powerForces = func(string) (map[string]store.PowerIndex, error) { return nil, nil }
	fp.disparityPublications = func() ([]store.DisparityPublication, error) { return nil, nil }
	if give != nil {
		give(fp)
	}
	a.srv.powers = fp
	a.start()
	return a, fp
}

// TestDisparityOddInputsStoreNothingWithFakes sends the import, population
// and publish forms what the world sends: wrong field names, binary, a
// file cut after its header, a stray quote, a force of 300 characters, a
// file over the upload limit. Each is refused (422 with the error summary,
// or 413 for the size) and never a 500, before anything reaches the store:
// the fake's imports and publishing are nil, and none is called. (What
// only the Census table's reading refuses: TestDisparityOddInputsStoreNothing.)
func TestDisparityOddInputsStoreNothingWithFakes(t *testing.T) {
	a, fp := powerFakes(t, nil)
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	aug := "2018-08-dorset-stop-and-search.csv"
	census := "census2021-ts021-dorset-force-area.csv"
	header := strings.SplitAfter(string(readData(t, aug)), "\n")[0]
	long := strings.Repeat("x", 300)
	binary := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\"\x00")
	huge := bytes.Repeat([]byte("Person search,2018-08-01T00:00:00+00:00,False,,,,Male,18-24,,White,,,,,\n"), MaxUploadBytes/70+10)
	for _, tc := range []struct {
		name   string
		send   func() response
		status int
		want   string
	}{
		{"files under another field name", func() response {
			return coord.upload("/disparity/import", "/disparity/import", "file", map[string][]byte{aug: readData(t, aug)}, nil)
		}, 422, "Choose one or more police.uk stop and search CSV files"},
		{"import form sent as a plain form", func() response {
			return coord.submit("/disparity/import", "/disparity/import", url.Values{"force": {"dorset"}})
		}, 422, "Choose one or more police.uk stop and search CSV files"},
		{"a force of 300 characters", func() response {
			return coord.upload("/disparity/import", "/disparity/import", "files", map[string][]byte{"search.csv": readData(t, aug)}, url.Values{"force": {long}})
		}, 422, "is not a police force area"},
		{"binary", func() response {
			return coord.upload("/disparity/import", "/disparity/import", "files", map[string][]byte{aug: binary}, nil)
		}, 422, aug + ": line 1"},
		{"cut after the header", func() response {
			return coord.upload("/disparity/import", "/disparity/import", "files", map[string][]byte{aug: []byte(header)}, nil)
		}, 422, "the file has a header but no searches"},
		{"a stray quote in a first field", func() response {
			return coord.upload("/disparity/import", "/disparity/import", "files", map[string][]byte{aug: []byte(header + "Per\"son search,2018-08-01T00:00:00+00:00,,,,,,,,,,,,,\n")}, nil)
		}, 422, aug + ": line 2"},
		{"a file over the upload limit", func() response {
			return coord.upload("/disparity/import", "/disparity/import", "files", map[string][]byte{aug: append([]byte(header), huge...)}, nil)
		}, 413, "too large"},
		{"population under another field name", func() response {
			return coord.upload("/disparity/import", "/disparity/population", "file", map[string][]byte{census: readData(t, census)}, url.Values{"population-force": {"dorset"}})
		}, 422, "Choose the Census 2021 TS021 CSV file"},
		{"publish a force of 300 characters", func() response {
			return coord.submit("/disparity", "/disparity/publish", url.Values{"force": {long}, "from": {"2018-08"}, "to": {"2018-08"}, "ethnicity": {"self"}})
		}, 422, "govuk-error-summary"},
		{"publish a month that is not one", func() response {
			return coord.submit("/disparity", "/disparity/publish", url.Values{"force": {"dorset"}, "from": {"2018-13"}, "to": {"2018-13"}, "ethnicity": {"self"}})
		}, 422, "govuk-error-summary"},
		{"publish under other field names", func() response {
			return coord.submit("/disparity", "/disparity/publish", url.Values{"forces": {"dorset"}, "start": {"2018-08"}})
		}, 422, "govuk-error-summary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.send()
			if r.Status != tc.status || !strings.Contains(r.Body, tc.want) {
				t.Errorf("status %d, want %d with %q", r.Status, tc.status, tc.want)
			}
			if tc.status == 422 && !strings.Contains(r.Body, "govuk-error-summary") {
				t.Error("no error summary")
			}
			for _, write := range []string{"ImportPower", "ImportPopulation", "PublishDisparity"} {
				if n := fp.calls(write); n != 0 {
					t.Errorf("%s called %d times", write, n)
				}
			}
		})
	}
}

// TestPowerImportHelpSaysWhoseEthnicityWithFakes: the import page of a
// dataset whose ethnicity is the officer's says so, not "as the person
// described it".
func TestPowerImportHelpSaysWhoseEthnicityWithFakes(t *testing.T) {
	a, _ := powerFakes(t, nil)
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	if r := coord.get("/powers/use-of-force-incidents/import"); !strings.Contains(r.Body, "<strong>Subject ethnicity</strong>: officer-perceived, in the Census 2021") {
		t.Error("the incidents import page does not say the ethnicity is the officer's")
	}
	if r := coord.get("/powers/custody-strip-search/import"); !strings.Contains(r.Body, "<strong>Self-defined ethnicity</strong>: as the person described it") {
		t.Error("the custody import page does not say the ethnicity is the person's")
	}
}

func TestProcessingPageIsForAdminsWithFakes(t *testing.T) {
	a := newFakeApp(t)
	a.srv.processing = &fakeProcessing{}
	ad := a.as(a.newUser(store.RoleAdmin, "admin@example.org"))
	r := ad.get("/admin/processing")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Referral and report content") || !strings.Contains(r.Body, "deleted 12 months after that status") {
		t.Fatalf("record of processing: %d\n%s", r.Status, r.Body)
	}
}

// TestLawfulBasisEditedByTheDPOWithFakes: the record's lawful basis and condition
// for a kind of data can be changed from the page (an administrator enters
// the DPO's decision); an empty basis is refused with 422, what was typed
// kept and nothing stored; the record and candour dpia then show the new
// wording and who set it; the change is audited.
func TestLawfulBasisEditedByTheDPOWithFakes(t *testing.T) {
	a := newFakeApp(t)
	fp := &fakeProcessing{}
	a.srv.processing = fp
	ctx := context.Background()
	ad := a.as(a.newUser(store.RoleAdmin, "dpo@example.org"))
	page := "/admin/processing/vetting-data"
	if r := ad.get(page); r.Status != http.StatusOK || !strings.Contains(r.Body, "UK GDPR article 6(1)(e) public task") {
		t.Fatalf("edit page: %d\n%s", r.Status, r.Body)
	}
	r := ad.submit(page, page, url.Values{"lawfulBasis": {"  "}, "condition": {"Kept condition"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the lawful basis") || !strings.Contains(r.Body, "Kept condition") {
		t.Fatalf("empty basis: %d\n%s", r.Status, r.Body)
	}
	if bs, _ := fp.ProcessingBases(ctx); len(bs) != 0 {
		t.Fatalf("a refused basis was stored: %+v", bs)
	}
	r = ad.submit(page, page, url.Values{"lawfulBasis": {"UK GDPR article 6(1)(c) legal obligation"}, "condition": {"DPA 2018 Schedule 1, paragraph 1"}})
	if r.Status != http.StatusSeeOther || r.Location != "/admin/processing" {
		t.Fatalf("save: %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	body := ad.get("/admin/processing").Body
	if !strings.Contains(body, "UK GDPR article 6(1)(c) legal obligation") || !strings.Contains(body, "Set by dpo@example.org") {
		t.Fatalf("record after the change:\n%s", body)
	}
	bases, err := fp.ProcessingBases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	md := ProcessingMarkdown(a.srv.cfg, bases)
	if !strings.Contains(md, "## Vetting data\n\n- Held: Scrutiny members' vetting level and its expiry date\n- Purpose: Letting only vetted members take part in visits\n- Lawful basis: UK GDPR article 6(1)(c) legal obligation\n- Basis and condition set by dpo@example.org") ||
		!strings.Contains(md, "- Condition: DPA 2018 Schedule 1, paragraph 1\n") {
		t.Fatalf("dpia:\n%s", md)
	}
	// The other kinds keep their defaults.
	if !strings.Contains(md, "## Visit details\n\n- Held: Scrutiny visits, who signed up, what they observed and recorded\n- Purpose: Independent scrutiny of custody, stop and search and use of force\n- Lawful basis: UK GDPR article 6(1)(e) public task\n- Who") {
		t.Fatalf("dpia, other kinds:\n%s", md)
	}
	if evs := a.audits.of(store.AuditBasisChanged); len(evs) != 1 || evs[0].Target != "processing:vetting-data" {
		t.Fatalf("audit: %+v", evs)
	}
	if r := ad.get("/admin/processing/no-such-kind"); r.Status != http.StatusNotFound {
		t.Fatalf("unknown kind: %d", r.Status)
	}
}

// TestDisparityImportRefusalsWithFakes: a force given that disagrees with
// the file name, and an upload of two files one of which is broken, are
// refused (422, the error summary, the typed force kept) before anything
// is stored: neither file is imported.
func TestDisparityImportRefusalsWithFakes(t *testing.T) {
	a, fp := powerFakes(t, nil)
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	aug, sep := "2018-08-dorset-stop-and-search.csv", "2018-09-dorset-stop-and-search.csv"
	// A force given that disagrees with the file name: refused, typed value kept, nothing stored.
	r := coord.upload("/disparity/import", "/disparity/import", "files",
		map[string][]byte{aug: readData(t, aug)}, url.Values{"force": {"wiltshire"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "govuk-error-summary") ||
		!strings.Contains(html.UnescapeString(r.Body), aug+" is named as dorset's data, but you entered wiltshire") || !strings.Contains(r.Body, `value="wiltshire"`) {
		t.Fatalf("force mismatch: %d", r.Status)
	}
	if n := fp.calls("ImportPower"); n != 0 {
		t.Fatalf("a refused upload stored %d files", n)
	}
	// Two files, one broken: neither is stored.
	broken := strings.Replace(string(readData(t, sep)), "Gender", "Sex", 1)
	r = coord.upload("/disparity/import", "/disparity/import", "files", map[string][]byte{aug: readData(t, aug), sep: []byte(broken)}, nil)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, sep+": line 1, column 7") {
		t.Fatalf("one broken file: %d", r.Status)
	}
	if n := fp.calls("ImportPower"); n != 0 {
		t.Fatalf("the good file of a refused upload was stored (%d imports)", n)
	}
}

// TestPanelSampleRefusalsWithFakes: a member may not draw a sample; a
// size out of 1 to 50 or a group not on the list is refused (422) and
// nothing is drawn or committed. (The draw itself, from real records:
// TestPanelSampleDrawnByAChair.)
func TestPanelSampleRefusalsWithFakes(t *testing.T) {
	a, fp := powerFakes(t, func(fp *fakePowers) {
		fp.powerForces = func(string) (map[string]store.PowerIndex, error) {
			return map[string]store.PowerIndex{"dorset": {Kind: store.PowerStopSearch, Force: "dorset", Months: []string{"2019-01"}}}, nil
		}
		fp.powerReport = func(*powers.Dataset, string, string, string, string) (*powers.Report, error) {
			return &powers.Report{}, nil
		}
	})
	chair := a.as(a.newUser(store.RoleChair, "chair@example.org"))
	member := a.as(a.newUser(store.RoleMember, "member@example.org"))

	if r := member.get("/disparity/samples/new"); r.Status != http.StatusForbidden {
		t.Fatalf("member on the sample form: %d, want 403", r.Status)
	}
	form := url.Values{"force": {"dorset"}, "from": {"2019-01"}, "to": {"2019-01"}, "group": {"Black"}, "size": {"0"}}
	if r := chair.submit("/disparity/samples/new", "/disparity/samples/new", form); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "from 1 to 50") {
		t.Fatalf("size 0: %d", r.Status)
	}
	form.Set("group", "Martian")
	form.Set("size", "3")
	if r := chair.submit("/disparity/samples/new", "/disparity/samples/new", form); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("tampered group: %d, want 422", r.Status)
	}
	for _, write := range []string{"DrawSample", "CommitPanelSample", "DrawPanelSample"} {
		if n := fp.calls(write); n != 0 {
			t.Errorf("%s called %d times", write, n)
		}
	}
}

// TestPowerImportRefusalsWithFakes: an unknown activity is not found; a
// member may not import and a coordinator may not see vetting decisions;
// an import with a force police.uk does not name, or a yearly table
// without its year, is refused (422) before the file is read, so nothing
// is imported.
func TestPowerImportRefusalsWithFakes(t *testing.T) {
	a, fp := powerFakes(t, nil)
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	member := a.as(a.newUser(store.RoleMember, "member@example.org"))
	ccu := a.as(a.newUser(store.RoleCCU, "analyst@example.org"))
	good := readData(t, "vehicle-stops-example.csv")

	if r := member.get("/powers/no-such-power"); r.Status != http.StatusNotFound {
		t.Fatalf("unknown activity: %d", r.Status)
	}
	if r := member.get("/powers/vehicle-stops/import"); r.Status != http.StatusForbidden {
		t.Fatalf("member may not import: %d", r.Status)
	}
	if r := coord.upload("/powers/vehicle-stops/import", "/powers/vehicle-stops/import", "file",
		map[string][]byte{"stops.csv": good}, url.Values{"force": {"gotham"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the force") {
		t.Fatalf("unknown force: %d", r.Status)
	}
	file := map[string][]byte{"uof.csv": readData(t, "use-of-force-dorset-2019-20-by-ethnicity-extract.csv")}
	r := coord.upload("/powers/use-of-force/import", "/powers/use-of-force/import", "file", file, url.Values{"force": {"dorset"}, "year": {"2019"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the financial year the file is for") {
		t.Fatalf("no year: %d", r.Status)
	}
	for _, path := range []string{"/vetting", "/vetting/import"} {
		if r := coord.get(path); r.Status != http.StatusForbidden {
			t.Errorf("coordinator %s: %d", path, r.Status)
		}
	}
	vetting := readData(t, "vetting-decisions-example.csv")
	if r := ccu.upload("/vetting/import", "/vetting/import", "file", map[string][]byte{"vetting.csv": vetting}, url.Values{"force": {"gotham"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the force") {
		t.Fatalf("unknown force: %d", r.Status)
	}
	if n := fp.calls("ImportPower"); n != 0 {
		t.Errorf("ImportPower called %d times", n)
	}
}
