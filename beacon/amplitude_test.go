package beacon

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// The identifiers the SDK test page gives every SDK (sdk-e2e/entries/common.js).
const (
	sdkUserID     = "user-8c1f2e9a7b"
	sdkUserID2    = "uid-4d3c2b1a0f"
	sdkCustomerID = "cus-77f1e2d3c4"
	sdkEmail      = "jane.doe@example.com"
	sdkPhone      = "7700 900123"
	sdkToken      = "9f8e7d6c5b4a39281726354453627180"
)

// The Amplitude capture's own ids.
const (
	ampDevice  = "47931b8b-abcc-47bf-83c5-2839a0130342"
	ampSession = "1796357308725"
)

// Captured from @amplitude/analytics-browser@2.48.1 (beacon/sdk-e2e): the
// four uploads of one page: autocapture and a track call, identify(),
// a second track call after setUserId, and one sent by sendBeacon.
var amplitudeCaptures = []struct{ contentType, body string }{
	{"application/json", `{"api_key":"0123456789abcdef0123456789abcdef","events":[{"device_id":"47931b8b-abcc-47bf-83c5-2839a0130342","session_id":1796357308725,"time":1796357308739,"platform":"Web","language":"en-US","ip":"$remote","insert_id":"a45f6df9-efce-4605-8d20-eb36b8f9754d","event_type":"$identify","user_properties":{"$setOnce":{"initial_utm_campaign":"EMPTY","initial_utm_content":"EMPTY","initial_utm_id":"EMPTY","initial_utm_medium":"EMPTY","initial_utm_source":"EMPTY","initial_utm_term":"EMPTY","initial_referrer":"EMPTY","initial_referring_domain":"EMPTY","initial_dclid":"EMPTY","initial_gbraid":"EMPTY","initial_gclid":"EMPTY","initial_fbclid":"EMPTY","initial_ko_click_id":"EMPTY","initial_li_fat_id":"EMPTY","initial_msclkid":"EMPTY","initial_rdt_cid":"EMPTY","initial_ttclid":"EMPTY","initial_twclid":"EMPTY","initial_wbraid":"EMPTY"},"$unset":{"utm_campaign":"-","utm_content":"-","utm_id":"-","utm_medium":"-","utm_source":"-","utm_term":"-","referrer":"-","referring_domain":"-","dclid":"-","gbraid":"-","gclid":"-","fbclid":"-","ko_click_id":"-","li_fat_id":"-","msclkid":"-","rdt_cid":"-","ttclid":"-","twclid":"-","wbraid":"-"}},"event_id":0,"library":"amplitude-ts/2.48.1","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.114 Safari/537.36"},{"device_id":"47931b8b-abcc-47bf-83c5-2839a0130342","session_id":1796357308725,"time":1796357308725,"platform":"Web","language":"en-US","ip":"$remote","insert_id":"be05222a-0fdb-48e8-b176-fab57afd97e7","event_type":"session_start","event_id":1,"library":"amplitude-ts/2.48.1","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.114 Safari/537.36","event_properties":{"[Amplitude] Page Domain":"127.0.0.1","[Amplitude] Page Location":"http://127.0.0.1:37517/sdk/amplitude.html","[Amplitude] Page Path":"/sdk/amplitude.html","[Amplitude] Page Title":"Pricing","[Amplitude] Page URL":"http://127.0.0.1:37517/sdk/amplitude.html","[Amplitude] Previous Page Location":"","[Amplitude] Previous Page Type":"direct"}},{"device_id":"47931b8b-abcc-47bf-83c5-2839a0130342","session_id":1796357308725,"time":1796357308743,"platform":"Web","language":"en-US","ip":"$remote","insert_id":"646fb269-4eda-4847-9307-89c8ec90d16d","event_type":"[Amplitude] Page Viewed","event_properties":{"[Amplitude] Page Domain":"127.0.0.1","[Amplitude] Page Location":"http://127.0.0.1:37517/sdk/amplitude.html","[Amplitude] Page Path":"/sdk/amplitude.html","[Amplitude] Page Title":"Pricing","[Amplitude] Page URL":"http://127.0.0.1:37517/sdk/amplitude.html","[Amplitude] Page View ID":"e747a232-d781-4c52-b27f-3f6e83a0e382","[Amplitude] Page Counter":1,"[Amplitude] Previous Page Location":"","[Amplitude] Previous Page Type":"direct"},"event_id":2,"library":"amplitude-ts/2.48.1","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.114 Safari/537.36"},{"device_id":"47931b8b-abcc-47bf-83c5-2839a0130342","session_id":1796357308725,"time":1796357308790,"platform":"Web","language":"en-US","ip":"$remote","insert_id":"b03ee4c8-b926-4cd5-b738-cb34c05763b9","event_type":"Checkout Started","event_properties":{"link":"https://shop.example/reset?email=jane.doe@example.com&token=9f8e7d6c5b4a39281726354453627180","email":"jane.doe@example.com","userId":"user-8c1f2e9a7b","user_id":"uid-4d3c2b1a0f","customer_id":"cus-77f1e2d3c4","phone":"+44 7700 900123","plan":"pro","price":12.5,"Page Location":"/pricing","[Amplitude] Page Domain":"127.0.0.1","[Amplitude] Page Location":"http://127.0.0.1:37517/sdk/amplitude.html","[Amplitude] Page Path":"/sdk/amplitude.html","[Amplitude] Page Title":"Pricing","[Amplitude] Page URL":"http://127.0.0.1:37517/sdk/amplitude.html","[Amplitude] Previous Page Location":"","[Amplitude] Previous Page Type":"direct"},"event_id":3,"library":"amplitude-ts/2.48.1","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.114 Safari/537.36"}],"options":{},"client_upload_time":"2026-12-04T04:08:28.942Z"}`},
	{"application/json", `{"api_key":"0123456789abcdef0123456789abcdef","events":[{"user_id":"user-8c1f2e9a7b","device_id":"47931b8b-abcc-47bf-83c5-2839a0130342","session_id":1796357308725,"time":1796357308971,"platform":"Web","language":"en-US","ip":"$remote","insert_id":"484989fe-fac5-4815-9bd8-7acce357aa5e","event_type":"$identify","user_properties":{"$set":{"email":"jane.doe@example.com","phone":"+44 7700 900123","name":"Jane Doe","plan":"pro"}},"event_id":4,"library":"amplitude-ts/2.48.1","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.114 Safari/537.36"}],"options":{},"client_upload_time":"2026-12-04T04:08:29.174Z","request_metadata":{"sdk":{"metrics":{"histogram":{}}}}}`},
	{"application/json", `{"api_key":"0123456789abcdef0123456789abcdef","events":[{"user_id":"user-8c1f2e9a7b","device_id":"47931b8b-abcc-47bf-83c5-2839a0130342","session_id":1796357308725,"time":1796357309203,"platform":"Web","language":"en-US","ip":"$remote","insert_id":"28ece692-f512-4dbb-b443-4a55e60adf6b","event_type":"Plan Viewed","event_properties":{"plan":"pro","price":12.5,"[Amplitude] Page Domain":"127.0.0.1","[Amplitude] Page Location":"http://127.0.0.1:37517/sdk/amplitude.html","[Amplitude] Page Path":"/sdk/amplitude.html","[Amplitude] Page Title":"Pricing","[Amplitude] Page URL":"http://127.0.0.1:37517/sdk/amplitude.html","[Amplitude] Previous Page Location":"","[Amplitude] Previous Page Type":"direct"},"event_id":5,"library":"amplitude-ts/2.48.1","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.114 Safari/537.36"}],"options":{},"client_upload_time":"2026-12-04T04:08:29.405Z","request_metadata":{"sdk":{"metrics":{"histogram":{}}}}}`},
	{"text/plain;charset=UTF-8", `{"api_key":"0123456789abcdef0123456789abcdef","events":[{"user_id":"user-8c1f2e9a7b","device_id":"47931b8b-abcc-47bf-83c5-2839a0130342","session_id":1796357308725,"time":1796357310711,"platform":"Web","language":"en-US","ip":"$remote","insert_id":"363e2f24-cc37-4ddc-97d9-8d8433283a4a","event_type":"Page Closed","event_properties":{"plan":"pro","[Amplitude] Page Domain":"127.0.0.1","[Amplitude] Page Location":"http://127.0.0.1:37517/sdk/amplitude.html","[Amplitude] Page Path":"/sdk/amplitude.html","[Amplitude] Page Title":"Pricing","[Amplitude] Page URL":"http://127.0.0.1:37517/sdk/amplitude.html","[Amplitude] Previous Page Location":"","[Amplitude] Previous Page Type":"direct"},"event_id":6,"library":"amplitude-ts/2.48.1","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.114 Safari/537.36"}],"options":{},"client_upload_time":"2026-12-04T04:08:30.716Z","request_metadata":{"sdk":{"metrics":{"histogram":{}}}}}`},
}

