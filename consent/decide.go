package consent

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/internal/httpsyntax"
)

// Source names the signal that had the final say on a Decision. Its String
// is a fixed, identifier-free word, fit for a metrics label.
type Source uint8

// The sources, from SourceNone to SourceDNT.
const (
	// SourceNone: no signal at all, so the strict default applies. Also the
	// Cookie of a Decision when no consent cookie was sent or the format is
	// "none".
	SourceNone Source = iota
	// SourceCookie: a consent cookie was read.
	SourceCookie
	// SourceUnreadable: a consent cookie was sent but could not be read,
	// so the strict default applies.
	SourceUnreadable
	// SourceGPC: Sec-GPC: 1 was sent; it overrides the cookie.
	SourceGPC
	// SourceDNT: DNT: 1 was sent and the policy honours it; it overrides the
	// cookie.
	SourceDNT
)

var sourceNames = [...]string{"none", "cookie", "unreadable", "gpc", "dnt"}

// String returns "none", "cookie", "unreadable", "gpc" or "dnt".
func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return "unknown"
}

// Decision is the consent decided for one request.
type Decision struct {
	// Granted is what the visitor has granted. It always includes
	// Necessary.
	Granted Set

	// GPC and DNT report whether Sec-GPC: 1 and DNT: 1 were sent, whether
	// or not the policy lets DNT deny anything.
	GPC, DNT bool

	// Cookie is what became of the consent cookie: SourceNone (none sent,
	// or the format is "none"), SourceCookie (read) or SourceUnreadable
	// (sent but unreadable, or sent twice and one copy unreadable).
	Cookie Source

	// Source is the signal with the final say: SourceGPC when Sec-GPC: 1
	// was sent, else SourceDNT when an honoured DNT: 1 was sent, else
	// Cookie.
	Source Source
}

// Has reports whether the decision grants c.
func (d Decision) Has(c Category) bool { return d.Granted.Has(c) }

// Label returns Source as a metrics label: one of "none", "cookie",
// "unreadable", "gpc" or "dnt". It never contains an identifier.
func (d Decision) Label() string { return d.Source.String() }

// Decider decides consent for requests under one ConsentPolicy. It is
// immutable and safe for concurrent use. Make one with NewDecider; a zero
// Decider reads no cookie and lets Sec-GPC and DNT deny everything.
type Decider struct {
	format string
	cookie string
	fields fieldMap // keys of json, kv and CookieYes cookies, or OneTrust group ids
	// What GPC and DNT leave granted, stored this way round so that a zero
	// Decider lets either signal deny everything.
	gpcKeep  Set
	dntKeep  Set
	readerFn func(d *Decider, value string) (Set, bool)
	// sidCookie, for format gpp, names the cookie listing the GPP string's
	// applicable sections: the consent cookie's name with "_sid" appended.
	sidCookie string
}

// Built-in field maps, extended and overridden by ConsentPolicy.Fields.
var (
	// CookieYes categories, from its cookieyes-consent cookie. CookieYes
	// has both "analytics" and "performance"; both gate measurement, so
	// both map to analytics and analytics needs both.
	cookieYesFields = map[string]Category{
		"necessary":     Necessary,
		"functional":    Functional,
		"analytics":     Analytics,
		"performance":   Analytics,
		"advertisement": Marketing,
	}
	// OneTrust's default cookie category group ids: C0001 strictly
	// necessary, C0002 performance, C0003 functional, C0004 targeting and
	// C0005 social media, whose cookies track across sites like
	// targeting cookies do.
	oneTrustFields = map[string]Category{
		"C0001": Necessary,
		"C0002": Analytics,
		"C0003": Functional,
		"C0004": Marketing,
		"C0005": Marketing,
	}
)

