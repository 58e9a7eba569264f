package ipaddr

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
)

// fakeCountries is a map-based CountryLookup; unlisted addresses are "ZZ".
type fakeCountries map[netip.Addr]string

func (m fakeCountries) Country(a netip.Addr) string {
	if c, ok := m[a]; ok {
		return c
	}
	return "ZZ"
}

var countries = fakeCountries{
	netip.MustParseAddr("81.2.69.142"):       "GB",
	netip.MustParseAddr("216.160.83.56"):     "US",
	netip.MustParseAddr("2001:db8:cafe::17"): "DE",
	netip.MustParseAddr("192.0.2.60"):        "FR",
	netip.MustParseAddr("203.0.113.43"):      "NL",
	netip.MustParseAddr("198.51.100.7"):      "bad,code", // a broken database
}

// fakeKeys is a Pseudonymizer: "p" and 11 hex digits of the SHA-256 of
// the address. Test-only: real pseudonyms are keyed.
type fakeKeys struct{}

func (fakeKeys) AppendAddr(dst []byte, a netip.Addr) []byte {
	b := a.Unmap().As16()
	sum := sha256.Sum256(b[:])
	return append(append(dst, 'p'), hex.EncodeToString(sum[:])[:11]...)
}

func pseudo(s string) string { return string(fakeKeys{}.AppendAddr(nil, netip.MustParseAddr(s))) }

