package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// directory is the people list's copy of the accounts, in memory, sorted
// as the list shows them (by lower-case name, then _id). ListUsers filters
// and pages it without reading the users collection: on the embedded
// server any filtered or sorted read of it decodes every account in Go.
//
// It is kept by the same hook as the session and account copies: a write to
// one account marks that account for a re-read by _id at the next list; a
// write that may touch any (or, on MongoDB, the revocation version moving)
// marks the whole copy, which is then read again in one pass.
type directory struct {
	refresh sync.Mutex // one refresh at a time, so none overwrites a newer one
	mu      sync.Mutex
	loaded  bool
	all     bool            // everything must be read again
	dirty   map[string]bool // accounts to read again by _id
	users   []User          // sorted by nameLower, then _id
	n       uint64          // moves on whenever users is replaced (its load, for byRole)
	byRole  copyIndex[map[Role][]int]
}

// changed marks id (every account when id is "") for a re-read.
func (d *directory) changed(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if id == "" {
		d.all = true
		return
	}
	if d.dirty == nil {
		d.dirty = map[string]bool{}
	}
	d.dirty[id] = true
}

func userOrder(a, b User) int {
	return cmp.Or(cmp.Compare(a.NameLower, b.NameLower), cmp.Compare(a.ID, b.ID))
}

// snapshot brings the copy up to date and returns it (callers must not
// change it).
func (s *Store) directorySnapshot(ctx context.Context) ([]User, error) {
	users, _, _, err := s.directoryRead(ctx, true)
	return users, err
}

// directoryIfCurrent is the copy brought up to date, if that needs no read
// of every account (it was loaded, and since then only known accounts
// changed: each is read again by _id); otherwise it reports false and
// reads nothing.
func (s *Store) directoryIfCurrent(ctx context.Context) ([]User, bool, error) {
	users, _, ok, err := s.directoryRead(ctx, false)
	return users, ok, err
}

// directoryRead brings the copy up to date and returns it with its load's
// number; whole says whether to read every account when that is what it
// takes (not: report false instead).
func (s *Store) directoryRead(ctx context.Context, whole bool) ([]User, uint64, bool, error) {
	d := &s.dir
	if s.docs.remote {
		if err := s.syncRevocations(ctx); err != nil {
			return nil, 0, false, err
		}
	}
	d.refresh.Lock()
	defer d.refresh.Unlock()
	d.mu.Lock()
	full := !d.loaded || d.all
	if full && !whole {
		d.mu.Unlock()
		return nil, 0, false, nil
	}
	dirty := d.dirty
	d.all, d.dirty = false, nil
	users := d.users
	d.mu.Unlock()

	if full {
		var all []User
		cur, err := s.r("users").Find(ctx, bson.D{})
		if err == nil {
			err = cur.All(ctx, &all)
		}
		if err != nil {
			d.changed("") // try again next time
			return nil, 0, false, fmt.Errorf("store: people directory: %w", err)
		}
		slices.SortFunc(all, userOrder)
		users = all
	} else if len(dirty) > 0 {
		users = slices.Clone(users)
		for id := range dirty {
			users = slices.DeleteFunc(users, func(u User) bool { return u.ID == id })
			var u User
			err := s.r("users").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&u)
			if errors.Is(err, mongo.ErrNoDocuments) {
				continue
			}
			if err != nil {
				d.changed("")
				return nil, 0, false, fmt.Errorf("store: people directory: %w", err)
			}
			i, _ := slices.BinarySearchFunc(users, u, userOrder)
			users = slices.Insert(users, i, u)
		}
	}
	d.mu.Lock()
	if full || len(dirty) > 0 {
		d.n++
	}
	d.users, d.loaded = users, true
	n := d.n
	d.mu.Unlock()
	return users, n, true, nil
}

// listUsersFromDirectory is ListUsers on the copy: the same filter (role;
// the search a substring of the lower-case name or of the email), order
// and pages.
//
// A list of one role (the CCU's analysts and supervisors, on every view of a
// referral and every partner referral sent) looks only at that role's
// accounts, by an index of the copy's positions by role built once a load:
// walking every account cost about 0.2 ms of CPU a view at 5,000 accounts.
func (s *Store) listUsersFromDirectory(ctx context.Context, f UserFilter) ([]User, bool, error) {
	all, n, _, err := s.directoryRead(ctx, true)
	if err != nil {
		return nil, false, err
	}
	at := func(yield func(int) bool) { // positions in all to look at, in order
		for i := range all {
			if !yield(i) {
				return
			}
		}
	}
	if f.Role != "" {
		byRole := s.dir.byRole.of(n, func() map[Role][]int {
			ix := map[Role][]int{}
			for i, u := range all {
				ix[u.Role] = append(ix[u.Role], i)
			}
			return ix
		})
		at = slices.Values(byRole[f.Role])
	}
	q := strings.ToLower(strings.TrimSpace(f.Search))
	page := max(f.Page, 1)
	skip := (page - 1) * PageSize
	var out []User
	looked := 0
	defer func() { s.usersLooked.Add(int64(looked)) }()
	for i := range at {
		u := all[i]
		looked++
		if f.Role != "" && u.Role != f.Role || q != "" && !strings.Contains(u.NameLower, q) && !strings.Contains(u.Email, q) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if len(out) == PageSize {
			return out, true, nil
		}
		u.Memberships = slices.Clone(u.Memberships) // the copy's own stays unchanged
		out = append(out, u)
	}
	return out, false, nil
}

// WarmCopies loads the copies that would otherwise be loaded by the first
// request to need them after start-up: the people directory (every account,
// for the people list) and the recommendation summaries (the register, the
// dashboard, the public pages). At 5,000 accounts and as many
// recommendations each load is about a second of CPU, which the first
// person to open those pages after every restart waited for (make bench
// -scale 10 counted it in the single-client run of /admin/people: 15 ms of
// CPU a request against 2.3 ms at 1×, issue 18). And what the powers pages
// read (warmPowers): every force's months of every kind, the index of
// months and the populations; the first /powers after a restart read the
// months of each activity itself, 3.1 s of CPU at 1× and as much at 10×
// (the months do not grow with the people). The portal runs it once after
// start-up in the background, on the jobs' read lane (jobs.Start): each
// instance for itself, as each keeps its own copies.
func (s *Store) WarmCopies(ctx context.Context) error {
	if _, err := s.directorySnapshot(ctx); err != nil {
		return err
	}
	if _, _, err := s.RecommendationsCopy(ctx); err != nil {
		return err
	}
	return s.warmPowers(ctx)
}
