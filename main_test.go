package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
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

func testEnv(t *testing.T, extra map[string]string) func(string) string {
	env := map[string]string{"CANDOUR_DATA_DIR": t.TempDir(), "CANDOUR_ARGON_MEMORY_KIB": "64", "CANDOUR_ADDR": "127.0.0.1:0"}
	for k, v := range extra {
		env[k] = v
	}
	return func(k string) string { return env[k] }
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
		{args: []string{"seed", "demo"}, wantErr: true}, // the store is not empty any more
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tc.args, env, strings.NewReader(tc.stdin), &out, &errOut)
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
	go func() { done <- run(ctx, []string{"serve"}, env, strings.NewReader(""), &out, &errOut) }()

	re := regexp.MustCompile(`running at (http://[0-9.:]+)`)
	var base string
	deadline := time.Now().Add(60 * time.Second)
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
	for _, want := range []string{"admin@candour.example", "member@candour.example", demoPassword} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo sign-ins not printed: missing %q", want)
		}
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/"} {
		res, err := http.Get(base + path)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %v %v", path, res, err)
		}
		res.Body.Close()
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
