# caddy-privacy: `make run` starts the example, `make test` runs every check.

GO       ?= go
BIN      := bin
CACHE    ?= $(HOME)/.cache/caddy-privacy
PKGS     := ./...

# The country database `make run` uses unless GEOIP_DB names another: the
# CC BY 4.0 ip-location-db country database from the npm registry.
GEOIP_PKG := @ip-location-db/geo-whois-asn-country-mmdb
GEOIP_DB  ?= $(CACHE)/geo-whois-asn-country.mmdb
# The shop's front door (what you open), Caddy behind it, the live page.
PORT       ?= 8080
CADDY_PORT ?= 8081
LIVE_PORT  ?= 9090
DEMO_LOG   ?= $(CACHE)/demo/access.log

.PHONY: all build test vet fmt-check reference unit otel-test e2e sdk-e2e fuzz bench run geoip clean

all: build

build:
	$(GO) build -o $(BIN)/caddy ./cmd/caddy
	$(GO) build -o $(BIN)/caddy-privacy ./cmd/caddy-privacy
	cd otelcol && $(GO) build -o ../$(BIN)/otelcol-privacy ./cmd/otelcol-privacy

## run: the demo shop behind the example Caddyfile, with a real country
## database, a stand-in analytics vendor and the live page; Ctrl-C stops all.
run: build geoip
	$(GO) build -o $(BIN)/demo ./cmd/demo
	@mkdir -p $(dir $(DEMO_LOG))
	@trap 'kill $$demo 2>/dev/null; wait $$demo 2>/dev/null' EXIT INT TERM; \
	$(BIN)/demo -front 127.0.0.1:$(PORT) -caddy 127.0.0.1:$(CADDY_PORT) -live 127.0.0.1:$(LIVE_PORT) \
	  -access-log $(DEMO_LOG) & demo=$$!; \
	sleep 0.5; kill -0 $$demo 2>/dev/null || { echo "the demo did not start (a port in use?)"; exit 1; }; \
	echo; echo "caddy-privacy demo"; \
	echo "  the shop:   http://localhost:$(PORT)/"; \
	echo "  live page:  http://localhost:$(LIVE_PORT)/"; \
	echo "  access log: $(DEMO_LOG)"; \
	echo "  country database: $(GEOIP_DB)"; echo; \
	PRIVACY_GEOIP_DB=$(GEOIP_DB) PRIVACY_PORT=$(CADDY_PORT) PRIVACY_LOG_OUTPUT="file $(DEMO_LOG)" \
	  $(BIN)/caddy run --config Caddyfile --adapter caddyfile

## geoip: fetch the country database into the cache, once.
geoip: $(GEOIP_DB)

$(CACHE)/geo-whois-asn-country.mmdb:
	@mkdir -p $(CACHE)/npm
	cd $(CACHE)/npm && rm -rf package *.tgz && npm pack --silent $(GEOIP_PKG) >/dev/null && tar -xzf *.tgz
	cp $(CACHE)/npm/package/NRO_LICENSE $(CACHE)/
	cp $(CACHE)/npm/package/geo-whois-asn-country.mmdb $@.tmp && mv $@.tmp $@

## test: gofmt check, go vet, the outside-reference data regenerated and
## compared, the whole Go suite under the race detector, the collector's
## (its own module, otelcol/), then the browser tests of the demo and of
## the real analytics SDKs.
test: fmt-check vet reference unit otel-test e2e sdk-e2e

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

unit:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

## otel-test: the OpenTelemetry Collector processor and distribution, a
## nested module that the root `go test ./...` does not enter: vet, the
## processor's tests under the race detector, and end-to-end runs of the
## built collector (without -race: that would rebuild the whole collector).
otel-test:
	cd otelcol && $(GO) vet ./... && $(GO) test -race -count=1 ./privacyprocessor && \
	  $(GO) test -count=1 -timeout 10m ./cmd/... ./compare

## reference: generate the recall cases from the outside references
## (libphonenumber-js, ibantools, jsvat; internal/reference), and check that
## the committed phone data and GPP cases (@iabgpp/cmpapi) are what their
## generators write today.
REF := internal/reference
REF_FILES := redact/detect/testdata/phones.jsonl redact/detect/phone_table.go consent/testdata/gpp.jsonl
reference: $(REF)/node_modules/.package-lock.json
	@tmp=$$(mktemp -d) && cp $(REF_FILES) $$tmp/ && \
	(cd $(REF) && node gen-cases.mjs >/dev/null && node gen-phone-cases.mjs >/dev/null && node gen-phone-table.mjs >/dev/null && node gen-gpp.mjs >/dev/null) && \
	gofmt -w redact/detect/phone_table.go && \
	for f in $(REF_FILES); do cmp -s $$f $$tmp/$$(basename $$f) || { echo "$$f differs from what its generator writes"; exit 1; }; done; \
	echo "reference data: recall cases generated; phone data and GPP cases as the generators write them"

$(REF)/node_modules/.package-lock.json: $(REF)/package-lock.json
	cd $(REF) && npm ci --no-audit --no-fund

## e2e: the browser tests of the demo (demo/e2e): Debian's chromium, driven
## by playwright-core, against the example Caddyfile.
E2E := demo/e2e
e2e: $(E2E)/node_modules/.package-lock.json
	$(GO) build -o $(BIN)/caddy ./cmd/caddy
	$(GO) build -o $(BIN)/demo ./cmd/demo
	$(GO) build -o $(BIN)/e2e-testdb ./demo/e2e/testdb
	cd $(E2E) && node --test --test-concurrency=1 --test-timeout=120000 *.test.mjs

$(E2E)/node_modules/.package-lock.json: $(E2E)/package-lock.json
	cd $(E2E) && npm ci --no-audit --no-fund

## sdk-e2e: the real analytics SDKs from npm (PostHog, Amplitude, Segment,
## Plausible, Mixpanel), bundled with esbuild and driven in chromium through
## privacy_beacon to a recording collector (beacon/sdk-e2e).
SDKE2E := beacon/sdk-e2e
sdk-e2e: $(SDKE2E)/node_modules/.package-lock.json
	$(GO) build -o $(BIN)/caddy ./cmd/caddy
	$(GO) build -o $(BIN)/e2e-testdb ./demo/e2e/testdb
	cd $(SDKE2E) && node build.mjs && node --test --test-concurrency=1 --test-timeout=180000 sdk.test.mjs

$(SDKE2E)/node_modules/.package-lock.json: $(SDKE2E)/package-lock.json
	cd $(SDKE2E) && npm ci --no-audit --no-fund

## fuzz: run every fuzz target for FUZZTIME each (seeds already run in `make test`).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## bench: the in-process benchmarks beside the code.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 $(PKGS)

clean:
	rm -rf $(BIN)
