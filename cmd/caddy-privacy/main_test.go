package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/logs"
	"github.com/caddy-privacy/caddy-privacy/redact"
)

// fakeEngine stands in for the redaction engine until it is wired:
// addresses become "GB", dotted quads and emails in text become tags.
type fakeEngine struct{}

var (
	quadRE  = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)
	emailRE = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
)

var fakeRules = redact.NewRules(config.Default())

func (fakeEngine) Rules() *redact.Rules { return fakeRules }

func (fakeEngine) AppendRule(dst []byte, rl redact.Rule, src []byte) []byte {
	switch rl {
	case redact.RuleDrop:
		return dst
	case redact.RuleIP:
		return append(dst, "GB"...)
	case redact.RuleForwarded:
		return append(dst, "for=GB"...)
	case redact.RuleUserAgent:
		return append(dst, "UA"...)
	case redact.RulePseudonym:
		return append(dst, "pseudo"...)
	}
	out := quadRE.ReplaceAll(src, []byte("[ipv4]"))
	return append(dst, emailRE.ReplaceAll(out, []byte("[email]"))...)
}

var fakeAuditor = auditorFunc(func(src []byte, fn func(string)) {
	for range quadRE.FindAll(src, -1) {
		fn("ipv4")
	}
	for range emailRE.FindAll(src, -1) {
		fn("email")
	}
})

type fakeGeoDB struct{ closed *bool }

func (fakeGeoDB) Country(addr netip.Addr) string {
	if addr.IsPrivate() || addr.IsLoopback() {
		return "ZZ"
	}
	return "GB"
}

func (fakeGeoDB) Info() geoInfo {
	return geoInfo{Path: "test.mmdb", Kind: "flat", Type: "Test-Country", Built: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), IPVersion: 6, Nodes: 42, RecordSize: 24, Size: 2048}
}

func (g fakeGeoDB) Close() error {
	if g.closed != nil {
		*g.closed = true
	}
	return nil
}

// testApp is the command with fakes for the engine and the terminal.
func testApp(stdin string) (*app, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	a := &app{
		stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr,
		newEngine: func(engineOptions) (logs.Engine, logs.Auditor, error) {
			return fakeEngine{}, fakeAuditor, nil
		},
		openGeoDB:  func(engineOptions) (geoDB, error) { return fakeGeoDB{}, nil },
		createTemp: func(dir, pattern string) (outFile, error) { return os.CreateTemp(dir, pattern) },
		isTerminal: func(io.Writer) bool { return false },
	}
	return a, &stdout, &stderr
}

