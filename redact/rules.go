package redact

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/internal/percent"
	"github.com/caddy-privacy/caddy-privacy/redact/scrub"
)

// Rule is what happens to a log value, chosen by where it sits: the name
// of its field, or of its header inside a header map. Every front end (the
// Caddy log encoder and field filters, the log CLI, the OpenTelemetry
// processor) reads rules from one Rules table and applies them with
// Redactor.AppendRule, so that they cannot drift apart.
type Rule uint8

const (
	// RuleText is free text: URLs, query strings and key=value runs in it
	// are scrubbed as URLs, and the rest goes through every detector.
	// Fields and headers nobody listed get it: what is not known to be
	// harmless is searched.
	RuleText Rule = iota
	// RuleDrop removes the value and its key.
	RuleDrop
	// RuleIP is a client address, host:port or a comma-separated list.
	RuleIP
	// RuleForwarded is an RFC 7239 Forwarded header value.
	RuleForwarded
	// RuleURL is a URL or request target.
	RuleURL
	// RulePseudonym is an identifier of a person: it becomes a keyed,
	// rotating pseudonym.
	RulePseudonym
	// RuleUserAgent is a User-Agent.
	RuleUserAgent
	// RuleHintUA, RuleHintMobile and RuleHintPlatform are the low-entropy
	// client hints Sec-CH-UA, Sec-CH-UA-Mobile and Sec-CH-UA-Platform,
	// kept only when well formed.
	RuleHintUA
	RuleHintMobile
	RuleHintPlatform
	// RuleHeaders is an object whose keys are header names.
	RuleHeaders
	// RuleTrace is a trace or correlation id (traceparent, X-B3-TraceId,
	// X-Request-Id…): random per request, it joins log lines to traces,
	// not visits to people, so a value with a trace id's syntax (hex,
	// digits, '-', '/', '.', and key=value parts joined by ';' or ',') is
	// kept. Anything else is free text: a client can send any value.
	RuleTrace
	// RuleKeep is a value the server itself wrote that describes no
	// visitor, such as its Content-Security-Policy: searched, it would
	// lose the site's own origins to the address detectors.
	RuleKeep
)

// Strict reports whether a number under a key with this rule is redacted
// as text rather than kept: an address or an account number can be
// logged as one.
func (rl Rule) Strict() bool {
	return rl == RuleIP || rl == RuleForwarded || rl == RulePseudonym
}

// Rules is the table of field and header rules for one policy. It is
// immutable and safe for concurrent use; lookups allocate nothing.
type Rules struct {
	// headers maps lower-case header names to their rules, for every
	// header some list names.
	headers map[string]Rule
	// exact holds the same rules, and RuleText for common headers, under
	// the canonical spelling logs use, so that most lookups are one.
	exact    map[string]Rule
	ipDrop   bool // the IP transform is drop
	uaDrop   bool // user agents are dropped
	hintKeep bool // user agents are kept as they are, high-entropy hints too
}

// keepHeaders are response headers the server writes about itself.
var keepHeaders = []string{"Content-Security-Policy", "Content-Security-Policy-Report-Only"}

// traceHeaders carry per-request trace and correlation ids.
var traceHeaders = []string{
	"Traceparent", "X-B3-Traceid", "X-B3-Spanid", "X-B3-Parentspanid",
	"X-B3-Sampled", "B3", "X-Request-Id", "X-Correlation-Id", "X-Amzn-Trace-Id",
	"X-Cloud-Trace-Context", "Cf-Ray",
}

// urlHeaders carry URLs of the site or of the page a visitor came from.
var urlHeaders = []string{"Referer", "Referrer", "Origin", "Location", "Content-Location"}

