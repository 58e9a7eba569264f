package caddymodule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/logging"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
	"go.uber.org/zap/buffer"
	"go.uber.org/zap/zapcore"
	"golang.org/x/term"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/redact"
	"github.com/caddy-privacy/caddy-privacy/redact/scrub"
)

func init() {
	caddy.RegisterModule(LogEncoder{})
}

// LogEncoder is a log encoder that applies the privacy policy to every
// field of every entry before another encoder (json by default) writes
// it, whichever logger the entry comes from: access logs, error logs, TLS
// and the rest. With the defaults:
//
//   - remote_ip, client_ip, remote_addr, remote and ip become the
//     client's country; remote_port is removed;
//   - uri (and url, referer) is scrubbed of identifying query parameters,
//     and what remains goes through the detectors;
//   - in headers and resp_headers, Cookie, Set-Cookie, Authorization,
//     Proxy-Authorization and the other credential headers are removed,
//     as are CDN headers that locate the client more precisely than its
//     country; X-Forwarded-For, Forwarded and the other client address
//     headers become countries; Referer, Origin and Location are
//     scrubbed like uri; User-Agent is generalised to browser and OS
//     family; high-entropy client hints are removed;
//   - user_id and a TLS client certificate's client_common_name and
//     client_serial become pseudonyms;
//   - the message and every other string, including errors such as
//     "dial tcp 10.1.2.3:8080: connection refused", go through the
//     detectors, so addresses, e-mail addresses, card numbers and the
//     like are replaced wherever they appear.
//
// Numbers, booleans, times and durations pass unchanged, except under the
// keys above that name an address or a person, where they are redacted
// like strings. Binary fields, which cannot be checked, are removed.
// Values logged by reflection are encoded as JSON and then redacted field
// by field. Header names and map keys, which clients and code can fill
// with anything, go through the detectors too. Nothing that cannot be
// redacted is written.
//
// The country transform needs a country database (geoip), unless geoip is
// off. Caddy opens logs before it sets up the storage configured for the
// rest of the config, so the pseudonym keys of log encoders and filters
// live in Caddy's default storage (its data directory).
type LogEncoder struct {
	// Policy is the redaction policy, shared with the privacy handler and
	// the log CLI. Its fields ("ip", "geoip", "detectors", "url" ...) sit
	// at the top level of the encoder's JSON.
	config.Policy

	// WrappedRaw is the encoder that writes the redacted entries. Default:
	// "json", or "console" when the log is written to a terminal.
	WrappedRaw json.RawMessage `json:"wrap,omitempty" caddy:"namespace=caddy.logging.encoders inline_key=format"`

	// GeoIPCheck is how often the country database file is checked for
	// changes; a changed file is loaded without a restart. Default: 1m.
	GeoIPCheck caddy.Duration `json:"geoip_check,omitempty"`

	// Encoder is the redacting encoder, set up by Provision; the module
	// is used through it.
	zapcore.Encoder `json:"-"`

	engine           *engine
	enc              *redactingEncoder
	wrapped          zapcore.Encoder
	wrappedIsDefault bool
	ctx              caddy.Context
}

// CaddyModule returns the Caddy module information.
func (LogEncoder) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "caddy.logging.encoders.privacy",
		New: func() caddy.Module { return new(LogEncoder) },
	}
}

// Provision loads the wrapped encoder and opens (or shares) the country
// database and the pseudonym key ring.
func (e *LogEncoder) Provision(ctx caddy.Context) error {
	e.ctx = ctx
	var wrapped zapcore.Encoder
	if e.WrappedRaw == nil {
		je := new(logging.JSONEncoder)
		if err := je.Provision(ctx); err != nil {
			return fmt.Errorf("provisioning default json encoder: %v", err)
		}
		wrapped = je
		e.wrappedIsDefault = true
	} else {
		val, err := ctx.LoadModule(e, "WrappedRaw")
		if err != nil {
			return fmt.Errorf("loading wrapped encoder module: %v", err)
		}
		wrapped = val.(zapcore.Encoder)
	}
	return e.provision(ctx.Logger(), ctx.Storage(), wrapped)
}

// provision builds the engine and the redacting encoder around wrapped.
func (e *LogEncoder) provision(logger *zap.Logger, storage certmagic.Storage, wrapped zapcore.Encoder) error {
	eng, err := newEngine(&e.Policy, time.Duration(e.GeoIPCheck), storage, logger)
	if err != nil {
		return err
	}
	e.engine = eng
	e.wrapped = wrapped
	e.enc = &redactingEncoder{wrapped: wrapped, r: newRules(eng.Redactor, copiesByteStrings(wrapped))}
	e.Encoder = e.enc
	return nil
}

// Cleanup releases the shared database and key ring. It is safe after a
// failed Provision.
func (e *LogEncoder) Cleanup() error {
	return e.engine.cleanup()
}

// ConfigureDefaultFormat writes to a terminal with the console encoder
// when no encoder is wrapped explicitly, as Caddy does for its own logs,
// and otherwise lets the wrapped encoder configure its own default.
func (e *LogEncoder) ConfigureDefaultFormat(wo caddy.WriterOpener) error {
	if !e.wrappedIsDefault {
		if cfd, ok := e.wrapped.(caddy.ConfiguresFormatterDefault); ok {
			return cfd.ConfigureDefaultFormat(wo)
		}
		return nil
	}
	if caddy.IsWriterStandardStream(wo) && term.IsTerminal(int(os.Stderr.Fd())) {
		ce := new(logging.ConsoleEncoder)
		if err := ce.Provision(e.ctx); err != nil {
			return fmt.Errorf("provisioning default console encoder: %v", err)
		}
		e.wrapped = ce
		e.enc.wrapped = ce
	}
	return nil
}

