package caddymodule

import (
	"slices"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/embeds"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("privacy", parseCaddyfile)
	// First in the chain, so that every other handler, and the headers
	// they set on the response, are seen through the policy.
	httpcaddyfile.RegisterDirectiveOrder("privacy", httpcaddyfile.Before, "map")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	handler := new(Handler)
	err := handler.UnmarshalCaddyfile(h.Dispenser)
	return handler, err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	privacy [<matcher>] {
//		geoip <path>|off
//		geoip_check <interval>
//		unknown_country <code>
//		ip country|truncate|pseudonym|drop [<ipv4_prefix> [<ipv6_prefix>]]
//		forward_ip remove|transform
//		country_header <field>|off
//		consent <format> [<cookie_name>]
//		consent_field <key> <category>
//		gpc <category...>
//		dnt <category...>|none
//		cookie <name> <category>
//		unknown_cookies <category>
//		cookie_max_age <duration>
//		query allow|deny [<param...>]
//		keep_fragment
//		path_ids tag|keep
//		keep_values <param...>
//		detector <name> off|tag|mask|pseudonym|transform
//		client_ip_header <field...>
//		user_agent generalize|keep|drop
//		pseudonym <rotate> [<retention>]
//		keys caddy|memory
//		keys redis <host:port> {
//			password <password>
//			prefix <prefix>
//		}
//		csp {
//			<category> <origin...>
//			allow <origin...>
//		}
//		embeds [<provider...>] {
//			youtube nocookie|placeholder
//			vimeo placeholder|dnt
//			category <provider> <category>
//			custom <name> <host...> [<category>]
//			text <key> <message>
//			settings_url <url>
//		}
//		gpc_json
//	}
//
// Durations accept Caddy's forms, including days ("395d"). Every value is
// checked when the config is provisioned; see config.Policy for defaults.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "forward_ip":
			arg, err := oneArg(d)
			if err != nil {
				return err
			}
			if err := checkOneOf(d, arg, "remove", "transform"); err != nil {
				return err
			}
			h.ForwardIP = arg
		case "csp":
			if err := h.unmarshalCSP(d); err != nil {
				return err
			}
		case "embeds":
			if err := h.unmarshalEmbeds(d); err != nil {
				return err
			}
		case "gpc_json":
			if d.NextArg() {
				return d.ArgErr()
			}
			h.GPCJSON = true
		default:
			if err := unmarshalPolicyOption(d, &h.Policy, &h.GeoIPCheck, "privacy"); err != nil {
				return err
			}
		}
	}
	return nil
}

