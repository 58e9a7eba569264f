package scrub

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/consent"
	"github.com/caddy-privacy/caddy-privacy/internal/httpsyntax"
)

// builtinCookies classifies common cookies. A name ending in "*" is a
// prefix. Names are matched case-sensitively, as browsers compare them
// (RFC 6265): vendors set them with a fixed spelling.
//
// Sources: each vendor's own cookie documentation (Google Analytics and
// Ads, Meta, Microsoft Clarity and Ads, Hotjar, Matomo, LinkedIn, TikTok,
// Pinterest, HubSpot, Cloudflare, AWS) and the Open Cookie Database
// (github.com/jkwakman/Open-Cookie-Database, Apache-2.0). Where those
// disagree with a vendor's own purpose, the stricter category is used:
// Hotjar's _hj* cookies are analytics, not functional.
var builtinCookies = map[consent.Category][]string{
	consent.Analytics: {
		// Google Analytics, Tag Manager and Optimize.
		"_ga", "_ga_*", "_gid", "_gat", "_gat_*", "_dc_gtm_*", "_gaexp",
		"__utma", "__utmb", "__utmc", "__utmt", "__utmz", "__utmv", "__utmx", "__utmxx",
		// Hotjar.
		"_hj*",
		// Matomo (Piwik).
		"_pk_*",
		// Microsoft Clarity.
		"_clck", "_clsk", "CLID",
		// Segment, Mixpanel, Amplitude, Heap, Snowplow, FullStory,
		// Contentsquare, VWO, Yandex Metrica, Shopify analytics.
		"ajs_anonymous_id", "ajs_user_id", "ajs_group_id",
		"mp_*", "amplitude_id*", "AMP_*", "_hp2_*", "_sp_id.*", "_sp_ses.*",
		"fs_uid", "fs_lua", "_cs_id", "_cs_s", "_cs_c",
		"_vwo*", "_vis_opt_*", "_ym_*", "yandexuid", "_shopify_y", "_shopify_s",
		"_shopify_sa_t", "_shopify_sa_p",
	},
	consent.Marketing: {
		// Google Ads, DoubleClick, AdSense, YouTube.
		"_gcl_*", "_gac_*", "IDE", "DSID", "test_cookie", "NID", "ANID", "1P_JAR",
		"__gads", "__gpi", "__gsas", "YSC", "VISITOR_INFO1_LIVE",
		"VISITOR_PRIVACY_METADATA", "GPS", "PREF",
		// Meta.
		"_fbp", "_fbc", "fr",
		// Microsoft Advertising.
		"MUID", "_uetsid", "_uetvid", "_uetmsclkid",
		// LinkedIn, X (Twitter), TikTok, Pinterest, Reddit, Snapchat.
		"li_sugr", "bcookie", "bscookie", "lidc", "UserMatchHistory",
		"AnalyticsSyncHistory", "personalization_id", "guest_id", "muc_ads",
		"_ttp", "_tt_enable_cookie", "_pin_unauth", "_epik", "_derived_epik",
		"_rdt_uuid", "_scid", "_scid_r", "_sctr",
		// HubSpot, Marketo, Klaviyo, Leadfeeder, Quantcast, AdRoll,
		// Lotame, Customer.io.
		"__hstc", "__hssc", "__hssrc", "__hsfp", "hubspotutk", "_mkto_trk",
		"__kla_id", "_lfa", "__qca", "__ar_v4", "_cc_id", "_cioid",
	},
	consent.Functional: {
		// Preferences the site remembers; chat widgets.
		"lang", "language", "locale", "pll_language", "wp-wpml_current_language",
		"wp-settings-*", "intercom-*", "__zlcmid", "crisp-client*",
	},
	consent.Necessary: {
		// Consent records themselves (CookieYes, Cookiebot, OneTrust, IAB
		// TCF, USP and GPP, Complianz, Borlabs, iubenda, Osano, Didomi and the
		// policy's own json/kv default).
		"cookieyes-consent", "CookieLawInfoConsent", "cookielawinfo-checkbox-*",
		"CookieConsent", "OptanonConsent", "OptanonAlertBoxClosed",
		"euconsent-v2", "euconsent", "eupubconsent-v2", "addtl_consent",
		"usprivacy", "__gpp", "__gpp_sid", "consent", "cmplz_*", "borlabs-cookie", "_iub_cs-*",
		"cookieconsent_status", "didomi_token",
		// Sessions and CSRF protection of common frameworks.
		"PHPSESSID", "JSESSIONID", "ASP.NET_SessionId", "ASPSESSIONID*",
		".AspNetCore.*", "__RequestVerificationToken*", "sessionid",
		"csrftoken", "csrf_token", "_csrf", "XSRF-TOKEN", "laravel_session",
		"connect.sid", "_session_id", "ci_session", "wordpress_*",
		"wp_woocommerce_session_*", "woocommerce_cart_hash",
		"woocommerce_items_in_cart", "__stripe_mid", "__stripe_sid",
		// Load balancers, CDNs and bot protection.
		"__cf_bm", "cf_clearance", "__cfruid", "__cflb", "_cfuvid",
		"AWSALB", "AWSALBCORS", "AWSALBTG", "AWSALBTGCORS", "AWSELB",
		"SERVERID", "BIGipServer*", "incap_ses_*", "visid_incap_*",
		"ak_bmsc", "bm_sv", "bm_sz", "_abck",
	},
}

