// Package config holds Policy, the one type that configures caddy-privacy.
//
// The Caddy module embeds it in its JSON config and the log CLI reads it
// from a JSON file, so both front ends apply the same rules. The zero value
// means the strict defaults: client addresses become country codes, every
// detector is on, and no known identifier is kept.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/caddy-privacy/caddy-privacy/internal/httpsyntax"
)

// Policy says what happens to personal data. Every field is optional;
// ApplyDefaults fills in the strict defaults documented on each field.
type Policy struct {
	// IP says what client addresses become. Default: their country code.
	IP IPPolicy `json:"ip,omitzero"`

	// GeoIP names the country database used by the country transform.
	GeoIP GeoIPPolicy `json:"geoip,omitzero"`

	// Detectors tunes the detectors that find identifiers in free text,
	// keyed by detector name (see DetectorNames). Every detector is on by
	// default and replaces what it finds with a type tag such as "[email]".
	Detectors map[string]Detector `json:"detectors,omitzero"`

	// URL says which query parameters survive in URLs.
	URL URLPolicy `json:"url,omitzero"`

	// Cookies classifies cookies into consent categories and caps their
	// lifetime.
	Cookies CookiePolicy `json:"cookies,omitzero"`

	// Headers extends the built-in lists of headers that carry client
	// addresses or credentials.
	Headers HeaderPolicy `json:"headers,omitzero"`

	// UserAgent is what happens to User-Agent strings: "generalize"
	// (default: browser family and major version plus OS family), "keep"
	// or "drop".
	UserAgent string `json:"user_agent,omitzero"`

	// Pseudonym controls the rotating keys behind pseudonyms.
	Pseudonym PseudonymPolicy `json:"pseudonym,omitzero"`

	// Keys says where the pseudonym keys are kept, and so which instances
	// make the same pseudonyms: all those that share the store.
	Keys KeysPolicy `json:"keys,omitzero"`

	// Consent says how a request's consent is decided.
	Consent ConsentPolicy `json:"consent,omitzero"`
}

// IP transforms.
const (
	TransformCountry   = "country"
	TransformTruncate  = "truncate"
	TransformPseudonym = "pseudonym"
	TransformDrop      = "drop"
)

// IPPolicy says what a client address becomes.
type IPPolicy struct {
	// Transform is one of "country" (default: the address becomes its ISO
	// 3166 country code), "truncate" (the address keeps only its network
	// prefix), "pseudonym" (a keyed, rotating pseudonym) or "drop".
	Transform string `json:"transform,omitzero"`

	// IPv4Prefix is the number of leading bits truncate keeps of an IPv4
	// address, 0 to 32. Default: 24.
	IPv4Prefix int `json:"ipv4_prefix,omitzero"`

	// IPv6Prefix is the number of leading bits truncate keeps of an IPv6
	// address, 0 to 128. Default: 48.
	IPv6Prefix int `json:"ipv6_prefix,omitzero"`
}

// GeoIPPolicy names the country database.
type GeoIPPolicy struct {
	// Database is the path of the country database: a MaxMind GeoIP2 or
	// GeoLite2 Country or City file, or a flat MMDB whose records are
	// {"country_code": "GB"}. Default: none; front ends then require one
	// for the country transform unless Off is set.
	Database string `json:"database,omitzero"`

	// Off turns country lookups off: the country transform then truncates
	// addresses instead. Default: false.
	Off bool `json:"off,omitzero"`

	// Unknown is the code given to private, reserved and unlisted
	// addresses. Default: "ZZ" (the ISO 3166 user-assigned code for
	// "unknown").
	Unknown string `json:"unknown,omitzero"`

	// CacheSize, when positive, keeps about that many recent lookups in a
	// direct-mapped, lock-free cache. Default: 0, no cache. On replayed
	// real traffic a cached lookup takes half the time of a database walk;
	// on addresses never seen before the cache costs about 4% (see
	// bench/README.md).
	CacheSize int `json:"cache_size,omitzero"`
}