// UnmarshalCaddyfile sets up the encoder from Caddyfile tokens. Syntax:
//
//	privacy {
//		wrap <another encoder>
//		<policy options>
//	}
//
// The policy options are those of the privacy handler directive (geoip,
// geoip_check, unknown_country, ip, query, keep_fragment, detector,
// client_ip_header, user_agent, pseudonym ...), with the same syntax and
// defaults; forward_ip, csp and gpc_json, which act on requests, are not
// accepted.
func (e *LogEncoder) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume encoder name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch opt := d.Val(); opt {
		case "wrap":
			if !d.NextArg() {
				return d.ArgErr()
			}
			name := d.Val()
			id := "caddy.logging.encoders." + name
			unm, err := caddyfile.UnmarshalModule(d, id)
			if err != nil {
				return err
			}
			enc, ok := unm.(zapcore.Encoder)
			if !ok {
				return d.Errf("module %s (%T) is not a zapcore.Encoder", id, unm)
			}
			e.WrappedRaw = caddyconfig.JSONModuleObject(enc, "format", name, nil)
		case "forward_ip", "csp", "gpc_json":
			return d.Errf("%s is an option of the privacy handler; it does nothing in a log encoder", opt)
		default:
			if err := unmarshalPolicyOption(d, &e.Policy, &e.GeoIPCheck, "privacy"); err != nil {
				return err
			}
		}
	}
	return nil
}

// copiesByteStrings reports whether enc writes the bytes given to
// AddByteString before it returns, as zap's json and console encoders do:
// redacted values can then be handed over from a reused buffer, with no
// string made of them.
func copiesByteStrings(enc zapcore.Encoder) bool {
	switch enc.(type) {
	case *logging.JSONEncoder, *logging.ConsoleEncoder:
		return true
	}
	return false
}

// rule is what happens to a value, chosen by its key.
type rule uint8

const (
	ruleText       rule = iota // free text through the detectors
	ruleDrop                   // removed
	ruleIP                     // client address, host:port or list of them
	ruleForwarded              // RFC 7239 Forwarded header
	ruleURL                    // URL or request target
	rulePseudonym              // identifier of a person
	ruleUA                     // User-Agent
	ruleClientHint             // Sec-CH-UA* header
	ruleHeaders                // an object whose keys are header names
)

// strict reports whether numbers under a key with rule rl are redacted as
// text rather than passed: an address or an account number can be logged
// as one.
func (rl rule) strict() bool {
	return rl == ruleIP || rl == ruleForwarded || rl == rulePseudonym
}

// fieldRule is the rule for a field that is not a header.
func fieldRule(key string) rule {
	switch key {
	case "remote_ip", "client_ip", "remote_addr", "remote", "ip":
		return ruleIP
	case "remote_port":
		return ruleDrop
	case "uri", "url", "referer", "referrer":
		return ruleURL
	case "user_id", "client_common_name", "client_serial":
		return rulePseudonym
	case "user_agent":
		return ruleUA
	case "headers", "resp_headers", "req_headers", "request_headers", "response_headers":
		return ruleHeaders
	}
	return ruleText
}

// rules applies a Redactor to log values. It is shared by an encoder and
// its clones, and by the field filters.
type rules struct {
	red    *redact.Redactor
	uaMode string
	ipDrop bool // the IP transform is drop
	// headers holds the rules of the headers the policy names and of
	// common ones, by canonical name, so that most headers cost one
	// lookup; headerRule, which folds case, decides the others.
	headers map[string]rule
	// byteStrings is whether the wrapped encoder copies byte strings at
	// once (see copiesByteStrings).
	byteStrings bool
}

func newRules(red *redact.Redactor, byteStrings bool) *rules {
	p := red.Policy()
	r := &rules{red: red, uaMode: p.UserAgent, ipDrop: p.IP.Transform == config.TransformDrop, byteStrings: byteStrings}
	r.headers = make(map[string]rule)
	for _, list := range [][]string{scrub.ClientIPHeaders, scrub.DropHeaders, scrub.LocationHeaders, p.Headers.ClientIP, p.Headers.Drop, commonHeaders} {
		for _, name := range list {
			name = http.CanonicalHeaderKey(name)
			r.headers[name] = r.resolve(r.headerRule(name))
		}
	}
	return r
}

// commonHeaders are headers most requests and responses carry.
var commonHeaders = []string{
	"Accept", "Accept-Encoding", "Accept-Language", "Accept-Ranges", "Age", "Alt-Svc",
	"Cache-Control", "Connection", "Content-Encoding", "Content-Language", "Content-Length",
	"Content-Location", "Content-Security-Policy", "Content-Type", "Date", "Dnt", "Etag",
	"Expires", "Host", "If-Modified-Since", "If-None-Match", "Last-Modified", "Location",
	"Origin", "Pragma", "Priority", "Referer", "Referrer-Policy", "Sec-Ch-Ua",
	"Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform", "Sec-Fetch-Dest", "Sec-Fetch-Mode",
	"Sec-Fetch-Site", "Sec-Fetch-User", "Sec-Gpc", "Server", "Strict-Transport-Security",
	"Te", "Upgrade-Insecure-Requests", "User-Agent", "Vary", "Via", "X-Content-Type-Options",
	"X-Frame-Options", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Requested-With",
}

