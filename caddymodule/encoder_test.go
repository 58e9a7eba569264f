package caddymodule

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/caddy/v2/modules/logging"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
)

// testDB writes the test country database once per test (or benchmark).
func testDB(t testing.TB) string {
	t.Helper()
	return countrytest.WriteMaxMind(t, t.TempDir(), testNets)
}

// provisionedEncoder provisions e around wrapped (a Caddy json encoder
// when nil) with the test database and storage of its own.
func provisionedEncoder(t testing.TB, e *LogEncoder, wrapped zapcore.Encoder) *LogEncoder {
	t.Helper()
	if e.GeoIP.Database == "" && !e.GeoIP.Off {
		e.GeoIP.Database = testDB(t)
	}
	if wrapped == nil {
		wrapped = caddyJSON(t)
	}
	if err := e.provision(zap.NewNop(), &certmagic.FileStorage{Path: t.TempDir()}, wrapped); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Cleanup() })
	return e
}

// caddyJSON is Caddy's json log encoder with its defaults.
func caddyJSON(t testing.TB) *logging.JSONEncoder {
	je := new(logging.JSONEncoder)
	if err := je.Provision(caddy.Context{}); err != nil {
		t.Fatal(err)
	}
	return je
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Sync() error { return nil }

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lines returns the log lines written, each decoded as JSON.
func (s *syncBuffer) lines(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, line)
		}
		out = append(out, m)
	}
	return out
}

// loggerOver builds a zap logger writing through enc into a buffer.
func loggerOver(enc zapcore.Encoder) (*zap.Logger, *syncBuffer) {
	buf := new(syncBuffer)
	return zap.New(zapcore.NewCore(enc, buf, zapcore.DebugLevel)), buf
}

// visitorRequest is a request from a visitor in GB (through a proxy whose
// X-Forwarded-For also names a US address) carrying every kind of
// identifier an access log can catch.
func visitorRequest() *http.Request {
	req := httptest.NewRequest("GET", "/account/reset?token=9f8e7d6c5b4a&email=jane.doe%40example.com&page=2", nil)
	req.RemoteAddr = "81.2.69.160:51234"
	req.Header.Set("Cookie", "session=s3cr3t-session-id; _ga=GA1.2.1234567890.1700000000")
	req.Header.Set("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl")
	req.Header.Set("X-Forwarded-For", "81.2.69.160, 216.160.83.56")
	req.Header.Set("Referer", "https://shop.example/profile?email=jane.doe@example.com&tab=orders")
	req.Header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36")
	req.Header.Set("Accept-Language", "en-GB")
	ctx := context.WithValue(req.Context(), caddyhttp.VarsCtxKey, map[string]any{
		caddyhttp.ClientIPVarKey: "216.160.83.56",
	})
	return req.WithContext(ctx)
}

// accessEntry is an access log entry as Caddy's server writes it: the
// request, added as a With field (Caddy uses WithLazy), and the response
// fields.
func accessEntry(req *http.Request) (zap.Field, []zap.Field) {
	return zap.Object("request", caddyhttp.LoggableHTTPRequest{Request: req, ShouldLogCredentials: true}),
		[]zap.Field{
			zap.Int("bytes_read", 0),
			zap.String("user_id", "jane.doe"),
			zap.Duration("duration", 1234*time.Microsecond),
			zap.Int("size", 12),
			zap.Int("status", 200),
			zap.Object("resp_headers", caddyhttp.LoggableHTTPHeader{
				Header: http.Header{
					"Set-Cookie":   {"session=s3cr3t-session-id; Path=/; HttpOnly"},
					"Location":     {"/welcome?email=jane.doe@example.com&step=2"},
					"Content-Type": {"text/html; charset=utf-8"},
				},
				ShouldLogCredentials: true,
			}),
		}
}

// logAccess writes the access log entry of req.
func logAccess(logger *zap.Logger, req *http.Request) {
	request, fields := accessEntry(req)
	logger.With(request).Info("handled request", fields...)
}

// leaks are the identifiers of visitorRequest and logAccess.
// They are chosen not to occur in timestamps by chance.
var leaks = []string{
	"81.2.69", "216.160.83", `"51234"`, "s3cr3t", "GA1.2", "eyJ", "Bearer", "jane",
	"9f8e7d6c5b4a", "AppleWebKit", "120.0.6099",
}

// get walks a decoded log line by keys.
func get(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[k]
	}
	return v
}

