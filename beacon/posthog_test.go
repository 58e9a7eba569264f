package beacon

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
)

// posthogBatch reads the batch posthog-js 1.449.2 sent in Chromium
// (beacon/sdk-e2e): a $pageview, an $identify and two custom events.
func posthogTestBatch(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/posthog-batch.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var hexRun = regexp.MustCompile(`[0-9a-f]{8,}`)

// rawIDs are the ids posthog-js made, and every run of 8 hex digits in
// them: none may reach the vendor.
func rawIDs(t testing.TB, batch []byte) []string {
	var doc struct {
		Batch []struct {
			UUID       string         `json:"uuid"`
			Properties map[string]any `json:"properties"`
		} `json:"batch"`
	}
	if err := json.Unmarshal(batch, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range doc.Batch {
		out = append(out, e.UUID)
		for _, k := range []string{"distinct_id", "$device_id", "$session_id", "$window_id", "$pageview_id", "$insert_id", "$user_id"} {
			if v, ok := e.Properties[k].(string); ok {
				out = append(out, v)
			}
		}
	}
	for _, id := range out {
		for _, part := range strings.Split(id, "-") {
			out = append(out, hexRun.FindAllString(part, -1)...)
		}
	}
	return out
}

func TestPostHogBatch(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "posthog"})
	batch := posthogTestBatch(t)
	form := "data=" + url.QueryEscape(base64.StdEncoding.EncodeToString(batch))
	for _, tt := range []struct {
		name string
		in   Input
	}{
		{"gzip as text/plain", Input{Method: "POST", Path: "/e/", Query: []byte("ip=0&_=1796357237346&ver=1.449.2"), ContentType: "text/plain", Body: gzipBytes(t, batch)}},
		{"gzip-js", Input{Method: "POST", Path: "/i/v0/e/", Query: []byte("compression=gzip-js"), ContentType: "text/plain", Body: gzipBytes(t, batch)}},
		{"base64 form", Input{Method: "POST", Path: "/e/", Query: []byte("compression=base64"), ContentType: "application/x-www-form-urlencoded", Body: []byte(form)}},
		{"Content-Encoding gzip", Input{Method: "POST", Path: "/batch/", ContentType: "application/json", ContentEncoding: "gzip", Body: gzipBytes(t, batch)}},
		{"plain JSON", Input{Method: "POST", Path: "/capture/", ContentType: "application/json", Body: batch}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Consent = analyticsOnly
			out, err := sanitize(t, s, &in)
			if err != nil {
				t.Fatal(err)
			}
			if out.ContentType != "application/json" || strings.Contains(string(out.Query), "compression") {
				t.Errorf("content type %q, query %q: the body goes on as plain JSON", out.ContentType, out.Query)
			}
			var doc struct {
				APIKey string           `json:"api_key"`
				Batch  []map[string]any `json:"batch"`
			}
			if err := json.Unmarshal(out.Body, &doc); err != nil {
				t.Fatalf("%v: %s", err, out.Body)
			}
			var names []string
			for _, e := range doc.Batch {
				names = append(names, e["event"].(string))
			}
			if strings.Join(names, ",") != "$pageview,Checkout Started,Plan Viewed" || out.Events != 3 {
				t.Errorf("events %v (%d): want the $identify left out", names, out.Events)
			}
			if doc.APIKey == "" {
				t.Error("api_key dropped")
			}
			var device any
			for _, e := range doc.Batch {
				p := e["properties"].(map[string]any)
				if device == nil {
					device = p["$device_id"]
				}
				if p["distinct_id"] != device || p["$device_id"] != device {
					t.Errorf("%s: distinct_id %v, $device_id %v; want both the device's pseudonym %v", e["event"], p["distinct_id"], p["$device_id"], device)
				}
				if sid, _ := p["$session_id"].(string); len(sid) != 36 || sid[14] != '7' {
					t.Errorf("$session_id %q is not a version 7 UUID", sid)
				}
				if p["$pathname"] != "/sdk/posthog.html" || p["$lib"] != "web" || p["$browser"] != "Chrome" {
					t.Errorf("%s: lost useful properties: %v", e["event"], p)
				}
				if ua, _ := p["$raw_user_agent"].(string); strings.Contains(ua, "8078") {
					t.Errorf("full user agent version: %q", ua)
				}
			}
			p := doc.Batch[1]["properties"].(map[string]any)
			if p["plan"] != "pro" || p["price"] != 12.5 || p["Page Location"] != "/pricing" || p["link"] != "https://shop.example/reset" {
				t.Errorf("custom properties: %v", p)
			}
			for _, k := range []string{"email", "userId", "user_id", "customer_id", "phone", "$user_id", "$lib_custom_api_host"} {
				if _, ok := p[k]; ok {
					t.Errorf("%s forwarded", k)
				}
			}
			mustNotContain(t, string(out.Body), append(rawIDs(t, batch), "jane", "9f8e7d6c", "7700 900123", "900123", "user-8c1f2e9a7b", "uid-4d3c2b1a0f", "cus-77f1e2d3c4", "Jane Doe")...)
		})
	}
}

