package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOnlySealedKindsSeal: nothing in the store seals a value except
// through s.seal (sealed_kinds.go), which refuses a collection that is not
// a sealed kind, and the re-seal itself; so every sealed value is one that
// "keys reseal" re-seals (TestResealEveryKind).
func TestOnlySealedKindsSeal(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"sealed_kinds.go": true, "reseal.go": true}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || allowed[f] {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "sealer.Seal(") {
			t.Errorf("%s calls the sealer directly: seal through s.seal and add the collection to sealedKinds", f)
		}
	}
	if _, err := (&Store{}).seal("visits", "v1", "notes", []byte("x")); err == nil {
		t.Error("s.seal sealed a value for a collection that is not a sealed kind")
	}
}
