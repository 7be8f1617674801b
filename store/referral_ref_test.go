package store_test

import (
	"context"
	"regexp"
	"testing"

	"candour/store"
	"candour/store/storetest"
)

// TestAnonymousReportReferenceDoesNotDateIt: an anonymous report keeps its
// time only to the day, so its reference must not be the next number of the
// counter that partner referrals (whose times are exact) also draw from:
// "between CCU-00001 at 10:32 and CCU-00003 at 10:47" would date it.
func TestAnonymousReportReferenceDoesNotDateIt(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	var refs []string
	for i, kind := range []string{store.KindPartner, store.KindAnonymous, store.KindPartner} {
		n := store.NewReferral{Kind: kind, PartnerID: "p", Content: sampleContent("REF")}
		if kind == store.KindAnonymous {
			n = store.NewReferral{Kind: kind, ID: "anon-ref", Content: sampleContent("REF")}
		}
		r, err := s.CreateReferral(ctx, n)
		if err != nil {
			t.Fatalf("referral %d: %v", i, err)
		}
		refs = append(refs, r.Ref)
	}
	if refs[0] != "CCU-00001" || refs[2] != "CCU-00002" {
		t.Errorf("partner references %q and %q: the anonymous report took a number between them", refs[0], refs[2])
	}
	if !regexp.MustCompile(`^CCU-A[A-Z2-9]{6}$`).MatchString(refs[1]) {
		t.Errorf("anonymous reference %q is not a random CCU-A reference", refs[1])
	}
}
