package detect

// caps handles a word, src[i:w], that starts with one to four letters
// followed by a digit at src[d]: NINO, IBAN, postcode, VAT number or GA id.
func (s *Scanner) caps(src []byte, i, d, w int) (Match, int) {
	n := len(src)
	c, c1 := src[i], src[i+1]
	if d-i == 4 {
		// GBGD001, GBHA599: a government or health VAT number.
		if s.on[VAT] && upper(c) == 'G' && upper(c1) == 'B' {
			if e := vatNumber(src, i+2); e > 0 {
				return Match{Kind: VAT, Start: i, End: e}, e
			}
		}
		return Match{}, w
	}
	if d-i == 2 {
		if c == 'G' && (c1 == 'A' || c1 == 'S') && w < n && src[w] == '.' && s.on[GAClientID] {
			if m := gaValue(src, i, w); m.End > 0 {
				return m, m.End
			}
		}
		if d+1 < n && isDigit(src[d+1]) && s.on[IBAN] {
			if e := iban(src, i); e > 0 {
				return Match{Kind: IBAN, Start: i, End: e}, e
			}
		}
		if s.on[VAT] && upper(c) == 'G' && upper(c1) == 'B' {
			if e := vatNumber(src, d); e > 0 {
				return Match{Kind: VAT, Start: i, End: e}, e
			}
		}
		if s.on[NINO] {
			if e := nino(src, i); e > 0 {
				return Match{Kind: NINO, Start: i, End: e}, e
			}
		}
	}
	if s.on[Postcode] && d-i <= 2 {
		if e := postcode(src, i, w); e > 0 {
			return Match{Kind: Postcode, Start: i, End: e}, e
		}
	}
	return Match{}, w
}

// caseOK reports whether the letters in b are all capitals, all lower
// case, or a capital and then lower case (as phone keyboards write the
// start of a field): not the mixed case of random tokens.
func caseOK(b []byte) bool {
	seen, firstUp, up, low := false, false, false, false
	for _, c := range b {
		switch {
		case !isLetter(c):
		case !seen:
			seen, firstUp = true, isUpper(c)
		case isUpper(c):
			up = true
		default:
			low = true
		}
	}
	return !(up && low) && !(up && !firstUp)
}

// sep returns the index after an optional separator at src[k], one of
// seps, and records it in *sep: once one is seen, the others must be the
// same byte.
func skipSep(src []byte, k int, seps string, sep *byte) int {
	if k >= len(src) {
		return k
	}
	c := src[k]
	if *sep != 0 {
		if c == *sep {
			return k + 1
		}
		return k
	}
	for j := range len(seps) {
		if c == seps[j] {
			*sep = c
			return k + 1
		}
	}
	return k
}

// nino returns the end of the National Insurance number at src[i], or 0.
func nino(src []byte, i int) int {
	n := len(src)
	if i+9 > n || !isLetter(src[i]) || !isLetter(src[i+1]) || !ninoPrefixOK(upper(src[i]), upper(src[i+1])) {
		return 0
	}
	var sep byte
	k := i + 2
	for range 3 {
		k = skipSep(src, k, " -+", &sep)
		if k+1 >= n || !isDigit(src[k]) || !isDigit(src[k+1]) {
			return 0
		}
		k += 2
	}
	k = skipSep(src, k, " -+", &sep)
	if k >= n || upper(src[k]) < 'A' || upper(src[k]) > 'D' {
		return 0
	}
	k++
	if k < n && (isWord[src[k]] || src[k] == '_') || !caseOK(src[i:k]) {
		return 0
	}
	return k
}

func ninoPrefixOK(a, b byte) bool {
	switch a {
	case 'D', 'F', 'I', 'Q', 'U', 'V':
		return false
	}
	switch b {
	case 'D', 'F', 'I', 'O', 'Q', 'U', 'V':
		return false
	}
	switch uint16(a)<<8 | uint16(b) {
	case 'B'<<8 | 'G', 'G'<<8 | 'B', 'K'<<8 | 'N', 'N'<<8 | 'K', 'N'<<8 | 'T', 'T'<<8 | 'N', 'Z'<<8 | 'Z':
		return false
	}
	return true
}

