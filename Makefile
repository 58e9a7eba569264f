# caddy-privacy: `make run` starts the example, `make test` runs every check.

GO       ?= go
BIN      := bin
CACHE    ?= $(HOME)/.cache/caddy-privacy
PKGS     := ./...

# The country database `make run` uses unless GEOIP_DB names another: the
# CC BY 4.0 ip-location-db country database from the npm registry.
GEOIP_PKG := @ip-location-db/geo-whois-asn-country-mmdb
GEOIP_DB  ?= $(CACHE)/geo-whois-asn-country.mmdb
PORT      ?= 8080

.PHONY: all build test vet fmt-check unit fuzz bench run geoip clean

all: build

build:
	$(GO) build -o $(BIN)/caddy ./cmd/caddy
	$(GO) build -o $(BIN)/caddy-privacy ./cmd/caddy-privacy

## run: the example Caddyfile in front of the demo app, with a real
## country database; Ctrl-C stops both.
run: build geoip
	$(GO) build -o $(BIN)/demo-upstream ./cmd/demo-upstream
	@trap 'kill $$up 2>/dev/null' EXIT INT TERM; \
	$(BIN)/demo-upstream -listen 127.0.0.1:9081 & up=$$!; \
	echo; echo "caddy-privacy example: http://localhost:$(PORT)/  (country database: $(GEOIP_DB))"; echo; \
	PRIVACY_GEOIP_DB=$(GEOIP_DB) PRIVACY_PORT=$(PORT) $(BIN)/caddy run --config Caddyfile --adapter caddyfile

## geoip: fetch the country database into the cache, once.
geoip: $(GEOIP_DB)

$(CACHE)/geo-whois-asn-country.mmdb:
	@mkdir -p $(CACHE)/npm
	cd $(CACHE)/npm && rm -rf package *.tgz && npm pack --silent $(GEOIP_PKG) >/dev/null && tar -xzf *.tgz
	cp $(CACHE)/npm/package/NRO_LICENSE $(CACHE)/
	cp $(CACHE)/npm/package/geo-whois-asn-country.mmdb $@.tmp && mv $@.tmp $@

## test: gofmt check, go vet, and the whole suite under the race detector.
test: fmt-check vet unit

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

unit:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

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
