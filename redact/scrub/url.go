package scrub

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/internal/percent"
	"github.com/caddy-privacy/caddy-privacy/redact/shape"
)

// Built-in query parameter lists. Names are matched case-insensitively
// after percent-decoding; "x*" is a prefix and "*x" a suffix. Sources: the
// OAuth 2.0 and OpenID Connect specifications (RFC 6749, RFC 7636), AWS
// and Google Cloud signed URL documentation, and the click-id parameters
// the ad platforms document for their auto-tagging.
var (
	// denyCredentials are tokens, secrets, one-time codes and signatures.
	// An OAuth "code" is a credential: it can be exchanged for a token.
	denyCredentials = []string{
		"token", "access_token", "accesstoken", "id_token", "idtoken",
		"refresh_token", "refreshtoken", "auth", "auth_token", "authtoken",
		"authorization", "code", "state", "nonce", "code_verifier",
		"ticket", "otp", "pin", "jwt", "assertion", "hash", "hmac",
		"key", "api_key", "apikey", "api-key", "auth_key", "authkey",
		"signature", "sig", "sign", "secret", "client_secret", "private_token",
		"password", "passwd", "pwd", "pass",
		"samlrequest", "samlresponse", "relaystate",
		"x-amz-credential", "x-amz-signature", "x-amz-security-token",
		"awsaccesskeyid", "x-goog-credential", "x-goog-signature",
		"googleaccessid",
		"*token", "*secret", "*password", "*passwd",
	}
	// denySessions are session ids.
	denySessions = []string{
		"sid", "sess", "session", "sessid", "sessionid", "session_id",
		"jsessionid", "phpsessid", "aspsessionid*", "cfid", "cftoken",
		"*sessionid", "*session_id",
	}
	// denyPersonal are names, contact details, precise location, national
	// or account numbers and device or visitor ids (cid is the Google
	// Analytics client id).
	denyPersonal = []string{
		"email", "e-mail", "mail", "email_address", "emailaddress", "cc",
		"name", "first_name", "firstname", "fname", "last_name", "lastname",
		"lname", "surname", "fullname", "full_name", "username", "user_name",
		"user", "login", "user_id", "userid", "uid", "customer_id",
		"customerid", "phone", "phone_number", "telephone", "tel", "mobile",
		"address", "street", "postcode", "postal_code", "zip", "zipcode",
		"dob", "birthday", "birthdate", "ip", "ip_address", "ssn", "nino",
		"iban", "lat", "lng", "lon", "long", "latitude", "longitude",
		"uuid", "guid", "cid", "device_id", "deviceid", "visitor_id",
		"visitorid", "anonymous_id", "anonymousid",
	}
	// clickIDs are the parameters ad, analytics and e-mail platforms add
	// to links to join a visit to a click, a person or a profile
	// elsewhere.
	clickIDs = []string{
		"gclid", "gclsrc", "gbraid", "wbraid", "dclid", "srsltid",
		"_gl", "_ga", "_gac", "fbclid", "msclkid", "ttclid", "twclid",
		"li_fat_id", "yclid", "ysclid", "rdt_cid", "sccid", "qclid",
		"irclickid", "s_kwcid", "ef_id", "epik", "igshid", "igsh",
		"mc_eid", "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp",
		"hsctatracking", "mkt_tok", "_kx", "oly_enc_id", "oly_anon_id",
		"vero_id", "wickedid",
	}
	// allowBuiltin are kept in "allow" mode: paging, sorting, language,
	// presentation and the campaign-level utm parameters. Left out on
	// purpose: q and other search terms (free text), id (often a person's
	// record), ref (often a referrer's user name) and utm_term (the words
	// a visitor searched for).
	allowBuiltin = []string{
		"page", "p", "pg", "sort", "sort_by", "sortby", "order", "order_by",
		"orderby", "dir", "lang", "language", "locale", "hl", "category",
		"cat", "limit", "offset", "per_page", "page_size", "view", "tab",
		"format", "type", "v", "ver", "version", "theme", "currency",
		"utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_id",
	}
)

var (
	builtinDeny   nameSet
	builtinSecret nameSet // credentials and session ids, matched as nested keys too
	builtinAllow  nameSet
	clickIDSet    ParamSet
)

