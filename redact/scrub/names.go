package scrub

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/caddy-privacy/caddy-privacy/internal/percent"
	"github.com/caddy-privacy/caddy-privacy/redact/shape"
)

// maxName is the longest parameter name, after percent-decoding, that can
// be matched against a list. Longer names are treated as unmatchable:
// removed from logs, kept when only stripping click ids upstream.
const maxName = 256

// nameSet matches parameter names: exact names, prefixes and suffixes, all
// lower case, compared with the lower-cased decoded name.
type nameSet struct {
	exact    map[string]struct{}
	prefixes []string
	suffixes []string
}

// add adds a list of names; a name ending in "*" is a prefix, one starting
// with "*" a suffix (suffixes are for the built-in lists only).
func (s *nameSet) add(names ...string) {
	if s.exact == nil {
		s.exact = make(map[string]struct{}, len(names))
	}
	for _, n := range names {
		n = lowerASCII(n)
		switch {
		case strings.HasSuffix(n, "*"):
			s.prefixes = append(s.prefixes, n[:len(n)-1])
		case strings.HasPrefix(n, "*"):
			s.suffixes = append(s.suffixes, n[1:])
		default:
			s.exact[n] = struct{}{}
		}
	}
}

// match reports whether the lower-case name is in the set.
func (s *nameSet) match(name []byte) bool {
	if _, ok := s.exact[string(name)]; ok {
		return true
	}
	for _, p := range s.prefixes {
		if len(name) >= len(p) && string(name[:len(p)]) == p {
			return true
		}
	}
	for _, p := range s.suffixes {
		if len(name) >= len(p) && string(name[len(name)-len(p):]) == p {
			return true
		}
	}
	return false
}

// matchBase matches a parameter name and, for PHP and Rails style names
// such as password[] or user[name], its base before the first '['.
func (s *nameSet) matchBase(name []byte) bool {
	if s.match(name) {
		return true
	}
	i := bytes.IndexByte(name, '[')
	return i > 0 && s.match(name[:i])
}

// matchLastKey matches the last key of a PHP or Rails style name, such as
// password in user[password]. It is only used with lists that hold no
// detector tag name: a tag such as "[email]" that a detector put into a
// name must not make the name look nested the next time round.
func (s *nameSet) matchLastKey(name []byte) bool {
	i := bytes.IndexByte(name, '[')
	if i <= 0 || name[len(name)-1] != ']' {
		return false
	}
	j := bytes.LastIndexByte(name[:len(name)-1], '[')
	key := name[j+1 : len(name)-1]
	return len(key) > 0 && s.match(key)
}

