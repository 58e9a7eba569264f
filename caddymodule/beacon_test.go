package caddymodule

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/certmagic"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"

	"github.com/caddy-privacy/caddy-privacy/beacon"
	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/consent"
	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
)

// provisionedBeacon provisions b as Caddy would, with the test country
// database and storage of its own.
func provisionedBeacon(t testing.TB, b *Beacon) *Beacon {
	t.Helper()
	dir := t.TempDir()
	if b.GeoIP.Database == "" && !b.GeoIP.Off {
		b.GeoIP.Database = countrytest.WriteMaxMind(t, dir, testNets)
	}
	if err := b.provision(zap.NewNop(), &certmagic.FileStorage{Path: dir}, prometheus.NewRegistry()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Cleanup() })
	return b
}

// beaconExchange is one request through the gateway.
type beaconExchange struct {
	next *http.Request // nil when nothing was forwarded
	body string        // what next read from the body
	resp *httptest.ResponseRecorder
}

// serveBeacon sends req through b as from client with the given consent
// decision (as the privacy handler would have stored it); next answers
// with respond.
func serveBeacon(t testing.TB, b *Beacon, client string, granted *consent.Set, req *http.Request, respond func(w http.ResponseWriter)) beaconExchange {
	t.Helper()
	vars := map[string]any{caddyhttp.ClientIPVarKey: client}
	if granted != nil {
		vars[decisionVar] = *granted
	}
	ctx := context.WithValue(req.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer())
	ctx = context.WithValue(ctx, caddyhttp.VarsCtxKey, vars)
	req = req.WithContext(ctx)
	req.RemoteAddr = client + ":51000"
	ex := beaconExchange{resp: httptest.NewRecorder()}
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		ex.next = r
		body, _ := io.ReadAll(r.Body)
		ex.body = string(body)
		if int64(len(body)) != r.ContentLength {
			t.Errorf("ContentLength %d, body %d bytes", r.ContentLength, len(body))
		}
		if respond != nil {
			respond(w)
		}
		return nil
	})
	if err := b.ServeHTTP(ex.resp, req, next); err != nil {
		t.Fatal(err)
	}
	return ex
}

func set(s consent.Set) *consent.Set { return &s }

