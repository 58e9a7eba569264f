package logs

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/redact"
)

func pseudo(s string) string { return string(fakeEngine{}.AppendPseudonym(nil, []byte(s))) }

type lineTest struct {
	name     string
	in, want string
	fallback bool
}

func runLineTests(t *testing.T, e Engine, f Format, tests []lineTest) {
	t.Helper()
	s := NewSanitizer(e, f)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fb := s.appendLine(new(state), nil, []byte(tt.in))
			if string(got) != tt.want {
				t.Errorf("AppendLine(%q)\n got %s\nwant %s", tt.in, got, tt.want)
			}
			if fb != tt.fallback {
				t.Errorf("AppendLine(%q) fallback = %v, want %v", tt.in, fb, tt.fallback)
			}
			// The public method must agree, and append.
			if got := s.AppendLine([]byte("x"), []byte(tt.in)); string(got) != "x"+tt.want {
				t.Errorf("AppendLine with prefix: got %q", got)
			}
		})
	}
}

const caddyLine = `{"level":"info","ts":1646861401.52,"logger":"http.log.access","msg":"handled request",` +
	`"request":{"remote_ip":"203.0.113.9","remote_port":"41342","client_ip":"198.51.100.7","proto":"HTTP/2.0",` +
	`"method":"GET","host":"example.com","uri":"/a?email=x","headers":{"User-Agent":["Mozilla/5.0 Chrome/120.0"],` +
	`"Cookie":["sid=abc"],"X-Forwarded-For":["198.51.100.7, 10.0.0.1"],"Referer":["https://example.com/p?q=1"],` +
	`"Accept":["*/*"]},"tls":{"resumed":false,"version":772,"server_name":"example.com"}},"bytes_read":0,` +
	`"user_id":"alice","duration":0.0009,"size":10900,"status":200,"resp_headers":{"Set-Cookie":["a=b"],"Server":["Caddy"]}}`