// unmarshalPolicyOption parses the policy option the dispenser is on, with
// the same syntax in every module that embeds config.Policy (the handler,
// the beacon gateway, the log encoder and filters), into p and geoCheck.
// module names the directive in the error for an unknown option; allowed,
// when given, limits the options to those that mean something there.
func unmarshalPolicyOption(d *caddyfile.Dispenser, p *config.Policy, geoCheck *caddy.Duration, module string, allowed ...string) error {
	if len(allowed) > 0 && !slices.Contains(allowed, d.Val()) {
		return d.Errf("unrecognized %s option %q; want one of %s", module, d.Val(), strings.Join(allowed, ", "))
	}
	switch d.Val() {
	case "geoip":
		arg, err := oneArg(d)
		if err != nil {
			return err
		}
		if arg == "off" {
			p.GeoIP.Off = true
		} else {
			p.GeoIP.Database = arg
		}
	case "geoip_check":
		dur, err := durationArg(d)
		if err != nil {
			return err
		}
		*geoCheck = dur
	case "unknown_country":
		arg, err := oneArg(d)
		if err != nil {
			return err
		}
		p.GeoIP.Unknown = arg
	case "ip":
		args := d.RemainingArgs()
		if len(args) == 0 {
			return d.ArgErr()
		}
		return parseIPArgs(d, args, &p.IP)
	case "country_header":
		arg, err := oneArg(d)
		if err != nil {
			return err
		}
		if arg == "off" {
			arg = "-"
		}
		p.Headers.Country = arg
	case "consent":
		args := d.RemainingArgs()
		if len(args) < 1 || len(args) > 2 {
			return d.ArgErr()
		}
		if err := checkOneOf(d, args[0], config.ConsentFormats...); err != nil {
			return err
		}
		p.Consent.Format = args[0]
		if len(args) == 2 {
			p.Consent.Cookie = args[1]
		}
	case "consent_field":
		key, cat, err := twoArgs(d)
		if err != nil {
			return err
		}
		if err := checkOneOf(d, cat, config.Categories...); err != nil {
			return err
		}
		if p.Consent.Fields == nil {
			p.Consent.Fields = map[string]string{}
		}
		p.Consent.Fields[key] = cat
	case "gpc", "dnt":
		signal := d.Val()
		args := d.RemainingArgs()
		if len(args) == 0 {
			return d.ArgErr()
		}
		if signal == "gpc" {
			p.Consent.GPC = args
		} else {
			p.Consent.DNT = args
		}
	case "cookie":
		name, cat, err := twoArgs(d)
		if err != nil {
			return err
		}
		if err := checkOneOf(d, cat, config.Categories...); err != nil {
			return err
		}
		if p.Cookies.Categories == nil {
			p.Cookies.Categories = map[string]string{}
		}
		p.Cookies.Categories[name] = cat
	case "unknown_cookies":
		arg, err := oneArg(d)
		if err != nil {
			return err
		}
		if err := checkOneOf(d, arg, config.Categories...); err != nil {
			return err
		}
		p.Cookies.Unknown = arg
	case "cookie_max_age":
		dur, err := durationArg(d)
		if err != nil {
			return err
		}
		p.Cookies.MaxAge = config.Duration(dur)
	case "query":
		args := d.RemainingArgs()
		if len(args) == 0 {
			return d.ArgErr()
		}
		if err := checkOneOf(d, args[0], config.QueryDeny, config.QueryAllow); err != nil {
			return err
		}
		p.URL.Query = args[0]
		if args[0] == config.QueryAllow {
			p.URL.Allow = append(p.URL.Allow, args[1:]...)
		} else {
			p.URL.Deny = append(p.URL.Deny, args[1:]...)
		}
	case "keep_fragment":
		if d.NextArg() {
			return d.ArgErr()
		}
		p.URL.KeepFragment = true
	case "path_ids":
		arg, err := oneArg(d)
		if err != nil {
			return err
		}
		if err := checkOneOf(d, arg, config.PathIDsTag, config.PathIDsKeep); err != nil {
			return err
		}
		p.URL.PathIDs = arg
	case "keep_values":
		args := d.RemainingArgs()
		if len(args) == 0 {
			return d.ArgErr()
		}
		p.URL.KeepValues = append(p.URL.KeepValues, args...)
	case "detector":
		name, mode, err := twoArgs(d)
		if err != nil {
			return err
		}
		if err := checkOneOf(d, name, config.DetectorNames...); err != nil {
			return err
		}
		if err := checkOneOf(d, mode, "off", config.ReplaceTag, config.ReplaceMask, config.ReplacePseudonym, config.ReplaceTransform); err != nil {
			return err
		}
		if p.Detectors == nil {
			p.Detectors = map[string]config.Detector{}
		}
		if mode == "off" {
			p.Detectors[name] = config.Detector{Off: true}
		} else {
			p.Detectors[name] = config.Detector{Replace: mode}
		}
	case "client_ip_header":
		args := d.RemainingArgs()
		if len(args) == 0 {
			return d.ArgErr()
		}
		p.Headers.ClientIP = append(p.Headers.ClientIP, args...)
	case "user_agent":
		arg, err := oneArg(d)
		if err != nil {
			return err
		}
		if err := checkOneOf(d, arg, "generalize", "keep", "drop"); err != nil {
			return err
		}
		p.UserAgent = arg
	case "pseudonym":
		args := d.RemainingArgs()
		if len(args) < 1 || len(args) > 2 {
			return d.ArgErr()
		}
		for i, dst := range []*config.Duration{&p.Pseudonym.Rotate, &p.Pseudonym.Retention} {
			if len(args) > i {
				dur, err := caddy.ParseDuration(args[i])
				if err != nil {
					return d.Errf("%q is not a duration such as 24h or 7d", args[i])
				}
				*dst = config.Duration(dur)
			}
		}
	case "keys":
		return unmarshalKeys(d, &p.Keys)
	default:
		return d.Errf("unrecognized %s option %q", module, d.Val())
	}
	return nil
}

// unmarshalKeys parses the keys option:
//
//	keys caddy|memory
//	keys redis <host:port> {
//		password <password>
//		prefix <prefix>
//	}
func unmarshalKeys(d *caddyfile.Dispenser, k *config.KeysPolicy) error {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.ArgErr()
	}
	if err := checkOneOf(d, args[0], config.KeyStores...); err != nil {
		return err
	}
	*k = config.KeysPolicy{Store: args[0]}
	if k.Store != config.KeyStoreRedis {
		if len(args) > 1 {
			return d.Errf("keys %s takes no address; only keys redis <host:port> does", k.Store)
		}
		if d.NextBlock(d.Nesting()) {
			return d.Errf("keys %s takes no block; only keys redis does", k.Store)
		}
		return nil
	}
	if len(args) != 2 {
		return d.Errf("keys redis needs the server's address: keys redis <host:port>")
	}
	k.Address = args[1]
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch opt := d.Val(); opt {
		case "password", "prefix":
			arg, err := oneArg(d)
			if err != nil {
				return err
			}
			if opt == "password" {
				k.Password = arg
			} else {
				k.Prefix = arg
			}
		default:
			return d.Errf("unrecognized keys redis option %q; want password or prefix", opt)
		}
	}
	return nil
}

