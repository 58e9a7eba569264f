package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
)

// The tests in this file run the real engine. They skip while the seam in
// engine.go returns ErrEngineNotWired, and only then.

// realEngine skips the test while the engine seam is a stub.
func realEngine(t *testing.T, p config.Policy) {
	t.Helper()
	e, _, err := newEngine(engineOptions{Policy: p})
	if errors.Is(err, ErrEngineNotWired) {
		t.Skip("the engine seam in engine.go is not wired yet")
	}
	if err != nil {
		t.Fatalf("newEngine: %v", err)
	}
	closeEngine(e)
}

// corpusPath returns the shared Apache log, skipping the test without it.
func corpusPath(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found above the test directory")
		}
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", "corpus", "apache_logs")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("test corpus not available (%v); it lives outside the module, in ../shared/corpus", err)
	}
	return path
}

// noGeoIPPolicy is the default policy without a country database: the
// country transform then truncates.
const noGeoIPPolicy = `{"geoip":{"off":true}}`

func TestRealSanitizeCorpus(t *testing.T) {
	p, err := config.Load(strings.NewReader(noGeoIPPolicy))
	if err != nil {
		t.Fatal(err)
	}
	realEngine(t, p)
	corpus := corpusPath(t)
	dir := t.TempDir()
	pol := writeFile(t, dir, "p.json", noGeoIPPolicy)
	out := filepath.Join(dir, "out.log")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"sanitize", "-policy", pol, "-o", out, corpus}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	in, _ := os.ReadFile(corpus)
	got, _ := os.ReadFile(out)
	if n, m := bytes.Count(in, []byte("\n")), bytes.Count(got, []byte("\n")); n != m {
		t.Errorf("%d lines in, %d out", n, m)
	}
	hosts := map[string]bool{}
	for _, line := range strings.Split(string(in), "\n") {
		if h, _, ok := strings.Cut(line, " "); ok {
			hosts[h] = true
		}
	}
	for _, m := range regexp.MustCompile(`\d+\.\d+\.\d+\.\d+`).FindAll(got, -1) {
		if hosts[string(m)] {
			t.Fatalf("client address survived: %s", m)
		}
	}
}

func TestRealAuditCorpus(t *testing.T) {
	realEngine(t, config.Default())
	corpus := corpusPath(t)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"audit", corpus}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !regexp.MustCompile(`(?m)^  ipv4\s+host\s+\d+\s+1, 2, 3, 4, 5, …$`).MatchString(stdout.String()) {
		t.Errorf("audit output lacks the client addresses:\n%s", stdout.String())
	}
	if strings.Contains(stdout.String(), "83.149.9.216") {
		t.Errorf("audit output shows an address")
	}
}

func TestRealGeoIPSeam(t *testing.T) {
	_, err := openGeoDB(engineOptions{Policy: config.Default()})
	if errors.Is(err, ErrEngineNotWired) {
		t.Skip("the geoip seam in engine.go is not wired yet")
	}
	// Wired: a missing database is an error naming the file.
	p := config.Default()
	p.GeoIP.Database = filepath.Join(t.TempDir(), "missing.mmdb")
	if _, err := openGeoDB(engineOptions{Policy: p}); err == nil || !strings.Contains(err.Error(), "missing.mmdb") {
		t.Errorf("openGeoDB(missing) = %v, want an error naming the file", err)
	}
}

// TestSeamReportsNotWired documents the stub's behaviour: the command
// fails with a clear message, exit 1, until the seam is wired.
func TestSeamReportsNotWired(t *testing.T) {
	if _, _, err := newEngine(engineOptions{Policy: config.Default()}); !errors.Is(err, ErrEngineNotWired) {
		t.Skip("the engine seam is wired")
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"sanitize"}, strings.NewReader("x\n"), &stdout, &stderr); code != exitError ||
		stderr.String() != "caddy-privacy sanitize: engine not wired yet\n" || stdout.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}
