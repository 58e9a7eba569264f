// Package names finds person names in short free-text values: search
// terms, messages, form fields ("Morwenna Tregothnan", "flights for john
// smith", "Dear Siobhán Ní Bhriain"), and replaces them with [name].
//
// A name is a known first name, with the surname-like words that follow it
// (particles such as Mac, Mc, O', Ní, Nic, ap, van and de included), or a
// title (Mr, Mrs, Ms, Dr, Miss, Dear...) followed by a capitalised word.
// Matching ignores case and accents, so "siobhan" and "SIOBHÁN" are the
// same name.
//
// Two strengths, chosen by the caller:
//
//   - Find and AppendRedacted, for longer text, need evidence beyond a
//     first name: a surname after it or a title before it.
//   - FindTerm, AppendRedactedTerm and ContainsName, for a short value that
//     is a search term on its own, also take a common first name alone
//     ("morwenna").
//
// First names that are also everyday words, places or brands (Will, May,
// Rose, Lily, Jack, Paris, Jordan, Victoria, Chelsea, Zara...) never count
// alone. They count with a title before them, a known surname after them
// ("will smith"), or a capitalised surname after them that is no everyday
// word ("Rose Tregothnan", not "Rose Gold"); in a term, a word name (not a
// place or brand) also counts before a lower-case final word that is no
// everyday word ("lily tregothnan", not "lily pads").
//
// Some things are never read as names: words glued to digits, '@', '_',
// '/', '.' or brackets (addresses, identifiers, URL paths, "[name]" itself),
// a first name after a place word ("St Ives", "Fort William", "Isle of
// Lewis"), and the words after a possessive ("Emily's book").
//
// The lists come from the @stdlib first-name datasets, the ONS baby-name
// tables, a hand-written list of Irish, Scottish Gaelic, Welsh and Cornish
// names and the SCOWL English word list; see NOTICE. The package is pure Go
// and safe for concurrent use. It loads its lists on first use (a few
// milliseconds, under 1 MB of memory) and does not allocate while matching.
package names

import "unicode/utf8"

// Placeholder replaces each name found.
const Placeholder = "[name]"

// Find reports the first person name in text, as the byte span
// text[start:end]. It is the strict form, for free text of any length: a
// first name counts only with a surname-like word after it or a title
// before it, and a title counts before a capitalised word. The span never
// includes the title.
func Find(text []byte) (start, end int, ok bool) {
	return find(text, 0, false)
}

// FindTerm is Find for a short value that stands alone, such as a search
// term or a name field: a first name that is not also a common word counts
// on its own ("morwenna", "emily dress"). Use it for values of a few words;
// in longer text it would take every first name.
func FindTerm(text []byte) (start, end int, ok bool) {
	return find(text, 0, true)
}

// ContainsName reports whether FindTerm finds a name in value.
func ContainsName(value []byte) bool {
	_, _, ok := find(value, 0, true)
	return ok
}

// AppendRedacted appends src to dst with every name Find would find
// replaced by Placeholder, and returns the extended buffer. It is
// idempotent, and its output is valid UTF-8 when src is.
func AppendRedacted(dst, src []byte) []byte {
	return appendRedacted(dst, src, false)
}

// AppendRedactedTerm is AppendRedacted with the rules of FindTerm, for short
// values such as search terms.
func AppendRedactedTerm(dst, src []byte) []byte {
	return appendRedacted(dst, src, true)
}

func appendRedacted(dst, src []byte, term bool) []byte {
	i := 0
	for i < len(src) {
		s, e, ok := find(src, i, term)
		if !ok {
			break
		}
		dst = append(dst, src[i:s]...)
		dst = append(dst, Placeholder...)
		i = e
	}
	return append(dst, src[i:]...)
}