// resolve turns the rules of values the policy removes into ruleDrop, so
// that their keys go too.
func (r *rules) resolve(rl rule) rule {
	switch {
	case rl == ruleIP && r.ipDrop,
		(rl == ruleUA || rl == ruleClientHint) && r.uaMode == "drop":
		return ruleDrop
	}
	return rl
}

// headerRule is the rule for a header, by name in any case.
func (r *rules) headerRule(name string) rule {
	h := r.red
	switch {
	case h.IsDropHeader(name) || h.Headers.IsLocation(name):
		return ruleDrop
	case strings.EqualFold(name, "Forwarded"):
		return ruleForwarded
	case h.IsClientIPHeader(name):
		return ruleIP
	case strings.EqualFold(name, "Referer"), strings.EqualFold(name, "Origin"),
		strings.EqualFold(name, "Location"), strings.EqualFold(name, "Content-Location"):
		return ruleURL
	case strings.EqualFold(name, "User-Agent"):
		return ruleUA
	case len(name) >= len("Sec-Ch-Ua") && strings.EqualFold(name[:len("Sec-Ch-Ua")], "Sec-Ch-Ua"):
		if r.uaMode != "keep" && !scrub.KeepClientHint(name) {
			// High-entropy hints: model, full versions, architecture.
			return ruleDrop
		}
		return ruleClientHint
	}
	return ruleText
}

// appendRedacted appends src as rl says; name is the field or header
// name. An empty result means the value is to be removed.
func (r *rules) appendRedacted(dst []byte, rl rule, name string, src []byte) []byte {
	switch rl {
	case ruleDrop:
		return dst
	case ruleIP:
		return r.red.AppendIP(dst, src)
	case ruleForwarded:
		return r.red.AppendForwarded(dst, src)
	case ruleURL:
		return r.red.AppendURL(dst, src)
	case rulePseudonym:
		return r.red.AppendPseudonym(dst, src)
	case ruleUA:
		return r.red.AppendUserAgent(dst, src)
	case ruleClientHint:
		switch r.uaMode {
		case "keep":
			return r.red.AppendText(dst, src)
		case "drop":
			return dst
		}
		return scrub.AppendClientHint(dst, name, src)
	}
	return r.red.AppendText(dst, src)
}

// scope says how keys are read in the object being encoded.
type scope struct {
	headers bool // keys are header names
	forced  bool // every value has rule force, whatever its key
	force   rule
}

func (s scope) ruleFor(r *rules, key string) rule {
	switch {
	case s.forced:
		return s.force
	case s.headers:
		if rl, ok := r.headers[key]; ok {
			return rl
		}
		return r.resolve(r.headerRule(key))
	}
	return r.resolve(fieldRule(key))
}

// child is the scope inside an object whose key has rule rl: the keys of
// a headers object are header names; anything inside a value with a rule
// of its own (an object logged as remote_ip) gets that rule throughout.
func (s scope) child(rl rule) scope {
	switch {
	case s.forced || (rl != ruleText && rl != ruleHeaders):
		return scope{forced: true, force: rl}
	case rl == ruleHeaders:
		return scope{headers: true}
	}
	return scope{}
}

// scratch is a reusable buffer for redacted values.
type scratch struct{ b []byte }

// maxScratch is the largest buffer kept for reuse, so that one huge value
// does not pin its memory in the pool.
const maxScratch = 64 << 10

var scratchPool = sync.Pool{New: func() any { return &scratch{b: make([]byte, 0, 1024)} }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	if cap(s.b) > maxScratch {
		return
	}
	s.b = s.b[:0]
	scratchPool.Put(s)
}

// redactString redacts a string value: it is copied to the buffer, to be
// read without a conversion, and redacted after it. keep says the result
// is the input unchanged.
func (s *scratch) redactString(r *rules, rl rule, name, v string) (out []byte, keep bool) {
	src := append(s.b[:0], v...)
	out = r.appendRedacted(src[len(src):], rl, name, src)
	s.grow(src, out)
	return out, string(out) == v
}

// redactBytes redacts a byte string into the buffer.
func (s *scratch) redactBytes(r *rules, rl rule, name string, v []byte) []byte {
	out := r.appendRedacted(s.b[:0], rl, name, v)
	s.grow(out, out)
	return out
}

// grow keeps the larger of the buffers used, so that the next value of
// the same size needs no allocation.
func (s *scratch) grow(a, b []byte) {
	if cap(a) > cap(s.b) {
		s.b = a[:0]
	}
	if cap(b) > cap(s.b) {
		s.b = b[:0]
	}
}

// redactingEncoder is the zapcore.Encoder a LogEncoder provides. Fields
// added to it (a logger's With fields) and the fields of each entry are
// redacted on their way into the wrapped encoder.
type redactingEncoder struct {
	wrapped zapcore.Encoder
	r       *rules
	scope   scope
}

// fields returns the field encoder that adds to the wrapped encoder.
// Without a scratch buffer it takes one from the pool for each value.
func (e *redactingEncoder) fields() fieldEncoder {
	return fieldEncoder{enc: e.wrapped, r: e.r, scope: e.scope}
}

// Clone implements zapcore.Encoder.
func (e *redactingEncoder) Clone() zapcore.Encoder {
	return &redactingEncoder{wrapped: e.wrapped.Clone(), r: e.r, scope: e.scope}
}

