package consent

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
)

// mustDecider builds a Decider for p after applying the policy defaults.
func mustDecider(tb testing.TB, p config.ConsentPolicy) *Decider {
	tb.Helper()
	pol := config.Policy{Consent: p}
	pol.ApplyDefaults()
	d, err := NewDecider(pol.Consent)
	if err != nil {
		tb.Fatalf("NewDecider(%+v): %v", pol.Consent, err)
	}
	return d
}

// Realistic consent cookie values.
const (
	cookieYesAll    = "consentid:bVZ3Y2FkbW5GcWVkVGxZVW5LR0lWb2JLZmJ0dXRwdkE,consent:yes,action:yes,necessary:yes,functional:yes,analytics:yes,performance:yes,advertisement:yes,other:yes"
	cookieYesSome   = "consentid:abc,consent:yes,action:yes,necessary:yes,functional:yes,analytics:no,performance:no,advertisement:no,other:no"
	cookieYesReject = "consentid:dFlDNndHSUp1TkJYSEZ3THdYdjNXaXJmTWs3Y0Q0bnI,consent:no,action:yes,necessary:yes,functional:no,analytics:no,performance:no,advertisement:no,other:no"
	// Written before the visitor answers an implicit banner.
	cookieYesDefaults = "consentid:UmtXc0hodzM4VVBydVMxZE4wTUVVVUw5Uk95ck5lMWM,consent:yes,action:no,necessary:yes,functional:yes,analytics:yes,performance:yes,advertisement:yes,other:yes"

	cookiebotSome = "{stamp:%27mQ4yA0i5EwGdPLa7Iq+XoC3Vx1Ck+uV5Tm0B6Sk2xVnNs9+rcWGsNg==%27%2Cnecessary:true%2Cpreferences:true%2Cstatistics:false%2Cmarketing:false%2Cmethod:%27explicit%27%2Cver:1%2Cutc:1700000000000%2Cregion:%27gb%27}"
	cookiebotAll  = "{stamp:%27-1%27%2Cnecessary:true%2Cpreferences:true%2Cstatistics:true%2Cmarketing:true%2Cmethod:%27explicit%27%2Cver:2%2Cutc:1711555514000%2Ciab2:%27CProok0Prook0AcABBENDpCgAP_AAH_AACiQFhxV4A%27%2Cregion:%27de%27}"

	oneTrustSome = "isGpcEnabled=0&datestamp=Tue+Nov+21+2023+10%3A00%3A00+GMT%2B0000+(Greenwich+Mean+Time)&version=202310.1.0&browserGpcFlag=0&isIABGlobal=false&hosts=&consentId=0c737b02-e9a0-4211-a8f2-d5ba02e29d69&interactionCount=1&landingPath=NotLandingPage&groups=C0001%3A1%2CC0002%3A0%2CC0003%3A1%2CC0004%3A0&geolocation=GB%3BENG&AwaitingReconsent=false"
	oneTrustAll  = "isGpcEnabled=0&datestamp=Fri+Oct+13+2023+16%3A09%3A28+GMT%2B0300+(Eastern+European+Summer+Time)&version=202309.1.0&browserGpcFlag=0&isIABGlobal=false&hosts=&consentId=3902b780-4f00-45fd-9f53-8d36e572dfe6&interactionCount=2&landingPath=NotLandingPage&groups=C0001%3A1%2CC0002%3A1%2CC0003%3A1%2CC0004%3A1%2CC0005%3A1%2CSTACK42%3A1&geolocation=LT%3BVL&AwaitingReconsent=false"
)

