package beacon

import (
	"regexp"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// ga4Query is a page_view as gtag.js sends it (from a real capture, with
// an email put in the title and URL and a user id set).
const ga4Query = "v=2&tid=G-V1B8R98P79&gtm=45je57u1v898116370za200zd898116370&_p=1754128922596" +
	"&gcs=G111&gcd=13t3t3t3t5l1&npa=0&dma=0&tag_exp=101509157~103116026" +
	"&cid=602849859.1754048070&ul=en-us&sr=2240x1260&uaa=arm&uab=64" +
	"&uafvl=Not)A%253BBrand%3B8.0.0.0%7CChromium%3B138.0.7204.158%7CGoogle%2520Chrome%3B138.0.7204.158" +
	"&uamb=0&uam=Pixel%207&uap=macOS&uapv=15.5.0&uaw=0&are=1&frm=0&pscdl=noapi&_eu=AAAAAAQ&_s=7" +
	"&sid=1754127522&sct=3&seg=1" +
	"&dl=https%3A%2F%2Fshop.example%2Fcheckout%3Femail%3Djane%2540example.com%26gclid%3Dabc%26page%3D2" +
	"&dr=https%3A%2F%2Fwww.google.com%2Fsearch%3Fq%3Djane%2Bdoe" +
	"&dt=Order%20for%20jane%40example.com&en=page_view&_fv=1&_ss=1&tfd=353" +
	"&uid=user-4242&_uip=81.2.69.160&ep.plan=gold&epn.value=12.5&up.tier=vip&_fplc=0&newparam=x"

func ga4Input(q, body string, c consent.Set) *Input {
	return &Input{Method: "POST", Path: "/g/collect", Query: []byte(q), Body: []byte(body),
		ContentType: "text/plain;charset=UTF-8", Consent: c}
}

func TestGA4PageView(t *testing.T) {
	s, r := newTestSanitizer(t, Config{Vendor: "ga4"})
	in := ga4Input(ga4Query, "", analyticsOnly)
	in.StandIn = gbStandIn(t, r)
	out, err := sanitize(t, s, in)
	if err != nil {
		t.Fatal(err)
	}
	got := params(t, out.Query)
	want := map[string]string{
		"v": "2", "tid": "G-V1B8R98P79", "en": "page_view", "_p": "1754128922596", "ul": "en-us",
		"sr": "2240x1260", "uap": "macOS", "uapv": "15.0.0", "uamb": "0", "sct": "3", "seg": "1",
		"uafvl":   "Not)A%3BBrand;8.0.0.0|Chromium;138.0.0.0|Google%20Chrome;138.0.0.0",
		"dl":      "https://shop.example/checkout?page=2",
		"dr":      "https://www.google.com/",
		"dt":      "Order for [email]",
		"gcs":     "G101",         // ad_storage lowered: no marketing consent
		"gcd":     "13p3t3p3p5l1", // ad_storage, ad_user_data, ad_personalization lowered
		"npa":     "1",
		"_uip":    in.StandIn.String(),
		"ep.plan": "gold", "epn.value": "12.5", "up.tier": "vip",
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, got.Get(k), v)
		}
	}
	for _, k := range []string{"uid", "_fplc", "uaa", "uab", "uam", "uaw", "newparam"} {
		if got.Has(k) {
			t.Errorf("%s was forwarded: %q", k, got.Get(k))
		}
	}
	if !regexp.MustCompile(`^\d{1,10}\.\d{10}$`).MatchString(got.Get("cid")) || got.Get("cid") == "602849859.1754048070" {
		t.Errorf("cid = %q, want a pseudonym in GA's form", got.Get("cid"))
	}
	if !regexp.MustCompile(`^\d{10}$`).MatchString(got.Get("sid")) || got.Get("sid") == "1754127522" {
		t.Errorf("sid = %q, want a numeric pseudonym", got.Get("sid"))
	}
	mustNotContain(t, string(out.Query), "602849859", "1754048070", "1754127522", "user-4242", "jane", "81.2.69.160", "Pixel", "7204")
	if len(got["_uip"]) != 1 || len(got["gcs"]) != 1 || len(got["npa"]) != 1 {
		t.Errorf("added parameters duplicated: %q", out.Query)
	}

	// The pseudonyms hold a session together: the same ids give the same
	// pseudonyms, another visitor's give others.
	again, _ := sanitize(t, s, in)
	if params(t, again.Query).Get("cid") != got.Get("cid") {
		t.Error("the same cid got two pseudonyms under one key")
	}
	other, _ := sanitize(t, s, ga4Input(strings.Replace(ga4Query, "cid=602849859", "cid=702849859", 1), "", analyticsOnly))
	if params(t, other.Query).Get("cid") == got.Get("cid") {
		t.Error("two client ids share a pseudonym")
	}
	if got.Get("cid") == params(t, other.Query).Get("sid") {
		t.Error("cid and sid pseudonyms not separated")
	}
}