func init() {
	builtinSecret.add(denyCredentials...)
	builtinSecret.add(denySessions...)
	builtinDeny.add(denyCredentials...)
	builtinDeny.add(denySessions...)
	builtinDeny.add(denyPersonal...)
	builtinDeny.add(clickIDs...)
	builtinAllow.add(allowBuiltin...)
	clickIDSet.names.add(clickIDs...)
}

// ClickIDs returns the click-id parameters that StripClickIDs removes and
// that URL always removes in "deny" mode: gclid, gclsrc, gbraid, wbraid,
// dclid, srsltid, _gl, _ga, _gac, fbclid, msclkid, ttclid, twclid,
// li_fat_id, yclid, ysclid, rdt_cid, sccid, qclid, irclickid, s_kwcid,
// ef_id, epik, igshid, igsh, mc_eid, _hsenc, _hsmi, __hssc, __hstc,
// __hsfp, hsctatracking, mkt_tok, _kx, oly_enc_id, oly_anon_id, vero_id
// and wickedid. The slice is a copy.
func ClickIDs() []string { return slices.Clone(clickIDs) }

// URL scrubs URLs: request URIs, referrers and the page URLs in analytics
// beacons. It is safe for concurrent use.
//
// What it does, in order:
//
//   - The userinfo of an absolute URL (https://user:pass@host/) is removed.
//   - The host and every path segment go through the TextFunc, decoded
//     first, so /users/jane@example.com/ and /users/jane%40example.com/
//     are both caught.
//   - A path segment that is, once through the TextFunc, still an
//     identifier by its shape (see package shape: more than 6 digits, a
//     UUID, long hex, a random-looking token) becomes "{id}", keeping a
//     file extension ("{id}.pdf"), so /api/v1/users/48213377/enrolments
//     becomes /api/v1/users/{id}/enrolments; an e-mail-like one becomes
//     "[email]". PathIDs "keep" turns this off.
//   - Path (matrix) parameters such as ;jsessionid=… are removed when
//     their name is on the deny lists, in both modes.
//   - Query parameters are split on '&' and also on ';', the separator
//     older servers accept, so that nothing hides behind it. In "deny"
//     mode (the default) the parameters on the built-in deny list and in
//     Deny are removed and the names and values of the others go through
//     the TextFunc. In "allow" mode only those on the built-in allow list
//     and in Allow are kept (Deny still wins), their names and values
//     through the TextFunc; the built-in deny list does not apply there, so
//     Allow can keep, say, a product "code".
//   - Query names and values are form-decoded ('+' and %20 are spaces)
//     before the TextFunc sees them, so /contact?msg=call+me+on+07700+900123
//     finds the phone number. A value that decodes to a space and then an
//     international-length number (tel=+447700900123, whose '+' became a
//     space) is shown to the TextFunc with its '+'.
//   - A kept parameter whose name is credential-like (it holds a word such
//     as password, pass, pwd, secret, token, key, auth, code, reset, sig,
//     otp, nonce, session or sid: resetToken, api_key, sig2; but not
//     keyword, passenger, authors, zipcode or country_code) has its value
//     replaced by "[redacted]", whatever the value; the name stays, so the
//     log stays readable.
//   - A kept value that is, once through the TextFunc, still an
//     identifier by its shape becomes "[redacted]", whatever its name
//     (reset=Gq2xK9mPqRt4LwZ8); an e-mail-like one becomes "[email]".
//     Free text (several words) keeps its words, with each word that is
//     an identifier replaced, and then goes through the free-text hook
//     (WithFreeText). Short numbers, words, slugs, ISO dates and enum
//     values stay: page=2, sort=price_asc, lang=en-GB,
//     utm_source=newsletter. A parameter without '=' is judged like a
//     value. KeepValues exempts parameters from both rules, and in
//     "allow" mode a name in Allow is exempt from the name rule (Allow can
//     keep a product "code").
//   - A query value that is itself a URL, such as a redirect target
//     (next=%2Freset%3Ftoken%3D…), is scrubbed as a URL, two levels deep.
//   - The fragment is removed unless KeepFragment is set; a kept fragment
//     is scrubbed like a path and, after '?' or when it holds '=' (an
//     OAuth implicit-flow fragment), like a query.
//
// The built-in deny list, matched case-insensitively after
// percent-decoding ("x*" is a prefix, "*x" a suffix; a[b] style names are
// also matched by their base, so email[] is denied, and by their last key
// against the credentials and session ids, so user[password] is denied):
//
//   - credentials: token, access_token, accesstoken, id_token, idtoken,
//     refresh_token, refreshtoken, auth, auth_token, authtoken,
//     authorization, code, state, nonce, code_verifier, ticket, otp, pin,
//     jwt, assertion, hash, hmac, key, api_key, apikey, api-key, auth_key,
//     authkey, signature, sig, sign, secret, client_secret, private_token,
//     password, passwd, pwd, pass, samlrequest, samlresponse, relaystate,
//     x-amz-credential, x-amz-signature, x-amz-security-token,
//     awsaccesskeyid, x-goog-credential, x-goog-signature, googleaccessid,
//     and any name ending in token, secret, password or passwd;
//   - session ids: sid, sess, session, sessid, sessionid, session_id,
//     jsessionid, phpsessid, aspsessionid*, cfid, cftoken, and any name
//     ending in sessionid or session_id;
//   - personal data: email, e-mail, mail, email_address, emailaddress, cc,
//     name, first_name, firstname, fname, last_name, lastname, lname,
//     surname, fullname, full_name, username, user_name, user, login,
//     user_id, userid, uid, customer_id, customerid, phone, phone_number,
//     telephone, tel, mobile, address, street, postcode, postal_code, zip,
//     zipcode, dob, birthday, birthdate, ip, ip_address, ssn, nino, iban,
//     lat, lng, lon, long, latitude, longitude, uuid, guid, cid (the Google
//     Analytics client id), device_id, deviceid, visitor_id, visitorid,
//     anonymous_id, anonymousid;
//   - click ids: every name ClickIDs returns.
//
// The built-in allow list: page, p, pg, sort, sort_by, sortby, order,
// order_by, orderby, dir, lang, language, locale, hl, category, cat,
// limit, offset, per_page, page_size, view, tab, format, type, v, ver,
// version, theme, currency, utm_source, utm_medium, utm_campaign,
// utm_content and utm_id. It leaves out q and other search terms (free
// text), id (often a person's record), ref (often a referrer's user name)
// and utm_term (the words a visitor searched for).
type URL struct {
	allowMode     bool
	keepFragment  bool
	keepPathIDs   bool
	userDeny      nameSet
	userAllow     nameSet
	keepValues    nameSet
	hasKeepValues bool
	text          TextFunc
	freeText      TextFunc // nil: none
}

