package caddymodule

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/certmagic"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/caddy-privacy/caddy-privacy/beacon"
	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/consent"
	"github.com/caddy-privacy/caddy-privacy/redact/country"
	"github.com/caddy-privacy/caddy-privacy/redact/scrub"
)

func init() {
	caddy.RegisterModule(Beacon{})
}

// DefaultBeaconMaxBody is the default limit on a beacon's body: 64 KiB,
// twice the largest event the vendors accept.
const DefaultBeaconMaxBody = 64 << 10

// Default bounds on the exchange with the vendor. Collection endpoints
// answer in well under a second; a visitor's page should not hold a
// connection open much longer than a slow one would take.
const (
	DefaultBeaconTimeout       = 10 * time.Second
	DefaultBeaconHeaderTimeout = 5 * time.Second
)

// Beacon is a first-party gateway for one analytics vendor's beacons. It
// sits before reverse_proxy to the vendor's collection host and forwards
// a beacon only when the privacy handler earlier in the route decided the
// request has analytics consent, rewritten so that no identifier leaves:
// user ids dropped, client and session ids pseudonymised with the
// rotating key, URLs and free text scrubbed, the user agent and client
// hints generalised, the IP override set to a stand-in address in the
// visitor's country, and consent claims lowered to the request's
// decision. A beacon that is not forwarded is answered locally the way
// the vendor answers, so the page's script carries on.
//
// The request sent on carries none of the visitor's cookies, credentials
// or address headers: only Content-Type, Accept, a generalised
// User-Agent and low-entropy client hints, the first Accept-Language
// tag, Sec-GPC, DNT, and Origin and Referer cut to their origin.
// reverse_proxy's X-Forwarded-For holds the stand-in address, or nothing.
// Only the vendor's collection paths are served; others get 404.
//
// The embedded policy's geoip, detectors, url, user_agent and pseudonym
// settings apply; its consent and cookie settings do not, as consent is
// the privacy handler's decision. Without a geoip database of its own the
// gateway draws stand-ins from the privacy handler's database, and
// addresses found in free text are truncated.
type Beacon struct {
	// Config is the vendor and its options ("vendor", "paths", "allow",
	// "drop", "referrer", "ip_override", "cookieless", "max_events",
	// "fields"), at the top level of the handler's JSON.
	beacon.Config

	// Policy is the redaction policy, as for the privacy handler.
	config.Policy

	// MaxBody is the largest body accepted, in bytes, as sent and once
	// decompressed (Content-Encoding gzip, deflate or br; posthog-js's
	// gzip); a bigger beacon is answered 413 and not forwarded. It also
	// bounds the query string. Default: 65536 (64 KiB).
	MaxBody int64 `json:"max_body,omitempty"`

	// GeoIPCheck is how often the country database file is checked for
	// changes. Default: 1m.
	GeoIPCheck caddy.Duration `json:"geoip_check,omitempty"`

	// Timeout bounds the whole exchange with the vendor that reverse_proxy
	// makes for a forwarded beacon: dial, request, response headers and
	// body. When it passes before the vendor's response has begun, the
	// client is answered 504 Gateway Timeout at once (the vendors' tags
	// ignore the answer to a beacon, and a 504 says truthfully that the
	// beacon did not arrive); after that, the response is cut short.
	// Default: 10s.
	Timeout caddy.Duration `json:"timeout,omitempty"`

	// HeaderTimeout bounds the wait for the vendor's response headers,
	// from the moment the beacon is passed to reverse_proxy, dial
	// included; when it passes, the client is answered 504 as for
	// Timeout. reverse_proxy's own dial_timeout (3s by default) still
	// applies within it. Default: 5s.
	HeaderTimeout caddy.Duration `json:"header_timeout,omitempty"`

	engine  *engine
	san     *beacon.Sanitizer
	metrics *beaconMetrics
	logger  *zap.Logger
	vendor  string
}

// CaddyModule returns the Caddy module information.
func (Beacon) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.privacy_beacon",
		New: func() caddy.Module { return new(Beacon) },
	}
}

// Provision opens (or shares) the country database and key ring and
// compiles the vendor's rules.
func (b *Beacon) Provision(ctx caddy.Context) error {
	bindLateKeyRings(ctx)
	return b.provision(ctx.Logger(), ctx.Storage(), ctx.GetMetricsRegistry())
}

