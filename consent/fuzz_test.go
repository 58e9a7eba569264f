package consent

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
)

// checkCookie holds for every reader: no panic, Necessary always granted,
// nothing outside the four categories, and an unreadable value grants
// only Necessary.
func checkCookie(t *testing.T, d *Decider, value string) (Set, bool) {
	t.Helper()
	s, ok := d.DecideCookie(value)
	if s&Only == 0 {
		t.Fatalf("DecideCookie(%q) = %v: Necessary missing", value, s)
	}
	if s&^All != 0 {
		t.Fatalf("DecideCookie(%q) = %#x: unknown categories", value, uint8(s))
	}
	if !ok && s != Only {
		t.Fatalf("DecideCookie(%q) = %v, false: an unreadable value must grant only Necessary", value, s)
	}
	return s, ok
}

func FuzzCookieYes(f *testing.F) {
	for _, v := range []string{cookieYesAll, cookieYesSome, cookieYesReject, cookieYesDefaults,
		"consent:yes,action:yes,analytics:yes,performance:no", "consentid%3Aabc%2Cconsent%3Ayes", "consent:yes%2", ""} {
		f.Add(v)
	}
	d := mustDecider(f, config.ConsentPolicy{Format: config.ConsentCookieYes})
	f.Fuzz(func(t *testing.T, v string) {
		s, ok := checkCookie(t, d, v)
		// Nothing without the visitor's answer.
		if ok && s != Only && (!strings.Contains(v, "action") || !strings.Contains(v, "consent")) && !strings.Contains(v, "%") {
			t.Fatalf("%q grants %v without consent and action", v, s)
		}
	})
}

func FuzzCookiebot(f *testing.F) {
	for _, v := range []string{cookiebotSome, cookiebotAll, "0", "-1", "-2", "{}",
		`{stamp:'a\'b',statistics:true,method:'explicit'}`, "{statistics:true,gacm:{a:1}}", "%7B"} {
		f.Add(v)
	}
	d := mustDecider(f, config.ConsentPolicy{Format: config.ConsentCookiebot})
	f.Fuzz(func(t *testing.T, v string) {
		s, ok := checkCookie(t, d, v)
		if ok && s != Only && !strings.Contains(v, "explicit") && !strings.Contains(v, "%") {
			t.Fatalf("%q grants %v without method 'explicit'", v, s)
		}
	})
}

func FuzzOneTrust(f *testing.F) {
	for _, v := range []string{oneTrustSome, oneTrustAll, "interactionCount=0&groups=C0002%3A1",
		"groups=C0001:1,C0002:1", "groups=C0002%3A1&groups=C0002%3A0", "groups=%", "landingPath=%26groups%3DC0004%253A1", "groups"} {
		f.Add(v)
	}
	d := mustDecider(f, config.ConsentPolicy{Format: config.ConsentOneTrust})
	f.Fuzz(func(t *testing.T, v string) {
		s, ok := checkCookie(t, d, v)
		if ok && !strings.Contains(v, "groups=") {
			t.Fatalf("%q read without a groups parameter: %v", v, s)
		}
	})
}

func FuzzTCF(f *testing.F) {
	for _, r := range realTCStrings {
		f.Add(r.tc)
	}
	f.Add(tcBuilder{purposes: allPurposes(), ranges: [][2]int{{1, 4}, {700, 755}}, restriction: true}.core())
	f.Add("CProok0Prook0AcABBENDpCgAP_AAH_AACiQFhxV4A")
	f.Add("BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA")
	d := mustDecider(f, config.ConsentPolicy{Format: config.ConsentTCF})
	f.Fuzz(func(t *testing.T, v string) {
		s, ok := checkCookie(t, d, v)
		if !ok {
			return
		}
		// Whatever is readable is base64url that encoding/base64 decodes
		// too, and the purposes agree with a plain decode of the bytes.
		segs := strings.Split(v, ".")
		var core []byte
		for i, seg := range segs {
			b, err := base64.RawURLEncoding.DecodeString(seg)
			if err != nil {
				t.Fatalf("%q is readable but segment %d is not base64url: %v", v, i, err)
			}
			if i == 0 {
				core = b
			}
		}
		if len(core) < 26 {
			t.Fatalf("%q is readable with a %d-byte core", v, len(core))
		}
		bit := func(i int) bool { return core[i/8]>>(7-i%8)&1 == 1 }
		if core[0]>>2 != 2 {
			t.Fatalf("%q is readable with version %d", v, core[0]>>2)
		}
		want := Only
		if !bit(200) { // PurposeOneTreatment
			var ids []int
			for id := 1; id <= 24; id++ {
				if bit(152 + id - 1) {
					ids = append(ids, id)
				}
			}
			want = tcfWant(ids)
		}
		if s != want {
			t.Fatalf("%q = %v, want %v", v, s, want)
		}
	})
}