func TestPostHogFlagsAndConfig(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "posthog"})
	flags, err := os.ReadFile("testdata/posthog-flags.json")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("flags with consent", func(t *testing.T) {
		out, err := sanitize(t, s, &Input{Method: "POST", Path: "/flags/", Query: []byte("v=2"), ContentType: "text/plain", Body: gzipBytes(t, flags), Consent: analyticsOnly})
		if err != nil {
			t.Fatal(err)
		}
		doc := decodeJSON(t, out.Body)
		if doc["token"] == nil || doc["distinct_id"] == nil || doc["distinct_id"] != doc["$device_id"] || string(out.Query) != "v=2" {
			t.Errorf("got %s ? %s", out.Body, out.Query)
		}
		for _, k := range []string{"person_properties", "groups", "$anon_distinct_id"} {
			if doc[k] != nil {
				t.Errorf("%s forwarded", k)
			}
		}
		mustNotContain(t, string(out.Body), "jane", "900123", "user-8c1f2e9a7b", "01a23f3c")
	})
	for _, tt := range []struct {
		path, method, want, ctype string
	}{
		{"/flags/", "POST", `"featureFlags":{}`, "application/json"},
		{"/decide/", "POST", `"featureFlags":{}`, "application/json"},
		{"/array/phc_abc123/config", "GET", `{"token":"phc_abc123"`, "application/json"},
		{"/array/phc_abc123/config.js", "GET", `window._POSTHOG_REMOTE_CONFIG["phc_abc123"]={config:{"token":"phc_abc123"`, "application/javascript"},
		{"/e/", "POST", `{"status":1}`, "application/json"},
	} {
		t.Run("without consent "+tt.path, func(t *testing.T) {
			in := &Input{Method: tt.method, Path: tt.path, Consent: necessaryOnly}
			_, err := sanitize(t, s, in)
			if ReasonOf(err) != NoConsent {
				t.Fatalf("err %v, want no consent", err)
			}
			a := s.Answer(in, NoConsent)
			if a.Status != 200 || a.ContentType != tt.ctype || !strings.Contains(string(a.Body), tt.want) {
				t.Errorf("answer %d %s %s", a.Status, a.ContentType, a.Body)
			}
			if strings.HasPrefix(tt.ctype, "application/json") && !json.Valid(a.Body) {
				t.Errorf("answer is not JSON: %s", a.Body)
			}
		})
	}
	t.Run("config with consent is forwarded", func(t *testing.T) {
		out, err := sanitize(t, s, &Input{Method: "GET", Path: "/array/phc_abc123/config.js", Consent: analyticsOnly})
		if err != nil || len(out.Body) != 0 {
			t.Fatalf("err %v, body %q", err, out.Body)
		}
	})
	t.Run("recordings are answered locally", func(t *testing.T) {
		in := &Input{Method: "POST", Path: "/s/", Body: []byte(`[{"event":"$snapshot"}]`), Consent: analyticsOnly}
		if _, err := sanitize(t, s, in); ReasonOf(err) != Local {
			t.Fatalf("err %v, want local", err)
		}
		if a := s.Answer(in, Local); a.Status != 200 {
			t.Errorf("answer %d", a.Status)
		}
	})
	t.Run("a token path segment must be a token", func(t *testing.T) {
		for _, p := range []string{"/array//config", "/array/a.b/config", "/array/a/b/config"} {
			if _, err := sanitize(t, s, &Input{Method: "GET", Path: p, Consent: analyticsOnly}); ReasonOf(err) != PathRefused {
				t.Errorf("%s: err %v", p, err)
			}
		}
	})
}

func TestPostHogMalformed(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "posthog", MaxEvents: 2})
	for name, in := range map[string]Input{
		"truncated gzip":     {Body: gzipBytes(t, posthogTestBatch(t))[:40], ContentType: "text/plain"},
		"not JSON":           {Body: []byte("hello"), ContentType: "text/plain"},
		"lz64":               {Query: []byte("compression=lz64"), Body: []byte("data=abc"), ContentType: "application/x-www-form-urlencoded"},
		"event without name": {Body: []byte(`[{"properties":{}}]`)},
	} {
		in.Method, in.Path, in.Consent = "POST", "/e/", analyticsOnly
		if _, err := sanitize(t, s, &in); ReasonOf(err) != Malformed {
			t.Errorf("%s: err %v, want malformed", name, err)
		}
		if a := s.Answer(&in, Malformed); a.Status != 400 {
			t.Errorf("%s: answer %d", name, a.Status)
		}
	}
	in := Input{Method: "POST", Path: "/e/", Body: posthogTestBatch(t), Consent: analyticsOnly}
	if _, err := sanitize(t, s, &in); ReasonOf(err) != Oversized {
		t.Errorf("4 events over max_events 2: %v", err)
	}
}

// TestPostHogLinkEvents: alias() and group() events, which link the
// visitor to another id or a group and carry its key and properties, are
// not forwarded; the batch's other events are.
func TestPostHogLinkEvents(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "posthog"})
	body := `[{"event":"$create_alias","properties":{"distinct_id":"d1","alias":"crm-customer-48213"}},` +
		`{"event":"$groupidentify","properties":{"$group_type":"company","$group_key":"acme-internal-77","$group_set":{"name":"Acme"}}},` +
		`{"event":"kept","properties":{"plan":"pro"}}]`
	out, err := sanitize(t, s, &Input{Method: "POST", Path: "/e/", ContentType: "application/json", Body: []byte(body), Consent: analyticsOnly})
	if err != nil {
		t.Fatal(err)
	}
	got := string(out.Body)
	if out.Events != 1 || !strings.Contains(got, `"kept"`) || strings.Contains(got, "crm-customer-48213") || strings.Contains(got, "acme-internal-77") || strings.Contains(got, "Acme") {
		t.Errorf("%d events forwarded: %s", out.Events, got)
	}
}
