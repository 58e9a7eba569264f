package caddymodule

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
)

// testNets is the country database of the integration tests.
var testNets = map[string]string{
	"81.2.69.0/24":    "GB",
	"216.160.83.0/24": "US",
	"2001:218::/32":   "JP",
}

// site is a Caddyfile with the privacy handler in front of an upstream.
// Clients on loopback are trusted proxies, so a test can play a visitor
// from anywhere with X-Forwarded-For.
func site(t *testing.T, db, storage, up, privacyBody string) string {
	t.Helper()
	return fmt.Sprintf(`{
	admin off
	auto_https off
	storage file_system %s
	servers {
		trusted_proxies static 127.0.0.0/8
		client_ip_headers X-Forwarded-For
		# Caddy answers 431 above 16 KB of headers by default; raised so
		# the hostile-input tests reach the privacy handler.
		max_header_size 1MB
	}
}
http://127.0.0.1:{PORT} {
	privacy {
		geoip %s
		%s
	}
	request_header X-Consent-Functional {http.privacy.consent.functional}
	request_header X-Consent-Analytics {http.privacy.consent.analytics}
	request_header X-Consent-Marketing {http.privacy.consent.marketing}
	request_header X-Pseudonym {http.privacy.pseudonym}
	handle /metrics {
		metrics
	}
	reverse_proxy %s
}
`, storage, db, privacyBody, up)
}