func FuzzJSON(f *testing.F) {
	for _, v := range []string{`{"analytics":true,"marketing":false}`, `%7B%22analytics%22%3Atrue%7D`,
		`{"a":[1,{"b":null}],"functional":"granted","analytics":1,"marketing":"no"}`, `{"analytic\u0073":true}`,
		`{"analytics":true,"analytics":false}`, `{"x":"\ud83d\ude00"}`, `[`, `{"a":01}`} {
		f.Add(v)
	}
	d := mustDecider(f, config.ConsentPolicy{Format: config.ConsentJSON})
	f.Fuzz(func(t *testing.T, v string) {
		s, ok := checkCookie(t, d, v)
		if !ok {
			return
		}
		b, _ := appendUnescape(nil, v)
		if !json.Valid(b) {
			t.Fatalf("%q is readable but not valid JSON", b)
		}
		// encoding/json keeps the last of repeated keys; a category we
		// grant must be granted by that reading too.
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%q is readable but not a JSON object: %v", b, err)
		}
		for _, c := range []Category{Functional, Analytics, Marketing} {
			if !s.Has(c) {
				continue
			}
			switch x := m[c.String()].(type) {
			case bool:
				if !x {
					t.Fatalf("%q grants %v, encoding/json reads false", b, c)
				}
			case float64:
				if x != 1 {
					t.Fatalf("%q grants %v, encoding/json reads %v", b, c, x)
				}
			case string:
				if g, ok := parseChoice([]byte(x)); !g || !ok {
					t.Fatalf("%q grants %v, encoding/json reads %q", b, c, x)
				}
			default:
				t.Fatalf("%q grants %v, encoding/json reads %T", b, c, x)
			}
		}
	})
}

func FuzzKV(f *testing.F) {
	for _, v := range []string{"analytics=1&marketing=0", "analytics:yes,marketing:no", "functional=true|analytics=false",
		"analytics%3D1%26marketing%3D1", "analytics=1&analytics=0", "a=%", "=1"} {
		f.Add(v)
	}
	d := mustDecider(f, config.ConsentPolicy{Format: config.ConsentKV})
	f.Fuzz(func(t *testing.T, v string) {
		s, ok := checkCookie(t, d, v)
		if !ok {
			return
		}
		b, _ := appendUnescape(nil, v)
		for _, c := range []Category{Functional, Analytics, Marketing} {
			if s.Has(c) && !strings.Contains(string(b), c.String()) {
				t.Fatalf("%q grants %v without naming it", v, c)
			}
		}
	})
}

// FuzzDecide checks the properties every decision has, whatever the
// headers: Necessary is granted, GPC and DNT deny what the policy says
// even when a cookie grants it, and no readable cookie means strict.
func FuzzDecide(f *testing.F) {
	f.Add(typicalCookies, "", "", uint8(0))
	f.Add("cookieyes-consent="+cookieYesAll, "1", "", uint8(0))
	f.Add("CookieConsent="+cookiebotAll, " 1 ", "1", uint8(1))
	f.Add("OptanonConsent="+oneTrustAll+"; OptanonConsent="+oneTrustSome, "0", "1", uint8(2))
	f.Add("euconsent-v2="+realTCStrings[6].tc, "true", "0", uint8(3))
	f.Add(`consent={"functional":true,"analytics":true,"marketing":true}`, "11", "1xyz", uint8(4))
	f.Add("consent=functional=1&analytics=1&marketing=1; consent=%", "", "", uint8(5))
	f.Add("consent=functional=1", "1", "1", uint8(6))
	deciders := []*Decider{
		mustDecider(f, config.ConsentPolicy{Format: config.ConsentCookieYes}),
		mustDecider(f, config.ConsentPolicy{Format: config.ConsentCookiebot}),
		mustDecider(f, config.ConsentPolicy{Format: config.ConsentOneTrust}),
		mustDecider(f, config.ConsentPolicy{Format: config.ConsentTCF}),
		mustDecider(f, config.ConsentPolicy{Format: config.ConsentJSON}),
		mustDecider(f, config.ConsentPolicy{Format: config.ConsentKV, DNT: []string{"none"}}),
		mustDecider(f, config.ConsentPolicy{Format: config.ConsentNone, GPC: []string{"functional"}, DNT: []string{"functional"}}),
	}
	f.Fuzz(func(t *testing.T, cookie, gpc, dnt string, which uint8) {
		d := deciders[int(which)%len(deciders)]
		h := http.Header{}
		for _, line := range strings.Split(cookie, "\n") {
			h.Add("Cookie", line)
		}
		h.Add("Sec-GPC", gpc)
		h.Add("DNT", dnt)
		dec := d.Decide(h)
		if dec.Granted&Only == 0 || dec.Granted&^All != 0 {
			t.Fatalf("Granted = %#x", uint8(dec.Granted))
		}
		if dec.GPC != (strings.Trim(gpc, " \t") == "1") {
			t.Fatalf("GPC = %v for Sec-GPC %q", dec.GPC, gpc)
		}
		if dec.GPC && dec.Granted&^(d.gpcKeep|Only) != 0 {
			t.Fatalf("Sec-GPC: 1 yet %v granted", dec.Granted)
		}
		if dec.GPC && dec.Granted.Has(Marketing) {
			t.Fatal("Sec-GPC: 1 yet marketing granted")
		}
		if dec.DNT && dec.Granted&^(d.dntKeep|Only) != 0 {
			t.Fatalf("DNT: 1 yet %v granted", dec.Granted)
		}
		if dec.Cookie != SourceCookie && dec.Granted != Only {
			t.Fatalf("cookie %v yet %v granted", dec.Cookie, dec.Granted)
		}
		if d.Format() == config.ConsentNone && dec.Cookie != SourceNone {
			t.Fatalf("format none read a cookie: %v", dec.Cookie)
		}
		if dec.GPC && dec.Source != SourceGPC {
			t.Fatalf("Source = %v with GPC", dec.Source)
		}
		if !dec.GPC && !(dec.DNT && d.dntKeep != All) && dec.Source != dec.Cookie {
			t.Fatalf("Source = %v, Cookie = %v", dec.Source, dec.Cookie)
		}
	})
}
