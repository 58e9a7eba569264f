package detect

// Digit runs that have an identifier's length and checksum but are
// something else: zero-padded invoice and order numbers, compact date-times
// and ISBNs. They are told apart by their digits or the words before them,
// only once a run has the length of an identifier, so the common path of
// the scan pays nothing for them.

// lone classifies a run of digits, src[i:j], that stands alone: a VAT
// number after GB or the word VAT, else a card, NHS number or phone number
// (see number), unless it is one of the lookalikes.
func (s *Scanner) lone(src []byte, i, j, floor int) Match {
	l := j - i
	if l < 9 || l > 19 || zeroPadded(src, i, j) {
		return Match{}
	}
	if (l == 12 || l == 14) && isDateTime(src[i:j]) {
		return Match{}
	}
	if (l == 9 || l == 12) && s.on[VAT] {
		if m := s.vatAt(src, i, floor); m.End > 0 {
			return m
		}
	}
	if (l == 10 || l == 13) && isbnBefore(src, i) {
		return Match{}
	}
	return s.number(src, i, j)
}

// zeroPadded reports whether the digits src[i:j] start with three zeros or
// more, as padded invoice and order numbers (INV-0000123456) do, and as no
// card, NHS number or phone number does.
func zeroPadded(src []byte, i, j int) bool {
	return j-i >= 3 && src[i] == '0' && src[i+1] == '0' && src[i+2] == '0'
}

// isDateTime reports whether b, 12 or 14 digits, is a compact date and
// time from 1970 to 2099, YYYYMMDDhhmm[ss], as in build stamps, file names
// and semver build metadata (3.9.1+20230105114512); one in ten passes the
// Luhn check.
func isDateTime(b []byte) bool {
	num := func(k int) int { return int(b[k]-'0')*10 + int(b[k+1]-'0') }
	y, mo, d, h, mi := num(0)*100+num(2), num(4), num(6), num(8), num(10)
	ok := y >= 1970 && y <= 2099 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59
	if len(b) == 14 {
		ok = ok && num(12) <= 60
	}
	return ok
}

// isbnBefore reports whether the digits at src[i] follow the word ISBN (any
// case, optionally with 10 or 13, as in "ISBN-10:", "isbn13=") and one to
// three of the separators ` :=-/#`, which also makes a path segment named
// isbn (/isbn/0306406152). An ISBN-10's check is the NHS number's mod 11,
// and one that starts with 0 has the shape of a UK phone number.
func isbnBefore(src []byte, i int) bool {
	k := i
	for k > 0 && i-k < 3 && isISBNSep(src[k-1]) {
		k--
	}
	if k == i {
		return false
	}
	if k >= 2 && src[k-2] == '1' && (src[k-1] == '0' || src[k-1] == '3') {
		k -= 2
		if k > 0 && (src[k-1] == '-' || src[k-1] == ' ' || src[k-1] == '_') {
			k--
		}
	}
	return k >= 4 && equalFold(src[k-4:k], "isbn") && (k == 4 || !isWord[src[k-5]])
}

func isISBNSep(c byte) bool {
	return c == ' ' || c == ':' || c == '=' || c == '-' || c == '/' || c == '#'
}
