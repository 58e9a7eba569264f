package beacon

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// decodeJSON decodes a sanitised body, failing on invalid JSON.
func decodeJSON(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("output is not a JSON object: %v\n%s", err, b)
	}
	return v
}

// at walks a decoded document by dotted path; array indexes are numbers.
func at(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i := 0
			for _, c := range k {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func TestMatomo(t *testing.T) {
	s, r := newTestSanitizer(t, Config{Vendor: "matomo"})
	standIn := gbStandIn(t, r)
	hit := "action_name=Orders%20of%20jane%40example.com&idsite=3&rec=1&r=402011&h=12&m=5&s=37" +
		"&url=https%3A%2F%2Fshop.example%2Forders%3Fsession_id%3Dabc%26page%3D2&urlref=https%3A%2F%2Fsearch.example%2F%3Fq%3Djane" +
		"&_id=0123456789abcdef&_idn=0&_idts=1700000000&_idvc=4&_viewts=1700001000&uid=jane%40example.com&cid=fedcba9876543210" +
		"&send_image=0&cookie=1&res=1920x1080&pv_id=Ab12Cd&dimension1=VIP%20jane%40example.com&token_auth=secret123456&cip=81.2.69.160" +
		"&lang=en-GB%2Cen%3Bq%3D0.9&country=fr&lat=51.5&uadata=" +
		"%7B%22fullVersionList%22%3A%5B%7B%22brand%22%3A%22Chromium%22%2C%22version%22%3A%22120.0.6099.130%22%7D%5D%2C%22mobile%22%3Afalse%2C%22model%22%3A%22Pixel%207%22%2C%22platform%22%3A%22Android%22%2C%22platformVersion%22%3A%2214.0.0%22%7D"
	check := func(t *testing.T, p map[string][]string, raw string) {
		t.Helper()
		get := func(k string) string {
			if len(p[k]) == 0 {
				return ""
			}
			return p[k][0]
		}
		for k, v := range map[string]string{
			"idsite": "3", "rec": "1", "action_name": "Orders of [email]", "url": "https://shop.example/orders?page=2",
			"urlref": "https://search.example/", "cip": standIn.String(), "dimension1": "VIP [email]", "lang": "en-GB",
			"send_image": "0", "res": "1920x1080",
			"uadata": `{"fullVersionList":[{"brand":"Chromium","version":"120.0.0.0"}],"mobile":false,"platform":"Android","platformVersion":"14.0.0"}`,
		} {
			if get(k) != v {
				t.Errorf("%s = %q, want %q", k, get(k), v)
			}
		}
		if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(get("_id")) || get("_id") == "0123456789abcdef" {
			t.Errorf("_id = %q, want a 16-hex-digit pseudonym", get("_id"))
		}
		for _, k := range []string{"uid", "cid", "_idts", "_viewts", "_idvc", "token_auth", "country", "lat"} {
			if _, ok := p[k]; ok {
				t.Errorf("%s forwarded", k)
			}
		}
		mustNotContain(t, raw, "jane", "0123456789abcdef", "fedcba9876543210", "secret123456", "81.2.69.160", "Pixel", "6099", "1700000000")
	}
	t.Run("GET", func(t *testing.T) {
		out, err := sanitize(t, s, &Input{Method: "GET", Path: "/matomo.php", Query: []byte(hit), Consent: analyticsOnly, StandIn: standIn})
		if err != nil {
			t.Fatal(err)
		}
		check(t, params(t, out.Query), string(out.Query))
	})
	t.Run("POST form", func(t *testing.T) {
		out, err := sanitize(t, s, &Input{Method: "POST", Path: "/piwik.php", Body: []byte(hit), ContentType: "application/x-www-form-urlencoded; charset=UTF-8", Consent: analyticsOnly, StandIn: standIn})
		if err != nil {
			t.Fatal(err)
		}
		check(t, params(t, out.Body), string(out.Body))
		if len(out.Query) != 0 || out.ContentType != "application/x-www-form-urlencoded;charset=UTF-8" {
			t.Errorf("query %q, Content-Type %q", out.Query, out.ContentType)
		}
	})
	t.Run("bulk", func(t *testing.T) {
		body := `{"requests":["?` + hit + `",{"idsite":3,"rec":1,"e_c":"video","e_a":"play","e_n":"jane@example.com","uid":"jane","_id":"0123456789abcdef","ping":true}],"send_image":0,"token_auth":"secret123456"}`
		out, err := sanitize(t, s, &Input{Method: "POST", Path: "/matomo.php", Body: []byte(body), ContentType: "application/x-www-form-urlencoded; charset=UTF-8", Consent: analyticsOnly, StandIn: standIn})
		if err != nil {
			t.Fatal(err)
		}
		doc := decodeJSON(t, out.Body)
		reqs, _ := doc["requests"].([]any)
		if len(reqs) != 2 || out.Events != 2 || doc["send_image"] != float64(0) || doc["token_auth"] != nil {
			t.Fatalf("bulk = %s", out.Body)
		}
		first, _ := reqs[0].(string)
		check(t, params(t, []byte(strings.TrimPrefix(first, "?"))), string(out.Body))
		second := params(t, []byte(strings.TrimPrefix(reqs[1].(string), "?")))
		if second.Get("e_n") != "[email]" || second.Get("ping") != "1" || second.Get("cip") != standIn.String() || second.Has("uid") {
			t.Errorf("second request = %q", reqs[1])
		}
		if second.Get("_id") != params(t, []byte(strings.TrimPrefix(first, "?"))).Get("_id") {
			t.Error("the same _id got two pseudonyms in one bulk request")
		}
	})
	t.Run("bad", func(t *testing.T) {
		for name, tt := range map[string]struct {
			in  *Input
			err Reason
		}{
			"no idsite":           {&Input{Method: "GET", Path: "/matomo.php", Query: []byte("rec=1&url=x"), Consent: analyticsOnly}, Malformed},
			"bulk not JSON":       {&Input{Method: "POST", Path: "/matomo.php", Body: []byte(`{"requests":[`), Consent: analyticsOnly}, Malformed},
			"bulk without array":  {&Input{Method: "POST", Path: "/matomo.php", Body: []byte(`{"requests":"?idsite=1"}`), Consent: analyticsOnly}, Malformed},
			"bulk request number": {&Input{Method: "POST", Path: "/matomo.php", Body: []byte(`{"requests":[1]}`), Consent: analyticsOnly}, Malformed},
			"bulk without idsite": {&Input{Method: "POST", Path: "/matomo.php", Body: []byte(`{"requests":["?rec=1"]}`), Consent: analyticsOnly}, Malformed},
			"bulk empty":          {&Input{Method: "POST", Path: "/matomo.php", Body: []byte(`{"requests":[]}`), Consent: analyticsOnly}, Malformed},
			"bulk duplicate keys": {&Input{Method: "POST", Path: "/matomo.php", Body: []byte(`{"requests":["?idsite=1"],"requests":["?idsite=2"]}`), Consent: analyticsOnly}, Malformed},
			"huge bulk":           {&Input{Method: "POST", Path: "/matomo.php", Body: []byte(`{"requests":[` + strings.Repeat(`"?idsite=1",`, 100) + `"?idsite=1"]}`), Consent: analyticsOnly}, Oversized},
			"multipart":           {&Input{Method: "POST", Path: "/matomo.php", Body: []byte("idsite=1"), ContentType: "multipart/form-data; boundary=x", Consent: analyticsOnly}, Malformed},
			"other php":           {&Input{Method: "GET", Path: "/index.php", Query: []byte("idsite=1"), Consent: analyticsOnly}, PathRefused},
			"no consent":          {&Input{Method: "GET", Path: "/matomo.php", Query: []byte(hit), Consent: necessaryOnly}, NoConsent},
			"cookieless not ga4":  {nil, 0},
		} {
			t.Run(name, func(t *testing.T) {
				if tt.in == nil {
					if _, err := New(Config{Vendor: "matomo", Cookieless: true}, engineOf(r)); err == nil {
						t.Error("cookieless accepted for matomo")
					}
					return
				}
				if _, err := sanitize(t, s, tt.in); ReasonOf(err) != tt.err || err == nil {
					t.Errorf("err = %v, want %s", err, tt.err)
				}
			})
		}
	})
	t.Run("custom path", func(t *testing.T) {
		s, err := New(Config{Vendor: "matomo", Paths: []string{"/stats/matomo.php"}}, engineOf(r))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sanitize(t, s, &Input{Method: "GET", Path: "/stats/matomo.php", Query: []byte("idsite=1"), Consent: analyticsOnly}); err != nil {
			t.Error(err)
		}
		if _, err := sanitize(t, s, &Input{Method: "GET", Path: "/matomo.php", Query: []byte("idsite=1"), Consent: analyticsOnly}); ReasonOf(err) != PathRefused {
			t.Errorf("default path still served: %v", err)
		}
	})
}

func TestPlausible(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "plausible"})
	in := func(body string) *Input {
		return &Input{Method: "POST", Path: "/api/event", Body: []byte(body), ContentType: "text/plain", Consent: analyticsOnly}
	}
	t.Run("pageview", func(t *testing.T) {
		out, err := sanitize(t, s, in(`{"n":"pageview","u":"https://shop.example/account/jane@example.com?utm_source=news&token=abc","d":"shop.example","r":"https://mail.example/inbox/12345?u=jane","w":1280,"h":0,"p":{"plan":"gold","email":"jane@example.com","note":"jane@example.com","n":3,"jane@example.com":true},"$":{"currency":"EUR","amount":"12.50"},"i":true,"x":"dropped"}`))
		if err != nil {
			t.Fatal(err)
		}
		doc := decodeJSON(t, out.Body)
		for k, v := range map[string]any{
			"n": "pageview", "u": "https://shop.example/account/[email]?utm_source=news", "d": "shop.example",
			"r": "https://mail.example/", "w": float64(1280), "h": float64(0), "i": true,
			"p.plan": "gold", "p.note": "[email]", "p.n": float64(3), "p.[email]": true,
			"$.currency": "EUR", "$.amount": "12.50",
		} {
			if got := at(doc, k); got != v {
				t.Errorf("%s = %#v, want %#v", k, got, v)
			}
		}
		if doc["x"] != nil || at(doc, "p.email") != nil {
			t.Error("unknown member or a property named for an identifier forwarded")
		}
		if out.ContentType != "text/plain;charset=UTF-8" || len(out.Query) != 0 {
			t.Errorf("Content-Type %q, query %q", out.ContentType, out.Query)
		}
		mustNotContain(t, string(out.Body), "jane", "12345", "token")
	})
	t.Run("props as a string", func(t *testing.T) {
		out, err := sanitize(t, s, in(`{"name":"signup","url":"/x","domain":"a.example","referrer":null,"props":"{\"who\":\"jane@example.com\",\"user_id\":\"u-12345678\"}"}`))
		if err != nil {
			t.Fatal(err)
		}
		doc := decodeJSON(t, out.Body)
		if doc["props"] != `{"who":"[email]"}` || doc["referrer"] != nil || doc["name"] != "signup" {
			t.Errorf("got %s", out.Body)
		}
		out, _ = sanitize(t, s, in(`{"n":"x","p":"not json jane@example.com"}`))
		if strings.Contains(string(out.Body), `"p"`) {
			t.Errorf("unparsable props forwarded: %s", out.Body)
		}
	})
	t.Run("bad", func(t *testing.T) {
		for name, tt := range map[string]struct {
			in  *Input
			err Reason
		}{
			"no name":           {in(`{"u":"/x","d":"a.example"}`), Malformed},
			"array":             {in(`[{"n":"x"}]`), Malformed},
			"empty":             {in(``), Malformed},
			"truncated":         {in(`{"n":"x"`), Malformed},
			"trailing data":     {in(`{"n":"x"} {}`), Malformed},
			"duplicate keys":    {in(`{"n":"x","u":"/a","u":"/b"}`), Malformed},
			"deep nesting":      {in(`{"n":"x","p":` + strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40) + `}`), Malformed},
			"invalid UTF-8":     {in("{\"n\":\"x\xff\"}"), Malformed},
			"lone surrogate":    {in(`{"n":"\ud800"}`), Malformed},
			"control character": {in("{\"n\":\"a\x01b\"}"), Malformed},
			"single quotes":     {in(`{'n':'x'}`), Malformed},
			"NaN":               {in(`{"n":"x","w":NaN}`), Malformed},
			"leading zero":      {in(`{"n":"x","w":012}`), Malformed},
			"form body":         {&Input{Method: "POST", Path: "/api/event", Body: []byte(`{"n":"x"}`), ContentType: "application/x-www-form-urlencoded", Consent: analyticsOnly}, Malformed},
			"GET":               {&Input{Method: "GET", Path: "/api/event", Query: []byte("n=x"), Consent: analyticsOnly}, PathRefused},
			"no consent":        {&Input{Method: "POST", Path: "/api/event", Body: []byte(`{"n":"x"}`), Consent: necessaryOnly}, NoConsent},
		} {
			t.Run(name, func(t *testing.T) {
				if _, err := sanitize(t, s, tt.in); ReasonOf(err) != tt.err || err == nil {
					t.Errorf("err = %v, want %s", err, tt.err)
				}
			})
		}
	})
}

