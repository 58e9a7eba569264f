package beacon

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestIdentifierNamesAtAnyDepth: a field named for an identifier is
// dropped wherever it sits in free-form properties, whatever its value
// looks like, and Allow cannot bring it back.
func TestIdentifierNamesAtAnyDepth(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "segment", Allow: []string{"properties.*"}})
	body := `{"type":"track","event":"Signed Up","anonymousId":"a1b2c3d4e5",` +
		`"properties":{"plan":"pro","price":12.5,"userId":"u-1","user_id":"u-2","customer_id":77,"email":"x","Phone":"y",` +
		`"items":[{"sku":"S1","Customer-ID":"c-9"}],"deep":{"a":{"session_id":"s-3","label":"kept"}}}}`
	out, err := sanitize(t, s, &Input{Method: "POST", Path: "/v1/t", Body: []byte(body), Consent: analyticsOnly})
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeJSON(t, out.Body)
	for k, v := range map[string]any{"properties.plan": "pro", "properties.price": 12.5, "properties.items.0.sku": "S1", "properties.deep.a.label": "kept"} {
		if got := at(doc, k); got != v {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
	for _, k := range []string{"userId", "user_id", "customer_id", "email", "Phone", "items.0.Customer-ID", "deep.a.session_id"} {
		if at(doc, "properties."+k) != nil {
			t.Errorf("properties.%s forwarded: %s", k, out.Body)
		}
	}
}

// TestPseudonymKeepsJSONType: a number pseudonymised stays a number
// (Amplitude refuses a string session_id), a string stays a string, and
// neither is the original.
func TestPseudonymKeepsJSONType(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "generic", Paths: []string{"/e"}, Fields: &Fields{Pseudonym: []string{"session_id", "device_id"}}})
	out, err := sanitize(t, s, &Input{Method: "POST", Path: "/e", Body: []byte(`{"session_id":1700000000123,"device_id":"d-4f1c2e9a"}`), Consent: analyticsOnly})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(out.Body, &doc); err != nil {
		t.Fatalf("%s: %v", out.Body, err)
	}
	sid, dev := string(doc["session_id"]), string(doc["device_id"])
	if sid == "" || strings.Trim(sid, "0123456789") != "" || sid == "1700000000123" {
		t.Errorf("session_id = %s, want another number", sid)
	}
	if !strings.HasPrefix(dev, `"`) || strings.Contains(dev, "4f1c2e9a") {
		t.Errorf("device_id = %s, want a string pseudonym", dev)
	}
	// The same number gets the same pseudonym: sessions still group.
	again, _ := sanitize(t, s, &Input{Method: "POST", Path: "/e", Body: []byte(`{"session_id":1700000000123}`), Consent: analyticsOnly})
	if !strings.Contains(string(again.Body), sid) {
		t.Errorf("second pseudonym %s differs from %s", again.Body, sid)
	}
}

// TestGenericNamesAndStatus: the generic vendor names fields with spaces
// and brackets (Amplitude's autocapture properties) and answers with the
// configured status, which PostHog-style SDKs need to be 200.
func TestGenericNamesAndStatus(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "generic", Paths: []string{"/e"}, Status: 200, Fields: &Fields{
		URL:  []string{"event_properties.[Amplitude] Page Location"},
		Keep: []string{"event_type"},
	}})
	body := `{"event_type":"page","event_properties":{"[Amplitude] Page Location":"https://shop.example/p?token=9f8e7d6c5b4a3928&x=1","other":"x"}}`
	out, err := sanitize(t, s, &Input{Method: "POST", Path: "/e", Body: []byte(body), Consent: analyticsOnly})
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeJSON(t, out.Body)
	props, _ := doc["event_properties"].(map[string]any)
	if doc["event_type"] != "page" || props == nil || props["[Amplitude] Page Location"] != "https://shop.example/p?x=1" || props["other"] != nil {
		t.Errorf("got %s", out.Body)
	}
	in := &Input{Method: "POST", Path: "/e", Body: []byte(body), Consent: necessaryOnly}
	if _, err := sanitize(t, s, in); ReasonOf(err) != NoConsent {
		t.Fatalf("err %v", err)
	}
	if a := s.Answer(in, NoConsent); a.Status != 200 || len(a.Body) != 0 {
		t.Errorf("answer %d %q, want the configured 200", a.Status, a.Body)
	}
	if a := s.Answer(in, Malformed); a.Status != 400 {
		t.Errorf("malformed answer %d", a.Status)
	}
	for _, c := range []Config{
		{Vendor: "ga4", Status: 200},
		{Vendor: "generic", Paths: []string{"/e"}, Status: 404, Fields: &Fields{Keep: []string{"a"}}},
	} {
		if _, err := New(c, engineOf(testRedactor(t))); err == nil || !strings.Contains(err.Error(), "status") {
			t.Errorf("%+v: err %v", c, err)
		}
	}
}

