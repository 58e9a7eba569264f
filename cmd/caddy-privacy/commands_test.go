package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/logs"
)

func TestPolicyDefault(t *testing.T) {
	a, stdout, stderr := testApp("")
	if code := runApp(a, "policy"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	p, err := config.Load(bytes.NewReader(stdout.Bytes()))
	if err != nil {
		t.Fatalf("policy output does not load: %v\n%s", err, stdout.String())
	}
	if !reflect.DeepEqual(p, config.Default()) {
		t.Errorf("policy output loads as %+v, want config.Default()", p)
	}
	if !strings.Contains(stdout.String(), "\n\t\"ip\": {") {
		t.Errorf("policy output is not indented JSON:\n%s", stdout.String())
	}
}

func TestPolicyCheck(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.json", `{"ip":{"transform":"truncate","ipv4_prefix":16}}`)
	tests := []struct {
		name, content string
		code          int
		want          []string // in stderr, or stdout when code is 0
	}{
		{"good.json", "", exitOK, []string{good + ": ok"}},
		{"bad-transform.json", `{"ip":{"transform":"hash"}}`, exitError, []string{"bad-transform.json", "ip.transform", `"hash"`, `"country"`}},
		{"two-errors.json", `{"ip":{"ipv4_prefix":40},"url":{"query":"some"}}`, exitError, []string{"ip.ipv4_prefix", "url.query"}},
		{"unknown-field.json", `{"ipp":{}}`, exitError, []string{"unknown-field.json", `unknown field "ipp"`}},
		{"wrong-type.json", `{"ip":{"ipv4_prefix":"24"}}`, exitError, []string{"ip.ipv4_prefix"}},
		{"syntax.json", `{"ip":`, exitError, []string{"syntax.json", "not valid JSON"}},
		{"missing.json", "-", exitError, []string{"missing.json", "no such file"}},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, tt.name)
		if tt.content != "" && tt.content != "-" {
			writeFile(t, dir, tt.name, tt.content)
		}
		a, stdout, stderr := testApp("")
		code := runApp(a, "policy", "-check", path)
		if code != tt.code {
			t.Errorf("%s: exit %d, want %d (stderr %q)", tt.name, code, tt.code, stderr.String())
		}
		out := stderr.String()
		if tt.code == exitOK {
			out = stdout.String()
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output %q lacks %q", tt.name, out, w)
			}
		}
	}
}

const auditInput = `192.0.2.1 - - [17/May/2015:10:05:03 +0000] "GET /?e=alice@example.com HTTP/1.1" 200 5 "-" "-"
192.0.2.2 - - [17/May/2015:10:05:04 +0000] "GET / HTTP/1.1" 200 5 "-" "-"
something else entirely, from 198.51.100.7
`

