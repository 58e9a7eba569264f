// Package shape judges a single value, such as a path segment or a query
// value, by what it looks like, whatever it is called and wherever it sits:
// an identifier or secret token, an e-mail address, free text, or
// something recognisably harmless such as a word, a slug, a small number,
// a date, a version or a file name.
//
// It knows nothing about where the value came from: the caller decodes it
// first (percent-escapes, and '+' as the caller's context says) and decides
// what to do with the answer. Everything here is pure and allocates
// nothing.
//
// The rules, and why:
//
//   - A run of more than 6 digits is an identifier. Six digits or fewer
//     are counts, pages, years, prices and small catalogue numbers (and a
//     6-digit range is too small to be a useful join key on its own);
//     account, order and user numbers are longer. Datadog's span
//     quantiser draws the line at 6 digits; we keep 6 because the
//     one-time codes that have 6 digits are caught by their parameter's
//     name instead. Compact dates (20240105) and date-times
//     (20240105103000) are dates, not identifiers.
//   - Hex of 12 characters or more with a digit in it is an identifier (a
//     hash, a MAC address, an object id); so is a UUID. Shorter hex is
//     usually a colour or a short commit.
//   - Letters and digits that mix like a random token rather than like
//     words are an identifier. Words written in camelCase split into
//     mostly long pieces (getElementById, MacBookPro2019); random tokens
//     split into pieces of one or two letters (K3mfESnO6G). Digits
//     scattered in three or more runs (01ARZ3NDEKTSV4RRFFQ69G5FAV, a
//     ULID) are a token too.
//   - From 16 characters up, a value in a token alphabet (base64,
//     base64url) is an identifier when its Shannon entropy reaches three
//     quarters of the most its length and alphabet allow. detect-secrets
//     flags base64 strings from 4.5 bits a character and hex from 3.0:
//     both are 0.75 × log2 of the alphabet size (64 and 16). A string of n
//     characters cannot exceed log2(n) bits, so for short strings the
//     bound is 0.75 × log2(min(n, alphabet)): 3.0 bits at 16 characters,
//     3.4 at 22, 4.5 from 64. gitleaks asks 3.7 bits (3.5 in older
//     versions) of its generic API key rule, but only for values under a
//     credential-like name; values under such names are replaced whatever
//     they look like (package scrub), so the bar here, for values under
//     any name, is structure first: entropy alone would also flag long
//     words, so it only counts for values that mix upper and lower case,
//     in about equal measure and in short pieces.
//   - Long runs of letters in one case (16 or more) with almost no vowels
//     (fewer than one in eight, counting y) are tokens too: words have
//     about two in five, and even strengths has one in nine. With digits
//     in more than one place, fewer than one vowel in five and high
//     entropy, such a run is base32 (JBSWY3DPEHPK3PXP).
//   - An address local@domain.tld is an e-mail, but logo@2x.png is a
//     retina image.
//   - Values with spaces between words are free text, for the detectors.
package shape

import (
	"math"
)

// Class is what a value looks like.
type Class uint8

// Classes of values.
const (
	// Harmless values carry no identifier by their shape: words, slugs
	// (red-wool-jumper), small numbers, dates, versions, language tags,
	// file names, enum values.
	Harmless Class = iota
	// Text is several words separated by spaces: free text, which the
	// detectors search. Of reports Text even when a word in it is an
	// identifier; Words finds those.
	Text
	// ID is an identifier or secret by its shape: a long digit run, a
	// UUID, long hex, a random-looking token.
	ID
	// Email is an e-mail address.
	Email
)

func (c Class) String() string {
	switch c {
	case Harmless:
		return "harmless"
	case Text:
		return "text"
	case ID:
		return "id"
	case Email:
		return "email"
	}
	return "invalid"
}

// Thresholds; the package comment says why.
const (
	maxNumberDigits = 6  // longest digit run that is not an identifier
	minHexID        = 12 // shortest hex identifier
	minMixedID      = 10 // shortest mixed-case token judged by its pieces
	minDigitRunsLen = 10 // shortest token judged by its scattered digits
	minEntropyLen   = 16 // shortest value judged by its entropy
	minVowelLen     = 16 // shortest one-case letter run judged by its vowels
)

