// Package jsonstr decodes and escapes the content of JSON strings without
// a full JSON parser, for the log front ends that rewrite JSON in place.
// Nothing here allocates beyond growing dst.
package jsonstr

import (
	"bytes"
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// NeedsEscape reports whether b holds bytes that AppendEscape changes:
// quotes, backslashes, control characters or invalid UTF-8.
func NeedsEscape(b []byte) bool {
	high := false
	for _, c := range b {
		if c < 0x20 || c == '"' || c == '\\' {
			return true
		}
		if c >= utf8.RuneSelf {
			high = true
		}
	}
	return high && !utf8.Valid(b)
}

const hexDigits = "0123456789abcdef"

// AppendEscape appends s as JSON string content (without the quotes):
// quotes, backslashes and control characters escaped, invalid UTF-8 as
// U+FFFD.
func AppendEscape(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			// Written as the character, not as \ufffd: the escape's
			// letters and digits could join the text around it into what
			// a detector would take for an identifier.
			dst = append(dst, "\uFFFD"...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// AppendDecode appends the decoded content of a JSON string to dst and
// reports whether its escapes were valid. Lone surrogates become U+FFFD.
func AppendDecode(dst, raw []byte) ([]byte, bool) {
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\\')
		if j < 0 {
			return append(dst, raw[i:]...), true
		}
		dst = append(dst, raw[i:i+j]...)
		i += j
		if i+1 >= len(raw) {
			return dst, false
		}
		switch c := raw[i+1]; c {
		case '"', '\\', '/':
			dst = append(dst, c)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, n, ok := DecodeU(raw[i:])
			if !ok {
				return dst, false
			}
			dst = utf8.AppendRune(dst, r)
			i += n
			continue
		default:
			return dst, false
		}
		i += 2
	}
	return dst, true
}

// Faults AppendDecodeStrict reports.
var (
	ErrEscape    = errors.New("malformed escape")
	ErrSurrogate = errors.New("lone surrogate in a string")
	ErrControl   = errors.New("control character in a string")
	ErrUTF8      = errors.New("invalid UTF-8 in a string")
)

// AppendDecodeStrict is AppendDecode for content that must be valid JSON
// (RFC 8259), such as a request body: a malformed escape, a lone
// surrogate, a raw control character or invalid UTF-8 is an error rather
// than something to make the best of.
func AppendDecodeStrict(dst, raw []byte) ([]byte, error) {
	start := len(dst)
	for i := 0; i < len(raw); {
		switch c := raw[i]; {
		case c < 0x20:
			return dst[:start], ErrControl
		case c != '\\':
			dst = append(dst, c)
			i++
			continue
		}
		if i+1 < len(raw) && raw[i+1] == 'u' {
			r, n, ok := DecodeU(raw[i:])
			if !ok {
				return dst[:start], ErrEscape
			}
			if h, _ := hex4(raw[i:]); utf16.IsSurrogate(h) && n != 12 {
				return dst[:start], ErrSurrogate
			}
			dst = utf8.AppendRune(dst, r)
			i += n
			continue
		}
		var ok bool
		if dst, ok = AppendDecode(dst, raw[i:min(i+2, len(raw))]); !ok {
			return dst[:start], ErrEscape
		}
		i += 2
	}
	if !utf8.Valid(dst[start:]) {
		return dst[:start], ErrUTF8
	}
	return dst, nil
}

// DecodeU decodes a \uXXXX escape at the start of b, with the low half of
// a surrogate pair if one follows, returning the rune and the bytes read.
func DecodeU(b []byte) (rune, int, bool) {
	r, ok := hex4(b)
	if !ok {
		return 0, 0, false
	}
	if !utf16.IsSurrogate(r) {
		return r, 6, true
	}
	if r < 0xdc00 && len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
		if r2, ok := hex4(b[6:]); ok && r2 >= 0xdc00 && r2 <= 0xdfff {
			return utf16.DecodeRune(r, r2), 12, true
		}
	}
	return utf8.RuneError, 6, true
}

// hex4 reads the XXXX of a \uXXXX escape at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
