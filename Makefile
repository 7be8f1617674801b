# Candour. The two commands a newcomer needs:
#   make run    the portal at http://127.0.0.1:8080 on the embedded store, with demo data
#   make test   every test: gofmt, vet, staticcheck, unit, store, handler and browser (axe-core) tests
#               (CANDOUR_E2E=required makes a missing Chromium a failure, not a skip)
#   make test-mongo  the store and handler tests through MONGODB_URI (a MongoDB
#               replica set; unset: the embedded engine as a separate process on TCP)
#   make test-mongo-e2e  the browser suite the same way (not in .ci/run: docs/operations.md)
# Others: make static | build | binary | image | bench | vet | lint | fmt | clean | deps
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:

GOTAGS := ferretdb_no_postgresql
GO ?= go
NPM ?= npm
# The Sass that npm ci installed from package-lock.json (what `npx sass` would
# pick, without npx's start-up cost or its fallback to fetching another one).
SASS := node_modules/.bin/sass
SASSFLAGS := --load-path=node_modules --no-source-map --style=compressed --quiet-deps

GOVUK := node_modules/govuk-frontend/dist/govuk
DIST := static/dist
CSS := $(DIST)/candour.css
JS := $(DIST)/govuk-frontend.min.js
ASSETS := $(DIST)/assets/.stamp
NODE_STAMP := node_modules/.stamp
SCSS := $(wildcard static/scss/*.scss)
# The version and commit stamped into the binary (`candour version`). The
# Dockerfile runs the same "binary" target with the values passed as build
# arguments (make image passes these), so both builds are one recipe.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
# The portal's binary is built with the candourrelease tag, which leaves out
# the store's hooks for tests and the benchmark (the files of store/ marked
# //go:build !candourrelease: testhooks.go, bench_seed.go, fresh_template.go,
# powers_rules.go). Tests and the benchmark's seeding build without it.
RELEASETAGS := $(GOTAGS),candourrelease
# A static binary (the embedded store's SQLite is pure Go) without local paths.
GOBUILD = CGO_ENABLED=0 $(GO) build -trimpath -tags $(RELEASETAGS) -ldflags "$(LDFLAGS)"
OUT ?= bin/candour
# The race detector's flags for every test run (make test, but for e2e/:
# see E2E below; .ci/test-mongo).
# It instruments all of our code and every dependency but two, whose code
# is not Go written for goroutines: modernc.org's SQLite under the embedded
# store (C translated to Go, which a cgo build would not instrument at all;
# instrumented, with the checkptr checks -race brings, it was a fifth of a
# store-bound test's CPU) and gonum's numeric kernels (the disclosure
# checks' linear programs, each inside one goroutine; instrumented, one
# survey test spent 40 s of CPU in them, 8 s without). Synchronisation
# stays visible: sync and sync/atomic are instrumented, and so is the code
# that calls these two. docs/performance-history.md ("Fourth round") has the figures.
# FerretDB stays instrumented: left out (-gcflags=github.com/FerretDB/...=-race=false,
# twelfth round) the detector reported races in the driver's own caches, whose
# happens-before edges run through the embedded server in the same process.
RACEFLAGS := -race -gcflags=modernc.org/...=-race=false -gcflags=gonum.org/v1/gonum/...=-race=false
# make test runs the browser suite (e2e/) without the race detector, beside
# the other packages (the lead's decision, docs/decisions.md, "The browser
# suite without the race detector"): it checks pages, people and
# accessibility, and the same handlers and store run under -race in the
# server and store suites. Under -race its Go side (the portal and store
# each journey drives) cost it about a tenth of its CPU and a fifth of its
# wall time (docs/decisions.md has the figures). Every other package keeps -race.
E2E := ./e2e/
# Tests built only without the race detector (//go:build !race: pure
# computation that starts no goroutine, each saying so), run beside the
# browser suite. Each is named here (TestEveryNoRaceTestRunsInMakeTest
# fails for one that is not, which would never run).
NORACE := -run '^TestAttackFindsNothingOnGeneratedSurveys$$' ./survey/
# The race-detected packages run longest first, two test binaries at a
# time (go test's default) beside the browser suite: go test starts
# packages' runs in the order given, and alphabetical order left the two
# largest (server, store) for last, so the run ended on one busy core for
# about 50 s (docs/performance.md, "Test time"). Three at a time was tried:
# each suite's CPU rose with the crowding, and the wall did not fall.
FIRST := ./server/ ./store/ . ./cli/ ./jobs/ ./demo/ ./powers/ ./disparity/
# Every Go process make test starts (the go command, the compiler and
# linker, vet, staticcheck, the test binaries and the portals they start)
# collects garbage when its heap has grown by 400 %, not Go's default 100 %:
# paired runs of the same test binaries, 12-13 % less CPU (disparity
# 26.8 -> 23.4 s, powers 32.8 -> 28.5 s), peak memory 129 -> 192 MB. No
# test measures the heap's size (the bounded-memory and allocation budgets
# are make bench's, or count bytes allocated, which GOGC does not change).
TESTGOGC := 400
# Test binaries are linked without DWARF (-w): nothing reads it (stack
# traces and race reports use the symbol table, which stays), and it is a
# quarter of each link (the server suite's binary: 4.9 -> 3.6 s of CPU).
TESTLDFLAGS := -ldflags=-w
# go test runs eleven of vet's checks on each package before its tests
# (atomic, bool, buildtags, directive, errorsas, ifaceassert, nilfunc,
# printf, slog, stringintconv, tests), a second time over the same files:
# make test's own go vet ./... runs all of vet's checks on every package
# and its tests, without the race detector, so it sees the files built
# only without it too (no file is built only with it). Off in make test's
# go test runs: about 14 s of CPU on a first run (the facts of every
# package each test binary imports), a few seconds on later ones.
TESTVETFLAGS := -vet=off
# Every go command make test and make test-mongo start (and those their
# tests start: the crash tests' build of the portal, the MongoDB-only
# build, make binary, the devstore) compiles with -trimpath, through
# GOFLAGS. Without it the go command's cache key for a package includes
# the package's directory, so every clean clone and every worktree
# compiled all of our packages again in every configuration, though the
# code was the same; with it they share what the machine has compiled
# (make binary used -trimpath already), and test-mongo reuses what make
# test compiled. Stack traces and the race detector's reports name files
# by module path (candour/store/visits.go), not by directory; t.Errorf's
# file:line is the same. TestTestsCompileWithTrimpath holds the targets to it.
TESTGOFLAGS := -trimpath
# staticcheck at a pinned version, run through the Go module proxy (go run
# fetches it once into the module cache): nothing to install by hand.
STATICCHECK_VERSION := v0.8.2
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
IMAGE ?= candour:latest
# Go files we own, for gofmt (not node_modules, not the runtime data dir).
GOFILES = $$(find . -name '*.go' -not -path './node_modules/*' -not -path './data/*' -not -path './.git/*')

.PHONY: all deps static build binary image run test test-mongo test-mongo-e2e bench vet lint fmt clean
all: build

# npm ci when node_modules is missing or package.json / package-lock.json is
# newer than the last install. No install scripts: none of our packages needs
# one (sass is pure JavaScript; its optional file watcher is not used).
deps: $(NODE_STAMP)
$(NODE_STAMP): package.json package-lock.json
	$(NPM) ci --no-audit --no-fund --ignore-scripts
	touch $@

$(CSS): $(SCSS) $(NODE_STAMP)
	@mkdir -p $(DIST)
	$(SASS) $(SASSFLAGS) static/scss/candour.scss $@

# GOV.UK Frontend's ES module bundle, imported by static/js/init.js. Its
# source map is not shipped, so drop the comment that points at it.
$(JS): $(NODE_STAMP)
	@mkdir -p $(DIST)
	sed 's|//# sourceMappingURL=.*$$||' $(GOVUK)/govuk-frontend.min.js > $@

# Images only (favicons, icons, the crest the CSS names): we use Arial, so no fonts.
$(ASSETS): $(NODE_STAMP)
	rm -rf $(DIST)/assets
	mkdir -p $(DIST)/assets
	cp -R $(GOVUK)/assets/images $(DIST)/assets/images
	cp $(GOVUK)/assets/manifest.json $(DIST)/assets/manifest.json
	touch $@

static: $(CSS) $(JS) $(ASSETS)

build: static
	$(GOBUILD) -o $(OUT) .

# The binary alone, from a static/dist already in place: the Dockerfile's
# build stage, which copies static/dist from its front-end stage.
binary:
	$(GOBUILD) -o $(OUT) .

# The production image, stamped with this checkout's version and commit.
image:
	docker build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) -t $(IMAGE) .

run: build
	./bin/candour serve

vet: static
	$(GO) vet -tags $(GOTAGS) ./...

lint: static
	$(STATICCHECK) -tags $(GOTAGS) ./...

test: static
	@unformatted="$$(gofmt -l $(GOFILES))"; \
	  if [[ -n "$$unformatted" ]]; then echo "gofmt would change (run make fmt):"; echo "$$unformatted"; exit 1; fi
	@# The checks that run no test (vet, staticcheck, and the release build:
	@# the portal compiles without the store's test hooks, so no production
	@# code calls one; with make binary's own flags, so the packages it
	@# compiles are the ones cli's TestMakeBinaryStampsVersion links, not a
	@# configuration of their own) run beside the tests, not before them: each of the
	@# three runs whatever the others say, into one log printed when the
	@# tests end. Every package runs with the race detector except the
	@# browser suite, which runs without it at the same time (see E2E
	@# above). make test fails if a check or a test fails, and says which.
	@# vet and staticcheck need our packages compiled without the race
	@# detector, as the browser suite's binary does: started together, two
	@# go commands compiled each package twice, side by side (no go command
	@# waits for another's compile). So the browser suite's side first
	@# compiles them (go build ./..., which links nothing; its errors show
	@# again in the suite and in vet), and the checks start when it is done,
	@# at the lowest priority (nice): they are not on the run's longest path
	@# (the race-built suites are), so they take the cores the tests leave idle.
	@export GOGC=$(TESTGOGC) GOFLAGS="$$($(GO) env GOFLAGS) $(TESTGOFLAGS)"; \
	  checks=$$(mktemp); built=$$(mktemp -u); trap 'rm -f "$$checks" "$$built"' EXIT; \
	  echo "$(GO) test -tags $(GOTAGS) $(TESTLDFLAGS) $(TESTVETFLAGS) -count=1 -timeout 30m $(E2E) &"; \
	  echo "$(GO) test -tags $(GOTAGS) -count=1 $(NORACE) &"; \
	  ( $(GO) build -tags $(GOTAGS) ./... >/dev/null 2>&1 || true; : > "$$built"; \
	    $(GO) test -tags $(GOTAGS) $(TESTLDFLAGS) $(TESTVETFLAGS) -count=1 -timeout 30m $(E2E) && $(GO) test -tags $(GOTAGS) $(TESTLDFLAGS) $(TESTVETFLAGS) -count=1 -timeout 10m $(NORACE) ) & e2e=$$!; \
	  ( while [[ ! -e $$built ]] && kill -0 $$e2e 2>/dev/null; do sleep 1; done; st=0; \
	    echo "$(GO) vet -tags $(GOTAGS) ./..."; nice -n 19 $(GO) vet -tags $(GOTAGS) ./... || st=1; \
	    echo "$(STATICCHECK) -tags $(GOTAGS) ./..."; nice -n 19 $(STATICCHECK) -tags $(GOTAGS) ./... || st=1; \
	    echo '$(GOBUILD) -o /dev/null .'; nice -n 19 env $(GOBUILD) -o /dev/null . || st=1; \
	    exit $$st ) > "$$checks" 2>&1 & lint=$$!; \
	  echo "$(GO) test -tags $(GOTAGS) $(RACEFLAGS) $(TESTLDFLAGS) $(TESTVETFLAGS) -count=1 -timeout 30m $(FIRST) (then every other package but $(E2E))"; \
	  rest=0; $(GO) test -tags $(GOTAGS) $(RACEFLAGS) $(TESTLDFLAGS) $(TESTVETFLAGS) -count=1 -timeout 30m $(FIRST) $$($(GO) list -tags $(GOTAGS) ./... | grep -v -x -e candour/e2e $(patsubst ./%/,-e candour/%,$(filter-out .,$(FIRST))) -e candour) || rest=$$?; \
	  browser=0; wait $$e2e || browser=$$?; \
	  static=0; wait $$lint || static=$$?; \
	  echo "== vet, staticcheck, release build:"; cat "$$checks"; \
	  if (( static != 0 || rest != 0 || browser != 0 )); then echo "make test: failed (vet, staticcheck or the release build: $$static, race-detected packages: $$rest, browser suite: $$browser)"; exit 1; fi

# The same store and handler suites on a server given by MONGODB_URI, one
# fresh database per test; with MONGODB_URI unset, on the embedded engine
# started as a separate process listening on TCP (store/devstore), the
# stand-in for MongoDB where none can run. TESTMONGO_PKGS='./...' runs
# every package (those that do not open a store run as in make test).
test-mongo: static
	GOFLAGS="$$($(GO) env GOFLAGS) $(TESTGOFLAGS)" GO=$(GO) GOTAGS=$(GOTAGS) RACEFLAGS="$(RACEFLAGS)" .ci/test-mongo

# The browser suite (e2e/: chromedp and axe-core, each journey on a fresh
# store from store/storetest) the same way, through MONGODB_URI. A target
# of its own, not part of test-mongo: docs/operations.md gives the time it
# takes and why .ci/run leaves it out.
test-mongo-e2e: static
	GOFLAGS="$$($(GO) env GOFLAGS) $(TESTGOFLAGS)" GO=$(GO) GOTAGS=$(GOTAGS) RACEFLAGS="$(RACEFLAGS)" TESTMONGO_PKGS=./e2e/ .ci/test-mongo

# make bench BENCHFLAGS='-scale 10' seeds ten times the volumes. With
# MONGODB_URI set (or BENCHFLAGS=-mongo, which without MONGODB_URI starts
# the embedded engine as a separate process on TCP, store/devstore), every
# row runs twice: in process and through the URI, reported side by side.
bench: static
	$(GO) run -tags $(GOTAGS) ./bench $(BENCHFLAGS)

fmt:
	gofmt -w $(GOFILES)

clean:
	rm -rf bin $(DIST)
