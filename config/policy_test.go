package config

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDefaultIsStrictAndValid(t *testing.T) {
	p := Default()
	if err := p.Validate(); err != nil {
		t.Fatalf("default policy does not validate: %v", err)
	}
	if p.IP.Transform != TransformCountry {
		t.Errorf("ip.transform = %q, want country", p.IP.Transform)
	}
	for _, name := range DetectorNames {
		d, ok := p.Detectors[name]
		if !ok || d.Off {
			t.Errorf("detector %s is not on by default", name)
		}
	}
	if p.Detectors["ipv4"].Replace != ReplaceTransform || p.Detectors["email"].Replace != ReplaceTag {
		t.Errorf("replacements = %+v", p.Detectors)
	}
	if p.Consent.Format != ConsentNone {
		t.Errorf("consent.format = %q, want none", p.Consent.Format)
	}
	if time.Duration(p.Pseudonym.Rotate) != 24*time.Hour || p.Pseudonym.Retention != p.Pseudonym.Rotate {
		t.Errorf("pseudonym = %+v", p.Pseudonym)
	}
	if time.Duration(p.Cookies.MaxAge) != 395*24*time.Hour {
		t.Errorf("cookies.max_age = %v", p.Cookies.MaxAge)
	}
}

func TestDefaultRoundTrips(t *testing.T) {
	b, err := json.Marshal(Default())
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("default policy does not load back: %v\n%s", err, b)
	}
	b2, _ := json.Marshal(p)
	if !bytes.Equal(b, b2) {
		t.Errorf("round trip changed the policy:\n%s\n%s", b, b2)
	}
}

func TestConsentCookieDefaultsPerFormat(t *testing.T) {
	for format, cookie := range defaultConsentCookie {
		p := Policy{Consent: ConsentPolicy{Format: format}}
		p.ApplyDefaults()
		if p.Consent.Cookie != cookie {
			t.Errorf("format %s: cookie = %q, want %q", format, p.Consent.Cookie, cookie)
		}
	}
}

func TestLoadErrorsNameTheField(t *testing.T) {
	tests := []struct {
		json string
		want []string // substrings of the error
	}{
		{`{"ip": {"transform": "hash"}}`, []string{"ip.transform", `"hash"`, `"country"`}},
		{`{"ip": {"ipv4_prefix": 33}}`, []string{"ip.ipv4_prefix", "0 to 32"}},
		{`{"ip": {"ipv6_prefix": -1}}`, []string{"ip.ipv6_prefix"}},
		{`{"ip": {"transfrom": "country"}}`, []string{`unknown field "transfrom"`}},
		{`{"geoip": {"unknown": "zz"}}`, []string{"geoip.unknown"}},
		{`{"detectors": {"emial": {}}}`, []string{"detectors.emial", "unknown detector"}},
		{`{"detectors": {"email": {"replace": "transform"}}}`, []string{"detectors.email.replace"}},
		{`{"detectors": {"email": {"replace": "hash"}}}`, []string{"detectors.email.replace"}},
		{`{"url": {"query": "none"}}`, []string{"url.query"}},
		{`{"url": {"deny": ["ok", "a=b"]}}`, []string{"url.deny[1]"}},
		{`{"url": {"keep_values": ["a b"]}}`, []string{"url.keep_values[0]"}},
		{`{"url": {"path_ids": "drop"}}`, []string{"url.path_ids", `"tag"`, `"keep"`}},
		{`{"cookies": {"categories": {"_x": "ads"}}}`, []string{"cookies.categories._x", `"marketing"`}},
		{`{"cookies": {"max_age": "soon"}}`, []string{"soon", "duration"}},
		{`{"headers": {"client_ip": ["X Bad"]}}`, []string{"headers.client_ip[0]"}},
		{`{"user_agent": "hide"}`, []string{"user_agent"}},
		{`{"pseudonym": {"rotate": "1s"}}`, []string{"pseudonym.rotate", "1m"}},
		{`{"consent": {"format": "quantcast"}}`, []string{"consent.format", `"tcf"`}},
		{`{"consent": {"gpc": ["necessary"]}}`, []string{"consent.gpc[0]", "necessary"}},
		{`{"consent": {"dnt": ["none", "analytics"]}}`, []string{"consent.dnt[0]"}},
		{`{"ip": {"ipv4_prefix": "24"}}`, []string{"ip.ipv4_prefix"}},
		{`{"keys": {"store": "consul"}}`, []string{"keys.store", `"redis"`}},
		{`{"keys": {"store": "redis"}}`, []string{"keys.address", "host:port"}},
		{`{"keys": {"store": "redis", "address": "localhost"}}`, []string{"keys.address", `"localhost"`}},
		{`{"keys": {"address": "localhost:6379"}}`, []string{"keys.address", "redis store"}},
		{`{"keys": {"store": "memory", "password": "x"}}`, []string{"keys.password", "redis store"}},
		{`{"keys": {"store": "redis", "address": "r:6379", "prefix": "a b"}}`, []string{"keys.prefix"}},
		{`{"ip": `, []string{"not valid JSON"}},
		{``, []string{"empty"}},
		{`{} {}`, []string{"after the JSON object"}},
	}
	for _, tt := range tests {
		_, err := Load(strings.NewReader(tt.json))
		if err == nil {
			t.Errorf("Load(%s): no error", tt.json)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Load(%s): error %q does not mention %q", tt.json, err, w)
			}
		}
	}
}