// typicalCookies is a Cookie header as a browser sends it to a site using
// CookieYes: the consent cookie among ten others.
var typicalCookies = "_ga=GA1.1.186522360.1718343650; __stripe_mid=bb127273-968e-43c4-b256-bbb2686e60f7018df7; " +
	"_gcl_au=1.1.1127129083.1740399661; PHPSESSID=kf3ah2m59i52be5k32dl3hrte9; _fbp=fb.2.1740399662778.157652016478123277; " +
	"cookieyes-consent=" + cookieYesSome + "; _ga_5QQ9B76CWV=GS1.1.1718793426.2.0.1718793426.0.0.0; " +
	"__stripe_sid=2992c54b-2e3c-4e2f-9631-1eee55ec046e765107; _hjSessionUser_209243=eyJpZCI6Ijk2ZGRkZTQzIn0=; " +
	"_gid=GA1.2.59258425.1725491901; language=en-GB"

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestNewDeciderErrors(t *testing.T) {
	tests := []struct {
		name  string
		p     config.ConsentPolicy
		field string
	}{
		{"empty format", config.ConsentPolicy{}, "consent.format"},
		{"unknown format", config.ConsentPolicy{Format: "quantcast", Cookie: "x"}, "consent.format"},
		{"no cookie name", config.ConsentPolicy{Format: config.ConsentJSON}, "consent.cookie"},
		{"bad cookie name", config.ConsentPolicy{Format: config.ConsentJSON, Cookie: "my consent"}, "consent.cookie"},
		{"bad field category", config.ConsentPolicy{Format: config.ConsentJSON, Cookie: "c", Fields: map[string]string{"stats": "statistics"}}, "consent.fields.stats"},
		{"empty field key", config.ConsentPolicy{Format: config.ConsentKV, Cookie: "c", Fields: map[string]string{"": "analytics"}}, "consent.fields"},
		{"gpc necessary", config.ConsentPolicy{Format: config.ConsentNone, GPC: []string{"necessary"}}, "consent.gpc[0]"},
		{"gpc unknown", config.ConsentPolicy{Format: config.ConsentNone, GPC: []string{"marketing", "ads"}}, "consent.gpc[1]"},
		{"gpc none", config.ConsentPolicy{Format: config.ConsentNone, GPC: []string{"none"}}, "consent.gpc[0]"},
		{"dnt none with others", config.ConsentPolicy{Format: config.ConsentNone, DNT: []string{"none", "analytics"}}, "consent.dnt[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewDecider(tt.p)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), tt.field+": ") {
				t.Errorf("error %q does not start with the field %q", err, tt.field)
			}
		})
	}
}

func TestNewDeciderDefaults(t *testing.T) {
	for _, format := range []string{config.ConsentCookieYes, config.ConsentCookiebot, config.ConsentOneTrust, config.ConsentTCF, config.ConsentJSON, config.ConsentKV, config.ConsentNone} {
		d := mustDecider(t, config.ConsentPolicy{Format: format})
		if d.Format() != format {
			t.Errorf("Format() = %q, want %q", d.Format(), format)
		}
		if (d.CookieName() == "") != (format == config.ConsentNone) {
			t.Errorf("%s: CookieName() = %q", format, d.CookieName())
		}
	}
	// Nil GPC and DNT lists, as before ApplyDefaults, still deny analytics
	// and marketing.
	d, err := NewDecider(config.ConsentPolicy{Format: config.ConsentKV, Cookie: "consent"})
	if err != nil {
		t.Fatal(err)
	}
	h := header("Cookie", "consent=functional:1,analytics:1,marketing:1", "DNT", "1")
	if got := d.Decide(h).Granted; got != Only.With(Functional) {
		t.Errorf("nil DNT list: Granted = %v, want necessary,functional", got)
	}
}

func TestZeroDecider(t *testing.T) {
	var d Decider
	h := header("Cookie", "cookieyes-consent="+cookieYesAll+"; consent=analytics=1", "Sec-GPC", "1", "DNT", "1")
	if got := d.Decide(h); got != (Decision{Granted: Only, GPC: true, DNT: true, Source: SourceGPC}) {
		t.Errorf("zero Decider: Decide = %+v", got)
	}
	if s, ok := d.DecideCookie(cookieYesAll); s != Only || ok {
		t.Errorf("zero Decider: DecideCookie = %v, %v", s, ok)
	}
}

func TestGPCSent(t *testing.T) {
	tests := []struct {
		values []string
		want   bool
	}{
		{nil, false},
		{[]string{"1"}, true},
		{[]string{"1 "}, true},
		{[]string{" \t1\t"}, true},
		{[]string{"0"}, false},
		{[]string{"true"}, false},
		{[]string{"11"}, false},
		{[]string{"1.0"}, false},
		// Repeated fields merged on one line by a proxy (RFC 9110 5.3).
		{[]string{"1, 1"}, true},
		{[]string{"1,1"}, true},
		{[]string{"1, 0"}, true},
		{[]string{"0,1"}, true},
		{[]string{"0, 0"}, false},
		{[]string{"true, yes"}, false},
		{[]string{","}, false},
		{[]string{""}, false},
		{[]string{"?1"}, false},
		{[]string{"0", "1"}, true},
		{[]string{"garbage", " 1"}, true},
		{[]string{"0", "true"}, false},
	}
	for _, tt := range tests {
		if got := gpcSent(tt.values); got != tt.want {
			t.Errorf("gpcSent(%q) = %v, want %v", tt.values, got, tt.want)
		}
	}
}

