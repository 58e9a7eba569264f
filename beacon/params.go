package beacon

import (
	"bytes"
	"slices"
	"unicode/utf8"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// action is what happens to one parameter or field.
type action uint8

const (
	aDrop      action = iota
	aToken            // kept if it is a short token of safe characters
	aNumber           // kept if it is a number
	aFlag             // kept if it is 0 or 1
	aText             // free text, through the detectors
	aURL              // a page URL, through the URL scrubber
	aReferrer         // a referrer: origin, scrubbed URL or dropped
	aPseudonym        // a keyed, rotating pseudonym
	aUserAgent        // generalised user agent
	aLanguage         // the first language tag
	aIP               // removed; the stand-in is added by the table
	aGCS              // Google consent state, lowered to the decision
	aGCD              // Google consent defaults, lowered to the decision
	aNPA              // non-personalised ads, raised without marketing consent
	aAIP              // UA anonymize-IP, always added as 1
	aBrandList        // GA uafvl: brand;version|… with versions cut to majors
	aMajor            // a version cut to its major: 15.5.0 becomes 15.0.0
	aPlatform         // client-hint platform name from the known list
	aUAData           // Matomo uadata JSON: client hints, generalised
	aKeep             // generic: scalar kept as it is
	aFreeText         // generic JSON and free-form objects: walked, every string through the detectors
	aGPP              // IAB GPP string: kept only when it is the one judged to grant nothing denied (state.gppOK, state.gpp)
	aGPPSID           // its section ids: kept only with it, when they are the ones judged with it (state.gppSID)
)

// pseudoFormat is how a pseudonym is written, to look like the identifier
// it replaces where a vendor checks the form.
type pseudoFormat uint8

const (
	pfRaw      pseudoFormat = iota // 12 base64url characters
	pfGAClient                     // two decimal numbers joined by a dot, like 1234567890.1700000000
	pfDecimal                      // a decimal number, like a session id
	pfHex16                        // 16 hexadecimal digits, as Matomo requires of _id
	pfUUID                         // a UUID in version 7 layout, as PostHog requires of session ids
)

// rule says what happens to one parameter.
type rule struct {
	act    action
	pf     pseudoFormat
	ident  bool   // the value identifies a person: it is searched for in free text
	user   bool   // user-scoped: dropped from cookieless pings
	id     uint8  // index for duplicate detection
	maxLen uint16 // for aToken; 0 means 512
}

// restClass is what may follow a prefix.
type restClass uint8

const (
	restIdent  restClass = iota // letters, digits and _, as in ep.page_type
	restDigits                  // digits, as in cd12
	restAlnum                   // digits then letters and digits, as in pr1nm
	restAny                     // anything (generic prefixes)
)

type prefixRule struct {
	prefix string
	rest   restClass
	rule   rule
}

// paramTable is a vendor's parameter table.
type paramTable struct {
	exact    map[string]rule
	prefixes []prefixRule
	// required are names at least one of which must be present, else the
	// beacon is not in the vendor's format.
	required []string
	// ipName is the IP override parameter added with the stand-in.
	ipName string
	// aip adds aip=1 (UA).
	aip bool
	// consent adds gcs and npa when the decision denies something.
	consent bool
	// ipInPlace writes the stand-in into aIP parameters (generic)
	// rather than adding ipName.
	ipInPlace bool
	// identNames are the exact names whose rules have ident set.
	identNames []string
}

// isIdent reports whether name is one of the table's identifying
// parameters. A short list compare is cheaper than the map.
func (t *paramTable) isIdent(name []byte) bool {
	for _, n := range t.identNames {
		if string(name) == n {
			return true
		}
	}
	for _, p := range t.prefixes {
		if p.rule.ident && len(name) > len(p.prefix) && string(name[:len(p.prefix)]) == p.prefix {
			return true
		}
	}
	return false
}

func (t *paramTable) lookup(name []byte) (rule, bool, bool) {
	if r, ok := t.exact[string(name)]; ok {
		return r, true, false
	}
	for _, p := range t.prefixes {
		if len(name) <= len(p.prefix) || string(name[:len(p.prefix)]) != p.prefix {
			continue
		}
		if restOK(name[len(p.prefix):], p.rest) {
			return p.rule, true, true
		}
	}
	return rule{}, false, false
}

func restOK(s []byte, c restClass) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	switch c {
	case restDigits:
		for _, b := range s {
			if !isDigit(b) {
				return false
			}
		}
	case restAlnum:
		if !isDigit(s[0]) {
			return false
		}
		for _, b := range s {
			if !isDigit(b) && !isLetter(b) {
				return false
			}
		}
	case restIdent:
		for _, b := range s {
			if !isDigit(b) && !isLetter(b) && b != '_' {
				return false
			}
		}
	}
	return true
}