// The config request's query, captured.
const amplitudeConfigQuery = "config_group=browser"

// decodeNumbered decodes a sanitised body keeping numbers as written.
func decodeNumbered(t testing.TB, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v map[string]any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("output is not a JSON object: %v\n%s", err, b)
	}
	return v
}

// windows returns every n-byte substring of s.
func windows(s string, n int) []string {
	var out []string
	for i := 0; i+n <= len(s); i++ {
		out = append(out, s[i:i+n])
	}
	return out
}

// rawInsertIDs are the insert_ids of the captured uploads.
func rawInsertIDs(t *testing.T) []string {
	var ids []string
	for _, c := range amplitudeCaptures {
		var doc struct {
			Events []struct {
				InsertID string `json:"insert_id"`
			}
		}
		if err := json.Unmarshal([]byte(c.body), &doc); err != nil {
			t.Fatal(err)
		}
		for _, e := range doc.Events {
			ids = append(ids, e.InsertID)
		}
	}
	return ids
}

func TestAmplitudeCaptures(t *testing.T) {
	s, r := newTestSanitizer(t, Config{Vendor: "amplitude"})
	standIn := gbStandIn(t, r)
	var all strings.Builder
	var sids []string
	offsets := map[int64]bool{}
	types := map[string]bool{}
	var checkout map[string]any
	for i, c := range amplitudeCaptures {
		in := &Input{Method: "POST", Path: "/2/httpapi", ContentType: c.contentType, Body: []byte(c.body), Consent: analyticsOnly, StandIn: standIn}
		out, err := sanitize(t, s, in)
		if i == 1 {
			// identify() alone: a profile update, answered locally.
			if ReasonOf(err) != Local || len(out.Body) != 0 {
				t.Fatalf("identify upload: %v, %s", err, out.Body)
			}
			a := s.Answer(in, Local)
			if a.Status != 200 || !strings.Contains(string(a.Body), `"code":200`) {
				t.Errorf("identify answer %d %s", a.Status, a.Body)
			}
			continue
		}
		if err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
		all.Write(out.Body)
		if want := jsonContentType(strings.Split(c.contentType, ";")[0]); out.ContentType != want {
			t.Errorf("Content-Type %q, want %q", out.ContentType, want)
		}
		doc := decodeNumbered(t, out.Body)
		if doc["api_key"] != "0123456789abcdef0123456789abcdef" || doc["client_upload_time"] != nil || doc["request_metadata"] != nil {
			t.Errorf("top level: %s", out.Body)
		}
		var raw struct{ Events []map[string]any }
		d := json.NewDecoder(strings.NewReader(c.body))
		d.UseNumber()
		if err := d.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		var rawKept []map[string]any
		for _, e := range raw.Events {
			if e["event_type"] != "$identify" {
				rawKept = append(rawKept, e)
			}
		}
		events, _ := doc["events"].([]any)
		if len(events) != len(rawKept) || out.Events != len(rawKept) {
			t.Fatalf("upload %d: %d events, want %d (identify dropped): %s", i, len(events), len(rawKept), out.Body)
		}
		for j, e := range events {
			ev := e.(map[string]any)
			types[ev["event_type"].(string)] = true
			sid, ok := ev["session_id"].(json.Number)
			if !ok {
				t.Fatalf("session_id %#v is not a number", ev["session_id"])
			}
			if n, err := sid.Int64(); err != nil || n < 1e12 || n >= 2e12 {
				t.Errorf("session_id %s is not a start time in milliseconds, as Amplitude documents it", sid)
			}
			sids = append(sids, string(sid))
			tm, _ := ev["time"].(json.Number)
			got, err1 := tm.Int64()
			want, err2 := rawKept[j]["time"].(json.Number).Int64()
			if err1 != nil || err2 != nil {
				t.Fatalf("time %v", ev["time"])
			}
			offsets[got-want] = true
			for k, v := range map[string]any{"ip": standIn.String(), "language": "en-US", "platform": "Web", "library": "amplitude-ts/2.48.1"} {
				if ev[k] != v {
					t.Errorf("%s = %#v, want %#v", k, ev[k], v)
				}
			}
			if ua, _ := ev["user_agent"].(string); !strings.Contains(ua, "Chrome/156.0.0.0") {
				t.Errorf("user_agent = %q, want the reduced form", ua)
			}
			for _, k := range []string{"user_id", "event_id", "user_properties"} {
				if _, ok := ev[k]; ok {
					t.Errorf("%s forwarded", k)
				}
			}
			if dev, _ := ev["device_id"].(string); len(dev) < 5 || dev == ampDevice {
				t.Errorf("device_id = %q, want a pseudonym Amplitude accepts (5+ characters)", dev)
			}
			if ev["event_type"] == "Checkout Started" {
				checkout = ev
			}
		}
	}
	for k := range types {
		delete(types, k)
		types[k] = true
	}
	for _, want := range []string{"session_start", "[Amplitude] Page Viewed", "Checkout Started", "Plan Viewed", "Page Closed"} {
		if !types[want] {
			t.Errorf("event %q not forwarded", want)
		}
	}
	// One session, one pseudonym, one offset, in every batch.
	for _, sid := range sids[1:] {
		if sid != sids[0] {
			t.Errorf("session pseudonyms differ: %v", sids)
			break
		}
	}
	if len(offsets) != 1 {
		t.Errorf("time offsets %v, want one per session", offsets)
	}
	for off := range offsets {
		if off < 1 || off > 999 {
			t.Errorf("time offset %d, want 1 to 999 ms", off)
		}
	}
	props, _ := checkout["event_properties"].(map[string]any)
	for k, v := range map[string]any{
		"plan": "pro", "price": json.Number("12.5"), "Page Location": "/pricing",
		"[Amplitude] Page Path": "/sdk/amplitude.html", "[Amplitude] Page Title": "Pricing",
		// The page is served from an address, which the engine makes its
		// country (ZZ for a loopback address).
		"[Amplitude] Page Location": "http://ZZ:37517/sdk/amplitude.html",
		"[Amplitude] Page Domain":   "ZZ",
	} {
		if props[k] != v {
			t.Errorf("event_properties[%q] = %#v, want %#v", k, props[k], v)
		}
	}
	for _, k := range []string{"email", "userId", "user_id", "customer_id", "phone"} {
		if _, ok := props[k]; ok {
			t.Errorf("event_properties.%s forwarded", k)
		}
	}
	if link, _ := props["link"].(string); !strings.HasPrefix(link, "https://shop.example/reset") {
		t.Errorf("link = %q", link)
	}
	body := all.String()
	// The session id is a time: the events' own times share its leading
	// digits, so only the whole value is looked for.
	mustNotContain(t, body, sdkUserID, sdkUserID2, sdkCustomerID, sdkEmail, sdkPhone, sdkToken, "Jane Doe", ampSession, "$remote")
	mustNotContain(t, body, windows(ampDevice, 8)...)
	for _, id := range rawInsertIDs(t) {
		mustNotContain(t, body, windows(id, 8)...)
	}
}

