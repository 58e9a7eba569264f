package main

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddy-privacy/caddy-privacy/internal/redistest"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym/redisstore"
)

const keysLine = `203.0.113.7 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 5` + "\n"

// sanitizeHost runs sanitize with policy over keysLine and returns what
// the client address became.
func sanitizeHost(t *testing.T, policy string) (string, string, int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(path, []byte(policy), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"sanitize", "-policy", path}, strings.NewReader(keysLine), &stdout, &stderr)
	host, _, _ := strings.Cut(stdout.String(), " ")
	return host, stderr.String(), code
}

// With keys.store redis, backfills use the fleet's key: two runs, and a
// key ring over the same Redis (as a Caddy node has), give one visitor one
// pseudonym. With the default memory store, each run has its own key.
func TestSanitizeSharesRedisKeys(t *testing.T) {
	srv := redistest.Start(t)
	t.Setenv("TEST_REDIS_ADDR", srv.Addr)
	policy := `{"ip": {"transform": "pseudonym"}, "geoip": {"off": true},
		"keys": {"store": "redis", "address": "{env.TEST_REDIS_ADDR}", "prefix": "fleet"}}`
	first, stderr, code := sanitizeHost(t, policy)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	second, _, _ := sanitizeHost(t, policy)
	if len(first) != pseudonym.Len || first != second {
		t.Fatalf("two runs on one Redis: %q and %q; want one pseudonym", first, second)
	}

	store, err := redisstore.New(redisstore.Options{Address: srv.Addr, Prefix: "fleet", Rotate: 24 * time.Hour, Retention: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	node := pseudonym.NewKeyRing(store, 24*time.Hour, 24*time.Hour)
	if err := node.Refresh(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := string(node.AppendAddr(nil, netip.MustParseAddr("203.0.113.7"))); got != first {
		t.Fatalf("a node's pseudonym %q; the CLI's %q", got, first)
	}

	mem := `{"ip": {"transform": "pseudonym"}, "geoip": {"off": true}}`
	a, _, _ := sanitizeHost(t, mem)
	b, _, _ := sanitizeHost(t, mem)
	if a == b || a == first {
		t.Fatalf("memory-store runs made %q and %q (Redis: %q); want keys of their own", a, b, first)
	}
}

// Redis down: a backfill stops with an error naming the field, not the
// server, rather than write pseudonyms that match nothing; "caddy" is
// refused with advice.
func TestSanitizeKeyStoreErrors(t *testing.T) {
	srv := redistest.Start(t)
	srv.Stop()
	t.Setenv("TEST_REDIS_ADDR", srv.Addr)
	_, stderr, code := sanitizeHost(t, `{"ip": {"transform": "pseudonym"}, "geoip": {"off": true}, "keys": {"store": "redis", "address": "{env.TEST_REDIS_ADDR}"}}`)
	_, port, _ := strings.Cut(srv.Addr, ":")
	if code == exitOK || !strings.Contains(stderr, "redis") || strings.Contains(stderr, port) {
		t.Fatalf("exit %d, stderr %q; want a failure that names redis and not the server's address", code, stderr)
	}
	_, stderr, code = sanitizeHost(t, `{"keys": {"store": "caddy"}, "geoip": {"off": true}}`)
	if code == exitOK || !strings.Contains(stderr, "keys.store") {
		t.Fatalf("exit %d, stderr %q; want keys.store refused", code, stderr)
	}
}
