package beacon

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/caddy-privacy/caddy-privacy/consent"
	"github.com/caddy-privacy/caddy-privacy/internal/percent"
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
)

// pseudoFormat is how a pseudonym is written, to look like the identifier
// it replaces where a vendor checks the form.
type pseudoFormat uint8

const (
	pfRaw      pseudoFormat = iota // 12 base64url characters
	pfGAClient                     // two decimal numbers joined by a dot, like 1234567890.1700000000
	pfDecimal                      // a decimal number, like a session id
	pfHex16                        // 16 hexadecimal digits, as Matomo requires of _id
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

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

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

	// ids holds the identifiers found in the beacon, searched for in
	// free text: ids[idEnds[i-1]:idEnds[i]].
	ids    []byte
	idEnds []int

	// Duplicate detection within one hit.
	seen      [4]uint64
	seenNames []byte
	seenEnds  []int

	// What the hit being written holds.
	hasGCS, hasNPA bool
	required       bool

	js jsonState
}

func (st *state) begin(s *Sanitizer, in *Input, out *Output) {
	st.s, st.in, st.out = s, in, out
	st.cookieless = false
	st.ids = st.ids[:0]
	st.idEnds = st.idEnds[:0]
}

func (st *state) end() {
	clear(st.ids)
	st.ids = st.ids[:0]
	st.idEnds = st.idEnds[:0]
	st.in, st.out, st.s = nil, nil, nil
	st.js = jsonState{}
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

// addID records an identifier. Short values (a session count, "1") would
// match too much free text; they are not identifying on their own.
func (st *state) addID(v []byte) {
	if len(v) < 6 || len(v) > 256 || len(st.idEnds) >= 16 {
		return
	}
	st.ids = append(st.ids, v...)
	st.idEnds = append(st.idEnds, len(st.ids))
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
		if !st.s.allow.match(name) || alwaysDropped(st.s.vendor, string(name)) || r.ident {
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
	case aIP:
		// The generic vendor's IP fields hold the stand-in; the other
		// vendors' tables add their own override instead.
		if a := st.s.StandInFor(st.in); a.IsValid() && st.s.vendor == Generic {
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

// text runs free text through the detectors, then removes the beacon's
// own identifiers that are left (the detectors tag what they know, such
// as an email used as a user id).
func (st *state) text(dst, v []byte) []byte {
	n := len(dst)
	dst = st.s.eng.Text(dst, v)
	if s, changed := st.findIDs(dst[n:]); changed {
		dst = append(dst[:n], s...)
	}
	return dst
}

// url scrubs a page URL, after removing the beacon's own identifiers.
func (st *state) url(dst, v []byte) []byte {
	return st.s.eng.URL(dst, st.stripIDs(v))
}

// referrer applies the referrer mode. An origin is scheme://host/, the
// form browsers send under their default referrer policy.
func (st *state) referrer(dst, v []byte) ([]byte, bool) {
	if len(v) == 0 {
		return dst, false
	}
	switch st.s.referrer {
	case ReferrerDrop:
		return dst, false
	case ReferrerURL:
		return st.url(dst, v), true
	}
	origin, ok := appendOrigin(st.tmp[:0], v)
	st.tmp = origin
	if !ok {
		return dst, false
	}
	// The host goes through the scrubber too: an address literal
	// becomes what the policy makes of addresses.
	n := len(dst)
	dst = st.s.eng.URL(dst, origin)
	return dst, len(dst) > n
}

// AppendOrigin appends the origin of an absolute http or https URL,
// scheme://host[:port]/ with the scheme in lower case and any userinfo
// removed, and reports whether v was such a URL. It is what a referrer
// becomes under the default "origin" mode; the trailing slash is the form
// browsers send in Referer.
func AppendOrigin(dst, v []byte) ([]byte, bool) { return appendOrigin(dst, v) }

func appendOrigin(dst, v []byte) ([]byte, bool) {
	i := bytes.Index(v, []byte("://"))
	if i <= 0 {
		return dst, false
	}
	scheme := v[:i]
	if !bytes.EqualFold(scheme, []byte("http")) && !bytes.EqualFold(scheme, []byte("https")) {
		return dst, false
	}
	rest := v[i+3:]
	end := bytes.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	host := rest[:end]
	if at := bytes.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	if len(host) == 0 || len(host) > 255 {
		return dst, false
	}
	for _, c := range host {
		if !(isLetter(c) || isDigit(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']') {
			return dst, false
		}
	}
	for _, c := range scheme {
		dst = append(dst, c|0x20)
	}
	dst = append(dst, "://"...)
	dst = append(dst, host...)
	return append(dst, '/'), true
}

// pseudonym appends the pseudonym of v, keyed by the vendor and the
// parameter's role so equal values in different roles do not share one.
func (st *state) pseudonym(dst []byte, pf pseudoFormat, v []byte) []byte {
	st.tmp = append(st.tmp[:0], st.s.vendor.String()...)
	st.tmp = append(st.tmp, byte('0'+pf), 0)
	st.tmp = append(st.tmp, v...)
	st.pseu = st.s.eng.Pseudonym(st.pseu[:0], st.tmp)
	p := st.pseu
	if pf == pfRaw {
		return append(dst, p...)
	}
	var b [16]byte
	n, err := base64.RawURLEncoding.Decode(b[:], p[:min(len(p), 16)])
	if err != nil || n < 8 {
		// Not the engine's usual form: use its bytes as they are.
		n = copy(b[:], p)
	}
	switch pf {
	case pfGAClient:
		dst = strconv.AppendUint(dst, uint64(binary.BigEndian.Uint32(b[0:4])>>1), 10)
		dst = append(dst, '.')
		// The second part of a GA client id is a first-visit time in
		// Unix seconds; keep the form, not the time.
		return strconv.AppendUint(dst, 1000000000+uint64(binary.BigEndian.Uint32(b[4:8]))%1000000000, 10)
	case pfDecimal:
		return strconv.AppendUint(dst, 1000000000+uint64(binary.BigEndian.Uint32(b[0:4]))%1000000000, 10)
	case pfHex16:
		const hexd = "0123456789abcdef"
		for _, c := range b[:8] {
			dst = append(dst, hexd[c>>4], hexd[c&15])
		}
	}
	return dst
}

// userAgent generalises a User-Agent and writes it in the reduced form
// browsers themselves send, so vendors parse it.
func (st *state) userAgent(dst, v []byte) []byte {
	var buf [64]byte
	g := st.s.eng.UserAgent(buf[:0], v)
	return AppendReducedUserAgent(dst, g)
}

// isToken reports whether v is a short run of characters that cannot
// carry free text: letters, digits and . _ ~ : , - + |.
func isToken(v []byte, max int) bool {
	if len(v) > max {
		return false
	}
	for _, c := range v {
		if !isLetter(c) && !isDigit(c) && strings.IndexByte("._~:,-+|", c) < 0 {
			return false
		}
	}
	return true
}

// isNumber reports whether v is a decimal number, optionally signed, with
// a fraction and exponent, at most 32 bytes.
func isNumber(v []byte) bool {
	if len(v) == 0 || len(v) > 32 {
		return false
	}
	i := 0
	if v[0] == '-' || v[0] == '+' {
		i++
	}
	digits := 0
	for i < len(v) && isDigit(v[i]) {
		i++
		digits++
	}
	if i < len(v) && v[i] == '.' {
		i++
		for i < len(v) && isDigit(v[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '-' || v[i] == '+') {
			i++
		}
		e := 0
		for i < len(v) && isDigit(v[i]) {
			i++
			e++
		}
		if e == 0 {
			return false
		}
	}
	return i == len(v)
}

// AppendLanguage appends the first tag of a language list such as
// "en-GB,en;q=0.9" (an Accept-Language header or a language parameter):
// what a vendor needs for its language report, without the rest of the
// list, which helps fingerprint a browser. A value that is not a language
// tag appends nothing.
func AppendLanguage(dst, v []byte) []byte { return appendLanguage(dst, v) }

func appendLanguage(dst, v []byte) []byte {
	v = bytes.TrimSpace(v)
	if i := bytes.IndexAny(v, ",;"); i >= 0 {
		v = bytes.TrimSpace(v[:i])
	}
	if len(v) == 0 || len(v) > 35 {
		return dst
	}
	for _, c := range v {
		if !isLetter(c) && !isDigit(c) && c != '-' && c != '_' {
			return dst
		}
	}
	return append(dst, v...)
}

// Client-hint platform names, as browsers send them.
var platforms = []string{"Android", "Chrome OS", "Chromium OS", "Fuchsia", "iOS", "Linux", "macOS", "Windows", "Unknown", ""}

func isPlatform(v []byte) bool {
	for _, p := range platforms {
		if string(v) == p {
			return true
		}
	}
	return false
}

// appendMajor appends a version cut to its major number, keeping the
// number of components: 15.5.0 becomes 15.0.0, 138.0.7204.158 becomes
// 138.0.0.0. Anything but digits and dots appends nothing.
func appendMajor(dst, v []byte) []byte {
	if len(v) == 0 || len(v) > 32 || !isDigit(v[0]) {
		return dst
	}
	dots := 0
	major := 0
	for i, c := range v {
		switch {
		case c == '.':
			if i == 0 || v[i-1] == '.' {
				return dst
			}
			dots++
		case isDigit(c):
			if dots == 0 {
				major++
			}
		default:
			return dst
		}
	}
	if major > 5 || dots > 4 {
		return dst
	}
	dst = append(dst, v[:major]...)
	for range dots {
		dst = append(dst, '.', '0')
	}
	return dst
}

// appendBrandList generalises GA's uafvl, the full-version list of client
// hints: brands (themselves percent-encoded) with versions, joined by ;
// and |. Versions are cut to their majors, as browsers' low-entropy
// Sec-CH-UA does. A malformed list appends nothing.
func appendBrandList(dst, v []byte) []byte {
	start := len(dst)
	for n := 0; len(v) > 0; n++ {
		if n == 8 {
			return dst[:start]
		}
		var item []byte
		item, v = cutByte(v, '|')
		brand, ver, ok := bytes.Cut(item, []byte{';'})
		if !ok || len(brand) == 0 || len(brand) > 64 {
			return dst[:start]
		}
		for _, c := range brand {
			if c < 0x20 || c > 0x7e {
				return dst[:start]
			}
		}
		if n > 0 {
			dst = append(dst, '|')
		}
		dst = append(dst, brand...)
		dst = append(dst, ';')
		m := len(dst)
		if dst = appendMajor(dst, ver); len(dst) == m {
			return dst[:start]
		}
	}
	return dst
}

// mediaType checks a Content-Type against the accepted media types and
// returns the one found, in lower case. A charset other than UTF-8 (or its
// subset US-ASCII) is refused: values are decoded as UTF-8. Other
// parameters are ignored.
func mediaType(ct string, accepted ...string) (string, error) {
	if ct == "" {
		return "", nil
	}
	mt, params, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return "", errorf(Malformed, "Content-Type cannot be parsed")
		}
		if !strings.EqualFold(strings.TrimSpace(k), "charset") {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		if !strings.EqualFold(v, "utf-8") && !strings.EqualFold(v, "utf8") && !strings.EqualFold(v, "us-ascii") {
			return "", errorf(Malformed, "Content-Type charset is not UTF-8")
		}
	}
	for _, a := range accepted {
		if strings.EqualFold(mt, a) {
			return a, nil
		}
	}
	// The client's value is not repeated: it is input.
	return "", errorf(Malformed, "Content-Type is not one the vendor sends (%s)", strings.Join(accepted, ", "))
}

// contentTypeOut is the Content-Type sent with a rewritten body.
func contentTypeOut(mt string) string {
	switch mt {
	case "application/x-www-form-urlencoded":
		return "application/x-www-form-urlencoded;charset=UTF-8"
	case "text/plain", "":
		return "text/plain;charset=UTF-8"
	}
	return mt
}

// cutByte splits s at the first c.
func cutByte(s []byte, c byte) (before, after []byte) {
	if i := bytes.IndexByte(s, c); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, nil
}

// unescape appends the form-decoding of s (%XX escapes, + as space) to
// dst. ok is false for a malformed escape.
func unescape(dst, s []byte) (_ []byte, ok bool) { return percent.AppendDecode(dst, s, true) }

// componentSafe are the bytes encodeURIComponent leaves alone.
var componentSafe = percent.Safe("-_.!~*'()")

// appendEscaped appends s percent-encoded as encodeURIComponent does,
// which is how the vendors' scripts encode parameters.
func appendEscaped(dst, s []byte) []byte { return percent.AppendEncode(dst, s, &componentSafe, false) }

// nameList is a list of names, each exact or a prefix ending in "*".
type nameList struct {
	exact    map[string]bool
	prefixes []string
}

func newNameList(names []string) nameList {
	var l nameList
	for _, n := range names {
		if p, ok := strings.CutSuffix(n, "*"); ok {
			l.prefixes = append(l.prefixes, p)
			continue
		}
		if l.exact == nil {
			l.exact = map[string]bool{}
		}
		l.exact[n] = true
	}
	return l
}

func (l nameList) match(name []byte) bool {
	if l.exact[string(name)] {
		return true
	}
	for _, p := range l.prefixes {
		if bytes.HasPrefix(name, []byte(p)) {
			return true
		}
	}
	return false
}

func (l nameList) empty() bool { return len(l.exact) == 0 && len(l.prefixes) == 0 }

func checkNames(field string, names []string) error {
	for i, n := range names {
		if strings.TrimSuffix(n, "*") == "" || strings.ContainsAny(n, "&=#? \t\r\n") || strings.Count(n, "*") > 1 ||
			strings.Contains(strings.TrimSuffix(n, "*"), "*") {
			return fmt.Errorf("%s[%d]: %q is not a parameter name or dotted field (a prefix ends in \"*\")", field, i, n)
		}
	}
	return nil
}

// alwaysDropped reports whether a name is one of the vendor's user ids,
// which Allow cannot bring back.
func alwaysDropped(v Vendor, name string) bool {
	switch v {
	case GA4, UA:
		return name == "uid" || name == "_fplc" || name == "em"
	case Matomo:
		return name == "uid" || name == "cid" || name == "token_auth"
	case Segment:
		return name == "userId" || name == "traits" || name == "traits.email" || name == "context.traits" || name == "previousId"
	case Umami:
		return name == "payload.id"
	}
	return false
}

// identifyingNames are names of custom parameters and free-form fields
// that hold identifiers, compared in lower case with everything but
// letters and digits removed (so user_id, userId and User-ID match
// "userid").
var identifyingNames = map[string]bool{
	"userid": true, "uid": true, "user": true, "username": true, "customerid": true, "visitorid": true,
	"anonymousid": true, "clientid": true, "cid": true, "sessionid": true, "sid": true, "deviceid": true,
	"advertisingid": true, "idfa": true, "idfv": true, "gaid": true, "adid": true,
	"email": true, "emailaddress": true, "mail": true, "phone": true, "phonenumber": true, "telephone": true,
	"mobile": true, "ip": true, "ipaddress": true, "password": true, "passwd": true, "token": true,
	"accesstoken": true, "authtoken": true, "gclid": true, "fbclid": true, "msclkid": true, "fbp": true, "fbc": true,
}

// isIdentifyingName reports whether a parameter or field name, or its
// last dotted component (ep.user_id), names an identifier.
func isIdentifyingName(name []byte) bool {
	if i := bytes.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	var buf [32]byte
	n := 0
	for _, c := range name {
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case isLetter(c) || isDigit(c):
		default:
			continue
		}
		if n == len(buf) {
			return false
		}
		buf[n] = c
		n++
	}
	return identifyingNames[string(buf[:n])]
}
