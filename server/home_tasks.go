package server

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

// roleTasks are the work waiting for a person, by role, with counts and
// links: "4 referrals to assess", "2 findings to sign off". Every count
// comes from copies the store keeps in memory or on small documents (the
// referral and recommendation summaries, the calendar's month copies, the
// person's diary, the groups' member summaries), never from a scan: the
// home page is the page people open most.
func (s *Server) roleTasks(c *gin.Context, u *store.User, diary *store.Diary) ([]task, error) {
	ctx := c.Request.Context()
	now := s.homePage.Now()
	switch u.Role {
	case store.RoleCCU:
		return s.ccuTasks(ctx)
	case store.RoleCCUSupervisor:
		ts, err := s.ccuTasks(ctx)
		if err != nil {
			return nil, err
		}
		return s.supervisorTasks(ctx, ts, now)
	case store.RolePartner:
		return s.partnerTasks(ctx, u)
	case store.RoleAdmin, store.RoleCoordinator:
		return s.staffTasks(ctx, now)
	case store.RoleChair, store.RoleMember:
		ts, err := s.memberTasks(ctx, u, diary, now)
		if err != nil {
			return nil, err
		}
		return s.claimTasks(ctx, ts, u, now)
	case store.RoleSchemeManager:
		return s.schemeTasks(ctx)
	}
	return nil, nil
}

// count says "1 referral" or "4 referrals".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func (s *Server) ccuTasks(ctx context.Context) ([]task, error) {
	n, err := s.homePage.ReferralCounts(ctx)
	if err != nil {
		return nil, err
	}
	var ts []task
	if n.ToAssess > 0 {
		ts = append(ts, task{Href: "/ccu?status=" + store.RefReceived, Link: count(n.ToAssess, "referral to assess", "referrals to assess")})
	}
	if n.Replies > 0 {
		ts = append(ts, task{Href: "/ccu", Link: count(n.Replies, "referral with a new reply to read", "referrals with a new reply to read")})
	}
	return ts, nil
}

// supervisorTasks adds, to the unit's tasks, last month's access review
// while it waits to be signed off (one small document read by its id).
func (s *Server) supervisorTasks(ctx context.Context, ts []task, now time.Time) ([]task, error) {
	t := now.In(london)
	last := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, london).AddDate(0, -1, 0)
	month := last.Format("2006-01")
	_, err := s.homePage.AccessReviewFor(ctx, month)
	if apperr.Is(err, apperr.NotFound) {
		return append(ts, task{Href: "/ccu/review?month=" + month, Link: "Sign off the access review for " + last.Format("January 2006")}), nil
	}
	return ts, err
}

func (s *Server) partnerTasks(ctx context.Context, u *store.User) ([]task, error) {
	if u.PartnerID == "" {
		return nil, nil
	}
	qs, err := s.homePage.QuestionsFor(ctx, u.PartnerID)
	if err != nil {
		return nil, err
	}
	var ts []task
	for _, r := range qs {
		ts = append(ts, task{Text: "The Counter Corruption Unit asked you a question about " + r.Ref + ".", Href: "/referrals/" + r.ID, Link: "Read and answer it"})
	}
	return ts, nil
}

// vettingWindow is how far ahead the coordinator is warned of vetting
// that expires.
const vettingWindow = 30 * 24 * time.Hour

func (s *Server) staffTasks(ctx context.Context, now time.Time) ([]task, error) {
	var ts []task
	recs, err := s.homePage.RecommendationCounts(ctx, now, nil)
	if err != nil {
		return nil, err
	}
	if recs.Overdue > 0 {
		ts = append(ts, task{Href: "/recommendations?overdue=true", Link: count(recs.Overdue, "recommendation overdue", "recommendations overdue")})
	}
	// Findings signed off by the chair that the force has not answered:
	// counted beside the calendar's copies of the last year's visits.
	findings, err := s.homePage.FindingsCounts(ctx, nil, now.AddDate(-1, 0, 0), now)
	if err != nil {
		return nil, err
	}
	if findings.ToAnswer > 0 {
		ts = append(ts, task{Href: "/visits?view=past", Link: count(findings.ToAnswer, "signed-off finding to respond to", "signed-off findings to respond to")})
	}
	_, groups, err := groupNamesIn(ctx, s.homePage)
	if err != nil {
		return nil, err
	}
	expiring, lapsed := 0, 0
	for _, g := range groups {
		for _, e := range g.VettingExpiries {
			switch {
			case !now.Before(e):
				lapsed++
			case e.Sub(now) < vettingWindow:
				expiring++
			}
		}
	}
	if expiring > 0 {
		ts = append(ts, task{Href: "/admin/groups", Link: count(expiring, "member's vetting expires in the next 30 days", "members' vetting expires in the next 30 days")})
	}
	if lapsed > 0 {
		ts = append(ts, task{Href: "/admin/groups", Link: count(lapsed, "member's vetting has expired", "members' vetting has expired")})
	}
	// Expenses claims waiting for a decision: one small document by _id.
	claims, err := s.homePage.ClaimsWaitingCount(ctx)
	if err != nil {
		return nil, err
	}
	if claims > 0 {
		ts = append(ts, task{Href: "/expenses/claims", Link: count(claims, "expenses claim waiting for a decision", "expenses claims waiting for a decision")})
	}
	return ts, nil
}

