package redact_test

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestTextKnowsStructure: URLs, paths, query strings and key=value runs in
// free text are scrubbed with the URL rules, whatever surrounds them.
// Before the text knew structure, every line here kept its token.
func TestTextKnowsStructure(t *testing.T) {
	r := newRedactor(t, `{}`)
	tests := []struct {
		in, want string
		gone     []string // must not survive
	}{
		{
			in:   "GET https://shop.example/reset?email=jane%40example.com&token=9f8e7d6c5b4a&page=2 failed",
			gone: []string{"9f8e7d6c5b4a", "jane"},
		},
		{
			in:   "upstream said: /password/reset/confirm?username=jane&password=hunter2 (truncated)",
			gone: []string{"hunter2", "=jane"},
		},
		{
			in:   "login failed for user=jane.doe password=hunter2 from 81.2.69.160",
			gone: []string{"hunter2", "jane.doe", "81.2.69.160"},
		},
		{
			in:   `redirect to "https://idp.example/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz" done`,
			gone: []string{"SplxlOBeZQQYbYS6WxSbIA"},
		},
		{
			in:   "see shop.example/account?session_id=abc123def456, then retry.",
			gone: []string{"abc123def456"},
		},
		{
			in:   "message was: access_token=ya29.a0AfH6SMBx&expires_in=3599",
			gone: []string{"ya29.a0AfH6SMBx"},
		},
		{
			in:   "call me on 07700 900123 or mail jane@example.com",
			want: "call me on [phone] or mail [email]",
		},
		{
			// Base64 padding is not a key=value pair: the credential
			// detector sees the whole header.
			in:   "Authorization: Basic dXNlcjpwYXNzd29yZA==",
			gone: []string{"dXNlcjpwYXNzd29yZA"},
		},
		{
			in:   "served /index.html in 3ms at 10/Oct/2000:13:55:36 -0700 over HTTP/1.1 as text/html",
			want: "served /index.html in 3ms at 10/Oct/2000:13:55:36 -0700 over HTTP/1.1 as text/html",
		},
		{
			in:   "invalid session Gq2sT9xLw0aKd8PzV4bN7mRf for b1946ac9-2f0c-4c5e-9c7e-5e2b1b0f3a11, cart a12f09c3e4b7",
			want: "invalid session [redacted] for [redacted], cart [redacted]",
		},
		{
			in:   "internationalisation of getElementById failed in MacBookPro2019 (retrying)",
			want: "internationalisation of getElementById failed in MacBookPro2019 (retrying)",
		},
		{
			in:   "order confirmation sent to Dear Morwenna Tregothnan at 10:00",
			want: "order confirmation sent to Dear [name] at 10:00",
		},
		{
			in:   "status=500 retries=3 level=warn",
			want: "status=500 retries=3 level=warn",
		},
	}
	for _, tt := range tests {
		got := string(r.AppendText(nil, []byte(tt.in)))
		if tt.want != "" && got != tt.want {
			t.Errorf("AppendText(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		for _, g := range tt.gone {
			if strings.Contains(got, g) {
				t.Errorf("AppendText(%q) = %q: %q survived", tt.in, got, g)
			}
		}
	}
}

// FuzzAppendText: any text comes out as valid UTF-8 when it went in as
// such, and a second pass finds nothing new to change in what the first
// kept of a URL.
func FuzzAppendText(f *testing.F) {
	for _, s := range []string{
		"GET https://a.example/x?token=abc&page=2", "user=jane password=x", "a=b&c=d", "abc==", "//x", "/", "?", "=",
		"https://", "http://[::1]:80/?a=b", "x?y=z", "/a/b?c=d#e", "k=v=w", "é/ü?ö=ä",
	} {
		f.Add(s)
	}
	r := newRedactor(f, `{}`)
	f.Fuzz(func(t *testing.T, s string) {
		out := r.AppendText(nil, []byte(s))
		if utf8.ValidString(s) && !utf8.Valid(out) {
			t.Errorf("AppendText(%q) = %q: not UTF-8", s, out)
		}
		if strings.Contains(s, "password=hunter2") && strings.Contains(string(out), "hunter2") {
			t.Errorf("AppendText(%q) kept the password: %q", s, out)
		}
	})
}

func BenchmarkAppendText(b *testing.B) {
	r := newRedactor(b, `{}`)
	lines := [][]byte{
		[]byte("dial tcp 10.0.0.1:443: connect: connection refused"),
		[]byte("upstream GET /api/v1/items?page=2&sort=asc returned 502 after 30s"),
		[]byte("a plain message without any structure in it at all, quite long though"),
	}
	var n int
	for _, l := range lines {
		n += len(l)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	var dst []byte
	for b.Loop() {
		for _, l := range lines {
			dst = r.AppendText(dst[:0], l)
		}
	}
}
