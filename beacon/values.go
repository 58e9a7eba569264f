package beacon

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"
)

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
	st.tmp = append(st.tmp[:0], st.s.v.name...)
	st.tmp = append(st.tmp, byte('0'+pf), 0)
	st.tmp = append(st.tmp, v...)
	p := st.memoPseudonym(st.tmp)
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
		dst = appendHex(dst, b[:8])
	case pfUUID:
		return appendUUID(dst, v, b[:9])
	}
	return dst
}

// memoEnd is where one memo entry's input and pseudonym end in st.memo.
type memoEnd struct{ in, out int }

// maxMemo bounds the pseudonyms remembered per beacon; past it they are
// made afresh.
const maxMemo = 64

// memoPseudonym returns the engine's pseudonym of in (in st.pseu or in
// st.memo), made once per beacon: a batch's events repeat their device,
// session and distinct ids, and each is an HMAC.
func (st *state) memoPseudonym(in []byte) []byte {
	start := 0
	for _, e := range st.memoEnds {
		if string(st.memo[start:e.in]) == string(in) {
			return st.memo[e.in:e.out]
		}
		start = e.out
	}
	st.pseu = st.s.eng.Pseudonym(st.pseu[:0], in)
	if len(st.memoEnds) < maxMemo {
		st.memo = append(append(st.memo, in...), st.pseu...)
		st.memoEnds = append(st.memoEnds, memoEnd{in: len(st.memo) - len(st.pseu), out: len(st.memo)})
	}
	return st.pseu
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

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

const hexDigits = "0123456789abcdef"

func appendHex(dst, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&15])
	}
	return dst
}

// appendUUID writes a pseudonym p (9 bytes) as a version 7 UUID. Its time
// field is the original's cut to the UTC day when the original is a
// version 7 UUID too, so that the vendor still files the session under
// the right day without learning when it began; otherwise it is zero.
func appendUUID(dst, orig, p []byte) []byte {
	var u [16]byte
	if ms, ok := uuid7Time(orig); ok {
		ms -= ms % (24 * 3600 * 1000)
		for i := 5; i >= 0; i-- {
			u[i] = byte(ms)
			ms >>= 8
		}
	}
	copy(u[6:15], p)
	u[6] = 0x70 | u[6]&0x0f
	u[8] = 0x80 | u[8]&0x3f
	dst = appendHex(dst, u[0:4])
	dst = append(dst, '-')
	dst = appendHex(dst, u[4:6])
	dst = append(dst, '-')
	dst = appendHex(dst, u[6:8])
	dst = append(dst, '-')
	dst = appendHex(dst, u[8:10])
	dst = append(dst, '-')
	return appendHex(dst, u[10:16])
}

// uuid7Time returns the Unix milliseconds of a version 7 UUID.
func uuid7Time(v []byte) (uint64, bool) {
	if len(v) != 36 || v[8] != '-' || v[13] != '-' || v[14] != '7' {
		return 0, false
	}
	var ms uint64
	for i, c := range v[:13] {
		if i == 8 {
			continue
		}
		var d byte
		switch {
		case isDigit(c):
			d = c - '0'
		case 'a' <= c|0x20 && c|0x20 <= 'f':
			d = c | 0x20 - 'a' + 10
		default:
			return 0, false
		}
		ms = ms<<4 | uint64(d)
	}
	return ms, true
}