func (b *Beacon) provision(logger *zap.Logger, storage certmagic.Storage, registry *prometheus.Registry) error {
	b.logger = logger
	if b.MaxBody == 0 {
		b.MaxBody = DefaultBeaconMaxBody
	}
	if b.Timeout == 0 {
		b.Timeout = caddy.Duration(DefaultBeaconTimeout)
	}
	if b.HeaderTimeout == 0 {
		b.HeaderTimeout = caddy.Duration(DefaultBeaconHeaderTimeout)
	}
	if err := b.Validate(); err != nil {
		return err
	}
	// Without a database of its own, the gateway uses the privacy
	// handler's for stand-ins (see standIn), and truncates addresses in
	// free text.
	p := b.Policy
	if p.GeoIP.Database == "" {
		p.GeoIP.Off = true
	}
	e, err := newEngine(&p, time.Duration(b.GeoIPCheck), storageRef{now: storage}, logger)
	if err != nil {
		return err
	}
	b.engine = e
	if b.san, err = beacon.New(b.Config, beaconEngine(e)); err != nil {
		return err
	}
	b.vendor = b.san.Vendor()
	b.metrics = registerBeaconMetrics(registry, b.vendor)
	if c := e.Countries; c != nil {
		if db := c.DB(); db != nil {
			// The first stand-in lookup walks the database; do it now,
			// not during a visitor's request.
			db.StandIn("ZZ")
		}
	}
	return nil
}

func beaconEngine(e *engine) beacon.Engine {
	return beacon.Engine{
		Text:      e.AppendText,
		URL:       e.AppendURL,
		Pseudonym: e.AppendPseudonym,
		UserAgent: e.AppendUserAgent,
	}
}

// Validate checks the configuration without I/O.
func (b *Beacon) Validate() error {
	var errs []error
	if err := b.Policy.Validate(); err != nil {
		errs = append(errs, err)
	}
	if b.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout: %s is negative; want a duration such as 10s", time.Duration(b.Timeout)))
	}
	if b.HeaderTimeout < 0 {
		errs = append(errs, fmt.Errorf("header_timeout: %s is negative; want a duration such as 5s", time.Duration(b.HeaderTimeout)))
	}
	if b.MaxBody < 0 {
		errs = append(errs, fmt.Errorf("max_body: %d is negative; want a size in bytes", b.MaxBody))
	}
	nop := func(dst, _ []byte) []byte { return dst }
	if _, err := beacon.New(b.Config, beacon.Engine{Text: nop, URL: nop, Pseudonym: nop, UserAgent: nop}); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Cleanup releases the shared database and key ring. It is safe after a
// failed Provision.
func (b *Beacon) Cleanup() error {
	return b.engine.cleanup()
}

// outputs holds beacon outputs for reuse; outputs that grew past
// maxPooledOutput are left to the collector.
var outputs = sync.Pool{New: func() any { return new(beacon.Output) }}

const maxPooledOutput = 256 << 10

// ServeHTTP sanitises the beacon and passes it on, or answers it.
func (b *Beacon) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if r.URL.RawPath != "" {
		// An escaped path (/g%2Fcollect) would reach the vendor as
		// another path than the one matched.
		return b.hold(w, &beacon.Input{Method: r.Method, Path: "\x00"}, &beacon.Error{Reason: beacon.PathRefused, Detail: "escaped path"})
	}
	in := &beacon.Input{Method: r.Method, Path: r.URL.Path, Query: []byte(r.URL.RawQuery), ContentType: r.Header.Get("Content-Type")}
	if err := b.san.Route(r.Method, r.URL.Path); err != nil {
		return b.hold(w, in, err)
	}
	// A compressed body is inflated by the sanitiser, within max_body.
	in.ContentEncoding = strings.Join(r.Header.Values("Content-Encoding"), ",")
	in.MaxBody = int(b.MaxBody)
	if int64(len(r.URL.RawQuery)) > b.MaxBody {
		return b.hold(w, in, &beacon.Error{Reason: beacon.Oversized, Detail: "query over max_body"})
	}
	body, err := readLimited(r, b.MaxBody)
	if err != nil {
		return b.hold(w, in, err)
	}
	in.Body = body
	in.Consent, _ = caddyhttp.GetVar(r.Context(), decisionVar).(consent.Set)
	in.StandIn = b.standIn(r)

	out := outputs.Get().(*beacon.Output)
	defer func() {
		if cap(out.Body)+cap(out.Query) <= maxPooledOutput {
			outputs.Put(out)
		}
	}()
	if err := b.san.Sanitize(out, in); err != nil {
		return b.hold(w, in, err)
	}
	b.rewrite(r, in, out)
	mode := "consented"
	if out.Cookieless {
		mode = "cookieless"
	}
	b.metrics.forwarded.WithLabelValues(b.vendor, mode).Inc()
	return b.forward(w, r, next)
}

