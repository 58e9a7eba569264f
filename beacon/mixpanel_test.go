package beacon

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The Mixpanel capture's device id.
const mixDevice = "a4cbbe0b-48ef-4cf9-9465-8ff01239e970"

// Captured from mixpanel-browser@2.83.0 (beacon/sdk-e2e): two /track
// batches (the second by sendBeacon) and one /engage.
var mixpanelCaptures = []struct{ path, query, contentType, body string }{
	{"/track/", "verbose=1&ip=1&_=1796357320497", "application/x-www-form-urlencoded", `data=W3siZXZlbnQiOiIkbXBfd2ViX3BhZ2VfdmlldyIsInByb3BlcnRpZXMiOnsiJG9zIjoiTGludXgiLCIkYnJvd3NlciI6IkNocm9tZSIsIiRjdXJyZW50X3VybCI6Imh0dHA6Ly8xMjcuMC4wLjE6Mzc1MTcvc2RrL21peHBhbmVsLmh0bWwiLCIkYnJvd3Nlcl92ZXJzaW9uIjoxNTYsIiRzY3JlZW5faGVpZ2h0Ijo3MjAsIiRzY3JlZW5fd2lkdGgiOjEyODAsIm1wX2xpYiI6IndlYiIsIiRsaWJfdmVyc2lvbiI6IjIuODMuMCIsIiRpbnNlcnRfaWQiOiJ5enlpN2J5d2UwN3BodXo1IiwidGltZSI6MTc5NjM1NzMyMC4yNzIsImRpc3RpbmN0X2lkIjoiJGRldmljZTphNGNiYmUwYi00OGVmLTRjZjktOTQ2NS04ZmYwMTIzOWU5NzAiLCIkZGV2aWNlX2lkIjoiYTRjYmJlMGItNDhlZi00Y2Y5LTk0NjUtOGZmMDEyMzllOTcwIiwiJGluaXRpYWxfcmVmZXJyZXIiOiIkZGlyZWN0IiwiJGluaXRpYWxfcmVmZXJyaW5nX2RvbWFpbiI6IiRkaXJlY3QiLCJjdXJyZW50X3BhZ2VfdGl0bGUiOiJQcmljaW5nIiwiY3VycmVudF9kb21haW4iOiIxMjcuMC4wLjEiLCJjdXJyZW50X3VybF9wYXRoIjoiL3Nkay9taXhwYW5lbC5odG1sIiwiY3VycmVudF91cmxfcHJvdG9jb2wiOiJodHRwOiIsIiRtcF9hdXRvY2FwdHVyZSI6dHJ1ZSwidG9rZW4iOiIwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZiIsIm1wX3NlbnRfYnlfbGliX3ZlcnNpb24iOiIyLjgzLjAifX0seyJldmVudCI6IkNoZWNrb3V0IFN0YXJ0ZWQiLCJwcm9wZXJ0aWVzIjp7IiRvcyI6IkxpbnV4IiwiJGJyb3dzZXIiOiJDaHJvbWUiLCIkY3VycmVudF91cmwiOiJodHRwOi8vMTI3LjAuMC4xOjM3NTE3L3Nkay9taXhwYW5lbC5odG1sIiwiJGJyb3dzZXJfdmVyc2lvbiI6MTU2LCIkc2NyZWVuX2hlaWdodCI6NzIwLCIkc2NyZWVuX3dpZHRoIjoxMjgwLCJtcF9saWIiOiJ3ZWIiLCIkbGliX3ZlcnNpb24iOiIyLjgzLjAiLCIkaW5zZXJ0X2lkIjoiaDltZ25jd3ppMTJxdGZvayIsInRpbWUiOjE3OTYzNTczMjAuMjk4LCJkaXN0aW5jdF9pZCI6IiRkZXZpY2U6YTRjYmJlMGItNDhlZi00Y2Y5LTk0NjUtOGZmMDEyMzllOTcwIiwiJGRldmljZV9pZCI6ImE0Y2JiZTBiLTQ4ZWYtNGNmOS05NDY1LThmZjAxMjM5ZTk3MCIsIiRpbml0aWFsX3JlZmVycmVyIjoiJGRpcmVjdCIsIiRpbml0aWFsX3JlZmVycmluZ19kb21haW4iOiIkZGlyZWN0IiwibGluayI6Imh0dHBzOi8vc2hvcC5leGFtcGxlL3Jlc2V0P2VtYWlsPWphbmUuZG9lQGV4YW1wbGUuY29tJnRva2VuPTlmOGU3ZDZjNWI0YTM5MjgxNzI2MzU0NDUzNjI3MTgwIiwiZW1haWwiOiJqYW5lLmRvZUBleGFtcGxlLmNvbSIsInVzZXJJZCI6InVzZXItOGMxZjJlOWE3YiIsInVzZXJfaWQiOiJ1aWQtNGQzYzJiMWEwZiIsImN1c3RvbWVyX2lkIjoiY3VzLTc3ZjFlMmQzYzQiLCJwaG9uZSI6Iis0NCA3NzAwIDkwMDEyMyIsInBsYW4iOiJwcm8iLCJwcmljZSI6MTIuNSwiUGFnZSBMb2NhdGlvbiI6Ii9wcmljaW5nIiwidG9rZW4iOiIwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZiIsIm1wX3NlbnRfYnlfbGliX3ZlcnNpb24iOiIyLjgzLjAifX0seyJldmVudCI6IlBsYW4gVmlld2VkIiwicHJvcGVydGllcyI6eyIkb3MiOiJMaW51eCIsIiRicm93c2VyIjoiQ2hyb21lIiwiJGN1cnJlbnRfdXJsIjoiaHR0cDovLzEyNy4wLjAuMTozNzUxNy9zZGsvbWl4cGFuZWwuaHRtbCIsIiRicm93c2VyX3ZlcnNpb24iOjE1NiwiJHNjcmVlbl9oZWlnaHQiOjcyMCwiJHNjcmVlbl93aWR0aCI6MTI4MCwibXBfbGliIjoid2ViIiwiJGxpYl92ZXJzaW9uIjoiMi44My4wIiwiJGluc2VydF9pZCI6Ino1N2YzcWhuNHg1cnNkdHMiLCJ0aW1lIjoxNzk2MzU3MzIwLjMxNSwiZGlzdGluY3RfaWQiOiJ1c2VyLThjMWYyZTlhN2IiLCIkZGV2aWNlX2lkIjoiYTRjYmJlMGItNDhlZi00Y2Y5LTk0NjUtOGZmMDEyMzllOTcwIiwiJGluaXRpYWxfcmVmZXJyZXIiOiIkZGlyZWN0IiwiJGluaXRpYWxfcmVmZXJyaW5nX2RvbWFpbiI6IiRkaXJlY3QiLCIkdXNlcl9pZCI6InVzZXItOGMxZjJlOWE3YiIsInBsYW4iOiJwcm8iLCJwcmljZSI6MTIuNSwidG9rZW4iOiIwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZiIsIm1wX3NlbnRfYnlfbGliX3ZlcnNpb24iOiIyLjgzLjAifX0seyJldmVudCI6IiRpZGVudGlmeSIsInByb3BlcnRpZXMiOnsiJG9zIjoiTGludXgiLCIkYnJvd3NlciI6IkNocm9tZSIsIiRjdXJyZW50X3VybCI6Imh0dHA6Ly8xMjcuMC4wLjE6Mzc1MTcvc2RrL21peHBhbmVsLmh0bWwiLCIkYnJvd3Nlcl92ZXJzaW9uIjoxNTYsIiRzY3JlZW5faGVpZ2h0Ijo3MjAsIiRzY3JlZW5fd2lkdGgiOjEyODAsIm1wX2xpYiI6IndlYiIsIiRsaWJfdmVyc2lvbiI6IjIuODMuMCIsIiRpbnNlcnRfaWQiOiI2ZGF4d3U2cDg3eDliaXp4IiwidGltZSI6MTc5NjM1NzMyMC4zMDgsImRpc3RpbmN0X2lkIjoidXNlci04YzFmMmU5YTdiIiwiJGRldmljZV9pZCI6ImE0Y2JiZTBiLTQ4ZWYtNGNmOS05NDY1LThmZjAxMjM5ZTk3MCIsIiRpbml0aWFsX3JlZmVycmVyIjoiJGRpcmVjdCIsIiRpbml0aWFsX3JlZmVycmluZ19kb21haW4iOiIkZGlyZWN0IiwiJHVzZXJfaWQiOiJ1c2VyLThjMWYyZTlhN2IiLCIkYW5vbl9kaXN0aW5jdF9pZCI6IiRkZXZpY2U6YTRjYmJlMGItNDhlZi00Y2Y5LTk0NjUtOGZmMDEyMzllOTcwIiwidG9rZW4iOiIwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZiIsIm1wX3NlbnRfYnlfbGliX3ZlcnNpb24iOiIyLjgzLjAifX1d`},
	{"/engage/", "verbose=1&ip=1&_=1796357320522", "application/x-www-form-urlencoded", `data=W3siJHNldF9vbmNlIjp7IiRpbml0aWFsX3JlZmVycmVyIjoiJGRpcmVjdCIsIiRpbml0aWFsX3JlZmVycmluZ19kb21haW4iOiIkZGlyZWN0In0sIiR0b2tlbiI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIiwiJGRpc3RpbmN0X2lkIjoidXNlci04YzFmMmU5YTdiIiwiJGRldmljZV9pZCI6ImE0Y2JiZTBiLTQ4ZWYtNGNmOS05NDY1LThmZjAxMjM5ZTk3MCIsIiR1c2VyX2lkIjoidXNlci04YzFmMmU5YTdiIn0seyIkc2V0Ijp7IiRvcyI6IkxpbnV4IiwiJGJyb3dzZXIiOiJDaHJvbWUiLCIkYnJvd3Nlcl92ZXJzaW9uIjoxNTYsImVtYWlsIjoiamFuZS5kb2VAZXhhbXBsZS5jb20iLCJwaG9uZSI6Iis0NCA3NzAwIDkwMDEyMyIsIm5hbWUiOiJKYW5lIERvZSIsInBsYW4iOiJwcm8ifSwiJHRva2VuIjoiMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYiLCIkZGlzdGluY3RfaWQiOiJ1c2VyLThjMWYyZTlhN2IiLCIkZGV2aWNlX2lkIjoiYTRjYmJlMGItNDhlZi00Y2Y5LTk0NjUtOGZmMDEyMzllOTcwIiwiJHVzZXJfaWQiOiJ1c2VyLThjMWYyZTlhN2IifV0%3D`},
	{"/track/", "verbose=1&ip=1&_=1796357322376", "text/plain;charset=UTF-8", `data=W3siZXZlbnQiOiJQYWdlIENsb3NlZCIsInByb3BlcnRpZXMiOnsiJG9zIjoiTGludXgiLCIkYnJvd3NlciI6IkNocm9tZSIsIiRjdXJyZW50X3VybCI6Imh0dHA6Ly8xMjcuMC4wLjE6Mzc1MTcvc2RrL21peHBhbmVsLmh0bWwiLCIkYnJvd3Nlcl92ZXJzaW9uIjoxNTYsIiRzY3JlZW5faGVpZ2h0Ijo3MjAsIiRzY3JlZW5fd2lkdGgiOjEyODAsIm1wX2xpYiI6IndlYiIsIiRsaWJfdmVyc2lvbiI6IjIuODMuMCIsIiRpbnNlcnRfaWQiOiI4dGx3dGU5OG55cWx4b3AwIiwidGltZSI6MTc5NjM1NzMyMi4zNzQsImRpc3RpbmN0X2lkIjoidXNlci04YzFmMmU5YTdiIiwiJGRldmljZV9pZCI6ImE0Y2JiZTBiLTQ4ZWYtNGNmOS05NDY1LThmZjAxMjM5ZTk3MCIsIiRpbml0aWFsX3JlZmVycmVyIjoiJGRpcmVjdCIsIiRpbml0aWFsX3JlZmVycmluZ19kb21haW4iOiIkZGlyZWN0IiwiJHVzZXJfaWQiOiJ1c2VyLThjMWYyZTlhN2IiLCJwbGFuIjoicHJvIiwidG9rZW4iOiIwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZiIsIm1wX3NlbnRfYnlfbGliX3ZlcnNpb24iOiIyLjgzLjAifX1d`},
}

