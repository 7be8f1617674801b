package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"candour/config"
	"candour/server"
	"candour/store"
)

// TestSeedVisits: the demo calendar has visits of every kind to come,
// panel sessions with reviewed records, a full visit with a waiting list,
// and next quarter's unannounced pairs.
func TestSeedVisits(t *testing.T) {
	db, _, cfg := seeded(t)
	ctx := context.Background()
	vs, err := db.AllVisits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kinds, unannounced, waiting, future := map[string]bool{}, 0, 0, 0
	for _, v := range vs {
		kinds[v.Type] = true
		if v.Unannounced {
			unannounced++
		}
		waiting += len(v.Waiting)
		if !v.Past(db.Now()) {
			future++
		}
		if v.SeatsTaken > v.Capacity || v.SeatsTaken != len(v.Attendees) {
			t.Errorf("visit %s at %s: %d seats taken, %d attendees, capacity %d", v.ID, v.Location, v.SeatsTaken, len(v.Attendees), v.Capacity)
		}
	}
	if len(kinds) != len(store.VisitTypes)-1 || unannounced == 0 || waiting == 0 || future < 7 {
		t.Fatalf("demo calendar: %d kinds, %d unannounced, %d waiting, %d to come", len(kinds), unannounced, waiting, future)
	}
	// Next quarter's pairs are a committed draw: the SHA-256 of the seed,
	// a line break and the inputs is the commitment on the plan.
	groups, _ := db.Groups(ctx)
	var rap string
	for _, g := range groups {
		if g.Name == "Police Race Action Plan Group" {
			rap = g.ID
		}
	}
	plan, err := db.VisitPlanByID(ctx, rap+"/"+store.QuarterOf(db.Now().AddDate(0, 3, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256([]byte(plan.Seed + "\n" + plan.Inputs)); plan.Seed == "" || plan.Inputs == "" || plan.Commitment != hex.EncodeToString(sum[:]) || len(plan.Pairs) == 0 {
		t.Fatalf("the demo plan is not a committed draw: commitment %q, %d pairs", plan.Commitment, len(plan.Pairs))
	}
	// Expenses: one approved claim (37 miles x 45p = £16.65, parking
	// £4.50: £21.15) and one waiting (a £6.40 bus fare).
	approved, _ := db.ClaimsWithStatus(ctx, store.ClaimApproved)
	waitingClaims, _ := db.ClaimsWithStatus(ctx, store.ClaimWaiting)
	if len(approved) != 1 || approved[0].TotalPence() != 2115 || len(waitingClaims) != 1 || waitingClaims[0].TotalPence() != 640 {
		t.Fatalf("demo claims: approved %+v, waiting %+v", approved, waitingClaims)
	}
	records := 0
	for _, g := range groups {
		tally, err := db.PanelTallyOf(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range tally.Months {
			records += c.Records
		}
	}
	if records < 20 {
		t.Fatalf("%d reviewed records submitted, want at least 20", records)
	}
	// The past use-of-force session: 2 reviewers of 4 uses of force each,
	// counted apart from the searches, and a viewing log of 8 entries.
	forceRecords, logged := 0, 0
	for _, g := range groups {
		tally, _ := db.PanelTallyOf(ctx, g.ID)
		for _, c := range tally.ForceMonths {
			forceRecords += c.Records
		}
	}
	for _, v := range vs {
		if v.Type == store.VisitUseOfForce {
			es, err := db.BWVViewings(ctx, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			logged += len(es)
		}
	}
	if forceRecords != 8 || logged != 8 {
		t.Fatalf("%d uses of force reviewed and %d viewings logged, want 8 and 8", forceRecords, logged)
	}
	// Training: everyone in the Race Action Plan Group has an induction
	// record; exactly one has lapsed.
	lapsed := 0
	for _, g := range groups {
		if g.Name != "Police Race Action Plan Group" {
			continue
		}
		ms, _ := db.GroupMembers(ctx, g.ID)
		for _, m := range ms {
			tr, err := db.TrainingOf(ctx, m.UserID)
			if err != nil {
				t.Fatal(err)
			}
			r, ok := tr.Records["custody-induction"]
			if !ok {
				t.Errorf("%s has no induction record", m.UserID)
			} else if r.Lapsed(db.Now()) {
				lapsed++
			}
		}
	}
	if lapsed != 1 {
		t.Errorf("%d lapsed inductions, want 1", lapsed)
	}
	walkDemoVisits(t, cfg, db, vs)
}

// walkDemoVisits signs in as the demo chair, member and coordinator and
// opens every visit page and the calendar, trends and plan pages on the
// demo data: none may fail.
func walkDemoVisits(t *testing.T, cfg config.Config, db *store.Store, vs []store.Visit) {
	t.Helper()
	srv, err := server.New(cfg, db, slog.New(slog.DiscardHandler), []byte(strings.Repeat("d", 32)), server.Options{SignInsPerMinute: 1000})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	for _, email := range []string{"chair@candour.example", "member@candour.example", "coordinator@candour.example"} {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		get := func(path string) (int, string) {
			res, err := c.Get(hs.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		_, page := get("/sign-in")
		m := csrf.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no csrf token on the sign-in page")
		}
		res, err := c.PostForm(hs.URL+"/sign-in", url.Values{"email": {email}, "password": {Password}, "csrf_token": {m[1]}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.Request.URL.Path != "/home" {
			t.Fatalf("%s did not sign in: on %s", email, res.Request.URL.Path)
		}
		paths := []string{"/home", "/visits", "/visits?view=list", "/visits/trends", "/visits/feed"}
		if email == "chair@candour.example" {
			paths = append(paths, "/visits/plan")
		}
		if email == "coordinator@candour.example" {
			paths = append(paths, "/expenses/claims", "/expenses/export.csv")
		} else {
			paths = append(paths, "/expenses")
		}
		for _, v := range vs {
			paths = append(paths, "/visits/"+v.ID)
			if store.ReviewsRecords(v.Type) && email == "coordinator@candour.example" {
				paths = append(paths, "/visits/"+v.ID+"/bwv")
			}
		}
		seen := 0
		for _, p := range paths {
			status, body := get(p)
			if status >= 500 || (status != 200 && status != 404) {
				t.Errorf("%s: GET %s = %d\n%.300s", email, p, status, body)
			}
			if status == 200 && strings.HasPrefix(p, "/visits/") && len(p) == len("/visits/")+24 {
				seen++
			}
		}
		if seen < 5 {
			t.Errorf("%s saw only %d visit pages", email, seen)
		}
	}
}
