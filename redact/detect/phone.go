package detect

// Phone numbers. Whether a run of digits can be a telephone number is
// decided by phone_table.go, generated from libphonenumber's metadata: the
// possible lengths of national numbers for every country calling code and
// the digits they start with, and for the national forms this detector
// knows (GB, IE, FR, DE and the North American plan) the valid starts per
// length. The scanner finds the candidates: a '+' (or %2B), 00, a 0 or a
// parenthesis before digits, and digit groups in the separators people
// write.

// Regenerating the table needs node and npm ci in internal/reference.
//go:generate sh -c "cd ../.. && node internal/reference/gen-phone-table.mjs && gofmt -w redact/detect/phone_table.go"

// maxPhoneDigits bounds the digits kept for one candidate: E.164 allows 15
// and the international prefix 00 adds two; a German national number is
// up to 16 with its trunk 0.
const maxPhoneDigits = 20

// phoneNationalLen is a row of phoneNational.
type phoneNationalLen struct {
	region string // ISO 3166 code, for the reader
	digits int    // length of the national number, the trunk 0 left out
	lead   [2]uint64
}

// phoneDigits is the digits of a candidate, without its separators.
type phoneDigits struct {
	d [maxPhoneDigits]byte
	n int
}

// add appends the digits of b; it reports false when there are too many.
func (p *phoneDigits) add(b []byte) bool {
	for _, c := range b {
		if isDigit(c) {
			if p.n == maxPhoneDigits {
				return false
			}
			p.d[p.n] = c
			p.n++
		}
	}
	return true
}

// intlNumber reports whether d, the digits after + or 00, is an
// international number: a country calling code, then a national number of
// a length the code's plan has, starting with a digit one of that length
// can start with. A trunk 0 written after the country code (+44 020 7946
// 0018, a common mistake) is allowed when the rest fits.
func intlNumber(d []byte) bool {
	if len(d) < 2 || d[0] == '0' {
		return false
	}
	code := 0
	for l := 1; l <= 3 && l < len(d); l++ {
		code = code*10 + int(d[l-1]-'0')
		row := phoneCC[code]
		if row == 0 {
			continue
		}
		nat := d[l:]
		if leadOK(row, nat) {
			return true
		}
		return nat[0] == '0' && len(nat) > 1 && leadOK(row, nat[1:])
	}
	return false
}

func leadOK(row uint8, nat []byte) bool {
	lead := &phoneLead[row]
	return len(nat) < len(lead) && lead[len(nat)]>>(nat[0]-'0')&1 != 0
}

// nationalNumber reports whether d, starting with the trunk prefix 0, is a
// national number of GB, IE, FR or DE with a valid start for its length.
func nationalNumber(d []byte) bool {
	if len(d) < 3 || d[0] != '0' {
		return false
	}
	nd := len(d) - 1
	lead := int(d[1]-'0')*10 + int(d[2]-'0')
	for k := range phoneNational {
		p := &phoneNational[k]
		if p.digits == nd && p.lead[lead>>6]>>(lead&63)&1 != 0 {
			return true
		}
	}
	return false
}

// nanpNumber reports whether the ten digits d are a North American number:
// an area code in use and an exchange code that can follow it.
func nanpNumber(d []byte) bool {
	if len(d) != 10 {
		return false
	}
	n := int(d[0]-'0')*1000 + int(d[1]-'0')*100 + int(d[2]-'0')*10 + int(d[3]-'0')
	return nanpStart[n>>6]>>(n&63)&1 != 0
}

// zeroPhone reports whether the digits d, starting with 0, are a phone
// number written nationally (0 then not 0) or after the international
// prefix 00 (then not 0: three zeros start padded ids, not numbers).
func zeroPhone(d []byte) bool {
	if len(d) < 3 || d[0] != '0' {
		return false
	}
	if d[1] != '0' {
		return nationalNumber(d)
	}
	return d[2] != '0' && intlNumber(d[2:])
}

// phoneRun reports whether the lone run of digits src[i:j] is a phone
// number: national or after 00, at least 9 digits (8 after 00). A bare run
// of ten digits is never taken for a North American number: too many ids
// have that shape. Neither is a run after "ISBN", whose ten-digit form
// can start with 0.
func (s *Scanner) phoneRun(src []byte, i, j int) bool {
	l := j - i
	if l < 9 || l > maxPhoneDigits || src[i] != '0' || (src[i+1] == '0' && l < 10) {
		return false
	}
	if !zeroPhone(src[i:j]) {
		return false
	}
	return !afterISBN(src, i) && !afterBuildPlus(src, i)
}

