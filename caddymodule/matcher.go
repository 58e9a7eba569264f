package caddymodule

import (
	"fmt"
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

func init() {
	caddy.RegisterModule(MatchConsent{})
}

// MatchConsent matches requests whose visitor has consented to every
// listed category, as decided by the privacy handler earlier in the route.
// Without a privacy handler before it, only "necessary" matches: consent
// that was never decided is not given.
//
// JSON: "consent": ["analytics"]; Caddyfile: @stats consent analytics
type MatchConsent []string

// CaddyModule returns the Caddy module information.
func (MatchConsent) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.matchers.consent",
		New: func() caddy.Module { return new(MatchConsent) },
	}
}

// Provision checks the category names.
func (m MatchConsent) Provision(caddy.Context) error {
	if len(m) == 0 {
		return fmt.Errorf("consent matcher: no category; want one or more of functional, analytics, marketing")
	}
	for _, name := range m {
		if _, ok := consent.ParseCategory(name); !ok {
			return fmt.Errorf("consent matcher: %q is not a category; want necessary, functional, analytics or marketing", name)
		}
	}
	return nil
}

// MatchWithError implements caddyhttp.RequestMatcherWithError.
func (m MatchConsent) MatchWithError(r *http.Request) (bool, error) {
	granted, _ := caddyhttp.GetVar(r.Context(), decisionVar).(consent.Set)
	for _, name := range m {
		c, ok := consent.ParseCategory(name)
		if !ok || !granted.Has(c) {
			return false, nil
		}
	}
	return true, nil
}

// UnmarshalCaddyfile sets up the matcher from Caddyfile tokens. Syntax:
//
//	consent <category...>
func (m *MatchConsent) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	for d.Next() {
		args := d.RemainingArgs()
		if len(args) == 0 {
			return d.ArgErr()
		}
		for _, a := range args {
			if _, ok := consent.ParseCategory(a); !ok {
				return d.Errf("%q is not a consent category; want necessary, functional, analytics or marketing", a)
			}
		}
		*m = append(*m, args...)
		if d.NextBlock(0) {
			return d.Err("consent matcher takes no block")
		}
	}
	return nil
}

// Interface guards
var (
	_ caddy.Provisioner                 = MatchConsent{}
	_ caddyhttp.RequestMatcherWithError = MatchConsent{}
	_ caddyfile.Unmarshaler             = (*MatchConsent)(nil)
)
