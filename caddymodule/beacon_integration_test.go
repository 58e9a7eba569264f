package caddymodule

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/redact/country"
	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
)

// beaconSite is one caddy serving every vendor's gateway on its own
// paths, behind the privacy handler, in front of one fake collector that
// records what reaches it.
func beaconSite(db, storage, up string) string {
	gw := func(vendor, extra string) string {
		if vendor == "ga4" && extra == "" {
			// As the README shows it: the country database is the
			// privacy handler's.
			return fmt.Sprintf("privacy_beacon ga4\n\t\treverse_proxy %s", up)
		}
		return fmt.Sprintf("privacy_beacon %s {\n\t\t\tgeoip %s\n\t\t\t%s\n\t\t}\n\t\treverse_proxy %s", vendor, db, extra, up)
	}
	return fmt.Sprintf(`{
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
	@ua path /collect /j/collect /r/collect /batch
	handle /g/collect {
		%s
	}
	handle /cookieless/g/collect {
		%s
	}
	handle @ua {
		%s
	}
	handle /matomo.php {
		%s
	}
	handle /api/event {
		%s
	}
	handle /api/send {
		%s
	}
	handle /v1/* {
		%s
	}
	handle /e {
		%s
	}
	handle /metrics {
		metrics
	}
	handle {
		respond "site"
	}
}
`, storage, db,
		gw("ga4", ""),
		gw("ga4", "cookieless\n\t\t\tpaths /cookieless/g/collect"),
		gw("ua", "max_events 20"),
		gw("matomo", ""),
		gw("plausible", ""),
		gw("umami", ""),
		gw("segment", ""),
		gw("generic", "paths /e\n\t\t\tfields {\n\t\t\t\tkeep site\n\t\t\t\ttext event\n\t\t\t\turl page\n\t\t\t\treferrer ref\n\t\t\t\tpseudonym visitor\n\t\t\t\tip ip\n\t\t\t}"),
	)
}

// The visitor: a Chrome user in GB with an account, a session and an
// email address, all of which the page's analytics script would send.
const (
	visitorIP    = "81.2.69.160"
	visitorUA    = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.130 Safari/537.36"
	visitorEmail = "jane.doe@example.com"
	visitorUID   = "customer-778899"
	gaCID        = "602849859.1754048070"
	gaSID        = "1754127522"
	matomoID     = "0123456789abcdef"
	segmentAnon  = "6c1e3f5a-2b4d-4e6f-8a9b-0c1d2e3f4a5b"
	sessionValue = "sess-91827364"
	authToken    = "tok-5647382910"
)

var emailQ = url.QueryEscape(visitorEmail)

// beaconCase is one vendor's beacon, what must never reach the collector
// and what must.
type beaconCase struct {
	vendor, method, path, query, body, contentType string
	held                                           int      // the local answer's status
	useful                                         []string // decoded, must arrive
	standIn                                        func(r recorded) string
}

func queryParam(name string) func(r recorded) string {
	return func(r recorded) string {
		u, _ := url.ParseRequestURI(r.RequestURI)
		if v := u.Query().Get(name); v != "" {
			return v
		}
		for _, line := range strings.Split(string(r.Body), "\n") {
			q, _ := url.ParseQuery(strings.TrimSpace(line))
			if v := q.Get(name); v != "" {
				return v
			}
		}
		return ""
	}
}