func TestDNTSent(t *testing.T) {
	tests := []struct {
		values []string
		want   bool
	}{
		{nil, false},
		{[]string{"1"}, true},
		{[]string{" 1 "}, true},
		{[]string{"1xyz"}, true}, // an extension
		{[]string{"0"}, false},
		{[]string{"0xyz"}, false},
		{[]string{"true"}, false},
		{[]string{"1 x"}, false},
		{[]string{"1,"}, true},   // merged: "1" and an empty field
		{[]string{"1, 0"}, true}, // merged fields
		{[]string{"0,1"}, true},
		{[]string{"0, 1xyz"}, true},
		{[]string{"0, 0"}, false},
		{[]string{"null, 0"}, false},
		{[]string{"1\""}, false},
		{[]string{""}, false},
		{[]string{"0", "1"}, true},
		{[]string{"null", "0"}, false},
	}
	for _, tt := range tests {
		if got := dntSent(tt.values); got != tt.want {
			t.Errorf("dntSent(%q) = %v, want %v", tt.values, got, tt.want)
		}
	}
}

func TestDecide(t *testing.T) {
	cy := mustDecider(t, config.ConsentPolicy{Format: config.ConsentCookieYes})
	none := mustDecider(t, config.ConsentPolicy{Format: config.ConsentNone})
	dntOff := mustDecider(t, config.ConsentPolicy{Format: config.ConsentCookieYes, DNT: []string{"none"}})
	dntAll := mustDecider(t, config.ConsentPolicy{Format: config.ConsentCookieYes, DNT: []string{"functional", "analytics", "marketing"}})
	gpcOnlyMarketing := mustDecider(t, config.ConsentPolicy{Format: config.ConsentCookieYes, GPC: []string{}})
	gpcFunctional := mustDecider(t, config.ConsentPolicy{Format: config.ConsentCookieYes, GPC: []string{"functional"}})

	all := "cookieyes-consent=" + cookieYesAll
	tests := []struct {
		name string
		d    *Decider
		h    http.Header
		want Decision
	}{
		{"no signal", cy, header(), Decision{Granted: Only}},
		{"other cookies only", cy, header("Cookie", "_ga=GA1.1.1.1; sid=abc"), Decision{Granted: Only}},
		{"typical", cy, header("Cookie", typicalCookies), Decision{Granted: Only.With(Functional), Cookie: SourceCookie, Source: SourceCookie}},
		{"accept all", cy, header("Cookie", all), Decision{Granted: All, Cookie: SourceCookie, Source: SourceCookie}},
		{"unreadable", cy, header("Cookie", "cookieyes-consent=garbage"), Decision{Granted: Only, Cookie: SourceUnreadable, Source: SourceUnreadable}},
		{"empty value", cy, header("Cookie", "cookieyes-consent="), Decision{Granted: Only, Cookie: SourceUnreadable, Source: SourceUnreadable}},
		{"gpc overrides cookie", cy, header("Cookie", all, "Sec-GPC", "1"), Decision{Granted: Only.With(Functional), GPC: true, Cookie: SourceCookie, Source: SourceGPC}},
		{"gpc without cookie", cy, header("Sec-GPC", "1"), Decision{Granted: Only, GPC: true, Source: SourceGPC}},
		{"gpc 0 is ignored", cy, header("Cookie", all, "Sec-GPC", "0"), Decision{Granted: All, Cookie: SourceCookie, Source: SourceCookie}},
		{"gpc true is ignored", cy, header("Cookie", all, "Sec-GPC", "true"), Decision{Granted: All, Cookie: SourceCookie, Source: SourceCookie}},
		{"gpc always denies marketing", gpcOnlyMarketing, header("Cookie", all, "Sec-GPC", "1"), Decision{Granted: All.Without(Marketing), GPC: true, Cookie: SourceCookie, Source: SourceGPC}},
		{"gpc list adds to marketing", gpcFunctional, header("Cookie", all, "Sec-GPC", "1"), Decision{Granted: Only.With(Analytics), GPC: true, Cookie: SourceCookie, Source: SourceGPC}},
		{"dnt overrides cookie", cy, header("Cookie", all, "DNT", "1"), Decision{Granted: Only.With(Functional), DNT: true, Cookie: SourceCookie, Source: SourceDNT}},
		{"dnt 0 is ignored", cy, header("Cookie", all, "DNT", "0"), Decision{Granted: All, Cookie: SourceCookie, Source: SourceCookie}},
		{"dnt honoured for none", dntOff, header("Cookie", all, "DNT", "1"), Decision{Granted: All, DNT: true, Cookie: SourceCookie, Source: SourceCookie}},
		{"dnt denies all", dntAll, header("Cookie", all, "DNT", "1"), Decision{Granted: Only, DNT: true, Cookie: SourceCookie, Source: SourceDNT}},
		{"gpc and dnt", dntOff, header("Cookie", all, "DNT", "1", "Sec-GPC", "1"), Decision{Granted: Only.With(Functional), GPC: true, DNT: true, Cookie: SourceCookie, Source: SourceGPC}},
		{"format none ignores cookie", none, header("Cookie", all), Decision{Granted: Only}},
		{"format none with gpc", none, header("Cookie", all, "Sec-GPC", "1"), Decision{Granted: Only, GPC: true, Source: SourceGPC}},
		{"cookie on its own header line", cy, header("Cookie", "_ga=1", "Cookie", all), Decision{Granted: All, Cookie: SourceCookie, Source: SourceCookie}},
		{"quoted value", cy, header("Cookie", `cookieyes-consent="`+cookieYesAll+`"`), Decision{Granted: All, Cookie: SourceCookie, Source: SourceCookie}},
		{"name is case sensitive", cy, header("Cookie", "CookieYes-Consent="+cookieYesAll), Decision{Granted: Only}},
		{"name inside another name", cy, header("Cookie", "xcookieyes-consent="+cookieYesAll), Decision{Granted: Only}},
		{"name as another cookie's value", cy, header("Cookie", "ref=cookieyes-consent="+cookieYesAll), Decision{Granted: Only}},
		{"name with a suffix", cy, header("Cookie", "cookieyes-consent2="+cookieYesAll), Decision{Granted: Only}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.d.Decide(tt.h)
			if got != tt.want {
				t.Errorf("Decide = %+v (%v), want %+v (%v)", got, got.Granted, tt.want, tt.want.Granted)
			}
			if got.Label() != tt.want.Source.String() {
				t.Errorf("Label = %q, want %q", got.Label(), tt.want.Source)
			}
		})
	}
}

