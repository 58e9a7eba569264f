package beacon

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// The fuzz targets feed every vendor's parsers arbitrary beacons and check
// what must hold whatever the input: no panic; a refusal leaves nothing;
// what is forwarded is well formed (a strict query string, one per line,
// or valid JSON), is the same on a second run, and never holds a user id
// planted in the input.

const planted = "PLANTEDUSER4242"

var (
	fuzzOnce sync.Once
	fuzzEng  Engine
)

func fuzzEngine(t testing.TB) Engine {
	fuzzOnce.Do(func() { fuzzEng = engineOf(testRedactor(t)) })
	return fuzzEng
}

func fuzzSanitizer(t *testing.T, c Config) *Sanitizer {
	s, err := New(c, fuzzEngine(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkFuzz runs in through s twice and checks the invariants.
func checkFuzz(t *testing.T, s *Sanitizer, in *Input, jsonBody bool) {
	var out Output
	err := s.Sanitize(&out, in)
	if err != nil {
		if len(out.Query) != 0 || len(out.Body) != 0 {
			t.Fatalf("refused (%v) but output left: %q %q", err, out.Query, out.Body)
		}
		if ReasonOf(err) == 0 || strings.Contains(err.Error(), planted) {
			t.Fatalf("bad error %q", err)
		}
		return
	}
	if !in.Consent.Has(consent.Analytics) && !out.Cookieless {
		t.Fatal("forwarded without consent")
	}
	if _, err := url.ParseQuery(string(out.Query)); err != nil {
		t.Fatalf("query %q: %v", out.Query, err)
	}
	if jsonBody && len(out.Body) > 0 {
		if !json.Valid(out.Body) {
			t.Fatalf("body is not JSON: %q", out.Body)
		}
	} else {
		for _, l := range bytes.Split(out.Body, []byte("\r\n")) {
			if _, err := url.ParseQuery(string(l)); err != nil {
				t.Fatalf("body line %q: %v", l, err)
			}
		}
	}
	// The harness plants the id as a user id in query formats; in JSON it
	// counts only where the fuzzer left it as one.
	all := string(in.Query) + string(in.Body)
	if jsonBody && strings.Count(all, planted) != strings.Count(all, `"userId":"`+planted+`"`) {
		return
	}
	for _, b := range [][]byte{out.Query, out.Body} {
		if bytes.Contains(b, []byte(planted)) {
			t.Fatalf("planted id forwarded: %q", b)
		}
	}
	var again Output
	if err := s.Sanitize(&again, in); err != nil || !bytes.Equal(again.Query, out.Query) || !bytes.Equal(again.Body, out.Body) {
		t.Fatalf("second run differs: %v\n%q\n%q", err, again.Query, out.Query)
	}
}

func consentOf(b uint8) consent.Set { return consent.Set(b) & consent.All }

func FuzzGA4(f *testing.F) {
	f.Add(ga4Query, "en=scroll&epn.percent_scrolled=90\r\nen=click&ep.link=x", uint8(consent.All), false)
	f.Add("tid=G-1&gcs=G1-1&gcd=13l3l3l3l1&uafvl=a%3B1%7Cb%3B2.3", "", uint8(5), true)
	f.Add("tid=G-1&dt=%4&%zz=1&dl=https%3A%2F%2Fa%2F%3Fx%3D%25", "\n\n\r\n", uint8(0), true)
	f.Add("tid=G-1&dr=https%3A%2F%2F%5B%3A%3A1%5D%3A80%2F", "en=x&_uip=1.2.3.4", uint8(5), false)
	f.Fuzz(func(t *testing.T, q, body string, c uint8, cookieless bool) {
		s := fuzzSanitizer(t, Config{Vendor: "ga4", Cookieless: cookieless})
		in := &Input{Method: "POST", Path: "/g/collect", Query: []byte(q + "&uid=" + planted), Body: []byte(body),
			ContentType: "text/plain", Consent: consentOf(c)}
		checkFuzz(t, s, in, false)
		if out := new(Output); s.Sanitize(out, in) == nil {
			if p, _ := url.ParseQuery(string(out.Query)); p.Has("uid") || p.Has("_fplc") {
				t.Fatalf("user id forwarded: %q", out.Query)
			}
		}
	})
}

func FuzzUA(f *testing.F) {
	f.Add("/collect", "v=1&tid=UA-1-1&cid=1.2&t=pageview&cd1=x&ua=Mozilla%2F5.0", "")
	f.Add("/batch", "", "v=1&tid=UA-1-1&t=event\nv=1&tid=UA-1-1&t=event&pr1nm=a\n")
	f.Add("/j/collect", "t=x", "v=1&tid=UA-1-1&uip=1.2.3.4&aip=0")
	f.Fuzz(func(t *testing.T, path, q, body string) {
		s := fuzzSanitizer(t, Config{Vendor: "ua"})
		in := &Input{Method: "POST", Path: path, Query: []byte(q), Body: []byte(body + "&uid=" + planted), Consent: consent.All}
		checkFuzz(t, s, in, false)
	})
}

func FuzzMatomo(f *testing.F) {
	f.Add("idsite=1&rec=1&_id=0123456789abcdef&url=https%3A%2F%2Fa%2F", "")
	f.Add("", `{"requests":["?idsite=1&uid=x",{"idsite":2,"e_c":"a"}],"send_image":0}`)
	f.Add("", "idsite=1&uadata=%7B%22brands%22%3A%5B%7B%22brand%22%3A%22x%22%2C%22version%22%3A%221.2%22%7D%5D%7D")
	f.Add("", `{"requests":[{"idsite":{"a":1}}]}`)
	f.Fuzz(func(t *testing.T, q, body string) {
		s := fuzzSanitizer(t, Config{Vendor: "matomo"})
		in := &Input{Method: "POST", Path: "/matomo.php", Query: []byte(q + "&uid=" + planted), Body: []byte(body), Consent: consent.All}
		jsonBody := len(bytes.TrimSpace(in.Body)) > 0 && bytes.TrimSpace(in.Body)[0] == '{'
		checkFuzz(t, s, in, jsonBody)
	})
}

func fuzzJSONVendor(f *testing.F, vendor, path string, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		s := fuzzSanitizer(t, Config{Vendor: vendor})
		checkFuzz(t, s, &Input{Method: "POST", Path: path, Body: []byte(body), Consent: consent.All}, true)
	})
}

func FuzzPlausible(f *testing.F) {
	fuzzJSONVendor(f, "plausible", "/api/event",
		`{"n":"pageview","u":"https://a.example/p?x=1","d":"a.example","r":null,"w":1280,"p":{"a":"b"}}`,
		`{"n":"x","p":"{\"email\":\"a@b.example\"}","$":{"currency":"EUR","amount":1}}`,
		`{"n":"\ud83d\ude00","props":[1,{"a":[]}]}`)
}

func FuzzUmami(f *testing.F) {
	fuzzJSONVendor(f, "umami", "/api/send",
		`{"type":"event","payload":{"website":"w","url":"/a","referrer":"https://r/","data":{"a":[1,"b"]},"id":"`+planted+`"}}`,
		`{"type":"identify","payload":{"website":"w","data":{"x":1}}}`)
}

func FuzzSegment(f *testing.F) {
	fuzzJSONVendor(f, "segment", "/v1/batch",
		`{"batch":[{"type":"track","event":"e","userId":"`+planted+`","anonymousId":"a","properties":{"k":"v"},"context":{"ip":"1.2.3.4","page":{"url":"/x"}}}],"writeKey":"k"}`,
		`{"batch":[{"type":"alias"},{"type":"page","context":{"consent":{"categoryPreferences":{"Ads":true}}}}]}`)
}

func FuzzGeneric(f *testing.F) {
	f.Add("a=1&v=x&u=%2Fp", `{"a":1,"o":{"t":"x","u":"/p","v":"id"},"l":[{"t":"y"}]}`, "application/json")
	f.Add("", "a=1&t=x", "application/x-www-form-urlencoded")
	f.Fuzz(func(t *testing.T, q, body, ct string) {
		s := fuzzSanitizer(t, Config{Vendor: "generic", Paths: []string{"/e"}, Fields: &Fields{
			Keep: []string{"a"}, Text: []string{"t", "o.t", "l.t", "f*"}, URL: []string{"u", "o.u"},
			Pseudonym: []string{"v", "o.v"}, IP: []string{"ip"}, Referrer: []string{"r"}, UserAgent: []string{"ua"},
		}})
		in := &Input{Method: "POST", Path: "/e", Query: []byte(q), Body: []byte(body), ContentType: ct, Consent: consent.All}
		b := bytes.TrimSpace(in.Body)
		mt, _ := mediaType(ct, "application/json")
		checkFuzz(t, s, in, mt == "application/json" || len(b) > 0 && (b[0] == '{' || b[0] == '['))
	})
}

// FuzzJSON checks the parser against encoding/json: it accepts no
// document encoding/json rejects, and what it writes back decodes to the
// same value.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,true,null,"x\u00e9"]}`, `"\ud83d\ude00"`, `[[[]]]`, `-1.5e-3`, `{"a":1,"a":2}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var p jsonState
		v, err := p.parse([]byte(s))
		if err != nil {
			return
		}
		if !json.Valid([]byte(s)) {
			t.Fatalf("accepted invalid JSON %q", s)
		}
		w := &jsonWriter{}
		writeValue(w, v)
		a, errA := decodeNumbers([]byte(s))
		b, errB := decodeNumbers(w.buf)
		if errA != nil || errB != nil || !jsonEqual(a, b) {
			t.Fatalf("%q written as %q", s, w.buf)
		}
	})
}

func FuzzAppendReducedUserAgent(f *testing.F) {
	f.Add("Chrome/120 (Windows)")
	f.Add("Safari/1 (iOS)")
	f.Fuzz(func(t *testing.T, s string) {
		out := AppendReducedUserAgent(nil, []byte(s))
		if string(out) != s && !strings.HasPrefix(string(out), "Mozilla/5.0 (") {
			t.Fatalf("%q → %q", s, out)
		}
	})
}
