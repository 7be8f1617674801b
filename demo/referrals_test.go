package demo

import (
	"context"
	"strings"
	"testing"

	"candour/config"
	"candour/store"
	"candour/store/storetest"
)

// TestSeedReferrals: the demo has referrals and reports across statuses,
// one linked pair, and a receipt that opens its report.
func TestSeedReferrals(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	partners, err := seedPartners(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	demo := map[string]*store.User{}
	for _, u := range []*store.User{
		{Email: "ccu@candour.example", Name: "Sam Okafor", Role: store.RoleCCU},
		{Email: "partner@candour.example", Name: "Jo Whitfield", Role: store.RolePartner, PartnerID: partners["Purbeck Domestic Abuse Service"]},
		{Email: "helen.carter@bcp-council.example", Name: "Helen Carter", Role: store.RolePartner, PartnerID: partners["BCP Council Safeguarding Adults Team"]},
	} {
		u.Status = store.StatusActive
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		demo[u.Email] = u
	}
	cfg := config.Config{ArgonTime: 1, ArgonMemoryKiB: 64}
	logins, err := seedReferrals(ctx, db, cfg, partners, demo)
	if err != nil {
		t.Fatal(err)
	}
	rs, _, err := db.ListReferrals(ctx, store.ReferralFilter{})
	if err != nil {
		t.Fatal(err)
	}
	statuses, kinds, linked := map[string]int{}, map[string]int{}, 0
	for _, r := range rs {
		statuses[r.Status]++
		kinds[r.Kind]++
		full, err := db.Referral(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		linked += len(full.Links)
	}
	if len(rs) != len(demoReferrals) || kinds[store.KindAnonymous] != 3 || len(statuses) < 4 || linked != 2 {
		t.Fatalf("%d referrals, kinds %v, statuses %v, %d link ends", len(rs), kinds, statuses, linked)
	}
	if len(logins) != 1 || !strings.Contains(logins[0].Note, "receipt ") {
		t.Fatalf("logins = %+v", logins)
	}
	code := strings.ReplaceAll(strings.TrimPrefix(logins[0].Note, "anonymous report receipt "), " ", "")
	r, err := db.Referral(ctx, db.Sealer().Receipt(code))
	if err != nil || r.Kind != store.KindAnonymous || len(r.Links) != 1 {
		t.Fatalf("the printed receipt opens %+v (%v)", r, err)
	}
}
