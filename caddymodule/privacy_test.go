package caddymodule

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/certmagic"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
)

// provisioned provisions h as Caddy would, with a test country database
// and storage of its own.
func provisioned(t testing.TB, h *Handler) *Handler {
	t.Helper()
	dir := t.TempDir()
	if h.GeoIP.Database == "" && !h.GeoIP.Off {
		h.GeoIP.Database = countrytest.WriteMaxMind(t, dir, testNets)
	}
	if err := h.provision(zap.NewNop(), &certmagic.FileStorage{Path: dir}, prometheus.NewRegistry()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Cleanup() })
	return h
}

// exchange is one request through the handler: what the next handler
// received, and what the client got.
type exchange struct {
	next *http.Request
	repl *caddy.Replacer
	resp *httptest.ResponseRecorder
}

// serveVia sends req through h as from client, with next answering via
// respond (which may be nil).
func serveVia(t testing.TB, h *Handler, client string, req *http.Request, respond func(w http.ResponseWriter)) exchange {
	t.Helper()
	repl := caddy.NewReplacer()
	ctx := context.WithValue(req.Context(), caddy.ReplacerCtxKey, repl)
	ctx = context.WithValue(ctx, caddyhttp.VarsCtxKey, map[string]any{caddyhttp.ClientIPVarKey: client})
	req = req.WithContext(ctx)
	req.RemoteAddr = client + ":51000"
	ex := exchange{repl: repl, resp: httptest.NewRecorder()}
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		ex.next = r
		if respond != nil {
			respond(w)
		}
		return nil
	})
	if err := h.ServeHTTP(ex.resp, req, next); err != nil {
		t.Fatal(err)
	}
	return ex
}

func TestHandlerRequest(t *testing.T) {
	h := provisioned(t, &Handler{})
	req := httptest.NewRequest("GET", "/p?gclid=1&page=2&msclkid=3", nil)
	req.Header.Set("X-Forwarded-For", "81.2.69.160, 10.0.0.1")
	req.Header.Set("X-Real-IP", "81.2.69.160")
	req.Header.Set("Forwarded", "for=81.2.69.160")
	req.Header.Set("Sec-GPC", "1")
	req.Header.Set("Cookie", "_ga=GA1.2.3.4; sid=abc; _fbp=x")
	ex := serveVia(t, h, "81.2.69.160", req, nil)

	got := ex.next
	if v, ok := got.Header["X-Forwarded-For"]; !ok || v != nil {
		t.Errorf("X-Forwarded-For = %q, %v; want present with a nil value so reverse_proxy adds none", v, ok)
	}
	for _, name := range []string{"X-Real-Ip", "Forwarded"} {
		if _, ok := got.Header[name]; ok {
			t.Errorf("%s reached the next handler", name)
		}
	}
	if got.Header.Get("Sec-Gpc") != "1" {
		t.Error("Sec-GPC was removed")
	}
	if got.Header.Get("X-Client-Country") != "GB" {
		t.Errorf("country header = %q", got.Header.Get("X-Client-Country"))
	}
	if c := got.Header.Get("Cookie"); c != "sid=abc" {
		t.Errorf("Cookie = %q, want sid=abc", c)
	}
	if got.URL.RawQuery != "page=2" {
		t.Errorf("query = %q, want click ids stripped", got.URL.RawQuery)
	}
	if strings.Contains(got.RemoteAddr, "81.2.69") {
		t.Errorf("RemoteAddr = %q", got.RemoteAddr)
	}
	for key, want := range map[string]string{
		"{http.privacy.country}":            "GB",
		"{http.privacy.consent.necessary}":  "true",
		"{http.privacy.consent.functional}": "false",
		"{http.privacy.consent.analytics}":  "false",
		"{http.privacy.consent.marketing}":  "false",
		"{http.privacy.consent.unknown}":    "{http.privacy.consent.unknown}",
		"{http.privacy.something}":          "{http.privacy.something}",
	} {
		if v := ex.repl.ReplaceKnown(key, "?"); v != want {
			t.Errorf("%s = %q, want %q", key, v, want)
		}
	}
	ps := ex.repl.ReplaceKnown("{http.privacy.pseudonym}", "")
	if ps == "" || strings.Contains(ps, "81.2.69") {
		t.Errorf("pseudonym = %q", ps)
	}
	if again := serveVia(t, h, "81.2.69.160", httptest.NewRequest("GET", "/", nil), nil).repl.ReplaceKnown("{http.privacy.pseudonym}", ""); again != ps {
		t.Errorf("pseudonym not stable: %q then %q", ps, again)
	}
}