// EncodeEntry implements zapcore.Encoder. The message is redacted, and
// the fields are handed to the wrapped encoder as one inline field whose
// marshaler adds each of them through a fieldEncoder: the wrapped encoder
// stays in charge of its own copy of the context, so entries may be
// encoded concurrently, and nothing is cloned here.
func (e *redactingEncoder) EncodeEntry(ent zapcore.Entry, fields []zapcore.Field) (*buffer.Buffer, error) {
	s := getScratch()
	defer putScratch(s)
	if ent.Message != "" {
		if out, keep := s.redactString(e.r, ruleText, "", ent.Message); !keep {
			ent.Message = string(out)
		}
	}
	if len(fields) == 0 {
		return e.wrapped.EncodeEntry(ent, nil)
	}
	w := entryPool.Get().(*entryFields)
	w.fields = fields
	w.fe = fieldEncoder{r: e.r, scratch: s, scope: e.scope}
	w.inline[0] = zapcore.Field{Type: zapcore.InlineMarshalerType, Interface: w}
	buf, err := e.wrapped.EncodeEntry(ent, w.inline[:])
	*w = entryFields{}
	entryPool.Put(w)
	return buf, err
}

// entryFields adds an entry's fields to the wrapped encoder's copy of its
// context.
type entryFields struct {
	fields []zapcore.Field
	fe     fieldEncoder
	inline [1]zapcore.Field
}

var entryPool = sync.Pool{New: func() any { return new(entryFields) }}

// MarshalLogObject implements zapcore.ObjectMarshaler.
func (w *entryFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	w.fe.enc = enc
	for i := range w.fields {
		w.fields[i].AddTo(&w.fe)
	}
	return nil
}

// OpenNamespace implements zapcore.ObjectEncoder; the fields that follow
// are read in the scope of the namespace's key.
func (e *redactingEncoder) OpenNamespace(key string) {
	rl := e.scope.ruleFor(e.r, key)
	e.wrapped.OpenNamespace(key)
	e.scope = e.scope.child(rl)
}

// The zapcore.ObjectEncoder methods of redactingEncoder add With fields.

func (e *redactingEncoder) AddArray(key string, m zapcore.ArrayMarshaler) error {
	f := e.fields()
	return f.AddArray(key, m)
}

func (e *redactingEncoder) AddObject(key string, m zapcore.ObjectMarshaler) error {
	f := e.fields()
	return f.AddObject(key, m)
}

func (e *redactingEncoder) AddBinary(key string, v []byte) {
	f := e.fields()
	f.AddBinary(key, v)
}

func (e *redactingEncoder) AddByteString(key string, v []byte) {
	f := e.fields()
	f.AddByteString(key, v)
}

func (e *redactingEncoder) AddBool(key string, v bool) {
	f := e.fields()
	f.AddBool(key, v)
}

func (e *redactingEncoder) AddComplex128(key string, v complex128) {
	f := e.fields()
	f.AddComplex128(key, v)
}

func (e *redactingEncoder) AddComplex64(key string, v complex64) {
	f := e.fields()
	f.AddComplex64(key, v)
}

func (e *redactingEncoder) AddDuration(key string, v time.Duration) {
	f := e.fields()
	f.AddDuration(key, v)
}

func (e *redactingEncoder) AddFloat64(key string, v float64) {
	f := e.fields()
	f.AddFloat64(key, v)
}

func (e *redactingEncoder) AddFloat32(key string, v float32) {
	f := e.fields()
	f.AddFloat32(key, v)
}

func (e *redactingEncoder) AddInt(key string, v int) {
	f := e.fields()
	f.AddInt(key, v)
}

func (e *redactingEncoder) AddInt64(key string, v int64) {
	f := e.fields()
	f.AddInt64(key, v)
}

func (e *redactingEncoder) AddInt32(key string, v int32) {
	f := e.fields()
	f.AddInt32(key, v)
}

func (e *redactingEncoder) AddInt16(key string, v int16) {
	f := e.fields()
	f.AddInt16(key, v)
}

func (e *redactingEncoder) AddInt8(key string, v int8) {
	f := e.fields()
	f.AddInt8(key, v)
}

func (e *redactingEncoder) AddString(key, v string) {
	f := e.fields()
	f.AddString(key, v)
}

func (e *redactingEncoder) AddTime(key string, v time.Time) {
	f := e.fields()
	f.AddTime(key, v)
}

func (e *redactingEncoder) AddUint(key string, v uint) {
	f := e.fields()
	f.AddUint(key, v)
}

func (e *redactingEncoder) AddUint64(key string, v uint64) {
	f := e.fields()
	f.AddUint64(key, v)
}

func (e *redactingEncoder) AddUint32(key string, v uint32) {
	f := e.fields()
	f.AddUint32(key, v)
}

func (e *redactingEncoder) AddUint16(key string, v uint16) {
	f := e.fields()
	f.AddUint16(key, v)
}

func (e *redactingEncoder) AddUint8(key string, v uint8) {
	f := e.fields()
	f.AddUint8(key, v)
}

func (e *redactingEncoder) AddUintptr(key string, v uintptr) {
	f := e.fields()
	f.AddUintptr(key, v)
}

func (e *redactingEncoder) AddReflected(key string, v any) error {
	f := e.fields()
	return f.AddReflected(key, v)
}

// fieldEncoder is a zapcore.ObjectEncoder that redacts each value by its
// key and scope and adds it to enc.
type fieldEncoder struct {
	enc     zapcore.ObjectEncoder
	r       *rules
	scratch *scratch // nil: take one from the pool per value
	scope   scope
}

