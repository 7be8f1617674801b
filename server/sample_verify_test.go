package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"candour/disparity"
	"candour/store"
)

// TestSampleIsVerifiable: the commitment is published before the draw and
// the seed is not; after the draw the seed is on the page, the SHA-256 of
// the seed and the filter (worked out here, not by Candour) is the
// commitment, and drawing again with the revealed seed gives exactly the
// records the panel got.
func TestSampleIsVerifiable(t *testing.T) {
	a, _, w := powerWorldFakes(t)
	chair := a.as(a.newUser(store.RoleChair, "chair@example.org"))
	coord := a.as(a.newUser(store.RoleCoordinator, "coord@example.org"))
	coord.upload("/disparity/import", "/disparity/import", "files",
		map[string][]byte{"2019-01-dorset-stop-and-search.csv": readData(t, "2019-01-dorset-stop-and-search.csv")}, nil)

	r := chair.submit("/disparity/samples/new", "/disparity/samples/new", url.Values{"force": {"dorset"}, "from": {"2019-01"}, "to": {"2019-01"}, "size": {"10"}})
	if r.Status != 303 {
		t.Fatalf("commit: %d", r.Status)
	}
	sample := r.Location
	id := strings.TrimPrefix(sample, "/disparity/samples/")
	hexRe := regexp.MustCompile(`<code class="app-key">([0-9a-f]{64})</code>`)
	before := chair.get(sample)
	found := hexRe.FindAllStringSubmatch(before.Body, -1)
	if len(found) != 1 || strings.Contains(before.Body, "dorset/2019-01/#") {
		t.Fatalf("before the draw the page should show the commitment alone and no records: %d codes", len(found))
	}
	commitment := found[0][1]
	stored, err := w.panelSample(id)
	if err != nil || stored.Commitment != commitment || !stored.Pending || strings.Contains(before.Body, stored.Seed) {
		t.Fatalf("stored %+v, %v; or the seed is on the page before the draw", stored, err)
	}
	// The commitment is in the audit log before any record is drawn.
	if evs := a.audits.all(); !auditHas(evs, store.AuditSampleCommitted, commitment) || auditHas(evs, store.AuditSampleDrawn, "") {
		t.Error("the audit log does not hold the commitment alone before the draw")
	}

	if r := chair.submit(sample, sample+"/draw", nil); r.Status != 303 || r.Location != sample {
		t.Fatalf("draw: %d to %q", r.Status, r.Location)
	}
	after := chair.get(sample)
	found = hexRe.FindAllStringSubmatch(after.Body, -1)
	if len(found) != 2 || found[0][1] != commitment {
		t.Fatalf("after the draw the page should show the commitment and the seed: %v", found)
	}
	seedHex := found[1][1]
	// Worked out here from the published rule: SHA-256 of the seed, a line
	// break and the filter's seven lines.
	text := seedHex + "\nforce=dorset\nfrom=2019-01\nto=2019-01\nlegislation=\ngroup=\nremoval=false\nsize=10"
	sum := sha256.Sum256([]byte(text))
	if hex.EncodeToString(sum[:]) != commitment {
		t.Fatalf("SHA-256 of the revealed seed and filter is not the commitment")
	}
	seed, err := disparity.ParseSeed(seedHex)
	if err != nil {
		t.Fatal(err)
	}
	again, matching, err := disparity.DrawSample(context.Background(), w, disparity.SampleFilter{Force: "dorset", From: "2019-01", To: "2019-01", Size: 10}, disparity.SeededRand(seed))
	if err != nil || matching != 156 {
		t.Fatalf("redraw: %d matching, %v", matching, err)
	}
	refs := regexp.MustCompile(`(dorset/2019-01/#\d+)<`).FindAllStringSubmatch(after.Body, -1)
	if len(refs) != 10 || len(again) != 10 {
		t.Fatalf("%d records on the page, %d redrawn; want 10", len(refs), len(again))
	}
	for i := range again {
		if refs[i][1] != again[i].Ref {
			t.Errorf("record %d: page %s, redrawn %s", i, refs[i][1], again[i].Ref)
		}
	}
	// Drawing again does not draw anew.
	if r := chair.submit(sample, sample+"/draw", nil); r.Status != 303 {
		t.Fatalf("second draw: %d", r.Status)
	}
	if p, _ := w.panelSample(id); p.Records[0].Ref != again[0].Ref {
		t.Error("a second draw changed the records")
	}
}

func auditHas(evs []store.AuditEvent, action, detail string) bool {
	for _, e := range evs {
		if e.Action == action && strings.Contains(e.Detail, detail) {
			return true
		}
	}
	return false
}