// Duplicate consent cookies (such as one for example.com and one for
// www.example.com) are read once when identical; copies that differ, or an
// unreadable copy, make the whole request unreadable.
func TestDecideDuplicateCookies(t *testing.T) {
	d := mustDecider(t, config.ConsentPolicy{Format: config.ConsentCookieYes})
	all := "cookieyes-consent=" + cookieYesAll
	some := "cookieyes-consent=" + cookieYesSome
	tests := []struct {
		name   string
		h      http.Header
		want   Set
		source Source
	}{
		{"same twice", header("Cookie", all+"; "+all), All, SourceCookie},
		{"same twice on separate lines", header("Cookie", all, "Cookie", all), All, SourceCookie},
		{"same twice, one quoted", header("Cookie", all+`; cookieyes-consent="`+cookieYesAll+`"`), All, SourceCookie},
		{"broad then narrow", header("Cookie", all+"; _ga=1; "+some), Only, SourceUnreadable},
		{"narrow then broad", header("Cookie", some+"; "+all), Only, SourceUnreadable},
		{"on separate lines", header("Cookie", all, "Cookie", some), Only, SourceUnreadable},
		{"one unreadable", header("Cookie", all+"; cookieyes-consent=%zz"), Only, SourceUnreadable},
		{"one empty", header("Cookie", "cookieyes-consent=; "+all), Only, SourceUnreadable},
		{"disjoint", header("Cookie", "cookieyes-consent=consent:yes,action:yes,analytics:yes; cookieyes-consent=consent:yes,action:yes,advertisement:yes"), Only, SourceUnreadable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d.Decide(tt.h)
			if got.Granted != tt.want || got.Cookie != tt.source {
				t.Errorf("Decide = %v, %v; want %v, %v", got.Granted, got.Cookie, tt.want, tt.source)
			}
		})
	}
}

