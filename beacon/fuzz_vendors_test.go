package beacon

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// FuzzAmplitude: besides checkFuzz's invariants, a forwarded upload holds
// no user_id, no user_id value planted in the input, and only numbers as
// session ids.
func FuzzAmplitude(f *testing.F) {
	for _, c := range amplitudeCaptures {
		f.Add(c.body, uint8(0))
	}
	f.Add(`{"api_key":"k","events":[{"event_type":"e","user_id":"`+planted+`","device_id":"d","session_id":1700000000000,"time":1700000000000,"event_properties":{"a":[1700000000000,{"b":"`+planted+`x"}]}}]}`, uint8(1))
	f.Add(`{"events":[{"session_id":-1,"time":1.5e3,"ip":"$remote","user_properties":{"$set":{"email":"a@b.example"}}},{"event_type":"$identify"}]}`, uint8(0))
	f.Add(`{"events":[{"session_id":"1","time":"x","insert_id":{"a":1}}]}`, uint8(2))
	f.Fuzz(func(t *testing.T, body string, p uint8) {
		s := fuzzSanitizer(t, Config{Vendor: "amplitude"})
		path := []string{"/2/httpapi", "/batch", "/config/key"}[int(p)%3]
		in := &Input{Method: "POST", Path: path, Body: []byte(body), Consent: consent.All}
		checkFuzz(t, s, in, true)
		var out Output
		if s.Sanitize(&out, in) != nil || len(out.Body) == 0 {
			return
		}
		var doc struct{ Events []map[string]json.RawMessage }
		if err := json.Unmarshal(out.Body, &doc); err != nil {
			t.Fatalf("%s: %v", out.Body, err)
		}
		for _, ev := range doc.Events {
			if _, ok := ev["user_id"]; ok {
				t.Fatalf("user_id forwarded: %s", out.Body)
			}
			if sid, ok := ev["session_id"]; ok && !isNumber(sid) {
				t.Fatalf("session_id %s is not a number", sid)
			}
		}
		// Only where every occurrence is a user id (an escaped one could
		// be anything).
		if !strings.Contains(body, "\\") && strings.Count(body, planted) == strings.Count(body, `"user_id":"`+planted+`"`) &&
			bytes.Contains(out.Body, []byte(planted)) {
			t.Fatalf("planted user id forwarded: %s", out.Body)
		}
	})
}

// FuzzMixpanel: besides checkFuzz's invariants, forwarded data decodes
// (from base64 when it came so) to a JSON array with no $user_id, and a
// user id planted as $user_id or as the distinct id of an event without
// a device id is not forwarded.
func FuzzMixpanel(f *testing.F) {
	for _, c := range mixpanelCaptures {
		if c.path == "/track/" {
			b, _ := url.QueryUnescape(strings.TrimPrefix(c.body, "data="))
			d, _ := base64.StdEncoding.DecodeString(b)
			f.Add(c.query, string(d), true, false, uint8(consent.All))
		}
	}
	f.Add("ip=0&img=1", `[{"event":"e","properties":{"distinct_id":"`+planted+`","$user_id":"`+planted+`","x":"by `+planted+`"}}]`, false, true, uint8(consent.All))
	f.Add("verbose=1", `{"event":"e","properties":{"distinct_id":"$device:d","$referrer":"$direct","ip":"1.2.3.4"}}`, true, false, uint8(consent.All))
	f.Add("", `[{"event":"$identify"}]`, false, false, uint8(0))
	f.Fuzz(func(t *testing.T, query, data string, b64, get bool, c uint8) {
		s := fuzzSanitizer(t, Config{Vendor: "mixpanel"})
		enc := data
		if b64 {
			enc = base64.StdEncoding.EncodeToString([]byte(data))
		}
		in := &Input{Method: "POST", Path: "/track/", Query: []byte(query), ContentType: "application/x-www-form-urlencoded", Consent: consentOf(c)}
		if get {
			in.Method, in.ContentType = "GET", ""
			in.Query = []byte(query + "&data=" + url.QueryEscape(enc))
		} else {
			in.Body = []byte("data=" + url.QueryEscape(enc))
		}
		checkFuzz(t, s, in, false)
		var out Output
		if s.Sanitize(&out, in) != nil {
			return
		}
		src := out.Body
		if get {
			src = out.Query
		}
		v, err := url.ParseQuery(string(src))
		if err != nil {
			t.Fatal(err)
		}
		d := []byte(v.Get("data"))
		if len(d) > 0 && d[0] != '[' {
			if d, err = base64.StdEncoding.DecodeString(string(d)); err != nil {
				t.Fatalf("data %q: %v", v.Get("data"), err)
			}
		}
		var evs []map[string]any
		if err := json.Unmarshal(d, &evs); err != nil {
			t.Fatalf("data %s: %v", d, err)
		}
		for _, e := range evs {
			if p, ok := e["properties"].(map[string]any); ok && p["$user_id"] != nil {
				t.Fatalf("$user_id forwarded: %s", d)
			}
		}
		if !strings.Contains(data, "\\") && strings.Count(data, planted) == strings.Count(data, `"distinct_id":"`+planted+`"`)+strings.Count(data, `"$user_id":"`+planted+`"`) &&
			bytes.Contains(d, []byte(planted)) {
			t.Fatalf("planted user id forwarded: %s", d)
		}
	})
}