func TestCaddyJSON(t *testing.T) {
	runLineTests(t, fakeEngine{}, FormatCaddyJSON, []lineTest{
		{
			name: "access log",
			in:   caddyLine,
			want: `{"level":"info","ts":1646861401.52,"logger":"http.log.access","msg":"handled request",` +
				`"request":{"remote_ip":"GB","client_ip":"GB","proto":"HTTP/2.0",` +
				`"method":"GET","host":"example.com","uri":"/a?[query]","headers":{"User-Agent":["Chrome"],` +
				`"X-Forwarded-For":["GB,GB"],"Referer":["https://example.com/p?[query]"],` +
				`"Accept":["*/*"]},"tls":{"resumed":false,"version":772,"server_name":"example.com"}},"bytes_read":0,` +
				`"user_id":"` + pseudo("alice") + `","duration":0.0009,"size":10900,"status":200,"resp_headers":{"Server":["Caddy"]}}`,
		},
		{name: "msg text", in: `{"msg":"login by a@b.example from 192.0.2.1"}`, want: `{"msg":"login by [email] from [ipv4]"}`},
		{name: "error text", in: `{"error":"dial 192.0.2.1:443: refused"}`, want: `{"error":"dial [ipv4]:443: refused"}`},
		{name: "escaped at", in: `{"msg":"a\u0040b.example"}`, want: `{"msg":"[email]"}`},
		{name: "escaped dot", in: `{"msg":"192\u002e0.2.1"}`, want: `{"msg":"[ipv4]"}`},
		{name: "escapes kept", in: `{"msg":"say \"hi\" \u00e9\n\t\\ \/"}`, want: `{"msg":"say \"hi\" é\n\t\\ /"}`},
		{name: "surrogate pair", in: `{"msg":"\ud83d\ude00"}`, want: `{"msg":"😀"}`},
		{name: "lone surrogate", in: `{"msg":"\ud83dx"}`, want: "{\"msg\":\"\uFFFDx\"}"},
		{name: "control escaped", in: `{"msg":"a\u0001b"}`, want: `{"msg":"a\u0001b"}`},
		{name: "invalid utf8", in: "{\"msg\":\"a\xffb\"}", want: "{\"msg\":\"a\uFFFDb\"}"},
		{name: "whitespace compacted", in: ` { "a" : [ 1 , true , null , -2.5e+3 ] , "b" : { } , "c" : [ ] } `, want: `{"a":[1,true,null,-2.5e+3],"b":{},"c":[]}`},
		{name: "nested", in: `{"a":{"b":{"c":["mail x@y.example",{"d":"10.1.2.3"}]}}}`, want: `{"a":{"b":{"c":["mail [email]",{"d":"[ipv4]"}]}}}`},
		{name: "port dropped first", in: `{"remote_port":"1","b":1}`, want: `{"b":1}`},
		{name: "port dropped last", in: `{"b":1,"remote_port":1}`, want: `{"b":1}`},
		{name: "port dropped only", in: `{"remote_port":"1"}`, want: `{}`},
		{name: "drop header nested value", in: `{"headers":{"Cookie":{"x":[1,{"y":"z"}]},"A":["b"]}}`, want: `{"headers":{"A":["b"]}}`},
		{name: "drop header case", in: `{"headers":{"authorization":["Bearer x"]}}`, want: `{"headers":{}}`},
		{name: "forwarded", in: `{"headers":{"Forwarded":["for=192.0.2.60;proto=http"]}}`, want: `{"headers":{"Forwarded":["for=GB"]}}`},
		{name: "x-real-ip", in: `{"headers":{"X-Real-Ip":["192.0.2.60"]}}`, want: `{"headers":{"X-Real-Ip":["GB"]}}`},
		{name: "location", in: `{"resp_headers":{"Location":["/next?sid=1"]}}`, want: `{"resp_headers":{"Location":["/next?[query]"]}}`},
		{name: "header string value", in: `{"headers":{"X-Forwarded-For":"192.0.2.60"}}`, want: `{"headers":{"X-Forwarded-For":"GB"}}`},
		{name: "other header text", in: `{"headers":{"X-Note":["from a@b.example"]}}`, want: `{"headers":{"X-Note":["from [email]"]}}`},
		{name: "headers outside header map are keys", in: `{"X-Forwarded-For":"192.0.2.1"}`, want: `{"X-Forwarded-For":"[ipv4]"}`},
		{name: "key with identifier", in: `{"headers":{"X-a@b.example":["1"]}}`, want: `{"headers":{"[email]":["1"]}}`},
		{name: "key with digits", in: `{"10.0.0.1":1}`, want: `{"[ipv4]":1}`},
		{name: "escaped key", in: `{"remote\u005fip":"192.0.2.1"}`, want: `{"remote_ip":"GB"}`},
		{name: "number address", in: `{"remote_ip":16909060}`, want: `{"remote_ip":"unknown"}`},
		{name: "number user", in: `{"user_id":42}`, want: `{"user_id":"` + pseudo("42") + `"}`},
		{name: "empty strings kept", in: `{"user_id":"","msg":""}`, want: `{"user_id":"","msg":""}`},
		{name: "unknown ip", in: `{"client_ip":"not an address"}`, want: `{"client_ip":"unknown"}`},
		{name: "duplicate keys", in: `{"a":1,"a":2}`, want: `{"a":1,"a":2}`},
		{name: "crlf", in: "{\"a\":\"x@y.example\"}\r", want: "{\"a\":\"[email]\"}\r"},
		{name: "bom", in: "\xef\xbb\xbf{\"a\":1}", want: "\xef\xbb\xbf{\"a\":1}"},
		{name: "empty", in: "", want: ""},

		{name: "truncated", in: `{"msg":"x@y.example"`, want: `{"msg":"[email]"`, fallback: true},
		{name: "truncated escape", in: `{"msg":"a\u00`, want: `{"msg":"a\u00`, fallback: true},
		{name: "invalid escape", in: `{"msg":"\x41 a@b.example"}`, want: `{"msg":"\x41 [email]"}`, fallback: true},
		{name: "invalid json escaped at", in: `{"msg":"a\u0040b.example",}`, want: `{"msg":"[email]",}`, fallback: true},
		{name: "escaped backslash not decoded", in: `{"msg":"a\\u0040b",}`, want: `{"msg":"a\\u0040b",}`, fallback: true},
		{name: "trailing garbage", in: `{"a":"192.0.2.1"} x`, want: `{"a":"[ipv4]"} x`, fallback: true},
		{name: "top level array", in: `["192.0.2.1"]`, want: `["[ipv4]"]`, fallback: true},
		{name: "not json", in: `GET / from 192.0.2.1`, want: `GET / from [ipv4]`, fallback: true},
		{name: "leading zero", in: `{"a":01}`, want: `{"a":01}`, fallback: true},
		{name: "bare minus", in: `{"a":-}`, want: `{"a":-}`, fallback: true},
		{name: "bad fraction", in: `{"a":1.}`, want: `{"a":1.}`, fallback: true},
		{name: "bad exponent", in: `{"a":1e}`, want: `{"a":1e}`, fallback: true},
		{name: "bad literal", in: `{"a":tru}`, want: `{"a":tru}`, fallback: true},
		{name: "trailing comma", in: `{"a":1,}`, want: `{"a":1,}`, fallback: true},
		{name: "missing colon", in: `{"a" 1}`, want: `{"a" 1}`, fallback: true},
		{name: "unquoted key", in: `{a:1}`, want: `{a:1}`, fallback: true},
		{name: "bad dropped value", in: `{"remote_port":[1,}`, want: `{"remote_port":[1,}`, fallback: true},
		{name: "bad escape in dropped value", in: `{"remote_port":"\q","msg":"x"}`, want: `{"remote_port":"","msg":"x"}`, fallback: true},
		{name: "too deep", in: strings.Repeat(`{"a":`, 100) + `"192.0.2.1"` + strings.Repeat("}", 100), want: strings.Repeat(`{"a":`, 100) + `"[ipv4]"` + strings.Repeat("}", 100), fallback: true},
	})
}

