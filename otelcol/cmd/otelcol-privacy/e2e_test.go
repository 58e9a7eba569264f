package main

// End-to-end tests of the built collector: the binary this package makes,
// run with a config.yaml as users run it.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/caddy-privacy/caddy-privacy/internal/corpustest"
)

// collectorBin is the collector built once for the tests.
var collectorBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "otelcol-privacy-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	collectorBin = filepath.Join(dir, "otelcol-privacy")
	if out, err := exec.Command("go", "build", "-o", collectorBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the collector: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freePort returns a loopback port nobody listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// collector is a running collector.
type collector struct {
	metricsPort int           // its Prometheus metrics
	exited      chan struct{} // closed when it exits
}

// alive fails the test if the collector has exited.
func (c *collector) alive(t *testing.T) {
	t.Helper()
	select {
	case <-c.exited:
		t.Fatal("the collector exited")
	default:
	}
}

// runCollector starts the collector with config. It is stopped when the
// test ends, and its log shown if the test failed.
func runCollector(t *testing.T, config string) *collector {
	t.Helper()
	metricsPort := freePort(t)
	config += fmt.Sprintf(`
  telemetry:
    metrics:
      level: basic
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: %d
`, metricsPort)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(collectorBin, "--config", path)
	log := new(bytes.Buffer)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("collector log:\n%s", log)
		}
	})
	return &collector{metricsPort: metricsPort, exited: done}
}

// recordCounts scrapes the processor's outcome counter.
func recordCounts(port int) (map[string]string, error) {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	counts := make(map[string]string)
	re := regexp.MustCompile(`(?m)^\w*processor_privacy_records\w*\{[^}]*outcome="(\w+)"[^}]*\} (\S+)$`)
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		counts[m[1]] = m[2]
	}
	return counts, nil
}

// brokenLines are lines a real log holds after a crash, a rotation or an
// attack: cut short, with invalid UTF-8, with escapes, very long. Each
// holds a client address that must not come out.
var brokenLines = []string{
	`203.0.113.5 - - [17/May/2015:10:05:03 +0000] "GET /cut`,
	`{"level":"info","request":{"remote_ip":"203.0.113.6","uri":"/?email=anna@example.com","headers":{"User-Ag`,
	"\xff\xfe 203.0.113.7 - - [17/May/2015:10:05:03 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"\xc3\x28\"",
	`{"msg":"login \u0062ob@example.com from 203.0.113.8","remote_ip":"203.0.113.8"}`,
	`203.0.113.9 - - [99/Foo/2015:10:05:03 +0000] "\x16\x03\x01" 400 0 "-" "-"`,
	`203.0.113.10 ` + strings.Repeat("A", 64<<10) + ` 203.0.113.10`,
	`connection from [2001:db8::beef]:443 and 203.0.113.11:51234 reset`,
}

// brokenClients are the client addresses in brokenLines.
var brokenClients = []string{"203.0.113.5", "203.0.113.6", "203.0.113.7", "203.0.113.8", "203.0.113.9", "203.0.113.10", "203.0.113.11"}

var (
	ipv4      = regexp.MustCompile(`^(?:\d{1,3}\.){3}\d{1,3}$`)
	numberRun = regexp.MustCompile(`[0-9.]+`)
)

// TestFilelogToFile runs filelog → privacy → file over the real corpus and
// the broken lines: every line comes out as one record, and no client
// address of the input survives.
func TestFilelogToFile(t *testing.T) {
	corpus, ok := corpustest.Find(corpustest.ApacheLogs)
	var input []byte
	if ok {
		b, err := os.ReadFile(corpus)
		if err != nil {
			t.Fatal(err)
		}
		input = b
	} else {
		t.Logf("corpus %s absent (it lives beside the module, in ../shared/corpus); running over the broken lines only", corpustest.ApacheLogs)
	}
	input = append(input, []byte(strings.Join(brokenLines, "\n")+"\n")...)
	lines := bytes.Split(bytes.TrimSuffix(input, []byte("\n")), []byte("\n"))
	// The client address is each corpus line's first field; the broken
	// lines name theirs.
	clients := make(map[string]bool)
	for _, l := range lines {
		if f, _, ok := bytes.Cut(l, []byte(" ")); ok && ipv4.Match(f) {
			clients[string(f)] = true
		}
	}
	for _, ip := range brokenClients {
		clients[ip] = true
	}

	dir := t.TempDir()
	in, out := filepath.Join(dir, "access.log"), filepath.Join(dir, "clean.jsonl")
	if err := os.WriteFile(in, input, 0o644); err != nil {
		t.Fatal(err)
	}
	c := runCollector(t, fmt.Sprintf(`
receivers:
  filelog:
    include: [%q]
    start_at: beginning
processors:
  privacy:
    ip: {transform: pseudonym}
  batch:
exporters:
  file:
    path: %q
service:
  pipelines:
    logs:
      receivers: [filelog]
      processors: [privacy, batch]
      exporters: [file]
`, in, out))

	var bodies []string
	deadline := time.Now().Add(90 * time.Second)
	for {
		bodies = readFileExport(t, out)
		if len(bodies) >= len(lines) || time.Now().After(deadline) {
			break
		}
		c.alive(t)
		time.Sleep(250 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // anything beyond the count would show now
	bodies = readFileExport(t, out)
	if len(bodies) != len(lines) {
		t.Fatalf("%d lines in, %d records out", len(lines), len(bodies))
	}
	survived := 0
	for i, b := range bodies {
		// Every run of digits and dots: an address that survived is one.
		for _, run := range numberRun.FindAllString(b, -1) {
			if clients[run] {
				survived++
				t.Errorf("record %d keeps client address %s: %.300s", i, run, b)
			}
		}
		for _, id := range []string{"2001:db8::beef", "anna@", "bob@"} {
			if strings.Contains(b, id) {
				t.Errorf("record %d keeps %s: %.300s", i, id, b)
			}
		}
	}
	t.Logf("%d lines in (%d distinct client addresses), %d records out, %d addresses survived", len(lines), len(clients), len(bodies), survived)
	if ok && !strings.Contains(strings.Join(bodies[:3], "\n"), `"GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023`) {
		t.Errorf("what is not personal was lost: %s", bodies[0])
	}

	counts, err := recordCounts(c.metricsPort)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("processor_privacy_records by outcome: %v", counts)
	if counts["parsed"] == "" {
		t.Errorf("no parsed records counted: %v", counts)
	}
}

// readFileExport returns the bodies of the records the file exporter has
// written so far: one OTLP JSON object per line.
func readFileExport(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var bodies []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	var um plog.JSONUnmarshaler
	for sc.Scan() {
		ld, err := um.UnmarshalLogs(sc.Bytes())
		if err != nil {
			return bodies // a line still being written
		}
		bodies = appendBodies(bodies, ld)
	}
	return bodies
}

func appendBodies(dst []string, ld plog.Logs) []string {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				dst = append(dst, lrs.At(k).Body().AsString())
			}
		}
	}
	return dst
}