// resolve returns the rule for key and the key to write. Header names
// come from the client, which can send any token as one, such as an
// address: those that hold more than letters, '-' and '_' go through the
// detectors too.
func (f *fieldEncoder) resolve(key string) (string, rule) {
	rl := f.scope.ruleFor(f.r, key)
	if f.scope.headers && rl != ruleDrop && !plainName(key) {
		s, pooled := f.buf()
		if out, keep := s.redactString(f.r, ruleText, "", key); !keep {
			key = string(out)
		}
		if pooled {
			putScratch(s)
		}
	}
	return key, rl
}

// plainName reports whether a name is made of letters, '-' and '_' only,
// in which no detector can find anything.
func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; (c < 'a' || c > 'z') && s[i] != '-' && s[i] != '_' {
			return false
		}
	}
	return true
}

// buf returns the scratch buffer and whether it was taken from the pool
// (and must be put back).
func (f *fieldEncoder) buf() (*scratch, bool) {
	if f.scratch != nil {
		return f.scratch, false
	}
	return getScratch(), true
}

// AddString implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddString(key, v string) {
	if key, rl := f.resolve(key); rl != ruleDrop {
		f.addString(key, rl, v)
	}
}

func (f *fieldEncoder) addString(key string, rl rule, v string) {
	if v == "" {
		f.enc.AddString(key, v)
		return
	}
	s, pooled := f.buf()
	out, keep := s.redactString(f.r, rl, key, v)
	switch {
	case len(out) == 0:
		// Removed by its rule, such as the drop transform.
	case f.r.byteStrings:
		f.enc.AddByteString(key, out)
	case keep:
		f.enc.AddString(key, v)
	default:
		f.enc.AddString(key, string(out))
	}
	if pooled {
		putScratch(s)
	}
}

// AddByteString implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddByteString(key string, v []byte) {
	if key, rl := f.resolve(key); rl != ruleDrop {
		f.addBytes(key, rl, v)
	}
}

// addBytes adds v, redacted, as a string.
func (f *fieldEncoder) addBytes(key string, rl rule, v []byte) {
	if len(v) == 0 {
		f.enc.AddByteString(key, v)
		return
	}
	s, pooled := f.buf()
	out := s.redactBytes(f.r, rl, key, v)
	switch {
	case len(out) == 0:
	case f.r.byteStrings:
		f.enc.AddByteString(key, out)
	default:
		f.enc.AddByteString(key, bytes.Clone(out))
	}
	if pooled {
		putScratch(s)
	}
}

// AddBinary implements zapcore.ObjectEncoder. Binary values are removed:
// an identifier in them could not be found.
func (f *fieldEncoder) AddBinary(key string, v []byte) {}

// keepScalar returns the key under which a bool, time or the like is
// added as it is, and false if it is removed.
func (f *fieldEncoder) keepScalar(key string) (string, bool) {
	key, rl := f.resolve(key)
	return key, rl != ruleDrop
}

// keepInt returns the key under which an integer is added as it is, and
// false if it has been redacted as text or removed instead.
func (f *fieldEncoder) keepInt(key string, v int64) (string, bool) {
	key, rl := f.resolve(key)
	if !rl.strict() {
		return key, rl != ruleDrop
	}
	var nb [24]byte
	f.addBytes(key, rl, strconv.AppendInt(nb[:0], v, 10))
	return key, false
}

func (f *fieldEncoder) keepUint(key string, v uint64) (string, bool) {
	key, rl := f.resolve(key)
	if !rl.strict() {
		return key, rl != ruleDrop
	}
	var nb [24]byte
	f.addBytes(key, rl, strconv.AppendUint(nb[:0], v, 10))
	return key, false
}

func (f *fieldEncoder) keepFloat(key string, v float64, bitSize int) (string, bool) {
	key, rl := f.resolve(key)
	if !rl.strict() {
		return key, rl != ruleDrop
	}
	var nb [32]byte
	f.addBytes(key, rl, strconv.AppendFloat(nb[:0], v, 'g', -1, bitSize))
	return key, false
}

// AddBool implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddBool(key string, v bool) {
	if key, ok := f.keepScalar(key); ok {
		f.enc.AddBool(key, v)
	}
}

// AddComplex128 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddComplex128(key string, v complex128) {
	if key, ok := f.keepScalar(key); ok {
		f.enc.AddComplex128(key, v)
	}
}

// AddComplex64 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddComplex64(key string, v complex64) {
	if key, ok := f.keepScalar(key); ok {
		f.enc.AddComplex64(key, v)
	}
}

// AddDuration implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddDuration(key string, v time.Duration) {
	if key, ok := f.keepScalar(key); ok {
		f.enc.AddDuration(key, v)
	}
}

// AddTime implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddTime(key string, v time.Time) {
	if key, ok := f.keepScalar(key); ok {
		f.enc.AddTime(key, v)
	}
}

// AddFloat64 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddFloat64(key string, v float64) {
	if key, ok := f.keepFloat(key, v, 64); ok {
		f.enc.AddFloat64(key, v)
	}
}

// AddFloat32 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddFloat32(key string, v float32) {
	if key, ok := f.keepFloat(key, float64(v), 32); ok {
		f.enc.AddFloat32(key, v)
	}
}

// AddInt implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddInt(key string, v int) {
	if key, ok := f.keepInt(key, int64(v)); ok {
		f.enc.AddInt(key, v)
	}
}

// AddInt64 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddInt64(key string, v int64) {
	if key, ok := f.keepInt(key, v); ok {
		f.enc.AddInt64(key, v)
	}
}

