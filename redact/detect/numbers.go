package detect

// number classifies a lone run of digits, src[i:j]: a card, an NHS number
// or a phone number written without separators.
func (s *Scanner) number(src []byte, i, j int) Match {
	l := j - i
	if l < 9 || l > 19 {
		return Match{}
	}
	if j < len(src) && src[j] == '_' {
		return Match{}
	}
	d0 := src[i]
	switch {
	case s.on[Card] && l >= 13 && d0 >= '2' && d0 <= '6' && luhn(src[i:j]):
		return Match{Kind: Card, Start: i, End: j}
	case s.on[NHS] && l == 10 && nhsIssued(src[i:j]) && nhsCheck(src[i:j]):
		return Match{Kind: NHS, Start: i, End: j}
	case s.on[Phone] && s.phoneRun(src, i, j):
		return Match{Kind: Phone, Start: i, End: j}
	}
	return Match{}
}

// maxGroups bounds the digit groups read for one candidate; with at most 19
// digits in any number, more groups only happen in lists of numbers.
const maxGroups = 8

// grouped classifies digit groups separated by one space or '-', the first
// being src[i:j]: the longest run of leading groups that makes a card, an
// NHS number or a phone number, in that order.
func (s *Scanner) grouped(src []byte, i, j int) Match {
	n := len(src)
	var ends, lens [maxGroups]int
	ends[0], lens[0] = j, j-i
	total := j - i
	g := 1
	for k := j; g < maxGroups && total <= 19 && k+1 < n && (src[k] == ' ' || src[k] == '-') && isDigit(src[k+1]); g++ {
		st := k + 1
		k = st + 1
		for k < n && isDigit(src[k]) {
			k++
		}
		ends[g], lens[g] = k, k-st
		total += k - st
	}
	if total < 7 {
		// Status and size, times: nothing has fewer than 7 digits.
		return Match{}
	}
	d0 := src[i]
	for p := g; p >= 2; p-- {
		e := ends[p-1]
		if e < n && (isWord[src[e]] || src[e] == '_') {
			continue // glued to a word: "0018abc"
		}
		d := 0
		cardGroups := true
		for q := 0; q < p; q++ {
			d += lens[q]
			if lens[q] > 6 || (q < p-1 && lens[q] < 3) {
				cardGroups = false
			}
		}
		if s.on[Card] && cardGroups && d >= 13 && d <= 19 && d0 >= '2' && d0 <= '6' && luhn(src[i:e]) {
			return Match{Kind: Card, Start: i, End: e}
		}
		if s.on[NHS] && p == 3 && lens[0] == 3 && lens[1] == 3 && lens[2] == 4 && nhsCheck(src[i:e]) {
			return Match{Kind: NHS, Start: i, End: e}
		}
		if s.on[Phone] && s.groupedPhone(src, i, e, &lens, p) {
			return Match{Kind: Phone, Start: i, End: e}
		}
	}
	return Match{}
}

// luhn reports whether the digits in b (other bytes are skipped) pass the
// Luhn check.
func luhn(b []byte) bool {
	sum, double := 0, false
	for k := len(b) - 1; k >= 0; k-- {
		c := b[k]
		if !isDigit(c) {
			continue
		}
		v := int(c - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// nhsIssued reports whether ten contiguous digits start as an issued NHS
// number does: 3 (England, and Northern Ireland from 320), 4, 6 or 7
// (England, Wales and the Isle of Man), or 999 (NHS Digital's test
// range). CHI numbers (Scotland) start with a date and are matched only
// when grouped. Leaving out 5, 8 and the rest of 9 keeps most contiguous
// ISBN-10s, whose check is the NHS one, from being taken for NHS numbers.
func nhsIssued(b []byte) bool {
	switch b[0] {
	case '3', '4', '6', '7':
		return true
	case '9':
		return b[1] == '9' && b[2] == '9'
	}
	return false
}

// nhsCheck reports whether the ten digits in b (other bytes are skipped)
// are an NHS number: weights 10 down to 2 on the first nine, and the tenth
// is 11 minus the sum mod 11, with 11 meaning 0 and 10 never valid.
func nhsCheck(b []byte) bool {
	sum, w, last := 0, 10, -1
	for _, c := range b {
		if !isDigit(c) {
			continue
		}
		if w >= 2 {
			sum += int(c-'0') * w
			w--
		} else {
			last = int(c - '0')
		}
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == last
}
