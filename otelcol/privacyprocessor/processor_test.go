package privacyprocessor

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"gopkg.in/yaml.v3"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/redact"
)

// loadConfig decodes a processor's YAML as the collector does.
func loadConfig(t *testing.T, src string) (*Config, error) {
	t.Helper()
	var raw map[string]any
	if err := yaml.Unmarshal([]byte(src), &raw); err != nil {
		t.Fatal(err)
	}
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	if err := confmap.NewFromStringMap(raw).Unmarshal(cfg); err != nil {
		return nil, err
	}
	return cfg, cfg.Validate()
}

func TestConfigIsThePolicy(t *testing.T) {
	cfg, err := loadConfig(t, `
ip: {transform: truncate, ipv4_prefix: 16}
detectors:
  email: {off: true}
url: {query: allow, allow: [page]}
pseudonym: {rotate: 12h}
keys: {store: memory}
`)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.IP.Transform != config.TransformTruncate || cfg.IP.IPv4Prefix != 16 {
		t.Errorf("ip = %+v", cfg.IP)
	}
	if !cfg.Detectors["email"].Off {
		t.Errorf("detectors = %+v", cfg.Detectors)
	}
	if cfg.URL.Query != "allow" || len(cfg.URL.Allow) != 1 {
		t.Errorf("url = %+v", cfg.URL)
	}
	if got := cfg.Pseudonym.Rotate.String(); got != "12h0m0s" {
		t.Errorf("pseudonym.rotate = %s", got)
	}
	// The same policy as JSON, as Caddy and the CLI read it.
	want, err := config.Load(strings.NewReader(`{"ip":{"transform":"truncate","ipv4_prefix":16},"detectors":{"email":{"off":true}},"url":{"query":"allow","allow":["page"]},"pseudonym":{"rotate":"12h"},"keys":{"store":"memory"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.IP != want.IP || cfg.Pseudonym != want.Pseudonym || cfg.Keys != want.Keys {
		t.Errorf("YAML policy %+v differs from the JSON one %+v", cfg.Policy, want)
	}
}

func TestConfigFailsClosed(t *testing.T) {
	for _, src := range []string{
		"ip: {transfrom: truncate}", // misspelt
		"ip: {transform: scramble}", // not a transform
		"keys: {store: caddy}",      // not reachable from a collector
		"detectors: {emial: {off: true}}",
	} {
		if _, err := loadConfig(t, src); err == nil {
			t.Errorf("%q: accepted", src)
		}
	}
}

// newTest returns a privacy for a policy given in YAML, with pseudonym
// keys in memory.
func newTest(t *testing.T, policy string) *privacy {
	t.Helper()
	cfg, err := loadConfig(t, policy)
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPrivacy(processortest.NewNopSettings(component.MustNewType(typeStr)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.shutdown() })
	return p
}

const truncate = "ip: {transform: truncate}"

func logsWithBodies(bodies ...func(pcommon.Value)) plog.Logs {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, b := range bodies {
		b(lrs.AppendEmpty().Body())
	}
	return ld
}

func str(s string) func(pcommon.Value) { return func(v pcommon.Value) { v.SetStr(s) } }

func bodies(ld plog.Logs) []string {
	var out []string
	lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := 0; i < lrs.Len(); i++ {
		out = append(out, lrs.At(i).Body().AsString())
	}
	return out
}

func TestStringBodiesEachFormat(t *testing.T) {
	p := newTest(t, truncate)
	in := []string{
		// combined
		`203.0.113.77 - alice [17/May/2015:10:05:03 +0000] "GET /reset?token=s3cr3t&page=2 HTTP/1.1" 200 203 "http://example.com/?email=bob@example.org" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"`,
		// common
		`203.0.113.78 - - [17/May/2015:10:05:03 +0000] "GET /index.html HTTP/1.1" 200 203`,
		// Caddy JSON
		`{"level":"info","logger":"http.log.access","request":{"remote_ip":"203.0.113.79","remote_port":"51234","uri":"/?q=1","headers":{"User-Agent":["curl/8.5.0"],"Authorization":["Bearer abc"],"Cookie":["sid=1"]}},"status":200}`,
		// text
		`user carol@example.com logged in from 203.0.113.80`,
		// Caddy JSON, cut short
		`{"level":"info","request":{"remote_ip":"203.0.113.81","uri":"/?email=dan@example.com","headers":{"User-Ag`,
		// two lines in one body
		"203.0.113.82 - - [17/May/2015:10:05:03 +0000] \"GET / HTTP/1.1\" 200 1\nmail eve@example.net",
	}
	var fns []func(pcommon.Value)
	for _, s := range in {
		fns = append(fns, str(s))
	}
	ld, err := p.processLogs(context.Background(), logsWithBodies(fns...))
	if err != nil {
		t.Fatal(err)
	}
	out := bodies(ld)
	all := strings.Join(out, "\n")
	for _, leak := range []string{"203.0.113.7", "203.0.113.8", "alice", "s3cr3t", "bob@", "carol@", "dan@", "eve@", "Bearer", "sid=1", "51234"} {
		if strings.Contains(all, leak) {
			t.Errorf("%q survives:\n%s", leak, all)
		}
	}
	for i, keep := range []string{`"GET /reset?`, `"GET /index.html HTTP/1.1" 200 203`, `"status":200`, "logged in from", `"level":"info"`, "\n"} {
		if !strings.Contains(out[i], keep) {
			t.Errorf("body %d lost %q: %s", i, keep, out[i])
		}
	}
	if !strings.HasPrefix(out[0], "203.0.113.0 ") {
		t.Errorf("combined host not truncated: %s", out[0])
	}
	if got := p.counts[outcomeRecovered].Load(); got != 1 {
		t.Errorf("recovered = %d, want 1 (the cut JSON line)", got)
	}
	if got := p.counts[outcomeParsed].Load(); got != 5 {
		t.Errorf("parsed = %d, want 5", got)
	}
}

func TestMapBodyAndAttributes(t *testing.T) {
	p := newTest(t, truncate)
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "shop")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	a := lr.Attributes()
	a.PutStr("client.address", "198.51.100.23")
	a.PutInt("client.port", 50123)
	a.PutStr("source.address", "2001:db8:1234:5678::1")
	a.PutStr("url.full", "https://shop.example/reset?token=s3cr3t&page=2")
	a.PutStr("url.query", "email=frank@example.com&page=2")
	a.PutStr("url.path", "/users/frank@example.com/orders")
	a.PutStr("http.request.header.authorization", "Bearer xyz")
	a.PutStr("http.request.header.referer", "https://other.example/?email=gina@example.com")
	a.PutStr("http.request.header.x-forwarded-for", "198.51.100.24, 10.0.0.1")
	xff := a.PutEmptySlice("http.request.header.x-real-ip") // semconv: string[]
	xff.AppendEmpty().SetStr("198.51.100.26")
	a.PutEmptySlice("http.request.header.cookie").AppendEmpty().SetStr("sid=abc")
	a.PutStr("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36")
	a.PutStr("user.id", "henry")
	a.PutStr("enduser.id", "henry")
	a.PutStr("message", "call +44 20 7946 0958 or mail ivan@example.com")
	a.PutInt("http.response.status_code", 200)
	a.PutStr("weird key judy@example.com", "x")
	m := lr.Body().SetEmptyMap()
	req := m.PutEmptyMap("request")
	req.PutStr("remote_ip", "198.51.100.25")
	req.PutInt("ip", 3325256730) // an address written as a number
	h := req.PutEmptyMap("headers")
	h.PutEmptySlice("Cookie").AppendEmpty().SetStr("sid=abc")
	h.PutEmptySlice("Accept").AppendEmpty().SetStr("text/html")
	m.PutStr("msg", "handled request for kate@example.com")
	m.PutInt("status", 200)

	if _, err := p.processLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	raw, _ := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	for _, leak := range []string{"198.51.100.2", "2001:db8:1234:5678::1", "50123", "s3cr3t", "frank@", "gina@", "ivan@", "judy@", "kate@", "henry", "xyz", "7946", "sid=abc", "3325256730", "Chrome/120.0.0.0"} {
		if bytes.Contains(raw, []byte(leak)) {
			t.Errorf("%q survives: %s", leak, raw)
		}
	}
	get := func(k string) string { v, _ := a.Get(k); return v.AsString() }
	if got := get("client.address"); got != "198.51.100.0" {
		t.Errorf("client.address = %q", got)
	}
	for _, k := range []string{"http.request.header.authorization", "http.request.header.cookie", "client.port"} {
		if _, ok := a.Get(k); ok {
			t.Errorf("%s survives", k)
		}
	}
	if v, _ := a.Get("http.request.header.x-real-ip"); v.Slice().Len() != 1 || v.Slice().At(0).Str() != "198.51.100.0" {
		t.Errorf("x-real-ip = %s, want [198.51.100.0]", v.AsString())
	}
	if u, e := get("user.id"), get("enduser.id"); u == "" || u != e {
		t.Errorf("user.id %q and enduser.id %q: want one pseudonym", u, e)
	}
	if got := get("http.response.status_code"); got != "200" {
		t.Errorf("status = %q", got)
	}
	if got := get("user_agent.original"); !strings.Contains(got, "Chrome") {
		t.Errorf("user agent = %q, want it generalised", got)
	}
	if v, _ := lr.Body().Map().Get("status"); v.Int() != 200 {
		t.Errorf("body status = %v", v.AsString())
	}
	if v, _ := rl.Resource().Attributes().Get("service.name"); v.Str() != "shop" {
		t.Errorf("service.name = %q", v.Str())
	}
	if got := p.counts[outcomeStructured].Load(); got != 1 {
		t.Errorf("structured = %d, want 1", got)
	}
}