// sink is an OTLP logs server that keeps what it is sent.
type sink struct {
	plogotlp.UnimplementedGRPCServer
	mu   sync.Mutex
	logs []plog.Logs
}

func (s *sink) Export(_ context.Context, req plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	ld := plog.NewLogs()
	req.Logs().CopyTo(ld)
	s.mu.Lock()
	s.logs = append(s.logs, ld)
	s.mu.Unlock()
	return plogotlp.NewExportResponse(), nil
}

func (s *sink) records() []plog.LogRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []plog.LogRecord
	for _, ld := range s.logs {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			sls := ld.ResourceLogs().At(i).ScopeLogs()
			for j := 0; j < sls.Len(); j++ {
				lrs := sls.At(j).LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					out = append(out, lrs.At(k))
				}
			}
		}
	}
	return out
}

// TestOTLPRoundTrip sends logs over OTLP to the collector, whose privacy
// processor passes them on over OTLP to a server here: structured bodies
// and semantic-convention attributes come back clean.
func TestOTLPRoundTrip(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	s := new(sink)
	plogotlp.RegisterGRPCServer(srv, s)
	go srv.Serve(l)
	t.Cleanup(srv.Stop)

	recvPort := freePort(t)
	c := runCollector(t, fmt.Sprintf(`
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%d
processors:
  privacy:
    ip: {transform: truncate}
    detectors: {phone: {off: true}}
exporters:
  otlp:
    endpoint: %s
    tls: {insecure: true}
service:
  pipelines:
    logs:
      receivers: [otlp]
      processors: [privacy]
      exporters: [otlp]
`, recvPort, l.Addr()))

	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	a := lrs.AppendEmpty()
	a.Body().SetStr(`{"level":"info","request":{"remote_ip":"198.51.100.7","uri":"/login?email=carl@example.com&next=/"},"status":302}`)
	a.Attributes().PutStr("client.address", "198.51.100.7")
	a.Attributes().PutStr("user.id", "carl")
	a.Attributes().PutStr("http.request.header.cookie", "sid=deadbeef")
	b := lrs.AppendEmpty()
	m := b.Body().SetEmptyMap()
	m.PutStr("remote_ip", "198.51.100.8")
	m.PutStr("msg", "reset for dora@example.com, call +1 202 555 0143")

	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", recvPort), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := plogotlp.NewGRPCClient(conn)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err = client.Export(ctx, plogotlp.NewExportRequestFromLogs(ld))
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the collector does not take OTLP: %v", err)
		}
		c.alive(t)
		time.Sleep(200 * time.Millisecond) // still starting
	}
	var got []plog.LogRecord
	for time.Now().Before(deadline) {
		if got = s.records(); len(got) >= 2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(got) != 2 {
		t.Fatalf("%d records came back, want 2", len(got))
	}
	out := plog.NewLogs()
	recs := out.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, r := range got {
		r.CopyTo(recs.AppendEmpty())
	}
	raw, _ := (&plog.JSONMarshaler{}).MarshalLogs(out)
	for _, leak := range []string{"198.51.100.7", "198.51.100.8", "carl", "dora@", "deadbeef"} {
		if bytes.Contains(raw, []byte(leak)) {
			t.Errorf("%q survives the round trip: %s", leak, raw)
		}
	}
	for _, keep := range []string{"198.51.100.0", `\"status\":302`, "555 0143"} {
		if !bytes.Contains(raw, []byte(keep)) {
			t.Errorf("%q missing (policy: truncate, phone detector off): %s", keep, raw)
		}
	}
}