func TestEncoderAccessLog(t *testing.T) {
	e := provisionedEncoder(t, new(LogEncoder), nil)
	logger, buf := loggerOver(e)
	logAccess(logger, visitorRequest())

	out := buf.String()
	for _, leak := range leaks {
		if strings.Contains(out, leak) {
			t.Errorf("log holds %q:\n%s", leak, out)
		}
	}
	lines := buf.lines(t)
	if len(lines) != 1 {
		t.Fatalf("%d lines, want 1:\n%s", len(lines), out)
	}
	line := lines[0]
	for _, c := range []struct {
		path []string
		want any
	}{
		{[]string{"msg"}, "handled request"},
		{[]string{"request", "remote_ip"}, "GB"},
		{[]string{"request", "remote_port"}, nil},
		{[]string{"request", "client_ip"}, "US"},
		{[]string{"request", "method"}, "GET"},
		{[]string{"request", "proto"}, "HTTP/1.1"},
		{[]string{"request", "uri"}, "/account/reset?page=2"},
		{[]string{"request", "headers", "Cookie"}, nil},
		{[]string{"request", "headers", "Authorization"}, nil},
		{[]string{"request", "headers", "X-Forwarded-For"}, []any{"GB, US"}},
		{[]string{"request", "headers", "Referer"}, []any{"https://shop.example/profile?tab=orders"}},
		{[]string{"request", "headers", "User-Agent"}, []any{"Chrome/120 (Windows)"}},
		{[]string{"request", "headers", "Accept-Language"}, []any{"en-GB"}},
		{[]string{"status"}, 200.0},
		{[]string{"size"}, 12.0},
		{[]string{"duration"}, 0.001234},
		{[]string{"resp_headers", "Set-Cookie"}, nil},
		{[]string{"resp_headers", "Location"}, []any{"/welcome?step=2"}},
		{[]string{"resp_headers", "Content-Type"}, []any{"text/html; charset=utf-8"}},
	} {
		got := get(line, c.path...)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %#v, want %#v", strings.Join(c.path, ">"), got, c.want)
		}
	}
	userID, _ := line["user_id"].(string)
	if userID == "" || strings.Contains(userID, "jane") {
		t.Errorf("user_id = %q, want a pseudonym", userID)
	}
}

func TestEncoderPseudonymIsStable(t *testing.T) {
	e := provisionedEncoder(t, new(LogEncoder), nil)
	logger, buf := loggerOver(e)
	logger.Info("a", zap.String("user_id", "jane.doe"))
	logger.Info("b", zap.String("user_id", "jane.doe"))
	logger.Info("c", zap.String("user_id", "john.roe"))
	lines := buf.lines(t)
	if a, b, c := lines[0]["user_id"], lines[1]["user_id"], lines[2]["user_id"]; a != b || a == c {
		t.Errorf("pseudonyms %v, %v, %v: want the first two equal and the third different", a, b, c)
	}
}

func TestEncoderErrorLog(t *testing.T) {
	e := provisionedEncoder(t, new(LogEncoder), nil)
	logger, buf := loggerOver(e)
	errLog := logger.With(zap.Object("request", caddyhttp.LoggableHTTPRequest{Request: visitorRequest()}))
	errLog.Error("dial tcp 10.1.2.3:8080: connect: connection refused",
		zap.Int("status", 502),
		zap.String("err_id", "k2n4mq7"),
		zap.String("err_trace", "reverseproxy.statusError (reverseproxy.go:1390)"))
	logger.Error("http: TLS handshake error from 198.51.100.23:40522: EOF")
	logger.Warn("aborting with incomplete response",
		zap.String("upstream", "[2001:218::1]:8080"),
		zap.Error(errors.New("client 198.51.100.23 disconnected; mail jane.doe@example.com")),
		zap.NamedError("write_error", errors.New("write tcp 10.0.0.5:443->81.2.69.160:55555: broken pipe")))

	out := buf.String()
	for _, leak := range append(leaks, "10.1.2.3", "198.51.100", "2001:218::1", "10.0.0.5") {
		if strings.Contains(out, leak) {
			t.Errorf("log holds %q:\n%s", leak, out)
		}
	}
	lines := buf.lines(t)
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), out)
	}
	for i, want := range map[int][2]string{
		0: {"msg", "dial tcp ZZ:8080: connect: connection refused"},
		1: {"msg", "http: TLS handshake error from ZZ:40522: EOF"},
	} {
		if got := lines[i][want[0]]; got != want[1] {
			t.Errorf("line %d: %s = %q, want %q", i, want[0], got, want[1])
		}
	}
	for key, want := range map[string]string{
		"err_id":    "k2n4mq7",
		"err_trace": "reverseproxy.statusError (reverseproxy.go:1390)",
	} {
		if got := lines[0][key]; got != want {
			t.Errorf("%s = %q, want %q unchanged", key, got, want)
		}
	}
	if got := get(lines[0], "request", "remote_ip"); got != "GB" {
		t.Errorf("error log request>remote_ip = %v, want GB", got)
	}
	if got, _ := lines[2]["error"].(string); !strings.HasPrefix(got, "client ZZ disconnected") || !strings.Contains(got, "[email]") {
		t.Errorf("error = %q, want the address and e-mail replaced", got)
	}
	if got, _ := lines[2]["upstream"].(string); got != "[JP]:8080" && !strings.Contains(got, "JP") {
		t.Errorf("upstream = %q, want the address as its country", got)
	}
}

