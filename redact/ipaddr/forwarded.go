package ipaddr

import (
	"bytes"
	"net/netip"
)

// param is a Forwarded parameter this package keeps.
type param uint8

const (
	paramOther param = iota
	paramFor
	paramBy
	paramProto
	paramHost
)

var paramNames = [...]string{paramFor: "for", paramBy: "by", paramProto: "proto", paramHost: "host"}

type pair struct {
	name   param
	val    []byte // without the quotes, escapes still in place
	quoted bool
}

// AppendForwarded appends the transform of an RFC 7239 Forwarded value.
// In each element the for= and by= nodes are transformed (an address that
// is not one, such as "unknown" or an obfuscated "_id", becomes unknown),
// valid proto= and host= are kept, and other parameters are dropped, as
// are empty elements. Values are quoted where the syntax needs it:
//
//	for=192.0.2.60;proto=http;by=203.0.113.43  →  for=_GB;proto=http;by=_US
//	for="[2001:db8:cafe::17]:4711"             →  for="[2001:db8:cafe::]"   (truncate /48)
//
// An element that does not parse (bad syntax, an unclosed quote, a
// parameter given twice) becomes for=unknown. Under drop, for= and by= are
// left out, and so is any element left empty. Names are written in lower
// case, elements joined with ", ".
func (t *Transform) AppendForwarded(dst, src []byte) []byte {
	first := true
	for len(src) > 0 {
		var elem []byte
		elem, src = splitElement(src)
		mark := len(dst)
		if !first {
			dst = append(dst, ", "...)
		}
		body := len(dst)
		dst = t.appendElement(dst, elem)
		if len(dst) == body {
			dst = dst[:mark]
			continue
		}
		first = false
	}
	return dst
}

// splitElement splits src at the first comma outside a quoted string. An
// unclosed quote takes the rest of src, which then fails to parse.
func splitElement(src []byte) (elem, rest []byte) {
	quoted := false
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == ',':
			return src[:i], src[i+1:]
		}
	}
	return src, nil
}

func (t *Transform) appendElement(dst, elem []byte) []byte {
	pairs, n, ok := parseElement(elem)
	if !ok {
		if t.kind == kindDrop {
			return dst
		}
		return append(dst, "for=unknown"...)
	}
	body := len(dst)
	for _, p := range pairs[:n] {
		if p.name == paramFor || p.name == paramBy {
			if t.kind == kindDrop {
				continue
			}
		}
		mark := len(dst)
		if mark > body {
			dst = append(dst, ';')
		}
		dst = append(dst, paramNames[p.name]...)
		dst = append(dst, '=')
		v := len(dst)
		dst = appendUnquoted(dst, p.val, p.quoted)
		switch p.name {
		case paramFor, paramBy:
			a, ok := Parse(dst[v:])
			dst = dst[:v]
			if !ok {
				dst = append(dst, unknown...)
				break
			}
			dst = t.appendNode(dst, a)
		case paramProto:
			if !isScheme(dst[v:]) {
				dst = dst[:mark]
			}
		case paramHost:
			if !isHost(dst[v:]) {
				dst = dst[:mark]
				break
			}
			dst = quoteIfNeeded(dst, v)
		}
	}
	return dst
}

// parseElement parses forwarded-element = [pair] *( ";" [pair] ), keeping
// the parameters this package writes. It is lenient where real proxies
// are (spaces around separators, unquoted values holding ":" or "[") and
// strict where a value's extent would be ambiguous.
func parseElement(s []byte) (pairs [4]pair, n int, ok bool) {
	var seen [len(paramNames)]bool
	for {
		s = trimSpace(s)
		if len(s) == 0 {
			return pairs, n, true
		}
		if s[0] == ';' {
			s = s[1:]
			continue
		}
		i := 0
		for i < len(s) && isTchar(s[i]) {
			i++
		}
		if i == 0 {
			return pairs, n, false
		}
		name := paramOf(s[:i])
		s = trimSpace(s[i:])
		if len(s) == 0 || s[0] != '=' {
			return pairs, n, false
		}
		s = trimSpace(s[1:])
		var p pair
		p.name = name
		if len(s) > 0 && s[0] == '"' {
			end := quotedEnd(s)
			if end < 0 {
				return pairs, n, false
			}
			p.val, p.quoted, s = s[1:end-1], true, s[end:]
		} else {
			i = 0
			for i < len(s) && isValueChar(s[i]) {
				i++
			}
			if i == 0 {
				return pairs, n, false
			}
			p.val, s = s[:i], s[i:]
		}
		s = trimSpace(s)
		if len(s) > 0 && s[0] != ';' {
			return pairs, n, false
		}
		if name == paramOther {
			continue
		}
		if seen[name] {
			return pairs, n, false // RFC 7239: each parameter at most once
		}
		seen[name] = true
		pairs[n] = p
		n++
	}
}

