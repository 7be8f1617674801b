package cli

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.yaml.in/yaml/v3"
)

// workflow is the part of a GitHub Actions workflow the test reads; the
// decoder refuses keys it does not know at these levels, so a misspelt
// "step" or "run-on" fails here rather than on GitHub.
type workflow struct {
	Name        string            `yaml:"name"`
	On          yaml.Node         `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		RunsOn   string            `yaml:"runs-on"`
		Timeout  int               `yaml:"timeout-minutes"`
		Env      map[string]string `yaml:"env"`
		Services yaml.Node         `yaml:"services"`
		Steps    []struct {
			Name string            `yaml:"name"`
			Uses string            `yaml:"uses"`
			With map[string]string `yaml:"with"`
			Run  string            `yaml:"run"`
			If   string            `yaml:"if"`
			Env  map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// TestGitHubWorkflow parses .github/workflows/ci.yml strictly and checks
// what docs/operations.md says of it: one job runs make test on the
// embedded store (no MONGODB_URI), another runs make test-mongo against a
// mongo:8 replica set whose URI the driver accepts, both within 30 minutes,
// with the Node major version the Dockerfile builds with; the test-mongo
// job also builds the FerretDB-free binary and starts it against MongoDB;
// and .ci/run runs make test-mongo too.
func TestGitHubWorkflow(t *testing.T) {
	b, err := os.ReadFile(".github/workflows/ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&wf); err != nil {
		t.Fatalf("ci.yml: %v", err)
	}
	if wf.Permissions["contents"] != "read" {
		t.Errorf("permissions = %v, want contents: read only", wf.Permissions)
	}
	dockerfile, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	nodeMajor := regexp.MustCompile(`(?m)^FROM node:(\d+)`).FindSubmatch(dockerfile)
	if nodeMajor == nil {
		t.Fatal("the Dockerfile has no node build stage")
	}
	runs := func(job, cmd string) bool {
		for _, s := range wf.Jobs[job].Steps {
			for _, line := range strings.Split(s.Run, "\n") {
				if strings.TrimSpace(line) == cmd {
					return true
				}
			}
		}
		return false
	}
	for job, cmd := range map[string]string{"test": "make test", "test-mongo": "make test-mongo"} {
		j, ok := wf.Jobs[job]
		if !ok {
			t.Errorf("no %s job", job)
			continue
		}
		if !runs(job, cmd) {
			t.Errorf("job %s does not run %q", job, cmd)
		}
		if j.Timeout == 0 || j.Timeout > 30 {
			t.Errorf("job %s: timeout-minutes %d, want 1 to 30", job, j.Timeout)
		}
		node := ""
		for _, s := range j.Steps {
			if strings.HasPrefix(s.Uses, "actions/setup-node@") {
				node = s.With["node-version"]
			}
		}
		if node != string(nodeMajor[1]) {
			t.Errorf("job %s: node-version %q, want the Dockerfile's %s", job, node, nodeMajor[1])
		}
	}
	if uri, ok := wf.Jobs["test"].Env["MONGODB_URI"]; ok {
		t.Errorf("the test job sets MONGODB_URI=%s; make test there is the embedded store's run", uri)
	}
	uri := wf.Jobs["test-mongo"].Env["MONGODB_URI"]
	if err := options.Client().ApplyURI(uri).Validate(); err != nil || !strings.Contains(uri, "replicaSet=") {
		t.Errorf("test-mongo MONGODB_URI = %q (%v); want a replica-set URI the driver accepts", uri, err)
	}
	started := false
	for _, s := range wf.Jobs["test-mongo"].Steps {
		if regexp.MustCompile(`docker run .*\bmongo:8 --replSet rs0\b`).MatchString(s.Run) && strings.Contains(s.Run, "rs.initiate(") {
			started = true
		}
	}
	if !started {
		t.Error("the test-mongo job does not start mongo:8 as a replica set (docker run ... mongo:8 --replSet rs0, rs.initiate)")
	}
	mongoOnly := false
	for _, s := range wf.Jobs["test-mongo"].Steps {
		if regexp.MustCompile(`(?m)^make binary GOTAGS=\S*candour_no_embedded\b`).MatchString(s.Run) && strings.Contains(s.Run, "/readyz") {
			mongoOnly = true
		}
	}
	if !mongoOnly {
		t.Error("the test-mongo job does not build the FerretDB-free binary (make binary GOTAGS=...candour_no_embedded) and start it against MongoDB (/readyz)")
	}
	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^make --no-print-directory test-mongo$`).Match(ci) {
		t.Error(".ci/run does not run make test-mongo")
	}
}
