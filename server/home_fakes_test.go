package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"candour/store"
)

// fakeHome stands in for the store on the home page (homeStore).
type fakeHome struct {
	fakeReads
	diary              func(userID string) (*store.Diary, error)
	referralCounts     func() (store.RefCounts, error)
	accessReviewFor    func(month string) (*store.AccessReview, error)
	questionsFor       func(partnerID string) ([]store.RefSummary, error)
	recommendations    func() ([]store.RecSummary, error)                                    // counted by store.CountRecs
	findingsCopies     func(groupIDs []string, first, last time.Time) ([]store.Visit, error) // FindingsCounts and VisitCopiesOf
	claimsWaitingCount func() (int, error)
	custodyFollowUps   func() (store.CustodyFollowUp, error)
	expenseYear        func(userID string, start time.Time) (map[string]store.ExpenseYearItem, error)
	schedules          func(ids []string) ([]store.Visit, error)
	visits             func(store.VisitFilter) ([]store.Visit, error)
}

var _ homeStore = (*fakeHome)(nil)

func (f *fakeHome) Diary(_ context.Context, userID string) (*store.Diary, error) {
	return ask(&f.fakeCalls, "Diary", f.diary, userID)
}

func (f *fakeHome) ReferralCounts(context.Context) (store.RefCounts, error) {
	if !f.called("ReferralCounts", f.referralCounts) {
		return store.RefCounts{}, errNoFake
	}
	return f.referralCounts()
}

func (f *fakeHome) AccessReviewFor(_ context.Context, month string) (*store.AccessReview, error) {
	return ask(&f.fakeCalls, "AccessReviewFor", f.accessReviewFor, month)
}

func (f *fakeHome) QuestionsFor(_ context.Context, partnerID string) ([]store.RefSummary, error) {
	return ask(&f.fakeCalls, "QuestionsFor", f.questionsFor, partnerID)
}

func (f *fakeHome) RecommendationCounts(_ context.Context, now time.Time, groups []string) (store.RecCounts, error) {
	if !f.called("RecommendationCounts", f.recommendations) {
		return store.RecCounts{}, errNoFake
	}
	rs, err := f.recommendations()
	return store.CountRecs(rs, now, groups), err
}

// FindingsCounts counts, as the store does, the findings waiting on the
// copies findingsCopies gives.
func (f *fakeHome) FindingsCounts(_ context.Context, groupIDs []string, first, last time.Time) (store.FindingCounts, error) {
	if !f.called("FindingsCounts", f.findingsCopies) {
		return store.FindingCounts{}, errNoFake
	}
	vs, err := f.findingsCopies(groupIDs, first, last)
	return store.CountFindings(vs, groupIDs), err
}

// VisitCopiesOf gives the copies findingsCopies gives: the handler itself
// decides which of them the person went to.
func (f *fakeHome) VisitCopiesOf(_ context.Context, _ string, _, groupIDs []string, first, last time.Time) ([]store.Visit, error) {
	if !f.called("VisitCopiesOf", f.findingsCopies) {
		return nil, errNoFake
	}
	return f.findingsCopies(groupIDs, first, last)
}

func (f *fakeHome) ClaimsWaitingCount(context.Context) (int, error) {
	if !f.called("ClaimsWaitingCount", f.claimsWaitingCount) {
		return 0, errNoFake
	}
	return f.claimsWaitingCount()
}

func (f *fakeHome) CustodyFollowUps(context.Context) (store.CustodyFollowUp, error) {
	if !f.called("CustodyFollowUps", f.custodyFollowUps) {
		return store.CustodyFollowUp{}, errNoFake
	}
	return f.custodyFollowUps()
}

func (f *fakeHome) ExpenseYear(_ context.Context, userID string, start time.Time) (map[string]store.ExpenseYearItem, error) {
	if !f.called("ExpenseYear", f.expenseYear) {
		return nil, errNoFake
	}
	return f.expenseYear(userID, start)
}

func (f *fakeHome) Schedules(_ context.Context, ids []string) ([]store.Visit, error) {
	return ask(&f.fakeCalls, "Schedules", f.schedules, ids)
}