func TestEncoderWithFields(t *testing.T) {
	e := provisionedEncoder(t, new(LogEncoder), nil)
	logger, buf := loggerOver(e)
	child := logger.With(
		zap.String("remote_ip", "81.2.69.160"),
		zap.String("note", "from jane.doe@example.com"),
		zap.Strings("addresses", []string{"216.160.83.56", "ok"}),
		zap.String("remote_port", "51234"),
	)
	grandchild := child.With(zap.String("client_ip", "2001:218::7"))
	child.Info("first", zap.Int("n", 1))
	child.Info("second", zap.Int("n", 2))
	grandchild.Info("third")
	logger.Info("fourth")

	out := buf.String()
	for _, leak := range append(leaks, "2001:218") {
		if strings.Contains(out, leak) {
			t.Errorf("log holds %q:\n%s", leak, out)
		}
	}
	lines := buf.lines(t)
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4:\n%s", len(lines), out)
	}
	for i, line := range lines[:3] {
		if line["remote_ip"] != "GB" || line["note"] != "from [email]" || fmt.Sprint(line["addresses"]) != "[US ok]" {
			t.Errorf("line %d lost or leaked its With fields: %v", i, line)
		}
		if _, ok := line["remote_port"]; ok {
			t.Errorf("line %d has remote_port", i)
		}
	}
	// The fields of one entry must not stick to the next (zap's Clone
	// semantics).
	if lines[1]["n"] != 2.0 || strings.Count(out, `"n":`) != 2 {
		t.Errorf("entry fields leaked between entries:\n%s", out)
	}
	if lines[2]["client_ip"] != "JP" {
		t.Errorf("grandchild client_ip = %v, want JP", lines[2]["client_ip"])
	}
	if _, ok := lines[3]["remote_ip"]; ok {
		t.Errorf("the parent logger picked up its child's fields: %v", lines[3])
	}
}

// addrStringer is an address logged with zap.Stringer.
type addrStringer string

func (a addrStringer) String() string { return string(a) }