func TestIntegrationNoConsent(t *testing.T) {
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	up := newUpstream(t)
	up.setResponder(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "_ga=GA1.1.123456789.1700000000; Path=/; Max-Age=63072000")
		w.Header().Add("Set-Cookie", "session=abc; Path=/; HttpOnly")
		w.Header().Add("Set-Cookie", "_fbp=fb.1.1700000000.123; Path=/")
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		w.Write([]byte("ok"))
	})
	c := startCaddy(t, site(t, db, filepath.Join(dir, "storage"), up.URL, "consent json consent\n\t\tcsp"))

	resp := c.get(t, "/page?gclid=abc&page=2&fbclid=x", map[string]string{
		"X-Forwarded-For":     "81.2.69.160",
		"X-Real-IP":           "81.2.69.160",
		"Forwarded":           "for=81.2.69.160;proto=https",
		"True-Client-IP":      "81.2.69.160",
		"CF-Connecting-IP":    "81.2.69.160",
		"X-Cluster-Client-IP": "81.2.69.160",
		"Cookie":              "_ga=GA1.1.1.1; session=s1; _fbp=fb.1.2; _hjSessionUser_1=x",
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got := up.last(t)

	if v := got.Header.Get("X-Client-Country"); v != "GB" {
		t.Errorf("X-Client-Country = %q, want GB", v)
	}
	all := got.allOf()
	for _, leak := range []string{"81.2.69", "127.0.0.1"} {
		if strings.Contains(all, leak) {
			t.Errorf("upstream received %q:\n%s", leak, all)
		}
	}
	for _, h := range []string{"X-Forwarded-For", "X-Real-Ip", "Forwarded", "True-Client-Ip", "Cf-Connecting-Ip", "X-Cluster-Client-Ip"} {
		if _, ok := got.Header[h]; ok {
			t.Errorf("upstream received %s", h)
		}
	}
	if v := got.Header.Get("Cookie"); v != "session=s1" {
		t.Errorf("Cookie = %q, want only session=s1", v)
	}
	if got.RequestURI != "/page?page=2" {
		t.Errorf("RequestURI = %q, want click ids stripped", got.RequestURI)
	}
	if v := got.Header.Get("X-Consent-Analytics"); v != "false" {
		t.Errorf("analytics consent = %q", v)
	}

	setCookies := resp.Header.Values("Set-Cookie")
	if len(setCookies) != 1 || !strings.HasPrefix(setCookies[0], "session=") {
		t.Errorf("client received Set-Cookie %q, want only session", setCookies)
	}
	csp := resp.Header.Values("Content-Security-Policy")
	if len(csp) != 2 || csp[0] != "default-src 'self'" {
		t.Fatalf("client received CSP %q, want the app's followed by ours", csp)
	}
	if strings.Contains(csp[1], "google-analytics") || !strings.Contains(csp[1], "script-src 'self'") {
		t.Errorf("our CSP allows analytics or lacks script-src: %q", csp[1])
	}
}

func TestIntegrationUntrustedClientAddressIsNotForwarded(t *testing.T) {
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	up := newUpstream(t)
	c := startCaddy(t, fmt.Sprintf(`{
	admin off
	auto_https off
	storage file_system %s
}
http://127.0.0.1:{PORT} {
	privacy {
		geoip %s
	}
	reverse_proxy %s
}
`, filepath.Join(dir, "storage"), db, up.URL))
	c.get(t, "/", map[string]string{"X-Forwarded-For": "81.2.69.160"})
	got := up.last(t)
	if _, ok := got.Header["X-Forwarded-For"]; ok {
		t.Errorf("reverse_proxy added X-Forwarded-For: %q", got.Header["X-Forwarded-For"])
	}
	if v := got.Header.Get("X-Client-Country"); v != "ZZ" {
		t.Errorf("X-Client-Country = %q, want ZZ for a loopback client", v)
	}
	if all := got.allOf(); strings.Contains(all, "81.2.69") || strings.Contains(all, "127.0.0.1") {
		t.Errorf("upstream received an address:\n%s", all)
	}
}

func TestIntegrationConsentGranted(t *testing.T) {
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	up := newUpstream(t)
	up.setResponder(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "_ga=GA1.1.123456789.1700000000; Path=/; Max-Age=63072000")
		w.Header().Add("Set-Cookie", "_fbp=fb.1.1700000000.123; Path=/; Expires=Wed, 01 Jan 2048 00:00:00 GMT")
	})
	c := startCaddy(t, site(t, db, filepath.Join(dir, "storage"), up.URL, "consent json consent\n\t\tcsp"))
	resp := c.get(t, "/?gclid=abc", map[string]string{
		"X-Forwarded-For": "216.160.83.56",
		"Cookie":          `consent={"functional":true,"analytics":true,"marketing":false}; _ga=GA1.1.1.1; _fbp=fb.1.2`,
	})
	got := up.last(t)
	if got.Header.Get("X-Client-Country") != "US" {
		t.Errorf("country = %q", got.Header.Get("X-Client-Country"))
	}
	if v := got.Header.Get("Cookie"); !strings.Contains(v, "_ga=GA1.1.1.1") || strings.Contains(v, "_fbp") {
		t.Errorf("Cookie = %q, want _ga kept and _fbp removed", v)
	}
	if got.RequestURI != "/" {
		t.Errorf("RequestURI = %q: click id kept without marketing consent", got.RequestURI)
	}
	sc := resp.Header.Values("Set-Cookie")
	if len(sc) != 1 || !strings.HasPrefix(sc[0], "_ga=") {
		t.Fatalf("Set-Cookie = %q, want only _ga", sc)
	}
	m := regexp.MustCompile(`Max-Age=(\d+)`).FindStringSubmatch(sc[0])
	if m == nil {
		t.Fatalf("Set-Cookie %q lost its Max-Age", sc[0])
	}
	if n, _ := strconv.Atoi(m[1]); n > 395*24*3600 {
		t.Errorf("Max-Age %d not capped to 13 months", n)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "google-analytics") || strings.Contains(csp, "facebook") {
		t.Errorf("CSP %q should allow analytics origins and block marketing ones", csp)
	}
}

