package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose loads docker-compose.yml as `docker compose` would, with the
// environment file envFile (no Docker engine is needed to parse and
// resolve it). The process environment is not used.
func loadCompose(t *testing.T, envFile string) (*types.Project, error) {
	t.Helper()
	wd, _ := os.Getwd()
	opts, err := cli.NewProjectOptions([]string{filepath.Join(wd, "docker-compose.yml")},
		cli.WithWorkingDirectory(wd), cli.WithName("candour"), cli.WithEnvFiles(envFile), cli.WithDotEnv)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(context.Background())
}

// TestComposeFileWithGeneratedEnv follows docs/operations.md: the .env made
// by "candour keys new --compose" (before the compose file is ever parsed)
// is all the compose file needs; without it, it stops with a message that
// says what to run. The published ports are on the loopback address only;
// MongoDB runs as a replica set with a keyfile and no published port; both
// services have healthchecks; the app connects as the least-privilege user.
func TestComposeFileWithGeneratedEnv(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.env")
	os.WriteFile(empty, nil, 0o600)
	if _, err := loadCompose(t, empty); err == nil || !strings.Contains(err.Error(), "candour keys new --compose") {
		t.Fatalf("compose without .env: %v; want an error naming candour keys new --compose", err)
	}

	envFile := filepath.Join(dir, ".env")
	if _, err := runKeys(t, func(string) string { return "" }, "", "new", "--compose", "--base-url", "https://scrutiny.example.org", "--out", envFile); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(envFile)
	env := parseEnv(string(b))
	p, err := loadCompose(t, envFile)
	if err != nil {
		t.Fatalf("compose with the generated .env: %v", err)
	}
	app, ok := p.Services["app"]
	if !ok {
		t.Fatal("no app service")
	}
	mongo, ok := p.Services["mongo"]
	if !ok {
		t.Fatal("no mongo service")
	}

	// Ports: the app and its metrics, each on 127.0.0.1 only; MongoDB none.
	published := map[uint32]types.ServicePortConfig{}
	for _, port := range app.Ports {
		published[port.Target] = port
		if port.HostIP != "127.0.0.1" {
			t.Errorf("app port %d is published on %q, want 127.0.0.1", port.Target, port.HostIP)
		}
	}
	if published[8080].Published != "8080" || published[9464].Published != "9464" {
		t.Errorf("app ports = %+v, want 8080 and the metrics' 9464", app.Ports)
	}
	if len(mongo.Ports) != 0 {
		t.Errorf("MongoDB publishes %+v: only the app should reach it", mongo.Ports)
	}

	// MongoDB: a replica set with a keyfile (which turns on access control).
	cmd := strings.Join(mongo.Command, " ")
	for _, want := range []string{"--replSet rs0", "--keyFile /data/configdb/replica.key"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("mongo command %q lacks %q", cmd, want)
		}
	}
	if mongo.Image != "mongo:8" {
		t.Errorf("mongo image %q, want mongo:8", mongo.Image)
	}
	if !strings.Contains(strings.Join(mongo.Entrypoint, " "), "chmod 400 /data/configdb/replica.key") {
		t.Error("the mongo entrypoint does not write the keyfile readable by mongod alone")
	}
	menv := func(k string) string {
		if v := mongo.Environment[k]; v != nil {
			return *v
		}
		return ""
	}
	if menv("MONGO_REPLICA_KEY") != env["MONGO_REPLICA_KEY"] || menv("MONGO_ROOT_PASSWORD") != env["MONGO_ROOT_PASSWORD"] ||
		menv("CANDOUR_MONGO_PASSWORD") != env["CANDOUR_MONGO_PASSWORD"] {
		t.Error("mongo does not get the replica-set key and passwords from .env")
	}

	// Healthchecks on both; the app's through the binary (distroless has no curl).
	for name, svc := range map[string]types.ServiceConfig{"app": app, "mongo": mongo} {
		if svc.HealthCheck == nil || svc.HealthCheck.Disable || len(svc.HealthCheck.Test) == 0 {
			t.Errorf("%s has no healthcheck", name)
		}
	}
	if got := strings.Join(app.HealthCheck.Test, " "); got != "CMD /candour healthcheck" {
		t.Errorf("app healthcheck = %q", got)
	}
	if got := strings.Join(mongo.HealthCheck.Test, " "); !strings.Contains(got, "/candour-mongo/replica-set.js") {
		t.Errorf("mongo healthcheck = %q, want it to run deploy/mongo/replica-set.js", got)
	}
	if d := app.DependsOn["mongo"]; d.Condition != types.ServiceConditionHealthy {
		t.Errorf("app depends on mongo with condition %q, want service_healthy", d.Condition)
	}

	// The app: production, on the least-privilege user, every secret from .env.
	aenv := func(k string) string {
		if v := app.Environment[k]; v != nil {
			return *v
		}
		return ""
	}
	wantURI := "mongodb://candour:" + env["CANDOUR_MONGO_PASSWORD"] + "@mongo:27017/candour?replicaSet=rs0&authSource=candour"
	if aenv("MONGODB_URI") != wantURI {
		t.Errorf("MONGODB_URI = %q, want %q", aenv("MONGODB_URI"), wantURI)
	}
	for _, k := range []string{"CANDOUR_SESSION_KEY", "CANDOUR_FIELD_KEYSET", "CANDOUR_BLIND_INDEX_KEY", "CANDOUR_AUDIT_SIGNING_KEY", "CANDOUR_BASE_URL"} {
		if aenv(k) != env[k] {
			t.Errorf("app %s is not the .env value", k)
		}
	}
	if aenv("CANDOUR_ENV") != "production" || aenv("CANDOUR_METRICS_ADDR") != "0.0.0.0:9464" {
		t.Errorf("app CANDOUR_ENV %q, CANDOUR_METRICS_ADDR %q", aenv("CANDOUR_ENV"), aenv("CANDOUR_METRICS_ADDR"))
	}
	if app.Build == nil || app.Build.Args["VERSION"] == nil || app.Build.Args["COMMIT"] == nil {
		t.Error("the app's build does not pass VERSION and COMMIT")
	}
	// The mounted set-up script is in the repository.
	if _, err := os.Stat("deploy/mongo/replica-set.js"); err != nil {
		t.Fatal(err)
	}
}

