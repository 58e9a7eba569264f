package consent

import (
	"bytes"
	"strings"

	"github.com/caddy-privacy/caddy-privacy/internal/httpsyntax"
	"github.com/caddy-privacy/caddy-privacy/internal/percent"
)

// Readers of the consent cookie formats. Each gets the cookie value as sent
// and returns what it grants, or false when the value cannot be read. They
// share three rules so that no reading is broader than the visitor's
// choice:
//
//   - A category is granted only when every key mapped to it says yes: two
//     keys for one category (CookieYes "analytics" and "performance")
//     grant the category only if both do.
//   - One key given twice with different answers (CookieYes
//     "analytics:yes,…,analytics:no", {"analytics":true,"analytics":false})
//     makes the whole value unreadable: which answer is the visitor's
//     cannot be told, and a value so written was not written by the
//     consent manager alone. The same answer twice is read once.
//   - A key the reader knows whose value it cannot read makes the whole
//     value unreadable; keys it does not know, and keys mapped to
//     necessary, are ignored whatever their values.
//
// Values (all but TC strings, which are base64url) are percent-decoded
// (RFC 3986; '+' stays '+') into a buffer on the stack, so reading a
// typical cookie allocates nothing.

// decodeBufLen is the stack buffer for percent-decoded values; longer
// values spill to the heap.
const decodeBufLen = 512

// tally accumulates choices so that a category is granted only when every
// choice about it is yes, and notices a key answered both ways.
type tally struct {
	yes, no Set
	// keys holds a hash of every key added and its answer. Hashes rather
	// than the keys themselves, because a reader's key bytes may live in a
	// scratch buffer it reuses; a collision can only deny, never grant.
	keys     [maxTallyKeys]keyChoice
	n        int
	conflict bool
}

type keyChoice struct {
	hash    uint64
	granted bool
}

// maxTallyKeys bounds the distinct mapped keys of one value: consent
// managers write a handful. A value with more is unreadable.
const maxTallyKeys = 16

func (t *tally) add(key []byte, c Category, granted bool) {
	if c == Necessary {
		return
	}
	h := hashKey(key)
	seen := false
	for _, k := range t.keys[:t.n] {
		if k.hash == h {
			seen = true
			if k.granted != granted {
				t.conflict = true
			}
		}
	}
	if !seen {
		if t.n == len(t.keys) {
			t.conflict = true
		} else {
			t.keys[t.n] = keyChoice{h, granted}
			t.n++
		}
	}
	if granted {
		t.yes |= 1 << c
	} else {
		t.no |= 1 << c
	}
}

// result is what the value grants, or false when a key was answered both
// ways.
func (t *tally) result() (Set, bool) {
	if t.conflict {
		return 0, false
	}
	return t.yes &^ t.no, true
}

