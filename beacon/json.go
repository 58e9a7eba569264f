package beacon

import (
	"bytes"
	"unicode/utf8"

	"github.com/caddy-privacy/caddy-privacy/internal/jsonstr"
)

// JSON limits. Beacons are small and flat; anything deeper or bigger is
// not one.
const (
	maxJSONDepth = 32
	maxJSONNodes = 20000
)

type jsonKind uint8

const (
	jNull jsonKind = iota
	jFalse
	jTrue
	jNumber
	jString
	jArray
	jObject
)

// jvalue is a parsed JSON value. Object members keep their order.
type jvalue struct {
	kind    jsonKind
	str     []byte // a string, decoded, or a number as written
	items   []jvalue
	members []jmember
}

type jmember struct {
	key []byte
	val jvalue
}

// member returns the value of an object's member, or nil.
func (v *jvalue) member(name string) *jvalue {
	for i := range v.members {
		if string(v.members[i].key) == name {
			return &v.members[i].val
		}
	}
	return nil
}

// jsonState parses JSON. It is strict (RFC 8259 and I-JSON, RFC 7493):
// no duplicate keys, no invalid UTF-8 or lone surrogates, nothing after
// the value, at most maxJSONDepth levels and maxJSONNodes values. A
// vendor would read an ambiguous document in its own way, so one is not
// forwarded.
type jsonState struct {
	b     []byte
	i     int
	nodes int
}

func (p *jsonState) parse(b []byte) (*jvalue, error) {
	p.b, p.i, p.nodes = b, 0, 0
	p.ws()
	var v jvalue
	if err := p.value(&v, 0); err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, p.fail("data after the JSON value")
	}
	return &v, nil
}

func (p *jsonState) fail(what string) *Error {
	return errorf(Malformed, "body: %s at byte %d", what, p.i)
}

func (p *jsonState) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonState) value(v *jvalue, depth int) error {
	if depth > maxJSONDepth {
		return p.fail("JSON nested deeper than 32 levels")
	}
	if p.nodes++; p.nodes > maxJSONNodes {
		return p.fail("JSON with more than 20000 values")
	}
	if p.i >= len(p.b) {
		return p.fail("JSON ends early")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(v, depth)
	case c == '[':
		return p.array(v, depth)
	case c == '"':
		v.kind = jString
		s, err := p.string()
		v.str = s
		return err
	case c == '-' || isDigit(c):
		return p.number(v)
	case c == 't':
		v.kind = jTrue
		return p.literal("true")
	case c == 'f':
		v.kind = jFalse
		return p.literal("false")
	case c == 'n':
		v.kind = jNull
		return p.literal("null")
	}
	return p.fail("not a JSON value")
}

func (p *jsonState) literal(s string) error {
	if !bytes.HasPrefix(p.b[p.i:], []byte(s)) {
		return p.fail("not a JSON value")
	}
	p.i += len(s)
	return nil
}

func (p *jsonState) number(v *jvalue) error {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.b) && isDigit(p.b[p.i]) {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return p.fail("malformed number")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return p.fail("malformed number")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return p.fail("malformed number")
		}
	}
	if p.i-start > 64 {
		return p.fail("number longer than 64 bytes")
	}
	v.kind = jNumber
	v.str = p.b[start:p.i]
	return nil
}

// string parses a JSON string and returns it decoded. Unescaped strings
// share the input's bytes.
func (p *jsonState) string() ([]byte, error) {
	p.i++ // "
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			s := p.b[start:p.i]
			p.i++
			if !utf8.Valid(s) {
				return nil, p.fail("invalid UTF-8 in a string")
			}
			return s, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return nil, p.fail("control character in a string")
		}
		p.i++
	}
	// Escaped: find the closing quote, then decode.
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case '\\':
			p.i += 2
			continue
		case '"':
			out, err := jsonstr.AppendDecodeStrict(nil, p.b[start:p.i])
			if err != nil {
				return nil, p.fail(err.Error())
			}
			p.i++
			return out, nil
		}
		p.i++
	}
	return nil, p.fail("unterminated string")
}

