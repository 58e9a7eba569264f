package caddymodule

import (
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/caddy/v2/modules/logging"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/redact"
)

func init() {
	caddy.RegisterModule(CountryIPFilter{})
	caddy.RegisterModule(PIIFilter{})
}

// CountryIPFilter is a field filter for Caddy's filter log encoder that
// applies the IP transform to a field holding client addresses: by
// default each becomes its country code. It reads an address, host:port
// or comma-separated list of them, in a string or in each string of an
// array (such as request>headers>X-Forwarded-For). What does not parse as
// an address is not passed through. A field of another type is redacted
// throughout as if every value in it were an address.
//
// It needs a country database for the country transform, unless
// geoip.off is set, in which case addresses are truncated instead.
type CountryIPFilter struct {
	// IPPolicy says what addresses become: "transform" is "country"
	// (default), "truncate", "pseudonym" or "drop"; "ipv4_prefix" and
	// "ipv6_prefix" are the bits truncate keeps (default 24 and 48).
	config.IPPolicy

	// GeoIP names the country database, as in the privacy handler.
	GeoIP config.GeoIPPolicy `json:"geoip,omitzero"`

	// Pseudonym controls the rotating keys of the pseudonym transform, as
	// in the privacy handler.
	Pseudonym config.PseudonymPolicy `json:"pseudonym,omitzero"`

	// Keys says where the pseudonym keys live, as in the privacy handler.
	// Default: Caddy's configured storage.
	Keys config.KeysPolicy `json:"keys,omitzero"`

	// GeoIPCheck is how often the country database file is checked for
	// changes. Default: 1m.
	GeoIPCheck caddy.Duration `json:"geoip_check,omitempty"`

	filter fieldFilter
}

// CaddyModule returns the Caddy module information.
func (CountryIPFilter) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "caddy.logging.encoders.filter.country_ip",
		New: func() caddy.Module { return new(CountryIPFilter) },
	}
}

func (f *CountryIPFilter) policy() config.Policy {
	return config.Policy{IP: f.IPPolicy, GeoIP: f.GeoIP, Pseudonym: f.Pseudonym, Keys: f.Keys}
}

// Provision opens (or shares) the country database and the key ring.
func (f *CountryIPFilter) Provision(ctx caddy.Context) error {
	f.filter.cfg = ctx
	return f.provision(ctx.Storage(), ctx.Logger())
}

func (f *CountryIPFilter) provision(storage certmagic.Storage, logger *zap.Logger) error {
	return f.filter.provision(f.policy(), f.GeoIPCheck, storage, logger, redact.RuleIP)
}

// Validate checks the configuration without I/O.
func (f *CountryIPFilter) Validate() error {
	p := f.policy()
	return p.Validate()
}

// Cleanup releases the shared database and key ring. It is safe after a
// failed Provision.
func (f *CountryIPFilter) Cleanup() error { return f.filter.cleanup() }

// Filter implements logging.LogFieldFilter.
func (f *CountryIPFilter) Filter(in zapcore.Field) zapcore.Field { return f.filter.filter(in) }

// UnmarshalCaddyfile sets up the filter from Caddyfile tokens. Syntax:
//
//	country_ip [country|truncate|pseudonym|drop [<ipv4_prefix> [<ipv6_prefix>]]] {
//		geoip <path>|off
//		geoip_check <interval>
//		unknown_country <code>
//		pseudonym <rotate> [<retention>]
//		keys caddy|memory|redis [<host:port>] [{ password <p>; prefix <p> }]
//	}
//
// The arguments are those of the privacy handler's ip option, and the
// options have the handler's syntax and defaults.
func (f *CountryIPFilter) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // filter name
	var p config.Policy
	if args := d.RemainingArgs(); len(args) > 0 {
		if err := parseIPArgs(d, args, &p.IP); err != nil {
			return err
		}
	}
	for d.NextBlock(0) {
		if err := unmarshalPolicyOption(d, &p, &f.GeoIPCheck, "country_ip", "geoip", "geoip_check", "unknown_country", "pseudonym", "keys"); err != nil {
			return err
		}
	}
	f.IPPolicy, f.GeoIP, f.Pseudonym, f.Keys = p.IP, p.GeoIP, p.Pseudonym, p.Keys
	return nil
}