func TestUmami(t *testing.T) {
	s, r := newTestSanitizer(t, Config{Vendor: "umami"})
	standIn := gbStandIn(t, r)
	body := `{"type":"event","payload":{"website":"4fb7fa4c-5b46-438d-94b3-3a8fb9bc2e8b","hostname":"shop.example","screen":"1920x1080","language":"en-GB","title":"Hi jane@example.com","url":"/orders?email=jane@example.com&page=2","referrer":"https://mail.example/inbox/jane","name":"buy","data":{"sku":"A-1","buyer":"jane@example.com"},"id":"customer-778899","ip":"81.2.69.160","userAgent":"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0","extra":1}}`
	out, err := sanitize(t, s, &Input{Method: "POST", Path: "/api/send", Body: []byte(body), ContentType: "application/json", Consent: analyticsOnly, StandIn: standIn})
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeJSON(t, out.Body)
	for k, v := range map[string]any{
		"type": "event", "payload.website": "4fb7fa4c-5b46-438d-94b3-3a8fb9bc2e8b", "payload.hostname": "shop.example",
		"payload.title": "Hi [email]", "payload.url": "/orders?page=2", "payload.referrer": "https://mail.example/",
		"payload.name": "buy", "payload.data.sku": "A-1", "payload.data.buyer": "[email]", "payload.ip": standIn.String(),
		"payload.language": "en-GB", "payload.screen": "1920x1080",
		"payload.userAgent": "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
	} {
		if got := at(doc, k); got != v {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
	if at(doc, "payload.id") != nil || at(doc, "payload.extra") != nil {
		t.Errorf("id or unknown member forwarded: %s", out.Body)
	}
	mustNotContain(t, string(out.Body), "jane", "customer-778899", "81.2.69.160")

	// identify: the session data is a profile of the person.
	out, err = sanitize(t, s, &Input{Method: "POST", Path: "/api/send", Body: []byte(`{"type":"identify","payload":{"website":"w-1","id":"customer-778899","data":{"plan":"gold"}}}`), Consent: analyticsOnly})
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Body) != `{"type":"identify","payload":{"website":"w-1"}}` {
		t.Errorf("identify = %s", out.Body)
	}
	for name, body := range map[string]string{
		"no payload":    `{"type":"event"}`,
		"not an object": `"event"`,
	} {
		if _, err := sanitize(t, s, &Input{Method: "POST", Path: "/api/send", Body: []byte(body), Consent: analyticsOnly}); ReasonOf(err) != Malformed {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestSegment(t *testing.T) {
	s, r := newTestSanitizer(t, Config{Vendor: "segment"})
	standIn := gbStandIn(t, r)
	track := `{"type":"track","event":"Order Completed","anonymousId":"6c1e3f5a-2b4d-4e6f-8a9b-0c1d2e3f4a5b","userId":"user-778899",` +
		`"messageId":"ajs-next-1700000000000-abc","timestamp":"2024-01-01T10:00:00.000Z","writeKey":"wk_123",` +
		`"properties":{"total":42.5,"email":"jane@example.com","url":"https://shop.example/thanks?order=7&email=jane@example.com","nested":{"note":"+44 20 7946 0958","userId":"user-778899"}},` +
		`"traits":{"email":"jane@example.com"},` +
		`"context":{"ip":"81.2.69.160","userAgent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",` +
		`"page":{"path":"/thanks","referrer":"https://www.google.com/search?q=jane","url":"https://shop.example/thanks?order=7","title":"Thanks, jane@example.com"},` +
		`"library":{"name":"analytics.js","version":"next-1.62.0"},"locale":"en-GB","traits":{"email":"jane@example.com"},"device":{"advertisingId":"ad-1"},` +
		`"campaign":{"source":"news"},"consent":{"categoryPreferences":{"Advertising":true,"Analytics":true,"Functional":false}},` +
		`"userAgentData":{"brands":[{"brand":"Chromium","version":"120"}],"mobile":false,"platform":"macOS","model":"MacBook","platformVersion":"14.2.1"}},` +
		`"integrations":{"All":true,"Amplitude":{"session_id":1700000000}}}`
	t.Run("track", func(t *testing.T) {
		out, err := sanitize(t, s, &Input{Method: "POST", Path: "/v1/t", Body: []byte(track), ContentType: "text/plain", Consent: analyticsOnly, StandIn: standIn})
		if err != nil {
			t.Fatal(err)
		}
		doc := decodeJSON(t, out.Body)
		for k, v := range map[string]any{
			"event": "Order Completed", "properties.total": 42.5,
			"properties.url": "https://shop.example/thanks?order=7", "properties.nested.note": "[phone]",
			"context.ip": standIn.String(), "context.page.referrer": "https://www.google.com/",
			"context.page.title": "Thanks, [email]", "context.locale": "en-GB", "context.campaign.source": "news",
			"context.userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
			"context.consent.categoryPreferences.Advertising": false, "context.consent.categoryPreferences.Analytics": true,
			"context.userAgentData.platformVersion": "14.0.0", "context.userAgentData.brands.0.version": "120",
			"integrations.All": true, "writeKey": "wk_123",
		} {
			if got := at(doc, k); got != v {
				t.Errorf("%s = %#v, want %#v", k, got, v)
			}
		}
		for _, k := range []string{"anonymousId", "messageId"} {
			if id, _ := doc[k].(string); len(id) != 12 || strings.Contains(track, id) {
				t.Errorf("%s = %q, want a 12-character pseudonym", k, id)
			}
		}
		for _, k := range []string{"userId", "properties.email", "properties.nested.userId", "traits", "context.traits", "context.device", "context.userAgentData.model", "integrations.Amplitude"} {
			if at(doc, k) != nil {
				t.Errorf("%s forwarded", k)
			}
		}
		mustNotContain(t, string(out.Body), "jane", "user-778899", "6c1e3f5a", "81.2.69.160", "ad-1", "MacBook", "7946", "1700000000000")
	})
	t.Run("batch", func(t *testing.T) {
		body := `{"batch":[` + track + `,{"type":"alias","previousId":"a","userId":"user-778899"},{"type":"page","name":"Home","anonymousId":"6c1e3f5a-2b4d-4e6f-8a9b-0c1d2e3f4a5b"},{"type":"identify","anonymousId":"x1234567","traits":{"email":"jane@example.com"}}],"sentAt":"2024-01-01T10:00:01.000Z","writeKey":"wk_123"}`
		out, err := sanitize(t, s, &Input{Method: "POST", Path: "/v1/batch", Body: []byte(body), ContentType: "application/json", Consent: analyticsOnly, StandIn: standIn})
		if err != nil {
			t.Fatal(err)
		}
		doc := decodeJSON(t, out.Body)
		batch, _ := doc["batch"].([]any)
		if len(batch) != 3 || out.Events != 3 || doc["writeKey"] != "wk_123" {
			t.Fatalf("batch = %s", out.Body)
		}
		if at(doc, "batch.0.anonymousId") != at(doc, "batch.1.anonymousId") {
			t.Error("one visitor's messages got different pseudonyms")
		}
		if at(doc, "batch.2.traits") != nil {
			t.Error("identify traits forwarded")
		}
		mustNotContain(t, string(out.Body), "jane", "user-778899", `"alias"`)
	})
	t.Run("bad", func(t *testing.T) {
		for name, tt := range map[string]struct {
			in  *Input
			err Reason
		}{
			"batch not array":    {&Input{Method: "POST", Path: "/v1/batch", Body: []byte(`{"batch":{}}`), Consent: analyticsOnly}, Malformed},
			"batch element":      {&Input{Method: "POST", Path: "/v1/batch", Body: []byte(`{"batch":[1]}`), Consent: analyticsOnly}, Malformed},
			"huge batch":         {&Input{Method: "POST", Path: "/v1/batch", Body: []byte(`{"batch":[` + strings.Repeat(`{"type":"track"},`, 100) + `{"type":"track"}]}`), Consent: analyticsOnly}, Oversized},
			"unknown endpoint":   {&Input{Method: "POST", Path: "/v1/x", Body: []byte(`{}`), Consent: analyticsOnly}, PathRefused},
			"deep":               {&Input{Method: "POST", Path: "/v1/t", Body: []byte(strings.Repeat(`[`, 100) + strings.Repeat(`]`, 100)), Consent: analyticsOnly}, Malformed},
			"not object":         {&Input{Method: "POST", Path: "/v1/t", Body: []byte(`[]`), Consent: analyticsOnly}, Malformed},
			"wrong content type": {&Input{Method: "POST", Path: "/v1/t", Body: []byte(`{}`), ContentType: "image/png", Consent: analyticsOnly}, Malformed},
		} {
			t.Run(name, func(t *testing.T) {
				if _, err := sanitize(t, s, tt.in); ReasonOf(err) != tt.err || err == nil {
					t.Errorf("err = %v, want %s", err, tt.err)
				}
			})
		}
	})
}

func TestGeneric(t *testing.T) {
	r := testRedactor(t)
	standIn := gbStandIn(t, r)
	s, err := New(Config{Vendor: "generic", Paths: []string{"/collect/hit"}, Fields: &Fields{
		Keep: []string{"site", "ev.kind"}, Text: []string{"title", "ev.props", "tags*"}, URL: []string{"page", "ev.page"},
		Referrer: []string{"ref"}, Pseudonym: []string{"visitor", "ev.visitor"}, UserAgent: []string{"ua"}, IP: []string{"ip", "ev.ip"},
		Drop: []string{"user"},
	}}, engineOf(r))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("query and form", func(t *testing.T) {
		out, err := sanitize(t, s, &Input{Method: "POST", Path: "/collect/hit",
			Query: []byte("site=7&visitor=v-123456&page=%2Fp%3Femail%3Djane%40example.com&ip=81.2.69.160&user=jane&other=1"),
			Body:  []byte("title=Hi+jane%40example.com&tags_a=x&ref=https%3A%2F%2Fr.example%2Fx"), ContentType: "application/x-www-form-urlencoded",
			Consent: analyticsOnly, StandIn: standIn})
		if err != nil {
			t.Fatal(err)
		}
		q, b := params(t, out.Query), params(t, out.Body)
		if q.Get("site") != "7" || q.Get("page") != "/p" || q.Get("ip") != standIn.String() || q.Has("user") || q.Has("other") ||
			len(q.Get("visitor")) != 12 || b.Get("title") != "Hi [email]" || b.Get("tags_a") != "x" || b.Get("ref") != "https://r.example/" {
			t.Errorf("query %q body %q", out.Query, out.Body)
		}
	})
	t.Run("JSON", func(t *testing.T) {
		out, err := sanitize(t, s, &Input{Method: "POST", Path: "/collect/hit",
			Body:    []byte(`{"site":7,"ev":{"kind":"click","page":"/u/jane@example.com","visitor":"v-123456","ip":"81.2.69.160","props":{"who":"jane@example.com","n":[1,"a@b.example"]},"secret":"x"},"user":"jane","ua":"curl/8.0"}`),
			Consent: analyticsOnly, StandIn: standIn})
		if err != nil {
			t.Fatal(err)
		}
		doc := decodeJSON(t, out.Body)
		for k, v := range map[string]any{
			"site": float64(7), "ev.kind": "click", "ev.page": "/u/[email]", "ev.ip": standIn.String(),
			"ev.props.who": "[email]", "ev.props.n.1": "[email]", "ua": "curl (tool)",
		} {
			if got := at(doc, k); got != v {
				t.Errorf("%s = %#v, want %#v", k, got, v)
			}
		}
		if at(doc, "ev.secret") != nil || doc["user"] != nil || len(at(doc, "ev.visitor").(string)) != 12 {
			t.Errorf("got %s", out.Body)
		}
		mustNotContain(t, string(out.Body), "jane", "v-123456", "81.2.69.160")
	})
	t.Run("config errors", func(t *testing.T) {
		for name, c := range map[string]Config{
			"no fields":         {Vendor: "generic", Paths: []string{"/x"}},
			"no paths":          {Vendor: "generic", Fields: &Fields{Keep: []string{"a"}}},
			"name in two lists": {Vendor: "generic", Paths: []string{"/x"}, Fields: &Fields{Keep: []string{"a"}, Text: []string{"a"}}},
			"only drops":        {Vendor: "generic", Paths: []string{"/x"}, Fields: &Fields{Drop: []string{"a"}}},
			"bad name":          {Vendor: "generic", Paths: []string{"/x"}, Fields: &Fields{Keep: []string{"a=b"}}},
			"bad path":          {Vendor: "generic", Paths: []string{"/x/../y"}, Fields: &Fields{Keep: []string{"a"}}},
		} {
			if _, err := New(c, engineOf(r)); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
	})
}

func TestJSONParser(t *testing.T) {
	valid := []string{`{}`, `[]`, `"a"`, `0`, `-0.5e+3`, `true`, `null`, " {\"a\" : [1, {\"b\":null}] } ",
		`"\u00e9\ud83d\ude00\n\/"`, `{"a":1,"A":2}`, "\"\xc3\xa9\""}
	invalid := []string{``, ` `, `{`, `{"a"}`, `{"a":}`, `{,}`, `[1,]`, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `tru`, `nul`,
		`"a`, `"\x"`, `"\u12"`, `"\udc00"`, `"\ud800x"`, "\"\x7f\xff\"", "\"a\tb\"", `{"a":1,"a":2}`, `{} x`, `[` + strings.Repeat("[", 40) + strings.Repeat("]", 41)}
	var p jsonState
	for _, s := range valid {
		v, err := p.parse([]byte(s))
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		// What the writer makes of the parse is what encoding/json makes
		// of the input.
		w := &jsonWriter{}
		writeValue(w, v)
		a, errA := decodeNumbers([]byte(s))
		b, errB := decodeNumbers(w.buf)
		if errA != nil || errB != nil || !jsonEqual(a, b) {
			t.Errorf("%q written as %s", s, w.buf)
		}
	}
	for _, s := range invalid {
		if _, err := p.parse([]byte(s)); err == nil || ReasonOf(err) != Malformed {
			t.Errorf("%q: accepted", s)
		}
	}
	// Many keys: duplicate detection switches to a map.
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 100; i++ {
		b.WriteString(`"k` + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `":1,`)
	}
	if _, err := p.parse([]byte(b.String() + `"kaa":2}`)); err == nil {
		t.Error("duplicate among 100 keys accepted")
	}
	// The same 100 distinct keys, each holding a nested object or array:
	// accepted, and written back as encoding/json reads them.
	b.Reset()
	b.WriteString("{")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, `"k%d":{"a":[%d,{"b":"%d"}],"c":{}},`, i, i, i)
	}
	big := b.String() + `"last":[[],[1,[2,[3]]]]}`
	first, err := p.parse([]byte(big))
	if err != nil {
		t.Fatal(err)
	}
	// A second parse with the same state leaves the first tree as it was.
	if _, err := p.parse([]byte(`{"x":[{"y":"z"},{"y":"w"}],"k0":{"a":[7]}}`)); err != nil {
		t.Fatal(err)
	}
	w := &jsonWriter{}
	writeValue(w, first)
	x, _ := decodeNumbers([]byte(big))
	y, err := decodeNumbers(w.buf)
	if err != nil || !jsonEqual(x, y) {
		t.Errorf("100 nested members written back as %.200s…", w.buf)
	}
	// release keeps small arenas for the next request, emptied and
	// cleared, and lets big ones (and a big parse stack) go, even after a
	// document that failed to parse.
	kept := p.members[:1]
	p.release()
	if len(p.members) != 0 || len(p.items) != 0 || kept[0].key != nil {
		t.Error("release kept parsed values")
	}
	if _, err := p.parse([]byte("[" + strings.Repeat("1,", 5000))); err == nil {
		t.Fatal("an unterminated array parsed")
	}
	p.release()
	if p.itemStack != nil || p.items != nil {
		t.Errorf("release kept a parse stack of %d items", cap(p.itemStack))
	}
}

// writeValue writes a parsed value back, for the round-trip test.
func writeValue(w *jsonWriter, v *jvalue) {
	switch v.kind {
	case jObject:
		w.openObject()
		for i := range v.members {
			w.keyBytes(v.members[i].key)
			writeValue(w, &v.members[i].val)
		}
		w.closeObject()
	case jArray:
		w.openArray()
		for i := range v.items {
			writeValue(w, &v.items[i])
		}
		w.closeArray()
	case jString:
		w.string(v.str)
	case jNumber:
		w.raw(v.str)
	default:
		w.raw(literal(v.kind))
	}
}

// decodeNumbers decodes JSON keeping numbers as written, so that values
// out of float64's range (1e700) compare too.
func decodeNumbers(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestSegmentCategoryPreferences(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "segment"})
	body := `{"type":"page","anonymousId":"a1","context":{"consent":{"categoryPreferences":{"Strictly Necessary":true,"Performance":true,"Functional Cookies":true,"Targeting":true,"Marketing & Ads":true,"C0004":true,"Analytics":"yes"}}}}`
	for _, tt := range []struct {
		consent consent.Set
		want    string
	}{
		{analyticsOnly, `{"Strictly Necessary":true,"Performance":true,"Functional Cookies":false,"Targeting":false,"C0004":false}`},
		{everything, `{"Strictly Necessary":true,"Performance":true,"Functional Cookies":true,"Targeting":true,"C0004":true}`},
	} {
		out, err := sanitize(t, s, &Input{Method: "POST", Path: "/v1/p", Body: []byte(body), Consent: tt.consent})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out.Body), `"categoryPreferences":`+tt.want) {
			t.Errorf("consent %v: %s", tt.consent, out.Body)
		}
	}
}

