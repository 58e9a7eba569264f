// Package httpsyntax holds the small pieces of HTTP syntax that the
// policy, the scrubbers and the consent parsers all check.
package httpsyntax

// tchar is the set of RFC 9110 token characters.
var tchar = func() (t [256]bool) {
	for c := 0x21; c < 0x7f; c++ {
		t[c] = true
	}
	for _, c := range []byte(`"(),/:;<=>?@[\]{}`) {
		t[c] = false
	}
	return t
}()

// IsTokenChar reports whether c may appear in an RFC 9110 token.
func IsTokenChar(c byte) bool { return tchar[c] }

// IsToken reports whether s is a non-empty RFC 9110 token, the syntax of
// header names, cookie names (RFC 6265) and the keys of key=value cookies.
func IsToken[T string | []byte](s T) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tchar[s[i]] {
			return false
		}
	}
	return true
}