// TestIntegrationConsentSources checks every way consent reaches the
// handler, end to end.
func TestIntegrationConsentSources(t *testing.T) {
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	tests := []struct {
		name                             string
		config                           string
		headers                          map[string]string
		functional, analytics, marketing bool
	}{
		{"no signal", "", map[string]string{"Cookie": "_ga=1"}, false, false, false},
		{"json", "consent json consent", map[string]string{"Cookie": `consent={"analytics":true}`}, false, true, false},
		{"kv", "consent kv prefs", map[string]string{"Cookie": "prefs=functional:yes,analytics:no,marketing:yes"}, true, false, true},
		{"cookieyes", "consent cookieyes", map[string]string{"Cookie": "cookieyes-consent=consentid:abc,consent:yes,action:yes,necessary:yes,functional:yes,analytics:yes,performance:yes,advertisement:no,other:no"}, true, true, false},
		{"cookiebot", "consent cookiebot", map[string]string{"Cookie": "CookieConsent={stamp:%27abc%27%2Cnecessary:true%2Cpreferences:false%2Cstatistics:true%2Cmarketing:true%2Cmethod:%27explicit%27%2Cver:1}"}, false, true, true},
		{"onetrust", "consent onetrust", map[string]string{"Cookie": "OptanonConsent=isGpcEnabled=0&datestamp=x&version=6.1.0&groups=C0001%3A1%2CC0002%3A1%2CC0003%3A0%2CC0004%3A0"}, false, true, false},
		{"gpc overrides cookie", "consent json consent", map[string]string{"Sec-GPC": "1", "Cookie": `consent={"functional":true,"analytics":true,"marketing":true}`}, true, false, false},
		{"dnt overrides cookie", "consent json consent", map[string]string{"DNT": "1", "Cookie": `consent={"functional":true,"analytics":true,"marketing":true}`}, true, false, false},
		{"gpc relaxed for analytics", "consent json consent\n\t\tgpc marketing", map[string]string{"Sec-GPC": "1", "Cookie": `consent={"analytics":true,"marketing":true}`}, false, true, false},
		{"garbage cookie", "consent cookiebot", map[string]string{"Cookie": "CookieConsent=%zz{{{"}, false, false, false},
		{"truncated tcf", "consent tcf", map[string]string{"Cookie": "euconsent-v2=CPXxRfAPXxRfAAfKABENB"}, false, false, false},
		{"gpp usnat, no opt-out", "consent gpp", map[string]string{"Cookie": "__gpp=DBABLA~BVQqAAAAAgA.QA"}, true, true, true},
		{"gpp usnat gpc sub-section", "consent gpp", map[string]string{"Cookie": "__gpp=DBABLA~BVQqAAAAAgA.YA"}, true, false, false},
		{"gpp uspv1 opt-out not applicable", "consent gpp", map[string]string{"Cookie": "__gpp=DBABzw~1YYN~BVQqAAAAAgA.QA; __gpp_sid=7"}, true, true, true},
		{"gpp uspv1 opt-out applicable", "consent gpp", map[string]string{"Cookie": "__gpp=DBABzw~1YYN~BVQqAAAAAgA.QA"}, true, true, false},
		{"gpp unknown section (tcfcav1), even not applicable", "consent gpp", map[string]string{"Cookie": "__gpp=DBACDMA~BAAAAAAA~BVQqAAAAAgA.QA; __gpp_sid=7"}, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t)
			c := startCaddy(t, site(t, db, filepath.Join(dir, "storage"), up.URL, tt.config))
			resp := c.get(t, "/", tt.headers)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			got := up.last(t)
			for cat, want := range map[string]bool{"Functional": tt.functional, "Analytics": tt.analytics, "Marketing": tt.marketing} {
				if v := got.Header.Get("X-Consent-" + cat); v != strconv.FormatBool(want) {
					t.Errorf("%s = %q, want %v", cat, v, want)
				}
			}
			if gpc := tt.headers["Sec-GPC"]; gpc != "" && got.Header.Get("Sec-Gpc") != gpc {
				t.Errorf("Sec-GPC was removed")
			}
		})
	}
}