// AddInt32 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddInt32(key string, v int32) {
	if key, ok := f.keepInt(key, int64(v)); ok {
		f.enc.AddInt32(key, v)
	}
}

// AddInt16 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddInt16(key string, v int16) {
	if key, ok := f.keepInt(key, int64(v)); ok {
		f.enc.AddInt16(key, v)
	}
}

// AddInt8 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddInt8(key string, v int8) {
	if key, ok := f.keepInt(key, int64(v)); ok {
		f.enc.AddInt8(key, v)
	}
}

// AddUint implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddUint(key string, v uint) {
	if key, ok := f.keepUint(key, uint64(v)); ok {
		f.enc.AddUint(key, v)
	}
}

// AddUint64 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddUint64(key string, v uint64) {
	if key, ok := f.keepUint(key, v); ok {
		f.enc.AddUint64(key, v)
	}
}

// AddUint32 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddUint32(key string, v uint32) {
	if key, ok := f.keepUint(key, uint64(v)); ok {
		f.enc.AddUint32(key, v)
	}
}

// AddUint16 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddUint16(key string, v uint16) {
	if key, ok := f.keepUint(key, uint64(v)); ok {
		f.enc.AddUint16(key, v)
	}
}

// AddUint8 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddUint8(key string, v uint8) {
	if key, ok := f.keepUint(key, uint64(v)); ok {
		f.enc.AddUint8(key, v)
	}
}

// AddUintptr implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddUintptr(key string, v uintptr) {
	if key, ok := f.keepUint(key, uint64(v)); ok {
		f.enc.AddUintptr(key, v)
	}
}

// OpenNamespace implements zapcore.ObjectEncoder.
func (f *fieldEncoder) OpenNamespace(key string) {
	key, rl := f.resolve(key)
	f.enc.OpenNamespace(key)
	f.scope = f.scope.child(rl)
}

// AddObject implements zapcore.ObjectEncoder: the object's fields are
// redacted as it marshals them.
func (f *fieldEncoder) AddObject(key string, m zapcore.ObjectMarshaler) error {
	key, rl := f.resolve(key)
	if rl == ruleDrop {
		return nil
	}
	s, pooled := f.buf()
	w := objectPool.Get().(*objectWrapper)
	w.m = m
	w.fe = fieldEncoder{r: f.r, scratch: s, scope: f.scope.child(rl)}
	err := f.enc.AddObject(key, w)
	*w = objectWrapper{}
	objectPool.Put(w)
	if pooled {
		putScratch(s)
	}
	return err
}

// AddArray implements zapcore.ObjectEncoder: every element is redacted by
// the array's key.
func (f *fieldEncoder) AddArray(key string, m zapcore.ArrayMarshaler) error {
	key, rl := f.resolve(key)
	if rl == ruleDrop {
		return nil
	}
	s, pooled := f.buf()
	w := arrayPool.Get().(*arrayWrapper)
	w.m = m
	w.ae = arrayEncoder{r: f.r, scratch: s, rule: rl, name: key, forced: f.scope.forced}
	err := f.enc.AddArray(key, w)
	*w = arrayWrapper{}
	arrayPool.Put(w)
	if pooled {
		putScratch(s)
	}
	return err
}

// AddReflected implements zapcore.ObjectEncoder. The value is encoded as
// JSON and its parts added one by one, so that they are redacted by their
// own keys; what cannot be encoded is not written.
func (f *fieldEncoder) AddReflected(key string, v any) error {
	key, rl := f.resolve(key)
	if rl == ruleDrop {
		return nil
	}
	switch v := v.(type) {
	case nil:
		return f.enc.AddReflected(key, nil)
	case json.Number:
		if rl.strict() {
			f.addBytes(key, rl, []byte(v))
			return nil
		}
		return f.enc.AddReflected(key, v)
	}
	j, err := reflectedJSON(v)
	if err != nil {
		return err
	}
	f.r.redactKeys(j)
	switch j.kind {
	case jsonString:
		f.addString(key, rl, j.s)
		return nil
	case jsonNumber:
		return f.AddReflected(key, json.Number(j.s))
	case jsonBool:
		f.AddBool(key, j.b)
		return nil
	case jsonNull:
		return f.enc.AddReflected(key, nil)
	case jsonObject:
		return f.AddObject(key, j)
	}
	return f.AddArray(key, j)
}

// objectWrapper passes its fieldEncoder, over the encoder it is given, to
// the object it wraps.
type objectWrapper struct {
	m  zapcore.ObjectMarshaler
	fe fieldEncoder
}

var objectPool = sync.Pool{New: func() any { return new(objectWrapper) }}

// MarshalLogObject implements zapcore.ObjectMarshaler.
func (w *objectWrapper) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	if w.m == nil {
		// Called after the AddObject that made it returned, which zap's
		// encoders never do: write nothing rather than risk anything.
		return nil
	}
	w.fe.enc = enc
	return w.m.MarshalLogObject(&w.fe)
}

// arrayWrapper passes its arrayEncoder, over the encoder it is given, to
// the array it wraps.
type arrayWrapper struct {
	m  zapcore.ArrayMarshaler
	ae arrayEncoder
}

var arrayPool = sync.Pool{New: func() any { return new(arrayWrapper) }}

// MarshalLogArray implements zapcore.ArrayMarshaler.
func (w *arrayWrapper) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	if w.m == nil {
		return nil
	}
	w.ae.enc = enc
	return w.m.MarshalLogArray(&w.ae)
}