// checkNames validates policy parameter names: a name, or a prefix ending
// in "*", with no query syntax in it.
func checkNames(field string, names []string) error {
	for i, n := range names {
		bare := strings.TrimSuffix(n, "*")
		if bare == "" || strings.ContainsAny(bare, "&=#;* ") {
			return fmt.Errorf("%s[%d]: %q is not a parameter name; want a name such as \"ref\" or a prefix such as \"utm_*\"", field, i, n)
		}
		if len(bare) > maxName {
			return fmt.Errorf("%s[%d]: name is %d bytes long; want at most %d", field, i, len(bare), maxName)
		}
	}
	return nil
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// decodeName percent-decodes a query parameter name into buf, lower-cased,
// with '+' as a space. ok is false when an escape is malformed or the
// decoded name does not fit in buf.
func decodeName[T string | []byte](buf *[maxName]byte, raw T) (n int, ok bool) {
	for i := 0; i < len(raw); i++ {
		if n == len(buf) {
			return 0, false
		}
		c := raw[i]
		switch c {
		case '%':
			if i+2 >= len(raw) || !percent.IsHex(raw[i+1]) || !percent.IsHex(raw[i+2]) {
				return 0, false
			}
			c = percent.Unhex(raw[i+1])<<4 | percent.Unhex(raw[i+2])
			i += 2
		case '+':
			c = ' '
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	return n, true
}

// appendUnescape appends s percent-decoded, with '+' as a space if form is
// set, except that in form a '+' after another and before a digit stays a
// '+': a client that did not encode the plus of "+44 7700 900123" wrote
// "on++44+7700+900123". ok is false if an escape is malformed; dst is then
// returned as it was.
func appendUnescape(dst, s []byte, form bool) ([]byte, bool) {
	if !form || !bytes.Contains(s, []byte("++")) {
		return percent.AppendDecode(dst, s, form)
	}
	start := len(dst)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !percent.IsHex(s[i+1]) || !percent.IsHex(s[i+2]) {
				return dst[:start], false
			}
			c = percent.Unhex(s[i+1])<<4 | percent.Unhex(s[i+2])
			i += 2
		case c == '+' && !(i > 0 && s[i-1] == '+' && i+1 < len(s) && '0' <= s[i+1] && s[i+1] <= '9'):
			c = ' '
		}
		dst = append(dst, c)
	}
	return dst, true
}

// Bytes that survive unescaped when a changed component is re-encoded.
// Both keep '[' and ']' so that tags such as "[email]" stay readable in
// logs, and '{' and '}' for "{id}" (in a path, or in a URL inside a query
// value); neither keeps the delimiters of its own context.
var (
	pathSafe  = percent.Safe("-._~!$&'()*+,=:@[]{}")
	querySafe = percent.Safe("-._~!$'()*,:@/?[]{}")
)

// appendEscape appends s percent-encoded: bytes not in safe become %XX, and
// a space becomes '+' when form is set.
func appendEscape(dst, s []byte, safe *[256]bool, form bool) []byte {
	return percent.AppendEncode(dst, s, safe, form)
}

// Credential-like parameter names. A parameter whose name holds one of
// these words has its value replaced, whatever the value looks like: a
// password or a one-time code can be a plain word or a short number. The
// name is split into words at separators, at camel-case humps and around
// digits (resetToken, sig2, X-Amz-Signature), and each word is checked:
//
//   - as a whole against credentialWords;
//   - for run-together names (resettoken, clientsecret), by its ending:
//     credentialEndings always count, the short and common
//     credentialStems only after a head from credentialHeads, so that
//     accesskey and authcode count but monkey, zipcode, bypass, preset and
//     inside do not;
//   - by its beginning against credentialBeginnings (tokenid,
//     sessionkey), except for plurals, which are counts (tokens_left).
//
// The words "key" and "code" do not count after a word from
// plainQualifiers: country_code, status_code and sort_key are not secrets.
var (
	credentialWords = []string{
		"password", "passwd", "pass", "pwd", "pw", "passcode",
		"passphrase", "passkey", "secret", "token", "key", "apikey", "auth",
		"oauth", "code", "reset", "sig", "signature", "otp", "totp", "hotp",
		"mfa", "nonce", "session", "sid", "sessid", "csrf", "xsrf", "jwt",
		"hmac", "credential", "credentials", "pin", "bearer",
		// One-time links: their value is the token.
		"activation", "activate", "invite", "invitation", "confirm",
		"confirmation", "verify", "verification", "magic",
	}
	credentialEndings = []string{
		"token", "secret", "password", "passwd", "pwd", "passcode",
		"passphrase", "apikey", "nonce", "sessionid", "sessid", "signature",
		"otp", "csrf", "xsrf", "jwt",
	}
	credentialStems = []string{
		"key", "code", "pass", "sig", "sid", "auth", "session", "reset", "pin",
	}
	credentialHeads = []string{
		"access", "refresh", "api", "secret", "private", "client", "session",
		"auth", "oauth", "reset", "verify", "verification", "confirm",
		"confirmation", "activation", "activate", "otp", "sms", "email",
		"mail", "security", "login", "signin", "user", "admin", "app",
		"account", "bearer", "magic", "invite", "invitation", "recovery",
		"pass", "sign", "signing", "encryption", "license", "licence",
		"master", "unlock", "temp", "php", "j", "asp", "web", "device",
		"share", "download", "upload", "mfa", "totp", "pin", "promo",
		"coupon", "voucher", "discount", "gift", "redeem", "o", "x",
	}
	credentialBeginnings = []string{
		"password", "passwd", "passcode", "passphrase", "secret", "token",
		"nonce", "session", "apikey", "signature", "csrf", "xsrf",
	}
	plainQualifiers = []string{
		"country", "currency", "lang", "language", "locale", "region",
		"area", "status", "error", "http", "response", "iso", "color",
		"colour", "product", "sku", "item", "bar", "qr", "source", "exit",
		"return", "reason", "sort", "order", "group", "cache", "primary",
		"foreign", "hot", "short", "tracking", "campaign", "event", "dial",
	}
)

var (
	// credentialTails and credentialFronts hold the last and first three
	// letters of every word and ending above, and of every beginning: a
	// word found in neither cannot be credential-like, which spares the
	// lists for most names.
	credentialTails, credentialFronts, credentialAny = trigramSets()

	credentialWordSet = stringSet(credentialWords)
	credentialHeadSet = stringSet(credentialHeads)
	plainQualifierSet = stringSet(plainQualifiers)
)

// trigram returns the index of three lower-case letters, or -1.
func trigram(w []byte) int {
	i := 0
	for _, c := range w[:3] {
		if c < 'a' || c > 'z' {
			return -1
		}
		i = i*26 + int(c-'a')
	}
	return i
}

func trigramSets() (tails, fronts, any *[26 * 26 * 26]bool) {
	tails, fronts, any = new([26 * 26 * 26]bool), new([26 * 26 * 26]bool), new([26 * 26 * 26]bool)
	for _, list := range [][]string{credentialWords, credentialEndings, credentialStems} {
		for _, w := range list {
			if len(w) >= 3 {
				tails[trigram([]byte(w[len(w)-3:]))] = true
			}
		}
	}
	for _, w := range credentialBeginnings {
		fronts[trigram([]byte(w[:3]))] = true
	}
	for i := range any {
		any[i] = tails[i] || fronts[i]
	}
	return tails, fronts, any
}

// maybeCredential is a quick first test on a lower-case decoded name: a
// credential-like word of three letters or more ends (or a beginning
// starts) with a trigram of credentialAny, and the only shorter one is
// "pw". Most names (page, sort, utm_source) fail it after one pass.
func maybeCredential(lower []byte) bool {
	t := 0 // the last three letters, base 26
	letters := 0
	for i, c := range lower {
		if c < 'a' || c > 'z' {
			letters = 0
			continue
		}
		t = (t*26 + int(c-'a')) % (26 * 26 * 26)
		if letters++; letters >= 3 && credentialAny[t] {
			return true
		}
		if letters >= 2 && c == 'w' && lower[i-1] == 'p' {
			return true
		}
	}
	return false
}

func stringSet(list []string) map[string]struct{} {
	m := make(map[string]struct{}, len(list))
	for _, s := range list {
		m[s] = struct{}{}
	}
	return m
}

// credentialName reports whether a decoded parameter name, in its own
// case, is credential-like.
func credentialName(name []byte) bool {
	if shape.IsTag(name) {
		// A detector's tag, such as [jwt], that replaced the name: judging
		// it again would make scrubbing twice change the value.
		return false
	}
	var word, prev [maxName]byte
	var nw, np int
	found := false
	flush := func() {
		if nw == 0 {
			return
		}
		if credentialWord(word[:nw], prev[:np]) {
			found = true
		}
		np = copy(prev[:], word[:nw])
		nw = 0
	}
	for i := 0; i < len(name) && !found; i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z' || c >= 0x80:
			// An acronym followed by a word (XSRFToken): the last capital
			// starts the word.
			if nw >= 2 && i >= 2 && isUpperASCII(name[i-1]) && isUpperASCII(name[i-2]) {
				last := word[nw-1]
				nw--
				flush()
				word[0] = last
				nw = 1
			}
		case 'A' <= c && c <= 'Z':
			if i > 0 && ('a' <= name[i-1] && name[i-1] <= 'z' || name[i-1] >= 0x80) {
				flush()
			}
			c += 'a' - 'A'
		default: // digits and separators end a word
			flush()
			continue
		}
		if nw < len(word) {
			word[nw] = c
			nw++
		}
	}
	flush()
	return found
}

