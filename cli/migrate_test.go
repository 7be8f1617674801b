package cli

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/FerretDB/FerretDB/ferretdb"

	"candour/store"
	"candour/store/storetest"
)

// TestHelperDevStore is not a test: run by startDevStore as a separate
// process, it serves an embedded store (FerretDB on SQLite) on a TCP port
// of the loopback address, prints its URI and stops when its standard
// input closes.
func TestHelperDevStore(t *testing.T) {
	dir := os.Getenv("CANDOUR_TEST_DEVSTORE")
	if dir == "" {
		t.Skip("helper process for TestMigrateToMongo")
	}
	f, err := ferretdb.New(&ferretdb.Config{Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"}, Handler: "sqlite",
		SQLiteURL: "file:" + dir + "/", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = f.Run(ctx) }()
	os.Stdout.WriteString("URI=" + f.MongoDBURI() + "\n")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the test closes stdin
	cancel()
	<-done
}

// startDevStore starts TestHelperDevStore as a separate process and returns
// its MongoDB URI; the process ends with the test.
func startDevStore(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDevStore$")
	cmd.Env = append(os.Environ(), "CANDOUR_TEST_DEVSTORE="+t.TempDir())
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if uri, ok := strings.CutPrefix(sc.Text(), "URI="); ok {
			go func() {
				for sc.Scan() {
				}
			}()
			return uri
		}
	}
	t.Fatal("the store process printed no URI")
	return ""
}

// TestMigrateToMongo copies an embedded pilot (3 accounts, a group with a
// member, a sealed referral with a message, 4 audit events) into a MongoDB-compatible server in another
// process over TCP; the counts match, the audit chain verifies to the same
// head plus the migration's own event, sealed content still opens with the
// same keys, and a second run into the now non-empty database is refused.
func TestMigrateToMongo(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src, err := store.Open(ctx, store.Options{DataDir: dir, Database: "candour"})
	if err != nil {
		t.Fatal(err)
	}
	sl := storetest.Sealer(t)
	src.SetSealer(sl)
	for _, e := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		u := &store.User{Email: e, Name: e, Role: store.RoleMember, Status: store.StatusActive}
		if err := src.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := src.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditUserCreated, Target: "user:" + u.ID}); err != nil {
			t.Fatal(err)
		}
	}
	g := &store.Group{Name: "Weymouth IAG", Kind: "iag"}
	if err := src.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	a, _ := src.UserByEmail(ctx, "a@example.org")
	if err := src.PutMembership(ctx, &store.Membership{GroupID: g.ID, UserID: a.ID, VettingLevel: "none"}); err != nil {
		t.Fatal(err)
	}
	r, err := src.CreateReferral(ctx, store.NewReferral{Kind: store.KindPartner, PartnerID: "p1",
		Content: store.ReferralContent{Category: "sexual-purpose", WhatHappened: "sealed before the move"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.AddRefMessage(ctx, r.ID, store.FromPartner, "", "a message"); err != nil {
		t.Fatal(err)
	}
	if err := src.Audit(ctx, store.AuditEvent{Actor: "system", Action: store.AuditSignIn}); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	names, _ := src.RawDatabase().ListCollectionNames(ctx, map[string]any{})
	for _, n := range names {
		want[n], _ = src.RawDatabase().Collection(n).CountDocuments(ctx, map[string]any{})
	}
	src.Close(ctx)
	if want["users"] != 3 || want["memberships"] != 1 || want["referrals"] != 1 || want["groups"] != 1 {
		t.Fatalf("source counts %v", want)
	}

	uri := startDevStore(t)
	env := testEnv(t, map[string]string{"CANDOUR_DATA_DIR": dir})
	var out bytes.Buffer
	if err := Run(ctx, []string{"migrate-to-mongo", "--uri", uri, "--database", "candour_copy", "--batch", "2"}, env, nil, &out, &out); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "audit chain of 4 events verified") {
		t.Fatalf("output:\n%s", out.String())
	}

	dst, err := store.Open(ctx, store.Options{URI: uri, Database: "candour_copy"})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close(ctx)
	dst.SetSealer(sl)
	for name, n := range want {
		got, _ := dst.RawDatabase().Collection(name).CountDocuments(ctx, map[string]any{})
		if name == "counters" || strings.HasPrefix(name, "audit") {
			continue // the migration's own audit event moved these on
		}
		if got != n {
			t.Errorf("%s: %d documents in the copy, %d in the source", name, got, n)
		}
	}
	brk, last, err := dst.VerifyAudit(ctx)
	if err != nil || brk != nil || last != 5 {
		t.Fatalf("copy's chain: break %+v, last %d, %v; want 4 copied events and the migration's", brk, last, err)
	}
	got, err := dst.OpenReferral(ctx, r.ID)
	if err != nil || got.Content.WhatHappened != "sealed before the move" || len(got.Messages) != 1 || got.Messages[0].Text != "a message" {
		t.Fatalf("referral in the copy: %+v, %v", got, err)
	}
	if u, err := dst.UserByEmail(ctx, "b@example.org"); err != nil || u.Name != "b@example.org" {
		t.Fatalf("account in the copy: %+v, %v", u, err)
	}
	out.Reset()
	if err := Run(ctx, []string{"migrate-to-mongo", "--uri", uri, "--database", "candour_copy"}, env, nil, &out, &out); err == nil || !strings.Contains(err.Error(), "empty database") {
		t.Fatalf("second migration into the same database: %v", err)
	}
}