// TestAmplitudeSessionHidden: the session id appears nowhere, in any
// form; an event stamped with it (session_start) is moved; a copy of it in
// a property is removed; -1 (no session) stays.
func TestAmplitudeSessionHidden(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "amplitude", Allow: []string{"events.event_properties.*"}})
	body := `{"api_key":"k","events":[` +
		`{"event_type":"session_start","device_id":"dev-12345678","session_id":1700000000000,"time":1700000000000,"event_id":7},` +
		`{"event_type":"x","device_id":"dev-12345678","session_id":1700000000000,"time":1699999999999,` +
		`"event_properties":{"copy":1700000000000,"list":[1700000000000,2],"text":"session 1700000000000","[Amplitude] Session Replay ID":"dev-12345678/1700000000000","n":3}},` +
		`{"event_type":"y","device_id":"dev-12345678","session_id":-1,"time":1700000000500},` +
		`{"event_type":"z","device_id":"dev-12345678","session_id":"1700000000000","time":1700000000600}]}`
	out, err := sanitize(t, s, &Input{Method: "POST", Path: "/batch", Body: []byte(body), Consent: analyticsOnly})
	if err != nil {
		t.Fatal(err)
	}
	mustNotContain(t, string(out.Body), "1700000000000", "dev-12345678")
	doc := decodeNumbered(t, out.Body)
	evs := doc["events"].([]any)
	ev := func(i int) map[string]any { return evs[i].(map[string]any) }
	t0, _ := ev(0)["time"].(json.Number).Int64()
	t1, _ := ev(1)["time"].(json.Number).Int64()
	if off := t0 - 1700000000000; off < 1 || off > 999 || t1-1699999999999 != off {
		t.Errorf("times %d, %d: want both moved by one offset of 1 to 999 ms", t0, t1)
	}
	p := ev(1)["event_properties"].(map[string]any)
	if _, ok := p["copy"]; !ok || p["copy"] != nil || at(p, "list.0") != nil || at(p, "list.1") != json.Number("2") || p["n"] != json.Number("3") {
		t.Errorf("properties %v: the session id must be nulled, the rest kept", p)
	}
	if _, ok := p["[Amplitude] Session Replay ID"]; ok {
		t.Error("session replay id forwarded")
	}
	if ev(2)["session_id"] != json.Number("-1") || ev(2)["time"] != json.Number("1700000000500") {
		t.Errorf("no-session event: %v", ev(2))
	}
	if _, ok := ev(3)["session_id"]; ok {
		t.Errorf("a string session_id (Amplitude wants a number) forwarded: %v", ev(3))
	}
	if ev(3)["time"] != json.Number("1700000000600") {
		t.Errorf("time of an event without a session id moved: %v", ev(3))
	}
	// The pseudonym does not depend on the event: a session is one.
	if ev(0)["session_id"] != ev(1)["session_id"] {
		t.Errorf("session pseudonyms %v, %v", ev(0)["session_id"], ev(1)["session_id"])
	}
	// An event stamped before its session began, exactly by the offset,
	// would show the id itself as its time: its time is dropped.
	off := t0 - 1700000000000
	early := `{"events":[{"event_type":"x","device_id":"dev-12345678","session_id":1700000000000,"time":` + strconv.FormatInt(1700000000000-off, 10) + `}]}`
	out, err = sanitize(t, s, &Input{Method: "POST", Path: "/batch", Body: []byte(early), Consent: analyticsOnly})
	if err != nil || strings.Contains(string(out.Body), "1700000000000") || strings.Contains(string(out.Body), `"time"`) {
		t.Errorf("early event: %v %s", err, out.Body)
	}
}