func TestGenericArray(t *testing.T) {
	r := testRedactor(t)
	s, err := New(Config{Vendor: "generic", Paths: []string{"/e"}, MaxEvents: 2, Fields: &Fields{Keep: []string{"k"}, Text: []string{"t"}}}, engineOf(r))
	if err != nil {
		t.Fatal(err)
	}
	out, err := sanitize(t, s, &Input{Method: "POST", Path: "/e", Body: []byte(`[{"k":1,"t":"jane@example.com","x":2},{"k":2}]`), ContentType: "text/plain", Consent: analyticsOnly})
	if err != nil || string(out.Body) != `[{"k":1,"t":"[email]"},{"k":2}]` || out.Events != 2 {
		t.Errorf("got %s, %d events, %v", out.Body, out.Events, err)
	}
	for body, want := range map[string]Reason{
		`[{"k":1},{"k":2},{"k":3}]`: Oversized,
		`[1]`:                       Malformed,
		`"x"`:                       Malformed,
	} {
		if _, err := sanitize(t, s, &Input{Method: "POST", Path: "/e", Body: []byte(body), ContentType: "application/json", Consent: analyticsOnly}); ReasonOf(err) != want {
			t.Errorf("%s: %v, want %s", body, err, want)
		}
	}
	if err := s.Route("GET", "/e"); err != nil {
		t.Errorf("GET refused: %v", err)
	}
	if err := s.Route("GET", "/f"); ReasonOf(err) != PathRefused {
		t.Errorf("other path: %v", err)
	}
}
