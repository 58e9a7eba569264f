package logs

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// leaks reports an address or email the fake engine would have removed,
// in b as a reader of it sees it: for valid JSON, in its decoded strings.
func leaks(b []byte) string {
	if json.Valid(b) {
		var v any
		if err := json.Unmarshal(b, &v); err == nil {
			return leaksIn(v)
		}
	}
	return leakIn(b)
}

func leaksIn(v any) string {
	switch v := v.(type) {
	case string:
		return leakIn([]byte(v))
	case []any:
		for _, e := range v {
			if l := leaksIn(e); l != "" {
				return l
			}
		}
	case map[string]any:
		for k, e := range v {
			if l := leakIn([]byte(k)); l != "" {
				return l
			}
			if l := leaksIn(e); l != "" {
				return l
			}
		}
	}
	return ""
}

func leakIn(b []byte) string {
	if i, j := findQuad(b); i >= 0 {
		return string(b[i:j])
	}
	if i, j := findEmail(b); i >= 0 {
		return string(b[i:j])
	}
	return ""
}

func FuzzAppendLine(f *testing.F) {
	for _, s := range []string{
		caddyLine, corpusLine, "", "\r", "\xef\xbb\xbf{}", `{"a":"\u0040"}`, `{"msg":"a\u0040b.example"}`,
		`{"remote_port":[1,{"a":"b"}],"x":"10.0.0.1"}`, `{"headers":{"Cookie":["a"],"X-Forwarded-For":["1.2.3.4"]}}`,
		`{"a":"\ud800\udc00\ud800"}`, `{"a":1e5,"b":-0.5,"c":[true,false,null]}`, strings.Repeat("[", 100),
		`192.0.2.1 - - [17/May/2015:10:05:03 +0000] "GET /a\"b HTTP/1.1" 200 5 "-" "-" extra`,
		`a b 1.2.3.4 u [2015-05-17T10:05:03Z] "X" 1 2 "3" "4"`, "1.2.3.4 - - [", "\x00\xff\xfe", "a\x01@b.example",
		`{"a":"x\u0001@b.example"}`, "{\"a\":\"x\xff@b.example\"}",
		`{"request":{"remote_ip":"1.2.3.4","uri":"/a?password=x`, `{"a":1}{"remote_ip":"1.2.3.4"}`, `{"headers":{"Cookie":["a`,
		`{"remote_ip":[1.2, {"x":"1.2.3.4"}], "user_id": 12345`, `\x00\x01{"uri":"/?token=abc"}`, `{"a":"\"`, `{"":`,
	} {
		for fm := range 5 {
			f.Add(uint8(fm), []byte(s))
		}
	}
	sanitizers := [5]*Sanitizer{}
	for i := range sanitizers {
		sanitizers[i] = NewSanitizer(fakeEngine{}, Format(i))
	}
	f.Fuzz(func(t *testing.T, fm uint8, line []byte) {
		line = bytes.ReplaceAll(line, []byte("\n"), nil)
		s := sanitizers[int(fm)%len(sanitizers)]
		out, fallback := s.appendLine(new(state), nil, line)
		if bytes.IndexByte(out, '\n') >= 0 {
			t.Fatalf("output has a newline: %q", out)
		}
		if bytes.HasSuffix(line, []byte("\r")) != bytes.HasSuffix(out, []byte("\r")) {
			t.Fatalf("line ending changed: %q -> %q", line, out)
		}
		if l := leaks(out); l != "" {
			t.Fatalf("%v: %q survived in %q", s.format, l, out)
		}
		if s.format == FormatCaddyJSON && !fallback {
			body := bytes.TrimSuffix(bytes.TrimPrefix(out, bom), []byte("\r"))
			if len(body) > 0 && !json.Valid(body) {
				t.Fatalf("valid JSON in, invalid out: %q -> %q", line, out)
			}
		}
		if s.format == FormatCaddyJSON && fallback {
			in := bytes.TrimSuffix(bytes.TrimPrefix(line, bom), []byte("\r"))
			if json.Valid(in) && bytes.HasPrefix(bytes.TrimLeft(in, " \t\r"), []byte("{")) && !bytes.Contains(in, bytes.Repeat([]byte("{"), maxDepth)) && bytes.Count(in, []byte("[")) < maxDepth {
				t.Fatalf("valid JSON object read as text: %q", line)
			}
		}
		if got := s.AppendLine(nil, line); !bytes.Equal(got, out) {
			t.Fatalf("AppendLine and appendLine differ: %q, %q", got, out)
		}
	})
}