// arrayEncoder is a zapcore.ArrayEncoder that redacts each element by the
// rule of the array's key and adds it to enc.
type arrayEncoder struct {
	enc     zapcore.ArrayEncoder
	r       *rules
	scratch *scratch
	rule    rule
	name    string // the array's key, a header name in headers
	forced  bool   // the array is inside a value with a rule of its own
}

// elementScope is the scope of an object inside the array.
func (a *arrayEncoder) elementScope() scope {
	if a.forced || (a.rule != ruleText && a.rule != ruleHeaders) {
		return scope{forced: true, force: a.rule}
	}
	return scope{}
}

// AppendString implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendString(v string) {
	if v == "" {
		a.enc.AppendString(v)
		return
	}
	out, keep := a.scratch.redactString(a.r, a.rule, a.name, v)
	switch {
	case len(out) == 0:
	case a.r.byteStrings:
		a.enc.AppendByteString(out)
	case keep:
		a.enc.AppendString(v)
	default:
		a.enc.AppendString(string(out))
	}
}

// AppendByteString implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendByteString(v []byte) {
	if len(v) == 0 {
		a.enc.AppendByteString(v)
		return
	}
	a.appendBytes(v)
}

func (a *arrayEncoder) appendBytes(v []byte) {
	out := a.scratch.redactBytes(a.r, a.rule, a.name, v)
	switch {
	case len(out) == 0:
	case a.r.byteStrings:
		a.enc.AppendByteString(out)
	default:
		a.enc.AppendByteString(bytes.Clone(out))
	}
}

// keepInt reports whether an integer element is appended as it is; if
// not, it has been redacted as text.
func (a *arrayEncoder) keepInt(v int64) bool {
	if !a.rule.strict() {
		return true
	}
	var nb [24]byte
	a.appendBytes(strconv.AppendInt(nb[:0], v, 10))
	return false
}

func (a *arrayEncoder) keepUint(v uint64) bool {
	if !a.rule.strict() {
		return true
	}
	var nb [24]byte
	a.appendBytes(strconv.AppendUint(nb[:0], v, 10))
	return false
}

func (a *arrayEncoder) keepFloat(v float64, bitSize int) bool {
	if !a.rule.strict() {
		return true
	}
	var nb [32]byte
	a.appendBytes(strconv.AppendFloat(nb[:0], v, 'g', -1, bitSize))
	return false
}

// AppendBool implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendBool(v bool) { a.enc.AppendBool(v) }

// AppendComplex128 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendComplex128(v complex128) { a.enc.AppendComplex128(v) }

// AppendComplex64 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendComplex64(v complex64) { a.enc.AppendComplex64(v) }

// AppendDuration implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendDuration(v time.Duration) { a.enc.AppendDuration(v) }

// AppendTime implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendTime(v time.Time) { a.enc.AppendTime(v) }

// AppendFloat64 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendFloat64(v float64) {
	if a.keepFloat(v, 64) {
		a.enc.AppendFloat64(v)
	}
}

// AppendFloat32 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendFloat32(v float32) {
	if a.keepFloat(float64(v), 32) {
		a.enc.AppendFloat32(v)
	}
}

// AppendInt implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendInt(v int) {
	if a.keepInt(int64(v)) {
		a.enc.AppendInt(v)
	}
}

// AppendInt64 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendInt64(v int64) {
	if a.keepInt(v) {
		a.enc.AppendInt64(v)
	}
}

// AppendInt32 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendInt32(v int32) {
	if a.keepInt(int64(v)) {
		a.enc.AppendInt32(v)
	}
}

// AppendInt16 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendInt16(v int16) {
	if a.keepInt(int64(v)) {
		a.enc.AppendInt16(v)
	}
}

// AppendInt8 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendInt8(v int8) {
	if a.keepInt(int64(v)) {
		a.enc.AppendInt8(v)
	}
}

// AppendUint implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendUint(v uint) {
	if a.keepUint(uint64(v)) {
		a.enc.AppendUint(v)
	}
}

// AppendUint64 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendUint64(v uint64) {
	if a.keepUint(v) {
		a.enc.AppendUint64(v)
	}
}

// AppendUint32 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendUint32(v uint32) {
	if a.keepUint(uint64(v)) {
		a.enc.AppendUint32(v)
	}
}

// AppendUint16 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendUint16(v uint16) {
	if a.keepUint(uint64(v)) {
		a.enc.AppendUint16(v)
	}
}

// AppendUint8 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendUint8(v uint8) {
	if a.keepUint(uint64(v)) {
		a.enc.AppendUint8(v)
	}
}

// AppendUintptr implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendUintptr(v uintptr) {
	if a.keepUint(uint64(v)) {
		a.enc.AppendUintptr(v)
	}
}

// AppendObject implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendObject(m zapcore.ObjectMarshaler) error {
	w := objectPool.Get().(*objectWrapper)
	w.m = m
	w.fe = fieldEncoder{r: a.r, scratch: a.scratch, scope: a.elementScope()}
	err := a.enc.AppendObject(w)
	*w = objectWrapper{}
	objectPool.Put(w)
	return err
}

// AppendArray implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendArray(m zapcore.ArrayMarshaler) error {
	w := arrayPool.Get().(*arrayWrapper)
	w.m = m
	w.ae = *a
	err := a.enc.AppendArray(w)
	*w = arrayWrapper{}
	arrayPool.Put(w)
	return err
}