func TestSpanAttributes(t *testing.T) {
	p := newTest(t, truncate)
	td := ptrace.NewTraces()
	s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetName("GET /cart")
	s.Attributes().PutStr("client.address", "192.0.2.44")
	s.Attributes().PutStr("url.full", "https://shop.example/?email=lena@example.com")
	s.Attributes().PutStr("http.request.method", "GET")
	ev := s.Events().AppendEmpty()
	ev.Attributes().PutStr("exception.message", "no account for mike@example.com")
	s.Links().AppendEmpty().Attributes().PutStr("enduser.id", "nina")
	if _, err := p.processTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	raw, _ := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	for _, leak := range []string{"192.0.2.44", "lena@", "mike@", "nina"} {
		if bytes.Contains(raw, []byte(leak)) {
			t.Errorf("%q survives: %s", leak, raw)
		}
	}
	if v, _ := s.Attributes().Get("http.request.method"); v.Str() != "GET" {
		t.Errorf("method = %q", v.Str())
	}
}

// panicky is an engine that fails on values holding "BOOM".
type panicky struct{ *redact.Redactor }

func (e panicky) AppendRule(dst []byte, rl redact.Rule, src []byte) []byte {
	if bytes.Contains(src, []byte("BOOM")) {
		panic("engine failure")
	}
	return e.Redactor.AppendRule(dst, rl, src)
}