// TestAmplitudeProperties: user and group properties never leave, on any
// event; Amplitude's page URLs go through the URL scrubber.
func TestAmplitudeProperties(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "amplitude"})
	body := `{"events":[{"event_type":"Plan Viewed","device_id":"dev-12345678",` +
		`"user_properties":{"$set":{"plan":"pro","name":"Jane Doe"}},"groups":{"company":"acme-42"},"group_properties":{"size":"x"},` +
		`"event_properties":{"[Amplitude] Page Location":"https://shop.example/orders?session_id=abc123&page=2",` +
		`"[Amplitude] Element Href":"https://shop.example/reset?token=9f8e7d6c5b4a39281726354453627180",` +
		`"[Amplitude] Request Headers":{"cookie":"a=b"},"plan":"pro"}}]}`
	out, err := sanitize(t, s, &Input{Method: "POST", Path: "/2/httpapi", Body: []byte(body), Consent: analyticsOnly})
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeJSON(t, out.Body)
	for _, k := range []string{"user_properties", "groups", "group_properties", "event_properties.[Amplitude] Request Headers"} {
		if at(doc, "events.0."+k) != nil {
			t.Errorf("%s forwarded: %s", k, out.Body)
		}
	}
	if got := at(doc, "events.0.event_properties.[Amplitude] Page Location"); got != "https://shop.example/orders?page=2" {
		t.Errorf("Page Location = %v", got)
	}
	if got, _ := at(doc, "events.0.event_properties.[Amplitude] Element Href").(string); !strings.HasPrefix(got, "https://shop.example/reset") {
		t.Errorf("Element Href = %q", got)
	}
	mustNotContain(t, string(out.Body), "Jane", "acme-42", "abc123", "9f8e7d6c5b4a39281726354453627180")
}

