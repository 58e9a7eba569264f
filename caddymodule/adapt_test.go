package caddymodule

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

var update = flag.Bool("update", false, "rewrite the expected output of adapt fixtures")

// TestCaddyfileAdapt runs the fixtures in testdata/caddyfile_adapt, in the
// style of Caddy's own: a Caddyfile, a line of dashes, and the JSON it
// adapts to, or "error: " and the expected error (with its position).
func TestCaddyfileAdapt(t *testing.T) {
	files, err := filepath.Glob("testdata/caddyfile_adapt/*.caddyfiletest")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	adapter := caddyconfig.GetAdapter("caddyfile")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			input, want, ok := strings.Cut(string(raw), "\n----------\n")
			if !ok {
				t.Fatal("fixture has no ---------- separator")
			}
			out, _, err := adapter.Adapt([]byte(input), map[string]any{"filename": "Caddyfile"})
			var got string
			if err != nil {
				got = "error: " + err.Error() + "\n"
			} else {
				var buf bytes.Buffer
				if err := json.Indent(&buf, out, "", "\t"); err != nil {
					t.Fatal(err)
				}
				got = buf.String() + "\n"
			}
			if *update {
				os.WriteFile(file, []byte(input+"\n----------\n"+got), 0o644)
				return
			}
			if got != want {
				t.Errorf("adapted output differs\n--- got\n%s\n--- want\n%s", got, want)
			}
		})
	}
}
