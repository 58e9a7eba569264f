package detect

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
)

var fuzzSeeds = []string{
	"",
	"83.149.9.216 - - [17/May/2015:10:05:03 +0000] \"GET /x HTTP/1.1\" 200 203023 \"-\" \"Mozilla/5.0 Chrome/32.0.1700.77\"",
	"jane.doe@example.com jane.doe%40example.com email%3Djohn%40example.co.uk %4 %40 %",
	"07700 900123 +44 (0)20 7946 0018 +1 (415) 555-2671 (020) 7946 0018 0044 7700 900123",
	"AB 12 34 56 C AB123456C 943 476 5919 9434765919 4111 1111 1111 1111 4111111111111111",
	"GB82 WEST 1234 5698 7654 32 DE89370400440532013000 SW1A 1AA GIR 0AA CR26XH",
	jwtHS256 + " " + jwe,
	"Authorization: Bearer abc.def-123\n\"authorization\":\"Digest a=\\\"b\\\"\" Basic dXNlcjpwYXNz",
	"_ga=GA1.2.123456789.1700000000; _ga_ABC=GS1.1.1.1.1; _gid=; _gl=1*a*_ga*b",
	"[2001:db8::1]:443 ::ffff:1.2.3.4 fe80::1%eth0 :: 10:15:30 550e8400-e29b-41d4-a716-446655440000",
	"07700900123@sms.example.com a%40a%40a%40a.co 1.2.3.4@x.co",
	"v1.2.3.4 1.2.3.4 rv:1.8.1.4 Linux 2.6.32.59 Chrome/1.0.154.53 /x/8.8.8.8",
	"\x00\xff\xfe@\x80.com 1.2.3.4\x00 +\x00 \xc3\xa9@example.com",
	"eyJ", "eyJhbGciOiJIUzI1NiJ9.", "+", "0", "GA1.", "Bearer ", "_g", "::", "(0", "AB 1",
	"_ga=1",                       // found by fuzzing: a value that is part of the test's own pseudonym
	"1.2.3.4 Authorization: ipv4", // a found text inside a tag
	`"GET / HTTP/1.1" 200 4111 1111 1111 1111`,
	"AB 123456C GIR 0AA (020) 7946 0018 http://host:8080/1.2.3.4 rv:1.9.0.19",
	"06.12.34.56.78 07700.900456 0 809 63 71 36 (415) 555-2671 415.555.2671 1-415-555-2671 030 12345",
	"tel:%2B447700900123 %2B44%207700%20900123 +49 (0)30 123456 +44/20/7946/0018 +290 22158 %2B %2B0",
	"3.9.1+20230105114512 0-306-40615-2 ISBN 0306406152 05 01 2024 10:30 0000123456 (123) 456-7890 (0",
	// Any case and other separators.
	"ab123456c ab 12 34 56 c AB-12-34-56-C Ab-123456-c gb82 west 1234 5698 7654 32 GB82-WEST-1234-5698-7654-32",
	"ls29jt sw1a1aa m11ae sw1a 1aa Sw1a+1aa gir 0aa de89-3704-0044-0532-0130-00 ?iban=GB82+WEST+1234+5698+7654+32",
	// VAT numbers.
	"GB123456782 gb 980 7806 84 GB-564-7382-13 GB123456782001 GB 564 7382 55 001 GBGD001 gbha599 GBHA499",
	"VAT: 123456782 vat_number=123 4567 27 VAT No. 564738213 VAT reg no 564738255 {\"vatNumber\":\"564738255\"}",
	"GB 1 vat= GBGD GB12 VAT reg 1 GB123 4567 8",
	// Lookalikes.
	"isbn 3540402128 ISBN-10: 9146161155 /isbn/3540402128 ?isbn=0306406152 316148410X ISBN 13: 9780306406157",
	"INV-0000123456 order=0004417733 000012345678 000 000 0000 000-123-4560 20241231235959 202412312359",
	"logo@2x.png icon@3x.webp hero@1.5x.jpg sprite@2.png jane@2xample.com @2x. @1.x.",
	"setup-4.1.0.22.exe app-10.2.3.4.zip tool-1.2.3.4.tar.gz db-10.0.0.1.nip.io a-1.2.3.4.tar. a-1.2.3.4.",
}

// fuzzScanners are the configurations the fuzz targets try: the default,
// every replacement mode, and detectors off.
func fuzzScanners(t testing.TB) []*Scanner {
	ip := func(dst []byte, a netip.Addr) []byte {
		if a.Is4() {
			return append(dst, "[GB]"...)
		}
		return dst // drop
	}
	pseudo := func(dst, src []byte) []byte { return fmt.Appendf(dst, "p%d", len(src)) } // not a secret
	all := func(replace string) map[string]config.Detector {
		d := map[string]config.Detector{}
		for _, n := range config.DetectorNames {
			d[n] = config.Detector{Replace: replace}
		}
		return d
	}
	return []*Scanner{
		mustNew(t, Options{}),
		mustNew(t, Options{Detectors: all("mask")}),
		mustNew(t, Options{Detectors: all("pseudonym"), Pseudonym: pseudo}),
		mustNew(t, Options{IP: ip, Pseudonym: pseudo}),
		mustNew(t, Options{Detectors: map[string]config.Detector{"email": {Off: true}, "ipv4": {Off: true}, "phone": {Off: true}}}),
	}
}