func jsonParam(path ...string) func(r recorded) string {
	return func(r recorded) string {
		var v any
		json.Unmarshal(r.Body, &v)
		for _, k := range path {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		s, _ := v.(string)
		return s
	}
}

func xff(r recorded) string { return r.Header.Get("X-Forwarded-For") }

var beaconCases = []beaconCase{
	{
		vendor: "ga4", method: "POST", path: "/g/collect", contentType: "text/plain;charset=UTF-8",
		query: "v=2&tid=G-TEST1&gtm=45je57u1v&_p=1754128922596&gcs=G111&gcd=13t3t3t3t5l1&npa=0&cid=" + gaCID + "&sid=" + gaSID +
			"&sct=3&seg=1&ul=en-gb&sr=1920x1080&uafvl=Chromium%3B120.0.6099.130%7CGoogle%2520Chrome%3B120.0.6099.130&uam=Pixel%207&uap=Windows" +
			"&uid=" + visitorUID + "&_uip=" + visitorIP + "&dl=https%3A%2F%2Fshop.example%2Fcheckout%3Femail%3D" + url.QueryEscape(emailQ) + "%26gclid%3Dabc" +
			"&dr=https%3A%2F%2Fwww.google.com%2Fsearch%3Fq%3Djane&dt=Checkout%20" + emailQ + "&en=page_view",
		body:    "en=purchase&ep.transaction_id=T-1&ep.buyer=" + emailQ + "\r\nen=scroll&epn.percent_scrolled=90",
		held:    204,
		useful:  []string{"en=page_view", "en=purchase", "dl=https://shop.example/checkout", "dr=https://www.google.com/", "tid=G-TEST1", "Chrome/120.0.0.0"},
		standIn: queryParam("_uip"),
	},
	{
		vendor: "ua", method: "POST", path: "/batch", contentType: "text/plain",
		body: "v=1&tid=UA-1-1&t=pageview&cid=" + gaCID + "&uid=" + visitorUID + "&dp=%2Faccount%2F" + emailQ + "&dr=https%3A%2F%2Fwww.google.com%2F%3Fq%3Dx&uip=" + visitorIP + "\n" +
			"v=1&tid=UA-1-1&t=event&ec=video&ea=play&el=" + emailQ + "&cid=" + gaCID + "\n",
		held:    200,
		useful:  []string{"t=pageview", "ea=play", "dp=/account/[email]", "dr=https://www.google.com/", "aip=1"},
		standIn: queryParam("uip"),
	},
	{
		vendor: "matomo", method: "GET", path: "/matomo.php",
		query: "idsite=1&rec=1&send_image=0&action_name=Account%20of%20" + emailQ + "&url=https%3A%2F%2Fshop.example%2Faccount%3Fsession_id%3D" + sessionValue +
			"&urlref=https%3A%2F%2Fsearch.example%2F%3Fq%3Djane&_id=" + matomoID + "&uid=" + visitorUID + "&cid=fedcba9876543210&cip=" + visitorIP +
			"&token_auth=" + authToken + "&_idts=1700000000&res=1920x1080",
		held:    204,
		useful:  []string{"action_name=Account of [email]", "url=https://shop.example/account", "urlref=https://search.example/", "idsite=1"},
		standIn: queryParam("cip"),
	},
	{
		vendor: "plausible", method: "POST", path: "/api/event", contentType: "text/plain",
		body:    `{"n":"pageview","u":"https://shop.example/account/` + visitorEmail + `?token=` + authToken + `","d":"shop.example","r":"https://mail.example/inbox/` + visitorUID + `","p":{"plan":"gold","user_id":"` + visitorUID + `"}}`,
		held:    202,
		useful:  []string{`"n":"pageview"`, `"u":"https://shop.example/account/[email]"`, `"r":"https://mail.example/"`, `"plan":"gold"`},
		standIn: xff,
	},
	{
		vendor: "umami", method: "POST", path: "/api/send", contentType: "application/json",
		body:    `{"type":"event","payload":{"website":"4fb7fa4c-5b46-438d-94b3-3a8fb9bc2e8b","hostname":"shop.example","url":"/account?email=` + visitorEmail + `","referrer":"https://www.google.com/search?q=jane","title":"Hi ` + visitorEmail + `","name":"signup","id":"` + visitorUID + `","data":{"buyer":"` + visitorEmail + `"}}}`,
		held:    200,
		useful:  []string{`"name":"signup"`, `"url":"/account"`, `"referrer":"https://www.google.com/"`, `"title":"Hi [email]"`},
		standIn: xff,
	},
	{
		vendor: "segment", method: "POST", path: "/v1/t", contentType: "text/plain",
		body: `{"type":"track","event":"Order Completed","anonymousId":"` + segmentAnon + `","userId":"` + visitorUID + `","traits":{"email":"` + visitorEmail + `"},` +
			`"properties":{"total":42.5,"note":"` + visitorEmail + `"},"context":{"ip":"` + visitorIP + `","userAgent":"` + visitorUA + `",` +
			`"page":{"path":"/thanks","url":"https://shop.example/thanks?email=` + visitorEmail + `","referrer":"https://www.google.com/?q=jane"},` +
			`"consent":{"categoryPreferences":{"Advertising":true,"Analytics":true}}},"writeKey":"wk_1"}`,
		held:    200,
		useful:  []string{`"event":"Order Completed"`, `"path":"/thanks"`, `"referrer":"https://www.google.com/"`, `"Analytics":true`, "Chrome/120.0.0.0"},
		standIn: jsonParam("context", "ip"),
	},
	{
		vendor: "generic", method: "POST", path: "/e", contentType: "application/json",
		body:    `{"site":7,"event":"signup ` + visitorEmail + `","page":"/u/` + visitorEmail + `","ref":"https://mail.example/` + visitorUID + `","visitor":"` + visitorUID + `","ip":"` + visitorIP + `","user":"` + visitorUID + `"}`,
		held:    204,
		useful:  []string{`"site":7`, `"event":"signup [email]"`, `"page":"/u/[email]"`, `"ref":"https://mail.example/"`},
		standIn: jsonParam("ip"),
	},
}

// forbidden are the values that must never reach the collector, in any
// of the forms they could take.
var forbidden = []string{visitorIP, visitorEmail, "jane.doe", visitorUID, gaCID, "602849859", gaSID, matomoID, "fedcba9876543210",
	segmentAnon, sessionValue, authToken, "6099.130", "Pixel"}

func (c beaconCase) request(t *testing.T, base string, headers map[string]string) *http.Response {
	t.Helper()
	u := base + c.path
	if c.query != "" {
		u += "?" + c.query
	}
	req, err := http.NewRequest(c.method, u, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	req.Header.Set("User-Agent", visitorUA)
	req.Header.Set("X-Forwarded-For", visitorIP)
	req.Header.Set("Authorization", "Bearer "+authToken)
	req.Header.Set("Referer", "https://shop.example/account?session_id="+sessionValue)
	req.Header.Set("Sec-CH-UA-Model", `"Pixel 7"`)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// decodedAll is everything the collector received, raw and decoded once,
// for "appears anywhere" checks.
func decodedAll(r recorded) string {
	all := r.allOf()
	if d, err := url.QueryUnescape(strings.ReplaceAll(all, "+", "%2B")); err == nil {
		all += "\n" + d
	}
	return all
}

func TestIntegrationBeacons(t *testing.T) {
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	countries, err := country.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	gbStandIn, _ := countries.StandIn("GB")
	resolver := country.NewResolver(countries, "", 0)
	up := newUpstream(t)
	c := startCaddy(t, beaconSite(db, filepath.Join(dir, "storage"), up.URL))

	cookie := func(analytics, marketing bool) string {
		return fmt.Sprintf(`consent={"analytics":%v,"marketing":%v}; session=%s; _ga=GA1.1.%s`, analytics, marketing, sessionValue, gaCID)
	}
	combos := []struct {
		name    string
		headers map[string]string
		forward bool
	}{
		{"no consent signal", map[string]string{"Cookie": "session=" + sessionValue + "; _ga=GA1.1." + gaCID}, false},
		{"analytics granted", map[string]string{"Cookie": cookie(true, false)}, true},
		{"analytics denied", map[string]string{"Cookie": cookie(false, true)}, false},
		{"GPC over a granting cookie", map[string]string{"Cookie": cookie(true, true), "Sec-GPC": "1"}, false},
		{"DNT over a granting cookie", map[string]string{"Cookie": cookie(true, true), "DNT": "1"}, false},
		{"everything granted", map[string]string{"Cookie": cookie(true, true)}, true},
		{"unreadable consent cookie", map[string]string{"Cookie": `consent={"analytics":tru`}, false},
	}
	for _, bc := range beaconCases {
		for _, combo := range combos {
			t.Run(bc.vendor+"/"+combo.name, func(t *testing.T) {
				before := up.count()
				resp := bc.request(t, c.URL, combo.headers)
				if !combo.forward {
					if up.count() != before {
						t.Fatalf("forwarded without consent: %s", up.last(t).allOf())
					}
					if resp.StatusCode != bc.held {
						t.Errorf("local answer %d, want %d", resp.StatusCode, bc.held)
					}
					return
				}
				if up.count() != before+1 {
					t.Fatalf("collector received %d requests, want 1 (status %d)", up.count()-before, resp.StatusCode)
				}
				got := up.last(t)
				if !strings.HasPrefix(got.RequestURI, bc.path) {
					t.Errorf("collector got %s", got.RequestURI)
				}
				all := decodedAll(got)
				for _, f := range forbidden {
					if strings.Contains(strings.ToLower(all), strings.ToLower(f)) {
						t.Errorf("collector received %q:\n%s", f, all)
					}
				}
				for _, h := range []string{"Cookie", "Authorization", "X-Real-Ip", "Forwarded", "X-Client-Country", "Sec-Ch-Ua-Model"} {
					if v, ok := got.Header[h]; ok {
						t.Errorf("collector received %s: %q", h, v)
					}
				}
				for _, u := range bc.useful {
					if !strings.Contains(all, u) {
						t.Errorf("useful field %q did not arrive:\n%s", u, all)
					}
				}
				// Country: the address the vendor geolocates is a stand-in
				// in the visitor's country, in its parameter and in
				// X-Forwarded-For, never the visitor's.
				for what, v := range map[string]string{"IP parameter": bc.standIn(got), "X-Forwarded-For": xff(got)} {
					a, err := netip.ParseAddr(v)
					if err != nil || a != gbStandIn || resolver.Country(a) != "GB" {
						t.Errorf("%s = %q, want the GB stand-in %s", what, v, gbStandIn)
					}
				}
				if strings.HasPrefix(bc.path, "/v1") || bc.vendor == "ga4" || bc.vendor == "ua" {
					if ua := got.Header.Get("User-Agent"); !strings.Contains(ua, "Chrome/120.0.0.0") {
						t.Errorf("User-Agent %q lost the browser family", ua)
					}
				}
				if bc.vendor == "segment" {
					// The beacon claims advertising consent; the cookie
					// decides.
					want := `"Advertising":false`
					if combo.name == "everything granted" {
						want = `"Advertising":true`
					}
					if !strings.Contains(all, want) {
						t.Errorf("consent claim not lowered to %s", want)
					}
				}
				if bc.vendor == "ga4" {
					q := queryParam("gcs")(got)
					want := "G101"
					if combo.name == "everything granted" {
						want = "G111"
					}
					if q != want || (want == "G101") != (queryParam("npa")(got) == "1") {
						t.Errorf("gcs %q npa %q; the beacon claimed G111/npa=0, the cookie decides %s", q, queryParam("npa")(got), want)
					}
				}
			})
		}
	}

	t.Run("ga4 cookieless ping", func(t *testing.T) {
		bc := beaconCases[0]
		bc.path = "/cookieless/g/collect"
		before := up.count()
		bc.request(t, c.URL, map[string]string{"Cookie": cookie(false, false)})
		if up.count() != before+1 {
			t.Fatal("cookieless ping not forwarded")
		}
		got := up.last(t)
		q := queryParam
		if q("cid")(got) != "" || q("sid")(got) != "" || q("gcs")(got) != "G100" || q("npa")(got) != "1" || q("en")(got) != "page_view" {
			t.Errorf("cookieless ping: %s", got.RequestURI)
		}
		for _, f := range forbidden {
			if strings.Contains(decodedAll(got), f) {
				t.Errorf("collector received %q", f)
			}
		}
	})

	t.Run("not an open proxy", func(t *testing.T) {
		before := up.count()
		for _, p := range []string{"/v1/a", "/v1/import", "/v1/t/../../admin", "/g/collect/x", "/v1/%74"} {
			req, _ := http.NewRequest("POST", c.URL+p, strings.NewReader(`{"type":"alias"}`))
			req.Header.Set("Cookie", cookie(true, true))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 && resp.StatusCode != 200 {
				t.Errorf("%s: status %d", p, resp.StatusCode)
			}
		}
		if up.count() != before {
			t.Errorf("collector received %s", up.last(t).RequestURI)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		before := up.count()
		granted := map[string]string{"Cookie": cookie(true, true)}
		for name, tt := range map[string]struct {
			bc     beaconCase
			status int
		}{
			"oversized":         {beaconCase{method: "POST", path: "/api/event", body: `{"n":"` + strings.Repeat("a", 70<<10) + `"}`}, 413},
			"malformed JSON":    {beaconCase{method: "POST", path: "/v1/t", body: `{"type":`}, 400},
			"deep JSON":         {beaconCase{method: "POST", path: "/api/send", body: strings.Repeat(`{"a":`, 50) + "1" + strings.Repeat("}", 50)}, 400},
			"invalid UTF-8":     {beaconCase{method: "POST", path: "/api/event", body: "{\"n\":\"\xff\"}"}, 400},
			"wrong type":        {beaconCase{method: "POST", path: "/g/collect", query: "tid=G-1", body: "--b--", contentType: "multipart/form-data; boundary=b"}, 204},
			"huge batch":        {beaconCase{method: "POST", path: "/batch", body: strings.Repeat("v=1&tid=UA-1-1&t=event\n", 21)}, 413},
			"duplicate keys":    {beaconCase{method: "POST", path: "/v1/t", body: `{"userId":"a","userId":"b"}`}, 400},
			"GET for JSON only": {beaconCase{method: "GET", path: "/api/event"}, 405},
		} {
			t.Run(name, func(t *testing.T) {
				if resp := tt.bc.request(t, c.URL, granted); resp.StatusCode != tt.status {
					t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
				}
			})
		}
		if up.count() != before {
			t.Errorf("collector received %s", up.last(t).RequestURI)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		resp, err := http.Get(c.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := string(b)
		for _, want := range []string{
			`caddy_privacy_beacons_forwarded_total{mode="consented",vendor="ga4"} 2`,
			`caddy_privacy_beacons_forwarded_total{mode="cookieless",vendor="ga4"} 1`,
			`caddy_privacy_beacons_held_total{reason="no_consent",vendor="segment"} 5`,
			`caddy_privacy_beacons_held_total{reason="oversized",vendor="plausible"} 1`,
			`caddy_privacy_beacons_held_total{reason="malformed",vendor="umami"} 1`,
			`caddy_privacy_beacons_held_total{reason="path_refused",vendor="segment"}`,
		} {
			if !strings.Contains(m, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		for _, f := range forbidden {
			if strings.Contains(m, f) {
				t.Errorf("metrics hold %q", f)
			}
		}
		if out := c.stderr.String(); strings.Contains(out, visitorIP) || strings.Contains(out, visitorEmail) {
			t.Errorf("caddy's output holds an identifier:\n%s", out)
		}
	})
}