func TestBeaconForwardsSanitised(t *testing.T) {
	b := provisionedBeacon(t, &Beacon{Config: beacon.Config{Vendor: "ga4"}})
	standIn, _ := b.engine.Countries.DB().StandIn("GB")
	req := httptest.NewRequest("POST", "/g/collect?v=2&tid=G-1&cid=602849859.1754048070&uid=jane&en=page_view&dl=https%3A%2F%2Fshop.example%2F%3Fgclid%3Dx&_uip=81.2.69.160",
		strings.NewReader("en=scroll&ep.x=jane%40example.com\r\nen=click"))
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	req.Header.Set("Cookie", "_ga=GA1.1.602849859.1754048070; session=s")
	req.Header.Set("Authorization", "Bearer secret")
	req.Header.Set("X-Forwarded-For", "81.2.69.160")
	req.Header.Set("X-Real-IP", "81.2.69.160")
	req.Header.Set("Forwarded", "for=81.2.69.160")
	req.Header.Set("X-Client-Country", "GB")
	req.Header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.130 Safari/537.36")
	req.Header.Set("Sec-CH-UA", `"Chromium";v="120", "Google Chrome";v="120"`)
	req.Header.Set("Sec-CH-UA-Model", `"Pixel 7"`)
	req.Header.Set("Sec-CH-UA-Platform", `"Windows"`)
	req.Header.Set("Sec-GPC", "1")
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9,fr;q=0.8")
	req.Header.Set("Referer", "https://shop.example/account?email=jane@example.com")
	req.Header.Set("Origin", "https://shop.example")
	req.Header.Set("X-Umami-Cache", "eyJhbGciOi.x.y")
	ex := serveBeacon(t, b, "81.2.69.160", set(consent.Only.With(consent.Analytics)), req, func(w http.ResponseWriter) {
		w.Header().Set("Set-Cookie", "_ga=tracking; Path=/")
		w.WriteHeader(204)
	})
	r := ex.next
	if r == nil {
		t.Fatal("nothing forwarded")
	}
	q := r.URL.Query()
	if q.Has("uid") || q.Get("cid") == "" || strings.Contains(r.URL.RawQuery, "602849859") || q.Get("_uip") != standIn.String() ||
		q.Get("dl") != "https://shop.example/" || r.RequestURI != "/g/collect?"+r.URL.RawQuery {
		t.Errorf("query %q, RequestURI %q", r.URL.RawQuery, r.RequestURI)
	}
	if ex.body != "en=scroll&ep.x=%5Bemail%5D\r\nen=click" {
		t.Errorf("body %q", ex.body)
	}
	want := http.Header{
		"Content-Type":       {"text/plain;charset=UTF-8"},
		"Content-Length":     {strconv.Itoa(len(ex.body))},
		"User-Agent":         {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"},
		"Sec-Ch-Ua":          {`"Chromium";v="120", "Google Chrome";v="120"`},
		"Sec-Ch-Ua-Platform": {`"Windows"`},
		"Sec-Gpc":            {"1"},
		"Accept-Language":    {"en-GB"},
		"Referer":            {"https://shop.example/"},
		"Origin":             {"https://shop.example"},
	}
	for k, v := range want {
		if strings.Join(r.Header[k], "|") != strings.Join(v, "|") {
			t.Errorf("%s = %q, want %q", k, r.Header[k], v)
		}
	}
	for k := range r.Header {
		if _, ok := want[k]; !ok {
			t.Errorf("header %s forwarded: %q", k, r.Header[k])
		}
	}
	if r.RemoteAddr != standIn.String()+":0" {
		t.Errorf("RemoteAddr = %q; reverse_proxy would put it in X-Forwarded-For", r.RemoteAddr)
	}
	if r.Trailer != nil || r.TransferEncoding != nil {
		t.Error("trailers or transfer encoding kept")
	}
	if sc := ex.resp.Header().Values("Set-Cookie"); len(sc) != 0 || ex.resp.Code != 204 {
		t.Errorf("response %d with Set-Cookie %q", ex.resp.Code, sc)
	}
	if v := counterValue(b.metrics.forwarded.WithLabelValues("ga4", "consented")); v != 1 {
		t.Errorf("forwarded = %v", v)
	}
}

func TestBeaconHeldBack(t *testing.T) {
	b := provisionedBeacon(t, &Beacon{Config: beacon.Config{Vendor: "ga4"}, MaxBody: 1024})
	granted := set(consent.Only.With(consent.Analytics))
	tests := []struct {
		name    string
		req     func() *http.Request
		granted *consent.Set
		status  int
		reason  string
	}{
		{"no privacy handler", func() *http.Request { return httptest.NewRequest("GET", "/g/collect?tid=G-1", nil) }, nil, 204, "no_consent"},
		{"consent denied", func() *http.Request { return httptest.NewRequest("GET", "/g/collect?tid=G-1&gcs=G111", nil) }, set(consent.Only), 204, "no_consent"},
		{"malformed", func() *http.Request { return httptest.NewRequest("GET", "/g/collect?en=x", nil) }, granted, 204, "malformed"},
		{"other path", func() *http.Request { return httptest.NewRequest("GET", "/admin?tid=G-1", nil) }, granted, 404, "path_refused"},
		{"escaped path", func() *http.Request { return httptest.NewRequest("GET", "/g%2Fcollect?tid=G-1", nil) }, granted, 404, "path_refused"},
		{"wrong method", func() *http.Request { return httptest.NewRequest("DELETE", "/g/collect?tid=G-1", nil) }, granted, 405, "path_refused"},
		{"Content-Length over the limit", func() *http.Request {
			return httptest.NewRequest("POST", "/g/collect?tid=G-1", strings.NewReader(strings.Repeat("a", 1025)))
		}, granted, 413, "oversized"},
		{"chunked body over the limit", func() *http.Request {
			r := httptest.NewRequest("POST", "/g/collect?tid=G-1", io.MultiReader(strings.NewReader(strings.Repeat("a", 2000))))
			r.ContentLength = -1
			return r
		}, granted, 413, "oversized"},
		{"unreadable compressed body", func() *http.Request {
			r := httptest.NewRequest("POST", "/g/collect?tid=G-1", strings.NewReader("\x1f\x8b"))
			r.Header.Set("Content-Encoding", "gzip")
			return r
		}, granted, 204, "malformed"},
		{"query over the limit", func() *http.Request {
			return httptest.NewRequest("GET", "/g/collect?tid=G-1&dt="+strings.Repeat("a", 1100), nil)
		}, granted, 413, "oversized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := counterValue(b.metrics.held.WithLabelValues("ga4", tt.reason))
			ex := serveBeacon(t, b, "81.2.69.160", tt.granted, tt.req(), nil)
			if ex.next != nil {
				t.Fatalf("forwarded: %q", ex.next.URL.RawQuery)
			}
			if ex.resp.Code != tt.status {
				t.Errorf("status %d, want %d", ex.resp.Code, tt.status)
			}
			if ex.resp.Header().Get("Cache-Control") == "" {
				t.Error("local answer may be cached")
			}
			if after := counterValue(b.metrics.held.WithLabelValues("ga4", tt.reason)); after != before+1 {
				t.Errorf("held{%s} went from %v to %v", tt.reason, before, after)
			}
		})
	}
}

