package detect

import "bytes"

// maxLocal bounds how far back from an '@' the local part is looked for,
// which keeps the scan linear on inputs such as a%40a%40a%40….
const maxLocal = 128

// isLocalByte reports whether c can be in the local part of an email
// address as this package reads it: letters, digits and ._%+- (the other
// characters RFC 5322 allows are too often the punctuation around an
// address, as in 'jane@example.com' or name=jane@example.com).
func isLocalByte(c byte) bool {
	return isWord[c] || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// at handles an '@', or "%40" when width is 3, at src[i].
func (s *Scanner) at(src []byte, i, width, floor int) (Match, int) {
	if m, ok := email(src, i, width, floor); ok {
		return m, m.End
	}
	return Match{}, i + width
}

// email matches the address around the '@' (width 1) or "%40" (width 3) at
// src[at], with its local part starting at floor or later.
func email(src []byte, at, width, floor int) (Match, bool) {
	end := domainEnd(src, at+width)
	if end < 0 || imageName(src[at+width:end]) {
		return Match{}, false
	}
	lo := at
	for lo > floor && at-lo < maxLocal && isLocalByte(src[lo-1]) {
		lo--
	}
	// An escape of a byte that cannot be in a local part ends the text
	// before it: email%3Djane%40example.com is email=jane@example.com.
	for k := lo; k+2 < at; k++ {
		if src[k] == '%' && isHex(src[k+1]) && isHex(src[k+2]) {
			if v := unhex(src[k+1])<<4 | unhex(src[k+2]); v == '%' || !isLocalByte(v) {
				lo = k + 3
			}
		}
	}
	for lo < at && src[lo] == '.' {
		lo++
	}
	if lo == at {
		return Match{}, false
	}
	return Match{Kind: Email, Start: lo, End: end}, true
}

// domainEnd returns the end of the domain starting at src[d]: the last of
// two or more dot-separated labels that is a top-level domain (two or more
// letters, or xn--…), or -1 if there is none.
func domainEnd(src []byte, d int) int {
	n := len(src)
	k := d
	labels := 0
	end := -1
	for k-d <= 253 {
		st := k
		alpha := 0 // length of the label's leading letters
		for k < n && k-st < 64 && (isWord[src[k]] || src[k] == '-') {
			if alpha == k-st && !isDigit(src[k]) && src[k] != '-' {
				alpha++
			}
			k++
		}
		if k == st || k-st == 64 {
			break
		}
		labels++
		if labels >= 2 {
			switch {
			case alpha == k-st && alpha >= 2:
				end = k
			case k-st > 4 && (src[st]|0x20) == 'x' && (src[st+1]|0x20) == 'n' && src[st+2] == '-' && src[st+3] == '-':
				end = k
			case alpha >= 2 && src[st+alpha] == '-':
				// example.com-foo: the TLD ends at the hyphen.
				end = st + alpha
			}
		}
		if k+1 < n && src[k] == '.' && isWord[src[k+1]] {
			k++
			continue
		}
		break
	}
	return end
}

// imageName reports whether the domain d of what looks like an email
// address is the end of an image file name: a pixel density and an
// extension (logo@2x.png, hero@1.5x.jpg), or two labels, the first starting
// with a digit, and a file extension for a top-level domain (sprite@2.png).
func imageName(d []byte) bool {
	k := 0
	for k < len(d) && isDigit(d[k]) {
		k++
	}
	if k == 0 {
		return false
	}
	if k+1 < len(d) && d[k] == '.' && isDigit(d[k+1]) {
		for k++; k < len(d) && isDigit(d[k]); k++ {
		}
	}
	if k+1 < len(d) && d[k]|0x20 == 'x' && d[k+1] == '.' {
		// The extension is the last label: 3x.co.uk is a domain.
		return !bytes.Contains(d[k+2:], []byte("."))
	}
	dot := -1
	for q, c := range d {
		if c == '.' {
			if dot >= 0 {
				return false
			}
			dot = q
		}
	}
	return dot > 0 && isFileExt(d[dot+1:])
}

// isFileExt reports whether b is a common file extension that is also a
// top-level domain's shape.
func isFileExt(b []byte) bool {
	for _, e := range [...]string{"png", "jpg", "jpeg", "gif", "webp", "svg", "avif", "ico", "bmp", "tif", "tiff",
		"pdf", "js", "css", "map", "html", "htm", "json", "txt", "xml", "zip", "gz", "mov", "webm", "exe"} {
		if equalFold(b, e) {
			return true
		}
	}
	return false
}

// emailAround returns the email address that contains m in its local part
// (07700900123@sms.example.com), or m if there is none.
func (s *Scanner) emailAround(src []byte, m Match, floor int) Match {
	if m.Kind == Email || !s.on[Email] {
		return m
	}
	n := len(src)
	k := m.End
	for k < n && k-m.End < maxLocal {
		c := src[k]
		if c == '@' {
			break
		}
		if c == '%' && k+2 < n && src[k+1] == '4' && src[k+2] == '0' {
			break
		}
		if !isLocalByte(c) {
			return m
		}
		k++
	}
	if k >= n || k-m.End >= maxLocal {
		return m
	}
	width := 1
	if src[k] == '%' {
		width = 3
	}
	if e, ok := email(src, k, width, floor); ok && e.Start <= m.Start {
		return e
	}
	return m
}