// NewRules returns the rules for p, which must have its defaults applied.
func NewRules(p config.Policy) *Rules {
	r := &Rules{
		headers:  make(map[string]Rule),
		exact:    make(map[string]Rule),
		ipDrop:   p.IP.Transform == config.TransformDrop,
		uaDrop:   p.UserAgent == "drop",
		hintKeep: p.UserAgent == "keep",
	}
	set := func(rl Rule, names ...string) {
		for _, n := range names {
			if n = strings.ToLower(n); len(n) <= maxHeaderName {
				if _, ok := r.headers[n]; !ok {
					r.headers[n] = r.resolve(rl)
				}
			}
		}
	}
	// First listed wins: credentials and locations are dropped even when a
	// policy also names them as address headers.
	set(RuleDrop, scrub.DropHeaders...)
	set(RuleDrop, p.Headers.Drop...)
	set(RuleDrop, scrub.LocationHeaders...)
	set(RuleForwarded, "Forwarded")
	set(RuleIP, scrub.ClientIPHeaders...)
	for _, n := range p.Headers.ClientIP {
		// The GPC specification forbids intermediaries to remove Sec-GPC.
		if !strings.EqualFold(n, "Sec-Gpc") {
			set(RuleIP, n)
		}
	}
	set(RuleURL, urlHeaders...)
	set(RuleUserAgent, "User-Agent")
	set(RuleKeep, keepHeaders...)
	set(RuleTrace, traceHeaders...)
	for name, rl := range r.headers {
		r.exact[http.CanonicalHeaderKey(name)] = rl
	}
	for _, name := range commonHeaders {
		if _, ok := r.exact[name]; !ok {
			r.exact[name] = headerRule(r, name)
		}
	}
	return r
}

// commonHeaders are headers most requests and responses carry.
var commonHeaders = []string{
	"Accept", "Accept-Encoding", "Accept-Language", "Accept-Ranges", "Age", "Alt-Svc",
	"Cache-Control", "Connection", "Content-Encoding", "Content-Language", "Content-Length",
	"Content-Type", "Date", "Dnt", "Etag", "Expires", "Host", "If-Modified-Since",
	"If-None-Match", "Last-Modified", "Pragma", "Priority", "Referrer-Policy", "Sec-Ch-Ua",
	"Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform", "Sec-Fetch-Dest", "Sec-Fetch-Mode",
	"Sec-Fetch-Site", "Sec-Fetch-User", "Sec-Gpc", "Server", "Strict-Transport-Security",
	"Te", "Upgrade-Insecure-Requests", "Vary", "Via", "X-Content-Type-Options",
	"X-Frame-Options", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Requested-With",
}

// maxHeaderName is the longest header name looked up in the table; longer
// names, which no real header has, are free text.
const maxHeaderName = 64

// resolve turns the rules of values the policy removes into RuleDrop, so
// that their keys go too.
func (r *Rules) resolve(rl Rule) Rule {
	switch {
	case rl == RuleIP && r.ipDrop,
		(rl == RuleUserAgent || rl == RuleHintUA || rl == RuleHintMobile || rl == RuleHintPlatform) && r.uaDrop:
		return RuleDrop
	}
	return rl
}

// Field returns the rule for a log field that is not a header, at any
// depth: the same names mean the same in Caddy's access log
// ("request": {"remote_ip": …}) and in loggers that put them at the top.
func (r *Rules) Field(key string) Rule { return fieldRule(r, key) }

// FieldBytes is Field for a key held in bytes.
func (r *Rules) FieldBytes(key []byte) Rule { return fieldRule(r, key) }

func fieldRule[T string | []byte](r *Rules, key T) Rule {
	var rl Rule
	switch string(key) {
	case "remote_ip", "client_ip", "remote_addr", "remote", "ip":
		rl = RuleIP
	case "remote_port":
		rl = RuleDrop
	case "uri", "url", "referer", "referrer":
		rl = RuleURL
	case "user_id", "client_common_name", "client_serial":
		rl = RulePseudonym
	case "user_agent":
		rl = RuleUserAgent
	case "headers", "resp_headers", "req_headers", "request_headers", "response_headers":
		rl = RuleHeaders
	}
	return r.resolve(rl)
}

// Attribute returns the rule for an OpenTelemetry attribute or a key of a
// structured log body: the semantic-convention names
// (https://opentelemetry.io/docs/specs/semconv/) for client addresses,
// URLs, request headers, user agents and user ids, and the log field names
// Field knows for everything else.
func (r *Rules) Attribute(name string) Rule {
	switch name {
	case "client.address", "source.address", "network.peer.address":
		return r.resolve(RuleIP)
	case "client.port", "source.port", "network.peer.port":
		return RuleDrop
	case "url.full", "url.query", "url.path", "url.original", "http.url", "http.target":
		return RuleURL
	case "user_agent.original", "http.user_agent":
		return r.resolve(RuleUserAgent)
	case "user.id", "enduser.id", "user.name", "user.email", "user.full_name":
		return RulePseudonym
	}
	const req, resp = "http.request.header.", "http.response.header."
	switch {
	case strings.HasPrefix(name, req):
		return headerRule(r, name[len(req):])
	case strings.HasPrefix(name, resp):
		return headerRule(r, name[len(resp):])
	}
	return fieldRule(r, name)
}

