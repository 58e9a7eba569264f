package ipaddr

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for not an address
	}{
		// Plain addresses.
		{"1.2.3.4", "1.2.3.4"},
		{"0.0.0.0", "0.0.0.0"},
		{"255.255.255.255", "255.255.255.255"},
		{"2001:db8::1", "2001:db8::1"},
		{"2001:DB8::A", "2001:db8::a"},
		{"::", "::"},
		{"::1", "::1"},
		{"1::", "1::"},
		{"2001:db8:0:0:0:0:0:1", "2001:db8::1"},
		{"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
		// Ports.
		{"1.2.3.4:80", "1.2.3.4"},
		{"1.2.3.4:65535", "1.2.3.4"},
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"[2001:db8::1]", "2001:db8::1"},
		{"[2001:db8::1]:_obf-port.1", "2001:db8::1"},
		{"192.0.2.43:_p", "192.0.2.43"},
		// Zones are dropped, mapped addresses unmapped.
		{"fe80::1%eth0", "fe80::1"},
		{"[fe80::1%25eth0]:8080", "fe80::1"},
		{"::ffff:1.2.3.4", "1.2.3.4"},
		{"::FFFF:102:304", "1.2.3.4"},
		{"[::ffff:1.2.3.4]:80", "1.2.3.4"},
		// Spaces and quotes around.
		{"  1.2.3.4\t", "1.2.3.4"},
		{`"1.2.3.4"`, "1.2.3.4"},
		{`'1.2.3.4'`, "1.2.3.4"},
		{`" [2001:db8::1]:4711 "`, "2001:db8::1"},
		{`"[2001:db8:cafe::17]:4711"`, "2001:db8:cafe::17"},

		// Near misses.
		{"", ""},
		{" ", ""},
		{`""`, ""},
		{"unknown", ""},
		{"_obfuscated", ""},
		{"_hidden", ""},
		{"example.com", ""},
		{"localhost:80", ""},
		{"1.2.3", ""},
		{"1.2.3.4.5", ""},
		{"1.2.3.256", ""},
		{"1.2.3.1000", ""},
		{"01.2.3.4", ""},
		{"1.2.3.04", ""},
		{"1.2.3.-4", ""},
		{"1.2.3.4:", ""},
		{"1.2.3.4:123456", ""},
		{"1.2.3.4:8a", ""},
		{"1.2.3.4:_", ""},
		{"1.2.3.4 :80", ""},
		{"1.2.3.4%eth0", ""},
		{"1.2.3.4/24", ""},
		{"[1.2.3.4]", ""},
		{"[1.2.3.4]:80", ""},
		{"[2001:db8::1", ""},
		{"2001:db8::1]", ""},
		{"[2001:db8::1]80", ""},
		{"[2001:db8::1]:", ""},
		{"[[2001:db8::1]]", ""},
		{"2001:db8:::1", ""},
		{"2001:db8::1::2", ""},
		{"1:2:3:4:5:6:7:8:9", ""},
		{"1:2:3:4:5:6:7::8", ""},
		{"12345::1", ""},
		{"g::1", ""},
		{"fe80::1%", ""},
		{"::ffff:1.2.3", ""},
		{"1:2:3:4:5:6:7:1.2.3.4", ""},
		{`"1.2.3.4`, ""},
		{`1.2.3.4"`, ""},
		{`"1.2.3.4'`, ""},
		{"1.2.3.4\x00", ""},
		{"\x001.2.3.4", ""},
		{"1.2.3.4\xff", ""},
		{"١.٢.٣.٤", ""},
		{"1.2.3.4, 5.6.7.8", ""},
	}
	for _, tc := range tests {
		a, ok := ParseString(tc.in)
		got := ""
		if ok {
			got = a.String()
		}
		if got != tc.want {
			t.Errorf("ParseString(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
		if a2, ok2 := Parse([]byte(tc.in)); a2 != a || ok2 != ok {
			t.Errorf("Parse(%q) = %v, %v; ParseString gave %v, %v", tc.in, a2, ok2, a, ok)
		}
		if ok && (a.Zone() != "" || a.Is4In6()) {
			t.Errorf("ParseString(%q) = %v keeps a zone or a mapping", tc.in, a)
		}
	}
}

// TestParseAddrMatchesNetip checks the hand-written parser against
// net/netip on bare addresses; FuzzParse extends this to random input.
func TestParseAddrMatchesNetip(t *testing.T) {
	for _, s := range []string{
		"1.2.3.4", "0.0.0.0", "00.0.0.0", "1.2.3.4.", ".1.2.3.4", "1..2.3", "300.1.1.1",
		"::", ":::", "::1", "1::", ":1", "1:", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:",
		"::1:2:3:4:5:6:7", "::1:2:3:4:5:6:7:8", "1:2:3:4:5:6::7", "1::2::3",
		"::ffff:1.2.3.4", "::1.2.3.4", "1::1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4",
		"::1.2.3.4:5", "fe80::1%eth0", "fe80::1%", "%eth0", "1%:", "abcd:ef01:2345:6789:ABCD:EF01:2345:6789",
		"00000::1", "0000::1", "::ffff:01.2.3.4",
	} {
		want, err := netip.ParseAddr(s)
		got, ok := parseAddr(s)
		if ok != (err == nil) || ok && got != want.WithZone("") {
			t.Errorf("parseAddr(%q) = %v, %v; netip says %v, %v", s, got, ok, want, err)
		}
	}
}

func TestParseAllocs(t *testing.T) {
	inputs := [][]byte{[]byte("[2001:db8::1%eth0]:443"), []byte(`"1.2.3.4:80"`), []byte("garbage")}
	if n := testing.AllocsPerRun(100, func() {
		for _, in := range inputs {
			Parse(in)
		}
	}); n != 0 {
		t.Errorf("Parse allocates %v times per run, want 0", n)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"1.2.3.4", "1.2.3.4:80", "[2001:db8::1]:443", "fe80::1%eth0", "::ffff:1.2.3.4",
		`"[2001:db8::1]:4711"`, "unknown", "_obf", "[", "]:", "::%", "1.2.3.4:_x",
		strings.Repeat("1:", 20), "\x00", "\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := ParseString(s)
		if a2, ok2 := Parse([]byte(s)); a2 != a || ok2 != ok {
			t.Fatalf("Parse and ParseString disagree on %q", s)
		}
		if ok {
			if !a.IsValid() || a.Zone() != "" || a.Is4In6() {
				t.Fatalf("ParseString(%q) = %v: invalid, zoned or mapped", s, a)
			}
			if back, ok := ParseString(a.String()); !ok || back != a {
				t.Fatalf("ParseString(%q) = %v, which does not parse back", s, a)
			}
		}
		want, err := netip.ParseAddr(s)
		got, ok := parseAddr(s)
		if ok != (err == nil) || ok && got != want.WithZone("") {
			t.Fatalf("parseAddr(%q) = %v, %v; netip says %v, %v", s, got, ok, want, err)
		}
		// A bare address always parses, and to what netip says (unmapped).
		if err == nil && !strings.ContainsAny(s, " \t\"'[") {
			if a, ok := ParseString(s); !ok || a != want.Unmap().WithZone("") {
				t.Fatalf("ParseString(%q) = %v, %v; want %v", s, a, ok, want.Unmap().WithZone(""))
			}
		}
	})
}