func TestFailsClosed(t *testing.T) {
	base := newTest(t, truncate)
	p := newWithEngine(panicky{base.engine.(*redact.Redactor)}, nil, nil)
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	bad := lrs.AppendEmpty()
	bad.Body().SetStr("BOOM from 203.0.113.9 olga@example.com")
	bad.Attributes().PutStr("client.address", "203.0.113.9")
	badAttr := lrs.AppendEmpty()
	badAttr.Body().SetStr("fine")
	badAttr.Attributes().PutStr("note", "BOOM")
	badAttr.Attributes().PutStr("client.address", "203.0.113.10")
	lrs.AppendEmpty().Body().SetStr("from 203.0.113.11")

	if _, err := p.processLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	raw, _ := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	for _, leak := range []string{"203.0.113.9", "203.0.113.10", "203.0.113.11", "olga@"} {
		if bytes.Contains(raw, []byte(leak)) {
			t.Errorf("%q survives: %s", leak, raw)
		}
	}
	if lrs.Len() != 3 {
		t.Fatalf("%d records out of 3", lrs.Len())
	}
	for i := 0; i < 2; i++ {
		if b := lrs.At(i).Body().Str(); b != redactedBody || lrs.At(i).Attributes().Len() != 0 {
			t.Errorf("record %d: body %q, %d attributes; want it emptied", i, b, lrs.At(i).Attributes().Len())
		}
	}
	if got := p.counts[outcomeRedacted].Load(); got != 2 {
		t.Errorf("redacted = %d, want 2", got)
	}
	if got := p.counts[outcomeParsed].Load(); got != 1 {
		t.Errorf("parsed = %d, want 1", got)
	}
}

// TestFactoryPipelines runs the processor as a collector does: logs and
// traces pipelines of one configuration share one engine, so one key ring
// gives a user the same pseudonym in both.
func TestFactoryPipelines(t *testing.T) {
	cfg, err := loadConfig(t, truncate)
	if err != nil {
		t.Fatal(err)
	}
	f := NewFactory()
	set := processortest.NewNopSettings(f.Type())
	logSink, traceSink := new(consumertest.LogsSink), new(consumertest.TracesSink)
	lp, err := f.CreateLogs(context.Background(), set, cfg, logSink)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := f.CreateTraces(context.Background(), set, cfg, traceSink)
	if err != nil {
		t.Fatal(err)
	}
	host := componenttest.NewNopHost()
	if err := lp.Start(context.Background(), host); err != nil {
		t.Fatal(err)
	}
	if err := tp.Start(context.Background(), host); err != nil {
		t.Fatal(err)
	}
	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Attributes().PutStr("user.id", "peter")
	td := ptrace.NewTraces()
	td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().Attributes().PutStr("enduser.id", "peter")
	if err := lp.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	if err := tp.ConsumeTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	lv, _ := logSink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Get("user.id")
	tv, _ := traceSink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().Get("enduser.id")
	if lv.Str() == "peter" || lv.Str() != tv.Str() {
		t.Errorf("log pseudonym %q, span pseudonym %q: want one pseudonym, not the id", lv.Str(), tv.Str())
	}
	if err := lp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
