package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"candour/config"
)

func TestKeysNewAndRotate(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"keys", "new"}, func(string) string { return "" }, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	old, err := fieldKeys(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := old.Seal("id", "content", []byte("kept"))
	out.Reset()
	if err := run(context.Background(), []string{"keys", "rotate"}, func(string) string { return "" },
		strings.NewReader("CANDOUR_FIELD_KEYSET="+env["CANDOUR_FIELD_KEYSET"]), &out, &out); err != nil {
		t.Fatal(err)
	}
	env["CANDOUR_FIELD_KEYSET"] = strings.TrimPrefix(strings.TrimSpace(out.String()), "CANDOUR_FIELD_KEYSET=")
	cfg, _ = config.Load(func(k string) string { return env[k] })
	rotated, err := fieldKeys(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open("id", "content", ct); err != nil || string(got) != "kept" {
		t.Fatalf("old value after rotation: %q %v", got, err)
	}
	if rotated.PrimaryKeyID() == old.PrimaryKeyID() {
		t.Fatal("rotation did not change the primary key")
	}
	if err := run(context.Background(), []string{"keys", "rotate"}, func(string) string { return "" }, strings.NewReader("nonsense"), &out, &out); err == nil {
		t.Fatal("rotating nonsense succeeded")
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
