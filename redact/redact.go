// Package redact is caddy-privacy's engine: it applies a config.Policy to
// client addresses, free text, URLs, cookies, headers and user agents.
//
// The work is done by small packages, each usable on its own:
//
//	redact/country    country database and resolver
//	redact/ipaddr     address parsing and the IP transforms
//	redact/pseudonym  keyed, rotating pseudonyms
//	redact/detect     identifier detectors for free text
//	redact/shape      what a single value looks like: an id, a token, harmless
//	redact/names      person names in free text
//	redact/scrub      URL, cookie, header and user-agent scrubbers
//
// A Redactor puts them together as the policy says, and this package adds
// what needs all of them: the one table of rules for log fields and
// headers (Rules, AppendRule), which every front end reads, and free text
// that knows URLs, query strings and tokens by their shape (AppendText). Its Append methods
// follow the strconv style: they append to dst and return the extended
// slice, and allocate nothing when dst has room.
package redact

import (
	"fmt"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/redact/country"
	"github.com/caddy-privacy/caddy-privacy/redact/detect"
	"github.com/caddy-privacy/caddy-privacy/redact/ipaddr"
	"github.com/caddy-privacy/caddy-privacy/redact/names"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym"
	"github.com/caddy-privacy/caddy-privacy/redact/scrub"
)

// Redactor applies one policy. It is safe for concurrent use; its parts
// are exported for front ends that need one of them alone.
type Redactor struct {
	// Countries resolves addresses to countries; nil when geoip is off.
	Countries *country.Resolver
	// Keys makes pseudonyms.
	Keys *pseudonym.KeyRing
	// IP applies the policy's IP transform.
	IP *ipaddr.Transform
	// Text finds and replaces identifiers in free text.
	Text *detect.Scanner
	// URL scrubs URLs and request targets.
	URL *scrub.URL
	// Cookies classifies and filters cookies.
	Cookies *scrub.Cookies
	// Headers knows which headers carry addresses and credentials.
	Headers *scrub.Headers

	policy config.Policy
	rules  *Rules
	// findNames is whether person names are searched for in free text.
	findNames bool
	agents    memo
	// cleanText holds recent free text that came out unchanged.
	cleanText cleanSet
	// cleanURLs holds recent URLs that came out unchanged.
	cleanURLs cleanSet
}

// New builds a Redactor for p, which must have its defaults applied and be
// valid. countries may be nil when p.GeoIP.Off is set; keys must not be nil.
func New(p config.Policy, countries *country.Resolver, keys *pseudonym.KeyRing) (*Redactor, error) {
	if keys == nil {
		return nil, fmt.Errorf("redact: a pseudonym key ring is required")
	}
	r := &Redactor{Countries: countries, Keys: keys, policy: p}
	var lookup ipaddr.CountryLookup
	if countries != nil && !p.GeoIP.Off {
		lookup = countries
	}
	var err error
	if r.IP, err = ipaddr.NewTransform(p.IP, lookup, keys); err != nil {
		return nil, err
	}
	if r.Text, err = detect.New(detect.Options{
		Detectors: p.Detectors,
		IP:        r.IP.AppendAddr,
		Pseudonym: keys.AppendPseudonym,
	}); err != nil {
		return nil, err
	}
	var urlOpts []scrub.URLOption
	if r.findNames = !p.Detectors["name"].Off; r.findNames {
		// Names are looked for where people type them: values of several
		// words, such as a site search or a message.
		urlOpts = append(urlOpts, scrub.WithFreeText(names.AppendRedactedTerm))
	}
	if r.URL, err = scrub.NewURL(p.URL, r.Text.AppendRedacted, urlOpts...); err != nil {
		return nil, err
	}
	if r.Cookies, err = scrub.NewCookies(p.Cookies); err != nil {
		return nil, err
	}
	r.Headers = scrub.NewHeaders(p.Headers)
	r.rules = NewRules(p)
	return r, nil
}

// Policy returns the policy r applies.
func (r *Redactor) Policy() config.Policy { return r.policy }

// Rules returns the field and header rules of r's policy.
func (r *Redactor) Rules() *Rules { return r.rules }

// AppendIP appends a client-address value (an address, host:port or a
// comma-separated list) as the IP transform makes it.
func (r *Redactor) AppendIP(dst, src []byte) []byte { return r.IP.AppendValue(dst, src) }

// AppendForwarded appends an RFC 7239 Forwarded header value with its
// addresses transformed.
func (r *Redactor) AppendForwarded(dst, src []byte) []byte { return r.IP.AppendForwarded(dst, src) }

// AppendURL appends a URL or request target, scrubbed.
func (r *Redactor) AppendURL(dst, src []byte) []byte {
	return r.cleanURLs.append(dst, src, r.URL.Append)
}

// AppendPseudonym appends a keyed, rotating pseudonym of src.
func (r *Redactor) AppendPseudonym(dst, src []byte) []byte { return r.Keys.AppendPseudonym(dst, src) }

// AppendUserAgent appends a User-Agent as the policy says: generalised to
// browser family, major version and OS family by default.
func (r *Redactor) AppendUserAgent(dst, src []byte) []byte {
	switch r.policy.UserAgent {
	case "keep":
		return r.Text.AppendRedacted(dst, src)
	case "drop":
		return dst
	}
	// Generalising is a pure function of the agent.
	return r.agents.append(dst, src, scrub.AppendUserAgent)
}

// IsClientIPHeader reports whether the named header carries client
// addresses.
func (r *Redactor) IsClientIPHeader(name string) bool { return r.Headers.IsClientIP(name) }

// IsDropHeader reports whether the named header is dropped from logs and
// beacons (credentials and cookies).
func (r *Redactor) IsDropHeader(name string) bool { return r.Headers.IsDrop(name) }