// URLOption adds to what a URL scrubber does.
type URLOption func(*URL)

// WithFreeText sets a function that scrubs free-text values: query values
// and path segments of several words (a site search, a message), after
// the TextFunc has found nothing in them and after the words that are
// identifiers by their shape have been replaced. It is the place for
// detectors that only make sense in prose, such as person names.
func WithFreeText(f TextFunc) URLOption {
	return func(u *URL) { u.freeText = f }
}

// NewURL returns a URL scrubber for the policy. text scrubs free text;
// nil keeps it as it is (for when every detector is off). An empty Query
// means "deny", an empty PathIDs "tag".
func NewURL(p config.URLPolicy, text TextFunc, opts ...URLOption) (*URL, error) {
	u := &URL{keepFragment: p.KeepFragment, text: text}
	switch p.PathIDs {
	case "", config.PathIDsTag:
	case config.PathIDsKeep:
		u.keepPathIDs = true
	default:
		return nil, fmt.Errorf("url.path_ids: %q is not a choice; want %q or %q", p.PathIDs, config.PathIDsTag, config.PathIDsKeep)
	}
	switch p.Query {
	case "", config.QueryDeny:
	case config.QueryAllow:
		u.allowMode = true
	default:
		return nil, fmt.Errorf("url.query: %q is not a query mode; want %q or %q", p.Query, config.QueryDeny, config.QueryAllow)
	}
	if err := checkNames("url.allow", p.Allow); err != nil {
		return nil, err
	}
	if err := checkNames("url.deny", p.Deny); err != nil {
		return nil, err
	}
	if err := checkNames("url.keep_values", p.KeepValues); err != nil {
		return nil, err
	}
	u.userAllow.add(p.Allow...)
	u.userDeny.add(p.Deny...)
	u.keepValues.add(p.KeepValues...)
	u.hasKeepValues = len(p.KeepValues) > 0
	if u.text == nil {
		u.text = appendSame
	}
	for _, o := range opts {
		o(u)
	}
	return u, nil
}