// newTable builds a table, numbering its exact rules for duplicate
// detection.
func newTable(t *paramTable) *paramTable {
	if len(t.exact) > 255 {
		panic("beacon: table too large")
	}
	// Number in sorted order so tables are deterministic.
	names := make([]string, 0, len(t.exact))
	for n := range t.exact {
		names = append(names, n)
	}
	slices.Sort(names)
	for i, n := range names {
		r := t.exact[n]
		r.id = uint8(i + 1)
		t.exact[n] = r
		if r.ident {
			t.identNames = append(t.identNames, n)
		}
	}
	return t
}

// collectIDs records the identifying values of a query-format list so
// that free text elsewhere in the beacon can be searched for them.
func (st *state) collectIDs(t *paramTable, src []byte) {
	for len(src) > 0 {
		var p []byte
		p, src = cutByte(src, '&')
		rawName, rawVal, _ := bytes.Cut(p, []byte{'='})
		name, ok := unescape(st.name[:0], rawName)
		st.name = name
		if !ok {
			continue
		}
		if !t.isIdent(name) {
			continue
		}
		v, ok := unescape(st.val[:0], rawVal)
		st.val = v
		if ok {
			st.addID(v)
		}
	}
}

// appendHit sanitises one hit in query format (a query string, a form
// body or one line of a GA batch) from src into dst. additions says
// whether the vendor's added parameters (IP override, consent) go into
// this hit. It returns whether anything was written.
func (st *state) appendHit(dst, src []byte, t *paramTable, additions bool) []byte {
	start := len(dst)
	for len(src) > 0 {
		var p []byte
		p, src = cutByte(src, '&')
		if len(p) == 0 {
			continue
		}
		dst = st.appendParam(dst, p, t, start)
	}
	if additions {
		dst = st.appendAdditions(dst, t, start)
	}
	return dst
}

func sep(dst []byte, start int) []byte {
	if len(dst) > start {
		dst = append(dst, '&')
	}
	return dst
}

// appendParam sanitises one name=value pair.
func (st *state) appendParam(dst, p []byte, t *paramTable, start int) []byte {
	rawName, rawVal, _ := bytes.Cut(p, []byte{'='})
	name, ok := unescape(st.name[:0], rawName)
	st.name = name
	if !ok || len(name) == 0 || len(name) > 128 || !utf8.Valid(name) {
		return dst
	}
	r, known, prefixed := t.lookup(name)
	if prefixed && isIdentifyingName(name) {
		// A custom parameter named for an identifier (ep.user_id,
		// up.email) is one, whatever its value looks like.
		return dst
	}
	for _, req := range t.required {
		if string(name) == req {
			st.required = true
		}
	}
	if !known || r.act == aDrop {
		// Allow brings back any parameter but the user ids.
		if !st.s.allow.match(name) || st.s.v.isUserID(string(name)) || r.ident {
			return dst
		}
		r, prefixed = rule{act: aText}, true
	}
	if st.s.drop.match(name) && r.act != aGCS && r.act != aNPA && r.act != aIP && r.act != aAIP {
		return dst
	}
	if st.cookieless && (r.user || r.ident) {
		return dst
	}
	if st.duplicate(r, name, prefixed) {
		return dst
	}
	val, ok := unescape(st.val[:0], rawVal)
	st.val = val
	if !ok || !utf8.Valid(val) {
		return dst
	}
	res, keep := st.value(st.res[:0], r, val)
	st.res = res
	if !keep {
		return dst
	}
	dst = sep(dst, start)
	dst = appendEscaped(dst, name)
	dst = append(dst, '=')
	return appendEscaped(dst, res)
}