// TestAmplitudeIP: the stand-in replaces $remote and is added when the SDK
// sends no ip; without a stand-in there is none.
func TestAmplitudeIP(t *testing.T) {
	s, r := newTestSanitizer(t, Config{Vendor: "amplitude"})
	standIn := gbStandIn(t, r)
	body := `{"api_key":"k","events":[{"event_type":"a","device_id":"d-123456","ip":"81.2.69.160"},{"event_type":"b","device_id":"d-123456"}]}`
	out, err := sanitize(t, s, &Input{Method: "POST", Path: "/2/httpapi", Body: []byte(body), Consent: analyticsOnly, StandIn: standIn})
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeJSON(t, out.Body)
	if at(doc, "events.0.ip") != standIn.String() || at(doc, "events.1.ip") != standIn.String() {
		t.Errorf("ip: %s", out.Body)
	}
	out, err = sanitize(t, s, &Input{Method: "POST", Path: "/2/httpapi", Body: []byte(body), Consent: analyticsOnly})
	if err != nil || strings.Contains(string(out.Body), `"ip"`) {
		t.Errorf("without a stand-in: %v %s", err, out.Body)
	}
}

func TestAmplitudeRemoteConfig(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "amplitude"})
	path := "/config/0123456789abcdef0123456789abcdef"
	out, err := sanitize(t, s, &Input{Method: "GET", Path: path, Query: []byte(amplitudeConfigQuery + "&user_id=x"), Consent: analyticsOnly})
	if err != nil || string(out.Query) != "config_group=browser" || len(out.Body) != 0 {
		t.Errorf("config: %v %q %q", err, out.Query, out.Body)
	}
	in := &Input{Method: "GET", Path: path, Query: []byte(amplitudeConfigQuery), Consent: necessaryOnly}
	if _, err := sanitize(t, s, in); ReasonOf(err) != NoConsent {
		t.Fatalf("without consent: %v", err)
	}
	if a := s.Answer(in, NoConsent); a.Status != 200 || string(a.Body) != `{"configs":{}}` {
		t.Errorf("answer %d %s", a.Status, a.Body)
	}
	if _, err := sanitize(t, s, &Input{Method: "GET", Path: "/config/a/b", Consent: analyticsOnly}); ReasonOf(err) != PathRefused {
		t.Errorf("/config/a/b: %v", err)
	}
}

