package detect

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/caddy-privacy/caddy-privacy/config"
)

// found returns what s finds in in, as "kind:text".
func found(s *Scanner, in string) []string {
	var got []string
	s.Scan([]byte(in), func(m Match) {
		got = append(got, m.Kind.String()+":"+in[m.Start:m.End])
	})
	return got
}

func mustNew(t testing.TB, o Options) *Scanner {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type detectCase struct {
	in   string
	want []string // "kind:text"; nil for none
}

func runCases(t *testing.T, cases []detectCase) {
	t.Helper()
	s := mustNew(t, Options{})
	for _, c := range cases {
		got := found(s, c.in)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("in %q\n got %q\nwant %q", c.in, got, c.want)
		}
		if s.Contains([]byte(c.in)) != (len(c.want) > 0) {
			t.Errorf("Contains(%q) = %v, want %v", c.in, !(len(c.want) > 0), len(c.want) > 0)
		}
	}
}

func TestIPv4(t *testing.T) {
	runCases(t, []detectCase{
		{"83.149.9.216 - - [17/May/2015:10:05:03 +0000] \"GET / HTTP/1.1\" 200 203023", []string{"ipv4:83.149.9.216"}},
		{"client=10.0.0.1;", []string{"ipv4:10.0.0.1"}},
		{"http://192.168.0.1:8080/x", []string{"ipv4:192.168.0.1"}},
		{"GET /lookup/8.8.8.8 HTTP/1.1", []string{"ipv4:8.8.8.8"}},
		{"GET /8.8.4.4", []string{"ipv4:8.8.4.4"}},
		{"http://example.com/Firefox/1.2.3.4", []string{"ipv4:1.2.3.4"}}, // a path segment, whatever its name
		{"http://example.com:8080/1.2.3.4", []string{"ipv4:1.2.3.4"}},
		{"?next=host/1.2.3.4", []string{"ipv4:1.2.3.4"}},
		{"[1.2.3.4]:53", []string{"ipv4:1.2.3.4"}},
		{"from 255.255.255.255.", []string{"ipv4:255.255.255.255"}},
		{"padded 010.001.002.003", []string{"ipv4:010.001.002.003"}},
		{"X-Forwarded-For: 203.0.113.7, 198.51.100.23", []string{"ipv4:203.0.113.7", "ipv4:198.51.100.23"}},
		{"range 10.0.0.1-10.0.0.255", []string{"ipv4:10.0.0.1", "ipv4:10.0.0.255"}},
		{"0.0.0.0", []string{"ipv4:0.0.0.0"}},
		// Near misses: versions and other dotted numbers.
		{"Chrome/120.0.6099.71", nil},
		{"Version/17.1.2", nil},
		{"1.2.3.4.5", nil},
		{"v1.2.3.4", nil},
		{"Chrome/1.0.154.53 Safari/537.36", nil},
		{"Foo-Bar/1.2.3.4", nil},
		{"(compatible; Foo/1.2.3.4)", nil},
		{"[Foo/1.2.3.4]", nil},
		{"(KHTML, like Gecko) Foo/10.1.1.1", nil},
		{"a.1.2.3.4", nil},
		{"1.2.3.4b", nil},
		{"1.2.3.4_5", nil},
		{"1.2.3.256", nil},
		{"1.2.3.4567", nil},
		{"1.2.3", nil},
		{"1..2.3.4", nil},
		{"3.14159", nil},
		{"Windows NT 6.1; rv:27.0", nil},
		{"size 1.5 MB", nil},
		{"(Windows; U; Windows NT 5.2; en-US; rv:1.8.1.4) Gecko/20070515", nil},
		{"(X11; U; Linux 2.6.32.59; en-US)", nil},
		{"server:10.0.0.1 crv:10.0.0.2", []string{"ipv4:10.0.0.1", "ipv4:10.0.0.2"}},
	})
}