// mixpanelData returns the events of a sanitised /track request, from the
// body or the query, and whether they were base64.
func mixpanelData(t *testing.T, out *Output) ([]map[string]any, bool) {
	t.Helper()
	src := out.Body
	if len(src) == 0 {
		src = out.Query
	}
	data := params(t, src).Get("data")
	b64 := !strings.HasPrefix(data, "[")
	doc := []byte(data)
	if b64 {
		var err error
		if doc, err = base64.StdEncoding.DecodeString(data); err != nil {
			t.Fatalf("data %q: %v", data, err)
		}
	}
	var evs []map[string]any
	if err := json.Unmarshal(doc, &evs); err != nil {
		t.Fatalf("data %s: %v", doc, err)
	}
	return evs, b64
}

// rawMixpanelInsertIDs are the $insert_ids of the captured batches.
func rawMixpanelInsertIDs(t *testing.T) []string {
	var ids []string
	for _, c := range mixpanelCaptures {
		if c.path != "/track/" {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(c.body, "data="))
		if err != nil {
			t.Fatal(err)
		}
		var evs []struct{ Properties map[string]any }
		if err := json.Unmarshal(b, &evs); err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			ids = append(ids, e.Properties["$insert_id"].(string))
		}
	}
	return ids
}

func TestMixpanelCaptures(t *testing.T) {
	s, r := newTestSanitizer(t, Config{Vendor: "mixpanel"})
	standIn := gbStandIn(t, r)
	var all strings.Builder
	names := map[string]bool{}
	distinct := map[any]bool{}
	var checkout map[string]any
	for _, c := range mixpanelCaptures {
		in := &Input{Method: "POST", Path: c.path, Query: []byte(c.query), ContentType: c.contentType, Body: []byte(c.body), Consent: analyticsOnly, StandIn: standIn}
		out, err := sanitize(t, s, in)
		if c.path == "/engage/" {
			// People profiles are answered locally, never forwarded.
			if ReasonOf(err) != Local || len(out.Body) != 0 {
				t.Fatalf("/engage/: %v %q", err, out.Body)
			}
			if a := s.Answer(in, Local); a.Status != 200 || string(a.Body) != `{"status":1,"error":null}` {
				t.Errorf("/engage/ answer %d %s", a.Status, a.Body)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		q := params(t, out.Query)
		if q.Get("verbose") != "1" || q.Get("ip") != "1" || q.Get("_") == "" || q.Has("data") {
			t.Errorf("query %q", out.Query)
		}
		if want := contentTypeOut(strings.Split(c.contentType, ";")[0]); out.ContentType != want {
			t.Errorf("Content-Type %q, want %q", out.ContentType, want)
		}
		evs, b64 := mixpanelData(t, out)
		if !b64 {
			t.Error("base64 data forwarded as JSON")
		}
		js, _ := json.Marshal(evs)
		all.Write(js)
		all.Write(out.Body)
		if out.Events != len(evs) {
			t.Errorf("Events = %d, want %d", out.Events, len(evs))
		}
		for _, e := range evs {
			name := e["event"].(string)
			names[name] = true
			p := e["properties"].(map[string]any)
			dev, _ := p["$device_id"].(string)
			if dev == "" || dev == mixDevice || p["distinct_id"] != "$device:"+dev {
				t.Errorf("%s: distinct_id %v, $device_id %v: want $device:<pseudonym of the device id>", name, p["distinct_id"], p["$device_id"])
			}
			distinct[p["distinct_id"]] = true
			if id, _ := p["$insert_id"].(string); !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
				t.Errorf("$insert_id = %q, want 16 hex digits", id)
			}
			for k, v := range map[string]any{"token": "0123456789abcdef0123456789abcdef", "ip": standIn.String(), "mp_lib": "web", "$browser": "Chrome", "$os": "Linux", "$initial_referrer": "$direct"} {
				if p[k] != v {
					t.Errorf("%s: %s = %#v, want %#v", name, k, p[k], v)
				}
			}
			if _, ok := p["time"].(float64); !ok {
				t.Errorf("%s: time %v", name, p["time"])
			}
			if u, _ := p["$current_url"].(string); !strings.HasSuffix(u, "/sdk/mixpanel.html") {
				t.Errorf("$current_url = %q", u)
			}
			for _, k := range []string{"$user_id", "$anon_distinct_id", "email", "phone", "userId", "user_id", "customer_id"} {
				if _, ok := p[k]; ok {
					t.Errorf("%s: %s forwarded", name, k)
				}
			}
			if name == "Checkout Started" {
				checkout = p
			}
		}
	}
	for _, want := range []string{"$mp_web_page_view", "Checkout Started", "Plan Viewed", "Page Closed"} {
		if !names[want] {
			t.Errorf("event %q not forwarded", want)
		}
	}
	if names["$identify"] {
		t.Error("$identify forwarded")
	}
	// Before and after identify(), one device, one distinct id.
	if len(distinct) != 1 {
		t.Errorf("distinct ids %v, want one", distinct)
	}
	for k, v := range map[string]any{"plan": "pro", "price": 12.5, "Page Location": "/pricing", "link": "https://shop.example/reset"} {
		if checkout[k] != v {
			t.Errorf("properties.%s = %#v, want %#v", k, checkout[k], v)
		}
	}
	body := all.String()
	mustNotContain(t, body, sdkUserID, sdkUserID2, sdkCustomerID, sdkEmail, sdkPhone, sdkToken, "Jane Doe")
	mustNotContain(t, body, windows(mixDevice, 8)...)
	for _, id := range rawMixpanelInsertIDs(t) {
		mustNotContain(t, body, windows(id, 8)...)
	}
}

// mixpanelEvents builds a data array from events given as JSON.
func mixpanelEvents(evs ...string) string { return "[" + strings.Join(evs, ",") + "]" }

func TestMixpanelEncodings(t *testing.T) {
	s, r := newTestSanitizer(t, Config{Vendor: "mixpanel"})
	standIn := gbStandIn(t, r)
	ev := `{"event":"Signed Up","properties":{"token":"tok123","distinct_id":"$device:dev-0123456789","$device_id":"dev-0123456789","plan":"pro","$user_id":"u-987654321","note":">?>?>?"}}`
	data := mixpanelEvents(ev)
	std := base64.StdEncoding.EncodeToString([]byte(data))
	urlRaw := base64.RawURLEncoding.EncodeToString([]byte(data))
	if !strings.Contains(std, "+") || !strings.Contains(std, "/") || !strings.HasSuffix(std, "=") || !strings.ContainsAny(urlRaw, "-_") {
		t.Fatal("the test data must give base64 with + and / and padding, and URL-alphabet characters")
	}
	post := func(path, query, ct, body string) (*Output, error) {
		return sanitize(t, s, &Input{Method: "POST", Path: path, Query: []byte(query), ContentType: ct, Body: []byte(body), Consent: analyticsOnly, StandIn: standIn})
	}
	form := "application/x-www-form-urlencoded"
	for name, tt := range map[string]struct {
		out  func() (*Output, error)
		json bool
	}{
		"JSON payload":          {func() (*Output, error) { return post("/track/", "ip=1", form, "data="+url.QueryEscape(data)) }, true},
		"base64, escaped":       {func() (*Output, error) { return post("/track", "", form, "data="+url.QueryEscape(std)) }, false},
		"base64, + left raw":    {func() (*Output, error) { return post("/track", "", form, "data="+std) }, false},
		"base64, URL, unpadded": {func() (*Output, error) { return post("/track", "", "", "data="+urlRaw) }, false},
		"sendBeacon text/plain": {func() (*Output, error) {
			return post("/track/", "", "text/plain;charset=UTF-8", "data="+url.QueryEscape(std))
		}, false},
		"single event, no array":  {func() (*Output, error) { return post("/track/", "", form, "data="+url.QueryEscape(ev)) }, true},
		"other form fields first": {func() (*Output, error) { return post("/track/", "", form, "x=1&data="+url.QueryEscape(std)) }, false},
		"GET": {func() (*Output, error) {
			return sanitize(t, s, &Input{Method: "GET", Path: "/track/", Query: []byte("data=" + url.QueryEscape(std) + "&ip=1&_=1700000000000&img=1&callback=cb"), Consent: analyticsOnly, StandIn: standIn})
		}, false},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := tt.out()
			if err != nil {
				t.Fatal(err)
			}
			evs, b64 := mixpanelData(t, out)
			if b64 == tt.json {
				t.Errorf("base64 = %v, want %v", b64, !tt.json)
			}
			if len(evs) != 1 || at(evs[0], "event") != "Signed Up" || at(evs[0], "properties.plan") != "pro" ||
				at(evs[0], "properties.token") != "tok123" || at(evs[0], "properties.$user_id") != nil {
				t.Errorf("events %v", evs)
			}
			mustNotContain(t, string(out.Query)+string(out.Body), "dev-0123456789", "u-987654321")
			q := params(t, out.Query)
			if name == "GET" {
				if len(out.Body) != 0 || !q.Has("data") || q.Get("img") != "1" || q.Has("callback") || q.Get("_") != "1700000000000" {
					t.Errorf("GET: query %q body %q", out.Query, out.Body)
				}
			} else if q.Has("data") || len(out.Body) == 0 {
				t.Errorf("POST: query %q body %q", out.Query, out.Body)
			}
		})
	}
}