// Replacements for what a detector finds.
const (
	ReplaceTag       = "tag"
	ReplaceMask      = "mask"
	ReplacePseudonym = "pseudonym"
	// ReplaceTransform applies the IP transform; ipv4 and ipv6 only.
	ReplaceTransform = "transform"
)

// DetectorNames lists the detectors in the order they are documented.
// New detectors are appended, so the order, which is the order of the
// detect package's Kind values, stays stable. "name" (person names in
// free-text query values such as site searches; replace "tag" only) is
// not one of the free-text scanner's kinds and comes last.
var DetectorNames = []string{
	"ipv4", "ipv6", "email", "phone", "nino", "nhs", "card", "iban",
	"postcode", "jwt", "credential", "ga_client_id", "vat", "name",
}

// Detector tunes one detector.
type Detector struct {
	// Off switches the detector off. Default: false (on).
	Off bool `json:"off,omitzero"`

	// Replace is what a match becomes: "tag" (default: a type tag such as
	// "[email]"), "mask" (asterisks of the same length) or "pseudonym" (a
	// tag with a keyed, rotating pseudonym, such as "[email:3xT9q2Lw0aKd]").
	// The ipv4 and ipv6 detectors also accept, and default to, "transform":
	// the address becomes what the IP transform makes of it.
	Replace string `json:"replace,omitzero"`
}

// URL query modes.
const (
	QueryDeny  = "deny"
	QueryAllow = "allow"
)

// URLPolicy says what survives in URLs: request URIs, referrers and the
// page URLs in analytics beacons.
type URLPolicy struct {
	// Query is "deny" (default: parameters on the built-in deny list and in
	// Deny are removed, the values of the others go through the detectors)
	// or "allow" (only parameters on the built-in allow list and in Allow
	// are kept).
	Query string `json:"query,omitzero"`

	// Allow adds parameter names kept in "allow" mode. A name ending in
	// "*" is a prefix. The built-in list keeps non-identifying ones such as
	// page, sort, lang, utm_source, utm_medium, utm_campaign and
	// utm_content (not utm_term, which holds search words).
	Allow []string `json:"allow,omitzero"`

	// Deny adds parameter names removed in both modes. A name ending in "*"
	// is a prefix. The built-in list removes tokens, session ids,
	// passwords, emails, names and click ids (gclid, fbclid, msclkid, _gl,
	// _ga and more).
	Deny []string `json:"deny,omitzero"`

	// KeepFragment keeps the #fragment. Default: false (it is removed).
	KeepFragment bool `json:"keep_fragment,omitzero"`

	// PathIDs is what becomes of a path segment shaped like an identifier
	// (more than 6 digits, a UUID, long hex, a random-looking token): "tag"
	// (default) replaces it with {id}, keeping a file extension ({id}.pdf),
	// so that the route stays readable; "keep" leaves it to the detectors
	// alone.
	PathIDs string `json:"path_ids,omitzero"`

	// KeepValues lists parameter names whose values are kept even when
	// they look like an identifier or sit under a credential-like name
	// (password, token, key, code, reset, sig and the like); the detectors
	// still run on them. A name ending in "*" is a prefix. It does not
	// bring back a parameter that the deny lists or Deny remove. Default:
	// none.
	KeepValues []string `json:"keep_values,omitzero"`
}

// What becomes of identifiers in URL paths (URLPolicy.PathIDs).
const (
	PathIDsTag  = "tag"
	PathIDsKeep = "keep"
)

// Consent categories, in increasing order of intrusiveness.
const (
	CategoryNecessary  = "necessary"
	CategoryFunctional = "functional"
	CategoryAnalytics  = "analytics"
	CategoryMarketing  = "marketing"
)

// Categories lists the consent categories.
var Categories = []string{CategoryNecessary, CategoryFunctional, CategoryAnalytics, CategoryMarketing}

