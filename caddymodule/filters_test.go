package caddymodule

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/caddy/v2/modules/logging"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/caddy-privacy/caddy-privacy/config"
)

// provisionedFilter provisions a filter with the test database (unless
// geoip is configured) and storage of its own.
func provisionedFilter[F interface {
	logging.LogFieldFilter
	provision(certmagic.Storage, *zap.Logger) error
	Cleanup() error
}](t testing.TB, f F, geo *config.GeoIPPolicy) F {
	t.Helper()
	if geo.Database == "" && !geo.Off {
		geo.Database = testDB(t)
	}
	if err := f.provision(&certmagic.FileStorage{Path: t.TempDir()}, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Cleanup() })
	return f
}

func newCountryIP(t testing.TB, f *CountryIPFilter) *CountryIPFilter {
	return provisionedFilter(t, f, &f.GeoIP)
}

func newPII(t testing.TB, f *PIIFilter) *PIIFilter {
	return provisionedFilter(t, f, &f.GeoIP)
}

// filtered returns what a filtered field adds to an encoder, as JSON, or
// "" when it adds nothing.
func filtered(t *testing.T, f logging.LogFieldFilter, in zapcore.Field) string {
	t.Helper()
	enc := zapcore.NewMapObjectEncoder()
	f.Filter(in).AddTo(enc)
	if len(enc.Fields) == 0 {
		return ""
	}
	b, err := json.Marshal(enc.Fields)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCountryIPFilter(t *testing.T) {
	country := newCountryIP(t, new(CountryIPFilter))
	truncate := newCountryIP(t, &CountryIPFilter{IPPolicy: config.IPPolicy{Transform: "truncate", IPv4Prefix: 16}})
	drop := newCountryIP(t, &CountryIPFilter{IPPolicy: config.IPPolicy{Transform: "drop"}, GeoIP: config.GeoIPPolicy{Off: true}})
	pseudonym := newCountryIP(t, &CountryIPFilter{IPPolicy: config.IPPolicy{Transform: "pseudonym"}, GeoIP: config.GeoIPPolicy{Off: true}})
	for _, c := range []struct {
		name string
		f    logging.LogFieldFilter
		in   zapcore.Field
		want string
	}{
		{"address", country, zap.String("ip", "81.2.69.160"), `{"ip":"GB"}`},
		{"host:port", country, zap.String("ip", "81.2.69.160:443"), `{"ip":"GB"}`},
		{"IPv6 in brackets", country, zap.String("ip", "[2001:218::1]:443"), `{"ip":"JP"}`},
		{"list", country, zap.String("ip", "81.2.69.160, 216.160.83.56,10.0.0.1"), `{"ip":"GB, US, ZZ"}`},
		{"not an address", country, zap.String("ip", "jane.example.com"), `{"ip":"unknown"}`},
		{"leading zeros", country, zap.String("ip", "081.2.69.160"), `{"ip":"unknown"}`},
		{"empty", country, zap.String("ip", ""), `{"ip":""}`},
		{"header array", country, zap.Array("X-Forwarded-For", caddyhttp.LoggableStringArray{"81.2.69.160, 216.160.83.56", "2001:218::9"}), `{"X-Forwarded-For":["GB, US","JP"]}`},
		{"byte string from the filter encoder", country, zap.Binary("ip", []byte("216.160.83.56")), `{"ip":"US"}`},
		{"byte string", country, zap.ByteString("ip", []byte("216.160.83.56")), `{"ip":"US"}`},
		{"number", country, zap.Int("ip", 1359103392), `{"ip":"unknown"}`},
		{"strings", country, zap.Strings("ips", []string{"81.2.69.160", "x"}), `{"ips":["GB","unknown"]}`},
		{"stringer", country, zap.Stringer("ip", netip.MustParseAddr("2001:218::1")), `{"ip":"JP"}`},
		{"object", country, zap.Object("o", caddyhttp.LoggableHTTPHeader{Header: http.Header{"A": {"81.2.69.160"}}}), `{"o":{"A":["GB"]}}`},
		{"skip", country, zap.Skip(), ``},
		{"truncate", truncate, zap.String("ip", "81.2.69.160:8080"), `{"ip":"81.2.0.0"}`},
		{"truncate IPv6", truncate, zap.String("ip", "2001:218:1234:5678::1"), `{"ip":"2001:218:1234::"}`},
		{"drop", drop, zap.String("ip", "81.2.69.160"), ``},
		{"drop array", drop, zap.Array("X-Forwarded-For", caddyhttp.LoggableStringArray{"81.2.69.160"}), `{"X-Forwarded-For":[]}`},
		{"unprovisioned", new(CountryIPFilter), zap.String("ip", "81.2.69.160"), ``},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := filtered(t, c.f, c.in); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
	t.Run("pseudonym", func(t *testing.T) {
		a := filtered(t, pseudonym, zap.String("ip", "81.2.69.160"))
		b := filtered(t, pseudonym, zap.String("ip", "81.2.69.160:1234"))
		c := filtered(t, pseudonym, zap.String("ip", "81.2.69.161"))
		if a != b || a == c || strings.Contains(a, "81.2") {
			t.Errorf("pseudonyms %s, %s, %s: want the first two equal and the third different", a, b, c)
		}
	})
}

func TestPIIFilter(t *testing.T) {
	pii := newPII(t, new(PIIFilter))
	masked := newPII(t, &PIIFilter{
		Detectors: map[string]config.Detector{"email": {Replace: "mask"}, "phone": {Off: true}},
		IP:        config.IPPolicy{Transform: "truncate"},
		GeoIP:     config.GeoIPPolicy{Off: true},
	})
	for _, c := range []struct {
		name string
		f    logging.LogFieldFilter
		in   zapcore.Field
		want string
	}{
		{"text", pii, zap.String("uri", "/u/jane.doe@example.com?ip=81.2.69.160"), `{"uri":"/u/[email]"}`},
		{"nothing to find", pii, zap.String("uri", "/products/123456?page=2"), `{"uri":"/products/123456?page=2"}`},
		{"card", pii, zap.String("note", "card 4111 1111 1111 1111"), `{"note":"card [card]"}`},
		{"array", pii, zap.Array("Referer", caddyhttp.LoggableStringArray{"https://a.example/?mail=jane@example.com", "ok"}), `{"Referer":["https://a.example/","ok"]}`},
		// Text knows structure: key=value runs are scrubbed as queries, and
		// a parameter named for an identifier goes whole.
		{"object", pii, zap.Object("o", caddyhttp.LoggableHTTPHeader{Header: http.Header{"X-Note": {"mail=jane@example.com", "size=2"}}}), `{"o":{"X-Note":["size=2"]}}`},
		{"error", pii, zap.Error(fmt.Errorf("no user jane@example.com")), `{"error":"no user [email]"}`},
		{"number passes", pii, zap.Int("n", 7700900123), `{"n":7700900123}`},
		{"configured", masked, zap.String("m", "jane@example.com 81.2.69.160 07700 900123"), `{"m":"**************** 81.2.69.0 07700 900123"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := filtered(t, c.f, c.in); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

// TestFiltersInFilterEncoder configures Caddy's own filter encoder with the
// two filters, as users of format filter would.
func TestFiltersInFilterEncoder(t *testing.T) {
	ip := newCountryIP(t, new(CountryIPFilter))
	pii := newPII(t, &PIIFilter{GeoIP: config.GeoIPPolicy{Database: ip.GeoIP.Database}})
	fe := &logging.FilterEncoder{Fields: map[string]logging.LogFieldFilter{
		"request>remote_ip":               ip,
		"request>client_ip":               ip,
		"request>headers>X-Forwarded-For": ip,
		"request>uri":                     pii,
		"request>headers>Referer":         pii,
		"request>headers>Cookie":          new(logging.DeleteFilter),
		"user_id":                         pii,
	}}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	if err := fe.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	logger, buf := loggerOver(fe)
	logAccess(logger, visitorRequest())
	line := buf.lines(t)[0]
	for path, want := range map[string]any{
		"request>remote_ip":               "GB",
		"request>client_ip":               "US",
		"request>headers>X-Forwarded-For": []any{"GB, US"},
		"request>uri":                     "/account/reset?page=2",
		"request>headers>Referer":         []any{"https://shop.example/profile?tab=orders"},
		"request>headers>Cookie":          nil,
		"user_id":                         "jane.doe",
	} {
		if got := get(line, strings.Split(path, ">")...); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
}

func TestFilterUnmarshalCaddyfile(t *testing.T) {
	var ip CountryIPFilter
	if err := ip.UnmarshalCaddyfile(caddyfile.NewTestDispenser(`country_ip truncate 20 40 {
		geoip off
		geoip_check 2m
		pseudonym 1h
	}`)); err != nil {
		t.Fatal(err)
	}
	if ip.IPPolicy != (config.IPPolicy{Transform: "truncate", IPv4Prefix: 20, IPv6Prefix: 40}) || !ip.GeoIP.Off ||
		ip.GeoIPCheck != caddy.Duration(2*60e9) || ip.Pseudonym.Rotate != config.Duration(60*60e9) {
		t.Errorf("country_ip parsed %+v", ip)
	}
	var bare CountryIPFilter
	if err := bare.UnmarshalCaddyfile(caddyfile.NewTestDispenser(`country_ip`)); err != nil || bare.IPPolicy != (config.IPPolicy{}) {
		t.Errorf("bare country_ip: %v, %+v", err, bare)
	}

	var pii PIIFilter
	if err := pii.UnmarshalCaddyfile(caddyfile.NewTestDispenser(`pii {
		detector email mask
		detector phone off
		ip truncate 16
		geoip /db.mmdb
		unknown_country XX
	}`)); err != nil {
		t.Fatal(err)
	}
	if pii.Detectors["email"].Replace != "mask" || !pii.Detectors["phone"].Off || pii.IP.IPv4Prefix != 16 ||
		pii.GeoIP.Database != "/db.mmdb" || pii.GeoIP.Unknown != "XX" {
		t.Errorf("pii parsed %+v", pii)
	}

	for _, c := range []struct {
		f       caddyfile.Unmarshaler
		input   string
		msg, at string
	}{
		{new(CountryIPFilter), "country_ip hash", `"hash" is not one of`, "Testfile:1"},
		{new(CountryIPFilter), "country_ip truncate 24 48 96", "wrong argument count", "Testfile:1"},
		{new(CountryIPFilter), "country_ip {\n\tdetector email off\n}", `unrecognized country_ip option "detector"`, "Testfile:2"},
		{new(CountryIPFilter), "country_ip {\n\tip truncate\n}", `unrecognized country_ip option "ip"`, "Testfile:2"},
		{new(PIIFilter), "pii email", "wrong argument count", "Testfile:1"},
		{new(PIIFilter), "pii {\n\tquery allow q\n}", `unrecognized pii option "query"`, "Testfile:2"},
		{new(PIIFilter), "pii {\n\tgeoip off\n\tdetector email scramble\n}", `"scramble" is not one of`, "Testfile:3"},
	} {
		err := c.f.UnmarshalCaddyfile(caddyfile.NewTestDispenser(c.input))
		if err == nil || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), c.at) {
			t.Errorf("%q: error %v, want %q at %s", c.input, err, c.msg, c.at)
		}
	}
}

func TestFilterProvisionErrors(t *testing.T) {
	storage := &certmagic.FileStorage{Path: t.TempDir()}
	for _, c := range []struct {
		name string
		f    interface {
			provision(certmagic.Storage, *zap.Logger) error
			Validate() error
			Cleanup() error
		}
		want string
	}{
		{"country_ip without database", new(CountryIPFilter), "no country database"},
		{"pii without database", new(PIIFilter), "no country database"},
		{"bad prefix", &CountryIPFilter{IPPolicy: config.IPPolicy{Transform: "truncate", IPv4Prefix: 33}, GeoIP: config.GeoIPPolicy{Off: true}}, "ip.ipv4_prefix"},
		{"bad detector", &PIIFilter{Detectors: map[string]config.Detector{"passport": {}}, GeoIP: config.GeoIPPolicy{Off: true}}, "detectors.passport"},
		{"negative check", &PIIFilter{GeoIPCheck: -1, GeoIP: config.GeoIPPolicy{Off: true}}, "geoip_check"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.f.provision(storage, zap.NewNop())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one naming %q", err, c.want)
			}
			if err := c.f.Cleanup(); err != nil {
				t.Errorf("Cleanup after failed Provision: %v", err)
			}
		})
	}
}

// FuzzCountryIPFilter filters fuzzed values: an IPv4 address in the input
// must never be in the output.
func FuzzCountryIPFilter(f *testing.F) {
	for _, s := range []string{"81.2.69.160", "81.2.69.160:80, 10.0.0.1", "[2001:218::1]:443", "1.2.3.4.5", "", ",,,", "\xff1.2.3.4"} {
		f.Add(s)
	}
	ip := newCountryIP(f, new(CountryIPFilter))
	f.Fuzz(func(t *testing.T, s string) {
		out := ip.Filter(zap.String("ip", s))
		arr := ip.Filter(zap.Array("ips", caddyhttp.LoggableStringArray{s, s}))
		for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
			a, err := netip.ParseAddr(part)
			if err != nil || !a.Is4() {
				continue
			}
			if strings.Contains(out.String, part) {
				t.Fatalf("%q filtered to %q", s, out.String)
			}
			if got := fmt.Sprint(arr.Interface); strings.Contains(got, part) {
				t.Fatalf("%q filtered to %s", s, got)
			}
		}
	})
}
