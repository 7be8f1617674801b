package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMongoOnlyBuildHasNoFerretDB: with -tags candour_no_embedded the
// binary is for MongoDB only. Nothing of FerretDB is among its packages
// (the plain build has it, so the check can fail), it compiles, and
// started without MONGODB_URI it refuses with a message that says why.
// Linked without DWARF (-ldflags=-w), which nothing here reads.
// The GitHub workflow's test-mongo job builds it too (TestGitHubWorkflow).
func TestMongoOnlyBuildHasNoFerretDB(t *testing.T) {
	deps := func(tags string) string {
		out, err := exec.Command("go", "list", "-deps", "-tags", tags, ".").Output()
		if err != nil {
			t.Fatalf("go list -deps -tags %s: %v", tags, err)
		}
		return string(out)
	}
	if !strings.Contains(deps("ferretdb_no_postgresql"), "github.com/FerretDB/FerretDB") {
		t.Fatal("the usual build has no FerretDB: this test no longer tells the two apart")
	}
	for _, p := range strings.Fields(deps("ferretdb_no_postgresql,candour_no_embedded")) {
		if strings.Contains(strings.ToLower(p), "ferretdb") {
			t.Errorf("the MongoDB-only build depends on %s", p)
		}
	}
	bin := filepath.Join(t.TempDir(), "candour")
	if out, err := exec.Command("go", "build", "-tags", "ferretdb_no_postgresql,candour_no_embedded", "-ldflags=-w", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags candour_no_embedded: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "CANDOUR_ENV=development", "CANDOUR_DATA_DIR="+t.TempDir(), "CANDOUR_ADDR=127.0.0.1:0", "CANDOUR_METRICS_ADDR=", "MONGODB_URI=")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "set MONGODB_URI") {
		t.Fatalf("the MongoDB-only build without MONGODB_URI: %v\n%s\nwant a refusal that says to set MONGODB_URI", err, out)
	}
}
