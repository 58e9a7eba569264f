package caddymodule

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/caddyserver/caddy/v2"
	_ "github.com/caddyserver/caddy/v2/modules/logging"

	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
)

// The logs are provisioned as Caddy provisions them, which drops their raw
// JSON; the check reads the loaded encoders.
func TestUnprivateLogs(t *testing.T) {
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	privacy := `{"format":"privacy","geoip":{"database":"` + db + `"}}`
	file := func(name string) string {
		return `{"output":"file","filename":"` + filepath.Join(dir, name) + `"}`
	}
	raw := `{"logs":{
		"default":   {"writer":` + file("default") + `},
		"private":   {"writer":` + file("private") + `,"encoder":` + privacy + `},
		"json":      {"writer":` + file("json") + `,"encoder":{"format":"json"}},
		"filtered":  {"writer":` + file("filtered") + `,"encoder":{"format":"filter","wrap":{"format":"json"}}},
		"wrapped":   {"writer":` + file("wrapped") + `,"encoder":{"format":"filter","wrap":` + privacy + `}},
		"appended":  {"writer":` + file("appended") + `,"encoder":{"format":"append","wrap":{"format":"filter","wrap":` + privacy + `}}},
		"discarded": {"writer":{"output":"discard"}}
	}}`
	var logging caddy.Logging
	if err := json.Unmarshal([]byte(raw), &logging); err != nil {
		t.Fatal(err)
	}
	cfg := &caddy.Config{Logging: &logging, StorageRaw: json.RawMessage(`{"module":"file_system","root":"` + filepath.Join(dir, "storage") + `"}`)}
	ctx, err := caddy.ProvisionContext(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_ = ctx
	want := []string{"default", "filtered", "json"}
	if got := unprivateLogs(cfg.Logging); !slices.Equal(got, want) {
		t.Errorf("unprivateLogs = %q, want %q", got, want)
	}
	if got := configOf(ctx); got != cfg {
		t.Errorf("configOf = %p, want %p", got, cfg)
	}
	if got := configOf(caddy.Context{Context: context.Background()}); got != nil {
		t.Errorf("configOf(empty) = %p, want nil", got)
	}
}