func isUpperASCII(c byte) bool { return 'A' <= c && c <= 'Z' }

// credentialWord reports whether a lower-case word of a parameter name is
// credential-like; prev is the word before it.
func credentialWord(w, prev []byte) bool {
	if len(w) < 3 {
		return string(w) == "pw"
	}
	if t := trigram(w[len(w)-3:]); t < 0 || !credentialTails[t] {
		if f := trigram(w[:3]); f < 0 || !credentialFronts[f] {
			return false
		}
	}
	if _, ok := credentialWordSet[string(w)]; ok {
		if string(w) == "key" || string(w) == "code" {
			_, plain := plainQualifierSet[string(prev)]
			return !plain
		}
		return true
	}
	for _, s := range credentialEndings {
		if len(w) > len(s) && string(w[len(w)-len(s):]) == s {
			return true
		}
	}
	for _, s := range credentialStems {
		if len(w) > len(s) && string(w[len(w)-len(s):]) == s {
			if _, ok := credentialHeadSet[string(w[:len(w)-len(s)])]; ok {
				return true
			}
		}
	}
	for _, s := range credentialBeginnings {
		if len(w) > len(s) && string(w[:len(s)]) == s && !(len(w) == len(s)+1 && w[len(s)] == 's') {
			return true
		}
	}
	return false
}
