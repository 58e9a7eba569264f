package scrub

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/consent"
	"github.com/caddy-privacy/caddy-privacy/internal/httpsyntax"
)

func mustCookies(t testing.TB, p config.CookiePolicy) *Cookies {
	t.Helper()
	c, err := NewCookies(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCookieCategoryBuiltin(t *testing.T) {
	c := mustCookies(t, config.CookiePolicy{})
	tests := []struct {
		name string
		want consent.Category
	}{
		{"_ga", consent.Analytics},
		{"_ga_ABC123XYZ", consent.Analytics},
		{"_gid", consent.Analytics},
		{"_gat_UA-12345-1", consent.Analytics},
		{"__utmz", consent.Analytics},
		{"_hjSessionUser_123456", consent.Analytics},
		{"_hjFirstSeen", consent.Analytics},
		{"_pk_id.1.1fff", consent.Analytics},
		{"_clck", consent.Analytics},
		{"mp_0123abcd_mixpanel", consent.Analytics},
		{"ajs_anonymous_id", consent.Analytics},
		{"_fbp", consent.Marketing},
		{"_gcl_au", consent.Marketing},
		{"_gcl_aw", consent.Marketing},
		{"IDE", consent.Marketing},
		{"MUID", consent.Marketing},
		{"_uetvid", consent.Marketing},
		{"_ttp", consent.Marketing},
		{"hubspotutk", consent.Marketing},
		{"lang", consent.Functional},
		{"wp-settings-time-1", consent.Functional},
		{"PHPSESSID", consent.Necessary},
		{"cookieyes-consent", consent.Necessary},
		{"euconsent-v2", consent.Necessary},
		{"__cf_bm", consent.Necessary},
		{"AWSALBCORS", consent.Necessary},
		{"BIGipServerpool_web", consent.Necessary},
		// Near misses fall to Unknown (necessary by default).
		{"_GA", consent.Necessary},
		{"_gaX", consent.Necessary},
		{"ga", consent.Necessary},
		{"__Host-session", consent.Necessary},
		{"my_session", consent.Necessary},
		{"", consent.Necessary},
	}
	for _, tt := range tests {
		if got := c.Category(tt.name); got != tt.want {
			t.Errorf("Category(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCookieCategoryPolicy(t *testing.T) {
	c := mustCookies(t, config.CookiePolicy{
		Categories: map[string]string{
			"_ga":       "necessary", // overrides the built-in exact name
			"my_*":      "analytics",
			"my_pref*":  "functional", // longer prefix wins
			"my_pref_x": "marketing",  // exact wins over prefixes
			"_hj*":      "marketing",  // a policy prefix beats a built-in exact name
		},
		Unknown: "functional",
	})
	tests := []struct {
		name string
		want consent.Category
	}{
		{"_ga", consent.Necessary},
		{"_gid", consent.Analytics},
		{"my_x", consent.Analytics},
		{"my_pref_lang", consent.Functional},
		{"my_pref_x", consent.Marketing},
		{"_hjid", consent.Marketing},
		{"PHPSESSID", consent.Necessary},
		{"mystery", consent.Functional},
		{"my", consent.Functional},
	}
	for _, tt := range tests {
		if got := c.Category(tt.name); got != tt.want {
			t.Errorf("Category(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNewCookiesErrors(t *testing.T) {
	tests := []struct {
		p    config.CookiePolicy
		want string
	}{
		{config.CookiePolicy{Unknown: "bogus"}, `cookies.unknown: "bogus"`},
		{config.CookiePolicy{Categories: map[string]string{"x": "ads"}}, `cookies.categories.x: "ads"`},
		{config.CookiePolicy{Categories: map[string]string{"*": "analytics"}}, `"*" is not a cookie name`},
		{config.CookiePolicy{Categories: map[string]string{"a b": "analytics"}}, `"a b" is not a cookie name`},
	}
	for _, tt := range tests {
		_, err := NewCookies(tt.p)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewCookies(%+v) error = %v, want one containing %q", tt.p, err, tt.want)
		}
	}
}

func TestAppendFilteredHeader(t *testing.T) {
	c := mustCookies(t, config.CookiePolicy{})
	full := "PHPSESSID=abc; _ga=GA1.2.3.4; _fbp=fb.1.2; lang=en"
	analytics := consent.Only.With(consent.Analytics)
	tests := []struct {
		in      string
		set     consent.Set
		want    string
		removed [4]int
	}{
		{"", consent.Only, "", [4]int{}},
		{full, consent.Only, "PHPSESSID=abc", [4]int{0, 1, 1, 1}},
		{full, consent.All, full, [4]int{}},
		{full, analytics, "PHPSESSID=abc; _ga=GA1.2.3.4", [4]int{0, 1, 0, 1}},
		// Malformed pairs go whatever the consent.
		{`a=1;;b;=c; d=2;bad name=3; "q"=4; e(=5`, consent.All, "a=1; d=2", [4]int{5, 0, 0, 0}},
		{"a=1;b=2", consent.Only, "a=1; b=2", [4]int{}},
		{" ; ;\t; ", consent.Only, "", [4]int{}},
		{"_ga=1; _ga=2; a=1; a=2", consent.Only, "a=1; a=2", [4]int{0, 0, 2, 0}},
		{`a="x y"; b=c=d; e=%zz; f=`, consent.Only, `a="x y"; b=c=d; e=%zz; f=`, [4]int{}},
		{" _ga = 1 ;x=2", consent.Only, "x=2", [4]int{0, 0, 1, 0}},
		{"\x00=1; a\xff=2; ok=3", consent.Only, "ok=3", [4]int{2, 0, 0, 0}},
	}
	for _, tt := range tests {
		out, removed := c.AppendFilteredHeader(nil, []byte(tt.in), tt.set.Has)
		if string(out) != tt.want || removed != tt.removed {
			t.Errorf("AppendFilteredHeader(%q, %08b)\n got %q %v\nwant %q %v", tt.in, tt.set, out, removed, tt.want, tt.removed)
		}
	}
	// A nil keep keeps only necessary cookies.
	out, removed := c.AppendFilteredHeader([]byte("Cookie: "), []byte(full), nil)
	if string(out) != "Cookie: PHPSESSID=abc" || removed != [4]int{0, 1, 1, 1} {
		t.Errorf("nil keep: got %q %v", out, removed)
	}
}

func TestAppendFilteredHeaderHostile(t *testing.T) {
	c := mustCookies(t, config.CookiePolicy{})
	var in, want strings.Builder
	for i := range 1000 {
		if i > 0 {
			in.WriteString(";")
		}
		if i%2 == 0 {
			fmt.Fprintf(&in, "_ga_%d=GA1.1.%032d", i, i)
			continue
		}
		fmt.Fprintf(&in, "s%d=%032d", i, i)
		if want.Len() > 0 {
			want.WriteString("; ")
		}
		fmt.Fprintf(&want, "s%d=%032d", i, i)
	}
	for in.Len() < 64<<10 {
		in.WriteString(";;  ;")
	}
	out, removed := c.AppendFilteredHeader(nil, []byte(in.String()), consent.Only.Has)
	if string(out) != want.String() {
		t.Errorf("64 KB header: kept %d bytes, want %d", len(out), want.Len())
	}
	if removed != [4]int{0, 0, 500, 0} {
		t.Errorf("64 KB header: removed %v, want 500 analytics", removed)
	}
}

func TestAppendFilteredHeaderAllocs(t *testing.T) {
	c := mustCookies(t, config.CookiePolicy{})
	h := []byte("PHPSESSID=abc; _ga=GA1.2.3.4; _gcl_au=1.1.2; lang=en; csrftoken=xyz")
	dst := make([]byte, 0, 256)
	for _, set := range []consent.Set{consent.All, consent.Only} {
		if n := testing.AllocsPerRun(100, func() { c.AppendFilteredHeader(dst, h, set.Has) }); n != 0 {
			t.Errorf("AppendFilteredHeader(%08b) allocates %v times, want 0", set, n)
		}
	}
	if n := testing.AllocsPerRun(100, func() { c.Category("_ga_XYZ") }); n != 0 {
		t.Errorf("Category allocates %v times, want 0", n)
	}
}

var testNow = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func TestFilterSetCookie(t *testing.T) {
	c := mustCookies(t, config.CookiePolicy{Categories: map[string]string{"strict_*": "functional"}})
	const month = 30 * 24 * time.Hour
	tests := []struct {
		in     string
		set    consent.Set
		maxAge time.Duration
		want   string
		ok     bool
	}{
		// Necessary cookies pass whatever their lifetime.
		{"PHPSESSID=abc; Path=/; HttpOnly; Max-Age=99999999", consent.Only, month, "PHPSESSID=abc; Path=/; HttpOnly; Max-Age=99999999", true},
		// Not consented: removed.
		{"_ga=GA1; Max-Age=63072000; Path=/", consent.Only, month, "", false},
		// Consented: capped.
		{"_ga=GA1; Max-Age=63072000; Path=/", consent.All, month, "_ga=GA1; Max-Age=2592000; Path=/", true},
		{"_ga=GA1;max-age=63072000", consent.All, month, "_ga=GA1; Max-Age=2592000", true},
		{"_ga=GA1; Max-Age=99999999999999999999999", consent.All, month, "_ga=GA1; Max-Age=2592000", true},
		{"_ga=GA1; Max-Age=2592000", consent.All, month, "_ga=GA1; Max-Age=2592000", true},
		{"_ga=GA1; Max-Age=60", consent.All, month, "_ga=GA1; Max-Age=60", true},
		{"_ga=GA1; Expires=Wed, 01 Jan 2027 00:00:00 GMT; Secure", consent.All, month, "_ga=GA1; Expires=Fri, 31 Jan 2025 00:00:00 GMT; Secure", true},
		{"_ga=GA1; expires=Thu, 01-Jan-2099 00:00:00 GMT", consent.All, month, "_ga=GA1; Expires=Fri, 31 Jan 2025 00:00:00 GMT", true},
		{"_ga=GA1; Expires=Fri, 10 Jan 2025 00:00:00 GMT", consent.All, month, "_ga=GA1; Expires=Fri, 10 Jan 2025 00:00:00 GMT", true},
		{"_ga=GA1; Max-Age=63072000; Expires=Wed, 01 Jan 2027 00:00:00 GMT", consent.All, month, "_ga=GA1; Max-Age=2592000; Expires=Fri, 31 Jan 2025 00:00:00 GMT", true},
		// Session cookies and no cap are left alone.
		{"_ga=GA1; Path=/", consent.All, month, "_ga=GA1; Path=/", true},
		{"_ga=GA1; Max-Age=63072000", consent.All, 0, "_ga=GA1; Max-Age=63072000", true},
		// Attributes a browser would ignore are dropped.
		{"_ga=1; Max-Age=abc; Path=/", consent.All, month, "_ga=1; Path=/", true},
		{"_ga=1; Max-Age=12x", consent.All, month, "_ga=1", true},
		{"_ga=1; Expires=garbage; Path=/", consent.All, month, "_ga=1; Path=/", true},
		{"_ga=1; Expires=Mon, 31 Feb 2025 00:00:00 GMT", consent.All, month, "_ga=1", true},
		// Deletions pass even without consent.
		{"_ga=; Max-Age=0; Path=/", consent.Only, month, "_ga=; Max-Age=0; Path=/", true},
		{"_ga=; Max-Age=-1", consent.Only, month, "_ga=; Max-Age=-1", true},
		{"_fbp=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", consent.Only, month, "_fbp=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", true},
		// ... but Max-Age wins over Expires, as in browsers.
		{"_ga=x; Max-Age=100; Expires=Thu, 01 Jan 1970 00:00:00 GMT", consent.Only, month, "", false},
		{"_ga=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=100", consent.Only, month, "", false},
		// Unparseable names cannot be shown to be necessary.
		{"bad name=1", consent.All, month, "", false},
		{"novalue", consent.All, month, "", false},
		{"=x", consent.All, month, "", false},
		{"", consent.All, month, "", false},
		{"; Path=/", consent.All, month, "", false},
		// Policy categories apply.
		{"strict_x=1", consent.Only, month, "", false},
		{"strict_x=1", consent.Only.With(consent.Functional), month, "strict_x=1", true},
	}
	for _, tt := range tests {
		got, ok := c.FilterSetCookie(tt.in, tt.set.Has, tt.maxAge, testNow)
		if got != tt.want || ok != tt.ok {
			t.Errorf("FilterSetCookie(%q, %08b, %v)\n got %q, %v\nwant %q, %v", tt.in, tt.set, tt.maxAge, got, ok, tt.want, tt.ok)
		}
		if ok {
			if _, err := http.ParseSetCookie(got); err != nil && !strings.HasPrefix(tt.in, "bad") {
				t.Errorf("FilterSetCookie(%q) = %q, which net/http cannot parse: %v", tt.in, got, err)
			}
		}
	}
	// A nil keep keeps only necessary cookies and deletions.
	for in, want := range map[string]bool{"_ga=GA1": false, "PHPSESSID=1": true, "_ga=; Max-Age=0": true} {
		if _, ok := c.FilterSetCookie(in, nil, month, testNow); ok != want {
			t.Errorf("FilterSetCookie(%q, nil) ok = %v, want %v", in, ok, want)
		}
	}
}

func TestFilterSetCookieAllocs(t *testing.T) {
	c := mustCookies(t, config.CookiePolicy{})
	for _, v := range []string{
		"PHPSESSID=abc; Path=/; HttpOnly",
		"_ga=GA1.1.123.456; Max-Age=3600; Path=/; Expires=Fri, 10 Jan 2025 00:00:00 GMT",
	} {
		if n := testing.AllocsPerRun(100, func() { c.FilterSetCookie(v, consent.All.Has, 30*24*time.Hour, testNow) }); n != 0 {
			t.Errorf("FilterSetCookie(%q) allocates %v times, want 0", v, n)
		}
	}
}

func TestParseCookieDate(t *testing.T) {
	want := time.Date(2021, 6, 9, 10, 18, 14, 0, time.UTC)
	for _, s := range []string{
		"Wed, 09 Jun 2021 10:18:14 GMT",
		"Wednesday, 09-Jun-21 10:18:14 GMT",
		"Wed Jun  9 10:18:14 2021",
		"09 jun 2021 10:18:14",
		"10:18:14 2021 June 9",
		"Wed, 09-JUN-2021 10:18:14 UTC",
	} {
		if got, ok := parseCookieDate(s); !ok || !got.Equal(want) {
			t.Errorf("parseCookieDate(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{
		"", "garbage", "Wed, 09 Jun 2021", "Wed, 31 Feb 2021 10:18:14 GMT",
		"Wed, 09 Jun 1600 10:18:14 GMT", "Wed, 09 Jun 2021 24:00:00 GMT",
		"Wed, 09 Jun 2021 10:60:00 GMT", "Wed, 32 Jun 2021 10:18:14 GMT",
		"Wed, 09 Jun 2021 101:18:14 GMT", "Wed, 09 Jun 20211 10:18:14 GMT",
	} {
		if got, ok := parseCookieDate(s); ok {
			t.Errorf("parseCookieDate(%q) = %v, want failure", s, got)
		}
	}
	// Two-digit years as RFC 6265 reads them.
	for s, year := range map[string]int{"1 Jan 70 00:00:00": 1970, "1 Jan 69 00:00:00": 2069} {
		if got, ok := parseCookieDate(s); !ok || got.Year() != year {
			t.Errorf("parseCookieDate(%q) = %v, %v; want year %d", s, got, ok, year)
		}
	}
}

func FuzzAppendFilteredHeader(f *testing.F) {
	for _, s := range []string{
		"", "a=1", "PHPSESSID=abc; _ga=GA1.2.3.4; _fbp=fb.1.2; lang=en",
		`a=1;;b;=c; d=2;bad name=3; "q"=4`, "\x00=\xff;;;====", "_ga_=1;_gcl_=2;wp-settings-=3",
	} {
		f.Add(s, uint8(consent.Only))
	}
	c := mustCookies(f, config.CookiePolicy{Categories: map[string]string{"x*": "marketing"}})
	f.Fuzz(func(t *testing.T, h string, set uint8) {
		s := consent.Set(set)
		out, removed := c.AppendFilteredHeader(nil, []byte(h), s.Has)
		if len(out) > len(h)+2*strings.Count(h, ";") {
			t.Fatalf("output longer than input: %q -> %q", h, out)
		}
		// Every kept pair is a well-formed, allowed cookie.
		for _, p := range strings.Split(string(out), "; ") {
			if p == "" {
				continue
			}
			name, _, ok := strings.Cut(p, "=")
			name = trimOWS(name)
			if !ok || !httpsyntax.IsToken(name) {
				t.Fatalf("kept malformed pair %q", p)
			}
			if !s.Has(c.Category(name)) {
				t.Fatalf("kept %q of category %v with consent %08b", p, c.Category(name), s)
			}
		}
		if removed == [4]int{} && len(out) > 0 {
			// Nothing removed: every non-empty pair was kept.
			var n int
			for _, p := range strings.Split(h, ";") {
				if trimOWS(p) != "" {
					n++
				}
			}
			if got := strings.Count(string(out), "; ") + 1; got != n {
				t.Fatalf("removed nothing but kept %d of %d pairs: %q -> %q", got, n, h, out)
			}
		}
	})
}

func FuzzFilterSetCookie(f *testing.F) {
	for _, s := range []string{
		"", "_ga=1; Max-Age=99999999; Expires=Wed, 01 Jan 2099 00:00:00 GMT",
		"PHPSESSID=1; Path=/", "_ga=; Max-Age=0", "_ga=1; Expires=Mon, 31 Feb 2025 00:00:00 GMT",
		"_ga=1;;;max-age=-;expires=;=", "bad name=1", "_fbp=1; Expires=99:99:99 1 jan 1601",
	} {
		f.Add(s, uint8(consent.All))
	}
	c := mustCookies(f, config.CookiePolicy{})
	const maxAge = 30 * 24 * time.Hour
	f.Fuzz(func(t *testing.T, v string, set uint8) {
		s := consent.Set(set)
		out, ok := c.FilterSetCookie(v, s.Has, maxAge, testNow)
		if !ok {
			if out != "" {
				t.Fatalf("removed but returned %q", out)
			}
			return
		}
		pair, attrs, _ := strings.Cut(out, ";")
		name, _, _ := strings.Cut(pair, "=")
		cat := c.Category(trimOWS(name))
		if cat == consent.Necessary || deletes(attrs, testNow) {
			return
		}
		if !s.Has(cat) {
			t.Fatalf("kept %q of category %v with consent %08b", out, cat, s)
		}
		// The lifetime a browser would give it is within the cap.
		limit := testNow.Add(maxAge)
		for attrs != "" {
			var a string
			a, attrs, _ = strings.Cut(attrs, ";")
			key, val, _ := strings.Cut(a, "=")
			key, val = trimOWS(key), trimOWS(val)
			switch {
			case strings.EqualFold(key, "max-age"):
				if n, ok := parseMaxAge(val); !ok || n > int64(maxAge/time.Second) {
					t.Fatalf("%q -> %q keeps Max-Age %q", v, out, val)
				}
			case strings.EqualFold(key, "expires"):
				if tm, ok := parseCookieDate(val); !ok || tm.After(limit) {
					t.Fatalf("%q -> %q keeps Expires %q", v, out, val)
				}
			}
		}
	})
}

func BenchmarkAppendFilteredHeader(b *testing.B) {
	c := mustCookies(b, config.CookiePolicy{})
	h := []byte("PHPSESSID=9f2b7c1e5d; _ga=GA1.2.1234567890.1700000000; _ga_ABC123=GS1.1.1700000000.1.1.1700000100.0.0.0; " +
		"_gid=GA1.2.987654321.1700000000; _fbp=fb.1.1700000000000.1234567890; _gcl_au=1.1.1234567890.1700000000; " +
		"lang=en; csrftoken=Zx9y8W7v6U5t4S3r2Q1p; cookieyes-consent=consentid:abc,consent:yes,action:yes")
	dst := make([]byte, 0, 1024)
	for _, bc := range []struct {
		name string
		set  consent.Set
	}{{"all_kept", consent.All}, {"necessary_only", consent.Only}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(h)))
			for b.Loop() {
				dst, _ = c.AppendFilteredHeader(dst[:0], h, bc.set.Has)
			}
		})
		// What the same job costs with net/http's cookie parser.
		b.Run(bc.name+"/net_http", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(h)))
			for b.Loop() {
				cookies, err := http.ParseCookie(string(h))
				if err != nil {
					b.Fatal(err)
				}
				dst = dst[:0]
				for _, ck := range cookies {
					if bc.set.Has(c.Category(ck.Name)) {
						if len(dst) > 0 {
							dst = append(dst, "; "...)
						}
						dst = append(dst, ck.String()...)
					}
				}
			}
		})
	}
}
