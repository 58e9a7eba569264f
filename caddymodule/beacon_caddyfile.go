package caddymodule

import (
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-privacy/caddy-privacy/beacon"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("privacy_beacon", parseBeaconCaddyfile)
	// The gateway rewrites the beacon that reverse_proxy then sends.
	httpcaddyfile.RegisterDirectiveOrder("privacy_beacon", httpcaddyfile.Before, "reverse_proxy")
}

func parseBeaconCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	b := new(Beacon)
	err := b.UnmarshalCaddyfile(h.Dispenser)
	return b, err
}

// UnmarshalCaddyfile sets up the gateway from Caddyfile tokens. Syntax:
//
//	privacy_beacon [<matcher>] <vendor> {
//		geoip <path>|off
//		geoip_check <interval>
//		unknown_country <code>
//		paths <path...>
//		allow <param...>
//		drop <param...>
//		referrer origin|url|drop
//		ip_override stand_in|none
//		cookieless
//		max_body <size>
//		max_events <n>
//		timeout <duration>
//		header_timeout <duration>
//		query allow|deny [<param...>]
//		keep_fragment
//		path_ids tag|keep
//		keep_values <param...>
//		detector <name> off|tag|mask|pseudonym|transform
//		user_agent generalize|keep|drop
//		pseudonym <rotate> [<retention>]
//		keys caddy|memory|redis [<host:port>] [{ password <p>; prefix <p> }]
//		status <code>
//		fields {
//			keep|text|url|referrer|pseudonym|user_agent|ip|drop <name...>
//		}
//	}
//
// <vendor> is one of beacon.VendorNames (ga4, ua, matomo, plausible,
// umami, segment, posthog, amplitude, mixpanel, generic); fields and status
// are for generic only. A field name holding spaces or brackets is quoted:
// url "event_properties.[Amplitude] Page Location". Sizes read as request_body's max_size does: 64KiB,
// 1MB (10^6 bytes), or bytes. Every value is checked when the config is
// provisioned.
func (b *Beacon) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // directive name
	if !d.NextArg() {
		return d.Errf("privacy_beacon needs a vendor: one of %s", strings.Join(beacon.VendorNames(), ", "))
	}
	b.Vendor = d.Val()
	if !beacon.IsVendor(b.Vendor) {
		return d.Errf("%q is not a vendor; want one of %s", b.Vendor, strings.Join(beacon.VendorNames(), ", "))
	}
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "paths", "allow", "drop":
			key := d.Val()
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			switch key {
			case "paths":
				b.Paths = append(b.Paths, args...)
			case "allow":
				b.Allow = append(b.Allow, args...)
			default:
				b.Drop = append(b.Drop, args...)
			}
		case "referrer":
			arg, err := oneArg(d)
			if err != nil {
				return err
			}
			if err := checkOneOf(d, arg, beacon.ReferrerOrigin, beacon.ReferrerURL, beacon.ReferrerDrop); err != nil {
				return err
			}
			b.Referrer = arg
		case "ip_override":
			arg, err := oneArg(d)
			if err != nil {
				return err
			}
			if err := checkOneOf(d, arg, beacon.IPStandIn, beacon.IPNone); err != nil {
				return err
			}
			b.IPOverride = arg
		case "cookieless":
			if d.NextArg() {
				return d.ArgErr()
			}
			b.Cookieless = true
		case "max_body":
			arg, err := oneArg(d)
			if err != nil {
				return err
			}
			// Sizes read as in Caddy's request_body max_size.
			n, err := humanize.ParseBytes(arg)
			if err != nil || n == 0 || n > 1<<40 {
				return d.Errf("%q is not a size such as 64KiB, 1MB or 65536", arg)
			}
			b.MaxBody = int64(n)
		case "timeout", "header_timeout":
			key := d.Val()
			arg, err := oneArg(d)
			if err != nil {
				return err
			}
			dur, err := caddy.ParseDuration(arg)
			if err != nil || dur <= 0 {
				return d.Errf("%s: %q is not a positive duration such as 10s", key, arg)
			}
			if key == "timeout" {
				b.Timeout = caddy.Duration(dur)
			} else {
				b.HeaderTimeout = caddy.Duration(dur)
			}
		case "max_events":
			arg, err := oneArg(d)
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(arg)
			if err != nil || n < 1 {
				return d.Errf("%q is not a positive number of events", arg)
			}
			b.MaxEvents = n
		case "status":
			arg, err := oneArg(d)
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(arg)
			if err != nil {
				return d.Errf("%q is not an HTTP status such as 200", arg)
			}
			b.Status = n
		case "fields":
			if err := b.unmarshalFields(d); err != nil {
				return err
			}
		default:
			if err := unmarshalPolicyOption(d, &b.Policy, &b.GeoIPCheck, "privacy_beacon", beaconPolicyOptions...); err != nil {
				return err
			}
		}
	}
	return nil
}

// beaconPolicyOptions are the policy options that act on beacons.
var beaconPolicyOptions = []string{
	"geoip", "geoip_check", "unknown_country", "query", "keep_fragment", "path_ids", "keep_values",
	"detector", "user_agent", "pseudonym", "keys",
}

func (b *Beacon) unmarshalFields(d *caddyfile.Dispenser) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	if b.Fields == nil {
		b.Fields = new(beacon.Fields)
	}
	f := b.Fields
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		key := d.Val()
		names := d.RemainingArgs()
		if len(names) == 0 {
			return d.ArgErr()
		}
		var dst *[]string
		switch key {
		case "keep":
			dst = &f.Keep
		case "text":
			dst = &f.Text
		case "url":
			dst = &f.URL
		case "referrer":
			dst = &f.Referrer
		case "pseudonym":
			dst = &f.Pseudonym
		case "user_agent":
			dst = &f.UserAgent
		case "ip":
			dst = &f.IP
		case "drop":
			dst = &f.Drop
		default:
			return d.Errf("%q is not a field list; want keep, text, url, referrer, pseudonym, user_agent, ip or drop", key)
		}
		*dst = append(*dst, names...)
	}
	return nil
}

// Interface guards
var _ caddyfile.Unmarshaler = (*Beacon)(nil)
