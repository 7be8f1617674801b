package store

import (
	"cmp"
	"context"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Every group by name is read by most pages (the group names beside
// visits, recommendations and advice; the groups list; a member's home):
// ten documents, but each carries its members' vetting expiries, and the
// embedded server decodes them all in Go on every find (3.5 ms of the
// member home's 3.6 ms in make bench, 6 December 2026). On the embedded
// server, where every write goes through the writer (copies.go), the list
// is kept in memory (Store.groupsAll) and dropped by any write to groups;
// on MongoDB it is a query, as before.
//
// The memberships are copied onto each account (syncUserMemberships: the
// home page reads one account, not the memberships collection by user) and
// summarised on each group (syncGroupSummary: the groups list reads only the
// groups). Both follow every membership change; repairGroupCopies puts right
// what a crash between a change and its copies left behind.

// repairGroupCopies reads every membership once and rewrites the group
// summaries and account copies that disagree with them. It returns how
// many it rewrote.
func (s *Store) repairGroupCopies(ctx context.Context) (int, error) {
	all, err := s.memberships(ctx, bson.D{})
	if err != nil {
		return 0, err
	}
	byGroup, byUser := map[string][]Membership{}, map[string][]Membership{}
	for _, m := range all {
		byGroup[m.GroupID] = append(byGroup[m.GroupID], m)
		byUser[m.UserID] = append(byUser[m.UserID], m)
	}
	users, err := s.directorySnapshot(ctx)
	if err != nil {
		return 0, err
	}
	names := make(map[string]string, len(users))
	n := 0
	for _, u := range users {
		names[u.ID] = u.Name
		if !sameMemberships(u.Memberships, byUser[u.ID]) {
			if err := s.syncUserMemberships(ctx, u.ID); err != nil {
				return n, err
			}
			n++
		}
	}
	groups, err := s.Groups(ctx)
	if err != nil {
		return n, err
	}
	for _, g := range groups {
		ms := byGroup[g.ID]
		chairs := []string{}
		for _, m := range ms {
			if name, ok := names[m.UserID]; ok && m.Chair {
				chairs = append(chairs, name)
			}
		}
		slices.Sort(chairs)
		if g.MemberCount != len(ms) || !slices.Equal(g.ChairNames, chairs) {
			if err := s.syncGroupSummary(ctx, g.ID); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// sameMemberships compares an account's copy with the memberships, in any
// order (times to the millisecond, as stored).
func sameMemberships(copied, real []Membership) bool {
	if len(copied) != len(real) {
		return false
	}
	norm := func(ms []Membership) []Membership {
		out := slices.Clone(ms)
		for i := range out {
			out[i].JoinedAt = out[i].JoinedAt.UTC().Truncate(time.Millisecond)
			out[i].VettingExpires = out[i].VettingExpires.UTC().Truncate(time.Millisecond)
		}
		slices.SortFunc(out, func(a, b Membership) int { return cmp.Compare(a.ID, b.ID) })
		return out
	}
	a, b := norm(copied), norm(real)
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
