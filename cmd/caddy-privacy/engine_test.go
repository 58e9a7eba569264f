package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"

	"github.com/caddy-privacy/caddy-privacy/internal/corpustest"
)

// The tests in this file run the real engine.

// realEngine checks that the engine builds for p.
func realEngine(t *testing.T, p config.Policy) {
	t.Helper()
	e, _, err := newEngine(engineOptions{Policy: p, AuditOnly: true})
	if err != nil {
		t.Fatalf("newEngine: %v", err)
	}
	closeEngine(e)
}

// corpusPath returns the shared Apache log, skipping the test without it.
func corpusPath(t *testing.T) string {
	t.Helper()
	return corpustest.Path(t, corpustest.ApacheLogs)
}

// TestRealSanitizeCorpus runs the default policy over the real log with a
// country database: every line is still there and no client address of
// the input survives anywhere in the output.
func TestRealSanitizeCorpus(t *testing.T) {
	realEngine(t, config.Default())
	corpus := corpusPath(t)
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, map[string]string{"83.149.9.0/24": "RU", "66.249.73.0/24": "US"})
	out := filepath.Join(dir, "out.log")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"sanitize", "-geoip-db", db, "-o", out, corpus}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	in, _ := os.ReadFile(corpus)
	got, _ := os.ReadFile(out)
	inLines, outLines := strings.Split(string(in), "\n"), strings.Split(string(got), "\n")
	if len(inLines) != len(outLines) {
		t.Fatalf("%d lines in, %d out", len(inLines), len(outLines))
	}
	hosts := map[string]bool{}
	for _, line := range inLines {
		if h, _, ok := strings.Cut(line, " "); ok {
			hosts[h] = true
		}
	}
	for _, m := range regexp.MustCompile(`\d+\.\d+\.\d+\.\d+`).FindAll(got, -1) {
		if hosts[string(m)] {
			t.Fatalf("client address survived: %s", m)
		}
	}
	// What is not personal is kept: method, path, status and size.
	if !strings.HasPrefix(outLines[0], "RU - - [17/May/2015:10:05:03 +0000] \"GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1\" 200 203023 ") {
		t.Errorf("first line = %q", outLines[0])
	}
	for i, line := range outLines[:len(outLines)-1] {
		if !regexp.MustCompile(`^[A-Z]{2} `).MatchString(line) {
			t.Fatalf("line %d does not start with a country: %q", i+1, line)
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

func TestRealGeoIPMissingDatabase(t *testing.T) {
	p := config.Default()
	p.GeoIP.Database = filepath.Join(t.TempDir(), "missing.mmdb")
	if _, err := openGeoDB(engineOptions{Policy: p}); err == nil || !strings.Contains(err.Error(), "missing.mmdb") {
		t.Errorf("openGeoDB(missing) = %v, want an error naming the file", err)
	}
}

// TestErrorsSayWhatToDo: a missing database or policy file names the path
// and says how to get one.
func TestErrorsSayWhatToDo(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "GeoLite2-Country.mmdb")
	_, err := openCountryDB(missing)
	if err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "-geoip-db") || !strings.Contains(err.Error(), "make geoip") {
		t.Errorf("missing database: %v", err)
	}
	_, err = loadPolicy(missing + ".json")
	if err == nil || !strings.Contains(err.Error(), "caddy-privacy policy >") {
		t.Errorf("missing policy: %v", err)
	}
}