func TestIPv6(t *testing.T) {
	runCases(t, []detectCase{
		{"from 2001:db8::1 to", []string{"ipv6:2001:db8::1"}},
		{"[2001:db8::2]:443", []string{"ipv6:2001:db8::2"}},
		{"::ffff:1.2.3.4", []string{"ipv6:::ffff:1.2.3.4"}},
		{"fe80::1%eth0 up", []string{"ipv6:fe80::1%eth0"}},
		{"ff02::1%2", []string{"ipv6:ff02::1%2"}},
		{"::1", []string{"ipv6:::1"}},
		{"::1%20x", []string{"ipv6:::1"}}, // a zone only on link-local and multicast
		{"2001:0db8:0000:0000:0000:ff00:0042:8329", []string{"ipv6:2001:0db8:0000:0000:0000:ff00:0042:8329"}},
		{"FE80::ABCD", []string{"ipv6:FE80::ABCD"}},
		{"addr=2001:db8:85a3::8a2e:370:7334.", []string{"ipv6:2001:db8:85a3::8a2e:370:7334"}},
		{"2001:db8::1: refused", []string{"ipv6:2001:db8::1"}},
		{"1:2:3:4:5:6:7:8", []string{"ipv6:1:2:3:4:5:6:7:8"}},
		{"http://[::1]:8080/", []string{"ipv6:::1"}},
		// Near misses.
		{"::", nil},
		{"a :: b", nil},
		{"10:15:30", nil},
		{"12:30:45.123", nil},
		{"2015-05-17T10:05:03Z", nil},
		{"request_id=550e8400-e29b-41d4-a716-446655440000", nil},
		{"std::vector<int>", nil},
		{"Foo::Bar", nil},
		{"00:1a:2b:3c:4d:5e", nil},
		{"1::2::3", nil},
		{"12345::1", nil},
		{"1:2:3:4:5:6:7:8:9", nil},
		{"http://example.com", nil},
		{"rv:11.0", nil},
		{"::1g", nil},
		{"x2001:db8::1", nil},
	})
}

func TestEmail(t *testing.T) {
	runCases(t, []detectCase{
		{"contact jane.doe@example.com now", []string{"email:jane.doe@example.com"}},
		{"?email=jane.doe%40example.com&x=1", []string{"email:jane.doe%40example.com"}},
		{"email%3Djohn%40example.co.uk", []string{"email:john%40example.co.uk"}},
		{"<j@ex.co.uk>", []string{"email:j@ex.co.uk"}},
		{"mailto:john+tag@mail.example.org", []string{"email:john+tag@mail.example.org"}},
		{"JANE@EXAMPLE.COM", []string{"email:JANE@EXAMPLE.COM"}},
		{"x@example.xn--p1ai", []string{"email:x@example.xn--p1ai"}},
		{"jane1985@example.com", []string{"email:jane1985@example.com"}},
		{"'jane@example.com'", []string{"email:jane@example.com"}},
		{".jane@example.com.", []string{"email:jane@example.com"}},
		{"jane@example.com-foo", []string{"email:jane@example.com"}},
		{"jane@mail.my-company.com", []string{"email:jane@mail.my-company.com"}},
		{"help@moz.com)", []string{"email:help@moz.com"}},
		// Near misses.
		{"user@localhost", nil},
		{"@example.com", nil},
		{"jane@", nil},
		{"jane@example", nil},
		{"jane@example.c", nil},
		{"jane@example.c0m", nil},
		{"a %40 b.com", nil},
		{"100%40.example.com", nil},
	})
}

func TestPhone(t *testing.T) {
	runCases(t, []detectCase{
		{"call 07700 900123 now", []string{"phone:07700 900123"}},
		{"+44 7700 900123", []string{"phone:+44 7700 900123"}},
		{"020 7946 0018", []string{"phone:020 7946 0018"}},
		{"020-7946-0018", []string{"phone:020-7946-0018"}},
		{"+44 (0)20 7946 0018", []string{"phone:+44 (0)20 7946 0018"}},
		{"+44(0)20 7946 0018", []string{"phone:+44(0)20 7946 0018"}},
		{"(020) 7946 0018", []string{"phone:(020) 7946 0018"}},
		{"+1 415 555 2671", []string{"phone:+1 415 555 2671"}},
		{"+1 (415) 555-2671", []string{"phone:+1 (415) 555-2671"}},
		{"+1-415-555-2671 200", []string{"phone:+1-415-555-2671"}},
		{"+33 1 23 45 67 89", []string{"phone:+33 1 23 45 67 89"}},
		{"tel:+447700900123", []string{"phone:+447700900123"}},
		{"07700900123", []string{"phone:07700900123"}},
		{"0044 7700 900123", []string{"phone:0044 7700 900123"}},
		{"00447700900123", []string{"phone:00447700900123"}},
		{"0161 496 0000", []string{"phone:0161 496 0000"}},
		// Near misses.
		{"[17/May/2015:10:05:03 +0000]", nil},
		{"+1234", nil},
		{"+0044 7700 900123", []string{"phone:0044 7700 900123"}}, // a typo, but a phone
		{"0000012345", nil},
		{"/product/123456789", nil},
		{"\"GET / HTTP/1.1\" 200 203023", nil},
		{"tel 0123", nil},
		{"q=hello+12345678+world", nil},
		{"2015-05-17", nil},
		{"07700 900123abc", nil},
		{"id 0770090012345", []string{"phone:0770090012345"}}, // 0 and 12 digits: a German number
		{"id 07700900123456789", nil},
	})
}

