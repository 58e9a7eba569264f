package logs

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode/utf8"

	"github.com/caddy-privacy/caddy-privacy/internal/jsonstr"
	"github.com/caddy-privacy/caddy-privacy/redact"
)

// maxDepth is the deepest nesting read as JSON; deeper lines are sanitized
// as text.
const maxDepth = 64

// jsonParser rewrites one JSON line, or in audit mode walks it.
type jsonParser struct {
	s     *Sanitizer // nil in audit mode
	st    *state
	in    []byte
	pos   int
	depth int
}

// appendJSON rewrites line, a JSON object, and reports whether it was
// valid JSON. On false, dst holds partial output the caller discards.
func (s *Sanitizer) appendJSON(st *state, dst, line []byte) ([]byte, bool) {
	p := jsonParser{s: s, st: st, in: line}
	p.ws()
	if p.pos >= len(p.in) || p.in[p.pos] != '{' {
		return dst, false
	}
	dst, ok := p.object(dst, false)
	p.ws()
	return dst, ok && p.pos == len(p.in)
}

// ws moves past whitespace. Compact JSON, what loggers write, has none, so
// the first test is kept small enough to be inlined.
func (p *jsonParser) ws() {
	if p.pos < len(p.in) && p.in[p.pos] > ' ' {
		return
	}
	p.wsSlow()
}

