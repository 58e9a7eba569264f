package country

// allCodes holds every pair of upper-case ASCII letters, AA to ZZ, in one
// string, so that a code found in a database can be returned as a substring
// of it: lookups then allocate nothing and every caller shares the same
// 1352 bytes.
var allCodes = func() string {
	b := make([]byte, 0, 26*26*2)
	for i := byte('A'); i <= 'Z'; i++ {
		for j := byte('A'); j <= 'Z'; j++ {
			b = append(b, i, j)
		}
	}
	return string(b)
}()

// codeIndex maps two ASCII letters of either case to their index in
// allCodes. It reports false for anything else (digits, as in the legacy
// "A1" and "O1" codes, punctuation, non-ASCII), which callers treat as no
// country rather than passing an unknown string on.
func codeIndex(a, b byte) (int, bool) {
	a &^= 0x20 // upper-case ASCII letters; non-letters stay non-letters
	b &^= 0x20
	if a < 'A' || a > 'Z' || b < 'A' || b > 'Z' {
		return 0, false
	}
	return int(a-'A')*26 + int(b-'A'), true
}

// codeAt returns the interned code for an index from codeIndex.
func codeAt(i int) string {
	return allCodes[2*i : 2*i+2]
}

// Intern returns the canonical upper-case form of a two-letter country code
// of either case, sharing storage with every other interned code, and false
// if code is not two ASCII letters.
func Intern(code string) (string, bool) {
	if len(code) != 2 {
		return "", false
	}
	i, ok := codeIndex(code[0], code[1])
	if !ok {
		return "", false
	}
	return codeAt(i), true
}