func TestNINO(t *testing.T) {
	runCases(t, []detectCase{
		{"NI AB123456C.", []string{"nino:AB123456C"}},
		{"AB 12 34 56 C", []string{"nino:AB 12 34 56 C"}},
		{"ni=JG 123456 D", []string{"nino:JG 123456 D"}},
		{"CE123456A", []string{"nino:CE123456A"}},
		{"(AB 123456C)", []string{"nino:AB 123456C"}},
		{"AB 12 34 56C", []string{"nino:AB 12 34 56C"}},
		// Near misses: HMRC's rules.
		{"QQ 12 34 56 C", nil}, // HMRC's specimen: Q is never a first letter
		{"QQ123456C", nil},
		{"BG123456A", nil},
		{"GB123456A", nil},
		{"NK123456A", nil},
		{"DA123456A", nil},
		{"AO123456A", nil},
		{"AB123456E", nil},
		{"AB123456", nil},
		{"AB123456CD", nil},
		{"XAB123456C", nil},
		{"AB 12 34 5 C", nil},
	})
}

func TestNHS(t *testing.T) {
	runCases(t, []detectCase{
		{"NHS 943 476 5919.", []string{"nhs:943 476 5919"}},
		{"4857773457", []string{"nhs:4857773457"}},
		{"9434765919", nil}, // the checksum example, outside the issued ranges: an ISBN-10 (943476591-9) as likely
		{"943-476-5919", []string{"nhs:943-476-5919"}},
		{"123 456 7881", []string{"nhs:123 456 7881"}}, // grouped: any first digit
		// Near misses.
		{"9434765918", nil},
		{"943 476 5918", nil},
		{"943 4765 919", nil},
		{"1700000004", nil}, // checksum fits, but contiguous and from 1: a Unix time
		{"2000000002", nil},
		{"94347659190", nil},
	})
}

func TestCard(t *testing.T) {
	runCases(t, []detectCase{
		{"card 4111 1111 1111 1111 ok", []string{"card:4111 1111 1111 1111"}},
		{"4111-1111-1111-1111", []string{"card:4111-1111-1111-1111"}},
		{"4111111111111111", []string{"card:4111111111111111"}},
		{"5500 0000 0000 0004", []string{"card:5500 0000 0000 0004"}},
		{"3782 822463 10005", []string{"card:3782 822463 10005"}},
		{"6011111111111117", []string{"card:6011111111111117"}},
		{"pan=4111111111111111&x", []string{"card:4111111111111111"}},
		// Too long for a byte count, so not skipped as one.
		{`"GET / HTTP/1.1" 200 4111111111111111 "-"`, []string{"card:4111111111111111"}},
		{`"GET / HTTP/1.1" 200 4111 1111 1111 1111`, []string{"card:4111 1111 1111 1111"}},
		// Near misses.
		{"4111111111111112", nil},
		{"4111 1111 1111 1112", nil},
		{"1234567812345670", nil}, // Luhn-valid, but no card starts with 1
		{"1700000000000", nil},
		{"41 11 11 11 11 11 11 11", nil},
	})
}