// NewDecider returns a Decider for p, which must have its defaults applied
// (config.Policy.ApplyDefaults). Errors name the field at fault by its JSON
// path, such as "consent.format".
//
// A nil GPC or DNT list means the default, analytics and marketing, so a
// policy that missed ApplyDefaults still fails closed; an empty DNT list,
// like ["none"], honours DNT for no category, and an empty GPC list still
// denies marketing. Fields adds to and
// overrides the keys of json and kv cookies (default: each category's own
// name), CookieYes categories (necessary, functional, analytics,
// performance → analytics, advertisement → marketing) and OneTrust group
// ids (C0001 necessary, C0002 analytics, C0003 functional, C0004 and C0005
// marketing); mapping a key to "necessary" makes it count for nothing.
// Fields is not used by the cookiebot, tcf and gpp formats.
func NewDecider(p config.ConsentPolicy) (*Decider, error) {
	d := &Decider{format: p.Format, cookie: p.Cookie}
	var base map[string]Category
	switch p.Format {
	case config.ConsentNone:
		d.cookie = ""
	case config.ConsentCookieYes:
		d.readerFn, base = (*Decider).readCookieYesValue, cookieYesFields
	case config.ConsentCookiebot:
		d.readerFn = (*Decider).readCookiebotValue
	case config.ConsentOneTrust:
		d.readerFn, base = (*Decider).readOneTrustValue, oneTrustFields
	case config.ConsentTCF:
		d.readerFn = (*Decider).readTCFValue
	case config.ConsentGPP:
		d.readerFn, d.sidCookie = (*Decider).readGPPValue, p.Cookie+"_sid"
	case config.ConsentJSON:
		d.readerFn = (*Decider).readJSONValue
	case config.ConsentKV:
		d.readerFn = (*Decider).readKVValue
	case "":
		return nil, fmt.Errorf("consent.format: empty; want one of %s (apply the policy defaults first)", formatList)
	default:
		return nil, fmt.Errorf("consent.format: %q is not one of %s", p.Format, formatList)
	}
	if d.readerFn != nil && !httpsyntax.IsToken(d.cookie) {
		if d.cookie == "" {
			return nil, fmt.Errorf("consent.cookie: empty; want the name of the %s consent cookie (apply the policy defaults first)", p.Format)
		}
		return nil, fmt.Errorf("consent.cookie: %q is not a cookie name", d.cookie)
	}
	if p.Format == config.ConsentJSON || p.Format == config.ConsentKV {
		base = map[string]Category{}
		for i, name := range config.Categories {
			base[name] = Category(i)
		}
	}
	if base != nil {
		fields := make(map[string]Category, len(base)+len(p.Fields))
		for k, c := range base {
			fields[k] = c
		}
		for _, k := range slices.Sorted(maps.Keys(p.Fields)) {
			name := p.Fields[k]
			if k == "" {
				return nil, fmt.Errorf("consent.fields: empty key; want a cookie key or OneTrust group id such as %q", "C0002")
			}
			c, ok := ParseCategory(name)
			if !ok {
				return nil, fmt.Errorf("consent.fields.%s: %q is not one of %s", k, name, strings.Join(config.Categories, ", "))
			}
			fields[k] = c
		}
		d.fields = newFieldMap(fields)
	}

	gpcDeny, err := denyList("consent.gpc", p.GPC, false)
	if err != nil {
		return nil, err
	}
	// GPC opts out of sale and sharing, which is what marketing cookies do.
	d.gpcKeep = All &^ gpcDeny.With(Marketing)
	dntDeny, err := denyList("consent.dnt", p.DNT, true)
	if err != nil {
		return nil, err
	}
	d.dntKeep = All &^ dntDeny
	return d, nil
}

// formatList is config.ConsentFormats, quoted, for error messages.
var formatList = `"` + strings.Join(config.ConsentFormats, `", "`) + `"`

// fieldMap maps cookie keys to categories. A consent cookie has a handful
// of keys, so a short list compared by length first beats hashing; large
// maps fall back to a Go map.
type fieldMap struct {
	keys []string
	cats []Category
	m    map[string]Category
}

const maxLinearFields = 16