func TestEncoderFieldRules(t *testing.T) {
	e := provisionedEncoder(t, new(LogEncoder), nil)
	headers := func(h http.Header) zap.Field {
		return zap.Object("headers", caddyhttp.LoggableHTTPHeader{Header: h, ShouldLogCredentials: true})
	}
	type payload struct {
		RemoteIP string   `json:"remote_ip"`
		Count    int      `json:"count"`
		Mails    []string `json:"mails"`
		Nested   any      `json:"nested"`
	}
	for _, c := range []struct {
		name  string
		field zap.Field
		want  string // the field as JSON; "" for removed
	}{
		// Addresses by key.
		{"remote_ip host:port", zap.String("remote_ip", "81.2.69.160:443"), `"remote_ip":"GB"`},
		{"remote_ip IPv6", zap.String("remote_ip", "2001:218::1"), `"remote_ip":"JP"`},
		{"remote_ip private", zap.String("remote_ip", "10.0.0.1"), `"remote_ip":"ZZ"`},
		{"remote_ip garbage", zap.String("remote_ip", "jane@example.com"), `"remote_ip":"unknown"`},
		{"remote_ip number", zap.Uint32("remote_ip", 1359103392), `"remote_ip":"unknown"`},
		{"remote_ip stringer", zap.Stringer("remote_ip", addrStringer("81.2.69.160")), `"remote_ip":"GB"`},
		{"remote_ip bytes", zap.ByteString("remote_ip", []byte("216.160.83.56")), `"remote_ip":"US"`},
		{"remote", zap.String("remote", "81.2.69.160:5555"), `"remote":"GB"`},
		{"remote_addr", zap.String("remote_addr", "216.160.83.56:5555"), `"remote_addr":"US"`},
		{"ip", zap.String("ip", "81.2.69.160"), `"ip":"GB"`},
		{"empty remote_ip", zap.String("remote_ip", ""), `"remote_ip":""`},
		{"remote_port", zap.String("remote_port", "51234"), ``},
		{"remote_port int", zap.Int("remote_port", 51234), ``},
		// Near misses: other keys go through the detectors.
		{"address as text", zap.String("remote_ips", "81.2.69.160"), `"remote_ips":"GB"`},
		{"port as text", zap.String("port", "51234"), `"port":"51234"`},
		{"version", zap.String("version", "v2.11.9 h1:abc"), `"version":"v2.11.9 h1:abc"`},
		{"time of day", zap.String("at", "10:15:30"), `"at":"10:15:30"`},
		// People.
		{"user_id empty", zap.String("user_id", ""), `"user_id":""`},
		{"client_common_name", zap.String("client_common_name", "Jane Doe"), `"client_common_name":"`},
		// URLs.
		{"uri", zap.String("uri", "/a?token=x1y2&page=2#frag"), `"uri":"/a?page=2"`},
		{"url", zap.String("url", "https://example.org/cb?code=abc&page=1"), `"url":"https://example.org/cb?page=1"`},
		// Free text.
		{"text", zap.String("msg2", "call +44 20 7946 0018 or mail a.b@example.org"), `"msg2":"call [phone] or mail [email]"`},
		{"error", zap.Error(errors.New("lookup 81.2.69.160: no such host")), `"error":"lookup GB: no such host"`},
		{"byte string", zap.ByteString("body", []byte("to a.b@example.org")), `"body":"to [email]"`},
		{"binary", zap.Binary("blob", []byte("81.2.69.160")), ``},
		// Other types pass.
		{"int", zap.Int("status", 404), `"status":404`},
		{"bool", zap.Bool("ok", true), `"ok":true`},
		{"float", zap.Float64("ratio", 0.5), `"ratio":0.5`},
		{"duration", zap.Duration("duration", time.Second), `"duration":1`},
		// Headers.
		{"cookie header", headers(http.Header{"Cookie": {"a=b"}}), `"headers":{}`},
		{"credential headers", headers(http.Header{"X-Api-Key": {"k"}, "Proxy-Authorization": {"p"}, "From": {"a@b.org"}}), `"headers":{}`},
		{"location header", headers(http.Header{"Cf-Ipcity": {"London"}}), `"headers":{}`},
		{"forwarded header", headers(http.Header{"Forwarded": {"for=81.2.69.160;proto=https"}}), `"headers":{"Forwarded":["for=_GB;proto=https"]}`},
		{"real ip header", headers(http.Header{"X-Real-Ip": {"216.160.83.56"}}), `"headers":{"X-Real-Ip":["US"]}`},
		{"origin header", headers(http.Header{"Origin": {"https://example.org"}}), `"headers":{"Origin":["https://example.org"]}`},
		{"client hints", headers(http.Header{"Sec-Ch-Ua-Model": {`"Pixel 8"`}}), `"headers":{}`},
		{"low entropy client hint", headers(http.Header{"Sec-Ch-Ua-Mobile": {"?1"}}), `"headers":{"Sec-Ch-Ua-Mobile":["?1"]}`},
		{"other header", headers(http.Header{"X-Note": {"ring 07700 900123"}}), `"headers":{"X-Note":["ring [phone]"]}`},
		{"header as string", zap.Namespace("headers"), `"headers":{}`},
		{"header named by an address", headers(http.Header{"81.2.69.160": {"x"}}), `"headers":{"GB":["x"]}`},
		{"header name with digits", headers(http.Header{"X-B3-Traceid": {"80f198ee56343ba864fe8b2a57d3eff7"}}), `"headers":{"X-B3-Traceid":["80f198ee56343ba864fe8b2a57d3eff7"]}`},
		{"reflected map keyed by e-mail", zap.Any("seen", map[string]int{"jane@example.com": 2}), `"seen":{"[email]":2}`},
		// Reflected values are redacted by their own keys.
		{"reflected", zap.Any("payload", payload{RemoteIP: "81.2.69.160", Count: 3, Mails: []string{"a.b@example.org"}, Nested: map[string]any{"user_id": 7, "ok": true, "none": nil}}),
			`"payload":{"remote_ip":"GB","count":3,"mails":["[email]"],"nested":{"none":null,"ok":true,"user_id":"`},
		{"reflected string", zap.Reflect("remote_ip", "81.2.69.160"), `"remote_ip":"GB"`},
		{"reflected array", zap.Reflect("ips", []any{"216.160.83.56", 5, nil}), `"ips":["US",5,null]`},
		{"array of objects", zap.Objects("visits", []zapcore.ObjectMarshaler{caddyhttp.LoggableHTTPRequest{Request: visitorRequest()}}), `"visits":[{"remote_ip":"GB","client_ip":"US",`},
		{"object under an address key", zap.Object("remote_ip", caddyhttp.LoggableHTTPHeader{Header: http.Header{"A": {"81.2.69.160", "x"}}}), `"remote_ip":{"A":["GB","unknown"]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			logger, buf := loggerOver(e)
			logger.Info("m", c.field)
			line := strings.TrimSpace(buf.String())
			switch {
			case c.want == "":
				if strings.Contains(line, `"`+c.field.Key+`"`) {
					t.Errorf("field not removed: %s", line)
				}
			case !strings.Contains(line, c.want):
				t.Errorf("got %s\nwant it to contain %s", line, c.want)
			}
			if !json.Valid([]byte(line)) {
				t.Errorf("not JSON: %s", line)
			}
		})
	}
}

func TestEncoderUserAgentPolicy(t *testing.T) {
	for _, c := range []struct {
		mode, ua, hint, want string
	}{
		{"generalize", "curl/8.4.0", `"Pixel 8"`, `"headers":{"User-Agent":["curl (tool)"]}`},
		{"keep", "curl/8.4.0 (jane@example.com)", `"Pixel 8"`, `"headers":{"Sec-Ch-Ua-Model":["\"Pixel 8\""],"User-Agent":["curl/8.4.0 ([email])"]}`},
		{"drop", "curl/8.4.0", `"Pixel 8"`, `"headers":{}`},
	} {
		t.Run(c.mode, func(t *testing.T) {
			e := provisionedEncoder(t, &LogEncoder{Policy: config.Policy{UserAgent: c.mode}}, nil)
			logger, buf := loggerOver(e)
			// One header at a time: map order is random.
			logger.Info("m", zap.Object("headers", caddyhttp.LoggableHTTPHeader{Header: http.Header{"User-Agent": {c.ua}}}))
			logger.Info("m", zap.Object("headers", caddyhttp.LoggableHTTPHeader{Header: http.Header{"Sec-Ch-Ua-Model": {c.hint}}}))
			got := buf.lines(t)
			merged := map[string]any{}
			for _, l := range got {
				for k, v := range l["headers"].(map[string]any) {
					merged[k] = v
				}
			}
			b, _ := json.Marshal(map[string]any{"headers": merged})
			if !strings.Contains(string(b), c.want) {
				t.Errorf("got %s, want %s", b, c.want)
			}
		})
	}
}

func TestEncoderIPTransforms(t *testing.T) {
	for _, c := range []struct {
		ip   config.IPPolicy
		geo  config.GeoIPPolicy
		want string
	}{
		{config.IPPolicy{}, config.GeoIPPolicy{}, `"remote_ip":"GB","msg2":"from GB"`},
		{config.IPPolicy{Transform: "truncate", IPv4Prefix: 16}, config.GeoIPPolicy{}, `"remote_ip":"81.2.0.0","msg2":"from 81.2.0.0"`},
		{config.IPPolicy{}, config.GeoIPPolicy{Off: true}, `"remote_ip":"81.2.69.0","msg2":"from 81.2.69.0"`},
		{config.IPPolicy{Transform: "drop"}, config.GeoIPPolicy{}, `"msg2":"from [ip]"`},
	} {
		t.Run(c.ip.Transform+fmt.Sprint(c.geo.Off), func(t *testing.T) {
			e := provisionedEncoder(t, &LogEncoder{Policy: config.Policy{IP: c.ip, GeoIP: c.geo}}, nil)
			logger, buf := loggerOver(e)
			logger.Info("m", zap.String("remote_ip", "81.2.69.160"), zap.String("msg2", "from 81.2.69.160"))
			if got := buf.String(); !strings.Contains(got, c.want) || strings.Contains(got, "69.160") {
				t.Errorf("got %s\nwant it to contain %s", got, c.want)
			}
		})
	}
}

// TestEncoderWrappedEncoders checks that the output is the same whatever
// the wrapped encoder: Caddy's json module (byte strings handed over from
// a reused buffer), zap's own json encoder and Caddy's filter encoder
// (both given fresh strings).
func TestEncoderWrappedEncoders(t *testing.T) {
	db := testDB(t)
	encode := func(wrapped zapcore.Encoder) string {
		e := provisionedEncoder(t, &LogEncoder{Policy: config.Policy{GeoIP: config.GeoIPPolicy{Database: db}}}, wrapped)
		logger, buf := loggerOver(e)
		req := visitorRequest()
		req.Header = http.Header{"X-Forwarded-For": {"81.2.69.160"}, "Cookie": {"a=b"}, "Referer": {"https://example.org/?email=a@b.org"}}
		logAccess(logger, req)
		logger.Info("note from 216.160.83.56", zap.ByteString("b", []byte("a@b.org")), zap.Strings("s", []string{"81.2.69.160"}))
		return buf.String()
	}
	want := encode(nil)
	zapJSON := zapcore.NewJSONEncoder(caddyJSON(t).ZapcoreEncoderConfig())
	if got := encode(zapJSON); !sameLines(t, got, want) {
		t.Errorf("zap's json encoder wrote\n%s\nCaddy's json module\n%s", got, want)
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	mod, err := ctx.LoadModuleByID("caddy.logging.encoders.filter", json.RawMessage(`{"fields":{"size":{"filter":"delete"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := encode(mod.(zapcore.Encoder))
	if strings.Contains(got, `"size"`) {
		t.Errorf("the wrapped filter encoder did not delete size:\n%s", got)
	}
	if !sameLines(t, got, strings.ReplaceAll(want, `"size":12,`, "")) {
		t.Errorf("filter encoder wrote\n%s\nwant\n%s", got, want)
	}
	for _, leak := range []string{"81.2.69", "216.160", "a@b.org", "a=b"} {
		if strings.Contains(want, leak) {
			t.Errorf("log holds %q:\n%s", leak, want)
		}
	}
}

// sameLines reports whether two logs hold the same entries, but for their
// times and pseudonyms (each encoder has keys of its own) and the order of
// header maps.
func sameLines(t *testing.T, a, b string) bool {
	t.Helper()
	la, lb := (&syncBuffer{b: *bytes.NewBufferString(a)}).lines(t), (&syncBuffer{b: *bytes.NewBufferString(b)}).lines(t)
	for _, l := range append(la, lb...) {
		delete(l, "ts")
		if _, ok := l["user_id"]; ok {
			l["user_id"] = "pseudonym"
		}
	}
	return reflect.DeepEqual(la, lb)
}

func TestEncoderConsole(t *testing.T) {
	ce := new(logging.ConsoleEncoder)
	if err := ce.Provision(caddy.Context{}); err != nil {
		t.Fatal(err)
	}
	e := provisionedEncoder(t, new(LogEncoder), ce)
	logger, buf := loggerOver(e)
	logAccess(logger, visitorRequest())
	out := buf.String()
	for _, leak := range leaks {
		if strings.Contains(out, leak) {
			t.Errorf("console log holds %q:\n%s", leak, out)
		}
	}
	if !strings.Contains(out, "handled request") || !strings.Contains(out, `"remote_ip": "GB"`) {
		t.Errorf("console output lacks the entry:\n%s", out)
	}
}

// TestEncoderConcurrent logs through shared child loggers from many
// goroutines; run with -race.
func TestEncoderConcurrent(t *testing.T) {
	e := provisionedEncoder(t, new(LogEncoder), nil)
	logger, buf := loggerOver(e)
	child := logger.With(zap.String("remote_ip", "81.2.69.160"))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				logAccess(child, visitorRequest())
				child.Error("client 198.51.100.23 gone", zap.Int("i", i))
			}
		}()
	}
	wg.Wait()
	out := buf.String()
	for _, leak := range append(leaks, "198.51.100") {
		if strings.Contains(out, leak) {
			t.Fatalf("log holds %q", leak)
		}
	}
	if n := len(buf.lines(t)); n != 800 {
		t.Errorf("%d lines, want 800", n)
	}
}

func TestEncoderProvisionErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		e    *LogEncoder
		want string
	}{
		{"no database", &LogEncoder{}, "no country database"},
		{"missing database", &LogEncoder{Policy: config.Policy{GeoIP: config.GeoIPPolicy{Database: "/nonexistent/GeoLite2-Country.mmdb"}}}, "/nonexistent/GeoLite2-Country.mmdb"},
		{"bad transform", &LogEncoder{Policy: config.Policy{IP: config.IPPolicy{Transform: "hash"}, GeoIP: config.GeoIPPolicy{Off: true}}}, "ip.transform"},
		{"negative check", &LogEncoder{GeoIPCheck: -1, Policy: config.Policy{GeoIP: config.GeoIPPolicy{Off: true}}}, "geoip_check"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.e.provision(zap.NewNop(), &certmagic.FileStorage{Path: t.TempDir()}, caddyJSON(t))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one naming %q", err, c.want)
			}
			if err := c.e.Cleanup(); err != nil {
				t.Errorf("Cleanup after failed Provision: %v", err)
			}
		})
	}
}