// FuzzAppendRedacted checks on any input that nothing panics, that Scan's
// matches are in order, inside src and apart, that Contains agrees, that
// AppendRedacted is src with exactly those matches replaced (so nothing
// found is left), and that it is src itself when nothing is found.
func FuzzAppendRedacted(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	scanners := fuzzScanners(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		for n, s := range scanners {
			var ms []Match
			s.Scan(src, func(m Match) { ms = append(ms, m) })
			last := 0
			for _, m := range ms {
				if m.Start < last || m.End <= m.Start || m.End > len(src) || !s.on[m.Kind] {
					t.Fatalf("scanner %d: bad match %+v after %d in %q", n, m, last, src)
				}
				last = m.End
			}
			if got := s.Contains(src); got != (len(ms) > 0) {
				t.Fatalf("scanner %d: Contains = %v with %d matches in %q", n, got, len(ms), src)
			}

			out := s.AppendRedacted([]byte("^"), src)
			if len(ms) == 0 {
				if !bytes.Equal(out[1:], src) {
					t.Fatalf("scanner %d: nothing found, but %q became %q", n, src, out[1:])
				}
				continue
			}
			// Build what the output must be from the matches.
			want := []byte("^")
			var kept, reps [][]byte
			last = 0
			for _, m := range ms {
				want = append(want, src[last:m.Start]...)
				kept = append(kept, src[last:m.Start])
				r := len(want)
				want = s.appendReplacement(want, src, m)
				reps = append(reps, want[r:])
				last = m.End
			}
			want = append(want, src[last:]...)
			kept = append(kept, src[last:])
			if !bytes.Equal(out, want) {
				t.Fatalf("scanner %d: %q became\n%q, want\n%q", n, src, out, want)
			}
			// No text Scan found is in the output, except where the input
			// holds the same text outside every match (1.2.3.4 is found
			// alone but not in v1.2.3.4), or where it is part of a fixed
			// replacement (a credential "ip" in the tag "[ip]").
			// Replacements are '*' or bracketed, so a found text without
			// those bytes cannot straddle one.
			for _, m := range ms {
				txt := src[m.Start:m.End]
				if bytes.ContainsAny(txt, "*[]") || !bytes.Contains(out, txt) {
					continue
				}
				ok := false
				for _, k := range append(kept, reps...) {
					ok = ok || bytes.Contains(k, txt)
				}
				if !ok {
					t.Fatalf("scanner %d: found %q survives in %q", n, txt, out)
				}
			}
			if s == scanners[1] {
				// Masks keep the length and every byte outside a match.
				if len(out)-1 != len(src) {
					t.Fatalf("mask changed the length: %q to %q", src, out)
				}
			}
		}
	})
}

// FuzzParseIPv6 checks the allocation-free IPv6 parser against netip.
func FuzzParseIPv6(f *testing.F) {
	for _, s := range []string{
		"::", "::1", "1::", "2001:db8::1", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
		"1:2:3:4:5:6:1.2.3.4", "1::1.2.3.4", "fe80::1", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1", "1:", "12345::",
		"::1.2.3", "::01.2.3.4", "1.2.3.4", "", ":", ":::", "a:b:c:d:e:f:1.2.3.4",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsRune(s, '%') {
			return // zones are not this parser's business
		}
		got, ok := parseIPv6([]byte(s))
		want, err := netip.ParseAddr(s)
		switch {
		case err == nil && want.Is6():
			if !ok || got != want.As16() {
				t.Fatalf("parseIPv6(%q) = %x, %v; netip: %v", s, got, ok, want)
			}
		case ok:
			// Only leading zeros in an embedded IPv4 part, which netip
			// rejects and this package allows, may differ.
			a, err := netip.ParseAddr(stripOctetZeros(s))
			if err != nil || !a.Is6() || a.As16() != got {
				t.Fatalf("parseIPv6(%q) = %x, but netip: %v", s, got, err)
			}
		}
	})
}

// stripOctetZeros removes leading zeros from the dotted part of s.
func stripOctetZeros(s string) string {
	i := strings.LastIndexByte(s, ':')
	if i < 0 || !strings.Contains(s[i:], ".") {
		return s
	}
	parts := strings.Split(s[i+1:], ".")
	for k, p := range parts {
		if t := strings.TrimLeft(p, "0"); t != "" {
			parts[k] = t
		} else if p != "" {
			parts[k] = "0"
		}
	}
	return s[:i+1] + strings.Join(parts, ".")
}

// FuzzParseIPv4 checks the dotted-quad parser against netip, which differs
// only in refusing leading zeros.
func FuzzParseIPv4(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1..2.3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseIPv4([]byte(s))
		want, err := netip.ParseAddr(s)
		if err == nil && want.Is4() && (!ok || got != want.As4()) {
			t.Fatalf("parseIPv4(%q) = %v, %v; netip: %v", s, got, ok, want)
		}
		if ok {
			if a, err := netip.ParseAddr(stripOctetZeros(":" + s)[1:]); err != nil || a.As4() != got {
				t.Fatalf("parseIPv4(%q) = %v, but netip: %v", s, got, err)
			}
		}
	})
}
