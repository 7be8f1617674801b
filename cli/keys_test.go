package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"candour/config"
	"candour/sealed"
	"candour/store"
)

// runKeys runs "candour keys ARGS" with stdin and returns its standard output.
func runKeys(t *testing.T, getenv func(string) string, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), append([]string{"keys"}, args...), getenv, strings.NewReader(stdin), &out, &errOut)
	return out.String(), err
}

func parseEnv(text string) map[string]string {
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	return env
}

// TestKeysNewAndTwoPhaseRotation: keys new makes a working keyset; rotate
// add keeps the primary (so old instances can still read new writes), and
// rotate promote then makes the new key the primary; old values still open.
func TestKeysNewAndTwoPhaseRotation(t *testing.T) {
	none := func(string) string { return "" }
	out, err := runKeys(t, none, "", "new")
	if err != nil {
		t.Fatal(err)
	}
	env := parseEnv(out)
	sealerOf := func() *sealed.Sealer {
		t.Helper()
		cfg, err := config.Load(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		sl, err := fieldKeys(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return sl
	}
	old := sealerOf()
	ct, _ := old.Seal("id", "content", []byte("kept"))

	// The one-step rotation is gone: it broke rolling deploys.
	if _, err := runKeys(t, none, "CANDOUR_FIELD_KEYSET="+env["CANDOUR_FIELD_KEYSET"], "rotate"); err == nil {
		t.Fatal("keys rotate without a phase succeeded")
	}
	// Phase 1 reads a whole .env file too.
	out, err = runKeys(t, none, "CANDOUR_SESSION_KEY=x\nCANDOUR_FIELD_KEYSET="+env["CANDOUR_FIELD_KEYSET"]+"\nOTHER=1\n", "rotate", "add")
	if err != nil {
		t.Fatal(err)
	}
	env["CANDOUR_FIELD_KEYSET"] = parseEnv(out)["CANDOUR_FIELD_KEYSET"]
	added := sealerOf()
	if added.PrimaryKeyID() != old.PrimaryKeyID() {
		t.Fatal("rotate add changed the primary key")
	}
	list, err := runKeys(t, none, env["CANDOUR_FIELD_KEYSET"], "list")
	if err != nil || strings.Count(list, "\n") != 2 || !strings.Contains(list, fmt.Sprintf("%d primary", old.PrimaryKeyID())) {
		t.Fatalf("keys list = %q, %v", list, err)
	}
	out, err = runKeys(t, none, env["CANDOUR_FIELD_KEYSET"], "rotate", "promote")
	if err != nil {
		t.Fatal(err)
	}
	env["CANDOUR_FIELD_KEYSET"] = parseEnv(out)["CANDOUR_FIELD_KEYSET"]
	rotated := sealerOf()
	if rotated.PrimaryKeyID() == old.PrimaryKeyID() {
		t.Fatal("rotate promote did not change the primary key")
	}
	if got, err := rotated.Open("id", "content", ct); err != nil || string(got) != "kept" {
		t.Fatalf("old value after rotation: %q %v", got, err)
	}
	for _, bad := range []string{"nonsense", "", "two\nlines"} {
		if _, err := runKeys(t, none, bad, "rotate", "add"); err == nil {
			t.Fatalf("rotating %q succeeded", bad)
		}
	}
}

// TestKeysNewCompose: --compose --out writes a private .env with every
// secret docker-compose.yml needs, and never replaces an existing file.
func TestKeysNewCompose(t *testing.T) {
	none := func(string) string { return "" }
	path := filepath.Join(t.TempDir(), ".env")
	if _, err := runKeys(t, none, "", "new", "--compose", "--out", path); err == nil {
		t.Fatal("--compose without --base-url succeeded")
	}
	if _, err := runKeys(t, none, "", "new", "--compose", "--base-url", "http://plain.example", "--out", path); err == nil {
		t.Fatal("--compose with an http base URL succeeded")
	}
	if _, err := runKeys(t, none, "", "new", "--compose", "--base-url", "https://scrutiny.example.org", "--out", path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf(".env mode = %v, %v; want 0600", fi.Mode(), err)
	}
	b, _ := os.ReadFile(path)
	env := parseEnv(string(b))
	for _, k := range []string{"CANDOUR_BASE_URL", "CANDOUR_SESSION_KEY", "CANDOUR_FIELD_KEYSET", "CANDOUR_BLIND_INDEX_KEY", "CANDOUR_AUDIT_SIGNING_KEY",
		"MONGO_ROOT_PASSWORD", "CANDOUR_MONGO_PASSWORD", "MONGO_REPLICA_KEY"} {
		if env[k] == "" {
			t.Errorf(".env lacks %s", k)
		}
	}
	if env["MONGO_ROOT_PASSWORD"] == env["CANDOUR_MONGO_PASSWORD"] {
		t.Error("the root and application passwords are the same")
	}
	// MongoDB keyfiles take 6 to 1024 base64 characters.
	if k := env["MONGO_REPLICA_KEY"]; len(k) < 6 || len(k) > 1024 || strings.ContainsAny(k, "= ") {
		t.Errorf("MONGO_REPLICA_KEY %q is not a valid keyfile", k)
	}
	// The production configuration accepts the file as it is.
	env["CANDOUR_ENV"] = "production"
	env["MONGODB_URI"] = "mongodb://candour:" + env["CANDOUR_MONGO_PASSWORD"] + "@mongo:27017/candour?replicaSet=rs0"
	if _, err := config.Load(func(k string) string { return env[k] }); err != nil {
		t.Fatalf("production config from the generated .env: %v", err)
	}
	if _, err := runKeys(t, none, "", "new", "--compose", "--base-url", "https://other.example.org", "--out", path); err == nil {
		t.Fatal("keys new replaced an existing .env")
	}
	if b2, _ := os.ReadFile(path); !bytes.Equal(b, b2) {
		t.Fatal("the existing .env changed")
	}
}

// TestKeysReseal: through the command line, on an embedded store: a
// referral sealed before a rotation is re-sealed under the new primary,
// and the run is in the audit log.
func TestKeysReseal(t *testing.T) {
	dir := t.TempDir()
	ks, _ := sealed.NewKeyset()
	env := map[string]string{"CANDOUR_DATA_DIR": dir, "CANDOUR_FIELD_KEYSET": ks, "CANDOUR_BLIND_INDEX_KEY": randomKey(), "CANDOUR_SEED_DEMO": "false"}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	_, _, db, err := open(ctx, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.CreateReferral(ctx, store.NewReferral{Kind: store.KindPartner, PartnerID: "p1",
		Content: store.ReferralContent{Category: "sexual-purpose", WhatHappened: "before rotation"}})
	if err != nil {
		t.Fatal(err)
	}
	oldKey := db.Sealer().PrimaryKeyID()
	db.Close(ctx)

	added, _, _ := sealed.AddKey(ks)
	env["CANDOUR_FIELD_KEYSET"], _ = sealed.Promote(added, 0)
	out, err := runKeys(t, getenv, "", "reseal")
	if err != nil {
		t.Fatalf("keys reseal: %v (%s)", err, out)
	}
	if !strings.Contains(out, "re-sealed 1") {
		t.Fatalf("output %q does not say one referral was re-sealed", out)
	}
	_, _, db, err = open(ctx, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	raw, _ := db.Referral(ctx, r.ID)
	if k := sealed.KeyID(raw.SealedContent); k == oldKey || k != db.Sealer().PrimaryKeyID() {
		t.Fatalf("content under key %d after reseal (old %d, primary %d)", k, oldKey, db.Sealer().PrimaryKeyID())
	}
	evs, _, err := db.ListAudit(ctx, store.AuditFilter{Action: store.AuditResealed})
	if err != nil || len(evs) != 1 || !strings.Contains(evs[0].Detail, "re-sealed 1") {
		t.Fatalf("audit = %+v, %v", evs, err)
	}
	db.Close(ctx)

	// Phase 3: the old key is taken out; the primary cannot be.
	if _, err := runKeys(t, getenv, env["CANDOUR_FIELD_KEYSET"], "rotate", "retire", "--key", fmt.Sprint(db.Sealer().PrimaryKeyID())); err == nil {
		t.Fatal("keys rotate retire took out the primary key")
	}
	out, err = runKeys(t, getenv, env["CANDOUR_FIELD_KEYSET"], "rotate", "retire", "--key", fmt.Sprint(oldKey))
	if err != nil {
		t.Fatalf("keys rotate retire: %v", err)
	}
	env["CANDOUR_FIELD_KEYSET"] = parseEnv(out)["CANDOUR_FIELD_KEYSET"]
	if ids, _, err := sealed.KeyIDs(env["CANDOUR_FIELD_KEYSET"]); err != nil || len(ids) != 1 || ids[0] == oldKey {
		t.Fatalf("retired keyset holds %v (%v)", ids, err)
	}
	_, _, db, err = open(ctx, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	if o, err := db.OpenReferral(ctx, r.ID); err != nil || o.Content.WhatHappened != "before rotation" {
		t.Fatalf("after the old key is retired: %+v, %v", o, err)
	}
}

// TestDevelopmentKeysAreKeptInTheDataDir: without configured keys, the
// keys made on first start are read back on the next, so sealed content
// survives a restart.
func TestDevelopmentKeysAreKeptInTheDataDir(t *testing.T) {
	cfg := config.Config{DataDir: t.TempDir()}
	first, err := fieldKeys(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := first.Seal("d", "f", []byte("survives"))
	second, err := fieldKeys(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := second.Open("d", "f", ct); err != nil || string(got) != "survives" {
		t.Fatalf("after restart: %q %v", got, err)
	}
	if first.Blind("collar", "1") != second.Blind("collar", "1") {
		t.Fatal("blind-index key changed on restart")
	}
}
