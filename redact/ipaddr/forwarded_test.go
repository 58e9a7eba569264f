package ipaddr

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

func TestAppendForwarded(t *testing.T) {
	tests := []struct {
		transform, in, want string
	}{
		// RFC 7239 section 4 and 7 examples.
		{"truncate", `for="_gazonk"`, `for=unknown`},
		{"truncate", `For="[2001:db8:cafe::17]:4711"`, `for="[2001:db8:cafe::]"`},
		{"truncate", `for=192.0.2.60;proto=http;by=203.0.113.43`, `for=192.0.2.0;proto=http;by=203.0.113.0`},
		{"truncate", `for=192.0.2.43, for=198.51.100.17`, `for=192.0.2.0, for=198.51.100.0`},
		{"truncate", `for=192.0.2.43,for="[2001:db8:cafe::17]",for=unknown`, `for=192.0.2.0, for="[2001:db8:cafe::]", for=unknown`},
		{"truncate", `for=unknown, for="_hidden", for="_SEVKISEK"`, `for=unknown, for=unknown, for=unknown`},
		{"country", `For="[2001:db8:cafe::17]:4711"`, `for=_DE`},
		{"country", `for=192.0.2.60;proto=http;by=203.0.113.43`, `for=_FR;proto=http;by=_NL`},
		{"country", `for=192.0.2.43,for="[2001:db8:cafe::17]",for=unknown`, `for=_ZZ, for=_DE, for=unknown`},
		{"pseudonym", `for=192.0.2.60;by=203.0.113.43`, `for=_` + pseudo("192.0.2.60") + `;by=_` + pseudo("203.0.113.43")},
		{"drop", `for=192.0.2.60;proto=http;by=203.0.113.43`, `proto=http`},
		{"drop", `for=192.0.2.43, for=198.51.100.17`, ``},
		{"drop", `for=192.0.2.43;host=example.com, for=198.51.100.17`, `host=example.com`},

		// host= and proto= are kept when valid, quoted as needed.
		{"truncate", `for=192.0.2.60;host=example.com;proto=https`, `for=192.0.2.0;host=example.com;proto=https`},
		{"truncate", `host="example.com:8443"`, `host="example.com:8443"`},
		{"truncate", `host=example.com:8443`, `host="example.com:8443"`},
		{"truncate", `host="[2001:db8::1]:443"`, `host="[2001:db8::1]:443"`},
		{"truncate", `host="ex\ample.com"`, `host=example.com`},
		{"truncate", `for=1.2.3.4;host="evil\"x"`, `for=1.2.3.0`},
		{"truncate", `for=1.2.3.4;host="a b"`, `for=1.2.3.0`},
		{"truncate", `for=1.2.3.4;host=example.com:99999`, `for=1.2.3.0`},
		{"truncate", `for=1.2.3.4;proto=ht/tp`, `for=1.2.3.0`},
		{"truncate", `for=1.2.3.4;proto=1http`, `for=1.2.3.0`},

		// Unknown parameters are dropped.
		{"truncate", `for=1.2.3.4;secret=abc;user="alice"`, `for=1.2.3.0`},
		{"truncate", `secret=abc`, ``},
		{"truncate", `secret=abc, for=1.2.3.4`, `for=1.2.3.0`},

		// Escapes, spacing, case and lenient unquoted forms.
		{"truncate", `for="\[2001:db8:cafe::17\]:4711"`, `for="[2001:db8:cafe::]"`},
		{"truncate", `FOR = 1.2.3.4 ; BY=5.6.7.8 ;`, `for=1.2.3.0;by=5.6.7.0`},
		{"truncate", `for=[2001:db8:cafe::17]`, `for="[2001:db8:cafe::]"`},
		{"truncate", `for=192.0.2.43:47011`, `for=192.0.2.0`},
		{"truncate", `for="192.0.2.43:47011"`, `for=192.0.2.0`},
		{"truncate", `for="::ffff:192.0.2.43"`, `for=192.0.2.0`},
		{"truncate", `for=2001:db8::1`, `for="[2001:db8::]"`},
		{"truncate", `;;for=1.2.3.4;;`, `for=1.2.3.0`},
		{"truncate", `for="1.2.3.4, 5.6.7.8"`, `for=unknown`},
		{"truncate", `, ,for=1.2.3.4,,`, `for=1.2.3.0`},

		// Malformed elements fail closed.
		{"truncate", `for=1.2.3.4;for=5.6.7.8`, `for=unknown`},
		{"truncate", `for="1.2.3.4`, `for=unknown`},
		{"truncate", `for=1.2.3.4, by="5.6.7.8`, `for=1.2.3.0, for=unknown`},
		{"truncate", `for=`, `for=unknown`},
		{"truncate", `for`, `for=unknown`},
		{"truncate", `=1.2.3.4`, `for=unknown`},
		{"truncate", `for=1.2.3.4 5.6.7.8`, `for=unknown`},
		{"truncate", `for="1.2.3.4"x`, `for=unknown`},
		{"truncate", "for=\"1.2.3.4\x00\"", `for=unknown`},
		{"truncate", "for=1.2.3.4\x00", `for=unknown`},
		{"truncate", `for="1.2.3.4\`, `for=unknown`},
		{"truncate", "for=\xff1.2.3.4", `for=unknown`},
		{"truncate", `for=hostname.example`, `for=unknown`},
		{"country", `for="[2001:db8::1"`, `for=unknown`},
		{"drop", `for="1.2.3.4`, ``},
		{"country", ``, ``},
	}
	for _, tc := range tests {
		tr := newTransform(t, tc.transform)
		if got := string(tr.AppendForwarded([]byte("F: "), []byte(tc.in))); got != "F: "+tc.want {
			t.Errorf("%s: AppendForwarded(%q)\n got %q\nwant %q", tc.transform, tc.in, got, "F: "+tc.want)
		}
	}
}

type weirdKeys struct{ out string }

func (w weirdKeys) AppendAddr(dst []byte, _ netip.Addr) []byte { return append(dst, w.out...) }

// TestForwardedQuoting checks that whatever a Pseudonymizer or lookup
// returns, the Forwarded output stays well formed.
func TestForwardedQuoting(t *testing.T) {
	for _, tc := range []struct{ out, want string }{
		{"abc", "for=_abc"},
		{"a-b.c_d", "for=_a-b.c_d"},
		{"a:b", "for=unknown"},
		{"", "for=unknown"},
		{`a"b`, "for=unknown"},
		{`a\b`, "for=unknown"},
		{"a\x00b", "for=unknown"},
		{"a\xffb", "for=unknown"},
	} {
		tr := &Transform{kind: kindPseudonym, keys: weirdKeys{tc.out}}
		if got := string(tr.AppendForwarded(nil, []byte("for=1.2.3.4"))); got != tc.want {
			t.Errorf("pseudonym %q: got %q, want %q", tc.out, got, tc.want)
		}
	}
}

func TestAppendForwardedHostile(t *testing.T) {
	tr := newTransform(t, "truncate")
	for _, in := range [][]byte{
		bytes.Repeat([]byte(`"`), 1<<20),
		bytes.Repeat([]byte(`\`), 1<<20),
		bytes.Repeat([]byte(`;`), 1<<20),
		bytes.Repeat([]byte(`for=`), 1<<18),
		append([]byte(`for="`), bytes.Repeat([]byte("a"), 1<<20)...),
	} {
		out := tr.AppendForwarded(nil, in)
		if len(out) > 64*1024 {
			t.Errorf("AppendForwarded(%.20q…) = %d bytes", in, len(out))
		}
		checkForwarded(t, "truncate", string(in), string(out), nil)
	}
	var in, want []string
	for i := range 1000 {
		in = append(in, fmt.Sprintf(`for="10.%d.%d.9:%d";proto=https`, i/256, i%256, i))
		want = append(want, fmt.Sprintf(`for=10.%d.%d.0;proto=https`, i/256, i%256))
	}
	if got := string(tr.AppendForwarded(nil, []byte(strings.Join(in, ",")))); got != strings.Join(want, ", ") {
		t.Errorf("1000 elements: got %.80q…", got)
	}
}

func FuzzAppendForwarded(f *testing.F) {
	for _, s := range []string{
		`for="_gazonk"`, `For="[2001:db8:cafe::17]:4711"`, `for=192.0.2.60;proto=http;by=203.0.113.43`,
		`for=192.0.2.43, for=198.51.100.17`, `for=192.0.2.43,for="[2001:db8:cafe::17]",for=unknown`,
		`for="\[2001:db8::1\]";host="example.com:80"`, `for="1.2.3.4`, `for=1.2.3.4;for=1.2.3.4`,
		`a=b;c="d,e";for=81.2.69.142`, "for=\x00", `;;,,`,
	} {
		f.Add(s)
	}
	trs := map[string]*Transform{}
	for _, tf := range []string{"country", "truncate", "pseudonym", "drop"} {
		trs[tf] = newTransform(f, tf)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Every address in the input's for= and by= values, however quoted.
		var inputs []netip.Addr
		for elem, rest := splitElement([]byte(s)); ; elem, rest = splitElement(rest) {
			pairs, n, _ := parseElement(elem)
			for _, p := range pairs[:n] {
				if p.name == paramFor || p.name == paramBy {
					if a, ok := Parse(appendUnquoted(nil, p.val, p.quoted)); ok {
						inputs = append(inputs, a)
					}
				}
			}
			if len(rest) == 0 {
				break
			}
		}
		for tf, tr := range trs {
			checkForwarded(t, tf, s, string(tr.AppendForwarded(nil, []byte(s))), inputs)
		}
	})
}

// checkForwarded checks that out is well-formed Forwarded syntax holding
// only for, by, proto and host, and that its nodes are what the transform
// makes, never an input address.
func checkForwarded(t *testing.T, tf, in, out string, inputs []netip.Addr) {
	t.Helper()
	if out == "" {
		return
	}
	var nodes []string
	for _, elem := range strings.Split(out, ", ") {
		pairs, n, ok := parseElement([]byte(elem))
		if !ok || n == 0 {
			t.Fatalf("%s: AppendForwarded(%q) = %q: element %q is not well formed", tf, in, out, elem)
		}
		for _, p := range pairs[:n] {
			if p.name != paramFor && p.name != paramBy {
				continue
			}
			if tf == "drop" {
				t.Fatalf("drop: AppendForwarded(%q) = %q keeps a node", in, out)
			}
			v := string(p.val)
			if tf == "truncate" && strings.HasPrefix(v, "[") {
				v = strings.Trim(v, "[]")
			}
			if tf == "country" || tf == "pseudonym" {
				// Written as RFC 7239 obfuscated identifiers.
				obf, ok := strings.CutPrefix(v, "_")
				if !ok && v != "unknown" {
					t.Fatalf("%s: AppendForwarded(%q) = %q: node %q is not an obfuscated identifier", tf, in, out, v)
				}
				v = obf
			}
			nodes = append(nodes, v)
		}
	}
	checkElems(t, tf, in, nodes, inputs)
}
