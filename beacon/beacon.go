// Package beacon sanitises analytics beacons on their way from a visitor's
// browser to an analytics vendor: Google Analytics 4 (as sent by gtag.js),
// Universal Analytics, Matomo, Plausible, Umami, Segment, PostHog,
// Amplitude, Mixpanel, and a generic format configured by field name.
//
// A Sanitizer knows one vendor's wire formats (GET query, POST form, POST
// with one event per line, JSON, JSON batches) and rewrites a beacon so
// that no identifier leaves: user ids are dropped, client and session ids
// become keyed pseudonyms that change when the key rotates, URLs and free
// text go through the engine's scrubbers, the user agent and client hints
// are generalised, the IP override becomes a stand-in address in the
// visitor's country, and a consent claim in the beacon is lowered to the
// request's consent decision. Parameters it does not know are dropped.
// What cannot be parsed is not forwarded.
//
// The package knows nothing of HTTP servers: the Caddy handler
// http.handlers.privacy_beacon feeds it the request and sends on what it
// returns. The redaction engine is reached through the func values of
// Engine, so the package builds and fuzzes alone.
package beacon

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// Reason says why a beacon was held back. Its String is a metrics label.
type Reason uint8

// The reasons a beacon is held back.
const (
	// NoConsent: the request does not have analytics consent.
	NoConsent Reason = iota + 1
	// Malformed: the beacon cannot be parsed, or is not in the vendor's
	// format.
	Malformed
	// Oversized: the body is over the size limit or the batch holds more
	// events than allowed.
	Oversized
	// PathRefused: the path is not one of the vendor's collection paths,
	// or the method is not one the vendor uses.
	PathRefused
	// Local: the path is one the gateway answers itself, such as an
	// SDK's own telemetry.
	Local
)

// String returns the reason's metrics label: no_consent, malformed,
// oversized, path_refused or local.
func (r Reason) String() string {
	switch r {
	case NoConsent:
		return "no_consent"
	case Malformed:
		return "malformed"
	case Oversized:
		return "oversized"
	case PathRefused:
		return "path_refused"
	case Local:
		return "local"
	}
	return "unknown"
}

// Error is why a beacon is not forwarded. Its message names the part of
// the beacon at fault and never holds a value from it.
type Error struct {
	// Reason is what the beacon is counted under.
	Reason Reason
	// Detail says what was wrong, such as "body: JSON nested deeper than
	// 32 levels".
	Detail string
}

func (e *Error) Error() string { return "beacon " + e.Reason.String() + ": " + e.Detail }

// ReasonOf returns the Reason of an error returned by Sanitize, Malformed
// for any other error, and 0 for nil.
func ReasonOf(err error) Reason {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return Malformed
}

