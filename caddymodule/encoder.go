package caddymodule

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/logging"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/term"

	"github.com/caddy-privacy/caddy-privacy/config"
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
// off. Pseudonym keys live in the key store the policy names (keys), by
// default Caddy's configured storage, the same as the privacy handler's:
// Caddy opens logs before it sets that storage up, so the encoder loads
// its keys as soon as Caddy has (see lateKeyRing).
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
	eng, err := newEngine(&e.Policy, time.Duration(e.GeoIPCheck), storageRef{now: storage, cfg: e.ctx}, logger)
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
// client_ip_header, user_agent, pseudonym, keys ...), with the same syntax and
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

// Interface guards
var (
	_ zapcore.Encoder                  = (*LogEncoder)(nil)
	_ caddy.Provisioner                = (*LogEncoder)(nil)
	_ caddy.CleanerUpper               = (*LogEncoder)(nil)
	_ caddy.ConfiguresFormatterDefault = (*LogEncoder)(nil)
	_ caddyfile.Unmarshaler            = (*LogEncoder)(nil)
)