// Of returns the class of a decoded value. Leading and trailing spaces are
// ignored.
func Of(b []byte) Class {
	if len(b) < 6 {
		// Too short for an identifier (7 digits) or an e-mail address
		// (a@b.co).
		if hasSpace(trimSpace(b)) {
			return Text
		}
		return Harmless
	}
	if plain(b, false) {
		return Harmless
	}
	b = trimSpace(b)
	if len(b) == 0 {
		return Harmless
	}
	if hasSpace(b) {
		return Text
	}
	if IsTag(b) {
		return Harmless
	}
	if isEmail(b) {
		return Email
	}
	if isUUID(b) {
		return ID
	}
	var all tally
	for i := 0; i < len(b); {
		if !isAlnum(b[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(b) && isAlnum(b[j]) {
			j++
		}
		var t tally
		if t.part(b[i:j]) {
			return ID
		}
		all.add(&t)
		i = j
	}
	return all.whole(b)
}

// Plain reports whether every '/'-separated piece of b is, by the fast
// path alone, harmless: made of lower-case letters, digits and '-', '_',
// '.', '~' only, in parts too short or too plain for any rule to call
// them an identifier. It lets a caller judge a whole URL path in one pass;
// when it reports false, each piece must be judged with Of.
func Plain(b []byte) bool { return plain(b, true) }

// plain is the fast path for the common case, words and slugs in lower
// case: it reports whether b holds only lower-case letters, digits and
// '-', '_', '.', '~' (and '/' between pieces if pieces is set), in parts
// too short or too plain for any rule below to call an identifier.
func plain(b []byte, pieces bool) bool {
	n, digits, run, runs, hex := 0, 0, 0, 0, true
	piece := 0 // where the current piece starts
	for i, c := range b {
		if c-'a' < 26 { // the common case first
			n++
			run = 0
			if c > 'f' {
				hex = false
			}
			continue
		}
		if c-'0' < 10 {
			if run == 0 {
				runs++
			}
			if run++; run > maxNumberDigits {
				return false
			}
			n++
			digits++
			continue
		}
		switch c {
		case '-', '_', '.', '~':
		case '/':
			if !pieces || i-piece == 36 { // 36: perhaps a UUID
				return false
			}
			piece = i + 1
		default:
			return false
		}
		if !plainPart(n, digits, runs, hex) {
			return false
		}
		n, digits, run, runs, hex = 0, 0, 0, 0, true
	}
	return len(b)-piece != 36 && plainPart(n, digits, runs, hex)
}

// plainPart reports whether a lower-case part of n letters and digits is
// too short or too plain for a rule of tally.part to apply.
func plainPart(n, digits, runs int, hex bool) bool {
	letters := n - digits
	return !(n >= minDigitRunsLen && runs >= 3 ||
		n >= minHexID && digits > 0 && hex ||
		n >= minEntropyLen && runs >= 2 ||
		letters >= minVowelLen)
}

// IsID reports whether Of(b) is ID.
func IsID(b []byte) bool { return Of(b) == ID }

// Words calls f with the start and end of every space-separated word of
// text that is an identifier or an e-mail address by its shape, in order.
// It is for free text, where tagging a whole value would lose the words
// around the identifier.
func Words(text []byte, f func(start, end int, c Class)) {
	for i := 0; i < len(text); {
		if isSpace(text[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(text) && !isSpace(text[j]) {
			j++
		}
		if c := Of(text[i:j]); c == ID || c == Email {
			f(i, j, c)
		}
		i = j
	}
}

// tally holds what a part (a run of letters and digits) or a whole value
// is made of.
type tally struct {
	n            int // letters and digits
	upper, lower int
	digits       int
	nonASCII     int
	vowels       int // a, e, i, o, u and y, in either case
	pieces       int // camel-case pieces of letters
	oddPieces    int // pieces of one or two letters, or without vowels
}

func (t *tally) add(o *tally) {
	t.n += o.n
	t.upper += o.upper
	t.lower += o.lower
	t.digits += o.digits
	t.nonASCII += o.nonASCII
	t.vowels += o.vowels
	t.pieces += o.pieces
	t.oddPieces += o.oddPieces
}

// part tallies a run of letters and digits and reports whether it is an
// identifier on its own.
func (t *tally) part(p []byte) bool {
	t.n = len(p)
	digitRuns, longestDigits, letters := 0, 0, 0
	vowels, runStart := 0, -1
	hexLower, hexUpper := true, true
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case '0' <= c && c <= '9':
			t.digits++
			if i == 0 || !isDigit(p[i-1]) {
				digitRuns++
				runStart = i
			}
			longestDigits = max(longestDigits, i-runStart+1)
			continue
		case 'a' <= c && c <= 'z':
			t.lower++
			hexUpper = false
			if c > 'f' {
				hexLower = false
			}
		case 'A' <= c && c <= 'Z':
			t.upper++
			hexLower = false
			if c > 'F' {
				hexUpper = false
			}
		default:
			t.nonASCII++
			hexLower, hexUpper = false, false
		}
		letters++
		if isVowel(c) {
			vowels++
		}
	}
	t.vowels = vowels
	if t.nonASCII > 0 {
		return false // a word in another script
	}
	if t.digits == t.n {
		return t.n > maxNumberDigits && !isCompactDate(p)
	}
	if (hexLower || hexUpper) && t.n >= minHexID && t.digits > 0 {
		return true
	}
	if longestDigits > maxNumberDigits && !hasCompactDate(p) {
		return true // u48213377
	}
	if t.n >= minDigitRunsLen && digitRuns >= 3 {
		return true
	}
	t.camel(p)
	if t.upper > 0 && t.lower > 0 && t.n >= minMixedID {
		// Without digits, camel case with short words (WiFiSettings)
		// needs a stricter bar than a token with digits in it.
		if t.digits > 0 && t.pieces >= 3 && 2*t.oddPieces > t.pieces ||
			t.pieces >= 4 && 4*t.oddPieces >= 3*t.pieces {
			return true
		}
	}
	if t.upper > 0 && t.lower > 0 {
		return false
	}
	// One case only: a long run of letters with almost no vowels, or
	// base32 (JBSWY3DPEHPK3PXP): digits in more than one place, few vowels
	// and high entropy.
	if letters >= minVowelLen && 8*vowels < letters {
		return true
	}
	return t.n >= minEntropyLen && digitRuns >= 2 && 5*vowels < letters &&
		Entropy(p) >= entropyThreshold(t.n, 32)
}

// camel splits the letters of p into camel-case pieces: a new piece starts
// at a lower-to-upper change, after digits, and at the last capital of an
// acronym followed by lower case (XMLHttp: XML, Http).
func (t *tally) camel(p []byte) {
	start := -1
	end := func(i int) {
		if start < 0 {
			return
		}
		t.pieces++
		if i-start <= 2 {
			t.oddPieces++
		}
		start = -1
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case isDigit(c):
			end(i)
		case start < 0:
			start = i
		case isUpper(c) && isLower(p[i-1]):
			end(i)
			start = i
		case isLower(c) && isUpper(p[i-1]) && i-1 > start:
			end(i - 1)
			start = i - 1
		}
	}
	end(len(p))
}

// whole judges a value that has no identifier among its parts: a token
// alphabet, both cases in short pieces and high entropy make a token whose
// separators cut it into harmless-looking parts (base64 with '+' and '/',
// base64url with '-' and '_'). Random base64 has about as many capitals as
// small letters; a slug with one capital in it is not a token.
//
// Random letters in both cases have few vowels (about one in five) and
// as many capitals as small letters; words, camel case included
// (getElementsByTagName, XMLHttpRequestUpload), have three vowels in ten
// or more and few capitals. So a long value with both cases in
// proportion, changing case every four letters or more often, fewer than
// one vowel in four and high entropy is a token
// even when its pieces look long.
func (t *tally) whole(b []byte) Class {
	letters := t.upper + t.lower
	fewVowels := 4*min(t.upper, t.lower) >= letters && 4*t.vowels < letters && 4*t.pieces >= letters
	if len(b) < minEntropyLen || !fewVowels && (t.pieces < 3 || 2*t.oddPieces <= t.pieces || 5*min(t.upper, t.lower) < letters) {
		return Harmless
	}
	for _, c := range b {
		if !isAlnum(c) && c != '-' && c != '_' && c != '+' && c != '/' && c != '=' && c != '.' && c != '~' {
			return Harmless
		}
	}
	if Entropy(b) >= entropyThreshold(len(b), 64) {
		return ID
	}
	return Harmless
}

// Entropy returns the Shannon entropy of b in bits per byte.
func Entropy(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	var counts [256]uint32
	for _, c := range b {
		counts[c]++
	}
	n := float64(len(b))
	h := 0.0
	for _, k := range counts {
		if k > 0 {
			p := float64(k) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// entropyThreshold is three quarters of the most entropy a string of n
// bytes over an alphabet of the given size can have.
func entropyThreshold(n, alphabet int) float64 {
	return 0.75 * math.Log2(float64(min(n, alphabet)))
}

// IsTag reports whether b is a tag that a detector or scrubber wrote in
// place of an identifier: "[email]", or a pseudonym such as
// "[email:3xT9q2Lw0aKd]". Judging a pseudonym again would make scrubbing
// twice destroy it.
func IsTag(b []byte) bool {
	if len(b) < 3 || b[0] != '[' || b[len(b)-1] != ']' {
		return false
	}
	b = b[1 : len(b)-1]
	i := 0
	for i < len(b) && (isLower(b[i]) || isDigit(b[i]) || b[i] == '_') {
		i++
	}
	if i == 0 || i > 16 {
		return false
	}
	if i == len(b) {
		return true
	}
	if b[i] != ':' || len(b)-i-1 < 8 || len(b)-i-1 > 32 {
		return false
	}
	letters := 0
	for _, c := range b[i+1:] {
		if isLetter(c) {
			letters++
		} else if !isDigit(c) && c != '-' && c != '_' {
			return false
		}
	}
	return letters > 0
}

// isEmail reports whether b is local@domain.tld, with a top-level domain
// of letters, and is not a retina image name such as logo@2x.png.
func isEmail(b []byte) bool {
	at := -1
	for i, c := range b {
		if c == '@' {
			if at >= 0 {
				return false
			}
			at = i
		}
	}
	if at <= 0 || at == len(b)-1 {
		return false
	}
	for _, c := range b[:at] {
		if !isAlnum(c) && !isLocalPunct(c) {
			return false
		}
	}
	domain := b[at+1:]
	if isRetina(domain) {
		return false
	}
	dots, label, tld := 0, 0, 0
	for _, c := range domain {
		switch {
		case c == '.':
			if label == 0 {
				return false
			}
			dots++
			label, tld = 0, 0
		case isAlnum(c) || c == '-':
			label++
			if isLetter(c) {
				tld++
			} else {
				tld = -len(domain) // a digit or '-': not a top-level domain
			}
		default:
			return false
		}
	}
	return dots > 0 && label >= 2 && tld == label
}

// isRetina reports whether what follows an '@' is a display-density
// suffix: 2x.png, 1.5x.jpg, 3x.
func isRetina(s []byte) bool {
	i := 0
	for i < len(s) && (isDigit(s[i]) || s[i] == '.' && i > 0) {
		i++
	}
	return i > 0 && i < len(s) && (s[i] == 'x' || s[i] == 'X') && (i+1 == len(s) || s[i+1] == '.')
}

func isLocalPunct(c byte) bool {
	switch c {
	case '.', '_', '%', '+', '-', '!', '#', '$', '&', '\'', '*', '/', '=', '?', '^', '`', '{', '|', '}', '~':
		return true
	}
	return false
}

// isUUID reports whether b is a UUID in its 8-4-4-4-12 form, with or
// without braces.
func isUUID(b []byte) bool {
	if len(b) == 38 && b[0] == '{' && b[37] == '}' {
		b = b[1:37]
	}
	if len(b) != 36 {
		return false
	}
	for i, c := range b {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !isHex(c) {
			return false
		}
	}
	return true
}

// isCompactDate reports whether an all-digit p is a date or date-time
// written without separators: YYYYMMDD, YYYYMMDDhhmm or YYYYMMDDhhmmss,
// in the years 1900 to 2099.
func isCompactDate(p []byte) bool {
	if len(p) != 8 && len(p) != 12 && len(p) != 14 {
		return false
	}
	num := func(i int) int { return int(p[i]-'0')*10 + int(p[i+1]-'0') }
	if c := num(0); c != 19 && c != 20 {
		return false
	}
	if m, d := num(4), num(6); m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	if len(p) >= 12 && (num(8) > 23 || num(10) > 59) {
		return false
	}
	return len(p) < 14 || num(12) <= 60
}

// hasCompactDate reports whether every digit run in p longer than
// maxNumberDigits is a compact date, as in release20240105.
func hasCompactDate(p []byte) bool {
	for i := 0; i < len(p); {
		if !isDigit(p[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(p) && isDigit(p[j]) {
			j++
		}
		if j-i > maxNumberDigits && !isCompactDate(p[i:j]) {
			return false
		}
		i = j
	}
	return true
}

func isVowel(c byte) bool {
	switch c | 0x20 {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func hasSpace(b []byte) bool {
	for _, c := range b {
		if isSpace(c) {
			return true
		}
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLetter(c byte) bool {
	return isLower(c) || isUpper(c)
}
func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// isAlnum reports whether c belongs to a part: an ASCII letter or digit,
// or a byte of a non-ASCII UTF-8 character (a letter in another script).
func isAlnum(c byte) bool { return isLetter(c) || isDigit(c) || c >= 0x80 }