// PIIFilter is a field filter for Caddy's filter log encoder that runs the
// identifier detectors over one field: e-mail addresses, phone numbers,
// IP addresses, card numbers and the rest are replaced as the detectors
// are configured, in a string, in each string of an array, or in every
// string inside an object.
//
// With the defaults, the ipv4 and ipv6 detectors apply the IP transform,
// which needs a country database unless geoip.off is set.
type PIIFilter struct {
	// Detectors tunes the detectors, keyed by name, as in the privacy
	// handler. Default: every detector on.
	Detectors map[string]config.Detector `json:"detectors,omitempty"`

	// IP is the transform the ipv4 and ipv6 detectors apply. Default:
	// country.
	IP config.IPPolicy `json:"ip,omitzero"`

	// GeoIP names the country database, as in the privacy handler.
	GeoIP config.GeoIPPolicy `json:"geoip,omitzero"`

	// Pseudonym controls the rotating keys of the pseudonym replacement.
	Pseudonym config.PseudonymPolicy `json:"pseudonym,omitzero"`

	// Keys says where the pseudonym keys live, as in the privacy handler.
	// Default: Caddy's configured storage.
	Keys config.KeysPolicy `json:"keys,omitzero"`

	// GeoIPCheck is how often the country database file is checked for
	// changes. Default: 1m.
	GeoIPCheck caddy.Duration `json:"geoip_check,omitempty"`

	filter fieldFilter
}

// CaddyModule returns the Caddy module information.
func (PIIFilter) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "caddy.logging.encoders.filter.pii",
		New: func() caddy.Module { return new(PIIFilter) },
	}
}

func (f *PIIFilter) policy() config.Policy {
	return config.Policy{Detectors: f.Detectors, IP: f.IP, GeoIP: f.GeoIP, Pseudonym: f.Pseudonym, Keys: f.Keys}
}

// Provision opens (or shares) the country database and the key ring.
func (f *PIIFilter) Provision(ctx caddy.Context) error {
	f.filter.cfg = ctx
	return f.provision(ctx.Storage(), ctx.Logger())
}

func (f *PIIFilter) provision(storage certmagic.Storage, logger *zap.Logger) error {
	return f.filter.provision(f.policy(), f.GeoIPCheck, storage, logger, redact.RuleText)
}

// Validate checks the configuration without I/O.
func (f *PIIFilter) Validate() error {
	p := f.policy()
	return p.Validate()
}

// Cleanup releases the shared database and key ring. It is safe after a
// failed Provision.
func (f *PIIFilter) Cleanup() error { return f.filter.cleanup() }

// Filter implements logging.LogFieldFilter.
func (f *PIIFilter) Filter(in zapcore.Field) zapcore.Field { return f.filter.filter(in) }

// UnmarshalCaddyfile sets up the filter from Caddyfile tokens. Syntax:
//
//	pii {
//		detector <name> off|tag|mask|pseudonym|transform
//		ip country|truncate|pseudonym|drop [<ipv4_prefix> [<ipv6_prefix>]]
//		geoip <path>|off
//		geoip_check <interval>
//		unknown_country <code>
//		pseudonym <rotate> [<retention>]
//		keys caddy|memory|redis [<host:port>] [{ password <p>; prefix <p> }]
//	}
//
// The options have the privacy handler's syntax and defaults.
func (f *PIIFilter) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // filter name
	if d.NextArg() {
		return d.ArgErr()
	}
	var p config.Policy
	for d.NextBlock(0) {
		if err := unmarshalPolicyOption(d, &p, &f.GeoIPCheck, "pii", "detector", "ip", "geoip", "geoip_check", "unknown_country", "pseudonym", "keys"); err != nil {
			return err
		}
	}
	f.Detectors, f.IP, f.GeoIP, f.Pseudonym, f.Keys = p.Detectors, p.IP, p.GeoIP, p.Pseudonym, p.Keys
	return nil
}

// fieldFilter is the engine behind a field filter.
type fieldFilter struct {
	cfg    caddy.Context // the config, whose storage is set up after logs
	engine *engine
	r      *rules
	rule   redact.Rule
}

