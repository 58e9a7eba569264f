package caddymodule

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/caddyserver/caddy/v2"
)

func TestUnprivateLogs(t *testing.T) {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	l := &caddy.Logging{Logs: map[string]*caddy.CustomLog{
		"default":   {}, // Caddy's own encoder
		"private":   {BaseLog: caddy.BaseLog{EncoderRaw: raw(`{"format":"privacy","geoip":{"off":true}}`)}},
		"json":      {BaseLog: caddy.BaseLog{EncoderRaw: raw(`{"format":"json"}`)}},
		"filtered":  {BaseLog: caddy.BaseLog{EncoderRaw: raw(`{"format":"filter","wrap":{"format":"json"},"fields":{}}`)}},
		"wrapped":   {BaseLog: caddy.BaseLog{EncoderRaw: raw(`{"format":"filter","wrap":{"format":"privacy"}}`)}},
		"appended":  {BaseLog: caddy.BaseLog{EncoderRaw: raw(`{"format":"append","wrap":{"format":"filter","wrap":{"format":"privacy"}}}`)}},
		"discarded": {BaseLog: caddy.BaseLog{WriterRaw: raw(`{"output":"discard"}`)}},
	}}
	want := []string{"default", "filtered", "json"}
	if got := unprivateLogs(l); !slices.Equal(got, want) {
		t.Errorf("unprivateLogs = %q, want %q", got, want)
	}
	l.Sink = &caddy.SinkLog{}
	if got := unprivateLogs(l); !slices.Contains(got, "sink") {
		t.Errorf("unprivateLogs = %q, want the sink too", got)
	}
}

// configOf reads the config a context provisions; if Caddy's Context
// changes shape, this test says so before users lose the warning.
func TestConfigOf(t *testing.T) {
	cfg := &caddy.Config{Logging: &caddy.Logging{}}
	ctx, err := caddy.ProvisionContext(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := configOf(ctx); got != cfg {
		t.Fatalf("configOf = %p, want %p", got, cfg)
	}
	if got := configOf(caddy.Context{Context: context.Background()}); got != nil {
		t.Errorf("configOf(empty) = %p, want nil", got)
	}
}
