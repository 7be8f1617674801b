package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"candour/demo"
	"candour/store"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// testEnv is the environment of a command run by a test: cheap password
// hashes, loopback listeners and, unless extra names another, a data
// directory of the test's own that holds a fresh store's database
// (store.PrepareFresh: a copy of one created and migrated once per test
// binary), so that a test's first command does not create and migrate the
// store again (about 0.2 s of CPU a test under -race, measured on six).
// A data directory extra names is left as it is: the backup and migration
// tests open theirs for the first time as the portal would, and so do the
// root package's tests of the portal.
func testEnv(t *testing.T, extra map[string]string) func(string) string {
	env := map[string]string{"CANDOUR_DATA_DIR": t.TempDir(), "CANDOUR_ARGON_MEMORY_KIB": "64", "CANDOUR_ADDR": "127.0.0.1:0", "CANDOUR_METRICS_ADDR": "127.0.0.1:0"}
	if _, own := extra["CANDOUR_DATA_DIR"]; !own && extra["MONGODB_URI"] == "" {
		if err := store.PrepareFresh(context.Background(), env["CANDOUR_DATA_DIR"], "candour"); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range extra {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

// commandLine runs the command line with env and no standard input, for
// the tests of a command's refusals.
type commandLine struct {
	t   *testing.T
	env func(string) string
}

// run runs args and gives its standard output and error.
func (cl commandLine) run(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, cl.env, strings.NewReader(""), &out, &errOut)
	return out.String(), err
}

// refused checks that args end in a usage error (exit 2) whose message
// contains want.
func (cl commandLine) refused(want string, args ...string) {
	cl.t.Helper()
	_, err := cl.run(args...)
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), want) {
		cl.t.Errorf("%v: err = %v, want a usage error (exit 2) containing %q", args, err, want)
	}
}

func TestCommandLineUsage(t *testing.T) {
	env := testEnv(t, nil)
	cases := []struct {
		args     []string
		stdin    string
		wantErr  bool
		usageErr bool
		out      string
	}{
		{args: []string{"help"}, out: "Usage: candour"},
		{args: []string{"frobnicate"}, wantErr: true, usageErr: true},
		{args: []string{"user"}, wantErr: true, usageErr: true},
		{args: []string{"user", "add", "--help"}},
		{args: []string{"user", "add", "--email", "a@example.org", "--name", "A", "--role", "king"}, wantErr: true, usageErr: true},
		{args: []string{"user", "add", "--email", "a@example.org", "--role", "admin"}, wantErr: true, usageErr: true},
		{args: []string{"user", "add", "--email", "a@example.org", "--name", "A", "--role", "admin", "--password-stdin"}, stdin: "short\n", wantErr: true, usageErr: true},
		{args: []string{"user", "add", "--email", "first@example.org", "--name", "First Admin", "--role", "admin", "--password-stdin"}, stdin: "a long enough passphrase\n", out: "Created first@example.org"},
		{args: []string{"user", "add", "--email", "first@example.org", "--name", "Again", "--role", "admin"}, wantErr: true, usageErr: true},
		{args: []string{"user", "add", "--email", "invitee@example.org", "--name", "Invitee", "--role", "member"}, out: "/invitation/"},
		{args: []string{"user", "add", "--email", "scheme@example.org", "--name", "Scheme Manager", "--role", "schememanager"}, out: "/invitation/"},
		{args: []string{"user", "add", "--email", "officer@example.org", "--name", "PC Officer", "--role", "officer"}, out: "/invitation/"},
		{args: []string{"seed", "demo"}, wantErr: true}, // the store is not empty any more
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := Run(context.Background(), tc.args, env, strings.NewReader(tc.stdin), &out, &errOut)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v (stderr %s)", err, tc.wantErr, errOut.String())
			}
			var ue usageError
			if errors.As(err, &ue) != tc.usageErr {
				t.Fatalf("err = %v: usage error %v, want %v", err, errors.As(err, &ue), tc.usageErr)
			}
			if !strings.Contains(out.String()+errOut.String(), tc.out) {
				t.Fatalf("output %q lacks %q", out.String(), tc.out)
			}
		})
	}
}