func (p *jsonState) array(v *jvalue, depth int) error {
	v.kind = jArray
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return nil
	}
	for {
		v.items = append(v.items, jvalue{})
		if err := p.value(&v.items[len(v.items)-1], depth+1); err != nil {
			return err
		}
		p.ws()
		if p.i >= len(p.b) {
			return p.fail("JSON ends early")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
			p.ws()
		case ']':
			p.i++
			return nil
		default:
			return p.fail("expected , or ]")
		}
	}
}

func (p *jsonState) object(v *jvalue, depth int) error {
	v.kind = jObject
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return nil
	}
	var seen map[string]struct{}
	for {
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return p.fail("expected a key")
		}
		k, err := p.string()
		if err != nil {
			return err
		}
		// I-JSON: duplicate keys are refused, as parsers disagree on
		// which one counts.
		if len(v.members) < 16 {
			for i := range v.members {
				if bytes.Equal(v.members[i].key, k) {
					return p.fail("duplicate key")
				}
			}
		} else {
			if seen == nil {
				seen = make(map[string]struct{}, 32)
				for i := range v.members {
					seen[string(v.members[i].key)] = struct{}{}
				}
			}
			if _, dup := seen[string(k)]; dup {
				return p.fail("duplicate key")
			}
			seen[string(k)] = struct{}{}
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return p.fail("expected :")
		}
		p.i++
		p.ws()
		v.members = append(v.members, jmember{key: k})
		if err := p.value(&v.members[len(v.members)-1].val, depth+1); err != nil {
			return err
		}
		p.ws()
		if p.i >= len(p.b) {
			return p.fail("JSON ends early")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
			p.ws()
		case '}':
			p.i++
			return nil
		default:
			return p.fail("expected , or }")
		}
	}
}

// jsonWriter writes compact JSON.
type jsonWriter struct {
	buf      []byte
	stack    []bool // per open container: whether it has an element
	afterKey bool
}

func (w *jsonWriter) pre() {
	if w.afterKey {
		w.afterKey = false
		return
	}
	if n := len(w.stack); n > 0 {
		if w.stack[n-1] {
			w.buf = append(w.buf, ',')
		}
		w.stack[n-1] = true
	}
}

func (w *jsonWriter) openObject() {
	w.pre()
	w.buf = append(w.buf, '{')
	w.stack = append(w.stack, false)
}

func (w *jsonWriter) closeObject() {
	w.buf = append(w.buf, '}')
	w.stack = w.stack[:len(w.stack)-1]
}

func (w *jsonWriter) openArray() {
	w.pre()
	w.buf = append(w.buf, '[')
	w.stack = append(w.stack, false)
}

func (w *jsonWriter) closeArray() {
	w.buf = append(w.buf, ']')
	w.stack = w.stack[:len(w.stack)-1]
}

func (w *jsonWriter) key(k string) {
	w.pre()
	w.buf = appendJSONString(w.buf, []byte(k))
	w.buf = append(w.buf, ':')
	w.afterKey = true
}

func (w *jsonWriter) keyBytes(k []byte) {
	w.pre()
	w.buf = appendJSONString(w.buf, k)
	w.buf = append(w.buf, ':')
	w.afterKey = true
}

func (w *jsonWriter) string(s []byte) {
	w.pre()
	w.buf = appendJSONString(w.buf, s)
}

// raw writes a literal or number as it is.
func (w *jsonWriter) raw(b []byte) {
	w.pre()
	w.buf = append(w.buf, b...)
}

// mark and rewind drop a member whose value turned out to be unwanted
// after its key was written.
type jsonMark struct {
	n        int
	hasElem  bool
	afterKey bool
}

func (w *jsonWriter) mark() jsonMark {
	m := jsonMark{n: len(w.buf), afterKey: w.afterKey}
	if len(w.stack) > 0 {
		m.hasElem = w.stack[len(w.stack)-1]
	}
	return m
}

func (w *jsonWriter) rewind(m jsonMark) {
	w.buf = w.buf[:m.n]
	w.afterKey = m.afterKey
	if len(w.stack) > 0 {
		w.stack[len(w.stack)-1] = m.hasElem
	}
}

// appendJSONString appends s, which is valid UTF-8, as a JSON string.
func appendJSONString(dst, s []byte) []byte {
	const hexd = "0123456789abcdef"
	dst = append(dst, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20 || c == 0x7f:
			dst = append(dst, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