func TestNextCookie(t *testing.T) {
	type found struct{ v string }
	tests := []struct {
		line string
		want []string
	}{
		{"c=1", []string{"1"}},
		{"a=1; c=2; b=3", []string{"2"}},
		{"a=1;c=2;b=3", []string{"2"}},
		{"a=1;\t c=2 ;b=3", []string{"2"}},
		{`c="quoted"`, []string{"quoted"}},
		{`c="`, []string{`"`}},
		{"c=", []string{""}},
		{"c", nil},
		{"c;c=1", []string{"1"}},
		{"cc=1; xc=2; c =3", nil},
		{"a=c=1", nil},
		{"a=x; c=1; c=2;c=3", []string{"1", "2", "3"}},
		{"c=c=c", []string{"c=c"}},
		{"a=b c=1", nil},
		{"", nil},
	}
	for _, tt := range tests {
		var got []string
		for from := 0; ; {
			v, next, ok := nextCookie(tt.line, "c", from)
			if !ok {
				break
			}
			if next <= from {
				t.Fatalf("%q: no progress from %d", tt.line, from)
			}
			from = next
			got = append(got, v)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("nextCookie(%q) found %q, want %q", tt.line, got, tt.want)
		}
	}
}

// nextCookie must find the same cookies net/http does.
func TestNextCookieMatchesNetHTTP(t *testing.T) {
	lines := []string{
		typicalCookies,
		"c=1; c=2",
		" c=1 ; d=2",
		"d=1;c=\"x\";e",
		"c=a b; d=2",
		"  ;;c=ok;;",
	}
	for _, line := range lines {
		r := &http.Request{Header: header("Cookie", line)}
		var want []string
		for _, c := range r.CookiesNamed("c") {
			want = append(want, c.Value)
		}
		var got []string
		for from := 0; ; {
			v, next, ok := nextCookie(line, "c", from)
			if !ok {
				break
			}
			from = next
			got = append(got, v)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%q: nextCookie found %q, net/http %q", line, got, want)
		}
	}
}

// Hostile headers: never a panic, never more than strict.
func TestDecideBadInput(t *testing.T) {
	deciders := allDeciders(t)
	big := strings.Repeat("x", 64<<10)
	var many strings.Builder
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&many, "c%d=v%d; ", i, i)
	}
	var manyConsent strings.Builder
	for i := 0; i < 1000; i++ {
		manyConsent.WriteString("cookieyes-consent=" + cookieYesAll + "; consent=analytics:1; ")
	}
	headers := map[string]http.Header{
		"64 KB value":                   header("Cookie", "cookieyes-consent="+big),
		"64 KB header":                  header("Cookie", big+"; cookieyes-consent=; "+big),
		"64 KB of separators":           header("Cookie", strings.Repeat(";", 64<<10)),
		"64 KB of names":                header("Cookie", strings.Repeat("cookieyes-consent", 4000)),
		"1000 cookies":                  header("Cookie", many.String()),
		"1000 consent cookies, one bad": header("Cookie", manyConsent.String()+"cookieyes-consent=%4"),
		"truncated escape":              header("Cookie", "cookieyes-consent=consent:yes%2"),
		"NUL and invalid UTF-8":         header("Cookie", "cookieyes-consent=\x00\xff\xfe; consent=\x00"),
		"1000 header lines":             http.Header{"Cookie": strings.Split(strings.Repeat("consent=x,", 1000), ",")},
	}
	for name, h := range headers {
		for _, d := range deciders {
			got := d.Decide(h)
			if got.Granted != Only || got.Cookie == SourceCookie {
				t.Errorf("%s, %s: Decide = %v, %v; want only necessary, not read", name, d.Format(), got.Granted, got.Cookie)
			}
		}
	}
}

func allDeciders(tb testing.TB) []*Decider {
	var ds []*Decider
	for _, f := range []string{config.ConsentCookieYes, config.ConsentCookiebot, config.ConsentOneTrust, config.ConsentTCF, config.ConsentJSON, config.ConsentKV, config.ConsentNone} {
		p := config.ConsentPolicy{Format: f}
		if f == config.ConsentJSON || f == config.ConsentKV {
			p.Cookie = "cookieyes-consent" // share the hostile headers
		}
		ds = append(ds, mustDecider(tb, p))
	}
	return ds
}