// afterBuildPlus reports whether src[i] follows a '+' that follows a digit
// or '.': the build metadata of a version, 1.0.0-rc.1+0044123456789. (After
// a letter, a '+' is more likely a space in a form-encoded query,
// call+me+on+07700900123.)
func afterBuildPlus(src []byte, i int) bool {
	return i >= 2 && src[i-1] == '+' && (isDigit(src[i-2]) || src[i-2] == '.')
}

// afterISBN reports whether "ISBN" (any case, maybe with "-10", ':' and
// spaces) comes just before src[i].
func afterISBN(src []byte, i int) bool {
	k := i
	for k > 0 && i-k < 8 && !isLetter(src[k-1]) {
		k--
	}
	return k >= 4 && equalFold(src[k-4:k], "isbn")
}

// groupedPhone reports whether src[i:e], digit groups separated by one
// space or '-' whose lengths are lens[:p], is a phone number: national
// (the first group at least two digits, three below 9 digits in all),
// after 00, or North American,
// written 415-555-2671 or 1-415-555-2671 (dashes only). Groups that
// continue a run of groups before them (the tail of DE89 3704 1144 0532
// 0130 0) or are followed by '-' and more (073-77-7122-4) are part of
// something longer, not a phone.
func (s *Scanner) groupedPhone(src []byte, i, e int, lens *[maxGroups]int, p int) bool {
	if i >= 2 && (src[i-1] == ' ' || src[i-1] == '-') && isDigit(src[i-2]) || afterBuildPlus(src, i) {
		return false
	}
	if e+1 < len(src) && src[e] == '-' && isWord[src[e+1]] {
		return false // the head of a longer dashed code: 073-77-7122-4, an ISBN
	}
	var d phoneDigits
	if !d.add(src[i:e]) {
		return false
	}
	if src[i] == '0' {
		// Below 9 digits the area code must stand alone, 030 12345, so
		// that dates such as 05 01 2024 are not numbers. A lone 0 is the
		// French way with some numbers: 0 809 63 71 36. No number ends
		// in a group of one digit, as an ISBN does (0-306-40615-2), or
		// starts with the groups of a date (05 01 2024).
		if lens[p-1] < 2 || p >= 3 && lens[0] == 2 && lens[1] == 2 && lens[2] == 4 {
			return false // 05-01-2024 10:30 is a date and a time
		}
		if lens[0] == 1 {
			return p == 5 && lens[1] == 3 && lens[2] == 2 && lens[3] == 2 && lens[4] == 2 && zeroPhone(d.d[:d.n])
		}
		return (d.n >= 9 || lens[0] >= 3) && zeroPhone(d.d[:d.n])
	}
	if (p == 3 && lens[0] == 3 || p == 4 && lens[0] == 1 && src[i] == '1' && lens[1] == 3) &&
		lens[p-2] == 3 && lens[p-1] == 4 && onlyDashes(src[i:e]) {
		return nanpNumber(d.d[d.n-10 : d.n])
	}
	return false
}

func onlyDashes(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) && c != '-' {
			return false
		}
	}
	return true
}

// dottedPhone matches a number written in dot-separated groups of digits
// at src[i]: national (07700.900456, 06.12.34.56.78, 0900.9.7734601),
// after 00, or North American (415.555.2671). The whole dotted run must be
// the number, and be followed by no letter or digit; versions and dates
// have too few digits, or no valid start, or start with a one-digit group
// (a lone 0 is taken only before three digits, 0.809.63.71.36).
func (s *Scanner) dottedPhone(src []byte, i int) Match {
	n := len(src)
	var d phoneDigits
	k, st, groups, first := i, i, 0, 0
	for {
		st = k
		for k < n && isDigit(src[k]) {
			k++
		}
		if !d.add(src[st:k]) {
			return Match{}
		}
		if groups == 0 {
			first = k - st
		} else if groups == 1 && first == 1 && k-st != 3 {
			return Match{} // 0.809.63.71.36, not 0.9.1
		}
		groups++
		if k+1 < n && src[k] == '.' && isDigit(src[k+1]) {
			k++
			continue
		}
		break
	}
	if groups < 2 || k-st < 2 || k < n && (isWord[src[k]] || src[k] == '_') || afterBuildPlus(src, i) {
		return Match{}
	}
	digits := d.d[:d.n]
	ok := false
	if src[i] == '0' {
		ok = (d.n >= 9 || first >= 3) && (first > 1 || d.n >= 9) && zeroPhone(digits)
	} else if groups == 3 && first == 3 && d.n == 10 && src[i+4] != '.' {
		ok = nanpNumber(digits)
	}
	if !ok {
		return Match{}
	}
	return Match{Kind: Phone, Start: i, End: k}
}