// ibanLengths holds the IBAN length of each country in the SWIFT registry,
// indexed by the country code's letters.
var ibanLengths = func() (t [26 * 26]uint8) {
	for _, e := range []struct {
		cc string
		n  uint8
	}{
		{"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
		{"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22},
		{"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20},
		{"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22},
		{"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HN", 28}, {"HR", 21},
		{"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30},
		{"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
		{"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20},
		{"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23},
		{"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22},
		{"RU", 33}, {"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24},
		{"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26},
		{"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
		// Åland and the French overseas territories, which use the French
		// format, from the SWIFT IBAN registry.
		{"AX", 18}, {"BL", 27}, {"GF", 27}, {"GP", 27}, {"MF", 27}, {"MQ", 27},
		{"NC", 27}, {"PF", 27}, {"PM", 27}, {"RE", 27}, {"TF", 27}, {"WF", 27},
		{"YT", 27},
		// Countries whose banks issue IBANs outside the registry (the
		// lengths ibantools 4.5.4 lists).
		{"AO", 25}, {"BF", 28}, {"BJ", 28}, {"CF", 27}, {"CG", 27}, {"CI", 28},
		{"CM", 27}, {"CV", 25}, {"DZ", 26}, {"GA", 27}, {"GQ", 27}, {"GW", 25},
		{"IR", 26}, {"KM", 27}, {"MA", 28}, {"MG", 27}, {"ML", 28}, {"MZ", 25},
		{"NE", 28}, {"SN", 28}, {"TD", 27}, {"TG", 28},
	} {
		t[int(e.cc[0]-'A')*26+int(e.cc[1]-'A')] = e.n
	}
	return t
}()

// iban returns the end of the IBAN at src[i], or 0. src[i:i+4] is two
// letters and two digits. Letters may be in either case: the mod 97 check
// keeps words out.
func iban(src []byte, i int) int {
	n := len(src)
	want := int(ibanLengths[int(upper(src[i])-'A')*26+int(upper(src[i+1])-'A')])
	var buf [34]byte
	var sep byte
	lower := false
	m, k := 0, i
	for k < n && m < len(buf) {
		c := src[k]
		if isWord[c] {
			lower = lower || isLower(c)
			buf[m] = upper(c)
			m++
			k++
			if m == want {
				break
			}
			continue
		}
		// One kind of separator, only between groups of four.
		if m%4 == 0 && k+1 < n && isWord[src[k+1]] {
			if e := skipSep(src, k, " -+", &sep); e > k {
				k = e
				continue
			}
		}
		break
	}
	if k < n && (isWord[src[k]] || src[k] == '_') {
		return 0
	}
	if want > 0 && m != want || want == 0 && m < 15 {
		return 0
	}
	// Lower-case hex ids (hashes, trace ids) are common, and one in 97
	// passes the check: in lower case the country must be in the table and
	// the case consistent.
	if lower && (want == 0 || !caseOK(src[i:k])) {
		return 0
	}
	// Move the country code and check digits to the end, letters become
	// 10 to 35, and the number must be 1 mod 97.
	r := 0
	for q := range m {
		c := buf[(q+4)%m]
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	if r != 1 {
		return 0
	}
	return k
}

// postcode returns the end of the UK postcode whose first word is
// src[i:w], or 0. The outward and inward codes are separated by one space
// or '+' (a space in a query string), or written together in the 6- and
// 7-character forms; letters are in one case (see caseOK).
func postcode(src []byte, i, w int) int {
	n := len(src)
	ol := w - i
	var b [8]byte
	if ol >= 2 && ol <= 4 && w+4 <= n && (src[w] == ' ' || src[w] == '+') && (w+4 == n || !isWord[src[w+4]]) {
		for k := range ol {
			b[k] = upper(src[i+k])
		}
		for k := range 3 {
			b[ol+k] = upper(src[w+1+k])
		}
		if (outwardOK(b[:ol]) && inwardOK(b[ol:ol+3]) || ol == 3 && string(b[:6]) == "GIR0AA") && caseOK(src[i:w+4]) {
			return w + 4
		}
		return 0
	}
	if ol == 6 || ol == 7 {
		for k := range ol {
			b[k] = upper(src[i+k])
		}
		if outwardOK(b[:ol-3]) && inwardOK(b[ol-3:ol]) && caseOK(src[i:w]) && !lowerHex(src[i:w]) {
			return w
		}
	}
	return 0
}

// lowerHex reports whether b is lower-case hexadecimal: one 6- or
// 7-character hex id in 50 (a short commit hash, a colour) has a
// postcode's shape, while few postcodes have only the letters a to f.
func lowerHex(b []byte) bool {
	lower := false
	for _, c := range b {
		if !isHex(c) {
			return false
		}
		lower = lower || isLower(c)
	}
	return lower
}

// outwardOK reports whether b is an outward code: A9, A99, A9A, AA9, AA99
// or AA9A, with Royal Mail's rules on which letters go where.
func outwardOK(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	switch b[0] {
	case 'Q', 'V', 'X':
		return false
	}
	if !isUpper(b[0]) {
		return false
	}
	k, two := 1, false
	if isUpper(b[1]) {
		switch b[1] {
		case 'I', 'J', 'Z':
			return false
		}
		k, two = 2, true
	}
	if k >= len(b) || !isDigit(b[k]) {
		return false
	}
	k++
	if k == len(b) {
		return true
	}
	if k+1 != len(b) {
		return false
	}
	c := b[k]
	switch {
	case isDigit(c):
		return true
	case two:
		return c == 'A' || c == 'B' || c == 'E' || c == 'H' || c == 'M' || c == 'N' ||
			c == 'P' || c == 'R' || c == 'V' || c == 'W' || c == 'X' || c == 'Y'
	default:
		return isUpper(c) && c != 'I' && c != 'L' && c != 'M' && c != 'N' && c != 'O' &&
			c != 'Q' && c != 'R' && c != 'V' && c != 'X' && c != 'Y' && c != 'Z'
	}
}

// inwardOK reports whether b is an inward code: a digit and two letters
// other than C, I, K, M, O and V.
func inwardOK(b []byte) bool {
	return isDigit(b[0]) && inwardLetter(b[1]) && inwardLetter(b[2])
}

func inwardLetter(c byte) bool {
	switch c {
	case 'C', 'I', 'K', 'M', 'O', 'V':
		return false
	}
	return isUpper(c)
}

// gaValue matches a Google Analytics id whose first word, GA1 or GS1 or
// another version, is src[i:w] and is followed by '.'.
func gaValue(src []byte, i, w int) Match {
	n := len(src)
	if w-i < 3 || w+1 >= n || !isDigit(src[w+1]) {
		return Match{}
	}
	for k := i + 2; k < w; k++ {
		if !isDigit(src[k]) {
			return Match{}
		}
	}
	k := w
	for k < n && (isWord[src[k]] || src[k] == '.' || src[k] == '$' || src[k] == '_' || src[k] == '-') {
		k++
	}
	for k > w && (src[k-1] == '.' || src[k-1] == '-') {
		k--
	}
	if k-i < 10 {
		return Match{}
	}
	return Match{Kind: GAClientID, Start: i, End: k}
}

// gaCookie handles an '_' at src[i]: the value of _ga=, _ga_<id>=, _gid=
// or _gl=.
func (s *Scanner) gaCookie(src []byte, i int) (Match, int) {
	n := len(src)
	if i+4 >= n || src[i+1] != 'g' || (i > 0 && isWord[src[i-1]]) {
		return Match{}, i + 1
	}
	k := i + 2
	switch {
	case src[k] == 'a' && src[k+1] == '=':
		k += 2
	case src[k] == 'l' && src[k+1] == '=':
		k += 2
	case src[k] == 'i' && src[k+1] == 'd' && src[k+2] == '=':
		k += 3
	case src[k] == 'a' && src[k+1] == '_':
		k += 2
		for k < n && isWord[src[k]] {
			k++
		}
		if k >= n || src[k] != '=' || k == i+4 {
			return Match{}, i + 1
		}
		k++
	default:
		return Match{}, i + 1
	}
	st := k
	for k < n && !gaStop(src[k]) {
		k++
	}
	if k == st {
		return Match{}, k
	}
	return Match{Kind: GAClientID, Start: st, End: k}, k
}

// gaStop reports whether c ends a cookie or parameter value.
func gaStop(c byte) bool {
	switch c {
	case ';', '&', ',', '"', '\'', '\\', ' ', '\t', '\r', '\n', ']', '}', ')', '<', '>':
		return true
	}
	return c < ' '
}

func isB64URL(c byte) bool { return isWord[c] || c == '-' || c == '_' }

// jwt handles "eyJ" at src[i], at a word start: the start of a JWT if the
// rest fits.
func (s *Scanner) jwt(src []byte, i int) (Match, int) {
	n := len(src)
	seg := func(k int) int {
		for k < n && isB64URL(src[k]) {
			k++
		}
		return k
	}
	k := seg(i + 3)
	if k-i < 10 || k >= n || src[k] != '.' {
		return Match{}, skipWord(src, i+1)
	}
	k2 := seg(k + 1)
	if k2 == k+1 || k2 >= n || src[k2] != '.' {
		return Match{}, skipWord(src, i+1)
	}
	end := seg(k2 + 1)
	// A JWE has two more segments.
	if end < n && src[end] == '.' {
		if k4 := seg(end + 1); k4 < n && src[k4] == '.' {
			end = seg(k4 + 1)
		}
	}
	return Match{Kind: JWT, Start: i, End: end}, end
}

// scheme handles a word that may be the HTTP authentication scheme Bearer
// or Basic, in any case, at src[i]: the token after it is a Credential if
// it looks like one (see Credential).
func (s *Scanner) scheme(src []byte, i int) (Match, int) {
	// On failure the scan goes on from the next byte: BA123456C is a NINO
	// found from its first digit.
	n := len(src)
	w := skipWord(src, i+1)
	basic := false
	switch {
	case w-i == 6 && equalFold(src[i:w], "bearer"):
	case w-i == 5 && equalFold(src[i:w], "basic"):
		basic = true
	default:
		return Match{}, i + 1
	}
	k := w
	for k < n && (src[k] == ' ' || src[k] == '\t') {
		k++
	}
	if k == w {
		return Match{}, i + 1
	}
	end := tokenEnd(src, k, basic)
	tok := src[k:end]
	if basic {
		if !basicOK(tok) {
			return Match{}, i + 1
		}
	} else if !bearerOK(tok) {
		return Match{}, i + 1
	}
	return Match{Kind: Credential, Start: k, End: end}, end
}

// tokenEnd returns the end of the token at src[k]: RFC 7235 token68, or
// base64 for Basic.
func tokenEnd(src []byte, k int, basic bool) int {
	n := len(src)
	for k < n {
		c := src[k]
		if isWord[c] || c == '+' || c == '/' || (!basic && (c == '-' || c == '.' || c == '_' || c == '~')) {
			k++
			continue
		}
		break
	}
	for k < n && src[k] == '=' {
		k++
	}
	return k
}

// bearerOK reports whether tok, found after "Bearer" in free text, looks
// like a token rather than a word: 8 or more characters with a digit or
// punctuation, or 16 or more in mixed case.
func bearerOK(tok []byte) bool {
	if len(tok) < 8 {
		return false
	}
	var digit, punct, up, low bool
	for _, c := range tok {
		switch {
		case isDigit(c):
			digit = true
		case isUpper(c):
			up = true
		case isLower(c):
			low = true
		default:
			punct = true
		}
	}
	return digit || punct || (len(tok) >= 16 && up && low)
}

// basicOK reports whether tok is padded base64 of something with a ':',
// as Basic credentials are.
func basicOK(tok []byte) bool {
	if len(tok) < 4 || len(tok)%4 != 0 {
		return false
	}
	var acc uint32
	bits := 0
	for _, c := range tok {
		var v byte
		switch {
		case isUpper(c):
			v = c - 'A'
		case isLower(c):
			v = c - 'a' + 26
		case isDigit(c):
			v = c - '0' + 52
		case c == '+':
			v = 62
		case c == '/':
			v = 63
		default:
			return false // '=': padding, the end
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			if byte(acc>>bits) == ':' {
				return true
			}
			acc &= 1<<bits - 1
		}
	}
	return false
}

// authorization handles a ':' at src[i] after an Authorization or
// Proxy-Authorization header name, also as a JSON key ("Authorization":).
func (s *Scanner) authorization(src []byte, i int) Match {
	const name = "authorization"
	e := i
	if src[e-1] == '"' {
		e--
	}
	st := e - len(name)
	if st < 0 || !equalFold(src[st:e], name) || (st > 0 && (isWord[src[st-1]] || src[st-1] == '_')) {
		return Match{}
	}
	n := len(src)
	k := i + 1
	for k < n && (src[k] == ' ' || src[k] == '\t') {
		k++
	}
	if k < n && src[k] == '[' {
		k++
	}
	quoted := false
	if k < n && src[k] == '"' {
		quoted = true
		k++
	}
	v := k
	w := k
	for w < n && (isWord[src[w]] || src[w] == '-') {
		w++
	}
	tokenOnly, basic := false, false
	if w > k && w < n && src[w] == ' ' {
		// Keep the scheme word; the secret is what follows.
		basic = equalFold(src[k:w], "basic")
		tokenOnly = basic || equalFold(src[k:w], "bearer")
		for v = w; v < n && src[v] == ' '; v++ {
		}
	}
	end := v
	if tokenOnly {
		end = tokenEnd(src, v, basic)
	} else {
		// Anything else (Digest, AWS4-HMAC-SHA256, a bare key) to the end
		// of the quoted value or of the line.
		for end < n {
			c := src[end]
			if c == '\n' || c == '\r' || (quoted && c == '"' && src[end-1] != '\\') {
				break
			}
			end++
		}
		for end > v && (src[end-1] == ' ' || src[end-1] == '\t') {
			end--
		}
	}
	if end == v {
		return Match{}
	}
	return Match{Kind: Credential, Start: v, End: end}
}

// equalFold reports whether b equals the lower-case ASCII word lower,
// ignoring case.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for k := range len(lower) {
		if b[k]|0x20 != lower[k] {
			return false
		}
	}
	return true
}