// TestIntegrationHostileRequests: malformed and oversized cookies and
// consent strings are served, with consent denied.
func TestIntegrationHostileRequests(t *testing.T) {
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	up := newUpstream(t)
	c := startCaddy(t, site(t, db, filepath.Join(dir, "storage"), up.URL, "consent json consent"))

	var many strings.Builder
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&many, "c%d=v%d; _ga=x%d; ", i, i, i)
	}
	tests := []struct {
		name      string
		headers   map[string]string
		analytics bool
	}{
		{"64 KB cookie", map[string]string{"Cookie": "big=" + strings.Repeat("a", 64<<10) + "; _ga=1"}, false},
		// The consent cookie is still found among a thousand others.
		{"1,000 cookies", map[string]string{"Cookie": many.String() + `consent={"analytics":true}`}, true},
		{"invalid escapes", map[string]string{"Cookie": `consent=%7B%22analytics%22%3Atrue%7; _ga=%zz`}, false},
		{"duplicate names", map[string]string{"Cookie": `consent={"analytics":true}; consent={"analytics":false}; _ga=1; _ga=2`}, false},
		{"no equals", map[string]string{"Cookie": `;;;=;_ga;consent`}, false},
		{"invalid utf-8", map[string]string{"Cookie": "consent=\xff\xfe{; _ga=\xc3\x28"}, false},
		{"garbage address", map[string]string{"X-Forwarded-For": "not-an-address"}, false},
		{"oversized json", map[string]string{"Cookie": `consent={"analytics":` + strings.Repeat("[", 10000) + `true}; _ga=1`}, false},
		{"deep escapes", map[string]string{"Cookie": "consent=" + strings.Repeat("%25", 2000)}, false},
		{"empty consent", map[string]string{"Cookie": "consent=; _ga=1"}, false},
		{"non-utf8 address", map[string]string{"X-Forwarded-For": "\xff\xfe"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := up.count()
			resp := c.get(t, "/", tt.headers)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want the request served", resp.StatusCode)
			}
			if up.count() != before+1 {
				t.Fatal("upstream did not receive the request")
			}
			got := up.last(t)
			if v := got.Header.Get("X-Consent-Analytics"); v != strconv.FormatBool(tt.analytics) {
				t.Errorf("analytics = %q, want %v", v, tt.analytics)
			}
			if !tt.analytics && strings.Contains(got.Header.Get("Cookie"), "_ga") {
				t.Errorf("tracking cookie reached the upstream without consent")
			}
		})
	}
}

// TestIntegrationSharedKeys: two instances sharing storage give a client
// the same pseudonym, and another client a different one.
func TestIntegrationSharedKeys(t *testing.T) {
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	storage := filepath.Join(dir, "shared-storage")
	up := newUpstream(t)
	a := startCaddy(t, site(t, db, storage, up.URL, ""))
	b := startCaddy(t, site(t, db, storage, up.URL, ""))

	pseudonymVia := func(c *caddyProcess, client string) string {
		c.get(t, "/", map[string]string{"X-Forwarded-For": client})
		return up.last(t).Header.Get("X-Pseudonym")
	}
	pa := pseudonymVia(a, "81.2.69.160")
	pb := pseudonymVia(b, "81.2.69.160")
	other := pseudonymVia(b, "81.2.69.161")
	if pa == "" || pa != pb {
		t.Errorf("pseudonyms across instances: %q and %q, want equal and non-empty", pa, pb)
	}
	if other == pa {
		t.Errorf("two clients share the pseudonym %q", pa)
	}
	if strings.Contains(pa, "81.2.69") {
		t.Errorf("pseudonym %q holds the address", pa)
	}
	keys, err := filepath.Glob(filepath.Join(storage, "caddy-privacy", "pseudonym-keys", "*"))
	if err != nil || len(keys) == 0 {
		t.Fatalf("no key in the shared storage: %v", err)
	}
}

