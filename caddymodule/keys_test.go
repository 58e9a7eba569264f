package caddymodule

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/internal/redistest"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym"
)

// TestLogEncoderLoadsKeysFromConfiguredStorage runs Caddy in this process
// with a config that has only a log written by the privacy encoder and a
// file_system storage: Caddy provisions the encoder before that storage
// exists, and the encoder's keys must still end up there, not in Caddy's
// default data directory. Under -race it also checks that learning the
// storage races with nothing Caddy does.
func TestLogEncoderLoadsKeysFromConfiguredStorage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Caddy in process")
	}
	dir := t.TempDir()
	storage := filepath.Join(dir, "storage")
	cfg := fmt.Sprintf(`{
		"admin": {"disabled": true},
		"storage": {"module": "file_system", "root": %q},
		"logging": {"logs": {
			"default": {"writer": {"output": "discard"}},
			"privacy": {
				"writer": {"output": "file", "filename": %q},
				"encoder": {"format": "privacy", "geoip": {"off": true}, "ip": {"transform": "pseudonym"}},
				"include": ["test"]
			}
		}}
	}`, storage, filepath.Join(dir, "log"))
	if err := caddy.Load([]byte(cfg), true); err != nil {
		t.Fatal(err)
	}
	defer caddy.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for {
		keys, _ := filepath.Glob(filepath.Join(storage, "caddy-privacy", "pseudonym-keys", "*"))
		if len(keys) == 1 {
			break
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(storage)
			t.Fatalf("no pseudonym key in the configured storage after 10s (it holds %v)", entries)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The handler's key store follows the policy: modules in one process with
// keys memory share a ring; keys redis with Redis down still provisions
// (pages are served with keys held in memory) within the store's timeouts.
func TestHandlerKeyStores(t *testing.T) {
	visitor := netip.MustParseAddr("81.2.69.160")
	pseudonymOf := func(h *Handler) string { return string(h.engine.Keys.AppendAddr(nil, visitor)) }

	memA := provisioned(t, &Handler{Policy: config.Policy{GeoIP: config.GeoIPPolicy{Off: true}, Keys: config.KeysPolicy{Store: "memory"}}})
	memB := provisioned(t, &Handler{Policy: config.Policy{GeoIP: config.GeoIPPolicy{Off: true}, Keys: config.KeysPolicy{Store: "memory"}}})
	own := provisioned(t, &Handler{Policy: config.Policy{GeoIP: config.GeoIPPolicy{Off: true}}})
	if pseudonymOf(memA) != pseudonymOf(memB) || pseudonymOf(memA) == pseudonymOf(own) {
		t.Errorf("memory stores: %q and %q, storage %q; want the memory ones equal and the storage one apart",
			pseudonymOf(memA), pseudonymOf(memB), pseudonymOf(own))
	}

	srv := redistest.Start(t)
	srv.Stop()
	start := time.Now()
	down := provisioned(t, &Handler{Policy: config.Policy{GeoIP: config.GeoIPPolicy{Off: true},
		Keys: config.KeysPolicy{Store: "redis", Address: srv.Addr}}})
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("provisioning with Redis down took %v", took)
	}
	if p := pseudonymOf(down); len(p) != pseudonym.Len {
		t.Fatalf("pseudonym %q with Redis down", p)
	}
}