// TestMixpanelIdentity: distinct_id follows the device, or is dropped
// when it may be the user id; geolocation follows the stand-in and the
// site's ip=0.
func TestMixpanelIdentity(t *testing.T) {
	s, r := newTestSanitizer(t, Config{Vendor: "mixpanel"})
	standIn := gbStandIn(t, r)
	run := func(query string, standIn bool, props string) (url.Values, map[string]any) {
		t.Helper()
		in := &Input{Method: "POST", Path: "/track", Query: []byte(query), ContentType: "application/x-www-form-urlencoded",
			Body: []byte("data=" + url.QueryEscape(`[{"event":"e","properties":{`+props+`}}]`)), Consent: analyticsOnly}
		if standIn {
			in.StandIn = gbStandIn(t, r)
		}
		out, err := sanitize(t, s, in)
		if err != nil {
			t.Fatal(err)
		}
		evs, _ := mixpanelData(t, out)
		return params(t, out.Query), evs[0]["properties"].(map[string]any)
	}
	_, withDev := run("ip=1", true, `"distinct_id":"user-1234567","$device_id":"d-1234567","$user_id":"user-1234567","comment":"by user-1234567 on d-1234567"`)
	if c, _ := withDev["comment"].(string); strings.Contains(c, "1234567") {
		t.Errorf("comment = %q: the event's ids must be redacted in free text", c)
	}
	_, prefixed := run("ip=1", true, `"distinct_id":"$device:d-1234567"`)
	if withDev["distinct_id"] != prefixed["distinct_id"] || !strings.HasPrefix(withDev["distinct_id"].(string), "$device:") {
		t.Errorf("distinct ids %v and %v, want the same $device: pseudonym", withDev["distinct_id"], prefixed["distinct_id"])
	}
	if _, p := run("ip=1", true, `"distinct_id":"user-1234567"`); p["distinct_id"] != nil {
		t.Errorf("a user's distinct_id without a device id forwarded: %v", p["distinct_id"])
	}
	if q, p := run("ip=1", true, `"ip":"81.2.69.160"`); q.Get("ip") != "1" || p["ip"] != standIn.String() {
		t.Errorf("stand-in: ip=%s, property %v", q.Get("ip"), p["ip"])
	}
	if q, p := run("ip=0", true, `"ip":"81.2.69.160"`); q.Get("ip") != "0" || p["ip"] != nil {
		t.Errorf("site's ip=0: ip=%s, property %v", q.Get("ip"), p["ip"])
	}
	if q, p := run("ip=1", false, `"a":1`); q.Get("ip") != "0" || p["ip"] != nil {
		t.Errorf("no stand-in: ip=%s, property %v", q.Get("ip"), p["ip"])
	}
	if _, p := run("", true, `"$referrer":"https://search.example/?q=jane","$initial_referrer":"$direct","$initial_referring_domain":"$direct"`); p["$referrer"] != "https://search.example/" || p["$initial_referrer"] != "$direct" || p["$initial_referring_domain"] != "$direct" {
		t.Errorf("referrers %v", p)
	}
}

