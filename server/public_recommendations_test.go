package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"candour/config"
	"candour/store"
)

// TestOpenDataJSONIsTheDocumentEncoded: the open data's JSON is put
// together from bytes kept per load of the register (openDataJSON), and its
// shape is promised, so it must be exactly what encoding the whole
// document would give, for no recommendation, one, and two with text that
// JSON escapes (quotes, <, &, a line break, non-ASCII).
func TestOpenDataJSONIsTheDocumentEncoded(t *testing.T) {
	s := &Server{cfg: config.Config{ForceName: `Dorset "Police" <&>`, BaseURL: "https://candour.example"}}
	raised := time.Date(2026, 2, 3, 9, 30, 0, 0, time.UTC)
	rec := func(id, title string, published bool) store.RecSummary {
		return store.RecSummary{ID: id, PublicTitle: title, PublicSummary: "You said <b>this</b> & \"that\"\nand more",
			PublicResponse: "Nous l’avons fait — ✓", Status: store.RecInProgress, Percent: 40, Area: "respected", GroupID: "g1",
			RaisedAt: raised, UpdatedAt: raised.Add(50 * time.Hour), Published: published}
	}
	names := map[string]string{"g1": "Stop & Search Panel"}
	generated := time.Date(2026, 12, 7, 6, 1, 2, 0, time.UTC)
	for _, tc := range []struct {
		name string
		all  []store.RecSummary
		want int // published
	}{
		{"none", nil, 0},
		{"one published of two", []store.RecSummary{rec("b", "Hidden", false), rec("a", "Grounds recorded", true)}, 1},
		{"two", []store.RecSummary{rec("b", "Body-worn video", true), rec("a", "Grounds recorded", true)}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := s.makeOpenData(tc.all, names, "")
			if err != nil {
				t.Fatal(err)
			}
			got, err := openDataJSON(d, s.cfg.ForceName, generated)
			if err != nil {
				t.Fatal(err)
			}
			var recs []publicRec
			for i := range tc.all {
				if tc.all[i].Published {
					recs = append(recs, s.publicOf(&tc.all[i], names))
				}
			}
			if recs == nil {
				recs = []publicRec{}
			}
			want, err := json.MarshalIndent(openDataDoc{Publisher: s.cfg.ForceName, Title: "You said, we did",
				Licence: "Open Government Licence v3.0", Generated: generated, Recommendations: recs}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("open data put together:\n%s\nwant, encoded whole:\n%s", got, want)
			}
			if len(recs) != tc.want {
				t.Fatalf("%d published, want %d", len(recs), tc.want)
			}
		})
	}
}