// Header returns the rule for a header, by name in any case.
func (r *Rules) Header(name string) Rule { return headerRule(r, name) }

// HeaderBytes is Header for a name held in bytes.
func (r *Rules) HeaderBytes(name []byte) Rule { return headerRule(r, name) }

func headerRule[T string | []byte](r *Rules, name T) Rule {
	if rl, ok := r.exact[string(name)]; ok {
		return rl
	}
	if len(name) > maxHeaderName {
		return RuleText
	}
	var buf [maxHeaderName]byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	lower := buf[:len(name)]
	if rl, ok := r.headers[string(lower)]; ok {
		return rl
	}
	const hint = "sec-ch-ua"
	if len(lower) < len(hint) || string(lower[:len(hint)]) != hint {
		return RuleText
	}
	var rl Rule
	switch string(lower) {
	case "sec-ch-ua":
		rl = RuleHintUA
	case "sec-ch-ua-mobile":
		rl = RuleHintMobile
	case "sec-ch-ua-platform":
		rl = RuleHintPlatform
	default:
		// High-entropy hints (model, full versions, architecture) say
		// more about a device than the User-Agent we generalise.
		if !r.hintKeep {
			return RuleDrop
		}
		rl = RuleUserAgent
	}
	return r.resolve(rl)
}

// AppendRule appends src as rl says and returns the extended slice. It
// appends nothing when the value is to be removed.
func (r *Redactor) AppendRule(dst []byte, rl Rule, src []byte) []byte {
	switch rl {
	case RuleDrop:
		return dst
	case RuleKeep:
		return append(dst, src...)
	case RuleTrace:
		if traceID(src) {
			return append(dst, src...)
		}
		return r.AppendText(dst, src)
	case RuleIP:
		return r.AppendIP(dst, src)
	case RuleForwarded:
		return r.AppendForwarded(dst, src)
	case RuleURL:
		return r.AppendURL(dst, src)
	case RulePseudonym:
		return r.AppendPseudonym(dst, src)
	case RuleUserAgent:
		return r.AppendUserAgent(dst, src)
	case RuleHintUA, RuleHintMobile, RuleHintPlatform:
		if r.policy.UserAgent == "keep" {
			return r.AppendText(dst, src)
		}
		return scrub.AppendClientHint(dst, hintNames[rl-RuleHintUA], src)
	}
	return r.AppendText(dst, src)
}

var hintNames = [...]string{"Sec-CH-UA", "Sec-CH-UA-Mobile", "Sec-CH-UA-Platform"}

// traceID reports whether v has the syntax of a trace or correlation id:
// parts joined by ';' or ',', each an optional key of letters and '=',
// then hex digits, '-', '/' and '.', with at most a short code of letters
// after a last '-' (Cloudflare's Cf-Ray names a data centre: -LHR).
func traceID(v []byte) bool {
	if len(v) == 0 || len(v) > 256 {
		return false
	}
	for len(v) > 0 {
		part := v
		if i := bytes.IndexAny(v, ";,"); i >= 0 {
			part, v = v[:i], v[i+1:]
		} else {
			v = nil
		}
		part = bytes.TrimSpace(part)
		if i := bytes.IndexByte(part, '='); i >= 0 {
			if !allLetters(part[:i]) {
				return false
			}
			part = part[i+1:]
		}
		if i := bytes.LastIndexByte(part, '-'); i >= 0 && len(part)-i-1 <= 4 && allLetters(part[i+1:]) {
			part = part[:i]
		}
		for _, c := range part {
			if !percent.IsHex(c) && c != '-' && c != '/' && c != '.' {
				return false
			}
		}
	}
	return true
}

func allLetters(b []byte) bool {
	for _, c := range b {
		if !('a' <= c|0x20 && c|0x20 <= 'z') {
			return false
		}
	}
	return len(b) > 0
}
