package config

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEngineImportsNoCaddy keeps the engine usable without Caddy: the CLI and
// any other front end depend on it.
func TestEngineImportsNoCaddy(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}",
		"github.com/caddy-privacy/caddy-privacy/config",
		"github.com/caddy-privacy/caddy-privacy/consent",
		"github.com/caddy-privacy/caddy-privacy/logs",
		"github.com/caddy-privacy/caddy-privacy/beacon",
		"github.com/caddy-privacy/caddy-privacy/redact/...",
	).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/caddyserver/") || strings.HasPrefix(pkg, "go.uber.org/zap") {
			t.Errorf("the engine depends on %s", pkg)
		}
	}
}