func TestHandlerConsentMatcher(t *testing.T) {
	h := &Handler{}
	h.Consent.Format = "json"
	provisioned(t, h)
	tests := []struct {
		cookie  string
		matcher MatchConsent
		want    bool
	}{
		{"", MatchConsent{"necessary"}, true},
		{"", MatchConsent{"analytics"}, false},
		{`consent={"analytics":true}`, MatchConsent{"analytics"}, true},
		{`consent={"analytics":true}`, MatchConsent{"analytics", "marketing"}, false},
		{`consent={"analytics":true,"marketing":true}`, MatchConsent{"analytics", "marketing"}, true},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "/", nil)
		if tt.cookie != "" {
			req.Header.Set("Cookie", tt.cookie)
		}
		ex := serveVia(t, h, "81.2.69.160", req, nil)
		got, err := tt.matcher.MatchWithError(ex.next)
		if err != nil || got != tt.want {
			t.Errorf("%v on cookie %q = %v, %v; want %v", tt.matcher, tt.cookie, got, err, tt.want)
		}
	}
	// Without a privacy handler before it, nothing but necessary matches.
	req := httptest.NewRequest("GET", "/", nil)
	req = req.WithContext(context.WithValue(req.Context(), caddyhttp.VarsCtxKey, map[string]any{}))
	if ok, _ := (MatchConsent{"analytics"}).MatchWithError(req); ok {
		t.Error("matched analytics with no decision")
	}
}

func TestHandlerResponseCookies(t *testing.T) {
	respond := func(w http.ResponseWriter) {
		w.Header().Add("Set-Cookie", "_ga=GA1.2.3.4; Max-Age=63072000; Path=/")
		w.Header().Add("Set-Cookie", "sid=abc; HttpOnly")
		io.WriteString(w, "body") // no WriteHeader: the filter must still run
	}
	h := provisioned(t, &Handler{})
	ex := serveVia(t, h, "81.2.69.160", httptest.NewRequest("GET", "/", nil), respond)
	if sc := ex.resp.Header().Values("Set-Cookie"); len(sc) != 1 || sc[0] != "sid=abc; HttpOnly" {
		t.Errorf("Set-Cookie = %q, want only sid", sc)
	}
	if ex.resp.Body.String() != "body" {
		t.Errorf("body = %q", ex.resp.Body.String())
	}
}

func TestHandlerForwardTransform(t *testing.T) {
	h := &Handler{ForwardIP: "transform"}
	h.IP.Transform = "truncate"
	provisioned(t, h)
	ex := serveVia(t, h, "81.2.69.160", httptest.NewRequest("GET", "/", nil), nil)
	if v := ex.next.Header.Get("X-Forwarded-For"); v != "81.2.69.0" {
		t.Errorf("X-Forwarded-For = %q, want the /24", v)
	}
}

func TestHandlerGeoIPOff(t *testing.T) {
	h := &Handler{}
	h.GeoIP.Off = true
	provisioned(t, h)
	ex := serveVia(t, h, "81.2.69.160", httptest.NewRequest("GET", "/", nil), nil)
	if _, ok := ex.next.Header["X-Client-Country"]; ok {
		t.Error("country header without a database")
	}
}

func TestHandlerMissingDatabase(t *testing.T) {
	h := &Handler{}
	h.GeoIP.Database = "/nonexistent/GeoLite2-Country.mmdb"
	err := h.provision(zap.NewNop(), &certmagic.FileStorage{Path: t.TempDir()}, prometheus.NewRegistry())
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/GeoLite2-Country.mmdb") {
		t.Fatalf("error %v does not name the path", err)
	}
	if err := h.Cleanup(); err != nil {
		t.Errorf("Cleanup after a failed Provision: %v", err)
	}
	if err := (&Handler{}).provision(zap.NewNop(), &certmagic.FileStorage{Path: t.TempDir()}, nil); err == nil || !strings.Contains(err.Error(), "geoip off") {
		t.Errorf("no database and no `geoip off`: %v", err)
	}
}

func TestHandlerGPCJSON(t *testing.T) {
	h := provisioned(t, &Handler{GPCJSON: true})
	ex := serveVia(t, h, "81.2.69.160", httptest.NewRequest("GET", gpcJSONPath, nil), nil)
	if ex.next != nil {
		t.Error("gpc.json went to the next handler")
	}
	if ex.resp.Code != 200 || !strings.Contains(ex.resp.Body.String(), `"gpc": true`) {
		t.Errorf("gpc.json: %d %q", ex.resp.Code, ex.resp.Body.String())
	}
}

// BenchmarkHandler measures what the handler adds to a request over the
// bare chain, on a realistic request. Both sides pay for resetting the
// request between iterations (a header clone, a vars map and a replacer,
// which Caddy makes per request), so the difference between them is the
// handler's cost.
func BenchmarkHandler(b *testing.B) {
	h := provisioned(b, &Handler{})
	base := httptest.NewRequest("GET", "/products/shoes?page=2&utm_source=news", nil)
	base.Header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36")
	base.Header.Set("Accept", "text/html,application/xhtml+xml")
	base.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	base.Header.Set("Accept-Encoding", "gzip, br")
	base.Header.Set("X-Forwarded-For", "81.2.69.160")
	base.Header.Set("Cookie", "sid=abc123; _ga=GA1.2.3.4; lang=en")
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header()["Set-Cookie"] = []string{"sid=abc123; HttpOnly"}
		w.WriteHeader(200)
		return nil
	})
	run := func(b *testing.B, withPrivacy bool) {
		b.ReportAllocs()
		w := httptest.NewRecorder()
		vars := map[string]any{}
		u := *base.URL
		for i := 0; i < b.N; i++ {
			ctx := context.WithValue(context.WithValue(base.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer()), caddyhttp.VarsCtxKey, vars)
			r := base.WithContext(ctx)
			r.Header = base.Header.Clone()
			u.RawQuery = base.URL.RawQuery
			r.URL = &u
			clear(vars)
			vars[caddyhttp.ClientIPVarKey] = "81.2.69.160"
			clear(w.HeaderMap)
			w.Code, w.Body, w.Flushed = 0, nil, false
			if withPrivacy {
				h.ServeHTTP(w, r, next)
			} else {
				next.ServeHTTP(w, r)
			}
		}
	}
	b.Run("bare", func(b *testing.B) { run(b, false) })
	b.Run("privacy", func(b *testing.B) { run(b, true) })
}