// TestMongoSetupScript runs deploy/mongo/replica-set.js in node against a
// stand-in for mongosh's db and rs objects that enforces the localhost
// exception (before the first user exists, anything may be done; after, only
// a signed-in root may) and refuses a second initiation. On a fresh node, and
// after an earlier run initiated the set and stopped, the first run creates
// root, then the app's user with readWrite on its database only; a second
// run (a restart) signs in and creates nothing; both exit 0. With .env's
// root password changed after the first start it exits 1 (unhealthy).
func TestMongoSetupScript(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node")
	}
	harness := `
const fs = require('fs'), vm = require('vm');
const script = fs.readFileSync(process.argv[2], 'utf8');
function scenario(preInitiated) {
const state = { initiated: null, users: [], created: 0, initiations: 0 };
const env = { MONGO_ROOT_PASSWORD: 'rootpw', CANDOUR_MONGO_PASSWORD: 'apppw' };
function runOnce() {
  let authed = false;
  const anyUser = () => state.users.length > 0;
  const guard = () => { if (anyUser() && !authed) throw new Error('command requires authentication'); };
  const dbFor = (name) => ({
    auth(user, pwd) {
      if (!state.users.some(u => u.db === name && u.user === user && u.pwd === pwd)) throw new Error('Authentication failed.');
      authed = true; return { ok: 1 };
    },
    createUser(u) { guard(); if (state.users.some(x => x.db === name && x.user === u.user)) throw new Error('already exists');
      state.users.push({ db: name, user: u.user, pwd: u.pwd, roles: u.roles }); state.created++; },
    getUser(user) { guard(); return state.users.find(u => u.db === name && u.user === user) || null; },
    getSiblingDB: (n) => dbFor(n),
    hello: () => ({ isWritablePrimary: state.initiated !== null }),
  });
  const rs = {
    status() { guard(); if (!state.initiated) throw new Error('no replset config has been received'); return { ok: 1 }; },
    initiate(cfg) {
      if (anyUser() && !authed) { const e = new Error('command replSetInitiate requires authentication'); e.codeName = 'Unauthorized'; throw e; }
      if (state.initiated) { const e = new Error('already initialized'); e.codeName = 'AlreadyInitialized'; throw e; }
      state.initiated = cfg; state.initiations++; return { ok: 1 };
    },
  };
  let code = null;
  const ctx = { db: dbFor('test'), rs, print: () => {}, sleep: () => {},
    quit: (n) => { code = n; throw { quit: n }; },
    process: { env } };
  try { vm.runInNewContext(script, ctx); } catch (e) { if (!e || e.quit === undefined) throw e; }
  return code;
}
// preInitiated: a run stopped after initiating, before creating any user.
if (preInitiated) state.initiated = { _id: 'rs0', members: [{ _id: 0, host: 'mongo:27017' }] };
const first = runOnce(), createdFirst = state.created, second = runOnce();
// .env changed after the first start: unhealthy, not a crash.
env.MONGO_ROOT_PASSWORD = 'changed';
const wrong = runOnce();
return { first, second, wrong, initiations: state.initiations, createdFirst, createdSecond: state.created - createdFirst, initiated: state.initiated,
  users: state.users.map(u => ({ db: u.db, user: u.user, pwd: u.pwd, roles: u.roles })) };
}
console.log(JSON.stringify({ fresh: scenario(false), resumed: scenario(true) }));
`
	h := filepath.Join(t.TempDir(), "harness.js")
	os.WriteFile(h, []byte(harness), 0o600)
	out, err := exec.Command(node, h, "deploy/mongo/replica-set.js").CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	type result struct {
		First, Second, Wrong, Initiations int
		CreatedFirst, CreatedSecond       int
		Initiated                         struct {
			ID      string `json:"_id"`
			Members []struct{ Host string }
		}
		Users []struct {
			DB, User, Pwd string
			Roles         []struct{ Role, DB string }
		}
	}
	var both map[string]result
	if err := json.Unmarshal(out, &both); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for name, wantInitiations := range map[string]int{"fresh": 1, "resumed": 0} {
		got := both[name]
		if got.First != 0 || got.Second != 0 || got.Wrong != 1 {
			t.Fatalf("%s: exit codes %d, %d and with a changed root password %d; want 0, 0 and 1", name, got.First, got.Second, got.Wrong)
		}
		if got.Initiations != wantInitiations || got.Initiated.ID != "rs0" || len(got.Initiated.Members) != 1 || got.Initiated.Members[0].Host != "mongo:27017" {
			t.Errorf("%s: initiated %d times, as %+v", name, got.Initiations, got.Initiated)
		}
		if got.CreatedFirst != 2 || got.CreatedSecond != 0 || len(got.Users) != 2 {
			t.Fatalf("%s: created %d users, then %d on restart: %+v", name, got.CreatedFirst, got.CreatedSecond, got.Users)
		}
		root, app := got.Users[0], got.Users[1]
		if root.DB != "admin" || root.User != "root" || root.Pwd != "rootpw" {
			t.Errorf("%s: first user = %+v, want root in admin", name, root)
		}
		if app.DB != "candour" || app.User != "candour" || app.Pwd != "apppw" || len(app.Roles) != 1 ||
			app.Roles[0].Role != "readWrite" || app.Roles[0].DB != "candour" {
			t.Errorf("%s: app user = %+v, want candour with readWrite on candour and nothing else", name, app)
		}
	}
}

