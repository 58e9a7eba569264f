package detect

// Byte classes for the scanning loop, which stops only on bytes that can
// start an identifier or be the first sure sign of one: digits, 'B' and 'b'
// (Bearer, Basic), the J of "eyJ" (JWT) and a few punctuation bytes.
// Letters and other punctuation, most of any text, are skipped in one tight
// loop. Identifiers that start with letters (NINO, IBAN, postcode, VAT
// number, GA id) have a digit after one to four of them, and are found from
// it by looking back; a digit anywhere else inside a word (the 8 of fe80)
// skips the rest of the word.
const (
	cSkip  = iota // nothing starts here
	cDigit        // addresses, phones, NHS and card numbers; NINO, IBAN, postcode, VAT, GA
	cB            // Bearer, Basic
	cJ            // the J of eyJ
	cColon        // IPv6, Authorization:
	cAt           // email
	cPct          // %40 in an email, %2B before a phone
	cPlus         // international phone
	cUnder        // _ga=, _gid=, _gl=
)

// isWord holds the bytes words are made of: ASCII letters and digits.
var isWord = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	return t
}()

// isHexTab holds the hexadecimal digits.
var isHexTab = func() (t [256]bool) {
	for _, c := range "0123456789abcdefABCDEF" {
		t[c] = true
	}
	return t
}()

func isDigit(c byte) bool  { return c-'0' < 10 }
func isUpper(c byte) bool  { return c-'A' < 26 }
func isLower(c byte) bool  { return c-'a' < 26 }
func isLetter(c byte) bool { return (c|0x20)-'a' < 26 }
func isHex(c byte) bool    { return isHexTab[c] }

// upper returns c in capitals if it is a lower-case letter.
func upper(c byte) byte {
	if isLower(c) {
		return c - 0x20
	}
	return c
}

func (s *Scanner) buildClasses() {
	s.capsOn = s.on[NINO] || s.on[IBAN] || s.on[Postcode] || s.on[GAClientID] || s.on[VAT]
	if s.on[IPv4] || s.on[Phone] || s.on[NHS] || s.on[Card] || s.capsOn {
		for c := '0'; c <= '9'; c++ {
			s.cls[c] = cDigit
		}
	}
	if s.on[Credential] {
		s.cls['B'] = cB
		s.cls['b'] = cB
	}
	if s.on[JWT] {
		s.cls['J'] = cJ
	}
	if s.on[IPv6] || s.on[Credential] {
		s.cls[':'] = cColon
	}
	if s.on[Email] {
		s.cls['@'] = cAt
		s.cls['%'] = cPct
	}
	if s.on[Phone] {
		s.cls['+'] = cPlus
		s.cls['%'] = cPct // %2B
	}
	if s.on[GAClientID] {
		s.cls['_'] = cUnder
	}
}

// skipWord returns the end of the word that src[i] is in or after.
func skipWord(src []byte, i int) int {
	for i < len(src) && isWord[src[i]] {
		i++
	}
	return i
}

// find returns the first match in src at or after i. No match starts
// before floor, the end of the previous match: detectors that look back
// from their trigger (the local part of an email, the start of an IPv6
// address) stop there.
func (s *Scanner) find(src []byte, i, floor int) (Match, bool) {
	if i > 0 && i < len(src) && isWord[src[i-1]] {
		i = skipWord(src, i)
	}
	cls := &s.cls
	v6done := 0 // colons before this were seen as part of an IPv6 candidate
	for {
		// Four bytes at a time while none stops the scan, then byte by
		// byte. (Measured against eight at a time, a plain byte loop and
		// a branch-free search of eight packed classes: stops in logs are
		// too close together for longer strides to pay.)
		for ; i+4 <= len(src); i += 4 {
			b := src[i : i+4 : i+4]
			if cls[b[0]]|cls[b[1]]|cls[b[2]]|cls[b[3]] != cSkip {
				break
			}
		}
		for i < len(src) && cls[src[i]] == cSkip {
			i++
		}
		if i >= len(src) {
			return Match{}, false
		}
		var m Match
		// The common stops first, and not in the switch: its jump table
		// is an indirect branch, which predicts worse.
		if k := cls[src[i]]; k == cDigit {
			if i > 0 && isWord[src[i-1]] {
				m, i = s.midDigit(src, i, floor)
			} else {
				m, i = s.digits(src, i, floor)
			}
		} else if k == cB {
			if i > 0 && isWord[src[i-1]] {
				i++
				continue
			}
			m, i = s.scheme(src, i)
		} else {
			m, i, v6done = s.rare(src, i, floor, v6done)
		}
		if m.End > 0 {
			return s.emailAround(src, m, floor), true
		}
	}
}

// rare handles the stops other than digits and b.
func (s *Scanner) rare(src []byte, i, floor, v6done int) (m Match, next, v6 int) {
	switch s.cls[src[i]] {
	case cJ:
		if i >= 2 && i-2 >= floor && src[i-1] == 'y' && src[i-2] == 'e' && (i == 2 || !isB64URL(src[i-3])) {
			m, next = s.jwt(src, i-2)
		} else {
			next = i + 1
		}
	case cColon:
		return s.colon(src, i, floor, v6done)
	case cAt:
		m, next = s.at(src, i, 1, floor)
	case cPct:
		if i+2 < len(src) && src[i+1] == '4' && src[i+2] == '0' && s.on[Email] {
			m, next = s.at(src, i, 3, floor)
		} else if i+2 < len(src) && src[i+1] == '2' && src[i+2]|0x20 == 'b' && s.on[Phone] {
			m, next = s.intlPhone(src, i, 3)
		} else {
			next = i + 1
		}
	case cPlus:
		m, next = s.intlPhone(src, i, 1)
	case cUnder:
		m, next = s.gaCookie(src, i)
	default:
		next = i + 1
	}
	return m, next, v6done
}

// midDigit handles a digit at src[i] inside a word. One to four letters
// before it at the word start, in either case, may begin a NINO, IBAN,
// postcode, VAT number or GA id: looking back from the digit finds them
// without stopping the scan on every letter. Otherwise the rest of the word
// is skipped.
func (s *Scanner) midDigit(src []byte, i, floor int) (Match, int) {
	w := skipWord(src, i+1)
	if !s.capsOn || !isLetter(src[i-1]) {
		return Match{}, w
	}
	ws := i - 1
	for ws > floor && i-ws < 4 && isLetter(src[ws-1]) {
		ws--
	}
	if ws < floor || (ws > 0 && isWord[src[ws-1]]) {
		return Match{}, w
	}
	switch i - ws {
	case 1:
		// Only a postcode starts with one letter: 6 or 7 bytes, or 2 to 4
		// and a space (x86_64 and i686 are neither).
		if l := w - ws; l != 6 && l != 7 && (l > 4 || w == len(src) || src[w] != ' ' && src[w] != '+') {
			return Match{}, w
		}
	case 3:
		return Match{}, w // none starts with three (WOW64, rss20)
	case 4:
		if upper(src[ws]) != 'G' {
			return Match{}, w // only GBGD and GBHA
		}
	}
	return s.caps(src, ws, i, w)
}
