package beacon

import (
	"strings"
	"testing"
)

func TestNewErrors(t *testing.T) {
	eng := engineOf(testRedactor(t))
	tests := []struct {
		name string
		c    Config
		want string // in the error
	}{
		{"no vendor", Config{}, "vendor"},
		{"unknown vendor", Config{Vendor: "ga5"}, `"ga5" is not one of ga4, ua`},
		{"bad referrer", Config{Vendor: "ga4", Referrer: "full"}, "referrer"},
		{"bad ip override", Config{Vendor: "ga4", IPOverride: "country"}, "ip_override"},
		{"cookieless for ua", Config{Vendor: "ua", Cookieless: true}, "cookieless"},
		{"negative max events", Config{Vendor: "ga4", MaxEvents: -1}, "max_events"},
		{"fields for ga4", Config{Vendor: "ga4", Fields: &Fields{Keep: []string{"a"}}}, "fields"},
		{"allow uid", Config{Vendor: "ga4", Allow: []string{"uid"}}, `"uid" is a user id`},
		{"allow userId", Config{Vendor: "segment", Allow: []string{"userId"}}, "user id"},
		{"allow matomo cid", Config{Vendor: "matomo", Allow: []string{"cid"}}, "user id"},
		{"bad allow name", Config{Vendor: "ga4", Allow: []string{"a&b"}}, "allow[0]"},
		{"empty drop name", Config{Vendor: "ga4", Drop: []string{"*"}}, "drop[0]"},
		{"path of another vendor", Config{Vendor: "ga4", Paths: []string{"/matomo.php"}}, "does not end in"},
		{"relative path", Config{Vendor: "ga4", Paths: []string{"g/collect"}}, "paths[0]"},
		{"dot-dot path", Config{Vendor: "ga4", Paths: []string{"/x/../g/collect"}}, "paths[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.c, eng)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	if _, err := New(Config{Vendor: "ga4"}, Engine{}); err == nil {
		t.Error("an empty engine was accepted")
	}
	for _, v := range VendorNames() {
		c := Config{Vendor: v}
		if v == "generic" {
			c.Paths, c.Fields = []string{"/e"}, &Fields{Keep: []string{"a"}}
		}
		s, err := New(c, eng)
		if err != nil {
			t.Errorf("%s: %v", v, err)
			continue
		}
		if s.Vendor() != v || len(s.Paths()) == 0 {
			t.Errorf("%s: vendor %s, paths %v", v, s.Vendor(), s.Paths())
		}
	}
}

func TestAnswer(t *testing.T) {
	eng := engineOf(testRedactor(t))
	tests := []struct {
		vendor string
		in     Input
		reason Reason
		status int
		body   string
	}{
		{"ga4", Input{Path: "/g/collect"}, NoConsent, 204, ""},
		{"ga4", Input{Path: "/g/collect"}, Malformed, 204, ""},
		{"ga4", Input{Path: "/g/collect"}, Oversized, 413, "request body too large\n"},
		{"ga4", Input{Path: "/g/collect"}, PathRefused, 405, "method not allowed\n"},
		{"ga4", Input{Path: "/admin"}, PathRefused, 404, "not found\n"},
		{"ua", Input{Path: "/collect"}, NoConsent, 200, string(transparentGIF)},
		{"matomo", Input{Path: "/matomo.php", Query: []byte("idsite=1&send_image=0")}, NoConsent, 204, ""},
		{"matomo", Input{Path: "/matomo.php", Body: []byte(`{"requests":[],"send_image":0}`)}, NoConsent, 204, ""},
		{"matomo", Input{Path: "/matomo.php", Query: []byte("idsite=1")}, NoConsent, 200, string(transparentGIF)},
		{"matomo", Input{Path: "/matomo.php"}, Malformed, 400, "Bad request\n"},
		{"plausible", Input{Path: "/api/event"}, NoConsent, 202, "ok"},
		{"plausible", Input{Path: "/api/event"}, Malformed, 400, `{"errors":{"request":"invalid event"}}`},
		{"umami", Input{Path: "/api/send"}, NoConsent, 200, `{"beep":"boop"}`},
		{"segment", Input{Path: "/v1/t"}, NoConsent, 200, `{"success":true}`},
		{"segment", Input{Path: "/v1/t"}, Malformed, 400, `{"success":false,"message":"invalid request"}`},
		{"segment", Input{Path: "/v1/t"}, Oversized, 413, "request body too large\n"},
	}
	for _, tt := range tests {
		t.Run(tt.vendor+"/"+tt.reason.String(), func(t *testing.T) {
			s, err := New(Config{Vendor: tt.vendor}, eng)
			if err != nil {
				t.Fatal(err)
			}
			a := s.Answer(&tt.in, tt.reason)
			if a.Status != tt.status || string(a.Body) != tt.body {
				t.Errorf("Answer = %d %q, want %d %q", a.Status, a.Body, tt.status, tt.body)
			}
			if len(a.Body) > 0 && a.ContentType == "" {
				t.Error("a body without a Content-Type")
			}
		})
	}
}

func TestReasonOf(t *testing.T) {
	for _, r := range []Reason{NoConsent, Malformed, Oversized, PathRefused} {
		err := error(&Error{Reason: r, Detail: "x"})
		if ReasonOf(err) != r || !strings.Contains(err.Error(), r.String()) {
			t.Errorf("%s: ReasonOf %s, message %q", r, ReasonOf(err), err)
		}
	}
	if ReasonOf(errSentinel{}) != Malformed {
		t.Error("a foreign error is not counted as malformed")
	}
	if Reason(0).String() != "unknown" {
		t.Error("out-of-range names")
	}
}

type errSentinel struct{}

func (errSentinel) Error() string { return "x" }

func TestAppendReducedUserAgent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Chrome/120 (Windows)", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"},
		{"Chrome/99 (Android)", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.0.0 Mobile Safari/537.36"},
		{"Edge/121 (macOS)", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.0.0"},
		{"Firefox/121 (Linux)", "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"},
		{"Safari/17 (iOS)", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"},
		// No reduced form: kept as generalised.
		{"Chrome/120 (iOS)", "Chrome/120 (iOS)"},
		{"Samsung Internet/23 (Android)", "Samsung Internet/23 (Android)"},
		{"Googlebot (bot)", "Googlebot (bot)"},
		{"Chrome (Windows)", "Chrome (Windows)"},
		{"Chrome/12345 (Windows)", "Chrome/12345 (Windows)"},
		{"Chrome/1x (Windows)", "Chrome/1x (Windows)"},
		{"Chrome/120 (Windows", "Chrome/120 (Windows"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(AppendReducedUserAgent(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("%q → %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAppendLanguageAndOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"en-GB,en;q=0.9": "en-GB", " fr ": "fr", "de;q=1": "de", "": "", "*": "", "en GB": "",
		strings.Repeat("a", 36): "",
	} {
		if got := string(AppendLanguage(nil, []byte(in))); got != want {
			t.Errorf("language %q → %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"https://Example.COM/p?q=1": "https://Example.COM/", "HTTP://a.example:8080": "http://a.example:8080/",
		"https://u:p@a.example/x": "https://a.example/", "ftp://a.example/": "", "/relative": "", "https://": "",
		"https://a b.example/": "", "javascript://x/": "", "https://[2001:db8::1]:443/": "https://[2001:db8::1]:443/",
	} {
		got, ok := AppendOrigin(nil, []byte(in))
		if string(got) != want || ok != (want != "") {
			t.Errorf("origin %q → %q %v, want %q", in, got, ok, want)
		}
	}
}

func TestOutputReuse(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "ga4"})
	var out Output
	if err := s.Sanitize(&out, ga4Input(ga4Query, "en=a\r\nen=b", analyticsOnly)); err != nil {
		t.Fatal(err)
	}
	first := string(out.Query)
	if err := s.Sanitize(&out, ga4Input("tid=G-2", "", everything)); err != nil {
		t.Fatal(err)
	}
	if string(out.Query) != "tid=G-2" || len(out.Body) != 0 || out.ContentType != "" || out.Events != 1 {
		t.Errorf("reused output = %q %q %q %d (first was %q)", out.Query, out.Body, out.ContentType, out.Events, first)
	}
	// A refusal leaves nothing behind.
	if err := s.Sanitize(&out, ga4Input(ga4Query, "", necessaryOnly)); err == nil || len(out.Query) != 0 {
		t.Errorf("refused beacon left %q", out.Query)
	}
}

// TestConcurrent runs one Sanitizer from many goroutines; with -race it
// checks the Sanitizer holds no shared mutable state.
func TestConcurrent(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "ga4"})
	want := ""
	done := make(chan string)
	for range 8 {
		go func() {
			var out Output
			for range 50 {
				s.Sanitize(&out, ga4Input(ga4Query, "en=a", analyticsOnly))
			}
			done <- string(out.Query)
		}()
	}
	for range 8 {
		got := <-done
		if want == "" {
			want = got
		}
		if got != want {
			t.Errorf("outputs differ across goroutines:\n%s\n%s", got, want)
		}
	}
}
