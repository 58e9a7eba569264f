package consent

import (
	"unicode/utf8"

	"github.com/caddy-privacy/caddy-privacy/internal/percent"
)

// readJSONValue reads a site's own JSON cookie, percent-encoded or not, such
// as {"analytics":true,"marketing":false}: one object whose keys are mapped
// through the field map and whose values are true/false, 1/0 or the
// strings "yes"/"no", "granted"/"denied", "true"/"false", "1"/"0". Keys
// not in the map are ignored, whatever their values; anything that is not
// one well-formed JSON object (RFC 8259) is unreadable.
//
// The scanner is written here rather than borrowed from encoding/json so
// that a repeated key counts every time (encoding/json keeps the last) and
// reading allocates nothing.
func (d *Decider) readJSONValue(value string) (Set, bool) {
	var buf [decodeBufLen]byte
	b, ok := appendUnescape(buf[:0], value)
	if !ok {
		return 0, false
	}
	s := jsonScanner{b: b}
	var t tally
	if !s.eat('{') {
		return 0, false
	}
	for first := true; ; first = false {
		key, done, ok := s.member(first)
		if !ok {
			return 0, false
		}
		if done {
			break
		}
		c, mapped := d.fields.lookup(key)
		if !mapped || c == Necessary {
			if !s.skipValue(0) {
				return 0, false
			}
			continue
		}
		granted, ok := s.choice()
		if !ok {
			return 0, false
		}
		t.add(key, c, granted)
	}
	if s.ws(); s.i != len(s.b) {
		return 0, false
	}
	return t.result()
}

// jsonScanner reads JSON from b without allocating.
type jsonScanner struct {
	b   []byte
	i   int
	str [64]byte // decoded strings that held escapes
}

// maxJSONDepth bounds nesting so a hostile cookie cannot recurse deeply.
const maxJSONDepth = 32

func (s *jsonScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) eat(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// member reads, inside an object whose '{' has been read, the '}' that
// ends it (done) or the next member's key and ':', leaving the scanner
// before its value. first says whether no member has been read yet.
func (s *jsonScanner) member(first bool) (key []byte, done, ok bool) {
	if s.eat('}') {
		return nil, true, true
	}
	if !first && !s.eat(',') {
		return nil, false, false
	}
	s.ws()
	key, ok = s.string()
	if !ok || !s.eat(':') {
		return nil, false, false
	}
	s.ws()
	return key, false, true
}

// string reads a string at s.i, returning its contents decoded. Contents
// with escapes are decoded into s.str; if they do not fit, the string is
// still read and returned as nil, which matches no key and no choice.
func (s *jsonScanner) string() ([]byte, bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	start := s.i + 1
	escaped := false
	for j := start; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			if !escaped {
				return s.b[start:j], true
			}
			return s.unescape(s.b[start:j]), true
		case c == '\\':
			escaped = true
			j++
			if j >= len(s.b) {
				return nil, false
			}
			switch s.b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(s.b) || !isHex4(s.b[j+1:j+5]) {
					return nil, false
				}
				j += 4
			default:
				return nil, false
			}
		case c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !percent.IsHex(c) {
			return false
		}
	}
	return true
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		r = r<<4 | rune(percent.Unhex(c))
	}
	return r
}

// unescape decodes the already validated escaped string contents in into
// s.str, or returns nil if they do not fit.
func (s *jsonScanner) unescape(in []byte) []byte {
	out := s.str[:0]
	for i := 0; i < len(in); i++ {
		c := in[i]
		if c != '\\' {
			if len(out) == cap(out) {
				return nil
			}
			out = append(out, c)
			continue
		}
		i++
		var r rune
		switch in[i] {
		case 'b':
			r = '\b'
		case 'f':
			r = '\f'
		case 'n':
			r = '\n'
		case 'r':
			r = '\r'
		case 't':
			r = '\t'
		case 'u':
			r = hex4(in[i+1 : i+5])
			i += 4
			// A surrogate pair is two escapes; a lone half is U+FFFD, as
			// encoding/json decodes it.
			if 0xd800 <= r && r < 0xdc00 && i+6 < len(in) && in[i+1] == '\\' && in[i+2] == 'u' {
				if lo := hex4(in[i+3 : i+7]); 0xdc00 <= lo && lo < 0xe000 {
					r = (r-0xd800)<<10 | (lo - 0xdc00) + 0x10000
					i += 6
				}
			}
			if 0xd800 <= r && r < 0xe000 {
				r = utf8.RuneError
			}
		default: // '"', '\\', '/'
			r = rune(in[i])
		}
		if cap(out)-len(out) < utf8.UTFMax {
			return nil
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

// choice reads a yes/no value: true, false, 1, 0 or a string parseChoice
// accepts.
func (s *jsonScanner) choice() (granted, ok bool) {
	if s.i >= len(s.b) {
		return false, false
	}
	if s.b[s.i] == '"' {
		str, ok := s.string()
		if !ok {
			return false, false
		}
		return parseChoice(str)
	}
	start := s.i
	if !s.skipValue(0) {
		return false, false
	}
	switch string(s.b[start:s.i]) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// skipValue reads any value at s.i.
func (s *jsonScanner) skipValue(depth int) bool {
	if s.i >= len(s.b) || depth > maxJSONDepth {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		_, ok := s.string()
		return ok
	case c == '{':
		s.i++
		for first := true; ; first = false {
			_, done, ok := s.member(first)
			if !ok {
				return false
			}
			if done {
				return true
			}
			if !s.skipValue(depth + 1) {
				return false
			}
		}
	case c == '[':
		s.i++
		if s.eat(']') {
			return true
		}
		for {
			s.ws()
			if !s.skipValue(depth + 1) {
				return false
			}
			if s.eat(',') {
				continue
			}
			return s.eat(']')
		}
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	}
	return false
}

func (s *jsonScanner) literal(lit string) bool {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *jsonScanner) number() bool {
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.digits() == 0:
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return false
		}
	}
	return true
}

func (s *jsonScanner) digits() int {
	n := 0
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}
