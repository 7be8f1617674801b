# Candour. The two commands a newcomer needs:
#   make run    the portal at http://127.0.0.1:8080 on the embedded store, with demo data
#   make test   every test: vet, unit, store, handler and browser (axe-core) tests
SHELL := bash
GOTAGS := ferretdb_no_postgresql
GO ?= go

GOVUK := node_modules/govuk-frontend/dist/govuk
DIST := static/dist
CSS := $(DIST)/candour.css
JS := $(DIST)/govuk-frontend.min.js
ASSETS := $(DIST)/assets/.stamp

.PHONY: all static build run test bench vet fmt clean
all: build

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(CSS): static/scss/candour.scss node_modules/.stamp
	mkdir -p $(DIST)
	npx sass --load-path=node_modules --no-source-map --style=compressed --quiet-deps static/scss/candour.scss $@

$(JS): node_modules/.stamp
	mkdir -p $(DIST)
	cp $(GOVUK)/govuk-frontend.min.js $@

# Images only (favicons, crest-free icons): we use Arial, so no fonts.
$(ASSETS): node_modules/.stamp
	mkdir -p $(DIST)/assets
	cp -r $(GOVUK)/assets/images $(DIST)/assets/
	cp $(GOVUK)/assets/manifest.json $(DIST)/assets/ 2>/dev/null || true
	touch $@

static: $(CSS) $(JS) $(ASSETS)

build: static
	$(GO) build -tags $(GOTAGS) -o bin/candour .

run: build
	./bin/candour serve

vet: static
	$(GO) vet -tags $(GOTAGS) ./...

test: static
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*'))" || { echo "gofmt would change:"; gofmt -l .; exit 1; }
	$(GO) vet -tags $(GOTAGS) ./...
	$(GO) test -tags $(GOTAGS) -race -count=1 -timeout 30m ./...

bench: static
	$(GO) run -tags $(GOTAGS) ./bench

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin $(DIST)