func TestGA4Consent(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "ga4"})
	tests := []struct {
		name          string
		query         string
		consent       consent.Set
		gcs, gcd, npa string // "" means absent
		err           Reason
	}{
		{"all granted keeps the claim", "tid=G-1&gcs=G111&gcd=13t3t3t3t5l1&npa=0", everything, "G111", "13t3t3t3t5l1", "0", 0},
		{"beacon claims less than granted", "tid=G-1&gcs=G100&npa=1", everything, "G100", "", "1", 0},
		{"cookie denies marketing", "tid=G-1&gcs=G111&gcd=13v3v3v3v5&npa=0", analyticsOnly, "G101", "13u3v3u3u5", "1", 0},
		{"no consent mode: decision added", "tid=G-1", analyticsOnly, "G101", "", "1", 0},
		{"no consent mode, all granted: nothing added", "tid=G-1", everything, "", "", "", 0},
		{"not set letters lowered", "tid=G-1&gcd=13l3l3l3l1", analyticsOnly, "G101", "13q3l3q3q1", "1", 0},
		{"update letters lowered", "tid=G-1&gcd=11r1n1r1r5", analyticsOnly, "G101", "11q1n1q1q5", "1", 0},
		{"malformed gcs replaced", "tid=G-1&gcs=G1x1", analyticsOnly, "G101", "", "1", 0},
		{"malformed gcd dropped", "tid=G-1&gcd=13%3Cscript", analyticsOnly, "G101", "", "1", 0},
		{"short gcd dropped", "tid=G-1&gcd=13t3", analyticsOnly, "G101", "", "1", 0},
		{"bad npa raised", "tid=G-1&npa=yes", analyticsOnly, "G101", "", "1", 0},
		{"bad npa with consent dropped", "tid=G-1&npa=yes", everything, "", "", "", 0},
		{"duplicate gcs: first wins, lowered", "tid=G-1&gcs=G111&gcs=G100", analyticsOnly, "G101", "", "1", 0},
		{"claims analytics without consent", "tid=G-1&gcs=G111", necessaryOnly, "", "", "", NoConsent},
		{"GPC or DNT decision", "tid=G-1&gcs=G111&npa=0", consent.Only.With(consent.Functional), "", "", "", NoConsent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := sanitize(t, s, ga4Input(tt.query, "", tt.consent))
			if tt.err != 0 {
				if ReasonOf(err) != tt.err {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				if len(out.Query) != 0 || len(out.Body) != 0 {
					t.Errorf("output left after a refusal: %q %q", out.Query, out.Body)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := params(t, out.Query)
			for k, want := range map[string]string{"gcs": tt.gcs, "gcd": tt.gcd, "npa": tt.npa} {
				if want == "" && got.Has(k) || got.Get(k) != want {
					t.Errorf("%s = %q, want %q (query %q)", k, got.Get(k), want, out.Query)
				}
				if len(got[k]) > 1 {
					t.Errorf("%s appears %d times", k, len(got[k]))
				}
			}
		})
	}
}

func TestGA4Cookieless(t *testing.T) {
	s, r := newTestSanitizer(t, Config{Vendor: "ga4", Cookieless: true})
	in := ga4Input(ga4Query, "en=scroll&up.plan=x&upn.age=3", necessaryOnly)
	in.StandIn = gbStandIn(t, r)
	out, err := sanitize(t, s, in)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Cookieless {
		t.Error("Cookieless not reported")
	}
	got := params(t, out.Query)
	for _, k := range []string{"cid", "sid", "uid", "sct", "up.tier", "_fplc"} {
		if got.Has(k) {
			t.Errorf("cookieless ping carries %s", k)
		}
	}
	if got.Get("gcs") != "G100" || got.Get("npa") != "1" || got.Get("gcd") != "13p3p3p3p5l1" {
		t.Errorf("gcs, gcd, npa = %q, %q, %q; want G100, 13p3p3p3p5l1, 1", got.Get("gcs"), got.Get("gcd"), got.Get("npa"))
	}
	if got.Get("en") != "page_view" || got.Get("_uip") != in.StandIn.String() {
		t.Errorf("useful fields lost: %q", out.Query)
	}
	if b := string(out.Body); b != "en=scroll" {
		t.Errorf("body = %q, want user properties dropped", b)
	}
	mustNotContain(t, string(out.Query)+string(out.Body), "602849859", "1754127522", "user-4242")

	// With analytics consent it is a normal beacon.
	in.Consent = analyticsOnly
	out, err = sanitize(t, s, in)
	if err != nil || out.Cookieless || !params(t, out.Query).Has("cid") {
		t.Errorf("consented beacon: err %v, cookieless %v, query %q", err, out.Cookieless, out.Query)
	}
}

func TestGA4Batch(t *testing.T) {
	s, r := newTestSanitizer(t, Config{Vendor: "ga4", MaxEvents: 3})
	body := "en=page_view&_et=12&dt=Hi%20jane%40example.com\r\n" +
		"en=purchase&ep.transaction_id=T-1&ep.note=ref%20602849859.1754048070&_uip=1.2.3.4&gcs=G111\n" +
		"\r\n" + // empty lines are skipped
		"uid=only-an-id\r\n" // an event left with nothing is dropped
	in := ga4Input("v=2&tid=G-1&cid=602849859.1754048070", body, analyticsOnly)
	in.StandIn = gbStandIn(t, r)
	out, err := sanitize(t, s, in)
	if err != nil {
		t.Fatal(err)
	}
	if out.Events != 3 {
		t.Errorf("Events = %d, want 3", out.Events)
	}
	ls := lines(out.Body)
	want := []string{
		"en=page_view&_et=12&dt=Hi%20%5Bemail%5D",
		"en=purchase&ep.transaction_id=T-1&ep.note=ref%20%5Bredacted%5D&gcs=G101",
	}
	if strings.Join(ls, "\n") != strings.Join(want, "\n") {
		t.Errorf("body lines:\n%s\nwant:\n%s", strings.Join(ls, "\n"), strings.Join(want, "\n"))
	}
	if out.ContentType != "text/plain;charset=UTF-8" {
		t.Errorf("Content-Type = %q", out.ContentType)
	}
	q := params(t, out.Query)
	if q.Get("_uip") != in.StandIn.String() {
		t.Errorf("_uip = %q; the stand-in goes in the shared query", q.Get("_uip"))
	}

	// One event more than MaxEvents is refused whole.
	big := ga4Input("tid=G-1", strings.Repeat("en=x\r\n", 4), analyticsOnly)
	if _, err := sanitize(t, s, big); ReasonOf(err) != Oversized {
		t.Errorf("4 events with MaxEvents 3: err = %v, want oversized", err)
	}
}

func TestGA4BadInput(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "ga4"})
	tests := []struct {
		name   string
		in     *Input
		err    Reason
		absent []string // names that must not be forwarded
		has    map[string]string
	}{
		{name: "no tid", in: ga4Input("v=2&en=page_view", "", analyticsOnly), err: Malformed},
		{name: "tid only in the body", in: ga4Input("v=2", "tid=G-1&en=x", analyticsOnly), err: Malformed},
		{name: "empty", in: ga4Input("", "", analyticsOnly), err: Malformed},
		{name: "garbage", in: ga4Input("\x00\xff%%%&&&===", "", analyticsOnly), err: Malformed},
		{name: "GET with body", in: &Input{Method: "GET", Path: "/g/collect", Query: []byte("tid=G-1"), Body: []byte("x"), Consent: analyticsOnly}, err: Malformed},
		{name: "multipart body", in: &Input{Method: "POST", Path: "/g/collect", Query: []byte("tid=G-1"), Body: []byte("--b\r\n"), ContentType: "multipart/form-data; boundary=b", Consent: analyticsOnly}, err: Malformed},
		{name: "JSON body", in: &Input{Method: "POST", Path: "/g/collect", Query: []byte("tid=G-1"), Body: []byte(`{"en":"x"}`), ContentType: "application/json", Consent: analyticsOnly}, err: Malformed},
		{name: "latin-1 charset", in: &Input{Method: "POST", Path: "/g/collect", Query: []byte("tid=G-1"), Body: []byte("en=x"), ContentType: "text/plain; charset=iso-8859-1", Consent: analyticsOnly}, err: Malformed},
		{name: "unparsable content type", in: &Input{Method: "POST", Path: "/g/collect", Query: []byte("tid=G-1"), Body: []byte("en=x"), ContentType: "text/plain; charset", Consent: analyticsOnly}, err: Malformed},
		{name: "other path", in: &Input{Method: "GET", Path: "/g/collect/../admin", Query: []byte("tid=G-1"), Consent: analyticsOnly}, err: PathRefused},
		{name: "prefix of the path", in: &Input{Method: "GET", Path: "/g/collectx", Query: []byte("tid=G-1"), Consent: analyticsOnly}, err: PathRefused},
		{name: "PUT", in: &Input{Method: "PUT", Path: "/g/collect", Query: []byte("tid=G-1"), Consent: analyticsOnly}, err: PathRefused},
		{name: "truncated escapes dropped", in: ga4Input("tid=G-1&dt=%4&en=a%2&ep.x=%", "", analyticsOnly), absent: []string{"dt", "en", "ep.x"}},
		{name: "malformed name dropped", in: ga4Input("tid=G-1&%zz=1&%75id=jane&u%69d=joe", "", analyticsOnly), absent: []string{"uid", "%zz"}},
		{name: "invalid UTF-8 dropped", in: ga4Input("tid=G-1&dt=%FF%FE&en=ok", "", analyticsOnly), absent: []string{"dt"}, has: map[string]string{"en": "ok"}},
		{name: "NUL in text kept escaped", in: ga4Input("tid=G-1&dt=a%00b", "", analyticsOnly), has: map[string]string{"dt": "a\x00b"}},
		{name: "duplicates: first kept", in: ga4Input("tid=G-1&en=a&en=b&ep.x=1&ep.x=2&cid=1.2&cid=3.4", "", analyticsOnly), has: map[string]string{"en": "a", "ep.x": "1"}},
		{name: "bad token dropped", in: ga4Input("tid=G-1&sr=1920x1080%3Cscript%3E&_p=jane%40example.com", "", analyticsOnly), absent: []string{"sr", "_p"}},
		{name: "bad number dropped", in: ga4Input("tid=G-1&epn.v=12abc&_et=1e5", "", analyticsOnly), absent: []string{"epn.v"}, has: map[string]string{"_et": "1e5"}},
		{name: "unknown platform dropped", in: ga4Input("tid=G-1&uap=Jane%27s%20PC", "", analyticsOnly), absent: []string{"uap"}},
		{name: "bad brand list dropped", in: ga4Input("tid=G-1&uafvl=Chrome%3Babc", "", analyticsOnly), absent: []string{"uafvl"}},
		{name: "ep name with odd characters dropped", in: ga4Input("tid=G-1&ep.a-b=1&ep.=2", "", analyticsOnly), absent: []string{"ep.a-b", "ep."}},
		{name: "custom parameters named for identifiers dropped", in: ga4Input("tid=G-1&ep.user_id=u-12345678&up.Email=x&ep.clientId=1&ep.plan=a", "", analyticsOnly), absent: []string{"ep.user_id", "up.Email", "ep.clientId"}, has: map[string]string{"ep.plan": "a"}},
		{name: "an id that the replacement contains", in: ga4Input("tid=G-1&uid=redact&dt=redact%20me%20redacted&ep.a=xredactx", "", analyticsOnly), has: map[string]string{"dt": "[redacted] me [redacted]ed", "ep.a": "x[redacted]x"}},
		{name: "huge value", in: ga4Input("tid=G-1&dt="+strings.Repeat("a", 60000), "", analyticsOnly), has: map[string]string{"dt": strings.Repeat("a", 60000)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := sanitize(t, s, tt.in)
			if tt.err != 0 {
				if ReasonOf(err) != tt.err || err == nil {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				if strings.ContainsAny(err.Error(), "\x00\xff") || strings.Contains(err.Error(), "jane") {
					t.Errorf("error message holds input: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := params(t, out.Query)
			for _, k := range tt.absent {
				if got.Has(k) {
					t.Errorf("%s forwarded: %q", k, got[k])
				}
			}
			for k, v := range tt.has {
				if got[k] == nil || got[k][0] != v || len(got[k]) != 1 {
					t.Errorf("%s = %q, want [%q]", k, got[k], v)
				}
			}
			mustNotContain(t, string(out.Query), "jane", "joe")
		})
	}
}

func TestGA4Options(t *testing.T) {
	r := testRedactor(t)
	standIn := gbStandIn(t, r)
	q := "tid=G-1&sr=1x1&dr=https%3A%2F%2Fuser%3Apw%40ref.example%3A8443%2Fp%3Fa%3D1%26token%3Dx&foo=jane%40example.com&bar=1&uid=u1234567"
	tests := []struct {
		name string
		c    Config
		want map[string]string // "" means absent
	}{
		{"defaults", Config{Vendor: "ga4"}, map[string]string{"dr": "https://ref.example:8443/", "sr": "1x1", "foo": "", "_uip": standIn.String()}},
		{"referrer url", Config{Vendor: "ga4", Referrer: "url"}, map[string]string{"dr": "https://ref.example:8443/p?a=1"}},
		{"referrer drop", Config{Vendor: "ga4", Referrer: "drop"}, map[string]string{"dr": ""}},
		{"no IP override", Config{Vendor: "ga4", IPOverride: "none"}, map[string]string{"_uip": ""}},
		{"allow and drop", Config{Vendor: "ga4", Allow: []string{"foo", "b*"}, Drop: []string{"sr"}}, map[string]string{"foo": "[email]", "bar": "1", "sr": ""}},
		{"allow a prefix that covers uid", Config{Vendor: "ga4", Allow: []string{"u*"}}, map[string]string{"uid": ""}},
		{"drop cannot remove the consent state", Config{Vendor: "ga4", Drop: []string{"gcs", "npa"}}, map[string]string{"gcs": "G101", "npa": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.c, engineOf(r))
			if err != nil {
				t.Fatal(err)
			}
			in := ga4Input(q, "", analyticsOnly)
			in.StandIn = standIn
			out, err := sanitize(t, s, in)
			if err != nil {
				t.Fatal(err)
			}
			got := params(t, out.Query)
			for k, v := range tt.want {
				if v == "" && got.Has(k) || got.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, got.Get(k), v)
				}
			}
			mustNotContain(t, string(out.Query), "u1234567", "user:pw", "token")
		})
	}
}