// forward passes the rewritten beacon to next (reverse_proxy) within the
// gateway's timeouts. A timeout cancels the request's context, which makes
// reverse_proxy give up and record 499; the gateway swallows that and
// answers 504 itself, unless the vendor's response had begun.
func (b *Beacon) forward(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	rw := &beaconResponse{ResponseWriterWrapper: &caddyhttp.ResponseWriterWrapper{ResponseWriter: w}}
	expire := func(header bool) func() {
		return func() {
			rw.mu.Lock()
			defer rw.mu.Unlock()
			if header && rw.wroteHeader {
				return
			}
			rw.timedOut = true
			cancel()
		}
	}
	total := time.AfterFunc(time.Duration(b.Timeout), expire(false))
	defer total.Stop()
	if hd := time.Duration(b.HeaderTimeout); hd > 0 && hd < time.Duration(b.Timeout) {
		header := time.AfterFunc(hd, expire(true))
		defer header.Stop()
	}
	err := next.ServeHTTP(rw, r.WithContext(ctx))
	rw.mu.Lock()
	timedOut, began := rw.timedOut, rw.wroteHeader
	rw.mu.Unlock()
	if !timedOut {
		return err
	}
	if c := b.logger.Check(zapcore.WarnLevel, "analytics vendor did not answer in time; beacon dropped"); c != nil {
		c.Write(zap.String("vendor", b.vendor), zap.Bool("response_begun", began))
	}
	if began {
		return nil
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusGatewayTimeout)
	return nil
}

// readLimited reads the whole body, failing with Oversized past limit.
func readLimited(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, &beacon.Error{Reason: beacon.Oversized, Detail: "Content-Length over max_body"}
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &beacon.Error{Reason: beacon.Oversized, Detail: "body over the server's limit"}
		}
		return nil, &beacon.Error{Reason: beacon.Malformed, Detail: "body cannot be read"}
	}
	if int64(len(body)) > limit {
		return nil, &beacon.Error{Reason: beacon.Oversized, Detail: "body over max_body"}
	}
	return body, nil
}

// standIn is an address in the visitor's country, or none. The country
// database is the gateway's own or, without one, the privacy handler's.
func (b *Beacon) standIn(r *http.Request) netip.Addr {
	c := b.engine.Countries
	if c == nil && !b.GeoIP.Off {
		c, _ = caddyhttp.GetVar(r.Context(), countriesVar).(*country.Resolver)
	}
	if c == nil {
		return netip.Addr{}
	}
	db := c.DB()
	if db == nil {
		return netip.Addr{}
	}
	// After privacy, the client_ip variable holds the transformed
	// address; the handler leaves the country it found for us.
	code, _ := caddyhttp.GetVar(r.Context(), countryVar).(string)
	if code == "" {
		code = c.Country(clientAddr(r))
	}
	a, _ := db.StandIn(code)
	return a
}

// anonymousRemoteAddr replaces r.RemoteAddr of a beacon forwarded without
// a stand-in: the unspecified address says nothing of anyone.
const anonymousRemoteAddr = "0.0.0.0:0"

// hold counts a beacon that is not forwarded and answers it as the
// vendor would.
func (b *Beacon) hold(w http.ResponseWriter, in *beacon.Input, err error) error {
	reason := beacon.ReasonOf(err)
	b.metrics.held.WithLabelValues(b.vendor, reason.String()).Inc()
	if c := b.logger.Check(zapcore.DebugLevel, "beacon held back"); c != nil {
		// The error names what was wrong, never a value from the beacon.
		c.Write(zap.String("vendor", b.vendor), zap.String("reason", reason.String()), zap.Error(err))
	}
	a := b.san.Answer(in, reason)
	h := w.Header()
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	if a.ContentType != "" {
		h.Set("Content-Type", a.ContentType)
	}
	if a.Status != http.StatusNoContent {
		h.Set("Content-Length", strconv.Itoa(len(a.Body)))
	}
	w.WriteHeader(a.Status)
	if len(a.Body) > 0 && a.Status != http.StatusNoContent {
		w.Write(a.Body)
	}
	return nil
}