func newTransform(t testing.TB, transform string) *Transform {
	t.Helper()
	p := config.IPPolicy{Transform: transform, IPv4Prefix: 24, IPv6Prefix: 48}
	tr, err := NewTransform(p, countries, fakeKeys{})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestNewTransform(t *testing.T) {
	tests := []struct {
		p         config.IPPolicy
		countries CountryLookup
		keys      Pseudonymizer
		err       string // substring; "" for success
		want      string // AppendAddr(81.2.69.142) on success
	}{
		{config.IPPolicy{Transform: "country", IPv4Prefix: 24, IPv6Prefix: 48}, countries, nil, "", "GB"},
		{config.IPPolicy{Transform: "", IPv4Prefix: 24, IPv6Prefix: 48}, countries, nil, "", "GB"},
		{config.IPPolicy{Transform: "country", IPv4Prefix: 16, IPv6Prefix: 48}, nil, nil, "", "81.2.0.0"},
		{config.IPPolicy{Transform: "truncate", IPv4Prefix: 8, IPv6Prefix: 48}, countries, nil, "", "81.0.0.0"},
		{config.IPPolicy{Transform: "truncate"}, nil, nil, "", "0.0.0.0"},
		{config.IPPolicy{Transform: "truncate", IPv4Prefix: 32, IPv6Prefix: 128}, nil, nil, "", "81.2.69.142"},
		{config.IPPolicy{Transform: "pseudonym", IPv4Prefix: 24, IPv6Prefix: 48}, nil, fakeKeys{}, "", pseudo("81.2.69.142")},
		{config.IPPolicy{Transform: "drop"}, nil, nil, "", ""},
		{config.IPPolicy{Transform: "pseudonym", IPv4Prefix: 24, IPv6Prefix: 48}, countries, nil, `"pseudonym" needs a pseudonym key ring`, ""},
		{config.IPPolicy{Transform: "hash"}, nil, nil, `ip.transform: "hash" is not one of`, ""},
		{config.IPPolicy{Transform: "Country"}, nil, nil, `ip.transform: "Country"`, ""},
		{config.IPPolicy{Transform: "truncate", IPv4Prefix: 33, IPv6Prefix: 48}, nil, nil, "ip.ipv4_prefix: 33 is out of range; want 0 to 32", ""},
		{config.IPPolicy{Transform: "truncate", IPv4Prefix: -1, IPv6Prefix: 48}, nil, nil, "ip.ipv4_prefix: -1", ""},
		{config.IPPolicy{Transform: "truncate", IPv4Prefix: 24, IPv6Prefix: 129}, nil, nil, "ip.ipv6_prefix: 129 is out of range; want 0 to 128", ""},
	}
	for _, tc := range tests {
		tr, err := NewTransform(tc.p, tc.countries, tc.keys)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("NewTransform(%+v) error = %v, want %q", tc.p, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("NewTransform(%+v): %v", tc.p, err)
			continue
		}
		if got := string(tr.AppendAddr(nil, netip.MustParseAddr("81.2.69.142"))); got != tc.want {
			t.Errorf("NewTransform(%+v).AppendAddr(81.2.69.142) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestAppendAddr(t *testing.T) {
	tests := []struct {
		transform, addr, want string
	}{
		{"country", "81.2.69.142", "GB"},
		{"country", "::ffff:81.2.69.142", "GB"},
		{"country", "2001:db8:cafe::17%eth0", "DE"},
		{"country", "10.0.0.1", "ZZ"},
		{"country", "198.51.100.7", "ZZ"}, // lookup result that would break a list
		{"truncate", "203.0.113.195", "203.0.113.0"},
		{"truncate", "::ffff:203.0.113.195", "203.0.113.0"},
		{"truncate", "2001:db8:1:2:3:4:5:6", "2001:db8:1::"},
		{"truncate", "fe80::1%eth0", "fe80::"},
		{"truncate", "203.0.113.0", "203.0.113.0"},
		{"pseudonym", "81.2.69.142", pseudo("81.2.69.142")},
		{"pseudonym", "::ffff:81.2.69.142", pseudo("81.2.69.142")},
		{"drop", "81.2.69.142", ""},
	}
	for _, tc := range tests {
		tr := newTransform(t, tc.transform)
		if got := string(tr.AppendAddr([]byte("x="), netip.MustParseAddr(tc.addr))); got != "x="+tc.want {
			t.Errorf("%s: AppendAddr(%s) = %q, want %q", tc.transform, tc.addr, got, "x="+tc.want)
		}
	}
	if got := string(new(Transform).AppendAddr(nil, netip.MustParseAddr("81.2.69.142"))); got != "0.0.0.0" {
		t.Errorf("zero Transform: AppendAddr = %q, want 0.0.0.0", got)
	}
	for _, tf := range []string{"country", "truncate", "pseudonym"} {
		if got := string(newTransform(t, tf).AppendAddr(nil, netip.Addr{})); got != "unknown" {
			t.Errorf("%s: AppendAddr(invalid) = %q, want unknown", tf, got)
		}
	}
}

func TestAppendValue(t *testing.T) {
	tests := []struct {
		transform, in, want string
	}{
		{"country", "81.2.69.142", "GB"},
		{"country", "81.2.69.142:51234", "GB"},
		{"country", "81.2.69.142, 216.160.83.56", "GB, US"},
		{"country", "81.2.69.142,216.160.83.56,10.0.0.1", "GB, US, ZZ"},
		{"country", " 81.2.69.142 ,, 216.160.83.56 , ", "GB, US"},
		{"country", "[2001:db8:cafe::17]:443, unknown", "DE, unknown"},
		{"country", "_hidden, 81.2.69.142", "unknown, GB"},
		{"country", "GB, ZZ, gb, GBR", "GB, ZZ, unknown, unknown"}, // {client_ip} after the privacy handler
		{"country", "proxy.example.com, 81.2.69.142", "unknown, GB"},
		{"country", `"81.2.69.142"`, "GB"},
		{"country", "", ""},
		{"country", " , ", ""},
		{"truncate", "203.0.113.195, 2001:db8:1:2::1, [2001:db8:cafe::17]:80", "203.0.113.0, 2001:db8:1::, 2001:db8:cafe::"},
		{"truncate", "203.0.113.195:8080", "203.0.113.0"},
		{"truncate", "fe80::1%eth0", "fe80::"},
		{"truncate", "1.2.3.4 5.6.7.8", "unknown"},
		{"truncate", "1.2.3.4\x00", "unknown"},
		{"truncate", "1.2.3.4\xff, 5.6.7.8", "unknown, 5.6.7.0"},
		{"truncate", "[2001:db8::1, 2001:db8::2]", "unknown, unknown"},
		{"truncate", `"1.2.3.4, 5.6.7.8"`, "unknown, unknown"},
		{"pseudonym", "81.2.69.142, ::ffff:81.2.69.142", pseudo("81.2.69.142") + ", " + pseudo("81.2.69.142")},
		{"drop", "81.2.69.142, 216.160.83.56", ""},
		{"drop", "garbage", ""},
	}
	for _, tc := range tests {
		tr := newTransform(t, tc.transform)
		if got := string(tr.AppendValue([]byte("h: "), []byte(tc.in))); got != "h: "+tc.want {
			t.Errorf("%s: AppendValue(%q) = %q, want %q", tc.transform, tc.in, got, "h: "+tc.want)
		}
	}
}

func TestAppendValueHostile(t *testing.T) {
	tr := newTransform(t, "truncate")
	// 1 MB of one address-looking element.
	big := bytes.Repeat([]byte("1"), 1<<20)
	if got := string(tr.AppendValue(nil, big)); got != "unknown" {
		t.Errorf("1 MB element = %.40q, want unknown", got)
	}
	// 1 MB of separators.
	if got := tr.AppendValue(nil, bytes.Repeat([]byte(", "), 1<<19)); len(got) != 0 {
		t.Errorf("1 MB of commas = %.40q, want empty", got)
	}
	// 1,000 elements keep their count and order.
	var in, want []string
	for i := range 1000 {
		in = append(in, fmt.Sprintf("10.%d.%d.%d", i/256, i%256, i%7+1))
		want = append(want, fmt.Sprintf("10.%d.%d.0", i/256, i%256))
	}
	if got := string(tr.AppendValue(nil, []byte(strings.Join(in, ",")))); got != strings.Join(want, ", ") {
		t.Errorf("1000-element list = %.80q…, want %.80q…", got, strings.Join(want, ", "))
	}
}

// TestNoAddressLeaks checks that, whatever form an address takes in a value,
// its text never reaches the output of a transform that is not identity.
func TestNoAddressLeaks(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var addrs []netip.Addr
	for range 300 {
		v := rng.Uint64()
		a4 := netip.AddrFrom4([4]byte{byte(v>>24) | 1, byte(v >> 16), byte(v >> 8), byte(v) | 1}) // host bits set
		var b [16]byte
		b[0], b[1], b[15] = 0x20, 0x01, 1
		for j := 2; j < 15; j++ {
			b[j] = byte(rng.Uint32())
		}
		addrs = append(addrs, a4, netip.AddrFrom16(b))
	}
	forms := func(a netip.Addr) []string {
		s := a.String()
		if a.Is4() {
			return []string{s, s + ":443", `"` + s + `"`, "::ffff:" + s, "[::ffff:" + s + "]:1"}
		}
		return []string{s, "[" + s + "]", "[" + s + "]:443", `"[` + s + `]:4711"`, s + "%eth0", a.StringExpanded()}
	}
	for _, tf := range []string{"country", "truncate", "pseudonym", "drop"} {
		tr := newTransform(t, tf)
		for _, a := range addrs {
			texts := []string{a.String()}
			if a.Is6() {
				texts = append(texts, a.StringExpanded())
			}
			for _, f := range forms(a) {
				for _, out := range []string{
					string(tr.AppendValue(nil, []byte(f))),
					string(tr.AppendValue(nil, []byte("10.1.1.1, "+f+", 10.2.2.2"))),
					string(tr.AppendForwarded(nil, []byte("for="+quoteFor(f)+";by="+quoteFor(f)))),
				} {
					for _, s := range texts {
						if strings.Contains(out, s) {
							t.Fatalf("%s: %q leaked into %q", tf, s, out)
						}
					}
				}
			}
		}
	}
}

func quoteFor(s string) string {
	if strings.HasPrefix(s, `"`) {
		return s
	}
	return `"` + s + `"`
}

func TestAllocs(t *testing.T) {
	xff := []byte("81.2.69.142, 216.160.83.56:443, [2001:db8:cafe::17]:80, unknown, 10.0.0.1")
	fwd := []byte(`for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711";host=example.com`)
	dst := make([]byte, 0, 512)
	for _, tf := range []string{"country", "truncate", "pseudonym", "drop"} {
		tr := newTransform(t, tf)
		if tf == "pseudonym" {
			continue // fakeKeys allocates; the real KeyRing's own benchmarks show 0
		}
		if n := testing.AllocsPerRun(100, func() { tr.AppendValue(dst[:0], xff) }); n != 0 {
			t.Errorf("%s: AppendValue allocates %v times, want 0", tf, n)
		}
		if n := testing.AllocsPerRun(100, func() { tr.AppendForwarded(dst[:0], fwd) }); n != 0 {
			t.Errorf("%s: AppendForwarded allocates %v times, want 0", tf, n)
		}
	}
}

func FuzzAppendValue(f *testing.F) {
	for _, s := range []string{
		"81.2.69.142", "81.2.69.142:443, 216.160.83.56", "[2001:db8:cafe::17]:4711, unknown",
		"fe80::1%eth0,::ffff:1.2.3.4", `"1.2.3.4"`, ",,,", "[", `"`, "\x00", "\xff",
		"1.2.3.4,1.2.3.4,1.2.3.4",
	} {
		f.Add(s)
	}
	trs := map[string]*Transform{}
	for _, tf := range []string{"country", "truncate", "pseudonym", "drop"} {
		trs[tf] = newTransform(f, tf)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var inputs []netip.Addr
		for e := range strings.SplitSeq(s, ",") {
			if a, ok := ParseString(e); ok {
				inputs = append(inputs, a)
			}
		}
		for tf, tr := range trs {
			out := tr.AppendValue(nil, []byte(s))
			if tf == "drop" {
				if len(out) != 0 {
					t.Fatalf("drop: AppendValue(%q) = %q, want empty", s, out)
				}
				continue
			}
			elems := strings.Split(string(out), ", ")
			if len(out) == 0 {
				elems = nil
			}
			checkElems(t, tf, s, elems, inputs)
		}
	})
}

// checkElems checks transformed output elements against the addresses of
// the input: no element may be an input address (unless truncating leaves
// it unchanged), and every element must be what the transform makes.
func checkElems(t *testing.T, tf, in string, elems []string, inputs []netip.Addr) {
	t.Helper()
	for _, e := range elems {
		if e == "unknown" {
			continue
		}
		switch tf {
		case "country":
			if !isCountry(e) {
				t.Fatalf("country: %q gave element %q", in, e)
			}
		case "pseudonym":
			if len(e) != 12 || e[0] != 'p' {
				t.Fatalf("pseudonym: %q gave element %q", in, e)
			}
		case "truncate":
			a, ok := ParseString(strings.Trim(e, `"[]`))
			if !ok {
				t.Fatalf("truncate: %q gave element %q", in, e)
			}
			for _, in := range inputs {
				if a == in && (&Transform{v4Bits: 24, v6Bits: 48}).truncate(in) != in {
					t.Fatalf("truncate: input address %v is in the output", in)
				}
			}
		}
	}
	if tf != "truncate" {
		out := strings.Join(elems, ", ")
		for _, a := range inputs {
			if strings.Contains(out, a.String()) {
				t.Fatalf("%s: input address %v is in output %q", tf, a, out)
			}
		}
	}
}