// parenPhone matches a number whose area code is in parentheses, where
// src[open] is '(' and src[close] is ')': national, (020) 7946 0018 or
// (030) 12345678, then groups separated by one space or '-'; or North
// American, (415) 555-2671, (415)555-2671.
func (s *Scanner) parenPhone(src []byte, open, close int) Match {
	n := len(src)
	area := close - open - 1
	if src[open+1] != '0' {
		// North American: three digits, then NXX-XXXX.
		k := close + 1
		if k < n && src[k] == ' ' {
			k++
		}
		if area != 3 || k+8 > n || !isDigit(src[k]) || !isDigit(src[k+1]) || !isDigit(src[k+2]) ||
			(src[k+3] != '-' && src[k+3] != ' ' && src[k+3] != '.') ||
			!isDigit(src[k+4]) || !isDigit(src[k+5]) || !isDigit(src[k+6]) || !isDigit(src[k+7]) ||
			k+8 < n && (isWord[src[k+8]] || src[k+8] == '_') {
			return Match{}
		}
		var d phoneDigits
		d.add(src[open+1 : close])
		d.add(src[k : k+8])
		if !nanpNumber(d.d[:d.n]) {
			return Match{}
		}
		return Match{Kind: Phone, Start: open, End: k + 8}
	}
	if area < 2 || area > 6 || src[open+2] == '0' {
		return Match{}
	}
	var d phoneDigits
	d.add(src[open+1 : close])
	k := close + 1
	if k < n && src[k] == ' ' {
		k++
	}
	best := 0
	for k < n && isDigit(src[k]) {
		st := k
		for k < n && isDigit(src[k]) {
			k++
		}
		if !d.add(src[st:k]) {
			break
		}
		if (k == n || !(isWord[src[k]] || src[k] == '_')) && nationalNumber(d.d[:d.n]) {
			best = k
		}
		if k+1 < n && (src[k] == ' ' || src[k] == '-') && isDigit(src[k+1]) {
			k++
		} else {
			break
		}
	}
	if best == 0 {
		return Match{}
	}
	return Match{Kind: Phone, Start: open, End: best}
}

// intlPhone matches an international number at src[i], a '+' (skip 1) or
// its escape %2B (skip 3, and then %20 separates groups too): the country
// code and number in groups, taking
// the longest run of groups the table accepts. A '+' after a letter, digit
// or '.' is not a phone's: it joins the build metadata of a version
// (3.9.1+20230105114512) or the words of a form-encoded query.
func (s *Scanner) intlPhone(src []byte, i, skip int) (Match, int) {
	n := len(src)
	p := i + skip
	if p >= n || src[p] < '1' || src[p] > '9' {
		return Match{}, i + 1
	}
	if i > 0 {
		c := src[i-1]
		if (isWord[c] || c == '.') && !(skip == 3 && i >= 3 && src[i-3] == '%') {
			return Match{}, i + 1
		}
	}
	var d phoneDigits
	groups, best := 0, 0
	k := p
	for {
		st := k
		for k < n && isDigit(src[k]) {
			k++
		}
		// A parenthesized 0 is a trunk prefix, +44 (0)20 …: not dialled.
		if k-st == 1 && src[st] == '0' && src[st-1] == '(' && k < n && src[k] == ')' && groups > 0 {
		} else {
			if !d.add(src[st:k]) {
				break
			}
			groups++
		}
		if k < n && (isWord[src[k]] || src[k] == '_') {
			break
		}
		// Written without separators, a number needs 7 digits: +1234 is not one.
		if (groups > 1 || d.n >= 7) && intlNumber(d.d[:d.n]) {
			best = k
		}
		if skip == 3 && k+3 < n && src[k] == '%' && src[k+1] == '2' && src[k+2] == '0' && isDigit(src[k+3]) {
			k += 3 // %2B44%207700%20900123: the spaces escaped too
		} else if k = phoneSep(src, k); k < 0 {
			break
		}
	}
	if best == 0 {
		return Match{}, i + 1
	}
	return Match{Kind: Phone, Start: i, End: best}, best
}

// phoneSep returns the start of the next digit group after the separator
// at src[k]: one space, '-', '.' or '/', or a parenthesis with an optional
// space or '-' ("+1 (415) 555-2671"); -1 if there is none.
func phoneSep(src []byte, k int) int {
	n := len(src)
	if k >= n {
		return -1
	}
	j := k
	switch src[k] {
	case ' ':
		j++
		if j < n && src[j] == '(' {
			j++
		}
	case '-', '.', '/':
		j++
	case '(':
		j++
	case ')':
		j++
		if j < n && (src[j] == ' ' || src[j] == '-') {
			j++
		}
	default:
		return -1
	}
	if j < n && isDigit(src[j]) {
		return j
	}
	return -1
}