func newFieldMap(m map[string]Category) fieldMap {
	if len(m) > maxLinearFields {
		return fieldMap{m: m}
	}
	var f fieldMap
	for k, c := range m {
		f.keys = append(f.keys, k)
		f.cats = append(f.cats, c)
	}
	return f
}

func (f *fieldMap) lookup(k []byte) (Category, bool) {
	if f.m != nil {
		c, ok := f.m[string(k)]
		return c, ok
	}
	for i, key := range f.keys {
		if len(key) == len(k) && key == string(k) {
			return f.cats[i], true
		}
	}
	return 0, false
}

// denyList parses the GPC or DNT list; nil means analytics and marketing.
func denyList(field string, names []string, noneOK bool) (Set, error) {
	if names == nil {
		return Set(0).With(Analytics).With(Marketing), nil
	}
	if noneOK && len(names) == 1 && names[0] == "none" {
		return 0, nil
	}
	var s Set
	for i, name := range names {
		c, ok := ParseCategory(name)
		if !ok || c == Necessary {
			want := `"functional", "analytics" or "marketing"`
			if noneOK {
				want += `, or "none" alone`
			}
			if c == Necessary && ok {
				return 0, fmt.Errorf("%s[%d]: necessary cannot be denied; want %s", field, i, want)
			}
			return 0, fmt.Errorf("%s[%d]: %q is not %s", field, i, name, want)
		}
		s = s.With(c)
	}
	return s, nil
}

// Format returns the consent cookie format, such as "cookieyes".
func (d *Decider) Format() string { return d.format }

// CookieName returns the consent cookie's name, or "" for format "none".
func (d *Decider) CookieName() string { return d.cookie }

// Decide decides the consent of the request with header h, which holds
// canonical keys as net/http makes them.
//
// The consent cookie, read per the policy's format, grants what it says; no
// cookie, or one that cannot be read, grants only Necessary. Sec-GPC: 1
// then denies the policy's GPC categories and marketing, and DNT: 1 the
// policy's DNT categories, whatever the cookie says.
//
// A request may carry the consent cookie more than once, for example when
// a consent manager has written it for both example.com and
// www.example.com. Identical copies count as one; copies that differ, or
// any copy that cannot be read, make the request unreadable (only
// Necessary): which copy is the visitor's current choice cannot be told,
// so none is trusted.
func (d *Decider) Decide(h http.Header) Decision {
	var dec Decision
	dec.GPC = gpcSent(h["Sec-Gpc"])
	dec.DNT = dntSent(h["Dnt"])
	granted := Only
	if d.readerFn != nil {
		granted, dec.Cookie = d.decideCookies(h["Cookie"])
	}
	dec.Source = dec.Cookie
	if dec.DNT && d.dntKeep != All {
		granted &= d.dntKeep
		dec.Source = SourceDNT
	}
	if dec.GPC {
		granted &= d.gpcKeep
		dec.Source = SourceGPC
	}
	dec.Granted = granted | Only
	return dec
}

// DecideCookie reads one consent cookie value, as sent (percent-encoded or
// not), per the configured format. It returns the categories the value
// grants, always with Necessary, and whether it could be read; a value that
// cannot be read grants only Necessary. It does not apply GPC or DNT. With
// format "none" it reads nothing and returns Only, false.
func (d *Decider) DecideCookie(value string) (Set, bool) {
	if d.readerFn == nil || value == "" || len(value) > maxValueLen {
		return Only, false
	}
	s, ok := d.readerFn(d, value)
	if !ok {
		return Only, false
	}
	return s | Only, true
}

// maxValueLen bounds the consent cookie values read. Browsers cap a cookie
// at 4096 bytes of name and value; a longer value is not one a consent
// manager wrote.
const maxValueLen = 8192

