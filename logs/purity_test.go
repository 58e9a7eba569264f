package logs

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNoCaddy keeps the package usable without Caddy: it is the
// core of a command-line tool. It may use the engine (redact, config).
func TestImportsNoCaddy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/caddyserver/") || strings.HasPrefix(pkg, "go.uber.org/") {
			t.Errorf("package logs depends on %s", pkg)
		}
	}
}