// hashKey is 64-bit FNV-1a, inline so that it allocates nothing.
func hashKey(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// appendUnescape appends s to dst, decoding %XX escapes. It reports false
// for a malformed escape such as "%4" or "%zz".
func appendUnescape(dst []byte, s string) ([]byte, bool) { return percent.AppendDecode(dst, s, false) }

// parseChoice reads a yes/no value: true/false, yes/no, 1/0 or
// granted/denied, in any letter case.
func parseChoice(b []byte) (granted, ok bool) {
	// Each word has its own length, so one comparison decides.
	switch len(b) {
	case 1:
		return b[0] == '1', b[0] == '1' || b[0] == '0'
	case 2:
		return false, bytes.EqualFold(b, []byte("no"))
	case 3:
		return true, bytes.EqualFold(b, []byte("yes"))
	case 4:
		return true, bytes.EqualFold(b, []byte("true"))
	case 5:
		return false, bytes.EqualFold(b, []byte("false"))
	case 6:
		return false, bytes.EqualFold(b, []byte("denied"))
	case 7:
		return true, bytes.EqualFold(b, []byte("granted"))
	}
	return false, false
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// byteSet is a set of bytes, for scanning without a search per byte.
type byteSet [256]bool

func makeByteSet(chars string) *byteSet {
	var s byteSet
	for i := 0; i < len(chars); i++ {
		s[chars[i]] = true
	}
	return &s
}

var (
	commaSet   = makeByteSet(",")
	colonSet   = makeByteSet(":")
	kvPairSet  = makeByteSet("&,|")
	kvSplitSet = makeByteSet("=:")
)

// cutAny splits b at the first byte in seps; found is false when there is
// none and then head is all of b.
func cutAny(b []byte, seps *byteSet) (head, tail []byte, found bool) {
	for i, c := range b {
		if seps[c] {
			return b[:i], b[i+1:], true
		}
	}
	return b, nil, false
}

// cutByte is cutAny for one separator, searched with bytes.IndexByte.
func cutByte(b []byte, sep byte) (head, tail []byte, found bool) {
	if i := bytes.IndexByte(b, sep); i >= 0 {
		return b[:i], b[i+1:], true
	}
	return b, nil, false
}

// readPairs reads key/value pairs separated by a byte in pairSeps, each
// split at its first byte in kvSeps, with the keys mapped through fields.
// An empty pair is skipped; a pair without a separator, or whose key is not
// a token, is unreadable. With only01 the values must be 1 or 0.
func readPairs(b []byte, pairSeps, kvSeps *byteSet, fields *fieldMap, only01 bool, t *tally) bool {
	for len(b) > 0 {
		var pair []byte
		pair, b, _ = cutAny(b, pairSeps)
		pair = trimSpace(pair)
		if len(pair) == 0 {
			continue
		}
		k, v, ok := cutAny(pair, kvSeps)
		k, v = trimSpace(k), trimSpace(v)
		if !ok || !httpsyntax.IsToken(k) {
			return false
		}
		c, mapped := fields.lookup(k)
		if !mapped || c == Necessary {
			continue
		}
		var granted bool
		if only01 {
			granted, ok = len(v) == 1 && v[0] == '1', len(v) == 1 && (v[0] == '0' || v[0] == '1')
		} else {
			granted, ok = parseChoice(v)
		}
		if !ok {
			return false
		}
		t.add(k, c, granted)
	}
	return true
}

// readCookieYesValue reads CookieYes's cookieyes-consent cookie, comma
// separated key:value pairs written unencoded, for example
//
//	consentid:bVZ3Y2FkbW5G,consent:yes,action:yes,necessary:yes,functional:yes,analytics:no,performance:no,advertisement:no,other:no,lastRenewedDate:1700000000000
//
// "action" is yes once the visitor has answered the banner. Before that
// CookieYes writes the banner's defaults, which for its "implicit" and
// opt-out banners are pre-checked (https://www.cookieyes.com/faqs/), so
// cookies such as "consent:yes,action:no,...,advertisement:yes" are common
// and record no choice: only a cookie with both consent:yes and action:yes
// grants anything. Categories: functional → functional; analytics and
// performance → analytics (both must be yes, where present);
// advertisement → marketing. "other" (cookies CookieYes has not
// categorised), consentid and lastRenewedDate are ignored.
func (d *Decider) readCookieYesValue(value string) (Set, bool) {
	var buf [decodeBufLen]byte
	b, ok := appendUnescape(buf[:0], value)
	if !ok {
		return 0, false
	}
	var t tally
	consent, action := 0, 0 // 0 unseen, 1 yes, -1 anything else
	for rest := b; len(rest) > 0; {
		var pair []byte
		pair, rest, _ = cutByte(rest, ',')
		pair = trimSpace(pair)
		if len(pair) == 0 {
			continue
		}
		k, v, ok := cutByte(pair, ':')
		k, v = trimSpace(k), trimSpace(v)
		if !ok || !httpsyntax.IsToken(k) {
			return 0, false
		}
		switch string(k) {
		case "consent":
			consent = mergeFlag(consent, v)
			continue
		case "action":
			action = mergeFlag(action, v)
			continue
		}
		c, mapped := d.fields.lookup(k)
		if !mapped || c == Necessary {
			continue
		}
		granted, ok := parseChoice(v)
		if !ok {
			return 0, false
		}
		t.add(k, c, granted)
	}
	switch {
	case consent == 0:
		// Not a CookieYes cookie.
		return 0, false
	case consent != 1 || action != 1:
		return 0, true
	}
	return t.result()
}

// mergeFlag folds one more "yes"-or-not value into a flag that is 1 only
// while every value seen was yes.
func mergeFlag(flag int, v []byte) int {
	if granted, ok := parseChoice(v); ok && granted && flag != -1 {
		return 1
	}
	return -1
}

// readCookiebotValue reads Cookiebot's CookieConsent cookie: a JavaScript
// object literal, percent-encoded, for example (decoded)
//
//	{stamp:'mQ4yA0i5Ew==',necessary:true,preferences:true,statistics:false,marketing:false,method:'explicit',ver:1,utc:1700000000000,region:'gb'}
//
// Cookiebot documents its server-side reading in "Programming Cookiebot"
// (https://www.cookiebot.com/en/developer/): "0" means the visitor
// accepted only necessary cookies and "-1" that the visitor "is not within
// a region that requires consent". Categories: preferences → functional,
// statistics → analytics, marketing → marketing.
//
// Strict readings, by design:
//   - "-1", and any other bare value such as "-2", is unreadable: it
//     records no choice, and whether a region needs consent is the site's
//     call, not the consent manager's guess from an IP address.
//   - Only method 'explicit' grants anything. Cookiebot records 'implied'
//     when consent was assumed (and treats cookies without a method as
//     implied); GDPR consent must be an affirmative act.
//   - A nested object or array makes the value unreadable.
func (d *Decider) readCookiebotValue(value string) (Set, bool) {
	var buf [decodeBufLen]byte
	b, ok := appendUnescape(buf[:0], value)
	if !ok {
		return 0, false
	}
	b = trimSpace(b)
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return 0, false
	}
	var t tally
	explicit := 0 // 0 unseen, 1 'explicit', -1 anything else
	in := b[1 : len(b)-1]
	for i := 0; ; {
		i = skipSpace(in, i)
		if i == len(in) {
			break
		}
		key, _, n, ok := jsToken(in, i)
		if !ok {
			return 0, false
		}
		i = skipSpace(in, n)
		if i == len(in) || in[i] != ':' {
			return 0, false
		}
		i = skipSpace(in, i+1)
		val, quoted, n, ok := jsToken(in, i)
		if !ok {
			return 0, false
		}
		i = skipSpace(in, n)
		if i < len(in) {
			if in[i] != ',' {
				return 0, false
			}
			i++
		}
		var c Category
		switch string(key) {
		case "preferences":
			c = Functional
		case "statistics":
			c = Analytics
		case "marketing":
			c = Marketing
		case "method":
			if string(val) == "explicit" && explicit != -1 {
				explicit = 1
			} else {
				explicit = -1
			}
			continue
		default:
			continue
		}
		switch {
		case !quoted && string(val) == "true":
			t.add(key, c, true)
		case !quoted && string(val) == "false":
			t.add(key, c, false)
		default:
			return 0, false
		}
	}
	if explicit != 1 {
		return 0, true
	}
	return t.result()
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// jsToken reads a key or value of a JavaScript object literal at b[i]: a
// string in single or double quotes (returned without them; a backslash
// escapes the next byte) or a bare run of letters, digits and "_$.+-".
// It returns the token, whether it was quoted and the index after it.
func jsToken(b []byte, i int) (tok []byte, quoted bool, next int, ok bool) {
	if i >= len(b) {
		return nil, false, i, false
	}
	if q := b[i]; q == '\'' || q == '"' {
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case q:
				return b[i+1 : j], true, j + 1, true
			}
		}
		return nil, false, i, false
	}
	j := i
	for j < len(b) {
		c := b[j]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_$.+-", c) >= 0) {
			break
		}
		j++
	}
	if j == i {
		return nil, false, i, false
	}
	return b[i:j], false, j, true
}