// TestBeaconCompressed: SDKs compress their bodies; the gateway inflates
// them within max_body and forwards them plain.
func TestBeaconCompressed(t *testing.T) {
	b := provisionedBeacon(t, &Beacon{Config: beacon.Config{Vendor: "plausible"}, MaxBody: 4096})
	event := `{"n":"pageview","u":"https://shop.example/p?email=jane@example.com","d":"shop.example"}`
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write([]byte(event))
	zw.Close()
	req := httptest.NewRequest("POST", "/api/event", bytes.NewReader(zb.Bytes()))
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Content-Type", "application/json")
	ex := serveBeacon(t, b, "81.2.69.160", set(consent.All), req, nil)
	if ex.next == nil {
		t.Fatalf("not forwarded: %d", ex.resp.Code)
	}
	if ce := ex.next.Header.Get("Content-Encoding"); ce != "" || !strings.Contains(ex.body, `"n":"pageview"`) || strings.Contains(ex.body, "jane") {
		t.Errorf("forwarded Content-Encoding %q, body %s", ce, ex.body)
	}
	// A body that inflates past max_body is refused, not truncated.
	var bomb bytes.Buffer
	zw = gzip.NewWriter(&bomb)
	zw.Write([]byte(`{"n":"pageview","u":"/","d":"x","p":{"a":"` + strings.Repeat("a", 8000) + `"}}`))
	zw.Close()
	req = httptest.NewRequest("POST", "/api/event", bytes.NewReader(bomb.Bytes()))
	req.Header.Set("Content-Encoding", "gzip")
	if ex := serveBeacon(t, b, "81.2.69.160", set(consent.All), req, nil); ex.next != nil || ex.resp.Code != 413 {
		t.Errorf("inflated past max_body: forwarded %v, status %d", ex.next != nil, ex.resp.Code)
	}
}

func TestBeaconWithoutStandIn(t *testing.T) {
	for name, b := range map[string]*Beacon{
		"ip_override none": {Config: beacon.Config{Vendor: "plausible", IPOverride: "none"}},
		"geoip off":        {Config: beacon.Config{Vendor: "plausible"}, Policy: policyGeoIPOff()},
	} {
		t.Run(name, func(t *testing.T) {
			provisionedBeacon(t, b)
			req := httptest.NewRequest("POST", "/api/event", strings.NewReader(`{"n":"pageview","u":"/","d":"a.example"}`))
			req.Header.Set("X-Forwarded-For", "81.2.69.160")
			ex := serveBeacon(t, b, "81.2.69.160", set(consent.All), req, nil)
			if ex.next == nil {
				t.Fatal("nothing forwarded")
			}
			if v, ok := ex.next.Header["X-Forwarded-For"]; !ok || v != nil {
				t.Errorf("X-Forwarded-For = %q, %v; want present and nil so reverse_proxy adds none", v, ok)
			}
			if ex.next.RemoteAddr != anonymousRemoteAddr {
				t.Errorf("RemoteAddr = %q", ex.next.RemoteAddr)
			}
		})
	}
}