func TestServeSeedsAnswersAndStopsGracefully(t *testing.T) {
	env := testEnv(t, map[string]string{"CANDOUR_SEED_DEMO": "true"})
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() { done <- Run(ctx, []string{"serve"}, env, strings.NewReader(""), &out, &errOut) }()

	re := regexp.MustCompile(`running at (http://[0-9.:]+)`)
	var base string
	deadline := time.Now().Add(3 * time.Minute)
	for base == "" {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped early: %v\n%s", err, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", errOut.String())
		}
	}
	for _, want := range []string{"admin@candour.example", "member@candour.example", demo.Password} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo sign-ins not printed: missing %q", want)
		}
	}
	for _, path := range []string{"/healthz", "/readyz", "/"} {
		res, err := http.Get(base + path)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %v %v", path, res, err)
		}
		res.Body.Close()
	}
	// The metrics have their own listener and are gone from the portal's port.
	if res, err := http.Get(base + "/metrics"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /metrics on the public port: %v %v, want 404", res, err)
	}
	m := regexp.MustCompile(`Metrics are at (http://[0-9.:]+/metrics)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("metrics address not printed:\n%s", out.String())
	}
	if res, err := http.Get(m[1]); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %v %v", m[1], res, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v on shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30 s of the signal")
	}
}

func TestImportAndReportDisparity(t *testing.T) {
	env := testEnv(t, nil)
	ctx := context.Background()
	data := "testdata/"
	var out, errOut bytes.Buffer
	steps := [][]string{
		{"import", "population", "--force", "dorset", data + "census2021-ts021-dorset-force-area.csv"},
		{"import", "stop-search", data + "2019-01-dorset-stop-and-search.csv"},
		{"import", "stop-search", data + "2019-01-dorset-stop-and-search.csv"}, // idempotent
		{"report", "disparity", "--force", "dorset", "--from", "2019-01", "--to", "2019-01", "--format", "json"},
	}
	for _, args := range steps {
		out.Reset()
		if err := Run(ctx, args, env, strings.NewReader(""), &out, &errOut); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut.String())
		}
	}
	var rep struct {
		Searches  int64 `json:"searches"`
		NotStated struct {
			Searches int64   `json:"searches"`
			Share    float64 `json:"share"`
		} `json:"not_stated"`
		Groups []struct {
			Group        string   `json:"group"`
			Searches     int64    `json:"searches"`
			RatioToWhite *float64 `json:"ratio_to_white"`
			RatioCILow   *float64 `json:"ratio_ci_low"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out.String())
	}
	if rep.Searches != 156 || rep.NotStated.Searches != 39 || len(rep.Groups) != 5 {
		t.Fatalf("report = %+v", rep)
	}
	for _, g := range rep.Groups {
		if g.Group == "Black" && (g.Searches != 7 || g.RatioToWhite == nil || *g.RatioToWhite < 9.47 || *g.RatioToWhite > 9.48) {
			t.Errorf("Black = %+v", g)
		}
		if g.Group == "White" && (g.RatioToWhite == nil || *g.RatioToWhite != 1 || g.RatioCILow != nil) {
			t.Errorf("White = %+v, want ratio 1 with no interval", g)
		}
	}
	bad := [][]string{
		{"report", "disparity"},
		{"report", "disparity", "--force", "dorset", "--from", "2019-13"},
		{"report", "disparity", "--force", "dorset", "--format", "xml"},
		{"import", "stop-search"},
		{"import", "population", data + "census2021-ts021-dorset-force-area.csv"},
	}
	for _, args := range bad {
		var ue usageError
		if err := Run(ctx, args, env, strings.NewReader(""), &out, &errOut); !errors.As(err, &ue) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
}
