package scrub

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/internal/corpustest"
	"github.com/caddy-privacy/caddy-privacy/redact/shape"
)

func mustURL(t testing.TB, p config.URLPolicy) *URL {
	t.Helper()
	u, err := NewURL(p, fakeText)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestURLAppendDeny(t *testing.T) {
	u := mustURL(t, config.URLPolicy{Deny: []string{"internal_*", "trk"}})
	tests := []struct{ in, want string }{
		// Nothing to change.
		{"", ""},
		{"-", "-"},
		{"*", "*"},
		{"/", "/"},
		{"/index.html", "/index.html"},
		{"/search?q=shoes&page=2", "/search?q=shoes&page=2"},
		{"/p?q=a+b&x=a%2Fb&y=caf%C3%A9", "/p?q=a+b&x=a%2Fb&y=caf%C3%A9"},
		{"/p?debug", "/p?debug"},
		{"/p;v=1/q", "/p;v=1/q"},
		{"/a%20b/c", "/a%20b/c"},
		{"http://example.com", "http://example.com"},
		{"http://example.com?x=1", "http://example.com?x=1"},
		{"https://example.com:8443/a/b?c=d", "https://example.com:8443/a/b?c=d"},
		{"//cdn.example.com/a?b=1", "//cdn.example.com/a?b=1"},
		{"relative/path?x=1", "relative/path?x=1"},
		{"/p?name_of_thing=x", "/p?name_of_thing=x"}, // near miss of "name"
		{"/p?tokens_left=3", "/p?tokens_left=3"},     // near miss of "*token"
		{"/p?page[size]=3", "/p?page[size]=3"},

		// Emails in the path, plain and percent-encoded.
		{"/users/jane@example.com/profile", "/users/[email]/profile"},
		{"/users/jane%40example.com/profile", "/users/[email]/profile"},
		{"/users/JANE%40Example.COM", "/users/[email]"},
		{"/u/jane@example.com%2Fx", "/u/[email]%2Fx"}, // a changed segment keeps its '/' escaped

		// Matrix parameters.
		{"/cart;jsessionid=ABC123?x=1", "/cart?x=1"},
		{"/a;JSESSIONID=ABC;v=1/b", "/a;v=1/b"},
		{"/a;phpsessid=x/b;sid=y", "/a/b"},
		{"/a;%zz=1/b", "/a/b"},

		// Userinfo.
		{"https://user:pass@example.com/p", "https://example.com/p"},
		{"https://jane@example.com@evil.example/", "https://evil.example/"},
		{"ftp://anonymous@ftp.example.org", "ftp://ftp.example.org"},

		// Query by policy.
		{"https://example.com/p?token=abc&x=1#frag", "https://example.com/p?x=1"},
		{"/p?gclid=abc", "/p"},
		{"/p?GCLID=abc&x=1", "/p?x=1"},
		{"/p?%67clid=abc&x=1", "/p?x=1"},
		{"/p?utm_source=news&fbclid=IwAR0&utm_term=jane", "/p?utm_source=news&utm_term=jane"},
		{"/p?email=a%40b.com&e-mail=x&E%2Dmail=y", "/p"},
		{"/p?aspsessionidQQGG=x&x=1", "/p?x=1"},
		{"/p?x=1&refresh_token=a&myAccessToken=b&client_secret=c", "/p?x=1"},
		{"/p?internal_debug=1&trk=2&a=3", "/p?a=3"},
		{"/p?code=4/0Af&state=xyz&scope=email", "/p?scope=email"},
		{"/p?lat=51.5&lng=-0.12&zoom=3", "/p?zoom=3"},
		{"/p?user[password]=x&user[name]=y&a[]=1&password[]=z", "/p?a[]=1"},
		{"/p?a[b][session_id]=1&a[token]=2&email[]=3&contact[phone]=4", "/p?contact[phone]=4"},
		{"/p?e+mail=x", "/p?e+mail=x"},                       // "e mail" is not "e-mail"
		{"/p?[email]=1&[token]=2", "/p?[email]=1&[token]=2"}, // tags, not nested names

		// Values and names through the text function.
		{"/search?q=jane@example.com", "/search?q=[email]"},
		{"/search?q=jane%40example.com&page=2", "/search?q=[email]&page=2"},
		{"/p?q=jane+doe%40example.com", "/p?q=jane+[email]"},
		{"/p?q=caf%C3%A9+jane%40example.com", "/p?q=caf%C3%A9+[email]"},
		{"/unsubscribe?jane@example.com", "/unsubscribe?[email]"},
		{"/p?to=jane@example.com&cc=bob@example.com", "/p?to=[email]"},

		// URLs inside values are scrubbed as URLs.
		{"/login?next=%2Freset%3Ftoken%3Dabc%26lang%3Den", "/login?next=/reset?lang%3Den"},
		{"/cb?redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fcode%3Dxyz", "/cb?redirect_uri=https://app.example/cb"},
		{"/login?next=/account?token=abc", "/login?next=/account"},
		{"/p?next=%2Fu%2Fjane%40example.com%3Fx%3D1", "/p?next=/u/[email]?x%3D1"},
		{"/a?u=%2Fb%3Fv%3D%252Fc%253Ftoken%253Dx", "/a?u=/b?v%3D/c"},
		{"/go?url=https%3A%2F%2Fx.example%2F", "/go?url=https%3A%2F%2Fx.example%2F"},
		{"/go?url=https%3A%2F%2Fx.example%2F%3Fpage%3D2", "/go?url=https%3A%2F%2Fx.example%2F%3Fpage%3D2"},
		{"/p?q=/some/path", "/p?q=/some/path"},

		// Fail closed on malformed escapes.
		{"/p?x=%4", "/p?x=[redacted]"},
		{"/p?x=%zz&y=1", "/p?x=[redacted]&y=1"},
		{"/p?%zz=1&y=2", "/p?y=2"},
		{"/p?%=1", "/p"},
		{"/%zz/ok", "/[redacted]/ok"},
		{"/ok/%", "/ok/[redacted]"},
		{"http://exa%zzmple.com/", "http://[redacted]/"},

		// Duplicates, separators and empty parameters.
		{"/p?a=1&a=2&token=x&token=y", "/p?a=1&a=2"},
		{"/p?token=x&a=1", "/p?a=1"},
		{"/p?a=1;token=x;b=2", "/p?a=1;b=2"},
		{"/p?a=1&token=x;b=2", "/p?a=1;b=2"},
		{"/p?&&a=1&&", "/p?a=1"},
		{"/p?", "/p"},
		{"/p?=x", "/p?=x"},

		// Fragments are removed by default, with whatever they hold.
		{"/p#access_token=x", "/p"},
		{"/p#", "/p"},
		{"/p?x=1#jane@example.com", "/p?x=1"},

		// Other schemes.
		{"mailto:jane@example.com", "mailto:[email]"},
		{"android-app://com.example/https/example.com/?gclid=1", "android-app://com.example/https/example.com/"},
	}
	for _, tt := range tests {
		got := string(u.Append(nil, []byte(tt.in)))
		if got != tt.want {
			t.Errorf("Append(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		if again := string(u.Append(nil, []byte(got))); again != got {
			t.Errorf("Append(%q) is not idempotent: %q -> %q", tt.in, got, again)
		}
		// Appending keeps what is already in dst.
		if got := string(u.Append([]byte("x "), []byte(tt.in))); got != "x "+tt.want {
			t.Errorf("Append(\"x \", %q) = %q, want %q", tt.in, got, "x "+tt.want)
		}
	}
}

func TestURLAppendAllow(t *testing.T) {
	u := mustURL(t, config.URLPolicy{
		Query: config.QueryAllow,
		Allow: []string{"ref", "promo_*", "code"},
		Deny:  []string{"tab"},
	})
	tests := []struct{ in, want string }{
		{"/p?page=2&q=shoes&utm_source=x&utm_term=shoes&ref=tw&promo_code=abc&gclid=x",
			"/p?page=2&utm_source=x&ref=tw&promo_code=abc"},
		{"/p?PAGE=2&Sort=asc", "/p?PAGE=2&Sort=asc"},
		{"/p?page=jane@example.com", "/p?page=[email]"},
		{"/p?page=%zz", "/p?page=[redacted]"},
		{"/p?code=XYZ", "/p?code=XYZ"},   // Allow wins over the built-in deny list here
		{"/p?tab=1&view=2", "/p?view=2"}, // Deny wins over the built-in allow list
		{"/p?id=42&email=x&session=y", "/p"},
		{"/p?pagex=1&xpage=2", "/p"},
		{"/p?page[]=1", "/p"},
		{"/p/jane@example.com?page=1", "/p/[email]?page=1"},
		{"/p?promo_jane@example.com=1", "/p?[email]=1"},
	}
	for _, tt := range tests {
		if got := string(u.Append(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("Append(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestURLKeepFragment(t *testing.T) {
	u := mustURL(t, config.URLPolicy{KeepFragment: true})
	tests := []struct{ in, want string }{
		{"/p#section-2", "/p#section-2"},
		{"/p#", "/p#"},
		{"/p#access_token=abc&state=x&view=1", "/p#view=1"},
		{"/p#/users/jane@example.com?token=x&page=2", "/p#/users/[email]?page=2"},
		{"/p#/users/jane%40example.com", "/p#/users/[email]"},
		{"/p?gclid=1#top", "/p#top"},
	}
	for _, tt := range tests {
		if got := string(u.Append(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("Append(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestURLNilText(t *testing.T) {
	u, err := NewURL(config.URLPolicy{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// E-mail addresses are still tagged by their shape, and identifiers
	// replaced, with no detector at all.
	in := "/users/jane@example.com/48213377?x=%zz&q=jane%40example.com&token=1&q=Gq2xK9mPqRt4LwZ8"
	want := "/users/[email]/{id}?x=[redacted]&q=[email]&q=[redacted]"
	if got := string(u.Append(nil, []byte(in))); got != want {
		t.Errorf("Append(%q) = %q, want %q", in, got, want)
	}
}

func TestURLAppendQuery(t *testing.T) {
	u := mustURL(t, config.URLPolicy{})
	tests := []struct{ in, want string }{
		{"", ""},
		{"token=x", ""},
		{"token=x&a=1", "a=1"},
		{"?token=x&a=1", "a=1"},
		{"a=jane@example.com", "a=[email]"},
		{"a=%", "a=[redacted]"},
	}
	for _, tt := range tests {
		if got := string(u.AppendQuery(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("AppendQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNewURLErrors(t *testing.T) {
	tests := []struct {
		p    config.URLPolicy
		want string
	}{
		{config.URLPolicy{Query: "bogus"}, `url.query: "bogus"`},
		{config.URLPolicy{Allow: []string{""}}, `url.allow[0]`},
		{config.URLPolicy{Allow: []string{"ok", "*"}}, `url.allow[1]`},
		{config.URLPolicy{Deny: []string{"a=b"}}, `url.deny[0]`},
		{config.URLPolicy{Deny: []string{"a b"}}, `url.deny[0]`},
		{config.URLPolicy{Deny: []string{strings.Repeat("x", maxName+1)}}, `url.deny[0]: name is 257 bytes`},
	}
	for _, tt := range tests {
		_, err := NewURL(tt.p, fakeText)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewURL(%+v) error = %v, want one containing %q", tt.p, err, tt.want)
		}
	}
	for _, p := range []config.URLPolicy{{}, {Query: "deny"}, {Query: "allow", Allow: []string{"x*"}}} {
		if _, err := NewURL(p, nil); err != nil {
			t.Errorf("NewURL(%+v) = %v, want no error", p, err)
		}
	}
}

func TestURLAppendAllocs(t *testing.T) {
	u := mustURL(t, config.URLPolicy{})
	for _, in := range []string{
		"/presentations/logstash-monitorama-2013/images/kibana-search.png",
		"https://www.example.com/search?q=caf%C3%A9&page=2&sort=asc",
		"/p;jsessionid=abc?gclid=x&q=jane%40example.com&x=%zz#frag",
		"/login?next=%2Freset%3Ftoken%3Dabc%26lang%3Den",
	} {
		dst := make([]byte, 0, 4096)
		src := []byte(in)
		if n := testing.AllocsPerRun(100, func() { u.Append(dst, src) }); n != 0 {
			t.Errorf("Append(%q) allocates %v times, want 0", in, n)
		}
	}
}

func TestStripClickIDs(t *testing.T) {
	tests := []struct {
		in, want string
		changed  bool
	}{
		{"", "", false},
		{"a=1&b=2", "a=1&b=2", false},
		{"gclid=x", "", true},
		{"gclid", "", true},
		{"a=1&gclid=x&b=2", "a=1&b=2", true},
		{"gclid=x&a=1", "a=1", true},
		{"a=1&fbclid=x", "a=1", true},
		{"A=1&GCLID=x&_gl=1*abc*_ga*MTIz&msclkid=y", "A=1", true},
		{"%67clid=x&a=1", "a=1", true},
		{"a=%zz&gclid=1", "a=%zz", true},
		{"a=1;gclid=x", "a=1;gclid=x", false}, // ';' is not a separator upstream
		{"gclidx=1&xgclid=2", "gclidx=1&xgclid=2", false},
		{"token=x&email=y", "token=x&email=y", false}, // only click ids go
	}
	for _, tt := range tests {
		got, changed := StripClickIDs(tt.in)
		if got != tt.want || changed != tt.changed {
			t.Errorf("StripClickIDs(%q) = %q, %v; want %q, %v", tt.in, got, changed, tt.want, tt.changed)
		}
	}
	q := "page=2&sort=asc&q=shoes"
	if n := testing.AllocsPerRun(100, func() { StripClickIDs(q) }); n != 0 {
		t.Errorf("StripClickIDs with nothing to strip allocates %v times, want 0", n)
	}
}

func TestParamSet(t *testing.T) {
	s, err := NewParamSet([]string{"Foo", "bar_*"})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		"foo": true, "FOO": true, "f%6Fo": true, "bar_": true, "bar_x": true,
		"bar": false, "foox": false, "%zz": false, "": false,
	} {
		if got := s.Contains(name); got != want {
			t.Errorf("Contains(%q) = %v, want %v", name, got, want)
		}
	}
	if got, ok := s.Strip("foo=1&bar_2=2&baz=3"); got != "baz=3" || !ok {
		t.Errorf("Strip = %q, %v; want %q, true", got, ok, "baz=3")
	}
	if _, err := NewParamSet([]string{"a&b"}); err == nil {
		t.Error("NewParamSet(a&b) succeeded, want an error")
	}
}

func TestClickIDs(t *testing.T) {
	ids := ClickIDs()
	for _, want := range []string{"gclid", "fbclid", "msclkid", "_gl", "ttclid", "li_fat_id"} {
		if !contains(ids, want) {
			t.Errorf("ClickIDs() lacks %q", want)
		}
	}
	ids[0] = "changed"
	if ClickIDs()[0] == "changed" {
		t.Error("ClickIDs returns the package's own slice")
	}
	// Every click id is denied in deny mode.
	u := mustURL(t, config.URLPolicy{})
	for _, id := range ClickIDs() {
		if got := string(u.AppendQuery(nil, []byte(id+"=1"))); got != "" {
			t.Errorf("AppendQuery(%s=1) = %q, want it removed", id, got)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// deniedParamLeft reports a query parameter in out whose name is on the
// built-in deny list.
func deniedParamLeft(out []byte) (string, bool) {
	_, q, ok := cut(out, '?')
	if !ok {
		return "", false
	}
	q, _, _ = cut(q, '#')
	for _, p := range bytes.FieldsFunc(q, func(r rune) bool { return r == '&' || r == ';' }) {
		name, _, _ := cut(p, '=')
		var buf [maxName]byte
		if n, ok := decodeName(&buf, name); ok && builtinDenied(buf[:n]) {
			return string(p), true
		}
	}
	return "", false
}

// idSegmentLeft reports a path segment of out, after its scheme and
// host, that is still an identifier or an e-mail address by its shape.
func idSegmentLeft(out []byte) (string, bool) {
	path, _, _ := cut(out, '#')
	path, _, _ = cut(path, '?')
	if n := schemeLen(path); n > 0 {
		path = path[n+1:]
	}
	if bytes.HasPrefix(path, []byte("//")) {
		if i := bytes.IndexByte(path[2:], '/'); i >= 0 {
			path = path[2+i:]
		} else {
			path = nil
		}
	}
	for _, seg := range bytes.Split(path, []byte("/")) {
		for _, part := range bytes.Split(seg, []byte(";")) {
			dec, ok := appendUnescape(nil, part, false)
			if !ok {
				continue
			}
			if c := shape.Of(dec); c == shape.ID || c == shape.Email {
				return string(part), true
			}
		}
	}
	return "", false
}

// TestURLCorpus scrubs every request target and referrer of the shared
// Apache log: idempotent, no denied parameter left, and paths with
// nothing to remove come out unchanged.
func TestURLCorpus(t *testing.T) {
	u := mustURL(t, config.URLPolicy{})
	var total, unchanged, withQuery int
	for _, in := range corpustest.URLs(t, true) {
		total++
		out := u.Append(nil, []byte(in))
		if string(out) == in {
			unchanged++
		}
		if strings.Contains(in, "?") {
			withQuery++
		}
		if again := u.Append(nil, out); !bytes.Equal(again, out) {
			t.Errorf("not idempotent: %q -> %q -> %q", in, out, again)
		}
		if p, ok := deniedParamLeft(out); ok {
			t.Errorf("%q -> %q keeps denied parameter %q", in, out, p)
		}
		if _, err := url.Parse(string(out)); err != nil && in != "-" {
			if _, err0 := url.Parse(in); err0 == nil {
				t.Errorf("%q parsed but its scrubbed form %q does not: %v", in, out, err)
			}
		}
	}
	if total < 19000 {
		t.Fatalf("read %d URLs, want about 20,000", total)
	}
	// Most of the corpus has nothing personal in its URLs.
	if unchanged < total*9/10 {
		t.Errorf("%d of %d URLs changed; want under 10%%", total-unchanged, total)
	}
	t.Logf("%d URLs (%d with a query), %d unchanged", total, withQuery, unchanged)
}

func FuzzURLAppend(f *testing.F) {
	for _, s := range []string{
		"", "-", "/", "/p?q=a+b", "https://u:p@h:1/a;jsessionid=1/b?x=%4&gclid=1#f",
		"/users/jane%40example.com", "/p?%zz=1", "/p?a[b]=1&password[]=2", "//h?a=1;b=2",
		"mailto:a@b.c", "/p#/x?token=1", ";0@0", "/p?next=%2Fa%3Ftoken%3D1", "\x00%%%;;;&&&===???###", "/p?q=%E2%9C%93",
		"/api/v1/users/48213377/enrolments", "/members/2461685a-80c9-4d9e-85e9-a3b0e9e3ea84/settings",
		"/password/reset/confirm?reset=Gq2xK9mPqRt4LwZ8", "/contact?msg=call+me+on+07700+900123",
		"/p?n=+447700900123&b=AbC+dEf/GhI+jKl/MnO+pQr=", "/f/48213377.pdf?resetKey=1&[jwt]=2",
		"/p?q=order+48213377+late&x", "/u/{id}/[email:3xT9q2Lw0aKd]",
	} {
		f.Add(s, false, false)
	}
	deny := mustURL(f, config.URLPolicy{})
	allow := mustURL(f, config.URLPolicy{Query: config.QueryAllow, KeepFragment: true})
	f.Fuzz(func(t *testing.T, in string, allowMode, prefix bool) {
		u := deny
		if allowMode {
			u = allow
		}
		var dst []byte
		if prefix {
			dst = []byte("prefix:")
		}
		out := u.Append(dst, []byte(in))
		if !bytes.HasPrefix(out, dst) {
			t.Fatalf("Append overwrote dst: %q", out)
		}
		out = out[len(dst):]
		// Every byte of output is accounted for: at most a tag or an
		// escape per input byte.
		if len(out) > 3*len(in)+len(redacted)*(len(in)+1) {
			t.Fatalf("output of %d bytes for %d bytes of input", len(out), len(in))
		}
		if again := u.Append(nil, out); !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, again)
		}
		if !allowMode {
			if p, ok := deniedParamLeft(out); ok {
				t.Fatalf("%q -> %q keeps denied parameter %q", in, out, p)
			}
		}
		if seg, ok := idSegmentLeft(out); ok {
			t.Fatalf("%q -> %q keeps the identifier %q in its path", in, out, seg)
		}
		_ = u.AppendQuery(nil, []byte(in))
		if s, changed := StripClickIDs(in); !changed && s != in {
			t.Fatalf("StripClickIDs(%q) = %q but reports no change", in, s)
		}
	})
}

func BenchmarkURLAppend(b *testing.B) {
	u := mustURL(b, config.URLPolicy{})
	for _, bc := range []struct{ name, in string }{
		{"unchanged", "/presentations/logstash-monitorama-2013/images/kibana-search.png?page=2&sort=asc"},
		{"typical", "https://www.example.com/account;jsessionid=A1B2C3/orders?utm_source=news&gclid=EAIaIQobChMI&email=jane%40example.com&page=2"},
	} {
		src := []byte(bc.in)
		dst := make([]byte, 0, 1024)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				dst = u.Append(dst[:0], src)
			}
		})
		// What the same job costs with net/url: parse, delete the denied
		// parameters, re-encode.
		b.Run(bc.name+"/net_url", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				pu, err := url.Parse(bc.in)
				if err != nil {
					b.Fatal(err)
				}
				q := pu.Query()
				for k := range q {
					var buf [maxName]byte
					if n, ok := decodeName(&buf, k); !ok || builtinDenied(buf[:n]) {
						q.Del(k)
					}
				}
				pu.RawQuery = q.Encode()
				pu.User = nil
				pu.Fragment = ""
				dst = append(dst[:0], pu.String()...)
			}
		})
	}
}
