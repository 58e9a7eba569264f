package redact_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/redact"
	"github.com/caddy-privacy/caddy-privacy/redact/country"
	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym"
	"github.com/caddy-privacy/caddy-privacy/redact/scrub"
)

// newRedactor builds a Redactor for the policy JSON with a tiny country
// database and in-memory keys.
func newRedactor(t testing.TB, policy string) *redact.Redactor {
	t.Helper()
	p, err := config.Load(strings.NewReader(policy))
	if err != nil {
		t.Fatal(err)
	}
	db, err := country.FromBytes(countrytest.MaxMindBytes(t, map[string]string{
		"81.2.69.0/24": "GB", "2001:218::/32": "JP",
	}))
	if err != nil {
		t.Fatal(err)
	}
	keys := pseudonym.NewKeyRing(new(pseudonym.MemoryStore), time.Hour, time.Hour)
	if err := keys.Refresh(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	r, err := redact.New(p, country.NewResolver(db, p.GeoIP.Unknown, p.GeoIP.CacheSize), keys)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRedactorAppliesThePolicy(t *testing.T) {
	tests := []struct {
		policy string
		method func(*redact.Redactor) func(dst, src []byte) []byte
		in     string
		want   string
	}{
		{`{}`, ip, "81.2.69.160:4431", "GB"},
		{`{}`, ip, "81.2.69.160, 2001:218::1, 10.0.0.1", "GB, JP, ZZ"},
		{`{"ip":{"transform":"truncate"}}`, ip, "81.2.69.160", "81.2.69.0"},
		{`{"ip":{"transform":"drop"}}`, ip, "81.2.69.160", ""},
		{`{"geoip":{"off":true}}`, ip, "81.2.69.160", "81.2.69.0"},
		{`{}`, text, "dial tcp 81.2.69.160:443: refused for jane@example.com", "dial tcp GB:443: refused for [email]"},
		{`{"detectors":{"email":{"off":true}}}`, text, "jane@example.com from 81.2.69.160", "jane@example.com from GB"},
		{`{"detectors":{"email":{"replace":"mask"}}}`, text, "to a@b.co", "to ******"},
		{`{}`, url, "/search?q=jane%40example.com&page=2&gclid=x#top", "/search?q=[email]&page=2"},
		{`{"url":{"query":"allow"}}`, url, "/search?q=shoes&page=2", "/search?page=2"},
		{`{}`, ua, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.71 Safari/537.36", "Chrome/120 (Windows)"},
		{`{"user_agent":"drop"}`, ua, "curl/8.0", ""},
		{`{"user_agent":"keep"}`, ua, "curl/8.0 (81.2.69.160)", "curl/8.0 (GB)"},
	}
	for _, tt := range tests {
		r := newRedactor(t, tt.policy)
		if got := string(tt.method(r)(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("policy %s: %q → %q, want %q", tt.policy, tt.in, got, tt.want)
		}
	}
}

func ip(r *redact.Redactor) func(dst, src []byte) []byte   { return r.AppendIP }
func text(r *redact.Redactor) func(dst, src []byte) []byte { return r.AppendText }
func url(r *redact.Redactor) func(dst, src []byte) []byte  { return r.AppendURL }
func ua(r *redact.Redactor) func(dst, src []byte) []byte   { return r.AppendUserAgent }

func TestRedactorPseudonyms(t *testing.T) {
	r := newRedactor(t, `{"ip":{"transform":"pseudonym"}}`)
	a := string(r.AppendIP(nil, []byte("81.2.69.160")))
	b := string(r.AppendIP(nil, []byte("81.2.69.160:80")))
	c := string(r.AppendIP(nil, []byte("81.2.69.161")))
	if a == "" || a != b || a == c || strings.Contains(a, "81.2") {
		t.Errorf("pseudonyms %q %q %q: want equal for one address, different for another", a, b, c)
	}
	other := newRedactor(t, `{"ip":{"transform":"pseudonym"}}`)
	if d := string(other.AppendIP(nil, []byte("81.2.69.160"))); d == a {
		t.Errorf("two key rings gave the same pseudonym %q", d)
	}
}

func TestRedactorNeedsKeys(t *testing.T) {
	if _, err := redact.New(config.Default(), nil, nil); err == nil {
		t.Error("New without a key ring succeeded")
	}
}

func TestRedactorAllocatesNothingOnCleanText(t *testing.T) {
	r := newRedactor(t, `{}`)
	line := []byte(`GET /index.html HTTP/1.1" 200 5120 "Mozilla/5.0 (X11; Linux x86_64)"`)
	dst := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { dst = r.AppendText(dst[:0], line) }); n != 0 {
		t.Errorf("AppendText allocated %.0f times", n)
	}
}

func ExampleRedactor() {
	var t testing.T
	r := newRedactor(&t, `{}`)
	fmt.Println(string(r.AppendIP(nil, []byte("81.2.69.160"))))
	fmt.Println(string(r.AppendText(nil, []byte("password reset for jane@example.com from 81.2.69.160"))))
	fmt.Println(string(r.AppendURL(nil, []byte("https://shop.example/cart?session_id=abc&item=42&fbclid=IwAR0"))))
	// Output:
	// GB
	// password reset for [email] from GB
	// https://shop.example/cart?item=42
}

// TestUserAgentCacheAgreesWithScrub: the cache gives what generalising
// afresh gives, also when more agents than slots evict one another.
func TestUserAgentCacheAgreesWithScrub(t *testing.T) {
	r := newRedactor(t, `{}`)
	agents := []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
		"curl/8.4.0", "", "-", strings.Repeat("x", 600),
	}
	for i := 0; i < 3000; i++ {
		agents = append(agents, fmt.Sprintf("Mozilla/5.0 (X11; Linux x86_64; rv:%d.0) Gecko/20100101 Firefox/%d.0", i, i))
	}
	for round := 0; round < 2; round++ {
		for _, ua := range agents {
			got := string(r.AppendUserAgent([]byte("p:"), []byte(ua)))
			want := "p:" + string(scrub.AppendUserAgent(nil, []byte(ua)))
			if got != want {
				t.Fatalf("round %d: %q → %q, want %q", round, ua, got, want)
			}
		}
	}
}