// readOneTrustValue reads OneTrust's OptanonConsent cookie, a URL query
// string, for example
//
//	isGpcEnabled=0&datestamp=Tue+Nov+21+2023+10%3A00%3A00+GMT%2B0000&version=202310.1.0&isIABGlobal=false&hosts=&consentId=0c737b02&interactionCount=1&landingPath=NotLandingPage&groups=C0001%3A1%2CC0002%3A0%2CC0003%3A1%2CC0004%3A0&geolocation=GB%3BENG&AwaitingReconsent=false
//
// Its "groups" parameter lists cookie category group ids with 1 (consent)
// or 0; OneTrust documents the cookie in "OneTrust Cookies"
// (https://my.onetrust.com/articles/en_US/Knowledge/UUID-2dc719a8-4be5-8d16-1dc8-c7b4147b88e0).
// The query string is split before its values are decoded, so an encoded
// '&' in landingPath cannot forge a parameter. A value without "groups" is
// unreadable; interactionCount=0 means the visitor has not answered and the
// groups are OneTrust's defaults, so it grants nothing. Group ids not in
// the field map (such as STACK42 or V2STACK42, the TCF stacks) are
// ignored; the values of those in it must be 1 or 0.
func (d *Decider) readOneTrustValue(value string) (Set, bool) {
	var t tally
	seen, answered := false, true
	for rest := value; rest != ""; {
		var param string
		param, rest, _ = strings.Cut(rest, "&")
		k, v, hasValue := strings.Cut(param, "=")
		switch k {
		case "interactionCount":
			if v == "0" {
				answered = false
			}
		case "groups":
			if !hasValue {
				return 0, false
			}
			seen = true
			var buf [decodeBufLen]byte
			b, ok := appendUnescape(buf[:0], v)
			if !ok || !readPairs(b, commaSet, colonSet, &d.fields, true, &t) {
				return 0, false
			}
		}
	}
	if !seen {
		return 0, false
	}
	if !answered {
		return 0, true
	}
	return t.result()
}

// readKVValue reads a site's own key/value cookie such as
// "analytics=1&marketing=0" or "analytics:yes,marketing:no": pairs
// separated by '&', ',' or '|', keys from values by '=' or ':',
// percent-encoded as a whole or not.
func (d *Decider) readKVValue(value string) (Set, bool) {
	var buf [decodeBufLen]byte
	b, ok := appendUnescape(buf[:0], value)
	if !ok {
		return 0, false
	}
	var t tally
	if !readPairs(b, kvPairSet, kvSplitSet, &d.fields, false, &t) {
		return 0, false
	}
	return t.result()
}