// cookieTable classifies cookie names: exact names first, then the
// longest matching prefix.
type cookieTable struct {
	exact    map[string]consent.Category
	prefixes [256][]cookiePrefix // by first byte, longest first
}

type cookiePrefix struct {
	prefix string
	cat    consent.Category
}

func (t *cookieTable) add(name string, cat consent.Category) {
	if t.exact == nil {
		t.exact = make(map[string]consent.Category)
	}
	if p, ok := strings.CutSuffix(name, "*"); ok && p != "" {
		t.prefixes[p[0]] = append(t.prefixes[p[0]], cookiePrefix{p, cat})
		return
	}
	t.exact[name] = cat
}

func (t *cookieTable) sort() {
	for _, ps := range t.prefixes {
		sort.SliceStable(ps, func(i, j int) bool { return len(ps[i].prefix) > len(ps[j].prefix) })
	}
}

func lookupCookie[T string | []byte](t *cookieTable, name T) (consent.Category, bool) {
	if c, ok := t.exact[string(name)]; ok {
		return c, true
	}
	if len(name) == 0 {
		return 0, false
	}
	for _, p := range t.prefixes[name[0]] {
		if len(name) >= len(p.prefix) && string(name[:len(p.prefix)]) == p.prefix {
			return p.cat, true
		}
	}
	return 0, false
}

var builtinTable cookieTable

func init() {
	for cat, names := range builtinCookies {
		for _, n := range names {
			builtinTable.add(n, cat)
		}
	}
	builtinTable.sort()
}

// Cookies classifies cookies into consent categories and filters Cookie
// and Set-Cookie headers by consent. It is safe for concurrent use.
//
// The built-in classification (names are case-sensitive; "x*" is a
// prefix):
//
//	category    cookies
//	analytics   _ga _ga_* _gid _gat _gat_* _dc_gtm_* _gaexp __utma __utmb __utmc
//	            __utmt __utmz __utmv __utmx __utmxx  (Google Analytics)
//	            _hj*  (Hotjar: _hjid _hjSessionUser_* _hjSession_* _hjFirstSeen …)
//	            _pk_*  (Matomo)   _clck _clsk CLID  (Microsoft Clarity)
//	            ajs_anonymous_id ajs_user_id ajs_group_id  (Segment)
//	            mp_*  (Mixpanel)   amplitude_id* AMP_*  (Amplitude)   _hp2_*  (Heap)
//	            _sp_id.* _sp_ses.*  (Snowplow)   fs_uid fs_lua  (FullStory)
//	            _cs_id _cs_s _cs_c  (Contentsquare)   _vwo* _vis_opt_*  (VWO)
//	            _ym_* yandexuid  (Yandex Metrica)
//	            _shopify_y _shopify_s _shopify_sa_t _shopify_sa_p  (Shopify)
//	marketing   _gcl_* _gac_* IDE DSID test_cookie NID ANID 1P_JAR __gads __gpi
//	            __gsas YSC VISITOR_INFO1_LIVE VISITOR_PRIVACY_METADATA GPS PREF
//	            (Google Ads, DoubleClick, AdSense, YouTube)
//	            _fbp _fbc fr  (Meta)   MUID _uetsid _uetvid _uetmsclkid  (Microsoft)
//	            li_sugr bcookie bscookie lidc UserMatchHistory AnalyticsSyncHistory
//	            (LinkedIn)   personalization_id guest_id muc_ads  (X)
//	            _ttp _tt_enable_cookie  (TikTok)   _pin_unauth _epik _derived_epik
//	            (Pinterest)   _rdt_uuid  (Reddit)   _scid _scid_r _sctr  (Snapchat)
//	            __hstc __hssc __hssrc __hsfp hubspotutk  (HubSpot)   _mkto_trk
//	            (Marketo)   __kla_id  (Klaviyo)   _lfa  (Leadfeeder)   __qca
//	            (Quantcast)   __ar_v4  (AdRoll)   _cc_id  (Lotame)   _cioid
//	            (Customer.io)
//	functional  lang language locale pll_language wp-wpml_current_language
//	            wp-settings-* intercom-* __zlcmid crisp-client*
//	necessary   consent records: cookieyes-consent CookieLawInfoConsent
//	            cookielawinfo-checkbox-* CookieConsent OptanonConsent
//	            OptanonAlertBoxClosed euconsent-v2 euconsent eupubconsent-v2
//	            addtl_consent usprivacy __gpp __gpp_sid consent cmplz_*
//	            borlabs-cookie _iub_cs-*
//	            cookieconsent_status didomi_token
//	            sessions and CSRF: PHPSESSID JSESSIONID ASP.NET_SessionId
//	            ASPSESSIONID* .AspNetCore.* __RequestVerificationToken* sessionid
//	            csrftoken csrf_token _csrf XSRF-TOKEN laravel_session connect.sid
//	            _session_id ci_session wordpress_* wp_woocommerce_session_*
//	            woocommerce_cart_hash woocommerce_items_in_cart __stripe_mid
//	            __stripe_sid
//	            load balancing and bot protection: __cf_bm cf_clearance __cfruid
//	            __cflb _cfuvid AWSALB AWSALBCORS AWSALBTG AWSALBTGCORS AWSELB
//	            SERVERID BIGipServer* incap_ses_* visid_incap_* ak_bmsc bm_sv
//	            bm_sz _abck
//
// Most of the necessary entries only matter when Unknown is stricter than
// necessary. Cookies prefixed __Host- or __Secure- are classified by their
// whole name like any other, so they fall to Unknown unless listed.
//
// The consent cookie the policy reads (config.ConsentPolicy.Cookie) is
// necessary when it has its format's default name; a site with another
// name should list it in the policy's Categories as necessary.
type Cookies struct {
	policy  cookieTable
	unknown consent.Category
}