func TestSourceString(t *testing.T) {
	want := []string{"none", "cookie", "unreadable", "gpc", "dnt"}
	for s := SourceNone; s <= SourceDNT; s++ {
		if s.String() != want[s] {
			t.Errorf("Source(%d) = %q, want %q", s, s, want[s])
		}
	}
	if got := Source(200).String(); got != "unknown" {
		t.Errorf("Source(200) = %q", got)
	}
}

func TestSetString(t *testing.T) {
	tests := []struct {
		s    Set
		want string
	}{
		{0, ""},
		{Only, "necessary"},
		{All, "necessary,functional,analytics,marketing"},
		{Only.With(Marketing), "necessary,marketing"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("Set(%#x).String() = %q, want %q", uint8(tt.s), got, tt.want)
		}
	}
}

func TestDecideAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	cases := []struct {
		p config.ConsentPolicy
		h http.Header
	}{
		{config.ConsentPolicy{Format: config.ConsentCookieYes}, header("Cookie", typicalCookies)},
		{config.ConsentPolicy{Format: config.ConsentCookiebot}, header("Cookie", "_ga=1; CookieConsent="+cookiebotSome, "Sec-GPC", "1")},
		{config.ConsentPolicy{Format: config.ConsentOneTrust}, header("Cookie", "OptanonConsent="+oneTrustSome+"; _ga=1")},
		{config.ConsentPolicy{Format: config.ConsentTCF}, header("Cookie", "euconsent-v2="+realTCStrings[6].tc)},
		{config.ConsentPolicy{Format: config.ConsentJSON}, header("Cookie", `consent=%7B%22analytics%22%3Atrue%2C%22marketing%22%3A%22denied%22%7D`)},
		{config.ConsentPolicy{Format: config.ConsentKV}, header("Cookie", "consent=analytics=1&marketing=0")},
	}
	for _, c := range cases {
		d := mustDecider(t, c.p)
		if n := testing.AllocsPerRun(100, func() { d.Decide(c.h) }); n != 0 {
			t.Errorf("%s: %v allocations per Decide, want 0", c.p.Format, n)
		}
	}
}

// BenchmarkDecide decides a typical request: no GPC, a CookieYes cookie
// among ten others. The baseline finds the cookie with net/http's
// Request.Cookie, which parses every cookie, and reads it the same way.
func BenchmarkDecide(b *testing.B) {
	d := mustDecider(b, config.ConsentPolicy{Format: config.ConsentCookieYes})
	h := header("Cookie", typicalCookies, "Accept", "text/html", "User-Agent", "Mozilla/5.0")
	b.Run("decider", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if d.Decide(h).Granted != Only.With(Functional) {
				b.Fatal("wrong decision")
			}
		}
	})
	b.Run("net-http-baseline", func(b *testing.B) {
		b.ReportAllocs()
		r := &http.Request{Header: h}
		for b.Loop() {
			c, err := r.Cookie("cookieyes-consent")
			if err != nil {
				b.Fatal(err)
			}
			if s, _ := d.DecideCookie(c.Value); s != Only.With(Functional) {
				b.Fatal("wrong decision")
			}
		}
	})
}

func BenchmarkDecideFormats(b *testing.B) {
	cases := []struct {
		format string
		cookie string
	}{
		{config.ConsentCookiebot, "CookieConsent=" + cookiebotSome},
		{config.ConsentOneTrust, "OptanonConsent=" + oneTrustSome},
		{config.ConsentTCF, "euconsent-v2=" + realTCStrings[6].tc},
		{config.ConsentJSON, `consent={"necessary":true,"analytics":true,"marketing":false}`},
		{config.ConsentKV, "consent=analytics=1&marketing=0"},
	}
	for _, c := range cases {
		d := mustDecider(b, config.ConsentPolicy{Format: c.format})
		h := header("Cookie", "_ga=GA1.1.186522360.1718343650; "+c.cookie+"; PHPSESSID=kf3ah2m59i52be5k32dl3hrte9")
		b.Run(c.format, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if d.Decide(h).Cookie != SourceCookie {
					b.Fatal("cookie not read")
				}
			}
		})
	}
}
