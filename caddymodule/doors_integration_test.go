package caddymodule

// Integration tests for the doors raw client data could leave Caddy by
// (issue 9): every log, every placeholder, merged signals, the country
// database's reloads, and a vendor that never answers. Each runs the real
// caddy binary.

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/fcgi"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
)

// Planted identifiers: none may appear in any log or reach an upstream.
const (
	rawIP       = "81.2.69.160"
	rawEmail    = "jane.doe@example.com"
	rawToken    = "tok_9fQ2xLr7Vb3KpW8m"
	rawCookie   = "s3cr3tSessionValue"
	consentJSON = "consent=%7B%22functional%22%3Atrue%2C%22analytics%22%3Atrue%2C%22marketing%22%3Atrue%7D"
)

var markers = []string{rawIP, "81.2.69.", rawEmail, "jane.doe%40example.com", "jane.doe", rawToken, rawCookie}

// deadAddr is a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	return fmt.Sprintf("127.0.0.1:%d", freePort(t))
}

// send makes a request with the given Host through caddy.
func send(t *testing.T, c *caddyProcess, method, host, target string, headers map[string]string) int {
	t.Helper()
	req, err := http.NewRequest(method, c.URL+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	client := &http.Client{Timeout: 20 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// identifyingHeaders is a visitor from the UK behind a trusted proxy, with
// everything that identifies.
func identifyingHeaders() map[string]string {
	return map[string]string{
		"X-Forwarded-For": rawIP,
		"X-Real-IP":       rawIP,
		"Forwarded":       "for=" + rawIP,
		"Referer":         "https://ref.example/?email=" + rawEmail + "&token=" + rawToken,
		"Cookie":          "session=" + rawCookie + "; " + consentJSON,
		"Authorization":   "Bearer " + rawToken,
	}
}

// exampleCaddyfile is the repository's Caddyfile with its PRIVACY_*
// variables filled in as a test needs them.
func exampleCaddyfile(t *testing.T, vars map[string]string) string {
	t.Helper()
	b, err := os.ReadFile("../Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`\{\$PRIVACY_([A-Z_]+)(:[^}]*)?\}`)
	return re.ReplaceAllStringFunc(string(b), func(m string) string {
		name := re.FindStringSubmatch(m)[1]
		v, ok := vars[name]
		if !ok {
			t.Fatalf("the example Caddyfile uses PRIVACY_%s, which the test does not set", name)
		}
		return v
	})
}

// TestIntegrationEveryLogIsPrivate runs the example Caddyfile at debug
// level with its upstream and its analytics vendor down, and sends
// requests to its site and to a host no site serves. Neither stderr nor
// the access log file holds a planted identifier.
func TestIntegrationEveryLogIsPrivate(t *testing.T) {
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	accessLog := filepath.Join(dir, "access.log")
	cf := exampleCaddyfile(t, map[string]string{
		"ADMIN":      "off",
		"PORT":       "{PORT}",
		"GEOIP_DB":   db,
		"LOG_OUTPUT": "file " + accessLog,
		"COLLECTOR":  deadAddr(t),
		"ADS":        deadAddr(t),
		"UPSTREAM":   deadAddr(t),
	})
	// Debug level: reverse_proxy's round-trip entries and the rest.
	cf = strings.Replace(cf, "{\n", "{\n\tdebug\n", 1)
	c := startCaddy(t, cf)
	site := fmt.Sprintf("localhost:%d", c.Port)
	query := "?email=" + rawEmail + "&token=" + rawToken + "&q=" + rawIP

	// Upstream down: 502 and an error entry.
	if code := send(t, c, "GET", site, "/account"+query, identifyingHeaders()); code != http.StatusBadGateway {
		t.Errorf("upstream down: status %d, want 502", code)
	}
	// Vendor down: a consented beacon cannot be delivered.
	beaconURL := "/g/collect?v=2&tid=G-1&cid=1.2&en=page_view&uid=" + rawEmail + "&dl=https%3A%2F%2Fshop.example%2F%3Femail%3D" + strings.Replace(rawEmail, "@", "%40", 1)
	if code := send(t, c, "POST", site, beaconURL, identifyingHeaders()); code < 500 {
		t.Errorf("vendor down: status %d, want a 5xx", code)
	}
	// A host no site serves, as scanners asking for the server by IP do.
	send(t, c, "GET", rawIP, "/wp-login.php"+query, identifyingHeaders())
	send(t, c, "GET", "unknown.example", "/"+query, identifyingHeaders())

	// Entries are written as requests end; give the file a moment.
	time.Sleep(500 * time.Millisecond)
	logs := map[string]string{"stderr": c.stderr.String()}
	if b, err := os.ReadFile(accessLog); err != nil {
		t.Errorf("access log: %v", err)
	} else {
		logs["access log"] = string(b)
	}
	for name, out := range logs {
		if out == "" {
			t.Errorf("%s is empty: the test exercised nothing", name)
		}
		for _, m := range markers {
			if strings.Contains(out, m) {
				t.Errorf("%s holds %q:\n%s", name, m, linesWith(out, m))
			}
		}
	}
	// Addresses became countries: the access log still says where the
	// visitor was from.
	if !strings.Contains(logs["access log"], `"client_ip":"GB"`) {
		t.Errorf("the access log lacks client_ip GB:\n%s", logs["access log"])
	}
	// The test did reach the doors it means to.
	for _, want := range []string{`"level":"debug"`, `"status":502`, "unknown.example"} {
		if !strings.Contains(logs["stderr"], want) {
			t.Errorf("stderr lacks %s; the test did not exercise that door", want)
		}
	}
	if strings.Contains(logs["stderr"], "not privacy-encoded") {
		t.Errorf("the example Caddyfile draws the unprivate-logs warning:\n%s", linesWith(logs["stderr"], "not privacy-encoded"))
	}
}

// linesWith returns the lines of s that contain m.
func linesWith(s, m string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, m) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// A config whose default log is Caddy's own draws a warning naming the
// log, and no address.
func TestIntegrationWarnsAboutUnprivateLogs(t *testing.T) {
	bin := caddyBinary(t)
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	path := filepath.Join(dir, "Caddyfile")
	cf := strings.ReplaceAll(site(t, db, filepath.Join(dir, "storage"), "127.0.0.1:1", ""), "{PORT}", fmt.Sprint(freePort(t)))
	os.WriteFile(path, []byte(cf), 0o600)
	cmd := exec.Command(bin, "validate", "--config", path, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("validate: %v\n%s", err, out)
	}
	warning := linesWith(string(out), "not privacy-encoded")
	if warning == "" || !strings.Contains(warning, `"default"`) {
		t.Errorf("no warning naming the default log:\n%s", out)
	}
	if regexp.MustCompile(`\d+\.\d+\.\d+\.\d+`).MatchString(warning) {
		t.Errorf("the warning holds an address: %s", warning)
	}
}

// TestIntegrationPlaceholdersAndSignals: after privacy, every placeholder
// that held the client address holds its country, in request_header and
// in reverse_proxy's header_up; merged GPC and DNT fields and conflicting
// consent keys deny.
func TestIntegrationPlaceholdersAndSignals(t *testing.T) {
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	up := newUpstream(t)
	fl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	fcgiAddr := fl.Addr().String()
	fcgiRemote := make(chan string, 4)
	go fcgi.Serve(fl, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fcgiRemote <- r.RemoteAddr
		io.WriteString(w, "ok")
	}))
	c := startCaddy(t, fmt.Sprintf(`{
	admin off
	auto_https off
	storage file_system %s
	servers {
		trusted_proxies static 127.0.0.0/8
		client_ip_headers X-Forwarded-For
	}
}
http://127.0.0.1:{PORT} {
	privacy {
		geoip %s
		consent json consent
	}
	request_header X-Client-Ip {client_ip}
	request_header X-Vars-Client-Ip {http.vars.client_ip}
	request_header X-Remote {http.request.remote}
	request_header X-Remote-Host {http.request.remote.host}
	request_header X-Remote-Host-Short {remote_host}
	request_header X-Consent-Functional {http.privacy.consent.functional}
	request_header X-Consent-Analytics {http.privacy.consent.analytics}
	# php_fastcgi's transport: REMOTE_ADDR comes from the request.
	handle /fcgi {
		reverse_proxy %s {
			transport fastcgi
		}
	}
	handle /tpl {
		templates
		header Content-Type text/plain
		respond "{{.RemoteIP}}|{{.ClientIP}}"
	}
	reverse_proxy %s {
		header_up X-Real-Ip {client_ip}
		header_up X-Up-Remote-Host {remote_host}
		header_up X-Up-Remote {http.request.remote}
		header_up X-Up-Vars {http.vars.client_ip}
	}
}
`, filepath.Join(dir, "storage"), db, fcgiAddr, up.URL))

	t.Run("php_fastcgi REMOTE_ADDR", func(t *testing.T) {
		c.get(t, "/fcgi", map[string]string{"X-Forwarded-For": rawIP})
		select {
		case got := <-fcgiRemote:
			if got != "GB:0" {
				t.Errorf("the FastCGI app saw REMOTE_ADDR:REMOTE_PORT %q, want GB:0", got)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the FastCGI app received nothing")
		}
	})
	t.Run("templates", func(t *testing.T) {
		req, _ := http.NewRequest("GET", c.URL+"/tpl", nil)
		req.Header.Set("X-Forwarded-For", rawIP)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "GB|GB" {
			t.Errorf("templates' .RemoteIP|.ClientIP = %q, want GB|GB", body)
		}
	})

	t.Run("placeholders", func(t *testing.T) {
		c.get(t, "/", map[string]string{"X-Forwarded-For": rawIP})
		got := up.last(t)
		for name, want := range map[string]string{
			"X-Client-Ip":         "GB",
			"X-Vars-Client-Ip":    "GB",
			"X-Remote":            "GB:0",
			"X-Remote-Host":       "GB",
			"X-Remote-Host-Short": "GB",
			"X-Real-Ip":           "GB",
			"X-Up-Remote-Host":    "GB",
			"X-Up-Remote":         "GB:0",
			"X-Up-Vars":           "GB",
		} {
			if v := got.Header.Get(name); v != want {
				t.Errorf("%s = %q, want %q", name, v, want)
			}
		}
		if all := got.allOf(); strings.Contains(all, "81.2.69") {
			t.Errorf("the upstream received the client address:\n%s", all)
		}
	})

	consentOf := func(headers map[string]string) (functional, analytics string) {
		c.get(t, "/", headers)
		got := up.last(t)
		return got.Header.Get("X-Consent-Functional"), got.Header.Get("X-Consent-Analytics")
	}
	t.Run("signals", func(t *testing.T) {
		granted := "consent=" + `{"functional":true,"analytics":true}`
		if f, a := consentOf(map[string]string{"Cookie": granted}); f != "true" || a != "true" {
			t.Fatalf("control: functional %s, analytics %s; want true, true", f, a)
		}
		for _, tc := range []struct {
			name    string
			headers map[string]string
		}{
			{"Sec-GPC 1, 0", map[string]string{"Cookie": granted, "Sec-GPC": "1, 0"}},
			{"Sec-GPC 1,1", map[string]string{"Cookie": granted, "Sec-GPC": "1,1"}},
			{"DNT 0, 1", map[string]string{"Cookie": granted, "DNT": "0, 1"}},
		} {
			if _, a := consentOf(tc.headers); a != "false" {
				t.Errorf("%s: analytics %s, want false", tc.name, a)
			}
		}
		for _, tc := range []struct {
			name, cookie string
		}{
			{"conflicting duplicate key", `consent={"functional":true,"analytics":true,"analytics":false}`},
			{"two different consent cookies", `consent={"functional":true,"analytics":true}; consent={"functional":true}`},
		} {
			if f, a := consentOf(map[string]string{"Cookie": tc.cookie}); f != "false" || a != "false" {
				t.Errorf("%s: functional %s, analytics %s; want false, false", tc.name, f, a)
			}
		}
		// Unparseable values are treated as absent.
		if _, a := consentOf(map[string]string{"Cookie": granted, "Sec-GPC": "true"}); a != "true" {
			t.Errorf("Sec-GPC: true: analytics %s, want true (not a GPC value)", a)
		}
	})
}

// TestIntegrationGeoIPCheckSmallestInterval: the log encoder opens the
// database first with the default interval (1m); the handler's
// geoip_check 200ms still governs. A deleted database is logged once and
// the last good copy keeps serving.
func TestIntegrationGeoIPCheckSmallestInterval(t *testing.T) {
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	up := newUpstream(t)
	c := startCaddy(t, fmt.Sprintf(`{
	admin off
	auto_https off
	storage file_system %[1]s
	servers {
		trusted_proxies static 127.0.0.0/8
		client_ip_headers X-Forwarded-For
	}
	log default {
		format privacy {
			geoip %[2]s
		}
	}
}
http://127.0.0.1:{PORT} {
	privacy {
		geoip %[2]s
		geoip_check 200ms
	}
	reverse_proxy %[3]s
}
`, filepath.Join(dir, "storage"), db, up.URL))
	countryOf := func() string {
		c.get(t, "/", map[string]string{"X-Forwarded-For": rawIP})
		return up.last(t).Header.Get("X-Client-Country")
	}
	if got := countryOf(); got != "GB" {
		t.Fatalf("country = %q, want GB", got)
	}
	tmp := db + ".new"
	os.WriteFile(tmp, countrytest.MaxMindBytes(t, map[string]string{"81.2.69.0/24": "FR"}), 0o600)
	start := time.Now()
	if err := os.Rename(tmp, db); err != nil {
		t.Fatal(err)
	}
	for countryOf() != "FR" {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the replaced database was not loaded within 10s (geoip_check 200ms)")
		}
		time.Sleep(20 * time.Millisecond)
	}
	latency := time.Since(start)
	t.Logf("reload latency with geoip_check 200ms: %s", latency)
	if latency > 2*time.Second {
		t.Errorf("reload took %s with geoip_check 200ms", latency)
	}

	if err := os.Remove(db); err != nil {
		t.Fatal(err)
	}
	const gone = "cannot be found or read"
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(c.stderr.String(), gone) {
		if time.Now().After(deadline) {
			t.Fatalf("a deleted database was not logged:\n%s", c.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // five more checks
	if n := strings.Count(c.stderr.String(), gone); n != 1 {
		t.Errorf("a deleted database was logged %d times, want once", n)
	}
	if got := countryOf(); got != "FR" {
		t.Errorf("country = %q after the database was deleted, want the last good copy's FR", got)
	}
}

// TestIntegrationBeaconVendorNeverAnswers: a consented beacon to a vendor
// that accepts the connection and never answers gets a 504 once
// header_timeout passes.
func TestIntegrationBeaconVendorNeverAnswers(t *testing.T) {
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, conn); conn.Close() }()
		}
	}()
	c := startCaddy(t, fmt.Sprintf(`{
	admin off
	auto_https off
	storage file_system %s
	servers {
		trusted_proxies static 127.0.0.0/8
		client_ip_headers X-Forwarded-For
	}
}
http://127.0.0.1:{PORT} {
	privacy {
		geoip %s
		consent json consent
	}
	handle /g/collect {
		privacy_beacon ga4 {
			header_timeout 500ms
		}
		reverse_proxy %[3]s
	}
	# As the README shows it: the defaults apply.
	handle /default/g/collect {
		uri strip_prefix /default
		privacy_beacon ga4
		reverse_proxy %[3]s
	}
}
`, filepath.Join(dir, "storage"), db, l.Addr()))
	for _, tc := range []struct {
		path     string
		min, max time.Duration
	}{
		{"/g/collect", 400 * time.Millisecond, 3 * time.Second},
		{"/default/g/collect", 4500 * time.Millisecond, 8 * time.Second}, // header_timeout 5s
	} {
		start := time.Now()
		code := send(t, c, "POST", fmt.Sprintf("127.0.0.1:%d", c.Port), tc.path+"?v=2&tid=G-1&cid=1.2&en=page_view", map[string]string{
			"X-Forwarded-For": rawIP, "Cookie": consentJSON,
		})
		elapsed := time.Since(start)
		t.Logf("%s, vendor never answers: status %d after %s", tc.path, code, elapsed)
		if code != http.StatusGatewayTimeout {
			t.Errorf("%s: status %d, want 504", tc.path, code)
		}
		if elapsed < tc.min || elapsed > tc.max {
			t.Errorf("%s: answered after %s, want between %s and %s", tc.path, elapsed, tc.min, tc.max)
		}
	}
}