// CookiePolicy classifies cookies.
type CookiePolicy struct {
	// Categories maps cookie names to consent categories, adding to and
	// overriding the built-in classification of common tracking cookies
	// (_ga, _gid, _hj*, _fbp, NID, _pk_*, MUID and more). A name ending in
	// "*" is a prefix.
	Categories map[string]string `json:"categories,omitzero"`

	// Unknown is the category of cookies that are neither built in nor in
	// Categories. Default: "necessary", so that a site's own session
	// cookies keep working; set it to "functional" or stricter to remove
	// every cookie you have not classified until the visitor consents.
	Unknown string `json:"unknown,omitzero"`

	// MaxAge caps the lifetime of consented non-necessary cookies that the
	// site sets. Default: 13 months (395 days), the longest the ePrivacy
	// regulators advise.
	MaxAge Duration `json:"max_age,omitzero"`
}

// HeaderPolicy extends the built-in header lists.
type HeaderPolicy struct {
	// ClientIP adds headers that carry client addresses. They are removed
	// before a request goes upstream and transformed in logs. Built in:
	// X-Forwarded-For, X-Real-IP, Forwarded, True-Client-IP,
	// CF-Connecting-IP, Fastly-Client-IP, X-Client-IP, X-Cluster-Client-IP
	// and more.
	ClientIP []string `json:"client_ip,omitzero"`

	// Drop adds headers removed from logs and beacons. Built in: Cookie,
	// Set-Cookie, Authorization, Proxy-Authorization and API key headers.
	Drop []string `json:"drop,omitzero"`

	// Country is the request header that carries the client's country
	// upstream. Default: "X-Client-Country"; "-" adds none.
	Country string `json:"country,omitzero"`
}

// PseudonymPolicy controls pseudonym keys.
type PseudonymPolicy struct {
	// Rotate is how often a new key is made. Default: 24h. Pseudonyms of
	// the same value differ across keys, so this is how long one visitor
	// can be followed.
	Rotate Duration `json:"rotate,omitzero"`

	// Retention is how long a key is kept after it stops being current;
	// older keys are destroyed, which makes their pseudonyms anonymous.
	// Default: equal to Rotate, so the current and the previous key exist.
	Retention Duration `json:"retention,omitzero"`
}

// Key stores.
const (
	KeyStoreCaddy  = "caddy"
	KeyStoreMemory = "memory"
	KeyStoreRedis  = "redis"
)

// KeyStores lists the key stores, in the order they are documented.
var KeyStores = []string{KeyStoreCaddy, KeyStoreMemory, KeyStoreRedis}

// DefaultKeyPrefix starts the names of the keys in Redis when
// KeysPolicy.Prefix is empty.
const DefaultKeyPrefix = "caddy-privacy"

// KeysPolicy says where pseudonym keys are kept. Instances that share a
// store share the keys, so they give a visitor the same pseudonym.
type KeysPolicy struct {
	// Store is "caddy" (Caddy's storage: its data directory, or whatever
	// the global storage option configures, which a fleet can share; the
	// default inside Caddy), "memory" (this process alone; the default of
	// the log CLI, where "caddy" is not available) or "redis" (a Redis
	// server that Caddy nodes and CLI runs share). Every store keeps the
	// current and previous keys and destroys older ones on schedule.
	Store string `json:"store,omitzero"`

	// Address is the Redis server's host:port, for the "redis" store,
	// which requires it. It may be a placeholder such as
	// "{env.REDIS_ADDR}". Default: none.
	Address string `json:"address,omitzero"`

	// Password authenticates to Redis, for the "redis" store. Write it as
	// a placeholder such as "{env.REDIS_PASSWORD}" to keep it out of the
	// config; Caddy and the CLI expand it from the environment. Default:
	// none.
	Password string `json:"password,omitzero"`

	// Prefix starts the names of the Redis keys, so one server can hold
	// several fleets' keys apart. Default: "caddy-privacy".
	Prefix string `json:"prefix,omitzero"`
}

// Consent cookie formats.
const (
	ConsentCookieYes = "cookieyes"
	ConsentCookiebot = "cookiebot"
	ConsentOneTrust  = "onetrust"
	ConsentTCF       = "tcf"
	ConsentGPP       = "gpp"
	ConsentJSON      = "json"
	ConsentKV        = "kv"
	ConsentNone      = "none"
)

// ConsentFormats lists the consent cookie formats, in the order they are
// documented.
var ConsentFormats = []string{
	ConsentCookieYes, ConsentCookiebot, ConsentOneTrust, ConsentTCF, ConsentGPP, ConsentJSON, ConsentKV, ConsentNone,
}