func runApp(a *app, args ...string) int { return a.run(context.Background(), args) }

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// dirNames lists a directory, to find left-over temporary files.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string // in stderr
	}{
		{nil, "usage: caddy-privacy <command>"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"sanitize", "-format", "xml"}, `-format: unknown log format "xml"; want auto, caddy-json`},
		{[]string{"sanitize", "-zap"}, "flag provided but not defined: -zap"},
		{[]string{"sanitize", "-j", "many"}, `invalid value "many" for flag -j`},
		{[]string{"sanitize", "-jobs", "-3"}, "-jobs: -3 is not a number of goroutines"},
		{[]string{"sanitize", "-o"}, "flag needs an argument: -o"},
		{[]string{"audit", "-samples", "-1"}, "-samples: -1 is out of range"},
		{[]string{"audit", "-format", "json"}, `unknown log format "json"`},
		{[]string{"policy", "extra"}, `unexpected argument "extra"`},
		{[]string{"policy", "-check"}, "flag needs an argument: -check"},
		{[]string{"geoip"}, "missing subcommand; want lookup or info"},
		{[]string{"geoip", "where"}, `unknown subcommand "where"`},
		{[]string{"geoip", "lookup", "-geoip-db", filepath.Join(dir, "x.mmdb")}, "no ADDRESS given"},
		{[]string{"geoip", "lookup", "-geoip-db", "x.mmdb", "192.0.2.1", "bob@example.com"}, "argument 2 is not an IPv4 or IPv6 address"},
		{[]string{"geoip", "lookup", "192.0.2.1"}, "no country database; give -geoip-db FILE"},
		{[]string{"geoip", "info", "-geoip-db", "x.mmdb", "extra"}, "unexpected argument 1"},
	}
	for _, tt := range tests {
		a, stdout, stderr := testApp("")
		if code := runApp(a, tt.args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", tt.args, code, exitUsage)
		}
		if !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: stderr %q, want it to contain %q", tt.args, stderr.String(), tt.want)
		}
		if strings.Contains(stderr.String(), "bob@example.com") {
			t.Errorf("%q: an argument that may be personal data was echoed: %q", tt.args, stderr.String())
		}
		if stdout.Len() != 0 {
			t.Errorf("%q: wrote to stdout: %q", tt.args, stdout.String())
		}
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{
		{"-h"}, {"help"}, {"sanitize", "-h"}, {"sanitize", "--help"}, {"audit", "-help"},
		{"policy", "-h"}, {"geoip", "-h"}, {"geoip", "lookup", "-h"}, {"geoip", "info", "--help"},
	} {
		a, stdout, stderr := testApp("")
		if code := runApp(a, args...); code != exitOK {
			t.Errorf("%q: exit %d, want 0", args, code)
		}
		if !strings.HasPrefix(stdout.String(), "usage: caddy-privacy") || stderr.Len() != 0 {
			t.Errorf("%q: stdout %q, stderr %q", args, stdout.String(), stderr.String())
		}
	}
	a, stdout, _ := testApp("")
	runApp(a, "sanitize", "-h")
	for _, want := range []string{"\n  -format FORMAT ", "(default auto)", "\n  -j, -jobs N ", "\n  -o FILE ", "\n  -policy FILE ", "\n  -geoip-db FILE "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("sanitize -h lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestSanitizeStdin(t *testing.T) {
	a, stdout, stderr := testApp("from 10.0.0.1\r\nmail a@b.example\nlast")
	if code := runApp(a, "sanitize", "-format", "text", "-j", "2"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if want := "from [ipv4]\r\nmail [email]\nlast"; stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr %q", stderr.String())
	}
}

func TestSanitizeFiles(t *testing.T) {
	dir := t.TempDir()
	in1 := writeFile(t, dir, "a.log", `192.0.2.1 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5 "-" "curl"`+"\nnot combined 10.1.1.1") // no final newline
	in2 := writeFile(t, dir, "b.log", `{"msg":"x@y.example"}`+"\n")
	out := filepath.Join(dir, "out.log")
	a, stdout, stderr := testApp("stdin 10.0.0.2\n")
	// Flags after operands work, and - is standard input.
	if code := runApp(a, "sanitize", in1, "-", in2, "-o", out); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := `GB - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5 "-" "UA"` + "\nnot combined [ipv4]\nstdin [ipv4]\n" + `{"msg":"[email]"}` + "\n"
	if string(got) != want {
		t.Errorf("output\n%s\nwant\n%s", got, want)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout %q with -o", stdout.String())
	}
	if !strings.Contains(stderr.String(), a.logNote(in1)) {
		t.Errorf("stderr %q lacks the note about the line that was not combined", stderr.String())
	}
	fi, _ := os.Stat(out)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if names := dirNames(t, dir); len(names) != 3 {
		t.Errorf("directory holds %q; want only the inputs and the output", names)
	}
}

func (a *app) logNote(name string) string {
	return name + ": 1 of 2 lines were not in the combined format and were sanitized as text"
}

func TestSanitizeUnreadable(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.log", "a\n")
	missing := filepath.Join(dir, "missing.log")
	out := filepath.Join(dir, "out.log")
	for _, args := range [][]string{
		{"sanitize", good, missing},
		{"sanitize", "-o", out, good, missing},
		{"sanitize", good, dir},
		{"audit", missing},
	} {
		a, stdout, stderr := testApp("")
		if code := runApp(a, args...); code != exitError {
			t.Errorf("%q: exit %d, want 1", args, code)
		}
		bad := args[len(args)-1]
		if !strings.Contains(stderr.String(), bad) {
			t.Errorf("%q: stderr %q does not name %s", args, stderr.String(), bad)
		}
		if stdout.Len() != 0 {
			t.Errorf("%q: wrote %q before failing", args, stdout.String())
		}
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("directory holds %q; want only good.log", names)
	}
}

// failingFile is a temporary file whose writes fail after n bytes, like a
// full disk.
type failingFile struct {
	*os.File
	n int
}

func (f *failingFile) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k, _ := f.File.Write(p[:f.n])
		f.n = 0
		return k, errors.New("no space left on device")
	}
	f.n -= len(p)
	return f.File.Write(p)
}