// parseIPArgs parses the arguments of the ip option:
//
//	country|truncate|pseudonym|drop [<ipv4_prefix> [<ipv6_prefix>]]
func parseIPArgs(d *caddyfile.Dispenser, args []string, ip *config.IPPolicy) error {
	if len(args) > 3 {
		return d.ArgErr()
	}
	if err := checkOneOf(d, args[0], config.TransformCountry, config.TransformTruncate, config.TransformPseudonym, config.TransformDrop); err != nil {
		return err
	}
	ip.Transform = args[0]
	for i, dst := range []*int{&ip.IPv4Prefix, &ip.IPv6Prefix} {
		if len(args) > i+1 {
			n, err := strconv.Atoi(args[i+1])
			if err != nil {
				return d.Errf("prefix length %q is not a number of bits", args[i+1])
			}
			*dst = n
		}
	}
	return nil
}

func (h *Handler) unmarshalCSP(d *caddyfile.Dispenser) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	h.CSP = new(CSP)
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		key := d.Val()
		origins := d.RemainingArgs()
		if len(origins) == 0 {
			return d.ArgErr()
		}
		if key == "allow" {
			h.CSP.Allow = append(h.CSP.Allow, origins...)
			continue
		}
		if err := checkOneOf(d, key, config.CategoryFunctional, config.CategoryAnalytics, config.CategoryMarketing); err != nil {
			return err
		}
		if h.CSP.Origins == nil {
			h.CSP.Origins = map[string][]string{}
		}
		h.CSP.Origins[key] = append(h.CSP.Origins[key], origins...)
	}
	return nil
}

// unmarshalEmbeds parses the embeds option (syntax above). With no
// provider named, every built-in one is rewritten.
func (h *Handler) unmarshalEmbeds(d *caddyfile.Dispenser) error {
	if h.Embeds != nil {
		return d.Err("embeds given twice; list every provider on one embeds line")
	}
	h.Embeds = new(embeds.Config)
	for _, p := range d.RemainingArgs() {
		if err := checkOneOf(d, p, embeds.ProviderNames()...); err != nil {
			return err
		}
		h.Embeds.Providers = append(h.Embeds.Providers, p)
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch opt := d.Val(); opt {
		case "youtube":
			arg, err := oneArg(d)
			if err != nil {
				return err
			}
			if err := checkOneOf(d, arg, "nocookie", "placeholder"); err != nil {
				return err
			}
			h.Embeds.YouTube = arg
		case "vimeo":
			arg, err := oneArg(d)
			if err != nil {
				return err
			}
			if err := checkOneOf(d, arg, "placeholder", "dnt"); err != nil {
				return err
			}
			h.Embeds.Vimeo = arg
		case "category":
			provider, cat, err := twoArgs(d)
			if err != nil {
				return err
			}
			if err := checkOneOf(d, cat, config.Categories...); err != nil {
				return err
			}
			if h.Embeds.Categories == nil {
				h.Embeds.Categories = map[string]string{}
			}
			h.Embeds.Categories[provider] = cat
		case "custom":
			args := d.RemainingArgs()
			if len(args) < 2 {
				return d.Errf("custom needs a name and at least one host: custom <name> <host...> [<category>]")
			}
			c := embeds.Custom{Name: args[0], Hosts: args[1:]}
			if last := args[len(args)-1]; len(args) > 2 && slices.Contains(config.Categories, last) {
				c.Category = last
				c.Hosts = args[1 : len(args)-1]
			}
			h.Embeds.Custom = append(h.Embeds.Custom, c)
		case "text":
			key, msg, err := twoArgs(d)
			if err != nil {
				return d.Errf("text needs a key and one message, quoted: text <key> \"<message>\"")
			}
			if h.Embeds.Text == nil {
				h.Embeds.Text = map[string]string{}
			}
			h.Embeds.Text[key] = msg
		case "settings_url":
			arg, err := oneArg(d)
			if err != nil {
				return err
			}
			h.Embeds.SettingsURL = arg
		default:
			return d.Errf("unrecognized embeds option %q; want youtube, vimeo, category, custom, text or settings_url", opt)
		}
	}
	return nil
}

func oneArg(d *caddyfile.Dispenser) (string, error) {
	args := d.RemainingArgs()
	if len(args) != 1 {
		return "", d.ArgErr()
	}
	return args[0], nil
}

func twoArgs(d *caddyfile.Dispenser) (string, string, error) {
	args := d.RemainingArgs()
	if len(args) != 2 {
		return "", "", d.ArgErr()
	}
	return args[0], args[1], nil
}

func durationArg(d *caddyfile.Dispenser) (caddy.Duration, error) {
	arg, err := oneArg(d)
	if err != nil {
		return 0, err
	}
	dur, err := caddy.ParseDuration(arg)
	if err != nil {
		return 0, d.Errf("%q is not a duration such as 30s, 24h or 395d", arg)
	}
	return caddy.Duration(dur), nil
}

func checkOneOf(d *caddyfile.Dispenser, val string, allowed ...string) error {
	for _, a := range allowed {
		if val == a {
			return nil
		}
	}
	return d.Errf("%q is not one of %v", val, allowed)
}

// Interface guards
var _ caddyfile.Unmarshaler = (*Handler)(nil)