// ConsentPolicy says how consent is decided for a request.
type ConsentPolicy struct {
	// Format is the consent cookie's format: "cookieyes", "cookiebot",
	// "onetrust", "tcf" (IAB TCF v2.2), "gpp" (IAB Global Privacy
	// Platform), "json" or "kv" (a site's own cookie), or "none" (default:
	// there is no consent cookie, so only necessary processing is allowed).
	Format string `json:"format,omitzero"`

	// Cookie is the consent cookie's name. Default per format:
	// cookieyes-consent, CookieConsent, OptanonConsent, euconsent-v2,
	// __gpp (whose applicable sections are read from the cookie of the
	// same name with "_sid" appended, __gpp_sid), and "consent" for json
	// and kv.
	Cookie string `json:"cookie,omitzero"`

	// Fields maps the keys of a json, kv or CookieYes cookie (or OneTrust
	// group ids) to categories. Default for json and kv: each category's
	// own name ({"analytics": true}); for OneTrust: C0002 analytics, C0003
	// functional, C0004 and C0005 marketing. Cookiebot and TCF have fixed
	// meanings and ignore it.
	Fields map[string]string `json:"fields,omitzero"`

	// GPC lists the categories that Sec-GPC: 1 denies whatever the cookie
	// says. Default: analytics and marketing. Marketing is always denied
	// under GPC: it is what the signal opts out of.
	GPC []string `json:"gpc,omitzero"`

	// DNT lists the categories that DNT: 1 denies whatever the cookie says.
	// Default: analytics and marketing. "none" alone honours no category.
	DNT []string `json:"dnt,omitzero"`
}

// Default returns the policy with every default filled in.
func Default() Policy {
	var p Policy
	p.ApplyDefaults()
	return p
}

// ApplyDefaults fills in every field that is unset.
func (p *Policy) ApplyDefaults() {
	setDefault(&p.IP.Transform, TransformCountry)
	if p.IP.IPv4Prefix == 0 {
		p.IP.IPv4Prefix = 24
	}
	if p.IP.IPv6Prefix == 0 {
		p.IP.IPv6Prefix = 48
	}
	setDefault(&p.GeoIP.Unknown, "ZZ")
	if p.Detectors == nil {
		p.Detectors = map[string]Detector{}
	}
	for _, name := range DetectorNames {
		d := p.Detectors[name]
		if name == "ipv4" || name == "ipv6" {
			setDefault(&d.Replace, ReplaceTransform)
		}
		setDefault(&d.Replace, ReplaceTag)
		p.Detectors[name] = d
	}
	setDefault(&p.URL.Query, QueryDeny)
	setDefault(&p.Cookies.Unknown, CategoryNecessary)
	if p.Cookies.MaxAge == 0 {
		p.Cookies.MaxAge = Duration(395 * 24 * time.Hour)
	}
	setDefault(&p.Headers.Country, "X-Client-Country")
	setDefault(&p.UserAgent, "generalize")
	if p.Pseudonym.Rotate == 0 {
		p.Pseudonym.Rotate = Duration(24 * time.Hour)
	}
	if p.Pseudonym.Retention == 0 {
		p.Pseudonym.Retention = p.Pseudonym.Rotate
	}
	setDefault(&p.Consent.Format, ConsentNone)
	if p.Consent.Cookie == "" {
		p.Consent.Cookie = defaultConsentCookie[p.Consent.Format]
	}
	if p.Consent.GPC == nil {
		p.Consent.GPC = []string{CategoryAnalytics, CategoryMarketing}
	}
	if p.Consent.DNT == nil {
		p.Consent.DNT = []string{CategoryAnalytics, CategoryMarketing}
	}
}

var defaultConsentCookie = map[string]string{
	ConsentCookieYes: "cookieyes-consent",
	ConsentCookiebot: "CookieConsent",
	ConsentOneTrust:  "OptanonConsent",
	ConsentTCF:       "euconsent-v2",
	ConsentGPP:       "__gpp",
	ConsentJSON:      "consent",
	ConsentKV:        "consent",
}