// find scans text from byte offset from for the first name.
func find(text []byte, from int, term bool) (start, end int, ok bool) {
	lx := load()
	// Two words, the current one and the one before it, read in place.
	var ws [2]word
	cur := 0
	havePrev := false
	placeOf := false // the words before are "Isle of", "University of"...
	for i := from; ; {
		w, prev := &ws[cur], &ws[1-cur]
		if !scanWord(w, text, i, lx) {
			return 0, 0, false
		}
		joined := havePrev && prev.free && gap(text[prev.end:w.start], true)
		titled := joined && prev.flags&(fFormal|fSoft) != 0 && !prev.possessive // not "Lord's Cricket Ground"
		// "St Ives", "Fort William", "Isle of Lewis" are places.
		placed := joined && (prev.flags&fPlace != 0 && prev.upper == w.upper || placeOf)
		if !placed {
			if e, ok := matchAt(text, lx, prev, titled, w, term); ok {
				return w.start, e, true
			}
		}
		placeOf = joined && prev.flags&fPlaceOf != 0 && string(w.key()) == "of"
		havePrev = true
		cur = 1 - cur
		i = w.end
	}
}

// matchAt reports whether a name starts at w, and where it ends.
func matchAt(text []byte, lx *lexicon, title *word, titled bool, w *word, term bool) (int, bool) {
	if !w.free {
		return 0, false
	}
	if cls := w.firstClass(); cls != 0 && w.flags&fPlace == 0 {
		end, sur := w.end, false
		if !w.possessive { // "Emily's book": what follows is hers, not her surname
			ext := cls
			if titled {
				ext = fAlone // "Dear Amity Green": the title settles it
			}
			end, sur = extend(text, lx, w, ext, term)
		}
		switch {
		case sur, titled:
			return end, true
		case term && cls == fAlone:
			return w.end, !beforePlaceHead(text, w.end, lx)
		}
		return 0, false
	}
	if !titled {
		return 0, false
	}
	// A title before a word that is not a first name: "Dr Tregothnan".
	f := w.flags
	if f&(fFormal|fSoft) != 0 || len(w.key()) < 2 {
		return 0, false
	}
	if f&fParticle != 0 {
		// "Dr de Souza": the particle joins the title to the surname.
		nx, ok := nextWord(text, w.end, lx)
		if !ok || !nx.free || !gap(text[w.end:nx.start], false) || !titleSurname(title, &nx) {
			return 0, false
		}
		return nx.end, true
	}
	if !titleSurname(title, w) {
		return 0, false
	}
	return w.end, true
}

// titleSurname reports whether w, after the title t, is a surname.
func titleSurname(t, w *word) bool {
	f := w.flags
	if f&fSurname != 0 {
		return true
	}
	if f&(fFormal|fSoft) != 0 || f&fStop != 0 && f&fWordSurname == 0 || len(w.key()) < 2 {
		return false
	}
	if t.upper && !w.upper {
		return false
	}
	if t.flags&fFormal != 0 {
		return true
	}
	// Soft titles ("Dear", "Miss") are words too: only a capitalised,
	// non-word name after a capitalised title.
	return t.upper && w.upper && f&fWordSurname == 0
}

// extend reads the surname-like words after the first name w and returns
// where the name ends and whether a surname was found.
func extend(text []byte, lx *lexicon, w *word, cls uint16, term bool) (end int, sur bool) {
	end = w.end
	at := w.end
	particle := false // particles or initials read, waiting for a surname
	for n := 0; n < 5; n++ {
		u, ok := nextWord(text, at, lx)
		if !ok || !u.free || !gap(text[at:u.start], false) {
			break
		}
		f := u.flags
		k := u.key()
		if f&fParticle != 0 && (cls == fAlone || f&fPlace == 0) || len(k) == 1 && u.upper && u.dot {
			// "Ní", "van", an initial "F.": part of the name only if a
			// surname follows, since end moves only with a surname. "St"
			// ("Mary St John") only after a name that is no word, as in
			// "King's Cross St Pancras" it is a place.
			particle = true
			at = u.end
			if u.dot {
				at++ // the initial's dot
			}
			continue
		}
		if !surnameAfter(lx, w, cls, &u, particle, term && endsTerm(text, u.end, lx)) {
			break
		}
		if cls == fContext && !particle && u.upper && titleCaseGoesOn(text, u.end, lx) {
			break
		}
		end, sur, at = u.end, true, u.end
		particle = false
		// Another word may follow a middle name ("Mary Jane Smith"), not a surname.
		if u.firstClass() == 0 {
			break
		}
	}
	return end, sur
}