// Append appends the scrubbed form of src to dst and returns the extended
// buffer. src is an absolute URL ("https://host/path?query#fragment"), a
// scheme-relative or relative reference, or a request target
// ("/path?query"); "-" and the empty string are appended as they are. The
// output keeps the scheme, host and path structure. dst and src must not
// overlap. Nothing is allocated when dst has room.
//
// A parameter whose name has a malformed percent-escape (%4, %zz) is
// removed; a kept value, path segment or host with one becomes
// "[redacted]".
func (u *URL) Append(dst, src []byte) []byte {
	if len(src) == 0 || len(src) == 1 && src[0] == '-' {
		return append(dst, src...)
	}
	return u.appendURL(dst, src, maxNesting)
}

// maxNesting is how deep URLs inside query values are scrubbed as URLs;
// deeper ones go through the TextFunc as plain text.
const maxNesting = 2

// appendURL scrubs a URL; nesting is how many levels of URLs in its query
// values are still scrubbed as URLs.
func (u *URL) appendURL(dst, src []byte, nesting int) []byte {
	rest, frag, hasFrag := cut(src, '#')
	rest, query, hasQuery := cut(rest, '?')

	if n := schemeLen(rest); n > 0 {
		dst = append(dst, rest[:n+1]...)
		rest = rest[n+1:]
	}
	if len(rest) >= 2 && rest[0] == '/' && rest[1] == '/' {
		dst = append(dst, "//"...)
		rest = rest[2:]
		end := bytes.IndexByte(rest, '/')
		if end < 0 {
			end = len(rest)
		}
		auth := rest[:end]
		rest = rest[end:]
		if at := bytes.LastIndexByte(auth, '@'); at >= 0 {
			auth = auth[at+1:] // userinfo
		}
		dst = u.appendComponent(dst, auth, &pathSafe, false, 0, judgeNone)
	}
	dst = u.appendPath(dst, rest)
	if hasQuery {
		dst = append(dst, '?')
		n := len(dst)
		if dst = u.appendParams(dst, query, nesting); len(dst) == n {
			dst = dst[:n-1] // every parameter was removed
		}
	}
	if hasFrag && u.keepFragment {
		dst = append(dst, '#')
		dst = u.appendFragment(dst, frag, nesting)
	}
	return dst
}

// AppendQuery appends the scrubbed form of a raw query string, without its
// '?', to dst and returns the extended buffer. A leading '?' is skipped so
// that it cannot hide the first parameter's name. Nothing is appended when
// every parameter is removed.
func (u *URL) AppendQuery(dst, rawQuery []byte) []byte {
	if len(rawQuery) > 0 && rawQuery[0] == '?' {
		rawQuery = rawQuery[1:]
	}
	return u.appendParams(dst, rawQuery, maxNesting)
}

func (u *URL) appendFragment(dst, frag []byte, nesting int) []byte {
	path, query, hasQuery := cut(frag, '?')
	if !hasQuery && bytes.IndexByte(frag, '=') >= 0 {
		return u.appendParams(dst, frag, nesting)
	}
	dst = u.appendPath(dst, path)
	if hasQuery {
		dst = append(dst, '?')
		dst = u.appendParams(dst, query, nesting)
	}
	return dst
}

func (u *URL) appendPath(dst, path []byte) []byte {
	// Most paths are plain lower-case words, slugs and small numbers: one
	// pass over the whole path spares judging each segment.
	j := judgePath
	if u.keepPathIDs || shape.Plain(path) {
		j = judgeNone
	}
	for {
		i := bytes.IndexByte(path, '/')
		if i < 0 {
			return u.appendSegment(dst, path, j)
		}
		dst = u.appendSegment(dst, path[:i], j)
		dst = append(dst, '/')
		path = path[i+1:]
	}
}

// appendSegment appends a path segment and its kept path parameters,
// judged as j says.
func (u *URL) appendSegment(dst, seg []byte, j judge) []byte {
	seg, params, hasParams := cut(seg, ';')
	dst = u.appendComponent(dst, seg, &pathSafe, false, 0, j)
	for hasParams {
		var p []byte
		p, params, hasParams = cut(params, ';')
		name, _, _ := cut(p, '=')
		var buf [maxName]byte
		n, ok := decodeName(&buf, name)
		if !ok || builtinDenied(buf[:n]) || u.userDeny.matchBase(buf[:n]) {
			continue
		}
		dst = append(dst, ';')
		dst = u.appendComponent(dst, p, &pathSafe, false, 0, j)
	}
	return dst
}