func TestBeaconMatomoAnswer(t *testing.T) {
	b := provisionedBeacon(t, &Beacon{Config: beacon.Config{Vendor: "matomo"}})
	ex := serveBeacon(t, b, "81.2.69.160", set(consent.Only), httptest.NewRequest("GET", "/matomo.php?idsite=1&rec=1", nil), nil)
	if ex.resp.Code != 200 || ex.resp.Header().Get("Content-Type") != "image/gif" || ex.resp.Body.Len() != 43 {
		t.Errorf("answer %d %q, %d bytes; want the 43-byte GIF", ex.resp.Code, ex.resp.Header().Get("Content-Type"), ex.resp.Body.Len())
	}
	ex = serveBeacon(t, b, "81.2.69.160", set(consent.Only), httptest.NewRequest("POST", "/matomo.php", strings.NewReader("idsite=1&rec=1&send_image=0")), nil)
	if ex.resp.Code != 204 || ex.resp.Body.Len() != 0 {
		t.Errorf("send_image=0: answer %d, %d bytes", ex.resp.Code, ex.resp.Body.Len())
	}
}

func policyGeoIPOff() (p config.Policy) {
	p.GeoIP.Off = true
	return p
}

func TestBeaconValidate(t *testing.T) {
	for name, b := range map[string]*Beacon{
		"no vendor":      {},
		"negative body":  {Config: beacon.Config{Vendor: "ga4"}, MaxBody: -1},
		"bad transform":  {Config: beacon.Config{Vendor: "ga4"}, Policy: config.Policy{IP: config.IPPolicy{Transform: "blur"}}},
		"generic bare":   {Config: beacon.Config{Vendor: "generic"}},
		"uid allowed":    {Config: beacon.Config{Vendor: "ga4", Allow: []string{"uid"}}},
		"cookieless ua":  {Config: beacon.Config{Vendor: "ua", Cookieless: true}},
		"path elsewhere": {Config: beacon.Config{Vendor: "umami", Paths: []string{"/api/event"}}},
	} {
		if err := b.Validate(); err == nil {
			t.Errorf("%s: valid", name)
		}
	}
	if err := (&Beacon{Config: beacon.Config{Vendor: "ga4"}}).Validate(); err != nil {
		t.Errorf("minimal config: %v", err)
	}
	// Provision fails cleanly, and Cleanup after it is safe.
	b := &Beacon{Config: beacon.Config{Vendor: "ga4"}}
	b.GeoIP.Database = filepath.Join(t.TempDir(), "missing.mmdb")
	if err := b.provision(zap.NewNop(), &certmagic.FileStorage{Path: t.TempDir()}, nil); err == nil || !strings.Contains(err.Error(), "missing.mmdb") {
		t.Errorf("provisioned with a missing country database: %v", err)
	}
	if err := b.Cleanup(); err != nil {
		t.Error(err)
	}
}

func TestBeaconUnmarshalCaddyfile(t *testing.T) {
	d := caddyfile.NewTestDispenser(`privacy_beacon segment {
		allow properties.plan
		drop context.locale
		max_events 50
	}`)
	var b Beacon
	if err := b.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	if b.Vendor != "segment" || b.Allow[0] != "properties.plan" || b.Drop[0] != "context.locale" || b.MaxEvents != 50 {
		t.Errorf("parsed %+v", b.Config)
	}
	d = caddyfile.NewTestDispenser(`privacy_beacon generic {
		paths /ingest/e
		status 200
		fields {
			url "event_properties.[Amplitude] Page Location"
			keep event
		}
	}`)
	b = Beacon{}
	if err := b.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	if b.Status != 200 || len(b.Fields.URL) != 1 || b.Fields.URL[0] != "event_properties.[Amplitude] Page Location" {
		t.Errorf("parsed %+v %+v", b.Config, b.Fields)
	}
	if err := b.Validate(); err != nil {
		t.Errorf("a quoted field name with spaces and brackets: %v", err)
	}
	for _, bad := range []string{
		"privacy_beacon generic {\n status ok\n}",
		`privacy_beacon ga4 extra`,
		"privacy_beacon ga4 {\n max_events 0\n}",
		"privacy_beacon ga4 {\n cookieless yes\n}",
		"privacy_beacon ga4 {\n allow\n}",
		"privacy_beacon ga4 {\n ip_override country\n}",
		"privacy_beacon generic {\n fields {\n keep\n }\n}",
		"privacy_beacon generic {\n fields extra {\n keep a\n }\n}",
	} {
		var b Beacon
		if err := b.UnmarshalCaddyfile(caddyfile.NewTestDispenser(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// counterValue reads a counter.
func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}