func (p *jsonParser) wsSlow() {
	for p.pos < len(p.in) {
		switch p.in[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value(dst []byte, r redact.Rule) ([]byte, bool) {
	p.ws()
	if p.pos >= len(p.in) {
		return dst, false
	}
	switch c := p.in[p.pos]; c {
	case '{':
		return p.object(dst, r == redact.RuleHeaders)
	case '[':
		return p.array(dst, r)
	case '"':
		raw, esc, ok := p.str()
		if !ok {
			return dst, false
		}
		return p.emitString(dst, raw, esc, r)
	case 't', 'f', 'n':
		lit := p.literal()
		if lit == nil {
			return dst, false
		}
		return append(dst, lit...), true
	default:
		start := p.pos
		if !p.number() {
			return dst, false
		}
		num := p.in[start:p.pos]
		if r.Strict() {
			// An address or identifier written as a number is still one.
			return p.emitString(dst, num, false, r)
		}
		return append(dst, num...), true
	}
}

func (p *jsonParser) object(dst []byte, headerMap bool) ([]byte, bool) {
	if p.depth++; p.depth > maxDepth {
		return dst, false
	}
	p.pos++ // '{'
	dst = append(dst, '{')
	p.ws()
	if p.pos < len(p.in) && p.in[p.pos] == '}' {
		p.pos++
		p.depth--
		return append(dst, '}'), true
	}
	first := true
	for {
		p.ws()
		if p.pos >= len(p.in) || p.in[p.pos] != '"' {
			return dst, false
		}
		raw, esc, ok := p.str()
		if !ok {
			return dst, false
		}
		key := raw
		if esc {
			if p.st.key, ok = jsonstr.AppendDecode(p.st.key[:0], raw); !ok {
				return dst, false
			}
			key = p.st.key
		}
		p.ws()
		if p.pos >= len(p.in) || p.in[p.pos] != ':' {
			return dst, false
		}
		p.pos++

		if p.s == nil {
			mark := len(p.st.audit.path)
			p.st.audit.pushKey(key)
			dst, ok = p.value(dst, redact.RuleText)
			p.st.audit.path = p.st.audit.path[:mark]
		} else {
			rules := p.s.e.Rules()
			r := rules.FieldBytes(key)
			if headerMap {
				r = rules.HeaderBytes(key)
			}
			if r == redact.RuleDrop {
				ok = p.skip()
			} else {
				if !first {
					dst = append(dst, ',')
				}
				first = false
				dst = p.appendKey(dst, key)
				dst = append(dst, ':')
				dst, ok = p.value(dst, r)
			}
		}
		if !ok {
			return dst, false
		}
		p.ws()
		if p.pos >= len(p.in) {
			return dst, false
		}
		switch p.in[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			p.depth--
			return append(dst, '}'), true
		default:
			return dst, false
		}
	}
}

func (p *jsonParser) array(dst []byte, r redact.Rule) ([]byte, bool) {
	if p.depth++; p.depth > maxDepth {
		return dst, false
	}
	p.pos++ // '['
	dst = append(dst, '[')
	p.ws()
	if p.pos < len(p.in) && p.in[p.pos] == ']' {
		p.pos++
		p.depth--
		return append(dst, ']'), true
	}
	for first := true; ; first = false {
		if !first {
			dst = append(dst, ',')
		}
		var ok bool
		if dst, ok = p.value(dst, r); !ok {
			return dst, false
		}
		p.ws()
		if p.pos >= len(p.in) {
			return dst, false
		}
		switch p.in[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			p.depth--
			return append(dst, ']'), true
		default:
			return dst, false
		}
	}
}

// skip checks the value at p.pos and moves past it without writing it.
func (p *jsonParser) skip() bool {
	p.ws()
	if p.pos >= len(p.in) {
		return false
	}
	switch p.in[p.pos] {
	case '{', '[':
		closer := byte('}')
		if p.in[p.pos] == '[' {
			closer = ']'
		}
		isObj := closer == '}'
		if p.depth++; p.depth > maxDepth {
			return false
		}
		p.pos++
		p.ws()
		if p.pos < len(p.in) && p.in[p.pos] == closer {
			p.pos++
			p.depth--
			return true
		}
		for {
			if isObj {
				p.ws()
				if p.pos >= len(p.in) || p.in[p.pos] != '"' {
					return false
				}
				if !p.skipString() {
					return false
				}
				p.ws()
				if p.pos >= len(p.in) || p.in[p.pos] != ':' {
					return false
				}
				p.pos++
			}
			if !p.skip() {
				return false
			}
			p.ws()
			if p.pos >= len(p.in) {
				return false
			}
			switch p.in[p.pos] {
			case ',':
				p.pos++
			case closer:
				p.pos++
				p.depth--
				return true
			default:
				return false
			}
		}
	case '"':
		return p.skipString()
	case 't', 'f', 'n':
		return p.literal() != nil
	default:
		return p.number()
	}
}

// skipString moves past the string at p.pos, checking its escapes.
func (p *jsonParser) skipString() bool {
	raw, esc, ok := p.str()
	if ok && esc {
		p.st.dec, ok = jsonstr.AppendDecode(p.st.dec[:0], raw)
	}
	return ok
}

// str reads the string at p.pos, returning its raw content and whether it
// holds escapes. Escapes are checked when they are decoded.
func (p *jsonParser) str() (raw []byte, esc, ok bool) {
	p.pos++ // '"'
	start := p.pos
	// Eight bytes at a time: the first '"' or '\\' ends the fast path.
	in := p.in
	i := start
	for ; i+8 <= len(in); i += 8 {
		w := binary.LittleEndian.Uint64(in[i:])
		if m := zeroBytes(w^quotes) | zeroBytes(w^backslashes); m != 0 {
			i += bits.TrailingZeros64(m) >> 3
			if in[i] == '"' {
				p.pos = i + 1
				return in[start:i], false, true
			}
			return p.strEscaped(start)
		}
	}
	for ; i < len(in); i++ {
		switch in[i] {
		case '"':
			p.pos = i + 1
			return in[start:i], false, true
		case '\\':
			return p.strEscaped(start)
		}
	}
	return nil, false, false
}

const (
	ones        = 0x0101010101010101
	highs       = 0x8080808080808080
	quotes      = '"' * ones
	backslashes = '\\' * ones
)

// zeroBytes has the high bit set in the lowest zero byte of w (and perhaps
// in higher bytes, which callers ignore), and is 0 when w has none.
func zeroBytes(w uint64) uint64 { return (w - ones) &^ w & highs }

// strEscaped reads the rest of a string that holds escapes, from start.
func (p *jsonParser) strEscaped(start int) (raw []byte, esc, ok bool) {
	for i := start; i < len(p.in); i++ {
		switch p.in[i] {
		case '\\':
			i++
		case '"':
			p.pos = i + 1
			return p.in[start:i], true, true
		}
	}
	return nil, false, false
}

func (p *jsonParser) literal() []byte {
	for _, lit := range [...]string{"true", "false", "null"} {
		if bytes.HasPrefix(p.in[p.pos:], []byte(lit)) {
			b := p.in[p.pos : p.pos+len(lit)]
			p.pos += len(lit)
			return b
		}
	}
	return nil
}

// number moves past a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *jsonParser) number() bool {
	in, i := p.in, p.pos
	if i < len(in) && in[i] == '-' {
		i++
	}
	switch {
	case i < len(in) && in[i] == '0':
		i++
	case i < len(in) && in[i] >= '1' && in[i] <= '9':
		i = digits(in, i)
	default:
		return false
	}
	if i < len(in) && in[i] == '.' {
		j := digits(in, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(in) && (in[i] == 'e' || in[i] == 'E') {
		i++
		if i < len(in) && (in[i] == '+' || in[i] == '-') {
			i++
		}
		j := digits(in, i)
		if j == i {
			return false
		}
		i = j
	}
	p.pos = i
	return true
}

func digits(in []byte, i int) int {
	for i < len(in) && in[i] >= '0' && in[i] <= '9' {
		i++
	}
	return i
}

// emitString writes a string value: decoded, through the engine as r says,
// and encoded again.
func (p *jsonParser) emitString(dst, raw []byte, esc bool, r redact.Rule) ([]byte, bool) {
	src := raw
	if esc {
		var ok bool
		if p.st.dec, ok = jsonstr.AppendDecode(p.st.dec[:0], raw); !ok {
			return dst, false
		}
		src = p.st.dec
	}
	if p.s == nil {
		p.st.audit.scan(src)
		return dst, true
	}
	if len(src) == 0 {
		return append(dst, `""`...), true
	}
	dst = append(dst, '"')
	mark := len(dst)
	dst = p.s.e.AppendRule(dst, r, src)
	dst = p.st.escapeJSON(dst, mark)
	return append(dst, '"'), true
}

// appendKey writes a member name. Names made only of letters, '-', '_' and
// '.' are kept; any other name could hold an identifier (clients choose
// header names), so it goes through Engine.AppendText.
func (p *jsonParser) appendKey(dst, key []byte) []byte {
	dst = append(dst, '"')
	if plainKey(key) {
		dst = append(dst, key...)
	} else {
		mark := len(dst)
		dst = p.s.e.AppendRule(dst, redact.RuleText, key)
		dst = p.st.escapeJSON(dst, mark)
	}
	return append(dst, '"')
}

func plainKey(k []byte) bool {
	for _, c := range k {
		if !plainKeyByte[c] {
			return false
		}
	}
	return true
}

// plainKeyByte holds the bytes of plain keys: letters, '_', '-' and '.'.
var plainKeyByte = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-' || c == '.'
	}
	return t
}()

// escapeJSON makes dst[mark:] valid JSON string content: quotes,
// backslashes and control characters are escaped, invalid UTF-8 becomes
// U+FFFD. The common case, nothing to escape, copies nothing.
func (st *state) escapeJSON(dst []byte, mark int) []byte {
	if !jsonstr.NeedsEscape(dst[mark:]) {
		return dst
	}
	st.tmp = append(st.tmp[:0], dst[mark:]...)
	return jsonstr.AppendEscape(dst[:mark], st.tmp)
}

// looseUnescape decodes the \uXXXX escapes (but for control characters)
// and \/ escapes of text that may hold JSON fragments, leaving everything
// else as it is, so that detectors see "a\u0040b.example" as the address
// it is. An escaped backslash stays escaped, so "\\u0040" is not decoded.
func looseUnescape(dst, src []byte) []byte {
	for i := 0; i < len(src); {
		j := bytes.IndexByte(src[i:], '\\')
		if j < 0 {
			return append(dst, src[i:]...)
		}
		dst = append(dst, src[i:i+j]...)
		i += j
		if i+1 >= len(src) {
			return append(dst, '\\')
		}
		switch src[i+1] {
		case 'u':
			// Control characters stay escaped: a decoded "\u000a" would
			// split the line.
			if r, n, ok := jsonstr.DecodeU(src[i:]); ok && r >= 0x20 && r != 0x7f {
				dst = utf8.AppendRune(dst, r)
				i += n
				continue
			}
			dst = append(dst, '\\', 'u')
		case '/':
			dst = append(dst, '/')
		default:
			dst = append(dst, '\\', src[i+1])
		}
		i += 2
	}
	return dst
}