func FuzzDetectFormat(f *testing.F) {
	f.Add([]byte(corpusLine + "\n" + corpusLine))
	f.Add([]byte(caddyLine + "\n"))
	f.Add([]byte("\xef\xbb\xbf\n\r\n"))
	f.Add([]byte(`1 2 3 [17/May/2015:10:05:03 +0000] "x" 200 1`))
	f.Fuzz(func(t *testing.T, sample []byte) {
		got := DetectFormat(sample)
		if got != FormatCaddyJSON && got != FormatCombined && got != FormatCommon && got != FormatText {
			t.Fatalf("DetectFormat = %v", got)
		}
	})
}

// FuzzFilter checks that Filter agrees with AppendLine line by line,
// whatever the input and block size.
func FuzzFilter(f *testing.F) {
	f.Add([]byte("a\nb\r\n\n"+corpusLine), uint16(7), uint16(20))
	f.Add(junk(9, 20), uint16(64), uint16(1000))
	f.Fuzz(func(t *testing.T, in []byte, bs, max uint16) {
		opts := FilterOptions{Workers: 2, BlockSize: int(bs%512) + 1, MaxLineSize: int(max%2048) + 1}
		s := NewSanitizer(fakeEngine{}, FormatText)
		var out bytes.Buffer
		st, err := Filter(t.Context(), &out, bytes.NewReader(in), s, opts)
		if err != nil {
			t.Fatal(err)
		}
		var want []byte
		rest := in
		for len(rest) > 0 {
			line := rest
			i := bytes.IndexByte(rest, '\n')
			if i >= 0 {
				line, rest = rest[:i], rest[i+1:]
			} else {
				rest = nil
			}
			if len(line) > opts.MaxLineSize {
				want = append(want, LongLineTag...)
				if line[len(line)-1] == '\r' {
					want = append(want, '\r')
				}
			} else {
				want = s.AppendLine(want, line)
			}
			if i >= 0 {
				want = append(want, '\n')
			}
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("Filter(%q, %+v) = %q, want %q", in, opts, out.Bytes(), want)
		}
		if st.BytesIn != int64(len(in)) {
			t.Fatalf("BytesIn = %d, want %d", st.BytesIn, len(in))
		}
	})
}

// FuzzAudit checks that Audit counts every line and never names a field
// after an identifier.
func FuzzAudit(f *testing.F) {
	f.Add([]byte(caddyLine+"\n"+corpusLine), uint8(0))
	f.Add([]byte(`{"a@b.example":{"10.0.0.1":"x"}}`), uint8(1))
	f.Add([]byte("text a@b.example\n\n"), uint8(4))
	f.Fuzz(func(t *testing.T, in []byte, fm uint8) {
		rep, err := Audit(t.Context(), bytes.NewReader(in), fakeAuditor{}, Format(fm%5), AuditOptions{FilterOptions: FilterOptions{Workers: 2, BlockSize: 64}})
		if err != nil {
			t.Fatal(err)
		}
		lines := int64(bytes.Count(in, []byte("\n")))
		if len(in) > 0 && in[len(in)-1] != '\n' {
			lines++
		}
		if rep.Lines != lines || rep.Bytes != int64(len(in)) {
			t.Fatalf("%d lines, %d bytes; want %d, %d", rep.Lines, rep.Bytes, lines, len(in))
		}
		for _, fd := range rep.Findings {
			if l := leakIn([]byte(fd.Field)); l != "" {
				t.Fatalf("field %q names an identifier", fd.Field)
			}
			if fd.Count < int64(len(fd.Lines)) || len(fd.Lines) > DefaultSamples {
				t.Fatalf("finding %+v", fd)
			}
		}
	})
}