func setDefault(s *string, def string) {
	if *s == "" {
		*s = def
	}
}

// Validate reports every field that holds a value it cannot use, naming
// the field by its JSON path and saying what would be accepted. It does no
// I/O: whether the database file exists is checked when it is opened.
func (p *Policy) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{field}, args...)...))
	}
	oneOf := func(field, value string, allowed ...string) {
		if value != "" && !contains(allowed, value) {
			bad(field, "%q is not one of %s", value, strings.Join(quoteAll(allowed), ", "))
		}
	}

	oneOf("ip.transform", p.IP.Transform, TransformCountry, TransformTruncate, TransformPseudonym, TransformDrop)
	if p.IP.IPv4Prefix < 0 || p.IP.IPv4Prefix > 32 {
		bad("ip.ipv4_prefix", "%d is out of range; want 0 to 32 bits", p.IP.IPv4Prefix)
	}
	if p.IP.IPv6Prefix < 0 || p.IP.IPv6Prefix > 128 {
		bad("ip.ipv6_prefix", "%d is out of range; want 0 to 128 bits", p.IP.IPv6Prefix)
	}
	if u := p.GeoIP.Unknown; u != "" && !isCountryCode(u) {
		bad("geoip.unknown", "%q is not a two-letter upper-case code such as \"ZZ\"", u)
	}
	if p.GeoIP.CacheSize < 0 {
		bad("geoip.cache_size", "%d is not a size; want a number of lookups, or 0 for no cache", p.GeoIP.CacheSize)
	}
	for _, name := range sortedKeys(p.Detectors) {
		field := "detectors." + name
		if !contains(DetectorNames, name) {
			bad(field, "unknown detector; want one of %s", strings.Join(DetectorNames, ", "))
			continue
		}
		if r := p.Detectors[name].Replace; name == "name" && r != ReplaceTag && r != "" {
			bad(field+".replace", "%q: names can only be tagged; want %q", r, ReplaceTag)
			continue
		}
		allowed := []string{ReplaceTag, ReplaceMask, ReplacePseudonym}
		if name == "ipv4" || name == "ipv6" {
			allowed = append(allowed, ReplaceTransform)
		}
		oneOf(field+".replace", p.Detectors[name].Replace, allowed...)
	}
	oneOf("url.query", p.URL.Query, QueryDeny, QueryAllow)
	checkNames := func(field string, names []string) {
		for i, n := range names {
			if strings.TrimSuffix(n, "*") == "" || strings.ContainsAny(n, "&=# ") {
				bad(fmt.Sprintf("%s[%d]", field, i), "%q is not a parameter name (a prefix ends in \"*\")", n)
			}
		}
	}
	checkNames("url.allow", p.URL.Allow)
	checkNames("url.deny", p.URL.Deny)
	checkNames("url.keep_values", p.URL.KeepValues)
	oneOf("url.path_ids", p.URL.PathIDs, PathIDsTag, PathIDsKeep)
	for _, name := range sortedKeys(p.Cookies.Categories) {
		if strings.TrimSuffix(name, "*") == "" {
			bad("cookies.categories", "empty cookie name")
		}
		oneOf("cookies.categories."+name, p.Cookies.Categories[name], Categories...)
	}
	oneOf("cookies.unknown", p.Cookies.Unknown, Categories...)
	if p.Cookies.MaxAge < 0 {
		bad("cookies.max_age", "%s is negative", p.Cookies.MaxAge)
	}
	for i, h := range p.Headers.ClientIP {
		if !httpsyntax.IsToken(h) {
			bad(fmt.Sprintf("headers.client_ip[%d]", i), "%q is not a header name", h)
		}
	}
	for i, h := range p.Headers.Drop {
		if !httpsyntax.IsToken(h) {
			bad(fmt.Sprintf("headers.drop[%d]", i), "%q is not a header name", h)
		}
	}
	if c := p.Headers.Country; c != "" && c != "-" && !httpsyntax.IsToken(c) {
		bad("headers.country", "%q is not a header name; use \"-\" for none", c)
	}
	oneOf("user_agent", p.UserAgent, "generalize", "keep", "drop")
	if p.Pseudonym.Rotate < 0 || (p.Pseudonym.Rotate > 0 && time.Duration(p.Pseudonym.Rotate) < time.Minute) {
		bad("pseudonym.rotate", "%s is too short; want at least 1m", p.Pseudonym.Rotate)
	}
	if p.Pseudonym.Retention < 0 {
		bad("pseudonym.retention", "%s is negative", p.Pseudonym.Retention)
	}
	oneOf("keys.store", p.Keys.Store, KeyStores...)
	if p.Keys.Store == KeyStoreRedis {
		if a := p.Keys.Address; a == "" {
			bad("keys.address", "the redis store needs the server's host:port, such as \"localhost:6379\"")
		} else if _, port, err := net.SplitHostPort(a); !strings.HasPrefix(a, "{") && (err != nil || port == "") {
			bad("keys.address", "%q is not host:port, such as \"localhost:6379\"", a)
		}
	} else {
		for _, f := range [...]struct{ name, value string }{
			{"keys.address", p.Keys.Address}, {"keys.password", p.Keys.Password}, {"keys.prefix", p.Keys.Prefix},
		} {
			if f.value != "" {
				bad(f.name, "only the redis store uses it; set keys.store to \"redis\"")
			}
		}
	}
	if strings.ContainsAny(p.Keys.Prefix, " \t\r\n*?[]") {
		bad("keys.prefix", "%q has spaces or pattern characters; want a name such as \"caddy-privacy\"", p.Keys.Prefix)
	}
	oneOf("consent.format", p.Consent.Format, ConsentFormats...)
	if c := p.Consent.Cookie; c != "" && !httpsyntax.IsToken(c) {
		bad("consent.cookie", "%q is not a cookie name", c)
	}
	for _, k := range sortedKeys(p.Consent.Fields) {
		oneOf("consent.fields."+k, p.Consent.Fields[k], Categories...)
	}
	checkCategories := func(field string, cats []string) {
		for i, c := range cats {
			if c == CategoryNecessary {
				bad(fmt.Sprintf("%s[%d]", field, i), "necessary cannot be denied")
				continue
			}
			if c == "none" && field == "consent.dnt" && len(cats) == 1 {
				continue
			}
			oneOf(fmt.Sprintf("%s[%d]", field, i), c, CategoryFunctional, CategoryAnalytics, CategoryMarketing)
		}
	}
	checkCategories("consent.gpc", p.Consent.GPC)
	checkCategories("consent.dnt", p.Consent.DNT)
	return errors.Join(errs...)
}