func TestIBAN(t *testing.T) {
	runCases(t, []detectCase{
		{"IBAN GB82 WEST 1234 5698 7654 32.", []string{"iban:GB82 WEST 1234 5698 7654 32"}},
		{"GB82WEST12345698765432", []string{"iban:GB82WEST12345698765432"}},
		{"DE89370400440532013000", []string{"iban:DE89370400440532013000"}},
		{"DE89 3704 0044 0532 0130 00", []string{"iban:DE89 3704 0044 0532 0130 00"}},
		{"FR1420041010050500013M02606", []string{"iban:FR1420041010050500013M02606"}},
		{"NL91ABNA0417164300", []string{"iban:NL91ABNA0417164300"}},
		// Near misses.
		{"GB82WEST12345698765433", nil},
		{"GB82WEST1234569876543", nil},
		{"GB82WEST123456987654321", nil},
		{"DE89 3704 1144 0532 0130 0", nil},
		{"GB82 WES T1234 5698 7654 32", nil},
	})
}

func TestPostcode(t *testing.T) {
	runCases(t, []detectCase{
		{"London SW1A 1AA.", []string{"postcode:SW1A 1AA"}},
		{"EC1A 1BB", []string{"postcode:EC1A 1BB"}},
		{"M1 1AE", []string{"postcode:M1 1AE"}},
		{"B33 8TH", []string{"postcode:B33 8TH"}},
		{"CR2 6XH", []string{"postcode:CR2 6XH"}},
		{"DN55 1PT", []string{"postcode:DN55 1PT"}},
		{"W1A 1HQ", []string{"postcode:W1A 1HQ"}},
		{"GIR 0AA", []string{"postcode:GIR 0AA"}},
		{"postcode=SW1A1AA&", []string{"postcode:SW1A1AA"}},
		{"CR26XH", []string{"postcode:CR26XH"}},
		// Near misses.
		{"M11AE", nil},
		{"QA1 1AA", nil},
		{"SW1A 1CA", nil},
		{"EC1A1BBX", nil},
		{"ABC 1AA", nil},
		{"HTTP/1.1", nil},
		{"Mac OS X 10_9_1", nil},
		{"X11; Linux x86_64", nil},
		{"WOW64", nil},
		{"A1 1AAA", nil},
		{"E1I 1AA", nil},
	})
}

const (
	jwtHS256 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	jwtNone  = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."
	jwe      = "eyJhbGciOiJSU0EtT0FFUCJ9.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGe.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji.XFBoMYUZodetZdvTiFvSkQ"
)

func TestJWT(t *testing.T) {
	runCases(t, []detectCase{
		{"token=" + jwtHS256 + "&x", []string{"jwt:" + jwtHS256}},
		{jwtNone + " ok", []string{"jwt:" + jwtNone}},
		{"c=" + jwe, []string{"jwt:" + jwe}},
		// Near misses.
		{"eyJhbGciOiJ", nil},
		{"eyJ.abc.def", nil},
		{"eyJhbGciOiJIUzI1NiJ9.", nil},
		{"eyJhbGciOiJIUzI1NiJ9..sig", nil},
		{"xeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", nil},
		{"keyJar", nil},
	})
}

func TestCredential(t *testing.T) {
	runCases(t, []detectCase{
		{"Authorization: Bearer abc.def-123", []string{"credential:abc.def-123"}},
		{"authorization: bearer x", []string{"credential:x"}},
		{"Proxy-Authorization: Basic dXNlcjpwYXNz\r\n", []string{"credential:dXNlcjpwYXNz"}},
		{`{"Authorization":["Bearer tok"]}`, []string{"credential:tok"}},
		{`Authorization: Digest username="Mufasa", realm="x"`, []string{`credential:username="Mufasa", realm="x"`}},
		{`"authorization":"Digest username=\"Mufasa\", realm=\"x\"", "a":1`, []string{`credential:username=\"Mufasa\", realm=\"x\"`}},
		{"AUTHORIZATION: sk_live_0123456789", []string{"credential:sk_live_0123456789"}},
		{"curl -H 'Authorization: Bearer abc' x", []string{"credential:abc"}},
		{"sent Bearer abcDEF123456 to", []string{"credential:abcDEF123456"}},
		{"bearer xyzXYZabcdefghijk", []string{"credential:xyzXYZabcdefghijk"}},
		{"BASIC dXNlcjpwYXNz", []string{"credential:dXNlcjpwYXNz"}},
		{"basic\tYTpi", []string{"credential:YTpi"}},
		{"Bearer " + jwtHS256, []string{"credential:" + jwtHS256}},
		// Near misses.
		{"the bearer of bad news", nil},
		{"Basic configuration", nil},
		{"Basic abcdefgh", nil}, // base64, but of nothing with a ':'
		{"Bearer tokens are short", nil},
		{"Bearer Authentication", nil},
		{"Authorization header is missing", nil},
		{"Authorization: ", nil},
		{"xAuthorization: secret", nil},
	})
}