// TestCaddyJSONValid checks that what comes out of valid JSON is valid
// JSON with the same shape.
func TestCaddyJSONValid(t *testing.T) {
	s := NewSanitizer(fakeEngine{}, FormatCaddyJSON)
	for _, in := range []string{
		caddyLine,
		`{"msg":"a\u0000b\u001fc\"d\\e"}`,
		"{\"msg\":\"\xff\xfe\xc3\"}",
		`{"a":[[[[]]]],"b":{"c":{"d":null}}}`,
	} {
		out := s.AppendLine(nil, []byte(in))
		if !json.Valid(out) {
			t.Errorf("AppendLine(%q) = %q, not valid JSON", in, out)
		}
	}
}

// quoteEngine writes what must be escaped, to check that the formats'
// structure survives any engine output.
type quoteEngine struct{ fakeEngine }

func (quoteEngine) AppendURL(dst, src []byte) []byte  { return append(dst, `x"y\"z`...) }
func (quoteEngine) AppendText(dst, src []byte) []byte { return append(dst, "a\nb\"c\\\x01"...) }
func (quoteEngine) AppendIP(dst, src []byte) []byte   { return dst } // the drop transform
func (q quoteEngine) AppendRule(dst []byte, rl redact.Rule, src []byte) []byte {
	return appendByRule(q, dst, rl, src)
}

func TestEngineOutputEscaped(t *testing.T) {
	runLineTests(t, quoteEngine{}, FormatCaddyJSON, []lineTest{
		{name: "json text", in: `{"msg":"x"}`, want: `{"msg":"a\nb\"c\\\u0001"}`},
		{name: "json url", in: `{"uri":"/"}`, want: `{"uri":"x\"y\\\"z"}`},
		{name: "json dropped ip", in: `{"remote_ip":"192.0.2.1"}`, want: `{"remote_ip":""}`},
	})
	runLineTests(t, quoteEngine{}, FormatCombined, []lineTest{
		{
			name: "combined",
			in:   `192.0.2.1 - - [17/May/2015:10:05:03 +0000] "GET /x HTTP/1.1" 200 1 "http://r/" "ua"`,
			want: `- - - [17/May/2015:10:05:03 +0000] "GET x\"y\"z HTTP/1.1" 200 1 "x\"y\"z" "Other"`,
		},
		{
			name: "newline from engine",
			in:   `192.0.2.1 - - [17/May/2015:10:05:03 +0000] "BREW /pot HTTP/1.1" 200 1`,
			want: `- - - [17/May/2015:10:05:03 +0000] "a b\"c\` + "\x01" + `" 200 1`,
		},
	})
}

const corpusLine = `83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"`