// NewCookies returns a Cookies for the policy. Policy entries override the
// built-in ones; an empty Unknown means necessary. MaxAge is not used here:
// FilterSetCookie takes the cap as an argument.
func NewCookies(p config.CookiePolicy) (*Cookies, error) {
	c := new(Cookies)
	if p.Unknown != "" {
		cat, ok := consent.ParseCategory(p.Unknown)
		if !ok {
			return nil, fmt.Errorf("cookies.unknown: %q is not a category; want one of %s", p.Unknown, strings.Join(config.Categories, ", "))
		}
		c.unknown = cat
	}
	for name, v := range p.Categories {
		cat, ok := consent.ParseCategory(v)
		if !ok {
			return nil, fmt.Errorf("cookies.categories.%s: %q is not a category; want one of %s", name, v, strings.Join(config.Categories, ", "))
		}
		if bare := strings.TrimSuffix(name, "*"); bare == "" || !httpsyntax.IsToken(bare) {
			return nil, fmt.Errorf("cookies.categories: %q is not a cookie name; want a name such as \"_ga\" or a prefix such as \"_ga_*\"", name)
		}
		c.policy.add(name, cat)
	}
	c.policy.sort()
	return c, nil
}

// Category returns the consent category of a cookie name: the policy's
// exact name or longest prefix, else the built-in exact name or longest
// prefix, else the policy's Unknown category.
func (c *Cookies) Category(name string) consent.Category { return category(c, name) }

func category[T string | []byte](c *Cookies, name T) consent.Category {
	if cat, ok := lookupCookie(&c.policy, name); ok {
		return cat
	}
	if cat, ok := lookupCookie(&builtinTable, name); ok {
		return cat
	}
	return c.unknown
}

// AppendFilteredHeader appends to dst the pairs of a request Cookie header
// whose category is kept, joined by "; ", and returns the extended buffer
// and how many pairs it removed per category (indexed by
// consent.Category). Necessary cookies are always kept and keep is not
// asked about them; a nil keep keeps nothing else.
//
// A pair with no '=' or whose name is not an RFC 6265 token is dropped
// whatever the consent and counted in removed[consent.Necessary], which is
// otherwise always 0; so removed is all zero exactly when no pair was
// dropped, and the caller can then leave the header as it was. Empty pairs
// (";;") and the whitespace around pairs are not kept. Values are passed
// as they are, quotes and all. Every pair is judged on its own, duplicates
// included. Nothing is allocated when dst has room.
func (c *Cookies) AppendFilteredHeader(dst, cookieHeader []byte, keep func(consent.Category) bool) (out []byte, removed [4]int) {
	first := true
	for h := cookieHeader; len(h) > 0; {
		pair := h
		if i := bytes.IndexByte(h, ';'); i >= 0 {
			pair, h = h[:i], h[i+1:]
		} else {
			h = nil
		}
		pair = trimOWS(pair)
		if len(pair) == 0 {
			continue
		}
		name, _, ok := bytes.Cut(pair, []byte{'='})
		if name = trimOWS(name); !ok || !httpsyntax.IsToken(name) {
			removed[consent.Necessary]++
			continue
		}
		cat := category(c, name)
		if cat != consent.Necessary && (keep == nil || !keep(cat)) {
			removed[cat]++
			continue
		}
		if !first {
			dst = append(dst, ';', ' ')
		}
		first = false
		dst = append(dst, pair...)
	}
	return dst, removed
}

