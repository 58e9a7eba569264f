// Package caddymodule is caddy-privacy's Caddy glue: the privacy handler,
// the consent matcher, the beacon gateway and the log encoder. The work is
// done by the engine in redact/ and consent/; this package registers
// modules, parses the Caddyfile, keeps shared state across config reloads
// and reports metrics.
package caddymodule

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
	"unsafe"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/certmagic"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/consent"
	"github.com/caddy-privacy/caddy-privacy/embeds"
	"github.com/caddy-privacy/caddy-privacy/redact/scrub"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Handler makes a site keep its privacy notice for every request it
// passes on: the next handler (an upstream app behind reverse_proxy, a
// FastCGI app, a file server) never receives the client's address, only
// its country; cookies of categories the visitor has not consented to are
// removed from the request and from the response; click ids are stripped
// from the URL without marketing consent.
//
// Consent is decided from Sec-GPC, DNT and the consent cookie named in the
// policy, and published in placeholders ({http.privacy.consent.analytics}
// and the other categories), in {http.privacy.country} and
// {http.privacy.pseudonym}, and to the consent request matcher.
type Handler struct {
	// Policy is the redaction policy, shared with the log CLI. Its fields
	// ("ip", "geoip", "consent", "cookies" ...) sit at the top level of the
	// handler's JSON.
	config.Policy

	// ForwardIP is what the next handler receives in place of the headers
	// that carry client addresses (X-Forwarded-For, X-Real-IP, Forwarded,
	// True-Client-IP, CF-Connecting-IP and the like): "remove" (default:
	// none of them, and reverse_proxy adds no X-Forwarded-For), or
	// "transform" (X-Forwarded-For holds the client address as the policy's
	// IP transform makes it, such as its country or its /24).
	ForwardIP string `json:"forward_ip,omitempty"`

	// CSP, when set, adds a Content-Security-Policy to responses that
	// blocks the third-party analytics and tag origins of every category
	// the visitor has not consented to. Default: off.
	CSP *CSP `json:"csp,omitempty"`

	// Embeds, when set, rewrites the third-party embeds (YouTube, Vimeo,
	// Google Maps, X, Instagram, Facebook, TikTok, Spotify, SoundCloud
	// and custom ones) of HTML responses for visitors who have not
	// consented to their provider's category (marketing by default):
	// YouTube becomes youtube-nocookie.com, the others a placeholder that
	// loads the embed on a click. Only HTML responses are read, and only
	// for visitors the rewriter has work for. Pages are asked for
	// uncompressed and stream out gzip-compressed to clients that accept
	// it; a page that comes in gzip, zstd or br all the same is decoded
	// and encoded again, and one that cannot be decoded is answered 502.
	// With csp on too, the policy allows what the rewriter
	// leaves (youtube-nocookie.com, the frames behind placeholders, for
	// the click) and not the refused providers' scripts. Default: off.
	Embeds *embeds.Config `json:"embeds,omitempty"`

	// GPCJSON serves /.well-known/gpc.json, declaring that the site honours
	// Global Privacy Control. Default: false.
	GPCJSON bool `json:"gpc_json,omitempty"`

	// GeoIPCheck is how often the country database file is checked for
	// changes; a changed file is loaded without a restart. Default: 1m.
	GeoIPCheck caddy.Duration `json:"geoip_check,omitempty"`

	engine  *engine
	decider *consent.Decider
	csp     *cspPolicy
	embeds  embedRewriter
	metrics *metrics
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.privacy",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision opens (or shares) the country database and the pseudonym key
// ring and builds the engine.
func (h *Handler) Provision(ctx caddy.Context) error {
	logger := ctx.Logger()
	warnUnprivateLogs(ctx, logger)
	bindLateKeyRings(ctx)
	return h.provision(logger, ctx.Storage(), ctx.GetMetricsRegistry())
}

func (h *Handler) provision(logger *zap.Logger, storage certmagic.Storage, registry *prometheus.Registry) error {
	if h.ForwardIP == "" {
		h.ForwardIP = "remove"
	}
	if err := h.Validate(); err != nil {
		return err
	}
	var err error
	if h.engine, err = newEngine(&h.Policy, time.Duration(h.GeoIPCheck), storageRef{now: storage}, logger); err != nil {
		return err
	}
	if h.decider, err = consent.NewDecider(h.Consent); err != nil {
		return err
	}
	if err := h.provisionEmbeds(); err != nil {
		return err
	}
	if h.CSP != nil {
		h.csp = h.CSP.compile(h.embeds)
	}
	h.metrics = registerMetrics(registry)
	return nil
}

// Validate checks the configuration without I/O.
func (h *Handler) Validate() error {
	if err := h.Policy.Validate(); err != nil {
		return err
	}
	if h.ForwardIP != "remove" && h.ForwardIP != "transform" {
		return fmt.Errorf("forward_ip: %q is not \"remove\" or \"transform\"", h.ForwardIP)
	}
	if h.CSP != nil {
		return h.CSP.validate()
	}
	return nil
}

// Cleanup releases the shared database and key ring. It is safe after a
// failed Provision.
func (h *Handler) Cleanup() error {
	return h.engine.cleanup()
}

// Request variables the handler sets for the modules after it.
const (
	// decisionVar holds the consent.Set decided for the request, read by
	// the consent matcher and the beacon gateway.
	decisionVar = "privacy.consent"
	// countriesVar holds the handler's *country.Resolver, which a beacon
	// gateway without a database of its own uses for stand-ins.
	countriesVar = "privacy.countries"
	// countryVar holds the client's country code as the handler found it
	// (empty with geoip off), for the beacon gateway's stand-ins: after
	// the handler, the client_ip variable no longer holds an address.
	countryVar = "privacy.country"
)

// ServeHTTP applies the policy to the request and, through a response
// writer wrapper, to the response headers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if h.GPCJSON && r.URL.Path == gpcJSONPath {
		return serveGPCJSON(w, r)
	}
	addr := clientAddr(r)
	code := ""
	if h.engine.Countries != nil {
		code = h.engine.Countries.Country(addr)
	}
	decision := h.decider.Decide(r.Header)
	granted := decision.Granted
	h.metrics.requests.WithLabelValues(decision.Label()).Inc()
	caddyhttp.SetVar(r.Context(), decisionVar, granted)
	if h.engine.Countries != nil {
		caddyhttp.SetVar(r.Context(), countriesVar, h.engine.Countries)
		caddyhttp.SetVar(r.Context(), countryVar, code)
	}

	repl := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	repl.Map(placeholders{h: h, addr: addr, country: code, granted: granted}.get)

	h.rewriteRequestHeaders(r, addr, code)
	h.filterRequestCookies(r, granted)
	if !granted.Has(consent.Marketing) {
		if q, changed := scrub.StripClickIDs(r.URL.RawQuery); changed {
			r.URL.RawQuery = q
		}
	}
	h.hideClientAddress(r, repl, addr)

	var rw http.ResponseWriter = &responseFilter{
		ResponseWriterWrapper: caddyhttp.ResponseWriterWrapper{ResponseWriter: w},
		h:                     h,
		granted:               granted,
	}
	rw, ew := h.wrapForEmbeds(rw, r, granted)
	err := next.ServeHTTP(rw, r)
	if ew != nil {
		if cerr := ew.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// hideClientAddress replaces every place later handlers read the client
// address from with the address as the policy transforms it (its country
// by default): the client_ip request variable behind {client_ip},
// {http.vars.client_ip} and reverse_proxy's PROXY protocol header;
// r.RemoteAddr, which php_fastcgi's REMOTE_ADDR and templates' .RemoteIP
// read; and the {http.request.remote} placeholders ({remote_host},
// {remote_port}), which are fixed here because Caddy's provider for them
// may hold a request value older than r. The port becomes 0, since a
// source port helps tell visitors apart.
//
// Matchers that parse these as addresses (client_ip, remote_ip) no longer
// match after privacy; match before it, or on {http.privacy.country}.
func (h *Handler) hideClientAddress(r *http.Request, repl *caddy.Replacer, addr netip.Addr) {
	shown := string(h.engine.IP.AppendAddr(nil, addr))
	caddyhttp.SetVar(r.Context(), caddyhttp.ClientIPVarKey, shown)
	r.RemoteAddr = net.JoinHostPort(shown, "0")
	repl.Set("http.request.remote", r.RemoteAddr)
	repl.Set("http.request.remote.host", shown)
	repl.Set("http.request.remote.port", "0")
}

// clientAddr is Caddy's client IP for the request, which honours the
// server's trusted_proxies. An address that does not parse is the zero
// Addr, which has no country and no pseudonym of its own.
func clientAddr(r *http.Request) netip.Addr {
	if s, ok := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string); ok {
		if a, err := netip.ParseAddr(s); err == nil {
			return a.WithZone("").Unmap()
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.WithZone("").Unmap()
}

// rewriteRequestHeaders removes every header that carries a client address
// or a location finer than the country (CDN city and coordinate headers),
// and adds the country header.
func (h *Handler) rewriteRequestHeaders(r *http.Request, addr netip.Addr, code string) {
	for name := range r.Header {
		// The GPC spec forbids intermediaries to remove Sec-GPC.
		if name == "Sec-Gpc" || !h.engine.IsClientIPHeader(name) && !h.engine.Headers.IsLocation(name) {
			continue
		}
		delete(r.Header, name)
		h.metrics.headers.WithLabelValues(headerLabel(name)).Inc()
	}
	if h.ForwardIP == "transform" && addr.IsValid() {
		r.Header["X-Forwarded-For"] = []string{string(h.engine.IP.AppendAddr(nil, addr))}
	} else {
		// A nil value tells reverse_proxy not to add X-Forwarded-For from
		// the connection (see reverseproxy.allHeaderValues).
		r.Header["X-Forwarded-For"] = nil
	}
	if name := h.Headers.Country; name != "-" && code != "" {
		r.Header[http.CanonicalHeaderKey(name)] = []string{code}
	}
}

// filterRequestCookies removes cookies of unconsented categories. A
// malformed pair is removed too; the request itself is always served.
func (h *Handler) filterRequestCookies(r *http.Request, granted consent.Set) {
	values := r.Header["Cookie"]
	if len(values) == 0 {
		return
	}
	var scratch [512]byte
	kept := values[:0] // rewritten in place: values[i] is read before kept[i] is written
	changed := false
	for _, v := range values {
		out, removed := h.engine.Cookies.AppendFilteredHeader(scratch[:0], readOnlyBytes(v), granted.Has)
		if removed == [4]int{} {
			kept = append(kept, v)
			continue
		}
		changed = true
		for cat, n := range removed {
			if n > 0 {
				h.metrics.cookies.WithLabelValues(consent.Category(cat).String(), "request").Add(float64(n))
			}
		}
		if len(out) > 0 {
			kept = append(kept, string(out))
		}
	}
	if !changed {
		return
	}
	if len(kept) == 0 {
		delete(r.Header, "Cookie")
		return
	}
	r.Header["Cookie"] = kept
}

// readOnlyBytes views s as bytes without copying, for functions that only
// read their input.
func readOnlyBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// placeholders resolves the http.privacy.* placeholders lazily, so a
// pseudonym is computed only for configs that use it.
type placeholders struct {
	h       *Handler
	addr    netip.Addr
	country string
	granted consent.Set
}

func (p placeholders) get(key string) (any, bool) {
	name, ok := strings.CutPrefix(key, "http.privacy.")
	if !ok {
		return nil, false
	}
	switch name {
	case "country":
		return p.country, true
	case "pseudonym":
		if !p.addr.IsValid() {
			return "", true
		}
		return string(p.h.engine.Keys.AppendAddr(nil, p.addr)), true
	}
	if cat, ok := strings.CutPrefix(name, "consent."); ok {
		if c, ok := consent.ParseCategory(cat); ok {
			return p.granted.Has(c), true
		}
	}
	return nil, false
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
