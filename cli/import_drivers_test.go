package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"candour/store"
)

// TestImportDriversCommand: a wrong file or missing flag exits 2 naming
// what is wrong (each wrong line by number) and stores nothing; the
// example file loads, and loading it again is still one population.
func TestImportDriversCommand(t *testing.T) {
	env := testEnv(t, nil)
	ctx := context.Background()
	cl := commandLine{t, env}
	runArgs, refused := cl.run, cl.refused
	drivers := func() *store.Population {
		t.Helper()
		_, _, db, err := open(ctx, env, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close(context.Background())
		p, err := db.PopulationOf(ctx, store.Drivers, "dorset")
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := "testdata/drivers-dorset-example.csv"
	bad := t.TempDir() + "/drivers.csv"
	if err := os.WriteFile(bad, []byte("Ethnic group,Drivers\nWhite,600000\nBlack,4000.5\nAsian,12000\nMixed,8000\nPurple,4000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	how := []string{"--force", "dorset", "--made", "licence holders by self-defined ethnicity, from the force's own survey", "--period", "2024"}
	refused(`line 3, Drivers: "4000.5" is not a whole number of drivers`, append(append([]string{"import", "drivers"}, how...), bad)...)
	refused(`line 6, Ethnic group: "Purple" is not one of`, append(append([]string{"import", "drivers"}, how...), bad)...)
	refused("the first line is “Ethnic group,Drivers”", append(append([]string{"import", "drivers"}, how...), "testdata/census2021-ts021-dorset-force-area.csv")...)
	refused("--made: Say how the driver figures were made", "import", "drivers", "--force", "dorset", "--period", "2024", good)
	refused("give one file", "import", "drivers", "--force", "dorset")
	if p := drivers(); p != nil {
		t.Fatalf("a refused file stored %+v", p)
	}
	for i := 0; i < 2; i++ {
		out, err := runArgs(append(append([]string{"import", "drivers"}, how...), good)...)
		if err != nil || !strings.Contains(out, "Drivers in Dorset: 628000 in the five groups; Asian 12000; Black 4000; Mixed 8000; Other 4000; White 600000 (and 20000 not stated, in no group)") {
			t.Fatalf("load %d: %v\n%s", i+1, err, out)
		}
	}
	if p := drivers(); p == nil || p.Total != 628000 || p.Period != "2024" || p.Source != "drivers-dorset-example.csv" {
		t.Fatalf("stored %+v", p)
	}
}
