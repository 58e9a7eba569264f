package privacyprocessor

import (
	"context"
	"fmt"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/caddy-privacy/caddy-privacy/internal/engine"
	"github.com/caddy-privacy/caddy-privacy/internal/redistest"
	"github.com/caddy-privacy/caddy-privacy/redact"
)

// pseudonymOf runs one record with client.address ip through p.
func pseudonymOf(t *testing.T, p *privacy, ip string) string {
	t.Helper()
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Attributes().PutStr("client.address", ip)
	if _, err := p.processLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	v, _ := lr.Attributes().Get("client.address")
	return v.Str()
}

// TestRedisKeysAgreeWithCLI: a collector and a CLI run (which opens its
// keys with the same engine.OpenKeys) on one Redis give an address the
// same pseudonym; a second collector does too.
func TestRedisKeysAgreeWithCLI(t *testing.T) {
	srv := redistest.Start(t)
	policy := fmt.Sprintf("ip: {transform: pseudonym}\nkeys: {store: redis, address: %q}", srv.Addr)
	a, b := newTest(t, policy), newTest(t, policy)
	const ip = "203.0.113.50"
	pa, pb := pseudonymOf(t, a, ip), pseudonymOf(t, b, ip)
	if pa == ip || pa == "" || pa != pb {
		t.Fatalf("collectors: %q and %q", pa, pb)
	}
	cfg, err := loadConfig(t, policy)
	if err != nil {
		t.Fatal(err)
	}
	keys, store, err := engine.OpenKeys(cfg.Policy, nil)
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	cli, err := redact.New(cfg.Policy, nil, keys)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(cli.AppendIP(nil, []byte(ip))); got != pa {
		t.Errorf("CLI engine: %q, collector: %q", got, pa)
	}
}

// TestRedisDownAtStart: the collector starts without Redis, makes
// pseudonyms with a key of its own, and passes no address on.
func TestRedisDownAtStart(t *testing.T) {
	p := newTest(t, "ip: {transform: pseudonym}\nkeys: {store: redis, address: \"127.0.0.1:1\"}")
	p.start()
	got := pseudonymOf(t, p, "203.0.113.51")
	if got == "" || got == "203.0.113.51" {
		t.Errorf("client.address = %q", got)
	}
	if p.outages.Reachable() {
		t.Error("the outage was not noticed")
	}
}
