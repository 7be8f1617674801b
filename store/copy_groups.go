package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
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
//
// It holds the memberships (a few hundred bytes each) but never the
// accounts: they come from a cursor a batch at a time, and only the
// chairs' names are kept. (It read the people list's copy of every
// account, which then stayed in memory, and the embedded engine decoded
// every membership and account into one reply: 117 MB idle at ten times
// a year's data, issue 18.)
func (s *Store) repairGroupCopies(ctx context.Context) (int, error) {
	byGroup, byUser := map[string][]Membership{}, map[string][]Membership{}
	err := eachDoc(ctx, s, "memberships", bson.D{}, nil, func(m *Membership) error {
		byGroup[m.GroupID] = append(byGroup[m.GroupID], *m)
		byUser[m.UserID] = append(byUser[m.UserID], *m)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: memberships: %w", err)
	}
	names := map[string]string{} // the chairs'
	n := 0
	err = eachDoc(ctx, s, "users", bson.D{}, bson.D{{Key: "name", Value: 1}, {Key: "memberships", Value: 1}}, func(u *User) error {
		ms := byUser[u.ID]
		if slices.ContainsFunc(ms, func(m Membership) bool { return m.Chair }) {
			names[u.ID] = u.Name
		}
		if sameMemberships(u.Memberships, ms) {
			return nil
		}
		if err := s.syncUserMemberships(ctx, u.ID); err != nil {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("store: repair memberships on accounts: %w", err)
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

// eachDoc calls fn with every document of coll that matches filter (only
// the fields of projection, and _id, when it is not nil), in no order, a batch of
// repairBatch at a time: a repair that reads a whole collection never has
// it decoded at once, neither here nor in the embedded engine (a sort, or
// a cursor without a batch size, makes it build one reply of every
// document). fn must not keep the pointer it is given.
func eachDoc[T any](ctx context.Context, s *Store, coll string, filter, projection bson.D, fn func(*T) error) error {
	opts := options.Find().SetBatchSize(repairBatch)
	if projection != nil {
		opts.SetProjection(projection)
	}
	cur, err := s.r(coll).Find(ctx, filter, opts)
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc T
		if err := cur.Decode(&doc); err != nil {
			return err
		}
		if err := fn(&doc); err != nil {
			return err
		}
	}
	return cur.Err()
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
