package percent

import (
	"net/url"
	"testing"
)

func TestAppendDecodeAgreesWithNetURL(t *testing.T) {
	for _, s := range []string{"", "a", "a%20b", "a+b", "%41%4a%4A", "%", "%4", "%zz", "%e2%82%ac", "100%25", "a%2Bb+c"} {
		got, ok := AppendDecode(nil, s, true)
		want, err := url.QueryUnescape(s)
		if ok != (err == nil) || ok && string(got) != want {
			t.Errorf("AppendDecode(%q, form) = %q, %v; net/url %q, %v", s, got, ok, want, err)
		}
		got, ok = AppendDecode([]byte("x"), []byte(s), false)
		want, err = url.PathUnescape(s)
		if ok != (err == nil) || ok && string(got) != "x"+want || !ok && string(got) != "x" {
			t.Errorf("AppendDecode(%q) = %q, %v; net/url %q, %v", s, got, ok, want, err)
		}
	}
}

func TestAppendEncodeRoundTrips(t *testing.T) {
	safe := Safe("-._~")
	for _, s := range []string{"", "a b", "ü/?&=+%", "[email]", "\x00\xff"} {
		enc := AppendEncode(nil, []byte(s), &safe, true)
		dec, ok := AppendDecode(nil, enc, true)
		if !ok || string(dec) != s {
			t.Errorf("round trip of %q: %q → %q, %v", s, enc, dec, ok)
		}
	}
}

func FuzzAppendDecode(f *testing.F) {
	f.Add("a%20b+c", true)
	f.Fuzz(func(t *testing.T, s string, form bool) {
		got, ok := AppendDecode(nil, s, form)
		unescape := url.PathUnescape
		if form {
			unescape = url.QueryUnescape
		}
		want, err := unescape(s)
		if ok != (err == nil) || ok && string(got) != want {
			t.Errorf("AppendDecode(%q, %v) = %q, %v; net/url %q, %v", s, form, got, ok, want, err)
		}
	})
}