func TestGAClientID(t *testing.T) {
	runCases(t, []detectCase{
		{"_ga=GA1.2.123456789.1700000000; x=1", []string{"ga_client_id:GA1.2.123456789.1700000000"}},
		{"_ga_ABC123=GS1.1.1700000000.1.1.1700000100.0.0.0", []string{"ga_client_id:GS1.1.1700000000.1.1.1700000100.0.0.0"}},
		{"_gid=GA1.2.987654321.1700000000", []string{"ga_client_id:GA1.2.987654321.1700000000"}},
		{"cid GA1.1.987654321.1700000000.", []string{"ga_client_id:GA1.1.987654321.1700000000"}},
		{"&_gl=1*abc*_ga*MTIz&", []string{"ga_client_id:1*abc*_ga*MTIz"}},
		{"_ga=2.172053950.1234.1700000000-123456789.1700000000", []string{"ga_client_id:2.172053950.1234.1700000000-123456789.1700000000"}},
		{"GS2.1.s1700000000$o1$g1$t1700000100$j60$l0$h0", []string{"ga_client_id:GS2.1.s1700000000$o1$g1$t1700000100$j60$l0$h0"}},
		// Near misses.
		{"GA1.2", nil},
		{"GAX.1.2.3", nil},
		{"utm_ga=1", nil},
		{"_ga=;", nil},
		{"_gac=1", nil},
	})
}

// TestLogNoise is lines of the kinds that fill access logs, with nothing in
// them to redact.
func TestLogNoise(t *testing.T) {
	runCases(t, []detectCase{
		{`- - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"`, nil},
		{`"Mozilla/5.0 (X11; Linux x86_64; rv:27.0) Gecko/20100101 Firefox/27.0"`, nil},
		{`"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1"`, nil},
		{`"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.71 Safari/537.36 Edg/120.0.2210.61"`, nil},
		{`{"ts":1700000000.123,"level":"info","duration":0.002345,"size":5120,"status":404,"request_id":"550e8400-e29b-41d4-a716-446655440000"}`, nil},
		{`2015-05-17T10:05:03.123Z etag="d41d8cd98f00b204e9800998ecf8427e" sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855`, nil},
		{`GET /product/123456789?page=2&sort=price HTTP/2.0`, nil},
		{`Mar  3 10:15:30 host sshd[1234]: session opened for user root by (uid=0)`, nil},
		{`took 1.234s, 12:30:45, v2.11.9, go1.26.8, build 20240101.1`, nil},
		// A byte count that happens to pass the NHS check, in the size
		// field of a log line.
		{`"GET /big.iso HTTP/1.1" 200 9434765919 "-"`, nil},
		{`"GET /x HTTP/1.1" 404 - "-"`, nil},
	})
}

func TestOverlaps(t *testing.T) {
	runCases(t, []detectCase{
		// An email wins over what its local part holds.
		{"07700900123@sms.example.com", []string{"email:07700900123@sms.example.com"}},
		{"+447700900123@sms.example.com", []string{"email:+447700900123@sms.example.com"}},
		{"4111111111111111.x@example.com", []string{"email:4111111111111111.x@example.com"}},
		{"10.0.0.1@example.com", []string{"email:10.0.0.1@example.com"}},
		{"GA1.2.123456789.1700000000%40example.com", []string{"email:GA1.2.123456789.1700000000%40example.com"}},
		// But a domain that is an address is an address.
		{"user@10.0.0.1", []string{"ipv4:10.0.0.1"}},
		{"http://user@192.168.1.1/", []string{"ipv4:192.168.1.1"}},
		// An address inside a URL.
		{"http://10.0.0.1/x?next=http://[2001:db8::1]:8080/", []string{"ipv4:10.0.0.1", "ipv6:2001:db8::1"}},
		// A card after an address.
		{"1.2.3.4 4111111111111111", []string{"ipv4:1.2.3.4", "card:4111111111111111"}},
		// Two things side by side.
		{"jane@example.com,07700900123", []string{"email:jane@example.com", "phone:07700900123"}},
	})
}