// TestDockerfileUsesTheMakefile: the image compiles the front end and the
// binary through the Makefile's own targets, so the Sass and Go flags
// cannot differ from `make build`; Node is the 22 LTS line; the version
// and commit are build arguments; the healthcheck is the binary's own.
func TestDockerfileUsesTheMakefile(t *testing.T) {
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	dockerfile := string(df)
	var runs []string
	for _, m := range regexp.MustCompile(`(?m)^RUN ((?:.*\\\n)*.*)`).FindAllStringSubmatch(dockerfile, -1) {
		runs = append(runs, strings.Join(strings.Fields(strings.ReplaceAll(m[1], "\\\n", " ")), " "))
	}
	want := []string{"make deps", "make static", "go mod download",
		`make binary VERSION="${VERSION}" COMMIT="${COMMIT}" OUT=/out/candour && mkdir -p /out/data`}
	if !slices.Equal(runs, want) {
		t.Fatalf("Dockerfile RUN steps = %q\nwant %q (compile only through make targets)", runs, want)
	}
	for _, re := range []string{`(?m)^FROM node:22\b`, `(?m)^ARG VERSION=dev$`, `(?m)^ARG COMMIT=dev$`,
		`(?m)^HEALTHCHECK .*CMD \["/candour", "healthcheck"\]$`, `(?m)^COPY package.json package-lock.json Makefile \./$`} {
		if !regexp.MustCompile(re).MatchString(dockerfile) {
			t.Errorf("Dockerfile does not match %s", re)
		}
	}
	// In the Makefile, "build" and "binary" are one recipe, and it stamps the version.
	recipe := func(target string) string {
		m := regexp.MustCompile(`(?m)^` + target + `:[^\n]*\n((?:\t[^\n]*\n)+)`).FindStringSubmatch(string(mk))
		if m == nil {
			t.Fatalf("Makefile has no %s target", target)
		}
		return m[1]
	}
	if recipe("build") != recipe("binary") || !strings.Contains(recipe("binary"), "$(GOBUILD)") {
		t.Errorf("build recipe %q and binary recipe %q differ", recipe("build"), recipe("binary"))
	}
	if !regexp.MustCompile(`(?m)^LDFLAGS := .*-X main\.version=\$\(VERSION\) -X main\.commit=\$\(COMMIT\)`).Match(mk) {
		t.Error("Makefile LDFLAGS do not set main.version and main.commit")
	}
	if !regexp.MustCompile(`(?m)^deps: \$\(NODE_STAMP\)$`).Match(mk) || !strings.Contains(recipe(`\$\(NODE_STAMP\)`), "$(NPM) ci") {
		t.Error("Makefile deps does not run npm ci")
	}
}