// AppendReflected implements zapcore.ArrayEncoder, like AddReflected.
func (a *arrayEncoder) AppendReflected(v any) error {
	switch v := v.(type) {
	case nil:
		return a.enc.AppendReflected(nil)
	case json.Number:
		if a.rule.strict() {
			a.appendBytes([]byte(v))
			return nil
		}
		return a.enc.AppendReflected(v)
	}
	j, err := reflectedJSON(v)
	if err != nil {
		return err
	}
	a.r.redactKeys(j)
	switch j.kind {
	case jsonString:
		a.AppendString(j.s)
		return nil
	case jsonNumber:
		return a.AppendReflected(json.Number(j.s))
	case jsonBool:
		a.AppendBool(j.b)
		return nil
	case jsonNull:
		return a.enc.AppendReflected(nil)
	case jsonObject:
		return a.AppendObject(j)
	}
	return a.AppendArray(j)
}

// jsonValue is a value logged by reflection, decoded from its JSON with
// the order of its object members kept, so that it can be added through
// the redacting encoders.
type jsonValue struct {
	kind    jsonKind
	s       string // string, or the text of a number
	b       bool
	members []jsonMember
	elems   []*jsonValue
}

type jsonMember struct {
	key string
	val *jsonValue
}

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonString
	jsonNumber
	jsonBool
	jsonObject
	jsonArray
)

// reflectedJSON encodes v as zap's JSON encoder would and decodes it.
func reflectedJSON(v any) (*jsonValue, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(&b)
	dec.UseNumber()
	return decodeJSON(dec)
}

func decodeJSON(dec *json.Decoder) (*jsonValue, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case string:
		return &jsonValue{kind: jsonString, s: t}, nil
	case json.Number:
		return &jsonValue{kind: jsonNumber, s: string(t)}, nil
	case bool:
		return &jsonValue{kind: jsonBool, b: t}, nil
	case nil:
		return &jsonValue{kind: jsonNull}, nil
	case json.Delim:
		switch t {
		case '{':
			j := &jsonValue{kind: jsonObject}
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					return nil, err
				}
				val, err := decodeJSON(dec)
				if err != nil {
					return nil, err
				}
				j.members = append(j.members, jsonMember{key.(string), val})
			}
			_, err := dec.Token()
			return j, err
		case '[':
			j := &jsonValue{kind: jsonArray}
			for dec.More() {
				val, err := decodeJSON(dec)
				if err != nil {
					return nil, err
				}
				j.elems = append(j.elems, val)
			}
			_, err := dec.Token()
			return j, err
		}
	}
	return nil, errors.New("unexpected JSON token")
}

// redactKeys runs the detectors over the member names of a reflected
// value: a map can be keyed by anything, an e-mail address for one.
func (r *rules) redactKeys(j *jsonValue) {
	for i := range j.members {
		m := &j.members[i]
		if !plainName(m.key) {
			m.key = string(r.red.AppendText(nil, []byte(m.key)))
		}
		r.redactKeys(m.val)
	}
	for _, e := range j.elems {
		r.redactKeys(e)
	}
}

// MarshalLogObject implements zapcore.ObjectMarshaler for JSON objects.
func (j *jsonValue) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	var errs []error
	for _, m := range j.members {
		v := m.val
		switch v.kind {
		case jsonString:
			enc.AddString(m.key, v.s)
		case jsonNumber:
			errs = append(errs, enc.AddReflected(m.key, json.Number(v.s)))
		case jsonBool:
			enc.AddBool(m.key, v.b)
		case jsonNull:
			errs = append(errs, enc.AddReflected(m.key, nil))
		case jsonObject:
			errs = append(errs, enc.AddObject(m.key, v))
		case jsonArray:
			errs = append(errs, enc.AddArray(m.key, v))
		}
	}
	return errors.Join(errs...)
}

// MarshalLogArray implements zapcore.ArrayMarshaler for JSON arrays.
func (j *jsonValue) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	var errs []error
	for _, v := range j.elems {
		switch v.kind {
		case jsonString:
			enc.AppendString(v.s)
		case jsonNumber:
			errs = append(errs, enc.AppendReflected(json.Number(v.s)))
		case jsonBool:
			enc.AppendBool(v.b)
		case jsonNull:
			errs = append(errs, enc.AppendReflected(nil))
		case jsonObject:
			errs = append(errs, enc.AppendObject(v))
		case jsonArray:
			errs = append(errs, enc.AppendArray(v))
		}
	}
	return errors.Join(errs...)
}

// Interface guards
var (
	_ zapcore.Encoder                  = (*LogEncoder)(nil)
	_ caddy.Provisioner                = (*LogEncoder)(nil)
	_ caddy.CleanerUpper               = (*LogEncoder)(nil)
	_ caddy.ConfiguresFormatterDefault = (*LogEncoder)(nil)
	_ caddyfile.Unmarshaler            = (*LogEncoder)(nil)
	_ zapcore.Encoder                  = (*redactingEncoder)(nil)
	_ zapcore.ObjectEncoder            = (*fieldEncoder)(nil)
	_ zapcore.ArrayEncoder             = (*arrayEncoder)(nil)
	_ zapcore.ObjectMarshaler          = (*entryFields)(nil)
	_ zapcore.ObjectMarshaler          = (*objectWrapper)(nil)
	_ zapcore.ArrayMarshaler           = (*arrayWrapper)(nil)
	_ zapcore.ObjectMarshaler          = (*jsonValue)(nil)
	_ zapcore.ArrayMarshaler           = (*jsonValue)(nil)
)