func TestReplace(t *testing.T) {
	in := "from 10.0.0.1 and 2001:db8::1, jane@example.com 07700 900123"
	// The IP transform of the tests: a country code for IPv4, nothing
	// (drop) for IPv6.
	ip := func(dst []byte, a netip.Addr) []byte {
		if a.Is4() {
			return append(dst, "GB"...)
		}
		return dst
	}
	pseudo := func(dst, src []byte) []byte {
		return fmt.Appendf(dst, "p%d", len(src))
	}
	for _, c := range []struct {
		name string
		o    Options
		want string
	}{
		{"default", Options{}, "from [ipv4] and [ipv6], [email] [phone]"},
		{"transform", Options{IP: ip, Pseudonym: pseudo}, "from GB and [ip], [email] [phone]"},
		{"mask", Options{Detectors: map[string]config.Detector{
			"ipv4": {Replace: "mask"}, "email": {Replace: "mask"}, "phone": {Replace: "mask"},
		}}, "from ******** and [ipv6], **************** ************"},
		{"pseudonym", Options{Pseudonym: pseudo, Detectors: map[string]config.Detector{
			"ipv4": {Replace: "pseudonym"}, "email": {Replace: "pseudonym"}, "phone": {Replace: "tag"},
		}}, "from [ipv4:p8] and [ipv6], [email:p16] [phone]"},
		{"pseudonym without a func", Options{Detectors: map[string]config.Detector{
			"email": {Replace: "pseudonym"},
		}}, "from [ipv4] and [ipv6], [email] [phone]"},
		{"off", Options{IP: ip, Detectors: map[string]config.Detector{
			"ipv6": {Off: true}, "phone": {Off: true},
		}}, "from GB and 2001:db8::1, [email] 07700 900123"},
		{"config defaults", Options{IP: ip, Detectors: config.Default().Detectors}, "from GB and [ip], [email] [phone]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := mustNew(t, c.o)
			got := string(s.AppendRedacted([]byte("> "), []byte(in)))
			if got != "> "+c.want {
				t.Errorf("got  %q\nwant %q", got, "> "+c.want)
			}
		})
	}
}