// appendParams appends the kept parameters of a query, each after the
// separator that came before it.
func (u *URL) appendParams(dst, q []byte, nesting int) []byte {
	var sep byte // separator before the current parameter
	wrote := false
	for len(q) > 0 {
		p := q
		next := byte(0)
		if i := bytes.IndexAny(q, "&;"); i >= 0 {
			p, next, q = q[:i], q[i], q[i+1:]
		} else {
			q = nil
		}
		if len(p) > 0 {
			dst, wrote = u.appendParam(dst, p, sep, wrote, nesting)
		}
		sep = next
	}
	return dst
}

func (u *URL) appendParam(dst, p []byte, sep byte, wrote bool, nesting int) ([]byte, bool) {
	name, value, hasValue := cut(p, '=')
	var buf [maxName]byte
	n, ok := decodeName(&buf, name)
	lower := buf[:n]
	if !ok || !u.keep(lower) {
		return dst, wrote
	}
	if wrote {
		if sep == 0 {
			sep = '&'
		}
		dst = append(dst, sep)
	}
	keepValue := u.hasKeepValues && u.keepValues.matchBase(lower)
	if !hasValue {
		// A parameter without '=' is a value: /confirm?Gq2xK9mPqRt4LwZ8.
		j := judgeValue
		if keepValue {
			j = judgeNone
		}
		return u.appendComponent(dst, name, &querySafe, true, 0, j), true
	}
	// Even an allowed name goes through the TextFunc: an allowed prefix
	// such as promo_* says nothing about the rest of the name.
	dst = u.appendComponent(dst, name, &querySafe, true, 0, judgeNone)
	dst = append(dst, '=')
	switch {
	case keepValue:
		return u.appendComponent(dst, value, &querySafe, true, nesting, judgeNone), true
	case len(value) > 0 && maybeCredential(lower) && !(u.allowMode && u.userAllow.match(lower)) && u.credentialName(name):
		return append(dst, redacted...), true
	}
	return u.appendComponent(dst, value, &querySafe, true, nesting, judgeValue), true
}

// credentialName reports whether a raw parameter name is credential-like
// once decoded.
func (u *URL) credentialName(raw []byte) bool {
	var buf [maxName]byte
	n := 0
	for i := 0; i < len(raw) && n < len(buf); i++ {
		c := raw[i]
		switch {
		case c == '%' && i+2 < len(raw) && percent.IsHex(raw[i+1]) && percent.IsHex(raw[i+2]):
			c = percent.Unhex(raw[i+1])<<4 | percent.Unhex(raw[i+2])
			i += 2
		case c == '+':
			c = ' '
		}
		buf[n] = c
		n++
	}
	return credentialName(buf[:n])
}

// keep reports whether a parameter with the lower-case decoded name stays.
func (u *URL) keep(name []byte) bool {
	if u.userDeny.matchBase(name) {
		return false
	}
	if u.allowMode {
		return builtinAllow.match(name) || u.userAllow.match(name)
	}
	return !builtinDenied(name)
}

// builtinDenied reports whether a lower-case decoded parameter name is on
// the built-in deny list.
func builtinDenied(name []byte) bool {
	return builtinDeny.matchBase(name) || builtinSecret.matchLastKey(name)
}

// judge says how a component is judged by its shape once through the
// TextFunc.
type judge uint8

const (
	judgeNone  judge = iota // hosts, query names, kept values: not at all
	judgePath               // path segments: an identifier becomes {id}
	judgeValue              // query values: an identifier becomes [redacted]
)

// Tags written in place of what a segment or value held.
const (
	idTag    = "{id}"
	emailTag = "[email]"
)