// FilterSetCookie decides what happens to one Set-Cookie response header
// value: ok is false when it must be removed, otherwise out is the value
// to send.
//
//   - A value whose cookie name cannot be parsed (no '=', or a name that
//     is not an RFC 6265 token) is removed: its category cannot be
//     established, so it cannot be shown to be necessary.
//   - A necessary cookie is returned as it is.
//   - A Set-Cookie that deletes a cookie (Max-Age of 0 or less, or no
//     Max-Age and an Expires not after now) is returned as it is whatever
//     the consent, so that a site can always remove a tracking cookie.
//   - A cookie whose category keep rejects (or any, if keep is nil) is
//     removed.
//   - Otherwise its lifetime is capped at maxAge (0 or less: no cap): a
//     larger Max-Age becomes maxAge in seconds, and an Expires later than
//     now+maxAge becomes that time in http.TimeFormat. An Expires that a
//     browser could not parse either (RFC 6265 section 5.1.1) and a
//     malformed Max-Age are dropped, which is what a browser does with
//     them anyway. A cookie with neither is a session cookie and is
//     returned as it is.
//
// When nothing changes, out is v itself and nothing is allocated.
func (c *Cookies) FilterSetCookie(v string, keep func(consent.Category) bool, maxAge time.Duration, now time.Time) (out string, ok bool) {
	pair, attrs, _ := strings.Cut(v, ";")
	eq := strings.IndexByte(pair, '=')
	if eq < 0 {
		return "", false
	}
	name := trimOWS(pair[:eq])
	if !httpsyntax.IsToken(name) {
		return "", false
	}
	cat := c.Category(name)
	if cat == consent.Necessary {
		return v, true
	}
	if !deletes(attrs, now) && (keep == nil || !keep(cat)) {
		return "", false
	}
	if maxAge <= 0 {
		return v, true
	}
	return capLifetime(v, len(pair), maxAge, now), true
}

// deletes reports whether a Set-Cookie with these attributes expires the
// cookie at once. Max-Age wins over Expires, and the last of each counts,
// as in RFC 6265 section 5.3.
func deletes(attrs string, now time.Time) bool {
	var maxAge int64
	hasMaxAge, hasExpires := false, false
	var expires time.Time
	for attrs != "" {
		var a string
		a, attrs, _ = strings.Cut(attrs, ";")
		key, val, _ := strings.Cut(a, "=")
		key, val = trimOWS(key), trimOWS(val)
		switch {
		case strings.EqualFold(key, "max-age"):
			if n, ok := parseMaxAge(val); ok {
				maxAge, hasMaxAge = n, true
			}
		case strings.EqualFold(key, "expires"):
			if t, ok := parseCookieDate(val); ok {
				expires, hasExpires = t, true
			}
		}
	}
	if hasMaxAge {
		return maxAge <= 0
	}
	return hasExpires && !expires.After(now)
}

// capLifetime rewrites the Max-Age and Expires attributes of v that allow
// more than maxAge; attributes start at v[pairLen:].
func capLifetime(v string, pairLen int, maxAge time.Duration, now time.Time) string {
	limit := now.Add(maxAge)
	secs := int64(maxAge / time.Second)
	var b []byte // nil until something changes
	copied := 0  // v[:copied] is in b
	for pos := pairLen; pos < len(v); {
		end := strings.IndexByte(v[pos+1:], ';')
		if end < 0 {
			end = len(v)
		} else {
			end += pos + 1
		}
		a := v[pos+1 : end] // without its ';'
		key, val, _ := strings.Cut(a, "=")
		key, val = trimOWS(key), trimOWS(val)
		var repl string
		drop, change := false, false
		switch {
		case strings.EqualFold(key, "max-age"):
			if n, ok := parseMaxAge(val); !ok {
				drop = true
			} else if n > secs {
				repl, change = " Max-Age="+strconv.FormatInt(secs, 10), true
			}
		case strings.EqualFold(key, "expires"):
			if t, ok := parseCookieDate(val); !ok {
				drop = true
			} else if t.After(limit) {
				repl, change = " Expires="+limit.UTC().Format(http.TimeFormat), true
			}
		}
		if drop || change {
			if b == nil {
				b = make([]byte, 0, len(v)+32)
			}
			b = append(b, v[copied:pos]...)
			if change {
				b = append(b, ';')
				b = append(b, repl...)
			}
			copied = end
		}
		pos = end
	}
	if b == nil {
		return v
	}
	return string(append(b, v[copied:]...))
}