func (f *fakeHome) Visits(_ context.Context, flt store.VisitFilter) ([]store.Visit, error) {
	return ask(&f.fakeCalls, "Visits", f.visits, flt)
}

// homeOnFakes is the home page of u on a fake that answers only what fh
// was given (every role reads its memberships), with the fake's clock at
// now; it returns the page's body.
func homeOnFakes(t *testing.T, u *store.User, now time.Time, give func(fh *fakeHome)) (string, *fakeHome) {
	t.Helper()
	a := newFakeApp(t)
	fh := &fakeHome{fakeReads: fakeReads{fakeCalls: fakeCalls{t: t, now: now}}}
	fh.userMemberships = func(id string) ([]store.Membership, error) {
		if id != u.ID {
			return nil, fmt.Errorf("memberships of %s, want %s", id, u.ID)
		}
		return u.Memberships, nil
	}
	give(fh)
	a.srv.homePage = fh
	r := a.as(u).get("/home")
	wantPage(t, "home", r, http.StatusOK, "")
	return r.Body, fh
}

// TestHomeTasksByRoleWithFakes: each role's home page reads only its own
// role's counts (a count of another role's is left nil in the fake, so
// reading it fails the test) and words them; the windows and the "more
// than three" lines are the handler's own. The journeys that move the
// counts through the real store are TestHomePagesListTheWork and
// TestHomeTasksForClaimsAndCustody; TestHomeRoundTrips counts the store
// commands.
func TestHomeTasksByRoleWithFakes(t *testing.T) {
	// 15 March 2026, noon: last month (for the access review) is February.
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	person := func(role store.Role) *store.User {
		return &store.User{ID: store.NewID(), Email: string(role) + "@example.org", Name: "Test " + string(role), Role: role,
			Status: store.StatusActive, TOTPEnabled: true}
	}
	has := func(t *testing.T, body string, wants ...string) {
		t.Helper()
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("the home page lacks %q", want)
			}
		}
	}
	hasNot := func(t *testing.T, body string, unwanted ...string) {
		t.Helper()
		for _, u := range unwanted {
			if strings.Contains(body, u) {
				t.Errorf("the home page shows %q", u)
			}
		}
	}

	t.Run("CCU analyst", func(t *testing.T) {
		body, _ := homeOnFakes(t, person(store.RoleCCU), now, func(fh *fakeHome) {
			fh.referralCounts = func() (store.RefCounts, error) { return store.RefCounts{ToAssess: 3, Replies: 1}, nil }
		})
		has(t, body, "3 referrals to assess", `href="/ccu?status=`+store.RefReceived+`"`, "1 referral with a new reply to read")
		hasNot(t, body, "access review", "Set up two-factor authentication")
	})

	t.Run("CCU supervisor", func(t *testing.T) {
		body, fh := homeOnFakes(t, person(store.RoleCCUSupervisor), now, func(fh *fakeHome) {
			fh.referralCounts = func() (store.RefCounts, error) { return store.RefCounts{}, nil }
			fh.accessReviewFor = func(month string) (*store.AccessReview, error) {
				if month != "2026-02" {
					t.Errorf("the access review for %q, want 2026-02", month)
				}
				return nil, fmt.Errorf("store: access review: %w", store.ErrNotFound)
			}
		})
		has(t, body, "Sign off the access review for February 2026", `href="/ccu/review?month=2026-02"`)
		hasNot(t, body, "referrals to assess", "referral to assess")
		if n := fh.calls("AccessReviewFor"); n != 1 {
			t.Errorf("%d reads of the access review, want 1", n)
		}
	})

	t.Run("partner worker", func(t *testing.T) {
		u := person(store.RolePartner)
		u.PartnerID = store.NewID()
		body, _ := homeOnFakes(t, u, now, func(fh *fakeHome) {
			fh.questionsFor = func(partnerID string) ([]store.RefSummary, error) {
				if partnerID != u.PartnerID {
					t.Errorf("questions for %q, want the worker's organisation", partnerID)
				}
				return []store.RefSummary{{ID: "ref-7", Ref: "CCU-00007"}}, nil
			}
		})
		has(t, body, "The Counter Corruption Unit asked you a question about CCU-00007.", `href="/referrals/ref-7"`)
	})

	t.Run("coordinator", func(t *testing.T) {
		// By hand: the signed-off visit has 3 findings submitted and 1
		// answered, so 2 to respond to; the visit not signed off counts
		// none. Of the group's three vetting expiries, 10 days ahead is
		// within 30 days, yesterday has expired, 40 days ahead is neither.
		body, _ := homeOnFakes(t, person(store.RoleCoordinator), now, func(fh *fakeHome) {
			// By hand: two due over a day before the fake's clock, one due
			// only today, one implemented.
			fh.recommendations = func() ([]store.RecSummary, error) {
				return []store.RecSummary{{ID: "r1", Status: store.RecInProgress, DueAt: now.AddDate(0, 0, -3)},
					{ID: "r2", Status: store.RecAccepted, DueAt: now.AddDate(0, 0, -2)},
					{ID: "r3", Status: store.RecInProgress, DueAt: now.Add(-time.Hour)},
					{ID: "r4", Status: store.RecImplemented, DueAt: now.AddDate(0, 0, -3)}}, nil
			}
			fh.findingsCopies = func(groupIDs []string, first, last time.Time) ([]store.Visit, error) {
				return []store.Visit{
					{ID: "v1", SignedOff: true, Submitted: []string{"a", "b", "c"}, Answered: []string{"a"}},
					{ID: "v2", Submitted: []string{"d"}},
				}, nil
			}
			fh.groups = func() ([]store.Group, error) {
				return []store.Group{{ID: "g1", Name: "Panel", VettingExpiries: []time.Time{now.AddDate(0, 0, 10), now.AddDate(0, 0, -1), now.AddDate(0, 0, 40)}}}, nil
			}
			fh.claimsWaitingCount = func() (int, error) { return 0, nil }
		})
		has(t, body, "2 recommendations overdue", "2 signed-off findings to respond to",
			"1 member&#39;s vetting expires in the next 30 days", "1 member&#39;s vetting has expired")
		hasNot(t, body, "expenses claim")
	})

	t.Run("scheme manager", func(t *testing.T) {
		body, _ := homeOnFakes(t, person(store.RoleSchemeManager), now, func(fh *fakeHome) {
			fh.custodyFollowUps = func() (store.CustodyFollowUp, error) { return store.CustodyFollowUp{ToRead: 1, ToRaise: 2}, nil }
		})
		has(t, body, "1 custody visit report to read", "2 issues for the inspector to raise with the force")
		hasNot(t, body, "waiting for the force")
	})

	t.Run("member", func(t *testing.T) {
		// The vetting window is counted from the wall clock (home.go), the
		// tasks from the store's: both are about now here.
		now := time.Now().UTC().Truncate(time.Second)
		u := person(store.RoleMember)
		u.TOTPEnabled = false
		g := &store.Group{ID: store.NewID(), Name: "Weymouth IAG"}
		expires := now.AddDate(0, 0, 20)
		u.Memberships = []store.Membership{{GroupID: g.ID, UserID: u.ID, VettingLevel: "NPPV2", VettingExpires: expires}}
		// Four past visits the member was booked on, none written up: more
		// than three, so one line counts them.
		diary := &store.Diary{ID: u.ID, Bookings: map[string]store.Booking{}}
		var past []store.Visit
		for i := range 4 {
			start := now.AddDate(0, 0, -(i + 1))
			v := store.Visit{ID: fmt.Sprintf("v%d", i), GroupID: g.ID, Type: store.VisitStopSearch, Location: "Kings Park", Start: start, End: start.Add(time.Hour)}
			diary.Bookings[v.ID] = store.Booking{Start: v.Start, End: v.End, Status: store.SeatConfirmed}
			past = append(past, v)
		}
		body, fh := homeOnFakes(t, u, now, func(fh *fakeHome) {
			fh.group = func(id string) (*store.Group, error) { return g, nil }
			fh.groups = func() ([]store.Group, error) { return []store.Group{*g}, nil }
			fh.diary = func(string) (*store.Diary, error) { return diary, nil }
			fh.findingsCopies = func(groupIDs []string, first, last time.Time) ([]store.Visit, error) {
				if len(groupIDs) != 1 || groupIDs[0] != g.ID {
					t.Errorf("findings of groups %v, want the member's one", groupIDs)
				}
				return past, nil
			}
			// A claim decided 5 days ago is told; one decided 40 days ago
			// (over the 30-day window) is not.
			fh.expenseYear = func(userID string, start time.Time) (map[string]store.ExpenseYearItem, error) {
				if !start.Equal(store.TaxYearStart(now)) {
					return nil, nil
				}
				return map[string]store.ExpenseYearItem{
					"c1": {Status: store.ClaimApproved, VisitLabel: "Stop and search panel at Kings Park", VisitDate: past[0].Start, DecidedAt: now.AddDate(0, 0, -5)},
					"c2": {Status: store.ClaimRejected, VisitLabel: "Custody visit at Weymouth", VisitDate: past[1].Start, DecidedAt: now.AddDate(0, 0, -40)},
				}, nil
			}
			fh.schedules = func(ids []string) ([]store.Visit, error) { return nil, nil }
			fh.visits = func(store.VisitFilter) ([]store.Visit, error) { return nil, nil }
		})
		has(t, body, "Set up two-factor authentication",
			"Your vetting for Weymouth IAG expires on "+expires.In(london).Format("2 January 2006")+".",
			"4 visits need your findings",
			"Your expenses claim for Stop and search panel at Kings Park on "+past[0].Start.In(london).Format("2 January 2006")+" was approved.")
		hasNot(t, body, "Write up your findings from", "Custody visit at Weymouth", "to sign off", "public wording")
		if n := fh.calls("ExpenseYear"); n != 2 {
			t.Errorf("%d tax years read, want 2 (this one and the one before)", n)
		}
	})

	t.Run("chair", func(t *testing.T) {
		u := person(store.RoleChair)
		g := &store.Group{ID: store.NewID(), Name: "Stop and Search Scrutiny Panel"}
		u.Memberships = []store.Membership{{GroupID: g.ID, UserID: u.ID, Chair: true, VettingLevel: "NPPV2"}}
		body, _ := homeOnFakes(t, u, now, func(fh *fakeHome) {
			fh.group = func(id string) (*store.Group, error) { return g, nil }
			fh.groups = func() ([]store.Group, error) { return []store.Group{*g}, nil }
			fh.diary = func(string) (*store.Diary, error) { return &store.Diary{ID: u.ID}, nil }
			// By hand: 2 findings submitted on a visit of the chaired
			// group not yet signed off; another group's are not theirs.
			fh.findingsCopies = func([]string, time.Time, time.Time) ([]store.Visit, error) {
				return []store.Visit{{ID: "v1", GroupID: g.ID, Start: now.Add(-time.Hour), Submitted: []string{"a", "b"}},
					{ID: "v2", GroupID: "other", Start: now.Add(-time.Hour), Submitted: []string{"c"}}}, nil
			}
			fh.recommendations = func() ([]store.RecSummary, error) {
				return []store.RecSummary{{ID: "r1", GroupID: g.ID, AwaitingChair: true}, {ID: "r2", GroupID: g.ID, Status: store.RecImplemented},
					{ID: "r3", GroupID: "other", Status: store.RecImplemented}}, nil
			}
			fh.expenseYear = func(string, time.Time) (map[string]store.ExpenseYearItem, error) { return nil, nil }
			fh.schedules = func([]string) ([]store.Visit, error) { return nil, nil }
			fh.visits = func(store.VisitFilter) ([]store.Visit, error) { return nil, nil }
		})
		has(t, body, "2 findings to sign off", "1 recommendation&#39;s public wording waits for your agreement",
			"1 recommendation to verify", `href="/recommendations?status=`+store.RecImplemented+`"`)
	})
}