func TestAmplitudeAnswers(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "amplitude"})
	ok := s.Answer(&Input{Method: "POST", Path: "/2/httpapi"}, NoConsent)
	var resp struct {
		Code         int    `json:"code"`
		Error        string `json:"error"`
		MissingField string `json:"missing_field"`
	}
	if err := json.Unmarshal(ok.Body, &resp); err != nil || ok.Status != 200 || resp.Code != 200 {
		t.Errorf("no consent: %d %s", ok.Status, ok.Body)
	}
	bad := s.Answer(&Input{Method: "POST", Path: "/batch"}, Malformed)
	// The SDK reads code from the body; a 400 without missing_field would
	// have the events retried.
	if err := json.Unmarshal(bad.Body, &resp); err != nil || bad.Status != 400 || resp.Code != 400 || resp.MissingField == "" {
		t.Errorf("malformed: %d %s", bad.Status, bad.Body)
	}
	if a := s.Answer(&Input{Method: "GET", Path: "/2/httpapi"}, PathRefused); a.Status != 405 {
		t.Errorf("GET: %d", a.Status)
	}
	if a := s.Answer(&Input{Method: "POST", Path: "/3/httpapi"}, PathRefused); a.Status != 404 {
		t.Errorf("other path: %d", a.Status)
	}
}