func paramOf(name []byte) param {
	for p := paramFor; p <= paramHost; p++ {
		if bytes.EqualFold(name, []byte(paramNames[p])) {
			return p
		}
	}
	return paramOther
}

// quotedEnd returns the index just past the quoted-string s starts with, or
// -1 if it is unclosed or holds a control character.
func quotedEnd(s []byte) int {
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return i + 1
		case c == '\\':
			i++
			if i == len(s) || isCTL(s[i]) {
				return -1
			}
		case isCTL(c):
			return -1
		}
	}
	return -1
}

func appendUnquoted(dst, v []byte, quoted bool) []byte {
	if !quoted {
		return append(dst, v...)
	}
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		dst = append(dst, v[i])
	}
	return dst
}

// appendNode appends a transformed node in Forwarded syntax: an IPv6 result
// of truncation goes in brackets, and anything that is not a token is quoted.
func (t *Transform) appendNode(dst []byte, a netip.Addr) []byte {
	if t.kind == kindTruncate {
		a = t.truncate(a.Unmap().WithZone(""))
		if a.Is4() {
			return a.AppendTo(dst)
		}
		dst = append(dst, `"[`...)
		dst = a.AppendTo(dst)
		return append(dst, `]"`...)
	}
	// A country code or a pseudonym is not an address: RFC 7239 writes such
	// a node as an obfuscated identifier, "_" then letters, digits, ".",
	// "_" or "-".
	v := len(dst)
	dst = t.AppendAddr(append(dst, '_'), a)
	if len(dst) == v+1 {
		return append(dst[:v], unknown...)
	}
	for _, c := range dst[v+1:] {
		if !isObfChar(c) {
			return append(dst[:v], unknown...)
		}
	}
	return dst
}

// isObfChar reports whether c may appear in an RFC 7239 obfuscated
// identifier after its "_".
func isObfChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
}

// quoteIfNeeded makes dst[v:] a valid Forwarded value: left alone if it is
// a token, quoted if it only needs quotes, and replaced by "unknown" if it
// is empty or holds bytes that would need escaping.
func quoteIfNeeded(dst []byte, v int) []byte {
	val := dst[v:]
	if len(val) == 0 {
		return append(dst, unknown...)
	}
	token := true
	for _, c := range val {
		if c == '"' || c == '\\' || isCTL(c) || c >= 0x80 {
			return append(dst[:v], unknown...)
		}
		token = token && isTchar(c)
	}
	if token {
		return dst
	}
	dst = append(dst, 0, '"')
	copy(dst[v+1:], dst[v:len(dst)-2])
	dst[v] = '"'
	return dst
}

// isScheme reports whether s is a URI scheme (RFC 3986), as proto= holds.
func isScheme(s []byte) bool {
	if len(s) == 0 || len(s) > 32 || !isAlpha(s[0]) {
		return false
	}
	for _, c := range s[1:] {
		if !isAlnum(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// isHost reports whether s is a Host header value, as host= holds: a
// reg-name of letters, digits, "-", ".", "_" and "~", an IPv4 address or
// a bracketed IPv6 address, with an optional port. Anything else is dropped
// rather than passed on.
func isHost(s []byte) bool {
	if len(s) == 0 || len(s) > 261 {
		return false
	}
	var port []byte
	if s[0] == '[' {
		end := bytes.IndexByte(s, ']')
		if end < 0 {
			return false
		}
		if _, ok := parse6(s[1:end]); !ok || bytes.IndexByte(s[1:end], '%') >= 0 {
			return false
		}
		port = s[end+1:]
	} else {
		name := s
		if i := bytes.IndexByte(s, ':'); i >= 0 {
			name, port = s[:i], s[i:]
		}
		if len(name) == 0 {
			return false
		}
		for _, c := range name {
			if !isAlnum(c) && c != '-' && c != '.' && c != '_' && c != '~' {
				return false
			}
		}
	}
	if len(port) == 0 {
		return true
	}
	if port[0] != ':' || len(port) < 2 || len(port) > 6 {
		return false
	}
	n := 0
	for _, c := range port[1:] {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535
}

// isTchar reports whether c may appear in an RFC 9110 token.
func isTchar(c byte) bool {
	if isAlnum(c) {
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// isValueChar reports whether c may appear in an unquoted value, which is
// read more leniently than a token: proxies write for=[2001:db8::1] and
// for=192.0.2.1:8080 unquoted.
func isValueChar(c byte) bool {
	return c > ' ' && c < 0x7f && c != '"' && c != ',' && c != ';'
}

func isCTL(c byte) bool { return c < ' ' && c != '\t' || c == 0x7f }

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