// rewrite puts the sanitised beacon on the request and replaces its
// headers by the few a collector needs, sanitised.
func (b *Beacon) rewrite(r *http.Request, in *beacon.Input, out *beacon.Output) {
	r.URL.RawQuery = string(out.Query)
	r.URL.ForceQuery = false
	r.RequestURI = r.URL.RequestURI()
	// The transport may still read the body after the handler returns
	// and out goes back to the pool, so it gets its own copy.
	body := bytes.Clone(out.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.ContentLength = int64(len(body))
	r.TransferEncoding = nil
	r.Trailer = nil

	old := r.Header
	h := make(http.Header, 10)
	if len(body) > 0 {
		h["Content-Type"] = []string{out.ContentType}
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	if v := old.Get("Accept"); v != "" && len(v) <= 256 {
		h["Accept"] = []string{v}
	}
	if v := beacon.AppendLanguage(nil, []byte(old.Get("Accept-Language"))); len(v) > 0 {
		h["Accept-Language"] = []string{string(v)}
	}
	// reverse_proxy sends an empty User-Agent rather than Go's own when
	// the header is empty.
	ua := beacon.AppendReducedUserAgent(nil, b.engine.AppendUserAgent(nil, []byte(old.Get("User-Agent"))))
	h["User-Agent"] = []string{string(ua)}
	for _, name := range []string{"Sec-Ch-Ua", "Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform"} {
		if v := old.Get(name); v != "" {
			if hint := scrub.AppendClientHint(nil, name, []byte(v)); len(hint) > 0 {
				h[name] = []string{string(hint)}
			}
		}
	}
	// The GPC spec forbids intermediaries to remove Sec-GPC.
	for _, name := range []string{"Sec-Gpc", "Dnt"} {
		if v, ok := old[name]; ok {
			h[name] = v
		}
	}
	if o, ok := beacon.AppendOrigin(nil, []byte(old.Get("Origin"))); ok {
		h["Origin"] = []string{string(o[:len(o)-1])}
	}
	if o, ok := beacon.AppendOrigin(nil, []byte(old.Get("Referer"))); ok {
		h["Referer"] = []string{string(o)}
	}
	// reverse_proxy writes X-Forwarded-For from r.RemoteAddr unless the
	// header is present with a nil value. With a stand-in, the vendor
	// sees it there (Plausible and Umami read the client address from
	// that header only); without one, nothing.
	if a := b.san.StandInFor(in); a.IsValid() {
		r.RemoteAddr = net.JoinHostPort(a.String(), "0")
	} else {
		h["X-Forwarded-For"] = nil
		r.RemoteAddr = anonymousRemoteAddr
	}
	r.Header = h
}

// beaconResponse removes the vendor's Set-Cookie headers: through the
// gateway they would be set on the site's own domain. Once the gateway
// has timed out and cancelled the exchange, nothing more is written: the
// 499 reverse_proxy then records is replaced by the gateway's 504.
type beaconResponse struct {
	*caddyhttp.ResponseWriterWrapper
	mu          sync.Mutex
	wroteHeader bool
	timedOut    bool
}

func (w *beaconResponse) WriteHeader(status int) {
	w.mu.Lock()
	if w.timedOut && !w.wroteHeader {
		w.mu.Unlock()
		return
	}
	if !w.wroteHeader && status >= 200 {
		w.wroteHeader = true
		w.Header().Del("Set-Cookie")
	}
	w.mu.Unlock()
	w.ResponseWriterWrapper.WriteHeader(status)
}

func (w *beaconResponse) Write(p []byte) (int, error) {
	w.mu.Lock()
	wrote, timedOut := w.wroteHeader, w.timedOut
	w.mu.Unlock()
	if timedOut && !wrote {
		return 0, context.Canceled
	}
	if !wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriterWrapper.Write(p)
}

// beaconMetrics are the gateway's counters. Labels come from fixed sets:
// vendor names, reasons and modes, never a value from a beacon.
type beaconMetrics struct {
	forwarded *prometheus.CounterVec // vendor, mode
	held      *prometheus.CounterVec // vendor, reason
}

func registerBeaconMetrics(reg *prometheus.Registry, vendor string) *beaconMetrics {
	const ns, sub = "caddy", "privacy"
	m := &beaconMetrics{
		forwarded: counterVec(reg, prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "beacons_forwarded_total",
			Help: "Analytics beacons forwarded, by vendor and mode (consented, or cookieless without analytics consent).",
		}, "vendor", "mode"),
		held: counterVec(reg, prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "beacons_held_total",
			Help: "Analytics beacons held back, by vendor and reason (no_consent, malformed, oversized, path_refused).",
		}, "vendor", "reason"),
	}
	// Every series exists from the start, so a rate over it is defined.
	m.forwarded.WithLabelValues(vendor, "consented")
	for _, r := range []beacon.Reason{beacon.NoConsent, beacon.Malformed, beacon.Oversized, beacon.PathRefused} {
		m.held.WithLabelValues(vendor, r.String())
	}
	return m
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Beacon)(nil)
	_ caddy.Validator             = (*Beacon)(nil)
	_ caddy.CleanerUpper          = (*Beacon)(nil)
	_ caddyhttp.MiddlewareHandler = (*Beacon)(nil)
)