func TestAmplitudeBad(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "amplitude", MaxEvents: 3})
	ev := `{"event_type":"e","device_id":"d-123456"}`
	for name, tt := range map[string]struct {
		in  *Input
		err Reason
	}{
		"not JSON":         {&Input{Method: "POST", Path: "/2/httpapi", Body: []byte(`{"events":[`)}, Malformed},
		"no events":        {&Input{Method: "POST", Path: "/2/httpapi", Body: []byte(`{"api_key":"k"}`)}, Malformed},
		"events not array": {&Input{Method: "POST", Path: "/2/httpapi", Body: []byte(`{"events":{}}`)}, Malformed},
		"event not object": {&Input{Method: "POST", Path: "/2/httpapi", Body: []byte(`{"events":[` + ev + `,1]}`)}, Malformed},
		"array":            {&Input{Method: "POST", Path: "/2/httpapi", Body: []byte(`[` + ev + `]`)}, Malformed},
		"duplicate keys":   {&Input{Method: "POST", Path: "/2/httpapi", Body: []byte(`{"events":[],"events":[]}`)}, Malformed},
		"form":             {&Input{Method: "POST", Path: "/2/httpapi", ContentType: "application/x-www-form-urlencoded", Body: []byte(`{"events":[` + ev + `]}`)}, Malformed},
		"too many":         {&Input{Method: "POST", Path: "/batch", Body: []byte(`{"events":[` + strings.Repeat(ev+",", 3) + ev + `]}`)}, Oversized},
		"GET":              {&Input{Method: "GET", Path: "/2/httpapi"}, PathRefused},
		"other path":       {&Input{Method: "POST", Path: "/2/httpapi/", Body: []byte(`{"events":[]}`)}, PathRefused},
		"no consent":       {&Input{Method: "POST", Path: "/2/httpapi", Body: []byte(amplitudeCaptures[0].body), Consent: necessaryOnly}, NoConsent},
		"empty":            {&Input{Method: "POST", Path: "/2/httpapi", Body: []byte(`{"events":[]}`)}, Local},
		"config with body": {&Input{Method: "POST", Path: "/config/k", Body: []byte(`x`)}, Malformed},
	} {
		t.Run(name, func(t *testing.T) {
			if tt.in.Consent == 0 && tt.err != NoConsent {
				tt.in.Consent = analyticsOnly
			}
			out, err := sanitize(t, s, tt.in)
			if ReasonOf(err) != tt.err || len(out.Body) != 0 {
				t.Errorf("got %v, body %q; want %v", err, out.Body, tt.err)
			}
		})
	}
	// The limit counts what arrives, and an upload at it passes.
	if _, err := sanitize(t, s, &Input{Method: "POST", Path: "/batch", Body: []byte(`{"events":[` + ev + "," + ev + "," + ev + `]}`), Consent: analyticsOnly}); err != nil {
		t.Errorf("3 events: %v", err)
	}
	if _, err := New(Config{Vendor: "amplitude", Allow: []string{"events.user_id"}}, engineOf(testRedactor(t))); err == nil {
		t.Error("allow events.user_id accepted")
	}
}