func TestAuditText(t *testing.T) {
	a, stdout, stderr := testApp(auditInput)
	if code := runApp(a, "audit", "-samples", "3"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"standard input: 3 lines (", "read as combined",
		"1 line not in the combined format, scanned as text",
		"TYPE", "FIELD", "COUNT", "FIRST LINES",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, row := range [][]string{{"email", "request", "1", "1"}, {"ipv4", "host", "2", "1, 2"}, {"ipv4", "line", "1", "3"}} {
		re := regexp.MustCompile(`(?m)^  ` + strings.Join(row[:2], `\s+`) + `\s+` + row[2] + `\s+` + regexp.QuoteMeta(row[3]) + `$`)
		if !re.MatchString(out) {
			t.Errorf("output lacks the row %q:\n%s", row, out)
		}
	}
	assertNoValues(t, out)
}

// assertNoValues checks that a report shows none of auditInput's
// identifiers.
func assertNoValues(t *testing.T, out string) {
	t.Helper()
	for _, v := range []string{"192.0.2.1", "192.0.2.2", "198.51.100.7", "alice", "example.com"} {
		if strings.Contains(out, v) {
			t.Errorf("report shows the value %q", v)
		}
	}
}

func TestAuditFilesAndHTML(t *testing.T) {
	dir := t.TempDir()
	in1 := writeFile(t, dir, "a.log", auditInput)
	in2 := writeFile(t, dir, "b.log", "nothing to see\n")
	html := filepath.Join(dir, "report.html")
	a, stdout, stderr := testApp("")
	if code := runApp(a, "audit", "-html", html, in1, in2); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "b.log: 1 line (15 B) read as text\n  no identifiers found") ||
		!strings.Contains(stdout.String(), "all 2 files:") {
		t.Errorf("text output:\n%s", stdout.String())
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{"<!DOCTYPE html>", "<style>", "<svg", "Email address", "IPv4 address", "client address", "a.log", "b.log", "No identifiers found", "<strong>4</strong> identifiers"} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	// Self-contained: nothing loaded from elsewhere, no scripts.
	for _, bad := range []string{"<script", "src=", "href=", "url(", "@import", "http://", "https://"} {
		if strings.Contains(page, bad) {
			t.Errorf("HTML contains %q", bad)
		}
	}
	assertNoValues(t, page)
	if names := dirNames(t, dir); len(names) != 3 {
		t.Errorf("directory holds %q", names)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 10213: "10,213", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestAuditHTMLEscapes(t *testing.T) {
	var buf bytes.Buffer
	rep := &logs.Report{Format: logs.FormatCaddyJSON, Lines: 1, Findings: []logs.Finding{{Kind: "<b>x</b>", Field: `a"<script>`, Count: 1, Lines: []int64{1}}}}
	if err := writeAuditHTML(&buf, []fileReport{{Name: "<evil>.log", Report: rep}}, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); strings.Contains(s, "<script>") || strings.Contains(s, "<evil>") || strings.Contains(s, "<b>x") {
		t.Errorf("HTML not escaped:\n%s", s)
	}
}

func TestAuditPassesAuditOnly(t *testing.T) {
	a, _, stderr := testApp("x\n")
	var got engineOptions
	a.newEngine = func(o engineOptions) (logs.Engine, logs.Auditor, error) {
		got = o
		return nil, fakeAuditor, nil // an audit needs no Engine
	}
	if code := runApp(a, "audit"); code != exitOK || !got.AuditOnly {
		t.Errorf("exit %d, options %+v, stderr %q", code, got, stderr.String())
	}
}

func TestGeoIP(t *testing.T) {
	closed := false
	a, stdout, stderr := testApp("")
	var got engineOptions
	a.openGeoDB = func(o engineOptions) (geoDB, error) {
		got = o
		return fakeGeoDB{closed: &closed}, nil
	}
	if code := runApp(a, "geoip", "lookup", "-geoip-db", "c.mmdb", "81.2.69.160", "10.0.0.1", "2001:db8::1"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if want := "81.2.69.160  GB\n10.0.0.1     ZZ\n2001:db8::1  GB\n"; stdout.String() != want {
		t.Errorf("lookup output %q, want %q", stdout.String(), want)
	}
	if got.Policy.GeoIP.Database != "c.mmdb" || !closed {
		t.Errorf("options %+v, closed %v", got, closed)
	}

	a, stdout, _ = testApp("")
	if code := runApp(a, "geoip", "info", "-geoip-db", "c.mmdb"); code != exitOK {
		t.Fatalf("info: exit %d", code)
	}
	for _, want := range []string{"file:         test.mmdb\n", "size:         2.0 KiB\n", "records:      flat\n", "type:         Test-Country\n", "built:        2025-01-02 03:04:05 UTC\n", "ip version:   6\n", "nodes:        42\n", "record size:  24 bits\n"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("info output lacks %q:\n%s", want, stdout.String())
		}
	}

	// The database may come from the policy.
	dir := t.TempDir()
	pol := writeFile(t, dir, "p.json", `{"geoip":{"database":"/from/policy.mmdb"}}`)
	a, _, _ = testApp("")
	a.openGeoDB = func(o engineOptions) (geoDB, error) { got = o; return fakeGeoDB{}, nil }
	if code := runApp(a, "geoip", "info", "-policy", pol); code != exitOK || got.Policy.GeoIP.Database != "/from/policy.mmdb" {
		t.Errorf("policy database: exit %d, options %+v", code, got)
	}

	a, _, stderr = testApp("")
	a.openGeoDB = func(engineOptions) (geoDB, error) {
		return nil, errors.New("open c.mmdb: no such file or directory")
	}
	if code := runApp(a, "geoip", "info", "-geoip-db", "c.mmdb"); code != exitError || !strings.Contains(stderr.String(), "open c.mmdb") {
		t.Errorf("open error: exit %d, stderr %q", code, stderr.String())
	}
}
