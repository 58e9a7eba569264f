package beacon

import (
	"bytes"
	"hash/maphash"
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

	// The members and items of the containers being parsed, and the
	// arenas finished containers are kept in: a parse allocates a few
	// arena blocks rather than a slice per container.
	memberStack, members []jmember
	itemStack, items     []jvalue

	keyTable []uint32 // hasDuplicateKey's
	seed     maphash.Seed
}

// maxKeptNodes bounds the arenas a jsonState keeps between requests.
const maxKeptNodes = 4096

func (p *jsonState) parse(b []byte) (*jvalue, error) {
	p.b, p.i, p.nodes = b, 0, 0
	p.ws()
	v, err := p.value(0)
	if err != nil {
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

func (p *jsonState) value(depth int) (v jvalue, err error) {
	if depth > maxJSONDepth {
		return v, p.fail("JSON nested deeper than 32 levels")
	}
	if p.nodes++; p.nodes > maxJSONNodes {
		return v, p.fail("JSON with more than 20000 values")
	}
	if p.i >= len(p.b) {
		return v, p.fail("JSON ends early")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		v.kind = jObject
		v.members, err = p.object(depth)
	case c == '[':
		v.kind = jArray
		v.items, err = p.array(depth)
	case c == '"':
		v.kind = jString
		v.str, err = p.string()
	case c == '-' || isDigit(c):
		v.kind = jNumber
		v.str, err = p.number()
	case c == 't':
		v.kind = jTrue
		err = p.literal("true")
	case c == 'f':
		v.kind = jFalse
		err = p.literal("false")
	case c == 'n':
		v.kind = jNull
		err = p.literal("null")
	default:
		err = p.fail("not a JSON value")
	}
	return v, err
}

func (p *jsonState) literal(s string) error {
	if !bytes.HasPrefix(p.b[p.i:], []byte(s)) {
		return p.fail("not a JSON value")
	}
	p.i += len(s)
	return nil
}

func (p *jsonState) number() ([]byte, error) {
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
		return nil, p.fail("malformed number")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, p.fail("malformed number")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, p.fail("malformed number")
		}
	}
	if p.i-start > 64 {
		return nil, p.fail("number longer than 64 bytes")
	}
	return p.b[start:p.i], nil
}

// string parses a JSON string and returns it decoded. Unescaped strings
// share the input's bytes.
func (p *jsonState) string() ([]byte, error) {
	p.i++ // "
	start := p.i
	ascii := true
	for p.i < len(p.b) {
		// Plain ASCII runs in a tight loop.
		for p.i < len(p.b) && plainASCII[p.b[p.i]] {
			p.i++
		}
		if p.i == len(p.b) {
			break
		}
		c := p.b[p.i]
		if c == '"' {
			s := p.b[start:p.i]
			p.i++
			if !ascii && !utf8.Valid(s) {
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
		ascii = false
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

func (p *jsonState) array(depth int) ([]jvalue, error) {
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return nil, nil
	}
	base := len(p.itemStack)
	defer func() { p.itemStack = p.itemStack[:base] }()
	for {
		item, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.itemStack = append(p.itemStack, item)
		p.ws()
		if p.i >= len(p.b) {
			return nil, p.fail("JSON ends early")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
			p.ws()
		case ']':
			p.i++
			return keep(&p.items, p.itemStack[base:]), nil
		default:
			return nil, p.fail("expected , or ]")
		}
	}
}

func (p *jsonState) object(depth int) ([]jmember, error) {
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return nil, nil
	}
	base := len(p.memberStack)
	defer func() { p.memberStack = p.memberStack[:base] }()
	for {
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, p.fail("expected a key")
		}
		k, err := p.string()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.fail("expected :")
		}
		p.i++
		p.ws()
		val, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.memberStack = append(p.memberStack, jmember{key: k, val: val})
		p.ws()
		if p.i >= len(p.b) {
			return nil, p.fail("JSON ends early")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
			p.ws()
		case '}':
			p.i++
			members := p.memberStack[base:]
			// I-JSON: duplicate keys are refused, as parsers disagree
			// on which one counts.
			if p.hasDuplicateKey(members) {
				return nil, p.fail("duplicate key in the object ending")
			}
			return keep(&p.members, members), nil
		default:
			return nil, p.fail("expected , or }")
		}
	}
}

// hasDuplicateKey reports whether two members share a key: by comparison
// for small objects, through a hash table for large ones.
func (p *jsonState) hasDuplicateKey(members []jmember) bool {
	if len(members) <= 16 {
		for i := 1; i < len(members); i++ {
			for j := range i {
				if bytes.Equal(members[i].key, members[j].key) {
					return true
				}
			}
		}
		return false
	}
	// An open-addressing table of member indexes (plus one), at most
	// half full, keyed by the keys' hashes.
	size := 1
	for size < 2*len(members) {
		size <<= 1
	}
	if cap(p.keyTable) < size {
		p.keyTable = make([]uint32, size)
		p.seed = maphash.MakeSeed()
	}
	table := p.keyTable[:size]
	clear(table)
	for i := range members {
		key := members[i].key
		slot := maphash.Bytes(p.seed, key) & uint64(size-1)
		for table[slot] != 0 {
			if bytes.Equal(members[table[slot]-1].key, key) {
				return true
			}
			slot = (slot + 1) & uint64(size-1)
		}
		table[slot] = uint32(i + 1)
	}
	return false
}

// keep copies a finished container's elements from the parse stack into
// the arena and returns them, capped so that an append elsewhere copies
// rather than writes over the arena.
func keep[T any](arena *[]T, elems []T) []T {
	if len(elems) == 0 {
		return nil
	}
	if cap(*arena)-len(*arena) < len(elems) {
		// A new arena; the old one lives on in the values it holds.
		*arena = make([]T, 0, max(2*cap(*arena), len(elems), 64))
	}
	start := len(*arena)
	*arena = append(*arena, elems...)
	return (*arena)[start:len(*arena):len(*arena)]
}

// release forgets every value parsed since the last release, clearing
// what they point at (decoded beacon data), and keeps the arenas for the
// next request unless they, the parse stacks and the key table grew past
// maxKeptNodes.
func (p *jsonState) release() {
	clear(p.members)
	clear(p.items)
	clear(p.memberStack[:cap(p.memberStack)])
	clear(p.itemStack[:cap(p.itemStack)])
	p.members, p.items = p.members[:0], p.items[:0]
	p.memberStack, p.itemStack = p.memberStack[:0], p.itemStack[:0]
	if cap(p.members)+cap(p.items)+cap(p.memberStack)+cap(p.itemStack) > maxKeptNodes || len(p.keyTable) > maxKeptNodes {
		p.members, p.items, p.memberStack, p.itemStack, p.keyTable = nil, nil, nil, nil, nil
	}
	p.b = nil
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
	start := 0
	for i, c := range s {
		if jsonSafe[c] {
			continue
		}
		dst = append(dst, s[start:i]...)
		start = i + 1
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&15])
		}
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// plainASCII marks the bytes a JSON string holds as they are and that
// need no UTF-8 check; jsonSafe the bytes appendJSONString writes as they
// are (DEL is escaped).
var plainASCII, jsonSafe = func() (plain, safe [256]bool) {
	for c := 0x20; c < 0x100; c++ {
		safe[c] = c != '"' && c != '\\' && c != 0x7f
		plain[c] = c < utf8.RuneSelf && c != '"' && c != '\\'
	}
	return
}()