// surnameAfter reports whether u reads as a surname after the first name w
// of class cls, after a particle when particle is set, and in a search term
// when term is set.
func surnameAfter(lx *lexicon, w *word, cls uint16, u *word, particle, term bool) bool {
	f := u.flags
	if f&(fFormal|fSoft) != 0 || len(u.key()) < 2 {
		return false
	}
	if f&fSurname != 0 {
		return true // a known surname, in any case: "will smith", "John smith"
	}
	if w.upper && !u.upper {
		return false // "Emily loved the film"
	}
	stop := f&fStop != 0 && f&fWordSurname == 0
	if cls == fAlone || particle {
		// After a particle any word but a stop word: "van der Berg".
		return !stop
	}
	// A first name that is also a word needs a capitalised surname that is
	// not a word either ("Rose Tregothnan", not "Chase Sapphire" or "rose
	// garden"), or a word-surname that makes no phrase with it ("Holly
	// Walker", not "Rose Gold").
	if stop {
		return false
	}
	if !w.upper && !u.upper {
		// A lower-case search term: "lily tregothnan", but not "rose gold",
		// "jack plug" or "florence italy" (countries are stop words).
		// term is set only when u ends the phrase. Places and brands
		// ("barbie dreamhouse", "milton keynes") need a known surname, and
		// a plural is more often a product ("hunter wellies").
		k := u.key()
		return term && w.flags&fPlaceBrand == 0 && f&fWordSurname == 0 && len(k) >= 3 && k[len(k)-1] != 's' &&
			u.firstClass() == 0 && !lx.isWordForm(k)
	}
	if !w.upper || !u.upper {
		return false
	}
	if f&fWordSurname != 0 {
		return f&fPhrase == 0
	}
	return !lx.isWord(u.key())
}

// beforePlaceHead reports whether the word after i names a kind of place
// or building, so that the first name before it is part of a place name:
// "Alexandra Palace", "Leicester Square", "Sennen Cove".
//
// Like every look-ahead here it answers as it would for "[name]" when the
// next word is a first name, which a pass may redact: so AppendRedacted is
// idempotent.
func beforePlaceHead(text []byte, i int, lx *lexicon) bool {
	nx, ok := nextWord(text, i, lx)
	return ok && nx.free && gap(text[i:nx.start], false) && nx.flags&fPlaceHead != 0 && nx.firstClass() == 0
}

// titleCaseGoesOn reports whether a capitalised everyday word follows i,
// as in a page title ("Holly Bush Pruning Tips", "Poppy Field Print"),
// where a word name and the word after it are no person.
func titleCaseGoesOn(text []byte, i int, lx *lexicon) bool {
	nx, ok := nextWord(text, i, lx)
	if !ok || !nx.free || !nx.upper || !gap(text[i:nx.start], false) || nx.flags&fSurname != 0 || nx.firstClass() != 0 {
		return false
	}
	return nx.flags&fStop != 0 || lx.isWordForm(nx.key())
}

// endsTerm reports whether the word that ends at i is the last of its
// phrase: nothing follows but punctuation, or a joining word ("lily
// tregothnan to cork"), so that it is not the first word of a product or
// place ("jordan retro 4", "milton keynes station").
func endsTerm(text []byte, i int, lx *lexicon) bool {
	nx, ok := nextWord(text, i, lx)
	if !ok {
		for _, c := range text[i:] {
			if c >= utf8.RuneSelf || '0' <= c && c <= '9' {
				return false
			}
		}
		return true
	}
	if !nx.free {
		return false // "[name]", an address: as for a first name, which may become one
	}
	if !gap(text[i:nx.start], false) {
		// A comma, a full stop: the phrase ended; a number: it goes on.
		for _, c := range text[i:nx.start] {
			if '0' <= c && c <= '9' {
				return false
			}
		}
		return true
	}
	return nx.flags&fJoin != 0
}

// gap reports whether the bytes between two words join them into one name:
// spaces only, after an optional dot when dot is set ("Mr. Smith").
func gap(b []byte, dot bool) bool {
	if len(b) == 0 {
		return false
	}
	if dot && b[0] == '.' {
		b = b[1:]
		if len(b) == 0 {
			return false
		}
	}
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '+' {
			return false
		}
	}
	return true
}