// After privacy, every variable and placeholder that held the client
// address holds what the policy makes of it: {client_ip} is
// {http.vars.client_ip}, {remote_host} is {http.request.remote.host}.
func TestHandlerHidesClientAddressEverywhere(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    *Handler
		want string
	}{
		{"country", &Handler{}, "GB"},
		{"truncate", func() *Handler { h := &Handler{}; h.IP.Transform = "truncate"; return h }(), "81.2.69.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := provisioned(t, tc.h)
			// As Caddy's server prepares a request: the vars, then the
			// replacer over the very request the handlers get.
			req := httptest.NewRequest("GET", "/", nil)
			req = req.WithContext(context.WithValue(req.Context(), caddyhttp.VarsCtxKey, map[string]any{caddyhttp.ClientIPVarKey: "81.2.69.160"}))
			req.RemoteAddr = "81.2.69.160:51000"
			repl := caddyhttp.NewTestReplacer(req)
			// What the handlers after privacy see.
			var next *http.Request
			seen := map[string]string{}
			keys := []string{"{http.vars.client_ip}", "{http.request.remote}", "{http.request.remote.host}", "{http.request.remote.port}", "{http.privacy.country}", "{http.request.remote.host/8}"}
			var clientIP any
			err := h.ServeHTTP(httptest.NewRecorder(), req, caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				next = r
				clientIP = caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey)
				for _, k := range keys {
					seen[k] = repl.ReplaceAll(k, "?")
				}
				return nil
			}))
			if err != nil {
				t.Fatal(err)
			}
			if clientIP != tc.want {
				t.Errorf("client_ip variable = %v, want %s", clientIP, tc.want)
			}
			if next.RemoteAddr != tc.want+":0" {
				t.Errorf("RemoteAddr = %q, want %s:0", next.RemoteAddr, tc.want)
			}
			for key, want := range map[string]string{
				"{http.vars.client_ip}":      tc.want,
				"{http.request.remote}":      tc.want + ":0",
				"{http.request.remote.host}": tc.want,
				"{http.request.remote.port}": "0",
				"{http.privacy.country}":     "GB",
			} {
				if got := seen[key]; got != want {
					t.Errorf("%s = %q, want %q", key, got, want)
				}
			}
			// Once the route is served, Caddy's log entries read the
			// variable: it still holds the transformed value, which the
			// privacy log encoder keeps (a country code stays a code).
			after, _ := caddyhttp.GetVar(next.Context(), caddyhttp.ClientIPVarKey).(string)
			if after != tc.want {
				t.Errorf("client_ip variable after the route = %q, want %q", after, tc.want)
			}
			// Caddy's prefix form works on the transformed value.
			if got := seen["{http.request.remote.host/8}"]; strings.Contains(got, "81.2.69") {
				t.Errorf("{http.request.remote.host/8} = %q", got)
			}
		})
	}
}

// A renamed consent cookie, and beside a GPP string its section-id
// cookie, reach the app even when unclassified cookies are stripped.
func TestRenamedConsentCookiesAreNecessary(t *testing.T) {
	h := &Handler{Policy: config.Policy{
		Consent: config.ConsentPolicy{Format: "gpp", Cookie: "mygpp"},
		Cookies: config.CookiePolicy{Unknown: "marketing"},
	}}
	provisioned(t, h)
	req := pageRequest("GET", "mygpp=DBABCw~BlqmESWA.YA; mygpp_sid=13; other=1")
	ex := serveEmbeds(t, h, req, app("text/plain", nil, 200, nil))
	got := ex.next.Header.Get("Cookie")
	if !strings.Contains(got, "mygpp=") || !strings.Contains(got, "mygpp_sid=13") || strings.Contains(got, "other=") {
		t.Errorf("the app received Cookie %q; want mygpp and mygpp_sid, not other", got)
	}
}

// After a 103 Early Hints, the final response carries the CSP once.
func TestCSPOnceAfterEarlyHints(t *testing.T) {
	h := embedsHandler(t, true)
	ex := serveEmbeds(t, h, pageRequest("GET", ""), func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</app.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Set("Content-Type", "image/png")
		w.WriteHeader(http.StatusOK)
	})
	if n := len(ex.resp.Header().Values("Content-Security-Policy")); n != 1 {
		t.Errorf("%d CSP values: %q", n, ex.resp.Header().Values("Content-Security-Policy"))
	}
}