// TestIntegrationGeoIPReload: a changed database file is loaded without a
// restart; a corrupt one keeps the old database and logs no address.
func TestIntegrationGeoIPReload(t *testing.T) {
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	up := newUpstream(t)
	c := startCaddy(t, site(t, db, filepath.Join(dir, "storage"), up.URL, "geoip_check 100ms"))

	countryOf := func() string {
		c.get(t, "/", map[string]string{"X-Forwarded-For": "81.2.69.160"})
		return up.last(t).Header.Get("X-Client-Country")
	}
	if got := countryOf(); got != "GB" {
		t.Fatalf("country = %q, want GB", got)
	}
	replace := func(b []byte) {
		tmp := db + ".new"
		if err := os.WriteFile(tmp, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, db); err != nil {
			t.Fatal(err)
		}
	}
	waitFor := func(want string) {
		deadline := time.Now().Add(10 * time.Second)
		for countryOf() != want {
			if time.Now().After(deadline) {
				t.Fatalf("country did not become %q", want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	replace(countrytest.MaxMindBytes(t, map[string]string{"81.2.69.0/24": "FR"}))
	waitFor("FR")

	replace([]byte("this is not a database"))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(c.stderr.String(), "cannot be read") {
		if time.Now().After(deadline) {
			t.Fatal("no error logged for a corrupt database")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := countryOf(); got != "FR" {
		t.Errorf("country = %q after a corrupt replacement, want the old database's FR", got)
	}
	if out := c.stderr.String(); strings.Contains(out, "81.2.69") {
		t.Errorf("caddy's output holds a client address:\n%s", out)
	}
}

func TestIntegrationMetricsHoldNoIdentifier(t *testing.T) {
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	up := newUpstream(t)
	c := startCaddy(t, site(t, db, filepath.Join(dir, "storage"), up.URL, "consent json consent"))
	c.get(t, "/", map[string]string{"X-Forwarded-For": "81.2.69.160", "X-Real-IP": "81.2.69.160", "Cookie": "_ga=GA1.1.1.1; session=1"})
	resp, err := http.Get(c.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body strings.Builder
	if _, err := io.Copy(&body, resp.Body); err != nil {
		t.Fatal(err)
	}
	m := body.String()
	for _, want := range []string{
		`caddy_privacy_requests_total{decision=`,
		`caddy_privacy_cookies_removed_total{category="analytics",direction="request"} 1`,
		`caddy_privacy_headers_removed_total{header="X-Real-Ip"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, leak := range []string{"81.2.69", "GA1.1"} {
		if strings.Contains(m, leak) {
			t.Errorf("metrics hold %q", leak)
		}
	}
}

func TestIntegrationMissingDatabaseNamesThePath(t *testing.T) {
	bin := caddyBinary(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such.mmdb")
	path := filepath.Join(dir, "Caddyfile")
	os.WriteFile(path, []byte("{\n\tadmin off\n}\n:0 {\n\tprivacy {\n\t\tgeoip "+missing+"\n\t}\n}\n"), 0o600)
	out, err := exec.Command(bin, "validate", "--config", path, "--adapter", "caddyfile").CombinedOutput()
	if err == nil {
		t.Fatalf("validate passed with a missing database:\n%s", out)
	}
	if !strings.Contains(string(out), missing) {
		t.Errorf("error does not name %s:\n%s", missing, out)
	}
	// It says what to do, as the error for an unset database does.
	for _, want := range []string{"does not exist", "geoip <path>", "geoip off", "ip-location-db"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("error does not say %q:\n%s", want, out)
		}
	}
}

// TestExampleCaddyfileValidates keeps the root Caddyfile working.
func TestExampleCaddyfileValidates(t *testing.T) {
	bin := caddyBinary(t)
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	cmd := exec.Command(bin, "validate", "--config", "../Caddyfile", "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "PRIVACY_GEOIP_DB="+db, "HOME="+dir, "XDG_DATA_HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the example Caddyfile does not validate: %v\n%s", err, out)
	}
}

func TestListModules(t *testing.T) {
	out, err := exec.Command(caddyBinary(t), "list-modules").CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"http.handlers.privacy", "http.handlers.privacy_beacon", "http.matchers.consent", "caddy.logging.encoders.privacy", "caddy.logging.encoders.filter.country_ip", "caddy.logging.encoders.filter.pii"} {
		if !strings.Contains(string(out), id) {
			t.Errorf("list-modules lacks %s", id)
		}
	}
}