func TestMaskLong(t *testing.T) {
	s := mustNew(t, Options{Detectors: map[string]config.Detector{"jwt": {Replace: "mask"}}})
	got := s.AppendRedacted(nil, []byte("t="+jwe))
	if want := "t=" + strings.Repeat("*", len(jwe)); string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestTransformIPv4Mapped(t *testing.T) {
	var got []netip.Addr
	s := mustNew(t, Options{IP: func(dst []byte, a netip.Addr) []byte {
		got = append(got, a)
		return append(dst, 'X')
	}})
	out := s.AppendRedacted(nil, []byte("::ffff:1.2.3.4 fe80::1%eth0 010.0.0.1"))
	if string(out) != "X X X" {
		t.Errorf("out = %q", out)
	}
	want := []netip.Addr{
		netip.MustParseAddr("::ffff:1.2.3.4"), netip.MustParseAddr("fe80::1"), netip.MustParseAddr("10.0.0.1"),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("addresses = %v, want %v", got, want)
	}
}

func TestNewErrors(t *testing.T) {
	for _, c := range []struct {
		d    map[string]config.Detector
		want string // a part of the error; "" for none
	}{
		{nil, ""},
		{map[string]config.Detector{}, ""},
		{map[string]config.Detector{"ipv4": {Replace: "transform"}, "email": {Replace: "mask"}, "jwt": {Off: true}}, ""},
		{map[string]config.Detector{"mac": {}}, `detector "mac" is unknown`},
		{map[string]config.Detector{"email": {Replace: "transform"}}, `detector "email": replace "transform" is only for ipv4 and ipv6`},
		{map[string]config.Detector{"ipv6": {Replace: "hash"}}, `detector "ipv6": replace "hash" is unknown; want transform, tag, mask or pseudonym`},
		{map[string]config.Detector{"card": {Replace: "drop"}}, `want tag, mask or pseudonym`},
	} {
		_, err := New(Options{Detectors: c.d})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("New(%v): %v", c.d, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("New(%v) = %v, want an error with %q", c.d, err, c.want)
		}
	}
}

func TestKind(t *testing.T) {
	// The scanner's kinds are the detector names but the last, "name",
	// which the engine applies to free-text values.
	if last := config.DetectorNames[len(config.DetectorNames)-1]; last != "name" {
		t.Fatalf("the last detector is %q, want name", last)
	}
	if _, ok := ParseKind("name"); ok {
		t.Error(`ParseKind("name") succeeded`)
	}
	for i, name := range config.DetectorNames[:numKinds] {
		k, ok := ParseKind(name)
		if !ok || k != Kind(i) || k.String() != name {
			t.Errorf("ParseKind(%q) = %v, %v; String = %q", name, k, ok, k.String())
		}
	}
	if numKinds != Kind(len(config.DetectorNames)-1) {
		t.Errorf("%d kinds, %d detector names", numKinds, len(config.DetectorNames))
	}
	if _, ok := ParseKind("mac"); ok {
		t.Error(`ParseKind("mac") succeeded`)
	}
	if s := Kind(200).String(); s != "unknown" {
		t.Errorf("Kind(200) = %q", s)
	}
}

// TestDetectorOff checks that every detector can be switched off alone,
// and that the others still find their matches.
func TestDetectorOff(t *testing.T) {
	samples := map[Kind]string{
		IPv4: "10.0.0.1", IPv6: "2001:db8::1", Email: "jane@example.com", Phone: "07700 900123",
		NINO: "AB123456C", NHS: "943 476 5919", Card: "4111 1111 1111 1111", IBAN: "GB82WEST12345698765432",
		Postcode: "SW1A 1AA", JWT: jwtHS256, Credential: "Bearer abcDEF123456", GAClientID: "GA1.2.123456789.1700000000",
		VAT: "GB 980 7806 84",
	}
	var all []string
	for k := range numKinds {
		all = append(all, samples[k])
	}
	in := strings.Join(all, " ; ")
	for off := range numKinds {
		s := mustNew(t, Options{Detectors: map[string]config.Detector{off.String(): {Off: true}}})
		var kinds []Kind
		s.Scan([]byte(in), func(m Match) { kinds = append(kinds, m.Kind) })
		seen := map[Kind]bool{}
		for _, k := range kinds {
			seen[k] = true
		}
		for k := range numKinds {
			if seen[k] != (k != off) {
				t.Errorf("with %s off: found %s = %v", off, k, seen[k])
			}
		}
		if s.Enabled(off) {
			t.Errorf("Enabled(%s) with it off", off)
		}
	}
}

func TestZeroAllocs(t *testing.T) {
	s := mustNew(t, Options{})
	line := []byte(`- - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"`)
	buf := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() { buf = s.AppendRedacted(buf[:0], line) }); n != 0 {
		t.Errorf("AppendRedacted of a clean line: %v allocations", n)
	}
	if !bytes.Equal(buf, line) {
		t.Errorf("clean line changed: %q", buf)
	}
	if n := testing.AllocsPerRun(100, func() { s.Contains(line) }); n != 0 {
		t.Errorf("Contains: %v allocations", n)
	}
	dirty := []byte("83.149.9.216 jane@example.com 07700 900123 GB82WEST12345698765432 " + jwtHS256 +
		" Authorization: Bearer abc _ga=GA1.2.3.4 [2001:db8::1]:80 AB 12 34 56 C SW1A 1AA 4111111111111111" +
		" gb82-west-1234-5698-7654-32 ab123456c sw1a1aa GB 980 7806 84 VAT: 123456782 logo@2x.png setup-4.1.0.22.exe")
	if n := testing.AllocsPerRun(100, func() { buf = s.AppendRedacted(buf[:0], dirty) }); n != 0 {
		t.Errorf("AppendRedacted of a line with identifiers: %v allocations", n)
	}
}

// TestCorpusClientIPs checks, over a real access log, that every line's
// client address is found and that none survives redaction.
func TestCorpusClientIPs(t *testing.T) {
	lines := corpusLines(t)
	s := mustNew(t, Options{})
	var buf []byte
	kinds := map[Kind]int{}
	for n, line := range lines {
		field, _, _ := bytes.Cut(line, []byte(" "))
		var first Match
		seen := false
		s.Scan(line, func(m Match) {
			if !seen {
				first, seen = m, true
			}
			kinds[m.Kind]++
		})
		if !seen || first.Start != 0 || first.End != len(field) || (first.Kind != IPv4 && first.Kind != IPv6) {
			t.Errorf("line %d: client address %q not found; first match %+v", n+1, field, first)
			continue
		}
		buf = s.AppendRedacted(buf[:0], line)
		if bytes.Contains(buf, field) {
			t.Errorf("line %d: client address survives: %q", n+1, buf)
		}
	}
	// What else the log holds, for the record: a handful of matches beside
	// the client addresses (the log has addresses in referrers and the
	// odd email address in a user agent).
	t.Logf("matches by kind over %d lines: %v", len(lines), kinds)
}