func TestUA(t *testing.T) {
	s, r := newTestSanitizer(t, Config{Vendor: "ua"})
	standIn := gbStandIn(t, r)
	hit := "v=1&_v=j101&a=1234&t=pageview&_s=1&dl=https%3A%2F%2Fshop.example%2F%3Ffbclid%3Dx&dp=%2Fusers%2Fjane%40example.com&ul=en-gb&de=UTF-8" +
		"&dt=Home&sd=24-bit&sr=1920x1080&vp=1920x947&je=0&_u=QACAAEAB~&jid=123&gjid=456&cid=1141271125.1700000000&uid=jane-1" +
		"&tid=UA-123456-1&_gid=1839375931.1700000000&gtm=2wg9&z=1827350612&cd1=jane%40example.com&cm1=5&ip=9.99&uip=81.2.69.160" +
		"&ua=Mozilla%2F5.0%20(Windows%20NT%2010.0%3B%20Win64%3B%20x64)%20AppleWebKit%2F537.36%20(KHTML%2C%20like%20Gecko)%20Chrome%2F120.0.6099.130%20Safari%2F537.36" +
		"&aip=0&gclid=abc"
	t.Run("collect GET", func(t *testing.T) {
		out, err := sanitize(t, s, &Input{Method: "GET", Path: "/collect", Query: []byte(hit), Consent: analyticsOnly, StandIn: standIn})
		if err != nil {
			t.Fatal(err)
		}
		got := params(t, out.Query)
		for k, v := range map[string]string{
			"t": "pageview", "tid": "UA-123456-1", "aip": "1", "uip": standIn.String(), "dp": "/users/[email]",
			"dl": "https://shop.example/", "cd1": "[email]", "cm1": "5", "ip": "9.99", "ul": "en-gb",
			"ua": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
		} {
			if got.Get(k) != v {
				t.Errorf("%s = %q, want %q", k, got.Get(k), v)
			}
		}
		for _, k := range []string{"uid", "jid", "gjid", "_gid", "gclid"} {
			if got.Has(k) {
				t.Errorf("%s forwarded", k)
			}
		}
		if len(got["aip"]) != 1 || len(got["uip"]) != 1 {
			t.Errorf("aip or uip duplicated: %q", out.Query)
		}
		mustNotContain(t, string(out.Query), "1141271125", "jane", "81.2.69.160", "6099")
	})
	t.Run("collect POST", func(t *testing.T) {
		out, err := sanitize(t, s, &Input{Method: "POST", Path: "/j/collect", Query: []byte("t=event"), Body: []byte(hit + "\n"), ContentType: "text/plain;charset=UTF-8", Consent: analyticsOnly, StandIn: standIn})
		if err != nil {
			t.Fatal(err)
		}
		b := params(t, out.Body)
		if b.Get("uip") != standIn.String() || b.Get("aip") != "1" || params(t, out.Query).Has("aip") {
			t.Errorf("additions belong in the body: query %q body %q", out.Query, out.Body)
		}
	})
	t.Run("batch", func(t *testing.T) {
		body := hit + "\n" + strings.Replace(hit, "t=pageview", "t=event&ec=video&ea=play&el=jane%40example.com", 1) + "\n"
		out, err := sanitize(t, s, &Input{Method: "POST", Path: "/batch", Body: []byte(body), ContentType: "text/plain", Consent: analyticsOnly, StandIn: standIn})
		if err != nil {
			t.Fatal(err)
		}
		ls := lines(out.Body)
		if len(ls) != 2 || out.Events != 2 {
			t.Fatalf("%d lines, %d events; want 2: %q", len(ls), out.Events, out.Body)
		}
		for i, l := range ls {
			p := params(t, []byte(l))
			if p.Get("aip") != "1" || p.Get("uip") != standIn.String() || p.Has("uid") {
				t.Errorf("hit %d: %q", i, l)
			}
		}
		if params(t, []byte(ls[1])).Get("el") != "[email]" {
			t.Errorf("el not redacted: %q", ls[1])
		}
		mustNotContain(t, string(out.Body), "1141271125", "jane", "81.2.69.160")
	})
	t.Run("bad", func(t *testing.T) {
		for name, tt := range map[string]struct {
			in  *Input
			err Reason
		}{
			"batch hit without tid": {&Input{Method: "POST", Path: "/batch", Body: []byte(hit + "\nv=1&t=event\n"), Consent: analyticsOnly}, Malformed},
			"empty batch":           {&Input{Method: "POST", Path: "/batch", Body: []byte("\n\n"), Consent: analyticsOnly}, Malformed},
			"GET batch":             {&Input{Method: "GET", Path: "/batch", Query: []byte(hit), Consent: analyticsOnly}, PathRefused},
			"two hits on collect":   {&Input{Method: "POST", Path: "/collect", Body: []byte(hit + "\n" + hit), Consent: analyticsOnly}, Malformed},
			"no consent":            {&Input{Method: "GET", Path: "/collect", Query: []byte(hit), Consent: necessaryOnly}, NoConsent},
			"21 hits with max 20":   {&Input{Method: "POST", Path: "/batch", Body: []byte(strings.Repeat("v=1&tid=UA-1-1&t=event\n", 21)), Consent: analyticsOnly}, Oversized},
		} {
			t.Run(name, func(t *testing.T) {
				s := s
				if tt.err == Oversized {
					s, _ = New(Config{Vendor: "ua", MaxEvents: 20}, engineOf(r))
				}
				if _, err := sanitize(t, s, tt.in); ReasonOf(err) != tt.err || err == nil {
					t.Errorf("err = %v, want %s", err, tt.err)
				}
			})
		}
	})
}