func TestCombined(t *testing.T) {
	const date = "[17/May/2015:10:05:03 +0000]"
	tests := []lineTest{
		{
			name: "corpus line",
			in:   corpusLine,
			want: `GB - - ` + date + ` "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Chrome"`,
		},
		{
			name: "ident and user",
			in:   `192.0.2.1 ident bob ` + date + ` "GET / HTTP/1.1" 200 1 "-" "-"`,
			want: `GB ` + pseudo("ident") + ` ` + pseudo("bob") + ` ` + date + ` "GET / HTTP/1.1" 200 1 "-" "-"`,
		},
		{
			name: "query",
			in:   `2001:db8::1 - - ` + date + ` "POST /login?user=a@b.example HTTP/2.0" 302 - "https://r.example/?q=1" "curl/8"`,
			want: `GB - - ` + date + ` "POST /login?[query] HTTP/2.0" 302 - "https://r.example/?[query]" "Other"`,
		},
		{
			name: "unknown method",
			in:   `192.0.2.1 - - ` + date + ` "FOO a@b.example HTTP/1.1" 400 0 "-" "-"`,
			want: `GB - - ` + date + ` "FOO [email] HTTP/1.1" 400 0 "-" "-"`,
		},
		{
			name: "unknown protocol",
			in:   `192.0.2.1 - - ` + date + ` "GET /a HTTP/9 10.0.0.1" 400 0 "-" "-"`,
			want: `GB - - ` + date + ` "GET /a HTTP/9 [ipv4]" 400 0 "-" "-"`,
		},
		{
			name: "spaces in target",
			in:   `192.0.2.1 - - ` + date + ` "GET /a b?x=1 HTTP/1.1" 200 0 "-" "-"`,
			want: `GB - - ` + date + ` "GET /a b?[query] HTTP/1.1" 200 0 "-" "-"`,
		},
		{
			name: "empty and dash request",
			in:   `192.0.2.1 - - ` + date + ` "-" 408 0 "" ""`,
			want: `GB - - ` + date + ` "-" 408 0 "" ""`,
		},
		{
			name: "binary request",
			in:   `192.0.2.1 - - ` + date + ` "\x16\x03\x01\x00\xa5" 400 0 "-" "-"`,
			want: `GB - - ` + date + ` "\x16\x03\x01\x00\xa5" 400 0 "-" "-"`,
		},
		{
			name: "escaped quote",
			in:   `192.0.2.1 - - ` + date + ` "GET /a\"b HTTP/1.1" 200 0 "-" "x\"y"`,
			want: `GB - - ` + date + ` "GET /a\"b HTTP/1.1" 200 0 "-" "Other"`,
		},
		{
			name: "nginx trailing fields",
			in:   `192.0.2.1 - - ` + date + ` "GET / HTTP/1.1" 200 5 "-" "Chrome/1" rt=0.001 uid=x@y.example`,
			want: `GB - - ` + date + ` "GET / HTTP/1.1" 200 5 "-" "Chrome" rt=0.001 uid=[email]`,
		},
		{
			name: "trailing quoted",
			in:   `192.0.2.1 - - ` + date + ` "GET / HTTP/1.1" 200 5 "-" "-" "10.0.0.9"`,
			want: `GB - - ` + date + ` "GET / HTTP/1.1" 200 5 "-" "-" "[ipv4]"`,
		},
		{
			name: "vhost combined",
			in:   `www.example.com:443 192.0.2.1 - - ` + date + ` "GET / HTTP/1.1" 200 5 "-" "-"`,
			want: `www.example.com:443 GB - - ` + date + ` "GET / HTTP/1.1" 200 5 "-" "-"`,
		},
		{
			name: "common",
			in:   `192.0.2.1 - frank ` + date + ` "GET /apache_pb.gif HTTP/1.0" 200 2326`,
			want: `GB - ` + pseudo("frank") + ` ` + date + ` "GET /apache_pb.gif HTTP/1.0" 200 2326`,
		},
		{
			name: "iso date",
			in:   `192.0.2.1 - - [2015-05-17T10:05:03.123+00:00] "GET / HTTP/1.1" 200 5`,
			want: `GB - - [2015-05-17T10:05:03.123+00:00] "GET / HTTP/1.1" 200 5`,
		},
		{
			name: "date not a date",
			in:   `192.0.2.1 - - [111.222.33.44] "GET / HTTP/1.1" 200 5`,
			want: `GB - - [[ipv4]] "GET / HTTP/1.1" 200 5`,
		},
		{
			name: "status and bytes not numbers",
			in:   `192.0.2.1 - - ` + date + ` "GET / HTTP/1.1" 2x0 a@b.example "-" "-"`,
			want: `GB - - ` + date + ` "GET / HTTP/1.1" 2x0 [email] "-" "-"`,
		},
		{
			name: "status four digits",
			in:   `192.0.2.1 - - ` + date + ` "GET / HTTP/1.1" 1234 5`,
			want: `GB - - ` + date + ` "GET / HTTP/1.1" 1234 5`,
		},
		{
			name: "hostname host",
			in:   `host.example - - ` + date + ` "GET / HTTP/1.1" 200 5`,
			want: `unknown - - ` + date + ` "GET / HTTP/1.1" 200 5`,
		},
		{
			name: "crlf",
			in:   corpusLine + "\r",
			want: `GB - - ` + date + ` "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Chrome"` + "\r",
		},
		{
			name: "bom",
			in:   "\xef\xbb\xbf192.0.2.1 - - " + date + ` "GET / HTTP/1.1" 200 5`,
			want: "\xef\xbb\xbfGB - - " + date + ` "GET / HTTP/1.1" 200 5`,
		},

		{name: "no date end", in: `192.0.2.1 - - [17/May/2015 "GET / HTTP/1.0" 200 -`, want: `GB - - [17/May/2015 "GET / HTTP/1.0" 200 -`, fallback: true},
		{name: "no status", in: `192.0.2.1 - - ` + date + ` "GET / HTTP/1.0"`, want: `GB - - ` + date + ` "GET / HTTP/1.0"`, fallback: true},
		{name: "no bytes", in: `192.0.2.1 - - ` + date + ` "GET / HTTP/1.0" 200`, want: `GB - - ` + date + ` "GET / HTTP/1.0" 200`, fallback: true},
		{name: "unterminated request", in: `192.0.2.1 - - ` + date + ` "GET / a@b.example`, want: `GB - - ` + date + ` "GET / [email]`, fallback: true},
		{name: "double space", in: `192.0.2.1  - - ` + date + ` "GET /" 200 1`, want: `[ipv4]  - - ` + date + ` "GET /" 200 1`, fallback: true},
		{name: "too many fields", in: `a b 192.0.2.1 - - ` + date + ` "GET /" 200 1`, want: `a b [ipv4] - - ` + date + ` "GET /" 200 1`, fallback: true},
		{name: "json line", in: `{"remote_ip":"192.0.2.1"}`, want: `{"remote_ip":"GB"}`, fallback: true},
		{name: "text", in: `hello a@b.example`, want: `hello [email]`, fallback: true},
		{name: "empty", in: "", want: ""},
	}
	runLineTests(t, fakeEngine{}, FormatCombined, tests)
	// common reads the same lines the same way.
	runLineTests(t, fakeEngine{}, FormatCommon, tests)
}