func (f *fieldFilter) provision(p config.Policy, geoCheck caddy.Duration, storage certmagic.Storage, logger *zap.Logger, rl redact.Rule) error {
	eng, err := newEngine(&p, time.Duration(geoCheck), storageRef{now: storage, cfg: f.cfg}, logger)
	if err != nil {
		return err
	}
	f.engine = eng
	// Filters hand strings back in a zapcore.Field, which outlives any
	// buffer of ours.
	f.r = newRules(eng.Redactor, false)
	f.rule = rl
	return nil
}

func (f *fieldFilter) cleanup() error {
	err := f.engine.cleanup()
	f.engine = nil
	return err
}

// filter redacts a field. Strings and Caddy's string arrays (headers) are
// redacted here, as Caddy's own filters do; any other field is replaced
// by an inline one that adds it through a fieldEncoder whose every value
// has the filter's rule.
func (f *fieldFilter) filter(in zapcore.Field) zapcore.Field {
	if f.r == nil {
		// Not provisioned: write nothing rather than the raw value.
		in.Type = zapcore.SkipType
		return in
	}
	switch in.Type {
	case zapcore.SkipType:
		return in
	case zapcore.StringType:
		if in.String == "" {
			return in
		}
		out := f.r.appendRedacted(nil, f.rule, []byte(in.String))
		if len(out) == 0 {
			in.Type = zapcore.SkipType
			return in
		}
		in.String = string(out)
		return in
	case zapcore.ByteStringType, zapcore.BinaryType:
		// Caddy's filter encoder hands byte strings over as zap.Any
		// makes them: binary.
		v, _ := in.Interface.([]byte)
		if len(v) == 0 {
			return in
		}
		out := f.r.appendRedacted(nil, f.rule, v)
		if len(out) == 0 {
			in.Type = zapcore.SkipType
			return in
		}
		in.Type = zapcore.ByteStringType
		in.Interface = out
		return in
	case zapcore.ArrayMarshalerType:
		if arr, ok := in.Interface.(caddyhttp.LoggableStringArray); ok {
			in.Interface = f.filterStrings(in.Key, arr)
			return in
		}
	}
	return zapcore.Field{Type: zapcore.InlineMarshalerType, Interface: &forcedField{field: in, r: f.r, rule: f.rule}}
}

// filterStrings redacts each string of an array; those that redact to
// nothing are removed.
func (f *fieldFilter) filterStrings(key string, arr caddyhttp.LoggableStringArray) caddyhttp.LoggableStringArray {
	out := make(caddyhttp.LoggableStringArray, 0, len(arr))
	var buf []byte
	for _, s := range arr {
		if s == "" {
			out = append(out, s)
			continue
		}
		buf = f.r.appendRedacted(buf[:0], f.rule, []byte(s))
		if len(buf) > 0 {
			out = append(out, string(buf))
		}
	}
	return out
}

// forcedField adds a field through a fieldEncoder in which every value
// has one rule.
type forcedField struct {
	field zapcore.Field
	r     *rules
	rule  redact.Rule
}

// MarshalLogObject implements zapcore.ObjectMarshaler.
func (ff *forcedField) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	fe := fieldEncoder{enc: enc, r: ff.r, scope: scope{forced: true, force: ff.rule}}
	ff.field.AddTo(&fe)
	return nil
}

// Interface guards
var (
	_ logging.LogFieldFilter  = (*CountryIPFilter)(nil)
	_ caddy.Provisioner       = (*CountryIPFilter)(nil)
	_ caddy.Validator         = (*CountryIPFilter)(nil)
	_ caddy.CleanerUpper      = (*CountryIPFilter)(nil)
	_ caddyfile.Unmarshaler   = (*CountryIPFilter)(nil)
	_ logging.LogFieldFilter  = (*PIIFilter)(nil)
	_ caddy.Provisioner       = (*PIIFilter)(nil)
	_ caddy.Validator         = (*PIIFilter)(nil)
	_ caddy.CleanerUpper      = (*PIIFilter)(nil)
	_ caddyfile.Unmarshaler   = (*PIIFilter)(nil)
	_ zapcore.ObjectMarshaler = (*forcedField)(nil)
)
