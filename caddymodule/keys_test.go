package caddymodule

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
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