// value sanitises one decoded value by its rule, appending the result to
// dst. keep is false when the parameter is to be dropped.
func (st *state) value(dst []byte, r rule, v []byte) (_ []byte, keep bool) {
	switch r.act {
	case aToken:
		max := int(r.maxLen)
		if max == 0 {
			max = 512
		}
		return append(dst, v...), isToken(v, max)
	case aNumber:
		return append(dst, v...), isNumber(v)
	case aFlag:
		return append(dst, v...), len(v) == 1 && (v[0] == '0' || v[0] == '1')
	case aText:
		return st.text(dst, v), true
	case aURL:
		if len(v) == 0 {
			return dst, true
		}
		return st.url(dst, v), true
	case aReferrer:
		return st.referrer(dst, v)
	case aPseudonym:
		if len(v) == 0 {
			return dst, false
		}
		return st.pseudonym(dst, r.pf, v), true
	case aUserAgent:
		n := len(dst)
		dst = st.userAgent(dst, v)
		return dst, len(dst) > n
	case aLanguage:
		n := len(dst)
		dst = appendLanguage(dst, v)
		return dst, len(dst) > n
	case aGCS:
		st.hasGCS = true
		return st.gcs(dst, v), true
	case aGCD:
		return st.gcd(dst, v)
	case aNPA:
		st.hasNPA = true
		if !st.granted(consent.Marketing) {
			return append(dst, '1'), true
		}
		return append(dst, v...), len(v) == 1 && (v[0] == '0' || v[0] == '1')
	case aBrandList:
		n := len(dst)
		dst = appendBrandList(dst, v)
		return dst, len(dst) > n
	case aMajor:
		n := len(dst)
		dst = appendMajor(dst, v)
		return dst, len(dst) > n
	case aPlatform:
		return append(dst, v...), isPlatform(v)
	case aUAData:
		return st.uaData(dst, v)
	case aKeep:
		return append(dst, v...), true
	case aGPP:
		return append(dst, v...), st.gppOK && string(v) == string(st.gpp)
	case aGPPSID:
		return append(dst, v...), st.gppOK && string(v) == string(st.gppSID)
	case aIP:
		// The generic vendor's IP fields hold the stand-in; the other
		// vendors' tables add their own override instead.
		if a := st.s.StandInFor(st.in); a.IsValid() && st.s.query != nil && st.s.query.ipInPlace {
			return a.AppendTo(dst), true
		}
	}
	// aDrop, aIP and aAIP: the table adds its own.
	return dst, false
}

// appendAdditions appends the parameters the vendor's table adds: the IP
// override, aip=1, and the consent state when the decision denies
// something the beacon did not say.
func (st *state) appendAdditions(dst []byte, t *paramTable, start int) []byte {
	if t.aip {
		dst = append(sep(dst, start), "aip=1"...)
	}
	if t.ipName != "" {
		if a := st.s.StandInFor(st.in); a.IsValid() {
			dst = append(sep(dst, start), t.ipName...)
			dst = append(dst, '=')
			dst = a.AppendTo(dst)
		}
	}
	if t.consent {
		mkt, ana := st.granted(consent.Marketing), st.granted(consent.Analytics)
		if !st.hasGCS && (!mkt || !ana) {
			dst = append(sep(dst, start), "gcs=G1"...)
			dst = append(dst, digit(mkt), digit(ana))
		}
		if !st.hasNPA && !mkt {
			dst = append(sep(dst, start), "npa=1"...)
		}
	}
	return dst
}

func digit(b bool) byte {
	if b {
		return '1'
	}
	return '0'
}
