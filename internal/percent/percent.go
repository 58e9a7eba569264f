// Package percent decodes and encodes percent-escapes (RFC 3986), with
// '+' as a space where HTML form encoding applies. It is the one home of
// the escaping the URL scrubber, the beacon gateway and the consent
// parsers share. Nothing here allocates beyond growing dst.
package percent

// AppendDecode appends s percent-decoded to dst, with '+' as a space if
// form is set. ok is false for a malformed escape ("%4", "%zz"); dst is
// then returned as it was.
func AppendDecode[T string | []byte](dst []byte, s T, form bool) (_ []byte, ok bool) {
	start := len(dst)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !IsHex(s[i+1]) || !IsHex(s[i+2]) {
				return dst[:start], false
			}
			c = Unhex(s[i+1])<<4 | Unhex(s[i+2])
			i += 2
		case c == '+' && form:
			c = ' '
		}
		dst = append(dst, c)
	}
	return dst, true
}

// AppendEncode appends s percent-encoded: bytes not in safe become %XX in
// upper-case hex, and a space becomes '+' when form is set.
func AppendEncode(dst, s []byte, safe *[256]bool, form bool) []byte {
	for _, c := range s {
		switch {
		case safe[c]:
			dst = append(dst, c)
		case c == ' ' && form:
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

const upperHex = "0123456789ABCDEF"

// Safe returns the table of bytes AppendEncode leaves alone: ASCII letters
// and digits, and the bytes of extra.
func Safe(extra string) (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for i := 0; i < len(extra); i++ {
		t[extra[i]] = true
	}
	return t
}

// IsHex reports whether c is a hexadecimal digit.
func IsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// Unhex returns the value of the hexadecimal digit c, which IsHex accepts.
func Unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}