// Load reads a JSON policy, rejecting unknown fields and trailing data,
// fills in the defaults and validates it.
func Load(r io.Reader) (Policy, error) {
	var p Policy
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Policy{}, describeJSONError(err)
	}
	if dec.More() {
		return Policy{}, errors.New("policy: unexpected data after the JSON object")
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	p.ApplyDefaults()
	return p, nil
}

// LoadFile reads a JSON policy file; errors name the file.
func LoadFile(path string) (Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Policy{}, err
	}
	p, err := Load(bytes.NewReader(b))
	if err != nil {
		return Policy{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

func describeJSONError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Errorf("%s: %s is not a valid %s", typeErr.Field, typeErr.Value, typeErr.Type)
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fmt.Errorf("policy is not valid JSON at byte %d: %v", syntaxErr.Offset, err)
	}
	if errors.Is(err, io.EOF) {
		return errors.New("policy is empty; want a JSON object such as {}")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("policy is not valid JSON: it ends early")
	}
	// encoding/json names unknown fields as `json: unknown field "x"`.
	return fmt.Errorf("policy: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// ExpandEnv replaces the placeholders {env.NAME} in s with the values of
// the environment variables, as Caddy does in its config, so a policy file
// that the CLI and Caddy share reads the same. Unset variables become "".
func ExpandEnv(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "{env.")
		j := strings.IndexByte(s[max(i, 0):], '}')
		if i < 0 || j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(os.Getenv(s[i+len("{env.") : i+j]))
		s = s[i+j+1:]
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}
