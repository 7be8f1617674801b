package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestDisparityCommandRefusals: every refusal is a usage error (exit 2)
// with a message that says what is wrong, and stores nothing.
func TestDisparityCommandRefusals(t *testing.T) {
	env := testEnv(t, nil)
	ctx := context.Background()
	data := "testdata/"
	runArgs := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, args, env, strings.NewReader(""), &out, &errOut)
		return out.String(), err
	}
	refused := func(want string, args ...string) {
		t.Helper()
		_, err := runArgs(args...)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: err = %v, want a usage error (exit 2) containing %q", args, err, want)
		}
	}
	refused("the file name says the force is dorset, but --force says wiltshire",
		"import", "stop-search", "--force", "wiltshire", data+"2018-08-dorset-stop-and-search.csv")
	// A broken second file: the first is not stored either.
	broken := t.TempDir() + "/2018-09-dorset-stop-and-search.csv"
	if err := os.WriteFile(broken, []byte("Type,Date\nPerson search,2018-09-01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	refused("nothing was stored from any file", "import", "stop-search", data+"2018-08-dorset-stop-and-search.csv", broken)
	refused("not for the Wiltshire police force area",
		"import", "population", "--force", "wiltshire", data+"census2021-ts021-dorset-force-area.csv")
	refused("no stop and search data for dorset", "publish", "disparity", "--force", "dorset", "--from", "2018-08", "--to", "2018-09")
	refused("is not a police force area", "publish", "disparity", "--force", "dorst", "--from", "2018-08", "--to", "2018-09")
	// The refused files stored nothing: there is still no data to report.
	refused("no Census population for dorset", "report", "disparity", "--force", "dorset")

	// Reverse month order, then publishing without a population is refused.
	for _, f := range []string{"2018-09-dorset-stop-and-search.csv", "2018-08-dorset-stop-and-search.csv"} {
		out, err := runArgs("import", "stop-search", data+f)
		if err != nil || !strings.Contains(out, "by month "+f[:7]+" (") {
			t.Fatalf("import %s: %v\n%s", f, err, out)
		}
	}
	refused("no Census population for dorset", "publish", "disparity", "--force", "dorset", "--from", "2018-08", "--to", "2018-09")
	if out, err := runArgs("import", "population", "--force", "dorset", data+"census2021-ts021-dorset-force-area.csv"); err != nil ||
		!strings.Contains(out, "E06000058 Bournemouth, Christchurch and Poole: 400195") {
		t.Fatalf("population: %v\n%s", err, out)
	}
	refused("no searches for dorset in January 2019", "publish", "disparity", "--force", "dorset", "--from", "2019-01", "--to", "2019-01")
	out, err := runArgs("report", "disparity", "--force", "dorset", "--format", "text")
	if err != nil || !strings.HasPrefix(out, "Dorset, August to September 2018 (both months have data), self-defined ethnicity") ||
		!strings.Contains(out, "Black people were 16.7 times as likely as White people to be searched (95% interval 11.0 to 25.2)") {
		t.Errorf("text report: %v\n%s", err, out)
	}
	if out, err := runArgs("publish", "disparity", "--force", "dorset", "--from", "2018-08", "--to", "2018-09"); err != nil || !strings.Contains(out, "Published dorset") {
		t.Errorf("publish: %v %s", err, out)
	}
	// Confirmed on purpose, the force given wins.
	if out, err := runArgs("import", "stop-search", "--force", "wiltshire", "--force-override", data+"2018-08-dorset-stop-and-search.csv"); err != nil ||
		!strings.Contains(out, "stored for wiltshire") {
		t.Errorf("override: %v %s", err, out)
	}
}