func TestEncoderUnmarshalCaddyfile(t *testing.T) {
	d := caddyfile.NewTestDispenser(`privacy {
		wrap console
		geoip /var/lib/GeoLite2-Country.mmdb
		geoip_check 5m
		ip truncate 16 32
		detector phone off
		query deny sid
		user_agent keep
	}`)
	var e LogEncoder
	if err := e.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	if e.GeoIP.Database != "/var/lib/GeoLite2-Country.mmdb" || e.GeoIPCheck != caddy.Duration(5*time.Minute) ||
		e.IP != (config.IPPolicy{Transform: "truncate", IPv4Prefix: 16, IPv6Prefix: 32}) ||
		!e.Detectors["phone"].Off || fmt.Sprint(e.URL.Deny) != "[sid]" || e.UserAgent != "keep" {
		t.Errorf("parsed %+v", e)
	}
	if !strings.Contains(string(e.WrappedRaw), `"format":"console"`) {
		t.Errorf("wrap = %s", e.WrappedRaw)
	}

	for _, c := range []struct{ input, msg, at string }{
		{"privacy arg", "wrong argument count", "Testfile:1"},
		{"privacy {\n\tforward_ip remove\n}", "forward_ip is an option of the privacy handler", "Testfile:2"},
		{"privacy {\n\tnope\n}", `unrecognized privacy option "nope"`, "Testfile:2"},
		{"privacy {\n\tgeoip off\n\tip hash\n}", `"hash" is not one of`, "Testfile:3"},
		{"privacy {\n\twrap\n}", "wrong argument count", "Testfile:2"},
		{"privacy {\n\twrap nope\n}", "getting module named 'caddy.logging.encoders.nope'", "Testfile:2"},
	} {
		var e LogEncoder
		err := e.UnmarshalCaddyfile(caddyfile.NewTestDispenser(c.input))
		if err == nil || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), c.at) {
			t.Errorf("%q: error %v, want %q at %s", c.input, err, c.msg, c.at)
		}
	}
}

