package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/store"
	"candour/store/storetest"
)

func TestUsersByEmail(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })

	u := &store.User{Email: " Ann@Example.org ", Name: "Ann", Role: store.RoleMember}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, &store.User{Email: "ann@example.org", Name: "Ann 2", Role: store.RoleMember}); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("duplicate email: err=%v, want ErrDuplicate", err)
	}
	got, err := s.UserByEmail(ctx, "ANN@example.org")
	if err != nil || got.ID != u.ID {
		t.Fatalf("UserByEmail = %v, %v", got, err)
	}
}

func TestTokenSingleUseUnderConcurrency(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	secret, err := s.CreateToken(ctx, store.TokenInvitation, "u1", "admin", store.InvitationLife)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.UseToken(ctx, store.TokenInvitation, secret); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("token used %d times, want 1", wins)
	}
	if _, err := s.UseToken(ctx, store.TokenPasswordReset, "nonsense"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown token: err=%v", err)
	}
	later := time.Now().Add(8 * 24 * time.Hour)
	secret2, _ := s.CreateToken(ctx, store.TokenInvitation, "u2", "admin", store.InvitationLife)
	s.SetClock(func() time.Time { return later })
	if _, err := s.UseToken(ctx, store.TokenInvitation, secret2); !errors.Is(err, store.ErrExpired) {
		t.Fatalf("8-day-old invitation: err=%v, want ErrExpired", err)
	}
}

func TestAuditChainDetectsTampering(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Audit(ctx, store.AuditEvent{Actor: "a@example.org", Action: store.AuditSignIn, Detail: string(rune('a' + i))}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	brk, n, err := s.VerifyAudit(ctx)
	if err != nil || brk != nil || n != 20 {
		t.Fatalf("VerifyAudit = %+v, %d, %v; want intact chain of 20", brk, n, err)
	}
	evs, more, err := s.ListAudit(ctx, store.AuditFilter{})
	if err != nil || more || len(evs) != 20 || evs[0].Seq != 20 {
		t.Fatalf("ListAudit: %d events, more=%v, err=%v", len(evs), more, err)
	}
	if err := s.TamperAuditForTest(ctx, 7); err != nil {
		t.Fatal(err)
	}
	brk, _, err = s.VerifyAudit(ctx)
	if err != nil || brk == nil || brk.Seq != 7 {
		t.Fatalf("after editing event 7: break=%+v err=%v, want break at 7", brk, err)
	}
}

func TestMembershipsAreCopiedOntoTheAccount(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	u := &store.User{Email: "m@example.org", Name: "M", Role: store.RoleMember}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	expires := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, g := range []string{"g1", "g2"} {
		if err := s.PutMembership(ctx, &store.Membership{GroupID: g, UserID: u.ID, VettingLevel: "NPPV2", VettingExpires: expires}); err != nil {
			t.Fatal(err)
		}
	}
	// Changing one membership replaces it in the copy, never doubles it.
	if err := s.PutMembership(ctx, &store.Membership{GroupID: "g1", UserID: u.ID, Chair: true, VettingLevel: "NPPV3"}); err != nil {
		t.Fatal(err)
	}
	ms, err := s.UserMemberships(ctx, u.ID)
	if err != nil || len(ms) != 2 {
		t.Fatalf("UserMemberships = %+v, %v; want 2", ms, err)
	}
	for _, m := range ms {
		if m.GroupID == "g1" && (!m.Chair || m.VettingLevel != "NPPV3") {
			t.Errorf("g1 copy not updated: %+v", m)
		}
	}
	if err := s.RemoveMembership(ctx, "g2", u.ID); err != nil {
		t.Fatal(err)
	}
	if ms, _ := s.UserMemberships(ctx, u.ID); len(ms) != 1 || ms[0].GroupID != "g1" {
		t.Fatalf("after removal: %+v", ms)
	}
}

func TestGroupKeepsItsMemberCountAndChairs(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	g := &store.Group{Name: "Dorset Rural IAG", Kind: store.GroupIAG}
	if err := s.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, n := range []string{"Grace Mensah", "Daniel Clarke", "Aisha Khan"} {
		u := &store.User{Email: strings.ReplaceAll(strings.ToLower(n), " ", ".") + "@example.org", Name: n, Role: store.RoleMember}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
		if err := s.PutMembership(ctx, &store.Membership{GroupID: g.ID, UserID: u.ID, Chair: n == "Grace Mensah", VettingLevel: "none"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RemoveMembership(ctx, g.ID, ids[2]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateUser(ctx, ids[0], store.UserUpdate{Name: "Grace Mensah-Owusu", Role: store.RoleChair, Status: store.StatusActive}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Group(ctx, g.ID)
	if got.MemberCount != 2 || len(got.ChairNames) != 1 || got.ChairNames[0] != "Grace Mensah-Owusu" {
		t.Fatalf("group summary = %d members, chairs %v; want 2 and [Grace Mensah-Owusu]", got.MemberCount, got.ChairNames)
	}
}

func TestOldSentMailIsDeletedAndPendingMailKept(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	for _, to := range []string{"sent@example.org", "pending@example.org"} {
		if err := s.QueueMail(ctx, to, "Subject", "Body"); err != nil {
			t.Fatal(err)
		}
	}
	due, _ := s.DueMail(ctx, 10)
	for _, m := range due {
		if m.To == "sent@example.org" {
			_ = s.MarkMailSent(ctx, m.ID)
		}
	}
	now = now.Add(store.MailKeptFor - time.Hour)
	if n, err := s.DeleteOldMail(ctx); err != nil || n != 0 {
		t.Fatalf("before 30 days: deleted %d (%v)", n, err)
	}
	now = now.Add(2 * time.Hour)
	if n, err := s.DeleteOldMail(ctx); err != nil || n != 1 {
		t.Fatalf("after 30 days: deleted %d (%v), want 1", n, err)
	}
	left, _ := s.RecentMail(ctx, 10)
	if len(left) != 1 || left[0].To != "pending@example.org" {
		t.Fatalf("left in the outbox: %+v", left)
	}
}
