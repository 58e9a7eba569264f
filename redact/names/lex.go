package names

import (
	"bytes"
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

//go:embed firstnames.txt
var firstNamesText string

//go:embed surnames.txt
var surnamesText string

//go:embed words.txt
var wordsText string

// Flags of a folded word in the lexicon; one word can have several.
const (
	fAlone       uint16 = 1 << iota // first name that counts on its own
	fContext                        // first name that is also a word, place or brand
	fSurname                        // known surname
	fStop                           // word that is not a surname
	fWordSurname                    // everyday word that is also a surname
	fFormal                         // formal title: Mr, Dr...
	fSoft                           // soft title: Miss, Dear...
	fParticle                       // surname particle: Mac, Ní, van...
	fPlace                          // word before a place name: St, Fort, Port...
	fPhrase                         // word-surname that makes a phrase after a word name
	fJoin                           // word that joins phrases: to, from, and...
	fPlaceBrand                     // first name that is also a place or brand
	fPlaceOf                        // noun before "of" and a place: Isle, City...
	fPlaceHead                      // noun after a place named like a person: Square, Palace...
)

// maxKey is the longest word looked up; longer words are no name.
const maxKey = 40

type lexicon struct {
	words map[string]uint16
	// dict indexes the lines of wordsText, everyday English words, for a
	// binary search: a sorted string costs less memory than a map.
	dict []uint32
}

// isWord reports whether k is an everyday English word.
func (lx *lexicon) isWord(k []byte) bool {
	lo, hi := 0, len(lx.dict)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if compareLine(k, lx.dict[m]) > 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(lx.dict) && compareLine(k, lx.dict[lo]) == 0
}

// isWordForm reports whether k is an everyday word or a plural or
// inflected form of one ("wellies", "themed", "trainers").
func (lx *lexicon) isWordForm(k []byte) bool {
	if lx.isWord(k) {
		return true
	}
	var b [maxKey]byte
	n := len(k)
	try := func(cut int, add string) bool {
		if n-cut < 3 || n-cut+len(add) > len(b) {
			return false
		}
		m := copy(b[:], k[:n-cut])
		m += copy(b[m:], add)
		return lx.isWord(b[:m])
	}
	switch {
	case bytes.HasSuffix(k, []byte("ies")):
		return try(3, "y") || try(1, "")
	case bytes.HasSuffix(k, []byte("es")):
		return try(2, "") || try(1, "")
	case bytes.HasSuffix(k, []byte("s")):
		return try(1, "")
	case bytes.HasSuffix(k, []byte("ed")):
		return try(2, "") || try(1, "")
	case bytes.HasSuffix(k, []byte("ing")):
		return try(3, "") || try(3, "e")
	}
	return false
}

// compareLine compares k with the line of wordsText that starts at off.
func compareLine(k []byte, off uint32) int {
	line := wordsText[off:]
	for i := 0; ; i++ {
		end := i >= len(line) || line[i] == '\n'
		switch {
		case i == len(k) && end:
			return 0
		case i == len(k):
			return -1
		case end:
			return 1
		case k[i] != line[i]:
			if k[i] < line[i] {
				return -1
			}
			return 1
		}
	}
}

var load = sync.OnceValue(loadLexicon)

// loadLexicon builds the lexicon from the embedded lists.
func loadLexicon() *lexicon {
	lx := &lexicon{words: make(map[string]uint16, 13000)}
	// The keys are substrings of the embedded text, so adding them does
	// not copy them.
	add := func(text string, flag uint16) {
		for len(text) > 0 {
			line := text
			if n := strings.IndexByte(text, '\n'); n >= 0 {
				line, text = text[:n], text[n+1:]
			} else {
				text = ""
			}
			if strings.HasPrefix(line, "#") {
				continue
			}
			for len(line) > 0 {
				line = strings.TrimLeft(line, " \t")
				n := strings.IndexAny(line, " \t")
				if n < 0 {
					n = len(line)
				}
				w := line[:n]
				line = line[n:]
				if w == "" {
					continue
				}
				f := flag
				if flag == fAlone && w[0] == '~' {
					w, f = w[1:], fContext
				} else if flag == fAlone && w[0] == '!' {
					w, f = w[1:], fContext|fPlaceBrand
				}
				lx.words[w] |= f
			}
		}
	}
	add(firstNamesText, fAlone)
	add(surnamesText, fSurname)
	add(notSurname, fStop)
	add(wordSurnames, fWordSurname)
	add(formalTitles, fFormal)
	add(softTitles, fSoft)
	add(particles, fParticle)
	add(placePrefixes, fPlace)
	add(notAfterWordNames, fPhrase)
	add(joins, fJoin)
	add(placesOf, fPlaceOf)
	add(placeHeads, fPlaceHead)
	lx.dict = make([]uint32, 0, 64000)
	for off := 0; off < len(wordsText); {
		n := strings.IndexByte(wordsText[off:], '\n')
		if n < 0 {
			n = len(wordsText) - off
		}
		if n > 0 && wordsText[off] != '#' {
			lx.dict = append(lx.dict, uint32(off))
		}
		off += n + 1
	}
	return lx
}

// word is one run of letters in the text, with its folded form.
type word struct {
	start, end int // bytes of the word in the text
	flags      uint16
	upper      bool // its first letter is upper case
	free       bool // it stands apart: not glued to digits, '@', '_', '/', a URL...
	dot        bool // a '.' follows it directly
	possessive bool // it ended in "'s", cut before the look-up
	n          int  // length of the folded form in buf; 0 when too long
	buf        [maxKey]byte
}

func (w *word) key() []byte { return w.buf[:w.n] }

// firstClass returns fAlone or fContext when w is a first name, else 0.
func (w *word) firstClass() uint16 {
	if c := w.flags & (fAlone | fContext); c != 0 {
		if c&fAlone != 0 {
			return fAlone
		}
		return fContext
	}
	return 0
}

// nextWord returns the first word that starts at or after byte i.
func nextWord(text []byte, i int, lx *lexicon) (w word, ok bool) {
	ok = scanWord(&w, text, i, lx)
	return w, ok
}

// scanWord reads into w the first word that starts at or after byte i and
// looks it up. A hyphenated word is looked up whole ("tommy-lee"), then by
// its first part ("Mary-Jane"), which counts alone only when the word has
// two parts; a possessive is looked up without its "'s".
func scanWord(w *word, text []byte, i int, lx *lexicon) bool {
	*w = word{}
	for i < len(text) {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(text[i:])
		}
		if isLetter(r) {
			break
		}
		i += size
	}
	if i >= len(text) {
		return false
	}
	w.start = i
	first := true
	hyphens := 0
	overflow := false
scan:
	for i < len(text) {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(text[i:])
		}
		switch {
		case isLetter(r):
			if first {
				w.upper = unicode.IsUpper(r) || unicode.IsTitle(r)
				first = false
			}
			if !overflow && !w.appendFolded(r) {
				overflow = true
			}
		case unicode.Is(unicode.Mn, r) && !first:
			// A combining accent folds away.
		case (r == '\'' || r == '’' || r == '-') && i+size < len(text) && startsLetter(text[i+size:]):
			if r == '-' {
				hyphens++
				if !overflow && !w.appendByte('-') {
					overflow = true
				}
			} else if !overflow && !w.appendByte('\'') {
				overflow = true
			}
		default:
			break scan
		}
		i += size
	}
	w.end = i
	if overflow {
		w.n = 0
	}
	w.free = !gluedBefore(text, w.start) && !gluedAfter(text, w.end)
	w.dot = w.end < len(text) && text[w.end] == '.'
	w.flags = lx.lookup(w.key())
	if w.flags == 0 && w.n > 2 && w.buf[w.n-2] == '\'' && w.buf[w.n-1] == 's' {
		// "Emily's": the possessive of a name.
		w.n -= 2
		w.flags = lx.lookup(w.key())
		w.possessive = true
	}
	if w.flags&(fAlone|fContext) == 0 && hyphens > 0 {
		// "Mary-Jane", "Jean-Luc": a first name by its first part.
		k := w.key()
		j := 0
		for j < len(k) && k[j] != '-' {
			j++
		}
		f := lx.lookup(k[:j]) & (fAlone | fContext)
		if f&fAlone != 0 && hyphens > 1 {
			f = fContext // "emily-dress-size-12" is a slug, not a name
		}
		if f&fAlone != 0 {
			f = fAlone
		}
		w.flags |= f
	}
	return true
}