func TestEncoderConfigureDefaultFormat(t *testing.T) {
	e := provisionedEncoder(t, &LogEncoder{Policy: config.Policy{GeoIP: config.GeoIPPolicy{Off: true}}}, nil)
	e.wrappedIsDefault = true
	// Tests do not run on a terminal: a file, or stderr that is not one,
	// keeps json.
	for _, wo := range []caddy.WriterOpener{caddy.StderrWriter{}, &logging.FileWriter{Filename: "x.log"}} {
		if err := e.ConfigureDefaultFormat(wo); err != nil {
			t.Fatal(err)
		}
		if _, ok := e.enc.wrapped.(*logging.JSONEncoder); !ok {
			t.Errorf("%T: wrapped %T, want json", wo, e.enc.wrapped)
		}
	}
}

func ExampleLogEncoder() {
	dir, err := os.MkdirTemp("", "caddy-privacy-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	// Without a country database, addresses are truncated to their /24.
	e := &LogEncoder{Policy: config.Policy{GeoIP: config.GeoIPPolicy{Off: true}}}
	wrapped := zapcore.NewJSONEncoder(zapcore.EncoderConfig{MessageKey: "msg"})
	if err := e.provision(zap.NewNop(), &certmagic.FileStorage{Path: dir}, wrapped); err != nil {
		panic(err)
	}
	defer e.Cleanup()

	buf, err := e.EncodeEntry(zapcore.Entry{Message: "dial tcp 10.1.2.3:8080: connection refused"}, []zapcore.Field{
		zap.String("remote_ip", "81.2.69.160"),
		zap.String("remote_port", "51234"),
		zap.String("uri", "/reset?token=f00d&page=2"),
		zap.Object("headers", caddyhttp.LoggableHTTPHeader{Header: http.Header{"Cookie": {"session=s3cr3t"}}}),
		zap.String("note", "sent to jane@example.com"),
		zap.Int("status", 502),
	})
	if err != nil {
		panic(err)
	}
	fmt.Print(buf.String())
	// Output:
	// {"msg":"dial tcp 10.1.2.0:8080: connection refused","remote_ip":"81.2.69.0","uri":"/reset?page=2","headers":{},"note":"sent to [email]","status":502}
}

// FuzzLogEncoder logs an access entry whose strings the fuzzer chooses,
// with the remote address also sent in a header of the fuzzer's naming.
// The output must be JSON, and an address put in remote_ip must never come
// out of it.
func FuzzLogEncoder(f *testing.F) {
	f.Add("81.2.69.160", "/a?token=1&b=81.2.69.160", "81.2.69.160, 10.0.0.1", "msg 81.2.69.160", "X-Note")
	f.Add("[2001:218::1]:443", "/%4", "for=\"[2001:218::1]\"", "\xff\x00", "Forwarded")
	f.Add("1.2.3.4:", "//x@y.org/?q=%zz", "\"", strings.Repeat("1.2.3.4 ", 100), "Referer")
	f.Add("01.2.3.4", "http://1.2.3.4:80/", "1.2.3.4.5", "v1.2.3.4", "Sec-Ch-Ua")
	f.Add("1.2.3.4", "/", "", "", "User-Agent")
	e := provisionedEncoder(f, new(LogEncoder), nil)
	f.Fuzz(func(t *testing.T, remoteIP, uri, xff, msg, name string) {
		logger, buf := loggerOver(e)
		req := &http.Request{
			Method:     "GET",
			Proto:      "HTTP/1.1",
			RemoteAddr: remoteIP + ":1",
			RequestURI: uri,
			Header:     http.Header{"X-Forwarded-For": {xff}, "Cookie": {remoteIP}, name: {remoteIP}},
		}
		req = req.WithContext(context.WithValue(context.Background(), caddyhttp.VarsCtxKey,
			map[string]any{caddyhttp.ClientIPVarKey: remoteIP}))
		logAccess(logger, req)
		logger.Error(msg, zap.String("remote_ip", remoteIP))
		out := buf.String()
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if !json.Valid([]byte(line)) {
				t.Fatalf("not JSON: %q", line)
			}
		}
		a, err := netip.ParseAddr(remoteIP)
		if err != nil || !a.Is4() {
			return
		}
		lines := buf.lines(t)
		for _, got := range []any{get(lines[0], "request", "remote_ip"), get(lines[0], "request", "client_ip"), lines[1]["remote_ip"]} {
			if s, _ := got.(string); strings.Contains(s, remoteIP) {
				t.Fatalf("remote_ip %q came out as %q", remoteIP, s)
			}
		}
		// Elsewhere the detectors, not the rules, decide; where the fuzzer
		// did not also write the address into a free-text field, it must be
		// gone from the whole output.
		if !strings.Contains(uri+xff+msg+name, remoteIP) && strings.Contains(out, remoteIP) {
			t.Fatalf("address %s leaked:\n%s", remoteIP, out)
		}
	})
}