func TestMixpanelAnswers(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "mixpanel"})
	for name, tt := range map[string]struct {
		path, query string
		reason      Reason
		status      int
		ct, body    string
	}{
		"verbose":           {"/track/", "verbose=1&ip=1", NoConsent, 200, "application/json", `{"status":1,"error":null}`},
		"plain":             {"/track", "ip=1", NoConsent, 200, "text/plain; charset=utf-8", "1"},
		"img":               {"/track", "img=1", NoConsent, 200, "image/gif", string(transparentGIF)},
		"malformed verbose": {"/track/", "verbose=1", Malformed, 400, "application/json", `{"status":0,"error":"data, missing or empty"}`},
		"malformed plain":   {"/track/", "", Malformed, 400, "text/plain; charset=utf-8", "0"},
		"engage":            {"/engage", "", Local, 200, "text/plain; charset=utf-8", "1"},
		"groups verbose":    {"/groups/", "verbose=1", Local, 200, "application/json", `{"status":1,"error":null}`},
		"record":            {"/record/", "format=gzip", Local, 200, "application/json", `{"status":1,"error":null}`},
		"decide":            {"/decide", "", PathRefused, 404, "text/plain; charset=utf-8", "not found\n"},
	} {
		t.Run(name, func(t *testing.T) {
			a := s.Answer(&Input{Method: "POST", Path: tt.path, Query: []byte(tt.query)}, tt.reason)
			if a.Status != tt.status || a.ContentType != tt.ct || string(a.Body) != tt.body {
				t.Errorf("got %d %q %q", a.Status, a.ContentType, a.Body)
			}
		})
	}
}

