package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"candour/server"
	"candour/store"
)

// candourProcess is a real `candour serve` process built from this tree.
type candourProcess struct {
	cmd    *exec.Cmd
	base   string
	stderr *syncBuffer
	done   chan error
}

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

// builtCandour is the binary the crash and shutdown tests run, built once
// per test binary (each test built its own before: a link of the whole
// portal, seconds of CPU, four times) into a directory TestMain removes.
// It is linked without DWARF (-ldflags=-w, as make test links its test
// binaries): nothing here reads it, and it is a quarter of the link.
var builtCandour struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// buildCandour builds the binary for the test, once for all the tests.
func buildCandour(t *testing.T) string {
	t.Helper()
	b := &builtCandour
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "candour-bin-"); b.err != nil {
			return
		}
		b.bin = filepath.Join(b.dir, "candour")
		if out, err := exec.Command("go", "build", "-tags", "ferretdb_no_postgresql", "-ldflags=-w", "-o", b.bin, ".").CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.bin
}

// TestMain removes the binary the tests built (buildCandour).
func TestMain(m *testing.M) {
	code := m.Run()
	if builtCandour.dir != "" {
		_ = os.RemoveAll(builtCandour.dir)
	}
	os.Exit(code)
}

// startCandour runs `candour serve` with env and waits until it listens.
func startCandour(t *testing.T, bin string, env []string) *candourProcess {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &candourProcess{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		re := regexp.MustCompile(`running at (http://[0-9.:]+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case p.base = <-found:
	case err := <-p.done:
		t.Fatalf("candour serve stopped: %v\n%s", err, p.stderr.String())
	case <-time.After(90 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("candour serve did not start:\n%s", p.stderr.String())
	}
	return p
}

// waitFor waits for text in the process's log.
func (p *candourProcess) waitFor(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(p.stderr.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("%q never logged:\n%s", text, p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the process with sig and waits for it.
func (p *candourProcess) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Fatal("candour serve did not stop")
	}
}

// respondent sends one complete response (its answers in the encrypted
// progress cookie, as the portal writes them) and reports whether the
// confirmation came back.
func respondent(base, surveyID string, key []byte, id string) (bool, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(base + "/s/" + surveyID)
	if err != nil {
		return false, err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		return false, fmt.Errorf("no form token on the survey page (%d)", res.StatusCode)
	}
	cs, err := server.SurveyCookies(key, surveyID, 1, id, store.Answers{"q1": {"o1"}, "q3": {"a"}, "ay_eth": {"black_caribbean"}})
	if err != nil {
		return false, err
	}
	u, _ := url.Parse(base + "/s/" + surveyID + "/check")
	jar.SetCookies(u, cs)
	res, err = c.PostForm(u.String(), url.Values{"csrf_token": {string(m[1])}})
	if err != nil {
		return false, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/s/"+surveyID+"/done" {
		return false, fmt.Errorf("send: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	return true, nil
}

// openStore opens the data directory's store in this process (the server
// must not be running).
func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// countsAgree reports the respondents counted and the respondents stored.
func countsAgree(t *testing.T, db *store.Store, sv *store.Survey) (counted, stored int64, same bool) {
	t.Helper()
	ctx := context.Background()
	have, err := db.Tallies(ctx, sv.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	want, err := db.Recount(ctx, sv, 1)
	if err != nil {
		t.Fatal(err)
	}
	byKey := func(ts []store.Tally) map[string]store.Tally {
		m := map[string]store.Tally{}
		for _, x := range ts {
			x.ID = ""
			for q, cs := range x.C {
				for k, v := range cs {
					if v == 0 {
						delete(cs, k)
					}
				}
				if len(cs) == 0 {
					delete(x.C, q)
				}
			}
			m[x.Dim+"/"+x.Value] = x
		}
		return m
	}
	h, w := byKey(have), byKey(want)
	return h["all/all"].N, w["all/all"].N, reflect.DeepEqual(h, w)
}

// TestKillDuringSubmissionsLosesNoResponse: a real `candour serve` is
// killed (SIGKILL) with survey submissions in flight. After a restart,
// with no manual command, the results equal a recount of the stored
// responses, every acknowledged response is stored and counted, and a
// respondent whose Send was cut off and who presses it again gets the
// confirmation page. (Before, responses stored in the moment of the kill
// stayed out of the results until `candour survey rebuild` was run.)
func TestKillDuringSubmissionsLosesNoResponse(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildCandour(t)
	dir := t.TempDir()
	key := []byte(strings.Repeat("s", 32))
	env := []string{"CANDOUR_DATA_DIR=" + dir, "CANDOUR_ADDR=127.0.0.1:0", "CANDOUR_METRICS_ADDR=off", "CANDOUR_SEED_DEMO=false",
		"CANDOUR_SESSION_KEY=" + base64.StdEncoding.EncodeToString(key), "CANDOUR_ARGON_MEMORY_KIB=64",
		"CANDOUR_SURVEY_POSTS_PER_MINUTE=1000000", "MONGODB_URI="}

	db := openStore(t, dir)
	ctx := context.Background()
	sv := &store.Survey{Title: "Confidence", AboutYou: true, OpenLink: true}
	if err := db.CreateSurvey(ctx, sv); err != nil {
		t.Fatal(err)
	}
	sv, err := db.ChangeSurvey(ctx, sv.ID, sv.Rev, func(sv *store.Survey, now time.Time) error {
		sv.Draft = []store.Question{
			{ID: "q1", Type: store.QSingle, Text: "Have you contacted the police this year?", Required: true, Options: store.NewOptions([]string{"Yes", "No"}, nil)},
			{ID: "q3", Type: store.QAgree, Text: "The police in your area can be relied on"},
		}
		return sv.Publish(now)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close(ctx)

	var mu sync.Mutex
	acked := map[string]bool{}
	var cutOff []string // sends that got no answer: the kill came first
	short := int64(0)
	for round := 0; round < 20 && short == 0; round++ {
		p := startCandour(t, bin, env)
		stopSending := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 16 {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stopSending:
						return
					default:
					}
					id := fmt.Sprintf("r%d-w%02d-%04d", round, w, i)
					ok, err := respondent(p.base, sv.ID, key, id)
					mu.Lock()
					if ok {
						acked[id] = true
					} else if err != nil {
						cutOff = append(cutOff, id)
					}
					mu.Unlock()
					if err != nil {
						return // the server is gone
					}
				}
			})
		}
		for {
			mu.Lock()
			n := len(acked)
			mu.Unlock()
			if n >= 40*(round+1) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		p.stop(t, syscall.SIGKILL)
		close(stopSending)
		wg.Wait()

		db := openStore(t, dir)
		counted, stored, _ := countsAgree(t, db, sv)
		db.Close(ctx)
		short = stored - counted
		t.Logf("round %d: killed with %d acknowledged, %d cut off; %d stored, %d counted", round+1, len(acked), len(cutOff), stored, counted)
	}
	if short == 0 {
		t.Fatal("no kill caught a submission between being stored and being counted, so the repair was never needed: the test proves nothing")
	}

	// Restart: the repair runs by itself.
	p := startCandour(t, bin, env)
	p.waitFor(t, "survey counts: nothing left to repair")
	// Respondents whose Send was cut off press it again.
	for _, id := range cutOff {
		ok, err := respondent(p.base, sv.ID, key, id)
		if !ok {
			t.Fatalf("sending %s again after the restart: %v", id, err)
		}
		acked[id] = true
	}
	p.stop(t, syscall.SIGTERM)

	db = openStore(t, dir)
	defer db.Close(ctx)
	counted, stored, same := countsAgree(t, db, sv)
	if !same || counted != stored {
		t.Fatalf("after the restart: %d counted, %d stored; the counters differ from a recount", counted, stored)
	}
	rs, err := db.Responses(ctx, sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, r := range rs {
		have[r.ID] = true
	}
	if done, err := db.Repair(ctx); err != nil || done.Fixed["survey responses counted"] != 0 {
		n := done.Fixed["survey responses counted"]
		t.Errorf("after the restart a repair still finds %d responses to count (err %v)", n, err)
	}
	for id := range acked {
		if !have[id] {
			t.Errorf("acknowledged response %s is not stored", id)
		}
	}
	if int64(len(acked)) > stored {
		t.Fatalf("%d acknowledged but %d stored", len(acked), stored)
	}
}
