package detect

// vatAt matches a UK VAT number whose digits start at src[i], a word start:
// after "GB" and one space, '-' or '+' (the match starts at the GB), or after
// the word VAT (see vatWordBefore; the match is the number alone).
func (s *Scanner) vatAt(src []byte, i, floor int) Match {
	if i >= 3 && i-3 >= floor && (src[i-1] == ' ' || src[i-1] == '-' || src[i-1] == '+') &&
		upper(src[i-3]) == 'G' && upper(src[i-2]) == 'B' && (i == 3 || !isWord[src[i-4]]) {
		if e := vatNumber(src, i); e > 0 {
			return Match{Kind: VAT, Start: i - 3, End: e}
		}
		return Match{}
	}
	if vatWordBefore(src, i) {
		if e := vatNumber(src, i); e > 0 {
			return Match{Kind: VAT, Start: i, End: e}
		}
	}
	return Match{}
}

// vatNumber returns the end of the VAT number at src[k], just after its GB
// prefix (and separator), or 0: nine digits with the HMRC check, either
// contiguous or grouped 3 4 2 by one space, '-' or '+', with an optional
// three-digit branch number (contiguous, or as a fourth group); or GD and
// three digits below 500 (government departments) or HA and three digits
// from 500 (health authorities), which have no check.
func vatNumber(src []byte, k int) int {
	n := len(src)
	if k+5 <= n && isLetter(src[k]) {
		a, b := upper(src[k]), upper(src[k+1])
		if !(a == 'G' && b == 'D' || a == 'H' && b == 'A') ||
			!isDigit(src[k+2]) || !isDigit(src[k+3]) || !isDigit(src[k+4]) ||
			(src[k+2] < '5') != (a == 'G') {
			return 0
		}
		if e := k + 5; e == n || !(isWord[src[e]] || src[e] == '_') {
			return e
		}
		return 0
	}
	run := func(k int) int {
		for k < n && isDigit(src[k]) {
			k++
		}
		return k
	}
	var d [9]byte
	e := run(k)
	switch e - k {
	case 9, 12:
		copy(d[:], src[k:k+9])
	case 3:
		if e+1 >= n || (src[e] != ' ' && src[e] != '-' && src[e] != '+') {
			return 0
		}
		sep := src[e]
		e2 := run(e + 1)
		if e2-e != 5 || e2+1 >= n || src[e2] != sep {
			return 0
		}
		e3 := run(e2 + 1)
		if e3-e2 != 3 {
			return 0
		}
		copy(d[:3], src[k:e])
		copy(d[3:7], src[e+1:e2])
		copy(d[7:], src[e2+1:e3])
		e = e3
		if e+1 < n && src[e] == sep {
			if e4 := run(e + 1); e4-e == 4 {
				e = e4 // branch
			}
		}
	default:
		return 0
	}
	if e < n && (isWord[src[e]] || src[e] == '_') {
		return 0
	}
	if d[0] == '0' && d[1] == '0' && d[2] == '0' || !vatCheck(d[:]) {
		return 0
	}
	return e
}

// vatCheck reports whether nine digits pass HMRC's check: the first seven
// weighted 8 down to 2, plus the last two as a number, must be 0 mod 97
// (numbers issued before 2010), or 42 mod 97 (the "9755" scheme since,
// which adds 55 before the check).
func vatCheck(d []byte) bool {
	sum := 0
	for q := range 7 {
		sum += int(d[q]-'0') * (8 - q)
	}
	sum += int(d[7]-'0')*10 + int(d[8]-'0')
	r := sum % 97
	return r == 0 || r == 42
}

// vatWordBefore reports whether the digits at src[i] follow the word VAT,
// alone or with no, number, id or reg (VAT No., vat_number, vatid, VAT reg
// no), and one to three of the bytes ` :=#."` between them: a bare nine
// digits is too often something else to be a VAT number anywhere.
func vatWordBefore(src []byte, i int) bool { return vatWordBeforeIs(src, i, true) }

// vatWordBeforeIs is vatWordBefore; with is set, one "is" or "was" may
// stand between (our VAT number is 123 4567 27).
func vatWordBeforeIs(src []byte, i int, is bool) bool {
	k := i
	for k > 0 && i-k < 3 && isVATSep(src[k-1]) {
		k--
	}
	if k == i {
		return false
	}
	w, st := lastWord(src, k)
	switch {
	case st < 0:
		return false
	case equalFold(w, "vat"), equalFold(w, "vatno"), equalFold(w, "vatnumber"), equalFold(w, "vatid"), equalFold(w, "vatreg"):
		return true
	case is && (equalFold(w, "is") || equalFold(w, "was")):
		return st > 0 && vatWordBeforeIs(src, st, false)
	case equalFold(w, "no"), equalFold(w, "number"), equalFold(w, "id"), equalFold(w, "reg"):
		if st == 0 {
			return false
		}
		switch src[st-1] {
		case '_', '-', '.', ' ':
			if v, _ := lastWord(src, st-1); equalFold(v, "vat") {
				return true
			}
			// VAT reg no
			if v, st2 := lastWord(src, st-1); equalFold(v, "reg") && st2 > 0 && src[st2-1] == ' ' {
				v, _ = lastWord(src, st2-1)
				return equalFold(v, "vat")
			}
		}
	}
	return false
}

func isVATSep(c byte) bool {
	return c == ' ' || c == ':' || c == '=' || c == '#' || c == '.' || c == '"'
}

// lastWord returns the word of at most 9 letters that ends at src[k] and
// its start, or -1 if the letters before k are not a whole word of that
// size.
func lastWord(src []byte, k int) ([]byte, int) {
	st := k
	for st > 0 && k-st < 10 && isLetter(src[st-1]) {
		st--
	}
	if st == k || k-st == 10 || st > 0 && isWord[src[st-1]] {
		return nil, -1
	}
	return src[st:k], st
}