// appendComponent appends one path segment, query name or query value:
// decoded, through the TextFunc, then judged by its shape as j says, and
// as it was if that changed nothing, re-encoded if it did. A malformed
// escape makes it "[redacted]". If nesting is above 0, a value that is
// itself a URL (a redirect target such as next=%2Freset%3Ftoken%3D…) is
// scrubbed as a URL instead, so that its parameters are judged by name
// too.
func (u *URL) appendComponent(dst, raw []byte, safe *[256]bool, form bool, nesting int, j judge) []byte {
	start := len(dst)
	decoded := raw
	if bytes.IndexByte(raw, '%') >= 0 || form && bytes.IndexByte(raw, '+') >= 0 {
		var ok bool
		if dst, ok = appendUnescape(dst, raw, form); !ok {
			return append(dst, redacted...)
		}
		decoded = dst[start:]
	}
	if form && len(decoded) > 1 && decoded[0] == ' ' && isIntlNumber(decoded[1:]) {
		// The '+' of +447700900123 became a space: give it back, so that
		// the detectors see an international number.
		if len(dst) == start {
			dst = append(dst, decoded...)
			decoded = dst[start:]
		}
		decoded[0] = '+'
	}
	mid := len(dst)
	if nesting > 0 && isNestedURL(decoded) {
		dst = u.appendURL(dst, decoded, nesting-1)
	} else {
		dst = u.text(dst, decoded)
		// What the TextFunc made of it is judged, not what it got: its
		// tags and pseudonyms are harmless, so judging again changes
		// nothing. Fewer than 6 bytes make no identifier or address;
		// only the free-text hook wants to see short text.
		if j != judgeNone && (len(dst)-mid >= 6 || u.freeText != nil) {
			dst = u.judgeShape(dst, mid, raw, form, j)
		}
	}
	out := dst[mid:]
	if bytes.Equal(out, decoded) {
		return append(dst[:start], raw...)
	}
	// Changed: escape out behind itself, then move it down to start. copy
	// handles the overlap.
	end := len(dst)
	dst = appendEscape(dst, out, safe, form)
	n := copy(dst[start:], dst[end:])
	return dst[:start+n]
}

// judgeShape judges dst[mid:], a decoded component as the TextFunc left
// it, by its shape and replaces it as it must be: an identifier becomes {id}
// (in a path, keeping a file extension) or [redacted] (in a query), an
// e-mail address [email]; in free text only the words that are
// identifiers are replaced, and the rest goes through the free-text hook.
func (u *URL) judgeShape(dst []byte, mid int, raw []byte, form bool, j judge) []byte {
	v := dst[mid:]
	c := shape.Of(v)
	if c == shape.Text && form && bytes.IndexByte(raw, '+') >= 0 && !hasIDWord(v) {
		// Base64 keeps its '+' raw; form decoding made words of it.
		c = plusKeptClass(dst, raw)
	}
	switch c {
	case shape.ID:
		if j == judgeValue {
			return append(dst[:mid], redacted...)
		}
		var ext [maxExt]byte
		n := copy(ext[:], extension(v))
		dst = append(dst[:mid], idTag...)
		if n > 0 {
			dst = append(dst, '.')
			dst = append(dst, ext[:n]...)
		}
		return dst
	case shape.Email:
		return append(dst[:mid], emailTag...)
	case shape.Text:
		end := len(dst)
		dst = u.appendText(dst, dst[mid:end], j)
		n := copy(dst[mid:], dst[end:])
		return dst[:mid+n]
	}
	return dst
}

// hasIDWord reports whether a word of free text is an identifier or an
// e-mail address by its shape.
func hasIDWord(text []byte) bool {
	found := false
	shape.Words(text, func(int, int, shape.Class) { found = true })
	return found
}

// plusKeptClass judges raw percent-decoded with '+' kept, using the
// room behind dst; it is shape.Text when raw does not decode.
func plusKeptClass(dst, raw []byte) shape.Class {
	mid := len(dst)
	scratch, ok := appendUnescape(dst, raw, false)
	if !ok || shape.Of(scratch[mid:]) != shape.ID {
		return shape.Text
	}
	return shape.ID
}

// appendText appends free text with each word that is an identifier or an
// e-mail address by its shape replaced, then through the free-text hook.
func (u *URL) appendText(dst, text []byte, j judge) []byte {
	mid := len(dst)
	last := 0
	shape.Words(text, func(start, end int, c shape.Class) {
		dst = append(dst, text[last:start]...)
		switch {
		case c == shape.Email:
			dst = append(dst, emailTag...)
		case j == judgePath:
			dst = append(dst, idTag...)
		default:
			dst = append(dst, redacted...)
		}
		last = end
	})
	dst = append(dst, text[last:]...)
	if u.freeText == nil {
		return dst
	}
	end := len(dst)
	dst = u.freeText(dst, dst[mid:end])
	n := copy(dst[mid:], dst[end:])
	return dst[:mid+n]
}

// maxExt is the longest file extension kept after {id}.
const maxExt = 5