func TestSanitizeWriteFailure(t *testing.T) {
	dir := t.TempDir()
	var in strings.Builder
	for range 20000 {
		in.WriteString("a line from 10.0.0.1 that is long enough to fill a few blocks\n")
	}
	input := writeFile(t, dir, "in.log", in.String())
	out := filepath.Join(dir, "out.log")
	writeFile(t, dir, "out.log", "the previous output\n")
	a, _, stderr := testApp("")
	a.createTemp = func(d, pattern string) (outFile, error) {
		f, err := os.CreateTemp(d, pattern)
		if err != nil {
			return nil, err
		}
		return &failingFile{File: f, n: 100000}, nil
	}
	if code := runApp(a, "sanitize", "-o", out, input); code != exitError {
		t.Fatalf("exit %d, want 1", code)
	}
	if want := "write " + out + ": no space left on device"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q, want it to contain %q", stderr.String(), want)
	}
	if b, _ := os.ReadFile(out); string(b) != "the previous output\n" {
		t.Errorf("-o file changed to %d bytes", len(b))
	}
	if names := dirNames(t, dir); len(names) != 2 {
		t.Errorf("directory holds %q; a temporary file was left", names)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestSanitizeOutputDirMissing(t *testing.T) {
	out := filepath.Join(t.TempDir(), "no", "such", "out.log")
	a, _, stderr := testApp("a\n")
	if code := runApp(a, "sanitize", "-o", out); code != exitError || !strings.Contains(stderr.String(), "-o "+out+": cannot create a file beside it: no such file or directory") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestSanitizeStdoutFailure(t *testing.T) {
	a, _, stderr := testApp("a\nb\n")
	a.stdout = failingWriter{}
	if code := runApp(a, "sanitize"); code != exitError {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "write standard output: broken pipe") {
		t.Errorf("stderr %q", stderr.String())
	}
}

func TestSanitizeEngineError(t *testing.T) {
	a, _, stderr := testApp("a\n")
	a.newEngine = func(engineOptions) (logs.Engine, logs.Auditor, error) {
		return nil, nil, errors.New("geoip.database: open GeoLite2-Country.mmdb: no such file or directory")
	}
	if code := runApp(a, "sanitize"); code != exitError || !strings.Contains(stderr.String(), "geoip.database") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestSanitizePassesPolicy(t *testing.T) {
	dir := t.TempDir()
	pol := writeFile(t, dir, "p.json", `{"ip":{"transform":"truncate"}}`)
	bad := writeFile(t, dir, "bad.json", `{"ip":{"transform":"hash"}}`)
	var got engineOptions
	a, _, stderr := testApp("")
	a.newEngine = func(o engineOptions) (logs.Engine, logs.Auditor, error) {
		got = o
		return fakeEngine{}, fakeAuditor, nil
	}
	if code := runApp(a, "sanitize", "-policy", pol, "-geoip-db", "/db/c.mmdb"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if got.Policy.IP.Transform != "truncate" || got.Policy.IP.IPv4Prefix != 24 || got.Policy.GeoIP.Database != "/db/c.mmdb" || got.AuditOnly {
		t.Errorf("engine options %+v", got)
	}
	a, _, stderr = testApp("")
	if code := runApp(a, "sanitize", "-policy", bad); code != exitError || !strings.Contains(stderr.String(), "ip.transform") {
		t.Errorf("bad policy: exit %d, stderr %q", code, stderr.String())
	}
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start
	p := newProgressBar(&buf, "sanitize", 200<<20)
	p.now = func() time.Time { return now }
	p.start = start
	now = start.Add(2 * time.Second)
	if got, want := p.line(50<<20, now), "sanitize  25% [######..................]  50.0 MiB / 200.0 MiB  25.0 MiB/s  0:06 left"; got != want {
		t.Errorf("line:\n got %q\nwant %q", got, want)
	}
	p.update(50 << 20)
	p.update(60 << 20) // too soon: not drawn
	now = now.Add(time.Second)
	p.update(200 << 20)
	p.clear()
	if n := strings.Count(buf.String(), "\r"); n != 3 || !strings.HasSuffix(buf.String(), "\r\x1b[K") {
		t.Errorf("drawn %q", buf.String())
	}
	var nilBar *progressBar
	nilBar.clear()
}

func TestProgressShownOnTerminalOnly(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.log", strings.Repeat("x\n", 1000))
	for _, tt := range []struct {
		stderrTTY, stdoutTTY, toFile bool
		want                         bool
	}{
		{true, false, false, true},
		{true, true, false, false}, // output on the terminal: no bar in it
		{true, true, true, true},
		{false, false, false, false},
	} {
		a, _, stderr := testApp("")
		a.isTerminal = func(w io.Writer) bool {
			if w == a.stderr {
				return tt.stderrTTY
			}
			return tt.stdoutTTY
		}
		args := []string{"sanitize", in}
		if tt.toFile {
			args = append(args, "-o", filepath.Join(dir, "out.log"))
		}
		if code := runApp(a, args...); code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		if got := strings.Contains(stderr.String(), "sanitize 100%"); got != tt.want {
			t.Errorf("%+v: bar shown %v, want %v (stderr %q)", tt, got, tt.want, stderr.String())
		}
	}
	// Standard input has no known size: no bar.
	a, _, stderr := testApp("x\n")
	a.isTerminal = func(w io.Writer) bool { return w == a.stderr }
	runApp(a, "sanitize")
	if stderr.Len() != 0 {
		t.Errorf("stdin: stderr %q", stderr.String())
	}
}
