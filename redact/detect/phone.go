package detect

// parenPhone matches a UK number whose area code is in parentheses,
// (020) 7946 0018, where src[open] is '(' and src[close] is ')'.
func (s *Scanner) parenPhone(src []byte, open, close int) Match {
	n := len(src)
	d := close - open - 1
	if d < 2 || d > 6 || src[open+2] == '0' {
		return Match{}
	}
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
		d += k - st
		if d > 11 {
			break
		}
		if d >= 10 && (k == n || !(isWord[src[k]] || src[k] == '_')) {
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

// intlPhone matches an international number at the '+' at src[i].
func (s *Scanner) intlPhone(src []byte, i int) (Match, int) {
	n := len(src)
	p := i + 1
	if p >= n || src[p] < '1' || src[p] > '9' {
		return Match{}, i + 1
	}
	var cc [2]byte // the first two digits: the country code, or its start
	d, groups, best := 0, 0, 0
	k := p
	for {
		st := k
		for k < n && isDigit(src[k]) {
			if d < 2 {
				cc[d] = src[k]
			}
			d++
			k++
		}
		// A parenthesized 0 is the UK trunk prefix, +44 (0)20 …: not dialled.
		if k-st == 1 && src[st] == '0' && st > 0 && src[st-1] == '(' && k < n && src[k] == ')' && groups > 0 {
			d--
		} else {
			groups++
		}
		if d > 15 {
			break
		}
		if k == n || !(isWord[src[k]] || src[k] == '_') {
			if intlLenOK(cc[0], cc[1], d, groups) {
				best = k
			}
		} else {
			break
		}
		if k = phoneSep(src, k); k < 0 {
			break
		}
	}
	if best == 0 {
		return Match{}, i + 1
	}
	return Match{Kind: Phone, Start: i, End: best}, best
}

// phoneSep returns the start of the next digit group after the separator
// at src[k]: one space, '-' or '.', or a parenthesis with an optional space
// or '-' ("+1 (415) 555-2671"); -1 if there is none.
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
	case '-', '.':
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

// intlLenOK reports whether d digits, starting c1 c2 and written in the
// given number of groups, can be an international number: 11 for the
// North American (+1) and Russian (+7) plans, 11 to 13 for the UK (a
// wrongly kept trunk 0 included), 8 to 15 (E.164) elsewhere, and 10 or more
// when written as one group.
func intlLenOK(c1, c2 byte, d, groups int) bool {
	if groups == 1 && d < 10 {
		return false
	}
	switch {
	case c1 == '1' || c1 == '7':
		return d == 11
	case c1 == '4' && c2 == '4':
		return d >= 11 && d <= 13
	}
	return d >= 8 && d <= 15
}