func (lx *lexicon) lookup(k []byte) uint16 {
	if len(k) == 0 {
		return 0
	}
	return lx.words[string(k)] // no allocation: the compiler converts in place
}

func (w *word) appendByte(c byte) bool {
	if w.n >= maxKey {
		return false
	}
	w.buf[w.n] = c
	w.n++
	return true
}

// appendFolded appends r lower-cased and without accents.
func (w *word) appendFolded(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		c := byte(r)
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		return w.appendByte(c)
	case r >= foldTableFirst && r < foldTableFirst+rune(len(foldTable)):
		if c := foldTable[r-foldTableFirst]; c != ' ' {
			return w.appendByte(c)
		}
		var s string
		switch unicode.ToLower(r) {
		case 'ß':
			s = "ss"
		case 'æ':
			s = "ae"
		case 'œ':
			s = "oe"
		case 'þ':
			s = "th"
		default:
			s = "?" // a letter no name in the lists has
		}
		for i := 0; i < len(s); i++ {
			if !w.appendByte(s[i]) {
				return false
			}
		}
		return true
	default:
		// Letters beyond Latin: kept as UTF-8, lower case; no list holds them.
		var b [utf8.UTFMax]byte
		n := utf8.EncodeRune(b[:], unicode.ToLower(r))
		for i := 0; i < n; i++ {
			if !w.appendByte(b[i]) {
				return false
			}
		}
		return true
	}
}

func isLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return r != utf8.RuneError && unicode.IsLetter(r)
}

func startsLetter(b []byte) bool {
	r, _ := utf8.DecodeRune(b)
	return isLetter(r)
}

// glue lists the bytes that tie a word to its neighbour, so that it is
// part of an identifier, address or placeholder rather than free text.
func glue(c byte) bool {
	switch c {
	case '_', '@', '/', '\\', '=', '&', '#', '%', '[', ']', '<', '>', '{', '}', '~', '*', '^', '$':
		return true
	}
	return '0' <= c && c <= '9'
}

func gluedBefore(text []byte, start int) bool {
	if start == 0 {
		return false
	}
	c := text[start-1]
	if glue(c) {
		return true
	}
	if c == '.' && start >= 2 {
		// "example.com", "j.smith": a dot between two words.
		p, _ := utf8.DecodeLastRune(text[:start-1])
		return isLetter(p) || '0' <= p && p <= '9'
	}
	return false
}

func gluedAfter(text []byte, end int) bool {
	if end >= len(text) {
		return false
	}
	c := text[end]
	if glue(c) {
		return true
	}
	if c == '.' && end+1 < len(text) {
		n, _ := utf8.DecodeRune(text[end+1:])
		return isLetter(n) || '0' <= n && n <= '9'
	}
	return false
}