// parseMaxAge parses a Max-Age value as RFC 6265 section 5.2.2 does: an
// optional '-' and digits, nothing else. Large values saturate.
func parseMaxAge(s string) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < 1<<40 {
			n = n*10 + int64(c-'0')
		}
	}
	if neg {
		return -n, true
	}
	return n, true
}

// parseCookieDate parses an Expires value with the algorithm of RFC 6265
// section 5.1.1, which is what browsers use: it finds a time, a day, a
// month and a year among the tokens in any order and ignores the rest.
func parseCookieDate(s string) (time.Time, bool) {
	var (
		hour, minute, second, day, year int
		foundTime, foundDay, foundMonth bool
		foundYear                       bool
		month                           time.Month
	)
	for s != "" {
		i := 0
		for i < len(s) && isDateDelim(s[i]) {
			i++
		}
		j := i
		for j < len(s) && !isDateDelim(s[j]) {
			j++
		}
		tok := s[i:j]
		s = s[j:]
		if tok == "" {
			continue
		}
		if !foundTime {
			if h, m, sc, ok := parseCookieTime(tok); ok {
				hour, minute, second, foundTime = h, m, sc, true
				continue
			}
		}
		if !foundDay {
			if n, ok := leadingDigits(tok, 1, 2); ok {
				day, foundDay = n, true
				continue
			}
		}
		if !foundMonth && len(tok) >= 3 {
			if m := monthOf(tok[:3]); m != 0 {
				month, foundMonth = m, true
				continue
			}
		}
		if !foundYear {
			if n, ok := leadingDigits(tok, 2, 4); ok {
				year, foundYear = n, true
				continue
			}
		}
	}
	if !foundTime || !foundDay || !foundMonth || !foundYear {
		return time.Time{}, false
	}
	switch {
	case year >= 70 && year <= 99:
		year += 1900
	case year >= 0 && year <= 69:
		year += 2000
	}
	if day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, month, day, hour, minute, second, 0, time.UTC)
	if t.Day() != day { // such as 31 February
		return time.Time{}, false
	}
	return t, true
}

// isDateDelim reports whether c is a cookie-date delimiter.
func isDateDelim(c byte) bool {
	return c == 0x09 || 0x20 <= c && c <= 0x2f || 0x3b <= c && c <= 0x40 ||
		0x5b <= c && c <= 0x60 || 0x7b <= c && c <= 0x7e
}

// leadingDigits parses the lo to hi digits at the start of tok, which may
// be followed by non-digits.
func leadingDigits(tok string, lo, hi int) (int, bool) {
	n, i := 0, 0
	for ; i < len(tok) && '0' <= tok[i] && tok[i] <= '9'; i++ {
		if i == hi {
			return 0, false
		}
		n = n*10 + int(tok[i]-'0')
	}
	return n, i >= lo
}

// parseCookieTime parses hms-time: 1*2DIGIT ":" 1*2DIGIT ":" 1*2DIGIT,
// optionally followed by non-digits.
func parseCookieTime(tok string) (h, m, s int, ok bool) {
	var parts [3]int
	for k := range parts {
		n, i := 0, 0
		for ; i < len(tok) && '0' <= tok[i] && tok[i] <= '9'; i++ {
			if i == 2 {
				return 0, 0, 0, false
			}
			n = n*10 + int(tok[i]-'0')
		}
		if i == 0 {
			return 0, 0, 0, false
		}
		parts[k] = n
		tok = tok[i:]
		if k < 2 {
			if tok == "" || tok[0] != ':' {
				return 0, 0, 0, false
			}
			tok = tok[1:]
		}
	}
	return parts[0], parts[1], parts[2], true
}

func monthOf(s string) time.Month {
	for i, m := range [...]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
		if strings.EqualFold(s, m) {
			return time.Month(i + 1)
		}
	}
	return 0
}

// trimOWS trims spaces and tabs.
func trimOWS[T string | []byte](s T) T {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
