package beacon

import (
	"bufio"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// decisions are the four combinations of the categories Consent Mode
// carries: marketing (the ad types) and analytics.
var decisions = [4][2]bool{{false, false}, {false, true}, {true, false}, {true, true}}

// gcsGranted reads a gcs character as Google's tags act on it: '0' denies,
// '1' grants and '-' (not set) does not restrict.
func gcsGranted(c byte) bool { return c != '0' }

func TestLowerGCSExhaustive(t *testing.T) {
	chars := []byte{'0', '1', '-'}
	for _, d := range decisions {
		mkt, ana := d[0], d[1]
		for _, ad := range chars {
			for _, an := range chars {
				in := []byte{'G', '1', ad, an}
				out := lowerGCS(nil, in, mkt, ana)
				if len(out) != 4 || string(out[:2]) != "G1" || !gcsDigit(out[2]) || !gcsDigit(out[3]) {
					t.Fatalf("lowerGCS(%s, %v, %v) = %q: not a gcs value", in, mkt, ana, out)
				}
				for i, granted := range []bool{mkt, ana} {
					o, c := out[2+i], in[2+i]
					if gcsGranted(o) && !granted {
						t.Errorf("lowerGCS(%s, %v, %v) = %s: grants what the decision denies", in, mkt, ana, out)
					}
					if gcsGranted(o) && !gcsGranted(c) {
						t.Errorf("lowerGCS(%s, %v, %v) = %s: raised the claim", in, mkt, ana, out)
					}
					if granted && o != c {
						t.Errorf("lowerGCS(%s, %v, %v) = %s: changed a claim the decision allows", in, mkt, ana, out)
					}
				}
			}
		}
	}
}

func TestLowerGCSMalformed(t *testing.T) {
	for _, in := range []string{"", "G1", "G10", "G1000", "G2 11", "g111", "G1x1", "G11x", "G1%31", "H111", "G111\x00", "G1\xff1"} {
		for _, d := range decisions {
			out := string(lowerGCS([]byte("x="), []byte(in), d[0], d[1]))
			want := "x=G1" + string(digit(d[0])) + string(digit(d[1]))
			if out != want {
				t.Errorf("lowerGCS(%q, %v, %v) = %q; want the decision, %q", in, d[0], d[1], out, want)
			}
		}
	}
}

// gcdBits decodes a gcd letter with the published bit layout (a character
// of 0-9a-zA-Z-_ worth 16 + 4×default + update; 1 not set, 2 denied, 3
// granted), independently of the tables in consentmode.go, and returns
// whether Google's tags would treat it as granted: the update if set, else
// the default, with not set unrestricted.
func gcdBits(c byte) (granted, ok bool) {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
	v := strings.IndexByte(alphabet, c)
	if v < 16 || v >= 32 {
		return false, false
	}
	def, upd := v>>2&3, v&3
	if def == 0 || upd == 0 {
		return false, false
	}
	state := upd
	if upd == 1 {
		state = def
	}
	return state != 2, true
}

const gcdLetters = "lmnpqrtuv"

// TestGCDLetters checks the letter table against the bit layout: every
// letter with a known default and update is in it, its granted reading is
// the layout's, and its denied counterpart is denied.
func TestGCDLetters(t *testing.T) {
	for i := 0; i < 256; i++ {
		c := byte(i)
		granted, ok := gcdBits(c)
		if ok != (gcdDenied[c] != 0) {
			t.Errorf("%q: in the letter table %v, in the bit layout %v", c, gcdDenied[c] != 0, ok)
			continue
		}
		if !ok {
			continue
		}
		if gcdGranted(c) != granted {
			t.Errorf("%q: table says granted=%v, bit layout %v", c, gcdGranted(c), granted)
		}
		if g, _ := gcdBits(gcdDenied[c]); g {
			t.Errorf("%q lowers to %q, which the bit layout reads as granted", c, gcdDenied[c])
		}
	}
	if len(gcdLetters) != 9 {
		t.Fatal("nine letters")
	}
}

// TestLowerGCDExhaustive lowers every combination of the nine letters in
// the four positions, with each decision and several framings, and checks
// that no type ends more granted than the decision or than the beacon
// claimed, that a type the decision grants is untouched, and that the
// digits and the tail are kept.
func TestLowerGCDExhaustive(t *testing.T) {
	frames := [][2]string{{"13", "5"}, {"11", "5"}, {"13", "5l1"}, {"11", "1"}, {"13", "5l1p1"}}
	seps := []string{"333", "111", "131"}
	n := 0
	for _, frame := range frames {
		for _, sep := range seps {
			for i := range len(gcdLetters) * len(gcdLetters) * len(gcdLetters) * len(gcdLetters) {
				var l [4]byte
				for k, x := 0, i; k < 4; k, x = k+1, x/len(gcdLetters) {
					l[k] = gcdLetters[x%len(gcdLetters)]
				}
				in := frame[0] + string(l[0]) + sep[:1] + string(l[1]) + sep[1:2] + string(l[2]) + sep[2:] + string(l[3]) + frame[1]
				for _, d := range decisions {
					mkt, ana := d[0], d[1]
					out, ok := lowerGCD([]byte("gcd="), []byte(in), mkt, ana)
					if !ok {
						t.Fatalf("lowerGCD(%s) malformed", in)
					}
					o := string(out[4:])
					if len(o) != len(in) {
						t.Fatalf("lowerGCD(%s) = %s: length changed", in, o)
					}
					for j := range len(in) {
						if j == 2 || j == 4 || j == 6 || j == 8 {
							continue
						}
						if o[j] != in[j] {
							t.Fatalf("lowerGCD(%s) = %s: changed position %d", in, o, j)
						}
					}
					for k, c := range gcdTypes {
						granted := c == consent.Analytics && ana || c == consent.Marketing && mkt
						oc, ic := o[2+2*k], in[2+2*k]
						og, valid := gcdBits(oc)
						ig, _ := gcdBits(ic)
						switch {
						case !valid:
							t.Fatalf("lowerGCD(%s) = %s: %q is no gcd letter", in, o, oc)
						case og && !granted:
							t.Fatalf("lowerGCD(%s, %v, %v) = %s: type %d granted against the decision", in, mkt, ana, o, k)
						case og && !ig:
							t.Fatalf("lowerGCD(%s, %v, %v) = %s: type %d raised", in, mkt, ana, o, k)
						case granted && oc != ic:
							t.Fatalf("lowerGCD(%s, %v, %v) = %s: type %d changed though granted", in, mkt, ana, o, k)
						}
					}
					n++
				}
			}
		}
	}
	t.Logf("%d gcd values lowered", n)
}

func TestLowerGCDMalformed(t *testing.T) {
	const valid = "13t3t3t3t5l1"
	bad := []string{"", "13t3t3t3t", "13t3t3t3t" + strings.Repeat("5", 24), "13t3t3t3t5%3C", "13t3t3t3t5 1", "1at3t3t3t5",
		"13tat3t3t5", "13t3t3t3ta", "a3t3t3t3t5", "13x3t3t3t5", "13T3t3t3t5", "1303t3t3t5", "13t3t3t3-5", "13t3t3t3t5\xff"}
	// Every byte in every position of a valid value: either still valid
	// (a digit for a digit, one of the nine letters for a letter, a letter
	// or digit in the tail) or refused.
	for i := range len(valid) {
		for c := 0; c < 256; c++ {
			v := []byte(valid)
			v[i] = byte(c)
			digitPos := i < 2 || i%2 == 1 && i < gcdMinLen
			letterPos := i >= 2 && i <= 8 && i%2 == 0
			wantOK := digitPos && isDigit(byte(c)) ||
				letterPos && strings.IndexByte(gcdLetters, byte(c)) >= 0 ||
				i >= gcdMinLen && (isDigit(byte(c)) || isLetter(byte(c)))
			if _, ok := lowerGCD(nil, v, false, false); ok != wantOK {
				t.Errorf("lowerGCD(%q) ok = %v, want %v", v, ok, wantOK)
			}
		}
	}
	for _, in := range bad {
		if out, ok := lowerGCD([]byte("x"), []byte(in), true, true); ok || string(out) != "x" {
			t.Errorf("lowerGCD(%q) = %q, %v; want dropped", in, out, ok)
		}
	}
}

// TestKeepGPP runs every GPP string of consent's reference cases (made
// with the IAB's encoder) under every decision: a string is forwarded only
// when it is readable and grants nothing the decision denies.
func TestKeepGPP(t *testing.T) {
	f, err := os.Open("../consent/testdata/gpp.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n, kept := 0, 0
	for sc.Scan() {
		var c struct {
			GPP, SID, Want string
			Readable       bool
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		has := func(cat string) bool { return strings.Contains(c.Want, cat) }
		for d := range 8 {
			fun, ana, mkt := d&1 != 0, d&2 != 0, d&4 != 0
			want := c.Readable && (fun || !has("functional")) && (ana || !has("analytics")) && (mkt || !has("marketing"))
			if got := keepGPPUnder([]byte(c.GPP), []byte(c.SID), fun, ana, mkt); got != want {
				t.Errorf("keepGPPUnder(%q, %q, %v, %v, %v) = %v; the string decides %q (readable %v)", c.GPP, c.SID, fun, ana, mkt, got, c.Want, c.Readable)
			}
			if want {
				kept++
			}
			n++
		}
	}
	if n == 0 || kept == 0 || kept == n {
		t.Fatalf("%d decisions, %d kept: the cases test nothing", n, kept)
	}
	for _, bad := range []string{"", "DBABMA", "DBABMA~", "not gpp", strings.Repeat("~", 5000)} {
		if keepGPPUnder([]byte(bad), nil, true, true, true) {
			t.Errorf("keepGPPUnder(%q) kept", bad)
		}
	}
	// A gpp_sid without a gpp.
	if keepGPPUnder(nil, []byte("7"), true, true, true) {
		t.Error("gpp_sid alone kept")
	}
}

// TestGA4GPP: a GA4 beacon's gpp and gpp_sid go on only together and only
// when the string grants nothing the request's decision denies.
func TestGA4GPP(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "ga4"})
	const (
		all  = "DBABIYA~BloIgWYA"   // usmn: grants every category
		some = "DBABCw~BlqmESWA.YA" // usia with GPC: necessary and functional only
	)
	for _, tt := range []struct {
		name, query string
		decision    consent.Set
		kept        bool
	}{
		{"grants more than the decision", "gpp=" + all + "&gpp_sid=23", analyticsOnly, false},
		{"grants what the decision grants", "gpp=" + all, everything, true},
		{"grants less", "gpp=" + some, everything, true},
		{"sid of a section the string lacks", "gpp_sid=13&gpp=" + some, everything, false},
		{"unreadable", "gpp=DBAB~zz&gpp_sid=2", everything, false},
		{"sid alone", "gpp_sid=2", everything, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := sanitize(t, s, &Input{Method: "GET", Path: "/g/collect", Query: []byte("v=2&tid=G-1&en=page_view&" + tt.query), Consent: tt.decision})
			if err != nil {
				t.Fatal(err)
			}
			q := params(t, out.Query)
			if q.Has("gpp") != tt.kept || q.Has("gpp_sid") && !tt.kept {
				t.Errorf("query %q: gpp kept %v, want %v", out.Query, q.Has("gpp"), tt.kept)
			}
		})
	}

	// Only the pair that was judged goes on: not another gpp under an
	// encoded name, nor one in a body line, nor a gpp_sid that would
	// change which sections apply.
	noMarketing := consent.Only.With(consent.Functional).With(consent.Analytics)
	for _, tt := range []struct{ name, query, body string }{
		{"another gpp under an encoded name", "gp%70=" + all + "&gpp=" + some, ""},
		{"another gpp_sid under an encoded name", "gpp=" + some + "&gpp%5Fsid=23", ""},
		{"a gpp in a body line", "gpp=" + some, "en=click&gpp=" + all + "&gpp_sid=23"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := &Input{Method: "GET", Path: "/g/collect", Query: []byte("v=2&tid=G-1&en=page_view&" + tt.query), Consent: noMarketing}
			if tt.body != "" {
				in.Method, in.Body, in.ContentType = "POST", []byte(tt.body), "text/plain"
			}
			out, err := sanitize(t, s, in)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(out.Query) + "\n" + string(out.Body); strings.Contains(got, url.QueryEscape(all)) || strings.Contains(got, "gpp_sid=23") {
				t.Errorf("forwarded a GPP string or sid that was not judged: %q", got)
			}
		})
	}
}

// gcdGranted reports whether a gcd letter's state is granted or not set.
func gcdGranted(c byte) bool { return gcdDenied[c] != 0 && gcdDenied[c] != c }
