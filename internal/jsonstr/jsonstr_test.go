package jsonstr

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestAgreesWithEncodingJSON: decoding what AppendEscape wrote gives the
// input back (valid UTF-8), and AppendDecode reads what encoding/json
// writes.
func TestAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "a", `q"b\s`, "tab\tnl\n\x01", "é€😀", "<&>", "\u2028"} {
		esc := AppendEscape(nil, []byte(s))
		var back string
		if err := json.Unmarshal([]byte(`"`+string(esc)+`"`), &back); err != nil || back != s {
			t.Errorf("AppendEscape(%q) = %q: decodes to %q, %v", s, esc, back, err)
		}
		enc, _ := json.Marshal(s)
		dec, ok := AppendDecode(nil, enc[1:len(enc)-1])
		if !ok || string(dec) != s {
			t.Errorf("AppendDecode(%s) = %q, %v", enc, dec, ok)
		}
	}
}

func FuzzAppendDecode(f *testing.F) {
	for _, s := range []string{`a\u0040b`, `\ud83d\ude00`, `\ud800`, `\x`, `\`, `\"\\\/\b\f\n\r\t`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		dec, ok := AppendDecode(nil, []byte(raw))
		if strings.ContainsAny(raw, "\"\x00") {
			return
		}
		var want string
		err := json.Unmarshal([]byte(`"`+raw+`"`), &want)
		if err == nil && (!ok || string(dec) != want) && utf8.ValidString(raw) {
			t.Errorf("AppendDecode(%q) = %q, %v; encoding/json %q", raw, dec, ok, want)
		}
	})
}

func TestAppendDecodeStrict(t *testing.T) {
	for _, tt := range []struct {
		raw  string
		want string
		err  error
	}{
		{`a\u0040b\n`, "a@b\n", nil},
		{`\ud83d\ude00`, "😀", nil},
		{`\ufffd`, "\ufffd", nil},
		{`\ud800`, "", ErrSurrogate},
		{`\ude00x`, "", ErrSurrogate},
		{`\x`, "", ErrEscape},
		{`\`, "", ErrEscape},
		{`\u12`, "", ErrEscape},
		{"a\x01", "", ErrControl},
		{"\xff", "", ErrUTF8},
	} {
		got, err := AppendDecodeStrict(nil, []byte(tt.raw))
		if err != tt.err || string(got) != tt.want {
			t.Errorf("AppendDecodeStrict(%q) = %q, %v; want %q, %v", tt.raw, got, err, tt.want, tt.err)
		}
	}
}
