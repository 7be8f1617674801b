package cli

import (
	"os"
	"strings"
	"testing"
)

// TestImportPowerCommand: a bad file exits 2 naming its lines and stores
// nothing; a good one is stored by month in UK time; again, it replaces.
func TestImportPowerCommand(t *testing.T) {
	env := testEnv(t, nil)
	cl := commandLine{t, env}
	runArgs, refused := cl.run, cl.refused
	good := "testdata/vehicle-stops-example.csv"
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	bad := t.TempDir() + "/stops.csv"
	if err := os.WriteFile(bad, []byte(strings.Replace(string(b), "Poole,Vehicle defect", "Poole,Speeding", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	refused(`line 10, Reason: "Speeding" is not one of`, "import", "power", "vehicle-stops", "--force", "dorset", bad)
	refused("is not a police force area", "import", "power", "vehicle-stops", "--force", "gotham", good)
	refused("not an activity with its own import", "import", "power", "strip-search", "--force", "dorset", good)
	uof := "testdata/use-of-force-dorset-2019-20-by-ethnicity-extract.csv"
	refused(`"2019" is not a financial year`, "import", "power", "use-of-force", "--force", "dorset", "--year", "2019", uof)
	if out, err := runArgs("import", "power", "use-of-force", "--force", "dorset", "--year", "2019-20", uof); err != nil || !strings.Contains(out, "38 rows stored for dorset, by period 2019-20 (38)") {
		t.Fatalf("use of force: %v\n%s", err, out)
	}
	refused("say which activity", "import", "power", "--force", "dorset")
	// Vetting decisions are restricted on the web but imported the same way.
	if out, err := runArgs("import", "power", "vetting", "--force", "dorset", "testdata/vetting-decisions-example.csv"); err != nil || !strings.Contains(out, "226 rows stored for dorset") {
		t.Fatalf("vetting: %v\n%s", err, out)
	}
	for i := 0; i < 2; i++ {
		out, err := runArgs("import", "power", "vehicle-stops", "--force", "dorset", good)
		if err != nil || !strings.Contains(out, "65 rows stored for dorset, by period 2024-03 (31), 2024-04 (34)") {
			t.Fatalf("import: %v\n%s", err, out)
		}
		if replaced := strings.Contains(out, "replaced the earlier import of 2024-03, 2024-04"); replaced != (i == 1) {
			t.Errorf("import %d: %s", i+1, out)
		}
	}
}