func TestMixpanelBad(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "mixpanel", MaxEvents: 2})
	ev := `{"event":"e","properties":{"token":"t"}}`
	data := func(d string) []byte { return []byte("data=" + url.QueryEscape(d)) }
	for name, tt := range map[string]struct {
		in  *Input
		err Reason
	}{
		"no data":         {&Input{Method: "POST", Path: "/track/", Body: []byte("x=1")}, Malformed},
		"empty data":      {&Input{Method: "POST", Path: "/track/", Body: []byte("data=")}, Malformed},
		"not base64":      {&Input{Method: "POST", Path: "/track/", Body: []byte("data=%25%25%25")}, Malformed},
		"base64 of junk":  {&Input{Method: "POST", Path: "/track/", Body: data(base64.StdEncoding.EncodeToString([]byte("[{")))}, Malformed},
		"string":          {&Input{Method: "POST", Path: "/track/", Body: data(`"e"`)}, Malformed},
		"item not object": {&Input{Method: "POST", Path: "/track/", Body: data(`[` + ev + `,1]`)}, Malformed},
		"bad escape":      {&Input{Method: "POST", Path: "/track/", Body: []byte("data=%zz")}, Malformed},
		"multipart":       {&Input{Method: "POST", Path: "/track/", ContentType: "multipart/form-data; boundary=x", Body: data(`[` + ev + `]`)}, Malformed},
		"JSON body":       {&Input{Method: "POST", Path: "/track/", ContentType: "application/json", Body: []byte(`[` + ev + `]`)}, Malformed},
		"GET with body":   {&Input{Method: "GET", Path: "/track/", Body: data(`[` + ev + `]`)}, Malformed},
		"too many":        {&Input{Method: "POST", Path: "/track/", Body: data(`[` + ev + `,` + ev + `,` + ev + `]`)}, Oversized},
		"only identify":   {&Input{Method: "POST", Path: "/track/", Body: data(`[{"event":"$identify","properties":{"distinct_id":"u-1","$anon_distinct_id":"$device:d"}}]`)}, Local},
		"no consent":      {&Input{Method: "POST", Path: "/track/", Body: []byte(mixpanelCaptures[0].body), Consent: necessaryOnly}, NoConsent},
		"engage":          {&Input{Method: "POST", Path: "/engage/", Body: []byte(mixpanelCaptures[1].body)}, Local},
		"record":          {&Input{Method: "POST", Path: "/record", Body: []byte("\x1f\x8b")}, Local},
		"decide":          {&Input{Method: "GET", Path: "/decide/"}, PathRefused},
		"import":          {&Input{Method: "POST", Path: "/import"}, PathRefused},
		"double slash":    {&Input{Method: "POST", Path: "/track//", Body: data(`[` + ev + `]`)}, PathRefused},
		"PUT":             {&Input{Method: "PUT", Path: "/track/"}, PathRefused},
	} {
		t.Run(name, func(t *testing.T) {
			if tt.in.Consent == 0 && tt.err != NoConsent {
				tt.in.Consent = analyticsOnly
			}
			out, err := sanitize(t, s, tt.in)
			if ReasonOf(err) != tt.err || len(out.Body) != 0 || len(out.Query) != 0 {
				t.Errorf("got %v, %q %q; want %v", err, out.Query, out.Body, tt.err)
			}
		})
	}
	if _, err := sanitize(t, s, &Input{Method: "POST", Path: "/track", Body: data(`[` + ev + `,` + ev + `]`), Consent: analyticsOnly}); err != nil {
		t.Errorf("2 events: %v", err)
	}
	if _, err := New(Config{Vendor: "mixpanel", Allow: []string{"properties.$user_id"}}, engineOf(testRedactor(t))); err == nil {
		t.Error("allow properties.$user_id accepted")
	}
}