// TestIntegrationLogEncoder runs a real caddy with the privacy encoder on
// its access log and its default log, proxying to a real upstream and to a
// closed port, and reads the files it writes.
func TestIntegrationLogEncoder(t *testing.T) {
	dir := t.TempDir()
	db := testDB(t)
	up := newUpstream(t)
	up.setResponder(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "session=s3cr3t-response-cookie; Path=/; HttpOnly")
		w.Write([]byte("ok"))
	})
	accessLog := filepath.Join(dir, "access.log")
	defaultLog := filepath.Join(dir, "default.log")
	closed := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	c := startCaddy(t, fmt.Sprintf(`{
	admin off
	auto_https off
	storage file_system %s
	log {
		output file %s
		format privacy {
			geoip %s
		}
	}
	servers {
		trusted_proxies static 127.0.0.0/8
		client_ip_headers X-Forwarded-For
		log_credentials
	}
}
http://127.0.0.1:{PORT} {
	log {
		output file %s
		format privacy {
			geoip %s
		}
	}
	handle /broken* {
		reverse_proxy %s
	}
	reverse_proxy %s
}
`, filepath.Join(dir, "storage"), defaultLog, db, accessLog, db, closed, up.URL))

	headers := map[string]string{
		"X-Forwarded-For": "81.2.69.160",
		"Cookie":          "session=s3cr3t-session-id; _ga=GA1.2.1234567890.1700000000",
		"Authorization":   "Basic amFuZTpodW50ZXIy",
		"Referer":         "https://shop.example/?email=jane.doe@example.com",
		"User-Agent":      "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
	}
	if resp := c.get(t, "/page?token=abc123&page=2", headers); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if resp := c.get(t, "/broken?email=jane.doe@example.com", headers); resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("status %d, want 502", resp.StatusCode)
	}

	access := waitForLines(t, accessLog, 2)
	for _, leak := range []string{"127.0.0.1", "81.2.69", "s3cr3t", "GA1.2", "amFuZT", "jane", "abc123", "rv:121", "20100101"} {
		if strings.Contains(access, leak) {
			t.Errorf("access log holds %q:\n%s", leak, access)
		}
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(strings.SplitN(access, "\n", 2)[0]), &first); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]any{
		"request>remote_ip":               "ZZ",
		"request>client_ip":               "GB",
		"request>uri":                     "/page?page=2",
		"request>headers>X-Forwarded-For": []any{"GB"},
		"request>headers>User-Agent":      []any{"Firefox/121 (Linux)"},
		"status":                          200.0,
	} {
		if got := get(first, strings.Split(path, ">")...); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	for _, path := range []string{"request>remote_port", "request>headers>Cookie", "request>headers>Authorization", "resp_headers>Set-Cookie"} {
		if got := get(first, strings.Split(path, ">")...); got != nil {
			t.Errorf("%s = %v, want it removed", path, got)
		}
	}

	// The error log of the failed proxy ("dial tcp 127.0.0.1:…") goes to
	// the default log, as does everything else caddy says.
	def := waitForContent(t, defaultLog, "dial tcp")
	for _, leak := range []string{"127.0.0.1", "81.2.69", "s3cr3t", "jane"} {
		if strings.Contains(def, leak) {
			t.Errorf("default log holds %q:\n%s", leak, def)
		}
	}
}