// schemeTasks are the custody visiting scheme manager's: reports not yet
// read, issues not yet raised with the force, and issues raised that wait
// for the force's response (one query over the submitted reports' clear
// fields; nothing sealed is opened).
func (s *Server) schemeTasks(ctx context.Context) ([]task, error) {
	f, err := s.homePage.CustodyFollowUps(ctx)
	if err != nil {
		return nil, err
	}
	var ts []task
	if f.ToRead > 0 {
		ts = append(ts, task{Href: "/custody", Link: count(f.ToRead, "custody visit report to read", "custody visit reports to read")})
	}
	if f.ToRaise > 0 {
		ts = append(ts, task{Href: "/custody", Link: count(f.ToRaise, "issue for the inspector to raise with the force", "issues for the inspector to raise with the force")})
	}
	if f.Awaiting > 0 {
		ts = append(ts, task{Href: "/custody", Link: count(f.Awaiting, "issue waiting for the force's response", "issues waiting for the force's response")})
	}
	return ts, nil
}

// claimDecisionWindow is how long a decision on a person's expenses claim
// stays on their home page.
const claimDecisionWindow = 30 * 24 * time.Hour

// claimTasks tell a member or chair what was decided on their expenses
// claims in the last 30 days, from their tax year's document (read by _id;
// the year before too, for visits before 6 April decided after it).
func (s *Server) claimTasks(ctx context.Context, ts []task, u *store.User, now time.Time) ([]task, error) {
	this := store.TaxYearStart(now)
	type decided struct {
		store.ExpenseYearItem
		id string
	}
	var list []decided
	for _, start := range []time.Time{this.AddDate(-1, 0, 0), this} {
		year, err := s.homePage.ExpenseYear(ctx, u.ID, start)
		if err != nil {
			return nil, err
		}
		for id, it := range year {
			if it.Status != store.ClaimWaiting && !it.DecidedAt.IsZero() && now.Sub(it.DecidedAt) < claimDecisionWindow {
				list = append(list, decided{it, id})
			}
		}
	}
	slices.SortFunc(list, func(a, b decided) int { return cmp.Or(b.DecidedAt.Compare(a.DecidedAt), cmp.Compare(a.id, b.id)) })
	if len(list) > maxFindingTasks {
		return append(ts, task{Href: "/expenses", Link: count(len(list), "expenses claim decided in the last 30 days", "expenses claims decided in the last 30 days")}), nil
	}
	for _, d := range list {
		what := "was approved."
		if d.Status == store.ClaimRejected {
			what = "was not approved."
		}
		ts = append(ts, task{Text: "Your expenses claim for " + d.VisitLabel + " on " + d.VisitDate.In(london).Format("2 January 2006") + " " + what,
			Href: "/expenses", Link: "See your claims"})
	}
	return ts, nil
}

// maxFindingTasks is how many visits are named one by one on the home
// page as needing the reader's findings; more are counted in one line.
const maxFindingTasks = 3

func (s *Server) memberTasks(ctx context.Context, u *store.User, diary *store.Diary, now time.Time) ([]task, error) {
	var ts, write []task
	chaired := chairedGroups(u)
	first := now.AddDate(-1, 0, 0)
	// Only the visits the member can have gone to (booked in their diary,
	// or paired on an unannounced one), not every visit of their groups.
	vs, err := s.homePage.VisitCopiesOf(ctx, u.ID, slices.Collect(maps.Keys(diary.Bookings)), visitGroupIDs(u), first, now)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		b, booked := diary.Bookings[v.ID]
		went := (booked && (b.Status == store.SeatConfirmed || b.Status == store.SeatPlanned)) || v.Attending(u.ID)
		if went && v.Past(now) && !v.HasSubmitted(u.ID) && !v.SignedOff {
			write = append(write, task{Text: "Write up your findings from " + lowerFirst(words.VisitType(v.Type)) + " at " + v.Location + ".",
				Href: "/visits/" + v.ID + "/findings", Link: "Write up your findings"})
		}
	}
	if len(write) > maxFindingTasks {
		write = []task{{Href: "/visits?view=past", Link: count(len(write), "visit needs your findings", "visits need your findings")}}
	}
	ts = append(ts, write...)
	if len(chaired) > 0 {
		ids := make([]string, 0, len(chaired))
		for id := range chaired {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		findings, err := s.homePage.FindingsCounts(ctx, ids, first, now)
		if err != nil {
			return nil, err
		}
		if findings.ToSignOff > 0 {
			ts = append(ts, task{Href: "/visits?view=past", Link: count(findings.ToSignOff, "finding to sign off", "findings to sign off")})
		}
		recs, err := s.homePage.RecommendationCounts(ctx, now, ids)
		if err != nil {
			return nil, err
		}
		wording, verify := recs.AwaitingChair, recs.ToVerify
		if wording > 0 {
			ts = append(ts, task{Href: "/recommendations", Link: count(wording, "recommendation's public wording waits for your agreement", "recommendations' public wording waits for your agreement")})
		}
		if verify > 0 {
			ts = append(ts, task{Href: "/recommendations?status=" + store.RecImplemented, Link: count(verify, "recommendation to verify", "recommendations to verify")})
		}
	}
	return ts, nil
}