// FuzzPostHog: besides checkFuzz's invariants, a forwarded batch holds no
// $user_id, $set or $anon_distinct_id, an event's distinct_id equals its
// $device_id when that is a string, and a user id planted as the distinct
// id of an event is not forwarded.
func FuzzPostHog(f *testing.F) {
	batch, err := os.ReadFile("testdata/posthog-batch.json")
	if err != nil {
		f.Fatal(err)
	}
	flags, err := os.ReadFile("testdata/posthog-flags.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(batch), uint8(0))
	f.Add(string(flags), uint8(2))
	f.Add(`{"event":"e","properties":{"distinct_id":"`+planted+`","$device_id":"01890a5d-ac96-774b-bcce-b302099a8057","link":"https://shop.example/r?token=`+planted+`"}}`, uint8(1))
	f.Add(`[{"event":"$identify","properties":{"distinct_id":"`+planted+`","$set":{"email":"a@b.example"}}},{"event":"x","properties":{}}]`, uint8(3))
	f.Fuzz(func(t *testing.T, body string, p uint8) {
		s := fuzzSanitizer(t, Config{Vendor: "posthog"})
		path := []string{"/e/", "/i/v0/e/", "/flags/", "/batch/", "/decide/"}[int(p)%5]
		in := &Input{Method: "POST", Path: path, Query: []byte("v=2"), ContentType: "application/json", Body: []byte(body), Consent: consent.All}
		checkFuzz(t, s, in, true)
		var out Output
		if s.Sanitize(&out, in) != nil || len(out.Body) == 0 || path == "/flags/" || path == "/decide/" {
			return
		}
		// The batch goes on in its packing: an envelope, a list, or one
		// event.
		type event struct {
			Properties map[string]json.RawMessage
			Set        json.RawMessage `json:"$set"`
		}
		var events []event
		var envelope struct{ Batch []event }
		var one event
		switch {
		case json.Unmarshal(out.Body, &events) == nil:
		case json.Unmarshal(out.Body, &envelope) == nil && envelope.Batch != nil:
			events = envelope.Batch
		case json.Unmarshal(out.Body, &one) == nil:
			events = []event{one}
		default:
			t.Fatalf("not a batch, a list or an event: %s", out.Body)
		}
		for _, ev := range events {
			for _, k := range []string{"$user_id", "$set", "$set_once", "$anon_distinct_id"} {
				if _, ok := ev.Properties[k]; ok {
					t.Fatalf("%s forwarded: %s", k, out.Body)
				}
			}
			if ev.Set != nil {
				t.Fatalf("$set forwarded: %s", out.Body)
			}
			// With a $device_id string, distinct_id is its pseudonym;
			// without one, the distinct id's own.
			dev := ev.Properties["$device_id"]
			if d, ok := ev.Properties["distinct_id"]; ok && len(dev) > 0 && dev[0] == '"' && string(d) != string(dev) {
				t.Fatalf("distinct_id %s is not the $device_id's pseudonym %s", d, ev.Properties["$device_id"])
			}
		}
		if !strings.Contains(body, "\\") && strings.Count(body, planted) == strings.Count(body, `"distinct_id":"`+planted+`"`) &&
			bytes.Contains(out.Body, []byte(planted)) {
			t.Fatalf("planted user id forwarded: %s", out.Body)
		}
	})
}
