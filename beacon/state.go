package beacon

import (
	"bytes"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// state is the working memory of one Sanitize call. It lives in the
// Output, so its buffers are reused.
type state struct {
	s          *Sanitizer
	in         *Input
	out        *Output
	cookieless bool

	val  []byte // decoded value
	res  []byte // processed value
	tmp  []byte // pseudonym input, id stripping
	name []byte // decoded name
	hit  []byte // a Matomo bulk request being written
	pseu []byte // a pseudonym
	tmp2 []byte // id stripping
	dec  []byte // the body, decompressed as Content-Encoding says
	body []byte // the body, unpacked as the vendor packs it

	// ids holds the identifiers found in the beacon, searched for in
	// free text: ids[idEnds[i-1]:idEnds[i]].
	ids    []byte
	idEnds []int

	// The pseudonyms made for this beacon, by engine input, for the ids
	// that repeat across a batch's events (see memoPseudonym).
	memo     []byte
	memoEnds []memoEnd

	// Duplicate detection within one hit.
	seen      [4]uint64
	seenNames []byte
	seenEnds  []int

	// What the hit being written holds.
	hasGCS, hasNPA bool
	// gppOK: the beacon's gpp and gpp_sid, decoded in gpp and gppSID,
	// may go on (keepGPP).
	gppOK       bool
	gpp, gppSID []byte
	required    bool

	js jsonState
	// path is where applyObjectWith builds members' dotted paths.
	path []byte
	// keyBuf is where freeKey redacts a key.
	keyBuf []byte
}

func (st *state) begin(s *Sanitizer, in *Input, out *Output) {
	st.s, st.in, st.out = s, in, out
	st.cookieless = false
	st.ids = st.ids[:0]
	st.idEnds = st.idEnds[:0]
}

func (st *state) end() {
	st.gppOK, st.gpp, st.gppSID = false, st.gpp[:0], st.gppSID[:0]
	clear(st.memo)
	st.memo, st.memoEnds = st.memo[:0], st.memoEnds[:0]
	clear(st.ids)
	st.ids = st.ids[:0]
	st.idEnds = st.idEnds[:0]
	clear(st.dec)
	clear(st.body)
	st.dec, st.body = st.dec[:0], st.body[:0]
	// The scratch buffers held raw values (ids, pseudonym inputs): all of
	// their bytes are cleared, as earlier values may lie past their length.
	for _, b := range []*[]byte{&st.val, &st.res, &st.tmp, &st.tmp2, &st.name, &st.hit, &st.pseu, &st.keyBuf} {
		clear((*b)[:cap(*b)])
		*b = (*b)[:0]
	}
	st.in, st.out, st.s = nil, nil, nil
	st.js.release()
}

func (st *state) granted(c consent.Category) bool {
	if c == consent.Analytics && st.cookieless {
		return false
	}
	return st.in.Consent.Has(c)
}

func (st *state) resetHit() {
	st.seen = [4]uint64{}
	st.seenNames = st.seenNames[:0]
	st.seenEnds = st.seenEnds[:0]
	st.hasGCS, st.hasNPA = false, false
}

// duplicate reports whether the hit already holds the parameter, and
// records it if not. Only the first of duplicate parameters is kept:
// vendors disagree on which one counts (PHP takes the last, most others
// the first), so keeping one removes the ambiguity.
func (st *state) duplicate(r rule, name []byte, prefixed bool) bool {
	if !prefixed && r.id != 0 {
		w, b := r.id/64, uint64(1)<<(r.id%64)
		if st.seen[w]&b != 0 {
			return true
		}
		st.seen[w] |= b
		return false
	}
	start := 0
	for _, end := range st.seenEnds {
		if bytes.Equal(st.seenNames[start:end], name) {
			return true
		}
		start = end
	}
	st.seenNames = append(st.seenNames, name...)
	st.seenEnds = append(st.seenEnds, len(st.seenNames))
	return false
}

// maxIDBytes bounds the identifiers free text is searched for.
const maxIDBytes = 4096

// addID records an identifier, once. Short values (a session count, "1")
// would match too much free text; they are not identifying on their own.
// Per-event ids (jsonField.eventID) are not recorded, so that a batch's
// events do not crowd the visitor's own ids out of the bound.
func (st *state) addID(v []byte) {
	if len(v) < 6 || len(v) > 256 || len(st.ids)+len(v) > maxIDBytes || st.hasID(v) {
		return
	}
	st.ids = append(st.ids, v...)
	st.idEnds = append(st.idEnds, len(st.ids))
}

// hasID reports whether v is a recorded identifier.
func (st *state) hasID(v []byte) bool {
	start := 0
	for _, end := range st.idEnds {
		if string(st.ids[start:end]) == string(v) {
			return true
		}
		start = end
	}
	return false
}

// stripIDs returns v with every recorded identifier replaced by
// "[redacted]", or v itself when it holds none.
func (st *state) stripIDs(v []byte) []byte {
	v, _ = st.findIDs(v)
	return v
}

// findIDs is stripIDs, also reporting whether anything was replaced; the
// result is then in st.tmp.
func (st *state) findIDs(v []byte) ([]byte, bool) {
	if len(st.idEnds) == 0 {
		return v, false
	}
	found := false
	start := 0
	for _, end := range st.idEnds {
		if bytes.Contains(v, st.ids[start:end]) {
			found = true
			break
		}
		start = end
	}
	if !found {
		return v, false
	}
	st.tmp = append(st.tmp[:0], v...)
	start = 0
	for _, end := range st.idEnds {
		id := st.ids[start:end]
		start = end
		// Replace into tmp2 and swap; the search goes on after each
		// replacement, so an id that "[redacted]" contains ends too.
		src := st.tmp
		st.tmp2 = st.tmp2[:0]
		for {
			i := bytes.Index(src, id)
			if i < 0 {
				st.tmp2 = append(st.tmp2, src...)
				break
			}
			st.tmp2 = append(append(st.tmp2, src[:i]...), redacted...)
			src = src[i+len(id):]
		}
		st.tmp, st.tmp2 = st.tmp2, st.tmp
	}
	return st.tmp, true
}

const redacted = "[redacted]"