// TestLargeInputs runs 1 MB inputs made of repeated fragments that make
// detectors look far ahead or back, to show the scan stays linear: each
// must take about as long as a plain line of the same size.
func TestLargeInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	s := mustNew(t, Options{})
	size := 1 << 20
	if raceEnabled {
		size = 64 << 10
	}
	for _, frag := range []string{
		"a", "1", "1.", "1:", ":", "::", "@", "%40", "a%40", "a@", "a.", "+1", "+1 ", "0 ", "07", "AB1", "GB82",
		"eyJ", ".eyJhbGciOiJIUzI1NiJ9", "eyJhbGciOiJIUzI1NiJ9.a", "Bearer ", "bearer a", "basic ", "_ga=",
		"authorization:", "Authorization: x", "\x00", "\xff", "jane@example.com ", "1.2.3.4 ",
		"1111111111111111111111", "Bearer aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "(0", "(07700) ", "a.b-",
		"ab1", "ab 1", "ab-12-", "gb82 ", "gb82-", "GB 123 ", "GBGD", "vat: 1", "VAT reg no ", "isbn 1",
		"isbn10=", "a-1.2.3.4.", "a-1.2.3.4.tar.", "@2x.", "@1.5x", "0001 ", "20241231235959 ",
	} {
		in := bytes.Repeat([]byte(frag), size/len(frag))
		start := time.Now()
		out := s.AppendRedacted(nil, in)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%q × %d: %v", frag, size/len(frag), d)
		}
		if len(out) == 0 {
			t.Errorf("%q: empty output", frag)
		}
	}
}

// TestFormats redacts a line of each common log format.
func TestFormats(t *testing.T) {
	s := mustNew(t, Options{})
	for _, c := range []struct{ in, want string }{
		{ // Caddy's JSON access log
			`{"ts":1700000000.123456,"request":{"remote_ip":"203.0.113.7","remote_port":"54321","client_ip":"2001:db8::1","proto":"HTTP/2.0","uri":"/?email=jane%40example.com","headers":{"User-Agent":["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"],"Cookie":["_ga=GA1.1.123456789.1700000000; _ga_ABCDEF1234=GS1.1.1700000000.1.0.1700000000.0.0.0"],"Authorization":["Bearer ` + jwtHS256 + `"]}},"duration":0.000123,"size":5120,"status":200}`,
			`{"ts":1700000000.123456,"request":{"remote_ip":"[ipv4]","remote_port":"54321","client_ip":"[ipv6]","proto":"HTTP/2.0","uri":"/?email=[email]","headers":{"User-Agent":["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"],"Cookie":["_ga=[ga_client_id]; _ga_ABCDEF1234=[ga_client_id]"],"Authorization":["Bearer [credential]"]}},"duration":0.000123,"size":5120,"status":200}`,
		},
		{ // nginx error log
			`2024/01/01 10:00:00 [error] 123#0: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.7, server: example.com, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:8080/", host: "example.com"`,
			`2024/01/01 10:00:00 [error] 123#0: *1 connect() failed (111: Connection refused) while connecting to upstream, client: [ipv4], server: example.com, request: "GET / HTTP/1.1", upstream: "http://[ipv4]:8080/", host: "example.com"`,
		},
		{ // syslog
			`Jan 15 10:15:30 web01 sshd[4721]: Accepted publickey for deploy from 198.51.100.23 port 52144 ssh2: RSA SHA256:abcdefghijklmnop`,
			`Jan 15 10:15:30 web01 sshd[4721]: Accepted publickey for deploy from [ipv4] port 52144 ssh2: RSA SHA256:abcdefghijklmnop`,
		},
		{ // Apache common log format
			`192.0.2.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`,
			`[ipv4] - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`,
		},
	} {
		if got := string(s.AppendRedacted(nil, []byte(c.in))); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}