func TestLoadReportsEveryBadField(t *testing.T) {
	_, err := Load(strings.NewReader(`{"ip": {"transform": "x"}, "url": {"query": "y"}}`))
	if err == nil || !strings.Contains(err.Error(), "ip.transform") || !strings.Contains(err.Error(), "url.query") {
		t.Fatalf("want both fields named, got %v", err)
	}
}

func TestLoadAcceptsRelaxations(t *testing.T) {
	p, err := Load(strings.NewReader(`{
		"ip": {"transform": "truncate", "ipv4_prefix": 16},
		"consent": {"format": "onetrust", "gpc": ["marketing"], "dnt": ["none"]},
		"cookies": {"categories": {"_app_*": "functional"}, "max_age": "30d"},
		"detectors": {"postcode": {"off": true}}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.IP.IPv4Prefix != 16 || p.IP.IPv6Prefix != 48 {
		t.Errorf("prefixes = %d, %d", p.IP.IPv4Prefix, p.IP.IPv6Prefix)
	}
	if p.Consent.Cookie != "OptanonConsent" || len(p.Consent.GPC) != 1 {
		t.Errorf("consent = %+v", p.Consent)
	}
	if !p.Detectors["postcode"].Off || p.Detectors["postcode"].Replace != ReplaceTag {
		t.Errorf("postcode = %+v", p.Detectors["postcode"])
	}
	if time.Duration(p.Cookies.MaxAge) != 30*24*time.Hour {
		t.Errorf("max_age = %v", p.Cookies.MaxAge)
	}
}

func TestLoadKeys(t *testing.T) {
	p, err := Load(strings.NewReader(`{"keys": {"store": "redis", "address": "{env.REDIS_ADDR}", "password": "{env.REDIS_PASSWORD}"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Keys.Store != KeyStoreRedis || p.Keys.Prefix != "" {
		t.Errorf("keys = %+v; the store has no default in the policy (each front end has its own)", p.Keys)
	}
	t.Setenv("REDIS_PASSWORD", "s3cret")
	if got := ExpandEnv("a{env.REDIS_PASSWORD}b{env.UNSET_X}{env.REDIS_PASSWORD}{env.x"); got != "as3cretbs3cret{env.x" {
		t.Errorf("ExpandEnv = %q", got)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"24h", 24 * time.Hour, true},
		{"395d", 395 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"", 0, false},
		{"d", 0, false},
		{"xd", 0, false},
		{"5", 0, false},
		{"99999999d", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err == nil) != tt.ok || (tt.ok && time.Duration(got) != tt.want) {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	var d Duration
	if err := json.Unmarshal([]byte(`3600000000000`), &d); err != nil || time.Duration(d) != time.Hour {
		t.Errorf("nanoseconds: %v, %v", d, err)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add(`{}`)
	f.Add(`{"ip":{"transform":"truncate","ipv4_prefix":8}}`)
	f.Add(`{"consent":{"format":"json","fields":{"stats":"analytics"}}}`)
	f.Add(`{"cookies":{"max_age":"1d2h"}}`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Load(strings.NewReader(s))
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("loaded policy does not validate: %v", err)
		}
	})
}