// decideCookies finds every copy of the consent cookie in the Cookie header
// lines. One value, however often sent, is read; two different values
// deny. For format gpp the same holds for the __gpp_sid cookie.
func (d *Decider) decideCookies(lines []string) (Set, Source) {
	v, found, same := findCookie(lines, d.cookie)
	switch {
	case !found:
		return Only, SourceNone
	case !same:
		return Only, SourceUnreadable
	}
	var s Set
	var ok bool
	if d.sidCookie != "" {
		sid, _, sidSame := findCookie(lines, d.sidCookie)
		if !sidSame {
			return Only, SourceUnreadable
		}
		s, ok = d.DecideGPP(v, sid)
	} else {
		s, ok = d.DecideCookie(v)
	}
	if !ok {
		return Only, SourceUnreadable
	}
	return s, SourceCookie
}

// findCookie returns the value of the cookie called name in the Cookie
// header lines, whether it was found, and whether every copy has the same
// value.
func findCookie(lines []string, name string) (value string, found, same bool) {
	for _, line := range lines {
		for from := 0; ; {
			v, next, ok := nextCookie(line, name, from)
			if !ok {
				break
			}
			from = next
			if !found {
				value, found = v, true
				continue
			}
			if v != value {
				return "", true, false
			}
		}
	}
	return value, found, true
}

// nextCookie finds the next cookie called name in the Cookie header line
// s, from byte from on, without parsing the cookies around it, and returns
// its value and where to look for the next copy. Like net/http it splits
// pairs at ';', trims spaces and tabs, matches the name exactly and removes
// one pair of double quotes around the value.
func nextCookie(s, name string, from int) (value string, next int, ok bool) {
	for from < len(s) {
		i := strings.Index(s[from:], name)
		if i < 0 {
			break
		}
		i += from
		j := i + len(name)
		if j >= len(s) || s[j] != '=' || !pairStart(s, i) {
			from = i + 1
			continue
		}
		v := s[j+1:]
		next = len(s)
		if k := strings.IndexByte(v, ';'); k >= 0 {
			v, next = v[:k], j+1+k
		}
		v = strings.TrimRight(v, " \t")
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		return v, next, true
	}
	return "", len(s), false
}

// pairStart reports whether s[i] begins a cookie pair: it is preceded only
// by spaces and tabs back to the start of s or to a ';'.
func pairStart(s string, i int) bool {
	for i--; i >= 0; i-- {
		switch s[i] {
		case ' ', '\t':
		case ';':
			return true
		default:
			return false
		}
	}
	return true
}

// gpcSent reports whether any Sec-GPC value is "1" once optional
// whitespace is trimmed. The GPC spec
// (https://privacycg.github.io/gpc-spec/, "The Sec-GPC Header Field for
// HTTP Requests") defines Sec-GPC-field-value = "1", tells servers to
// ignore any other value, and to treat several fields as one Sec-GPC: 1 if
// any of them is "1". Proxies that merge repeated fields write them on one
// line separated by commas (RFC 9110, section 5.3), so each comma-separated
// element counts as a field of its own: "1, 0" and "1,1" deny, as two lines
// would. A value that is not "1" ("true", "?1", "") is treated as absent.
func gpcSent(values []string) bool {
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			if strings.Trim(elem, " \t") == "1" {
				return true
			}
		}
	}
	return false
}

// dntSent reports whether any DNT value means DNT: 1. The Tracking
// Preference Expression note (https://www.w3.org/TR/tracking-dnt/, section
// 5.2) defines DNT-field-value = ( "0" / "1" ) *DNT-extension, where an
// extension is a visible character other than '"', ',' and '\'; so "1"
// followed by extension characters is DNT: 1 too. As for Sec-GPC, fields
// merged on one line with commas count one by one, and a value that does
// not parse is treated as absent.
func dntSent(values []string) bool {
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			if dntOne(strings.Trim(elem, " \t")) {
				return true
			}
		}
	}
	return false
}

// dntOne reports whether one DNT element is "1" with optional extension
// characters.
func dntOne(v string) bool {
	if v == "" || v[0] != '1' {
		return false
	}
	for i := 1; i < len(v); i++ {
		if c := v[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