// TestLateUserIDInLongBatch: a user id that only the last events of a
// long batch carry is still searched for in every event's free text; the
// events' own ids (uuids, messageIds, insert ids) do not crowd it out.
func TestLateUserIDInLongBatch(t *testing.T) {
	const late = "user-778899"
	var posthog, segment []string
	for i := range 40 {
		uid, sid := "", ""
		if i >= 36 {
			uid = `"$user_id":"` + late + `",`
			sid = `"userId":"` + late + `",`
		}
		posthog = append(posthog, fmt.Sprintf(`{"event":"e%d","uuid":"01890a5d-ac96-774b-bcce-%012x","properties":{%s"$device_id":"01890a5d-ac96-774b-bcce-b302099a8057","$insert_id":"ins%09d","$pageview_id":"01890a5d-ac96-774b-bcce-%012x","note":"see /account/%s/orders"}}`, i, i, uid, i, i+1000, late))
		segment = append(segment, fmt.Sprintf(`{"type":"track","event":"e%d","messageId":"ajs-next-%020d",%s"anonymousId":"a1b2c3d4e5f6","properties":{"note":"see /account/%s/orders"}}`, i, i, sid, late))
	}
	for _, tt := range []struct{ vendor, path, body string }{
		{"posthog", "/batch/", `{"api_key":"phc_x","batch":[` + strings.Join(posthog, ",") + `]}`},
		{"segment", "/v1/batch", `{"batch":[` + strings.Join(segment, ",") + `]}`},
	} {
		t.Run(tt.vendor, func(t *testing.T) {
			s, _ := newTestSanitizer(t, Config{Vendor: tt.vendor})
			out, err := sanitize(t, s, &Input{Method: "POST", Path: tt.path, ContentType: "application/json", Body: []byte(tt.body), Consent: analyticsOnly})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(out.Body), late) {
				t.Errorf("the late user id reached the vendor: %.300s…", out.Body[strings.Index(string(out.Body), late)-100:])
			}
			if !strings.Contains(string(out.Body), "see /account/") {
				t.Errorf("the notes were lost: %.300s", out.Body)
			}
		})
	}
}

// TestPropertyKeysAreFreeText: a site's property name can itself be an
// e-mail or carry the visitor's id; it is redacted as free text is, at
// the top of the properties as deeper down, and two names that redact
// alike keep the first.
func TestPropertyKeysAreFreeText(t *testing.T) {
	for _, tt := range []struct{ vendor, path, body string }{
		{"posthog", "/e/", `{"event":"e","properties":{"$device_id":"01890a5d-ac96-774b-bcce-b302099a8057","jane.doe@example.com":true,"john@example.org":2,"seen-01890a5d-ac96-774b-bcce-b302099a8057":1,"nested":{"ann@example.net":3}}}`},
		{"segment", "/v1/t", `{"type":"track","event":"e","anonymousId":"a1b2c3d4e5f6","properties":{"jane.doe@example.com":true,"john@example.org":2,"seen-a1b2c3d4e5f6":1,"nested":{"ann@example.net":3}}}`},
	} {
		t.Run(tt.vendor, func(t *testing.T) {
			s, _ := newTestSanitizer(t, Config{Vendor: tt.vendor})
			out, err := sanitize(t, s, &Input{Method: "POST", Path: tt.path, ContentType: "application/json", Body: []byte(tt.body), Consent: analyticsOnly})
			if err != nil {
				t.Fatal(err)
			}
			got := string(out.Body)
			for _, leak := range []string{"jane.doe", "john@", "ann@", "b302099a8057", "a1b2c3d4e5f6"} {
				if strings.Contains(got, leak) {
					t.Errorf("%s reached the vendor in a property name: %s", leak, got)
				}
			}
			if strings.Count(got, `"[email]"`) != 2 || !json.Valid(out.Body) {
				t.Errorf("want one redacted name per object, the second dropped: %s", got)
			}
		})
	}
}

// TestIDNumbersNulled: a number equal to one of the beacon's identifiers
// (a numeric user id copied into a property, at any depth) is written as
// null, as the same value in a string is redacted.
func TestIDNumbersNulled(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "segment"})
	body := `{"type":"track","event":"e","userId":987654321,"anonymousId":"a1b2c3d4e5f6","properties":{"customer":987654321,"arr":[987654321,5],"deep":{"n":987654321},"price":12.5}}`
	out, err := sanitize(t, s, &Input{Method: "POST", Path: "/v1/t", ContentType: "application/json", Body: []byte(body), Consent: analyticsOnly})
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeJSON(t, out.Body)
	if strings.Contains(string(out.Body), "987654321") || at(doc, "properties.price") != 12.5 || at(doc, "properties.arr.1") != 5.0 {
		t.Errorf("got %s", out.Body)
	}
}