// TestOpenDataShowsAChangeAtTheNextRequestWithFakes: the JSON and the Atom
// feed are made once per load of the register's copy and kept
// (publishedData), yet a change of progress, a renamed group (which moves
// no recommendation) and taking a recommendation off the public pages each
// show at the very next request, and the ETag moves with them.
func TestOpenDataShowsAChangeAtTheNextRequestWithFakes(t *testing.T) {
	f := newRecFakeFixture(t)
	id := f.raise(t, "Grounds recorded in full")
	publish := func(change func(r *store.Recommendation)) {
		t.Helper()
		r := f.rec(t, id)
		change(r)
		if err := f.w.save(r, r.Version, store.HistoryEntry{At: time.Now(), Kind: store.HistProgress}); err != nil {
			t.Fatal(err)
		}
	}
	publish(func(r *store.Recommendation) {
		r.PublicTitle, r.PublicSummary, r.PublicResponse = "Records give the grounds", "Give the grounds.", "We briefed officers."
		r.ChairAgreed, r.Published, r.Status, r.Percent = true, true, store.RecInProgress, 40
	})
	anon := f.a.client()
	type doc struct {
		Recommendations []publicRec `json:"recommendations"`
	}
	get := func(what string) (doc, string, string) {
		t.Helper()
		r := anon.get("/you-said-we-did.json")
		wantRecStatus(t, r, http.StatusOK, what)
		var d doc
		if err := json.Unmarshal([]byte(r.Body), &d); err != nil {
			t.Fatalf("%s: %v\n%s", what, err, r.Body)
		}
		feed := anon.get("/you-said-we-did.atom")
		wantRecStatus(t, feed, http.StatusOK, what+", the feed")
		return d, r.Header.Get("ETag"), feed.Body
	}
	d, tag, feed := get("first")
	if len(d.Recommendations) != 1 || d.Recommendations[0].Percent != 40 || d.Recommendations[0].Group != "Stop and Search Scrutiny Panel" {
		t.Fatalf("first: %+v", d.Recommendations)
	}
	if !strings.Contains(feed, "Status: In progress") {
		t.Fatalf("the feed lacks the status:\n%s", feed)
	}
	// Nothing changed: the same ETag, and a poll with it is 304.
	if _, again, _ := get("again"); again != tag {
		t.Errorf("ETag %s then %s with nothing changed", tag, again)
	}
	req, _ := http.NewRequest("GET", f.a.http.URL+"/you-said-we-did.json", nil)
	req.Header.Set("If-None-Match", tag)
	if r := anon.do(req); r.Status != http.StatusNotModified {
		t.Errorf("a poll with the ETag: %d, want 304", r.Status)
	}

	// Progress and status: at the next request, in both.
	publish(func(r *store.Recommendation) { r.Percent, r.Status = 100, store.RecImplemented })
	d, tag2, feed := get("after progress")
	if len(d.Recommendations) != 1 || d.Recommendations[0].Percent != 100 || d.Recommendations[0].Status != store.RecImplemented {
		t.Errorf("after progress: %+v", d.Recommendations)
	}
	if !strings.Contains(feed, "Status: Implemented") {
		t.Errorf("the feed does not show the new status:\n%s", feed)
	}
	if tag2 == tag {
		t.Errorf("the ETag did not move with the change")
	}

	// A group renamed: no recommendation changed, the name did.
	f.w.mu.Lock()
	f.w.groups[0].Name = "Stop and Search Panel (renamed)"
	f.w.mu.Unlock()
	if d, tag3, _ := get("after the rename"); len(d.Recommendations) != 1 || d.Recommendations[0].Group != "Stop and Search Panel (renamed)" || tag3 == tag2 {
		t.Errorf("after the rename: %+v (ETag %s, before %s)", d.Recommendations, tag3, tag2)
	}

	// Off the public pages: gone at the next request.
	publish(func(r *store.Recommendation) { r.Published = false })
	if d, _, feed := get("unpublished"); len(d.Recommendations) != 0 || strings.Contains(feed, "Records give the grounds") {
		t.Errorf("unpublished, still in the open data: %+v\n%s", d.Recommendations, feed)
	}
}

// TestOpenDataShowsAChangeAtTheNextRequest is the same on the real store
// (through MONGODB_URI too): the open data is kept by the number of the
// summaries' load (store.RecommendationsCopy), which a change through the
// forms moves on.
func TestOpenDataShowsAChangeAtTheNextRequest(t *testing.T) {
	f := newRecFixture(t)
	id := f.raise(t, "Grounds recorded in full")
	for _, to := range []string{store.RecAwaiting, store.RecAccepted, store.RecInProgress} {
		wantRecStatus(t, f.change(t, f.coord, id, "status", url.Values{"to": {to}}), http.StatusSeeOther, to)
	}
	f.change(t, f.coord, id, "public", url.Values{"publicTitle": {"Records give the grounds"},
		"publicSummary": {"Give the grounds."}, "chairAgreed": {"true"}})
	wantRecStatus(t, f.change(t, f.coord, id, "publish", url.Values{"on": {"true"}}), http.StatusSeeOther, "publish")
	anon := f.a.client()
	percent := func(what string) []int {
		t.Helper()
		r := anon.get("/you-said-we-did.json")
		wantRecStatus(t, r, http.StatusOK, what)
		var d struct {
			Recommendations []publicRec `json:"recommendations"`
		}
		if err := json.Unmarshal([]byte(r.Body), &d); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var out []int
		for _, p := range d.Recommendations {
			out = append(out, p.Percent)
		}
		return out
	}
	if got := percent("published"); len(got) != 1 || got[0] != 0 {
		t.Fatalf("published: percentages %v, want [0]", got)
	}
	wantRecStatus(t, f.change(t, f.coord, id, "progress", url.Values{"progressNote": {"Briefed"}, "percent": {"40"}}), http.StatusSeeOther, "progress")
	if got := percent("after progress"); len(got) != 1 || got[0] != 40 {
		t.Errorf("after progress: percentages %v, want [40]", got)
	}
	wantRecStatus(t, f.change(t, f.coord, id, "publish", url.Values{}), http.StatusSeeOther, "unpublish")
	if got := percent("unpublished"); len(got) != 0 {
		t.Errorf("unpublished: percentages %v, want none", got)
	}
}