// TestGA4NothingIdentifyingInAnyEncoding plants identifiers in every
// place and encoding a script could put them, and checks none arrives.
func TestGA4NothingIdentifyingInAnyEncoding(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "ga4"})
	const cid, uid, email = "987654321.1699999999", "customer-778899", "jane.doe@example.com"
	places := []string{
		"cid=" + cid, "uid=" + uid, "%75id=" + uid, "uid=" + strings.ToUpper(uid),
		"dl=https%3A%2F%2Fs.example%2Fp%3Fuser_id%3D" + uid + "%26cid%3D" + cid,
		"dl=https%3A%2F%2Fs.example%2Fu%2F" + strings.ReplaceAll(email, "@", "%2540"),
		"dt=" + email, "ep.cid=" + cid, "ep.who=" + strings.ToUpper(uid),
		"dr=https%3A%2F%2F" + strings.ReplaceAll(email, "@", "%40") + "%2F",
		"_uip=81.2.69.160", "uip=81.2.69.160", "ep.ip=81.2.69.160",
		"_fplc=" + cid, "em=" + email,
	}
	q := "v=2&tid=G-1&" + strings.Join(places, "&")
	out, err := sanitize(t, s, ga4Input(q, strings.Join(places, "&"), analyticsOnly))
	if err != nil {
		t.Fatal(err)
	}
	all := string(out.Query) + "\n" + string(out.Body)
	mustNotContain(t, all, cid, "987654321", "1699999999", uid, strings.ToUpper(uid), email, "jane", "81.2.69.160")
}
