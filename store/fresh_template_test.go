package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// layout lists what a store's database holds: each collection with its
// indexes (name and keys) and its number of documents, one line each,
// sorted. Two fresh stores must give the same lines.
func layout(t *testing.T, s *Store) []string {
	t.Helper()
	ctx := context.Background()
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, n := range names {
		specs, err := s.db.Collection(n).Indexes().ListSpecifications(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ixs []string
		for _, sp := range specs {
			ixs = append(ixs, sp.Name+"="+sp.KeysDocument.String())
		}
		slices.Sort(ixs)
		count, err := s.db.Collection(n).CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, fmt.Sprintf("%s: %d documents; indexes %s", n, count, strings.Join(ixs, ", ")))
	}
	slices.Sort(lines)
	return lines
}

// TestPrepareFreshIsAFreshStore checks that a store opened on a copied
// fresh database (what storetest and openTestAny give every test) holds
// what a store opened on an empty directory holds: the same collections,
// indexes and documents (the migrations' records and the released
// migration lease), and that each copy is its own: a user created on one
// is not on the next.
func TestPrepareFreshIsAFreshStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	made, err := Open(ctx, Options{DataDir: t.TempDir(), Database: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = made.Close(ctx) })
	want := layout(t, made)
	if len(want) < 10 {
		t.Fatalf("a fresh store has %d collections, want at least 10: %q", len(want), want)
	}

	copied := openTestAny(t)
	if copied.embedded == nil {
		t.Skip("MONGODB_URI is set: no copy is made")
	}
	if got := layout(t, copied); !slices.Equal(got, want) {
		t.Errorf("a store on the copy:\n%s\nwant, as a store made from nothing:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if err := copied.CreateUser(ctx, &User{Email: "copy@example.org", Name: "Copy", Role: RoleMember, Status: StatusActive}); err != nil {
		t.Fatal(err)
	}
	next := openTestAny(t)
	if got := layout(t, next); !slices.Equal(got, want) {
		t.Errorf("the next copy, after a user was created on the first:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestPrepareSeededCopiesTheSeed: a store on a seeded copy holds what the
// seed wrote, the seed runs once however many copies are made, and each
// copy is its own: what a test writes to one is not in the next.
func TestPrepareSeededCopiesTheSeed(t *testing.T) {
	t.Parallel()
	if os.Getenv("MONGODB_URI") != "" {
		t.Skip("MONGODB_URI is set: no copy is made")
	}
	ctx := context.Background()
	var seeds atomic.Int32
	seed := func(ctx context.Context, s *Store) error {
		seeds.Add(1)
		return s.CreateUser(ctx, &User{Email: "seeded@example.org", Name: "Seeded", Role: RoleMember, Status: StatusActive})
	}
	open := func() *Store {
		t.Helper()
		dir := t.TempDir()
		if err := PrepareSeeded(ctx, dir, "test", t.Name(), seed); err != nil {
			t.Fatal(err)
		}
		s, err := Open(ctx, Options{DataDir: dir, Database: "test"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close(ctx) })
		return s
	}
	first := open()
	if _, err := first.UserByEmail(ctx, "seeded@example.org"); err != nil {
		t.Fatalf("the seeded user on the first copy: %v", err)
	}
	if err := first.CreateUser(ctx, &User{Email: "first@example.org", Name: "First", Role: RoleMember, Status: StatusActive}); err != nil {
		t.Fatal(err)
	}
	next := open()
	if _, err := next.UserByEmail(ctx, "seeded@example.org"); err != nil {
		t.Fatalf("the seeded user on the next copy: %v", err)
	}
	if _, err := next.UserByEmail(ctx, "first@example.org"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a user created on the first copy, read on the next: %v, want ErrNotFound", err)
	}
	if got := seeds.Load(); got != 1 {
		t.Errorf("seeded %d times for two copies, want once", got)
	}
}