// waitForLines waits until the file holds n lines and returns it.
func waitForLines(t *testing.T, path string, n int) string {
	t.Helper()
	var b []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		b, _ = os.ReadFile(path)
		if bytes.Count(b, []byte("\n")) >= n {
			return string(b)
		}
	}
	t.Fatalf("%s has not %d lines:\n%s", path, n, b)
	return ""
}

// waitForContent waits until the file holds s and returns it.
func waitForContent(t *testing.T, path, s string) string {
	t.Helper()
	var b []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		b, _ = os.ReadFile(path)
		if bytes.Contains(b, []byte(s)) {
			return string(b)
		}
	}
	t.Fatalf("%s does not hold %q:\n%s", path, s, b)
	return ""
}

// benchFilterEncoder is Caddy's filter encoder configured as a careful
// operator would for the same entry: addresses masked, identifying query
// parameters and cookies deleted, credential headers deleted.
const benchFilterEncoder = `{
	"wrap": {"format": "json"},
	"fields": {
		"request>remote_ip": {"filter": "ip_mask", "ipv4_cidr": 24, "ipv6_cidr": 48},
		"request>client_ip": {"filter": "ip_mask", "ipv4_cidr": 24, "ipv6_cidr": 48},
		"request>headers>X-Forwarded-For": {"filter": "ip_mask", "ipv4_cidr": 24, "ipv6_cidr": 48},
		"request>uri": {"filter": "query", "actions": [
			{"type": "delete", "parameter": "token"},
			{"type": "delete", "parameter": "email"}
		]},
		"request>headers>Referer": {"filter": "query", "actions": [
			{"type": "delete", "parameter": "email"}
		]},
		"request>headers>Cookie": {"filter": "cookie", "actions": [
			{"type": "delete", "name": "session"},
			{"type": "delete", "name": "_ga"}
		]},
		"request>headers>Authorization": {"filter": "delete"},
		"resp_headers>Set-Cookie": {"filter": "delete"},
		"resp_headers>Location": {"filter": "query", "actions": [
			{"type": "delete", "parameter": "email"}
		]}
	}
}`

// BenchmarkAccessLogEntry encodes one access log entry as Caddy's server
// does (the request as a With field, then the response fields) through the
// privacy encoder and through Caddy's filter encoder, both wrapping Caddy's
// json encoder with its defaults, and through that json encoder alone.
func BenchmarkAccessLogEntry(b *testing.B) {
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	filter, err := ctx.LoadModuleByID("caddy.logging.encoders.filter", json.RawMessage(benchFilterEncoder))
	if err != nil {
		b.Fatal(err)
	}
	privacy := provisionedEncoder(b, new(LogEncoder), nil)
	request, fields := accessEntry(visitorRequest())
	for _, c := range []struct {
		name string
		enc  zapcore.Encoder
	}{
		{"privacy", privacy},
		{"filter", filter.(zapcore.Encoder)},
		{"json", caddyJSON(b)},
	} {
		b.Run(c.name, func(b *testing.B) {
			logger := zap.New(zapcore.NewCore(c.enc, zapcore.AddSync(discard{}), zapcore.DebugLevel))
			b.ReportAllocs()
			for b.Loop() {
				logger.With(request).Info("handled request", fields...)
			}
		})
	}
}

// discard is a WriteSyncer that drops what it is given.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) Sync() error                 { return nil }