func errorf(r Reason, format string, args ...any) *Error {
	return &Error{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// Engine is what a Sanitizer borrows from the redaction engine; the Caddy
// handler fills it from a redact.Redactor. Each func appends to dst and
// returns the extended slice, must not keep dst or src, and must be safe
// for concurrent use. All are required.
type Engine struct {
	// Text replaces identifiers in free text (Redactor.AppendText).
	Text func(dst, src []byte) []byte
	// URL scrubs an absolute or relative URL (Redactor.AppendURL).
	URL func(dst, src []byte) []byte
	// Pseudonym appends a keyed, rotating pseudonym of src
	// (Redactor.AppendPseudonym): 12 base64url characters.
	Pseudonym func(dst, src []byte) []byte
	// UserAgent generalises a User-Agent (Redactor.AppendUserAgent), to
	// a form such as "Chrome/120 (Windows)"; appending nothing drops it.
	UserAgent func(dst, src []byte) []byte
}

// Referrer modes.
const (
	// ReferrerOrigin keeps the scheme and host of a referrer, as
	// browsers' default referrer policy does for cross-origin requests.
	ReferrerOrigin = "origin"
	// ReferrerURL keeps the whole referrer, scrubbed like a page URL.
	ReferrerURL = "url"
	// ReferrerDrop removes referrers.
	ReferrerDrop = "drop"
)

// IP override modes.
const (
	// IPStandIn sends an address in the visitor's country, taken from the
	// country database, in the vendor's IP override.
	IPStandIn = "stand_in"
	// IPNone sends no IP override: the vendor sees the gateway's address.
	IPNone = "none"
)

// DefaultMaxEvents is the default limit on events in one beacon.
const DefaultMaxEvents = 100

// DefaultMaxBody is the default limit on a body once decompressed.
const DefaultMaxBody = 1 << 20

// maxCompressionRatio bounds how much a compressed body may grow: a
// JSON batch compresses about tenfold; a thousandfold is a bomb.
const maxCompressionRatio = 100

func (in *Input) maxBody() int {
	if in.MaxBody > 0 {
		return in.MaxBody
	}
	return DefaultMaxBody
}

// Config configures a Sanitizer. The zero value of every field but Vendor
// means its documented default.
type Config struct {
	// Vendor is the wire format: "ga4", "ua", "matomo", "plausible",
	// "umami", "segment", "posthog", "amplitude", "mixpanel" or
	// "generic". Required.
	Vendor string `json:"vendor,omitempty"`

	// Paths are the request paths accepted, replacing the vendor's
	// collection paths (such as /g/collect for ga4 or /matomo.php and
	// /piwik.php for matomo). Each must end in one of the vendor's paths,
	// so /analytics/matomo.php is accepted for a Matomo installed under
	// /analytics/. Required for generic, which has none of its own.
	Paths []string `json:"paths,omitempty"`

	// Allow names extra parameters (or JSON fields, dotted as in
	// "payload.data") to keep; their values go through the detectors. A
	// name ending in "*" is a prefix. User ids, which are always dropped,
	// cannot be allowed. Default: none; every parameter not in the
	// vendor's table is dropped.
	Allow []string `json:"allow,omitempty"`

	// Drop names parameters (or dotted JSON fields) to remove although the
	// vendor's table keeps them, such as "sr" (screen resolution). A name
	// ending in "*" is a prefix.
	Drop []string `json:"drop,omitempty"`

	// Referrer is what becomes of referrers (GA dr, Matomo urlref,
	// Plausible r, Umami referrer, Segment page.referrer): "origin"
	// (default: scheme and host only), "url" (the whole URL, scrubbed) or
	// "drop".
	Referrer string `json:"referrer,omitempty"`

	// IPOverride is what the vendor is told the client's address is:
	// "stand_in" (default: an address in the visitor's country, from the
	// country database, so that country reports stay right) or "none".
	IPOverride string `json:"ip_override,omitempty"`

	// Cookieless, for ga4 only, forwards beacons without analytics consent
	// as consent-denied pings: no client, session or user id, no user
	// properties, gcs=G100. Only for sites whose legal basis allows it.
	// Default: false; such beacons are not forwarded at all.
	Cookieless bool `json:"cookieless,omitempty"`

	// MaxEvents is the most events (GA lines, Matomo bulk requests,
	// Segment batch messages) one beacon may hold; a bigger batch is not
	// forwarded. Default: 100.
	MaxEvents int `json:"max_events,omitempty"`

	// Fields says what the generic vendor does with each query, form or
	// JSON field. Required for generic, refused for the others.
	Fields *Fields `json:"fields,omitempty"`

	// Status is the status the generic vendor answers, with an empty
	// body, a beacon it does not forward for lack of consent: a 2xx that
	// the site's script takes for success (PostHog-style SDKs retry
	// anything but 200). Default: 204. Refused for the other vendors,
	// which answer as their collectors do.
	Status int `json:"status,omitempty"`
}

// Fields lists parameter names (query and form) or dotted JSON paths (such
// as "payload.url"; array elements take their array's path) for the
// generic vendor. A name ending in "*" is a prefix. A field in none of the
// lists is dropped; a name in two lists is an error.
type Fields struct {
	// Keep keeps scalar values as they are.
	Keep []string `json:"keep,omitempty"`
	// Text runs values through the detectors; for JSON, objects and
	// arrays are walked and every key and string goes through them.
	Text []string `json:"text,omitempty"`
	// URL scrubs values as page URLs.
	URL []string `json:"url,omitempty"`
	// Referrer treats values as referrers, as Config.Referrer says.
	Referrer []string `json:"referrer,omitempty"`
	// Pseudonym replaces values with keyed, rotating pseudonyms.
	Pseudonym []string `json:"pseudonym,omitempty"`
	// UserAgent generalises values as user agents.
	UserAgent []string `json:"user_agent,omitempty"`
	// IP replaces values with the stand-in address, or drops them when
	// there is none.
	IP []string `json:"ip,omitempty"`
	// Drop removes the fields. Listing them documents the intent;
	// unlisted fields are dropped too.
	Drop []string `json:"drop,omitempty"`
}

// Input is one beacon as the visitor's browser sent it.
type Input struct {
	// Method is the HTTP method.
	Method string
	// Path is the request path, decoded (r.URL.Path).
	Path string
	// Query is the raw query string, without '?'.
	Query []byte
	// ContentType is the Content-Type header.
	ContentType string
	// Body is the whole request body, as sent.
	Body []byte
	// ContentEncoding is the Content-Encoding header: the body is
	// decompressed (gzip, deflate, br) before it is read, and forwarded
	// uncompressed.
	ContentEncoding string
	// MaxBody bounds the body once decompressed, in bytes; more is
	// Oversized. 0 means DefaultMaxBody.
	MaxBody int
	// Consent is the request's consent decision.
	Consent consent.Set
	// StandIn is an address in the visitor's country, or the zero Addr
	// if there is none (no database, or a country it lists no network
	// for).
	StandIn netip.Addr
}

// Output is the beacon to forward. Its buffers are reused by the next
// Sanitize call given the same Output; keep one per goroutine, or in a
// sync.Pool.
type Output struct {
	// Query is the raw query string to send, without '?'.
	Query []byte
	// Body is the body to send; empty means none.
	Body []byte
	// ContentType is the Content-Type to send with Body; "" when Body is
	// empty.
	ContentType string
	// Events is the number of events in the beacon.
	Events int
	// Cookieless reports that the beacon is forwarded as a
	// consent-denied ping (Config.Cookieless).
	Cookieless bool

	st state
}

func (o *Output) reset() {
	o.Query = o.Query[:0]
	o.Body = o.Body[:0]
	o.ContentType = ""
	o.Events = 0
	o.Cookieless = false
}

// Sanitizer sanitises one vendor's beacons under one Config. It is
// immutable and safe for concurrent use.
type Sanitizer struct {
	v          *vendor
	status     int
	eng        Engine
	referrer   string
	ipOverride bool
	cookieless bool
	maxEvents  int
	paths      []vendorPath
	query      *paramTable // the vendor's query parameters, or nil
	json       *jsonSchema // the vendor's JSON body, or nil
	allow      nameList
	drop       nameList
}

// New returns a Sanitizer for c. Errors name the field at fault and say
// what would be accepted.
func New(c Config, eng Engine) (*Sanitizer, error) {
	v := vendorNamed(c.Vendor)
	if v == nil {
		return nil, fmt.Errorf("vendor: %q is not one of %s", c.Vendor, strings.Join(VendorNames(), ", "))
	}
	if eng.Text == nil || eng.URL == nil || eng.Pseudonym == nil || eng.UserAgent == nil {
		return nil, errors.New("beacon: the engine lacks a Text, URL, Pseudonym or UserAgent func")
	}
	s := &Sanitizer{v: v, eng: eng, cookieless: c.Cookieless, maxEvents: c.MaxEvents}
	var errs []error
	switch c.Referrer {
	case "", ReferrerOrigin:
		s.referrer = ReferrerOrigin
	case ReferrerURL, ReferrerDrop:
		s.referrer = c.Referrer
	default:
		errs = append(errs, fmt.Errorf("referrer: %q is not %q, %q or %q", c.Referrer, ReferrerOrigin, ReferrerURL, ReferrerDrop))
	}
	switch c.IPOverride {
	case "", IPStandIn:
		s.ipOverride = true
	case IPNone:
	default:
		errs = append(errs, fmt.Errorf("ip_override: %q is not %q or %q", c.IPOverride, IPStandIn, IPNone))
	}
	if c.Cookieless && !v.cookieless {
		errs = append(errs, fmt.Errorf("cookieless: only ga4 has consent-denied pings, not %s", v.name))
	}
	switch {
	case c.Status != 0 && v != genericVendor:
		errs = append(errs, fmt.Errorf("status: only the generic vendor takes an answer status; %s answers as its collector does", v.name))
	case c.Status != 0 && (c.Status < 200 || c.Status > 299):
		errs = append(errs, fmt.Errorf("status: %d is not a success status (200 to 299)", c.Status))
	}
	s.status = c.Status
	if c.MaxEvents < 0 {
		errs = append(errs, fmt.Errorf("max_events: %d is negative; want a positive number, or 0 for the default %d", c.MaxEvents, DefaultMaxEvents))
	}
	if s.maxEvents == 0 {
		s.maxEvents = DefaultMaxEvents
	}
	if (c.Fields != nil) != (v == genericVendor) {
		if v == genericVendor {
			errs = append(errs, errors.New("fields: the generic vendor needs field lists (keep, text, url, referrer, pseudonym, user_agent, ip)"))
		} else {
			errs = append(errs, fmt.Errorf("fields: only the generic vendor takes field lists; %s has its own table", v.name))
		}
	}
	var err error
	if s.paths, err = pathsFor(v, c.Paths); err != nil {
		errs = append(errs, err)
	}
	if err := checkNames("allow", c.Allow); err != nil {
		errs = append(errs, err)
	}
	if err := checkNames("drop", c.Drop); err != nil {
		errs = append(errs, err)
	}
	for _, n := range c.Allow {
		if v.isUserID(n) {
			errs = append(errs, fmt.Errorf("allow: %q is a user id, which %s beacons never carry", n, v.name))
		}
	}
	s.allow = newNameList(c.Allow)
	s.drop = newNameList(c.Drop)
	s.query, s.json = v.table, v.schema
	if v == genericVendor && c.Fields != nil {
		if s.query, s.json, err = genericTables(c.Fields); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

func pathsFor(v *vendor, paths []string) ([]vendorPath, error) {
	if len(paths) == 0 {
		if v == genericVendor {
			return nil, errors.New("paths: the generic vendor has no collection path of its own; list the paths to accept")
		}
		return v.paths, nil
	}
	var out []vendorPath
	for i, p := range paths {
		if !cleanPath(p) {
			return nil, fmt.Errorf("paths[%d]: %q is not a clean absolute path such as /g/collect", i, p)
		}
		if v == genericVendor {
			out = append(out, vendorPath{path: p})
			continue
		}
		found := false
		for _, vp := range v.paths {
			if strings.HasSuffix(p, vp.path) {
				vp.path = p
				out = append(out, vp)
				found = true
				break
			}
		}
		if !found {
			var want []string
			for _, vp := range v.paths {
				want = append(want, vp.path)
			}
			return nil, fmt.Errorf("paths[%d]: %q does not end in one of %s's collection paths (%s)", i, p, v.name, strings.Join(want, ", "))
		}
	}
	return out, nil
}

// cleanPath reports whether p is an absolute path without dot segments,
// escapes or empty segments; "*" may only be a whole segment.
func cleanPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.Contains(p, "..") || strings.Contains(p, "//") ||
		strings.ContainsAny(p, "?#%\\ \t") {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		if strings.Contains(seg, "*") && seg != "*" {
			return false
		}
	}
	return true
}

// Vendor returns the Sanitizer's vendor, as the configuration names it.
func (s *Sanitizer) Vendor() string { return s.v.name }

// Paths returns the request paths the Sanitizer accepts.
func (s *Sanitizer) Paths() []string {
	out := make([]string, len(s.paths))
	for i, p := range s.paths {
		out[i] = p.path
	}
	return out
}

// Route reports, as an *Error with Reason PathRefused, a request the
// gateway must refuse before reading its body: a path that is not one of
// the vendor's collection paths, or a method the vendor does not use
// there (GET and POST; POST only for Plausible, Umami, Segment and UA's
// /batch).
func (s *Sanitizer) Route(method, path string) error {
	_, err := s.route(method, path)
	return err
}

// route finds the path and checks the method.
func (s *Sanitizer) route(method, path string) (*vendorPath, error) {
	for i := range s.paths {
		p := &s.paths[i]
		if !p.match(path) {
			continue
		}
		if method == "POST" || method == "GET" && !p.postOnly {
			return p, nil
		}
		return nil, errorf(PathRefused, "method not used by %s on this path", s.v.name)
	}
	return nil, errorf(PathRefused, "path is not a %s collection path", s.v.name)
}

// Sanitize rewrites the beacon in into out. It returns an *Error, with the
// Reason to count it under, when the beacon is not to be forwarded: its
// path or method is not the vendor's, the request lacks analytics consent
// (unless Cookieless applies), it cannot be parsed, or it holds more than
// MaxEvents events. The caller bounds the body as sent; Input.MaxBody
// bounds it decompressed.
func (s *Sanitizer) Sanitize(out *Output, in *Input) error {
	out.reset()
	p, err := s.route(in.Method, in.Path)
	if err != nil {
		return err
	}
	if p.use == useLocal {
		return errorf(Local, "answered by the gateway")
	}
	if !in.Consent.Has(consent.Analytics) && (!s.cookieless || p.use != useCollect) {
		return errorf(NoConsent, "no analytics consent")
	}
	if in.Method == "GET" && len(in.Body) > 0 {
		return errorf(Malformed, "GET with a body")
	}
	st := &out.st
	// A pooled Output must not keep the request's body or the beacon's
	// identifiers alive.
	defer st.end()
	if in.ContentEncoding != "" {
		body, err := DecodeBody(st.dec[:0], in.ContentEncoding, in.Body, in.maxBody(), maxCompressionRatio)
		st.dec = body
		if err != nil {
			return err
		}
		// The vendors read st.in; the caller's Input stays as it was.
		dec := *in
		dec.Body, dec.ContentEncoding = body, ""
		in = &dec
	}
	st.begin(s, in, out)
	if !in.Consent.Has(consent.Analytics) {
		st.cookieless = true
		out.Cookieless = true
	}
	err = s.v.sanitize(s, st, p.kind)
	if err != nil {
		out.reset()
		return err
	}
	if out.Events > s.maxEvents {
		out.reset()
		return errorf(Oversized, "%d events; the limit is %d", out.Events, s.maxEvents)
	}
	if len(out.Body) == 0 {
		out.ContentType = ""
	}
	return nil
}

// StandInFor returns the address a vendor is to see as the client's for a
// beacon sanitised with in: in.StandIn under the default "stand_in"
// override, or the zero Addr.
func (s *Sanitizer) StandInFor(in *Input) netip.Addr {
	if !s.ipOverride {
		return netip.Addr{}
	}
	return in.StandIn
}
