package caddymodule

import (
	"net/http"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// The analytics SDKs' hosts (PostHog, Amplitude, Mixpanel, Segment) are in
// the default analytics list: without analytics consent the policy leaves
// them out, so the browser blocks their scripts and beacons; with it they
// are allowed.
func TestDefaultCSPOriginsAnalyticsSDKs(t *testing.T) {
	sdkOrigins := []string{
		"https://us.i.posthog.com", "https://eu.i.posthog.com",
		"https://us-assets.i.posthog.com", "https://eu-assets.i.posthog.com",
		"https://app.posthog.com",
		"https://api2.amplitude.com", "https://api.eu.amplitude.com",
		"https://cdn.amplitude.com", "https://sr-client-cfg.amplitude.com",
		"https://sr-client-cfg.eu.amplitude.com",
		"https://diagnostics.prod.us-west-2.amplitude.com",
		"https://diagnostics.prod.eu-central-1.amplitude.com",
		"https://api-js.mixpanel.com", "https://api.mixpanel.com",
		"https://cdn.mxpnl.com", "https://api-eu.mixpanel.com",
		"https://cdn.segment.com", "https://api.segment.io",
		"https://events.eu1.segmentapis.com",
	}
	p := (&CSP{}).compile(nil)
	policy := func(granted consent.Set) string {
		h := http.Header{}
		p.apply(h, granted)
		return strings.Join(h.Values("Content-Security-Policy"), "\n")
	}
	sources := func(v string) map[string]bool {
		m := map[string]bool{}
		for _, f := range strings.Fields(strings.ReplaceAll(v, ";", " ")) {
			m[f] = true
		}
		return m
	}

	for _, granted := range []consent.Set{
		consent.Only,
		consent.Only.With(consent.Functional),
		consent.Only.With(consent.Marketing),
		consent.Only.With(consent.Functional).With(consent.Marketing),
	} {
		v := policy(granted)
		if v == "" {
			t.Fatalf("%v: no policy without analytics consent", granted)
		}
		src := sources(v)
		for _, o := range sdkOrigins {
			if src[o] {
				t.Errorf("%v: %s allowed without analytics consent", granted, o)
			}
		}
		for _, d := range cspDirectives {
			if !strings.Contains(v, d+" 'self'") {
				t.Errorf("%v: no %s limited to the site", granted, d)
			}
		}
	}

	// Analytics granted, marketing not: a policy still applies (marketing
	// is blocked) and it allows every SDK origin in every directive.
	v := policy(consent.Only.With(consent.Analytics))
	if v == "" {
		t.Fatal("no policy with analytics but without marketing consent")
	}
	for _, part := range strings.Split(v, "; ") {
		src := sources(part)
		for _, o := range sdkOrigins {
			if !src[o] {
				t.Errorf("analytics granted: %s not allowed in %q", o, strings.Fields(part)[0])
			}
		}
	}

	// Every origin is in the default analytics list, and well formed.
	listed := map[string]bool{}
	for _, o := range DefaultCSPOrigins["analytics"] {
		listed[o] = true
	}
	for _, o := range sdkOrigins {
		if !listed[o] {
			t.Errorf("%s is not in DefaultCSPOrigins[analytics]", o)
		}
	}
	if err := checkSources("analytics", DefaultCSPOrigins["analytics"]); err != nil {
		t.Error(err)
	}
}