func TestText(t *testing.T) {
	runLineTests(t, fakeEngine{}, FormatText, []lineTest{
		{name: "detectors", in: `user a@b.example at 10.0.0.1`, want: `user [email] at [ipv4]`},
		{name: "json escapes decoded", in: `payload {"e":"a\u0040b.example"}`, want: `payload {"e":"[email]"}`},
		{name: "control escapes kept", in: `a\u000d\u000ab\u0000\u007f`, want: `a\u000d\u000ab\u0000\u007f`},
		{name: "windows path kept", in: `C:\users\x \u12 \`, want: `C:\users\x \u12 \`},
		{name: "combined as text", in: corpusLine, want: strings.Replace(corpusLine, "83.149.9.216", "[ipv4]", 1)},
		{name: "nul and junk", in: "\x00\xff\xfe 10.0.0.1", want: "\x00\xff\xfe [ipv4]"},
		{name: "crlf", in: "10.0.0.1\r", want: "[ipv4]\r"},
		{name: "lone cr", in: "\r", want: "\r"},
	})
}

func TestAutoPerLine(t *testing.T) {
	runLineTests(t, fakeEngine{}, FormatAuto, []lineTest{
		{name: "json", in: `  {"remote_ip":"192.0.2.1"}`, want: `{"remote_ip":"GB"}`},
		{name: "combined", in: `192.0.2.1 - bob [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5`, want: `GB - ` + pseudo("bob") + ` [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5`},
		{name: "text", in: `192.0.2.1 said hi`, want: `[ipv4] said hi`},
		{name: "broken json", in: `{"remote_ip":"192.0.2.1"`, want: `{"remote_ip":"GB"`, fallback: true},
	})
}

func TestHugeLine(t *testing.T) {
	line := bytes.Repeat([]byte("abcdefgh "), 1<<20/9)
	line = append(line, "x@y.example"...)
	for _, f := range []Format{FormatCaddyJSON, FormatCombined, FormatText} {
		out := NewSanitizer(fakeEngine{}, f).AppendLine(nil, line)
		if !bytes.HasSuffix(out, []byte("[email]")) || len(out) != len(line)-len("x@y.example")+len("[email]") {
			t.Errorf("%v: 1 MB line: got %d bytes ending %q", f, len(out), out[max(0, len(out)-20):])
		}
	}
	js := append(append([]byte(`{"msg":"`), line...), `"}`...)
	out := NewSanitizer(fakeEngine{}, FormatCaddyJSON).AppendLine(nil, js)
	if !bytes.HasSuffix(out, []byte(`[email]"}`)) {
		t.Errorf("1 MB JSON string: got ...%q", out[max(0, len(out)-20):])
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{FormatAuto, FormatCaddyJSON, FormatCombined, FormatCommon, FormatText} {
		got, err := ParseFormat(f.String())
		if err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), got, err)
		}
	}
	for _, s := range []string{"", "json", "Combined", "caddy_json", "clf"} {
		if _, err := ParseFormat(s); err == nil || !strings.Contains(err.Error(), "want auto, caddy-json") {
			t.Errorf("ParseFormat(%q): error %v, want one listing the formats", s, err)
		}
	}
	if s := Format(99).String(); s != "Format(99)" {
		t.Errorf("Format(99).String() = %q", s)
	}
}

func TestDetectFormat(t *testing.T) {
	common := `192.0.2.1 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5`
	tests := []struct {
		name, sample string
		want         Format
	}{
		{"empty", "", FormatText},
		{"blank lines", "\n \n\t\n", FormatText},
		{"json", `{"level":"info"}` + "\n", FormatCaddyJSON},
		{"json after blank and bom", "\xef\xbb\xbf\n\n  {\"a\":1}", FormatCaddyJSON},
		{"json not first", "hello\n{\"a\":1}\n", FormatText},
		{"combined", corpusLine + "\n" + corpusLine + "\n", FormatCombined},
		{"combined no newline", corpusLine, FormatCombined},
		{"combined crlf", corpusLine + "\r\n" + corpusLine + "\r\n", FormatCombined},
		{"common", common + "\n" + common + "\n", FormatCommon},
		{"mixed mostly combined", corpusLine + "\n" + common + "\n" + corpusLine + "\n", FormatCombined},
		{"half text", corpusLine + "\nhello\n", FormatCombined},
		{"mostly text", corpusLine + "\nhello\nworld\n", FormatText},
		{"half common", common + "\nhello\n", FormatCommon},
		{"text", "Jan 1 00:00:00 host sshd[1]: Accepted for bob from 192.0.2.1\n", FormatText},
		{"brackets and quotes", `a b c [not a date] "x" 1 2` + "\n", FormatText},
		{"bad status", `192.0.2.1 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" OK 5` + "\n", FormatText},
	}
	for _, tt := range tests {
		if got := DetectFormat([]byte(tt.sample)); got != tt.want {
			t.Errorf("%s: DetectFormat = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	lines := map[Format]string{
		FormatCaddyJSON: caddyLine,
		FormatCombined:  corpusLine,
		FormatText:      "nothing to see here",
	}
	for f, line := range lines {
		s := NewSanitizer(cheapEngine{}, f)
		st := new(state)
		dst := make([]byte, 0, 4096)
		in := []byte(line)
		s.appendLine(st, dst, in) // warm the header cache
		if n := testing.AllocsPerRun(100, func() { s.appendLine(st, dst[:0], in) }); n != 0 {
			t.Errorf("%v: %v allocations per line, want 0", f, n)
		}
	}
}