// extension returns the file extension of a path segment, without its
// dot: one to maxExt letters and digits, starting with a letter, after a
// non-empty name. It is empty when there is none.
func extension(seg []byte) []byte {
	dot := bytes.LastIndexByte(seg, '.')
	if dot <= 0 || len(seg)-dot-1 < 1 || len(seg)-dot-1 > maxExt {
		return nil
	}
	ext := seg[dot+1:]
	if !('a' <= ext[0] && ext[0] <= 'z' || 'A' <= ext[0] && ext[0] <= 'Z') {
		return nil
	}
	for _, c := range ext {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return nil
		}
	}
	return ext
}

// isIntlNumber reports whether s, what follows a space at the start of a
// form-decoded value, is a telephone number of international length: 8 to
// 15 digits (E.164), starting with a digit, perhaps grouped by spaces,
// dots, dashes or parentheses.
func isIntlNumber(s []byte) bool {
	if len(s) == 0 || s[0] < '1' || s[0] > '9' {
		return false
	}
	digits := 0
	for _, c := range s {
		switch {
		case '0' <= c && c <= '9':
			digits++
		case c == ' ' || c == '.' || c == '-' || c == '(' || c == ')':
		default:
			return false
		}
	}
	return digits >= 8 && digits <= 15
}

// isNestedURL reports whether a decoded query value is a URL worth
// scrubbing as one: absolute http(s), or a path.
func isNestedURL(v []byte) bool {
	return len(v) > 0 && v[0] == '/' || hasPrefixFold(v, "http://") || hasPrefixFold(v, "https://")
}

// cut is bytes.Cut around a single byte.
func cut(s []byte, sep byte) (before, after []byte, found bool) {
	if i := bytes.IndexByte(s, sep); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, nil, false
}

// schemeLen returns the length of the scheme at the start of s (RFC 3986:
// ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) followed by ':'), or 0.
func schemeLen(s []byte) int {
	for i, c := range s {
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case c == ':' && i > 0:
			return i
		default:
			return 0
		}
	}
	return 0
}

// ParamSet is a set of query parameter names, matched case-insensitively
// after percent-decoding; a name ending in "*" is a prefix. It is safe for
// concurrent use.
type ParamSet struct {
	names nameSet
}

// NewParamSet returns the set of the given names.
func NewParamSet(names []string) (*ParamSet, error) {
	if err := checkNames("names", names); err != nil {
		return nil, err
	}
	s := new(ParamSet)
	s.names.add(names...)
	return s, nil
}

// Contains reports whether name, as it appears in a raw query, is in the
// set.
func (s *ParamSet) Contains(name string) bool {
	var buf [maxName]byte
	n, ok := decodeName(&buf, name)
	return ok && s.names.match(buf[:n])
}

// Strip removes the parameters in the set from a raw query string (without
// its '?') and reports whether it removed any. It is meant for the URL the
// upstream sees, so everything else is left exactly as it was: only '&'
// separates parameters, as in net/url, and names that cannot be decoded
// are kept. When nothing is removed it returns rawQuery itself and
// allocates nothing.
func (s *ParamSet) Strip(rawQuery string) (string, bool) {
	q := rawQuery
	first := -1 // start of the first parameter to remove
	for pos := 0; len(q) > 0; {
		p, rest, found := strings.Cut(q, "&")
		if s.Contains(paramName(p)) {
			first = pos
			break
		}
		pos += len(p) + 1
		if !found {
			break
		}
		q = rest
	}
	if first < 0 {
		return rawQuery, false
	}
	var b strings.Builder
	b.Grow(len(rawQuery))
	b.WriteString(strings.TrimSuffix(rawQuery[:first], "&"))
	for q := rawQuery[first:]; ; {
		p, rest, found := strings.Cut(q, "&")
		if !s.Contains(paramName(p)) {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(p)
		}
		if !found {
			break
		}
		q = rest
	}
	return b.String(), true
}

func paramName(p string) string {
	name, _, _ := strings.Cut(p, "=")
	return name
}

// StripClickIDs removes the parameters ClickIDs lists from a raw query
// string, for the URL the upstream sees when marketing is not consented to.
// It is ParamSet.Strip for that set: it returns rawQuery itself, false and
// allocates nothing when there is none.
func StripClickIDs(rawQuery string) (string, bool) {
	return clickIDSet.Strip(rawQuery)
}
