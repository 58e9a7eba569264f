package caddymodule

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// CSP adds a Content-Security-Policy that blocks the third-party origins of
// every category the visitor has not consented to.
//
// CSP can only allow, not deny, so while a category is denied the policy
// limits scripts, connections, images and frames to the site itself,
// the Allow list and the origins of the consented categories. It is sent
// as a header field of its own: a browser enforces every policy it is
// given, so the app's own CSP is merged with it, never overwritten. When
// every listed category is consented, no policy is added.
type CSP struct {
	// Origins maps consent categories to the origins their scripts,
	// beacons and frames come from. Default: analytics: Google Analytics,
	// Google Tag Manager, Hotjar and Microsoft Clarity; marketing: Meta
	// pixel, Google Ads and DoubleClick, Microsoft Advertising.
	Origins map[string][]string `json:"origins,omitempty"`

	// Allow lists third-party origins that are always allowed, such as
	// the CDNs the site loads scripts and images from. Default: none.
	Allow []string `json:"allow,omitempty"`
}

// DefaultCSPOrigins are the origins CSP blocks when Origins is not set.
var DefaultCSPOrigins = map[string][]string{
	"analytics": {
		"https://www.google-analytics.com", "https://*.google-analytics.com",
		"https://*.analytics.google.com", "https://www.googletagmanager.com",
		"https://*.googletagmanager.com", "https://*.hotjar.com",
		"https://*.hotjar.io", "wss://*.hotjar.com", "https://*.clarity.ms",
		"https://c.bing.com",
		// PostHog: ingestion and its assets (remote config, extensions).
		"https://us.i.posthog.com", "https://eu.i.posthog.com",
		"https://us-assets.i.posthog.com", "https://eu-assets.i.posthog.com",
		"https://app.posthog.com",
		// Amplitude: ingestion, the SDK's CDN, remote config
		// (sr-client-cfg) and the SDK's diagnostics.
		"https://api2.amplitude.com", "https://api.eu.amplitude.com",
		"https://cdn.amplitude.com",
		"https://sr-client-cfg.amplitude.com", "https://sr-client-cfg.eu.amplitude.com",
		"https://diagnostics.prod.us-west-2.amplitude.com",
		"https://diagnostics.prod.eu-central-1.amplitude.com",
		// Mixpanel.
		"https://api-js.mixpanel.com", "https://api.mixpanel.com",
		"https://api-eu.mixpanel.com", "https://cdn.mxpnl.com",
		// Segment: the CDN (analytics.js, settings) and ingestion.
		"https://cdn.segment.com", "https://api.segment.io",
		"https://events.eu1.segmentapis.com",
	},
	"marketing": {
		"https://connect.facebook.net", "https://www.facebook.com",
		"https://*.doubleclick.net", "https://www.googleadservices.com",
		"https://bat.bing.com",
	},
}

// cspDirectives are the fetch directives the policy restricts.
var cspDirectives = []string{"script-src", "connect-src", "img-src", "frame-src"}

func (c *CSP) validate() error {
	for cat, origins := range c.Origins {
		if k, ok := consent.ParseCategory(cat); !ok || k == consent.Necessary {
			return fmt.Errorf("csp: origins: %q is not functional, analytics or marketing", cat)
		}
		if err := checkSources("csp: origins: "+cat, origins); err != nil {
			return err
		}
	}
	return checkSources("csp: allow", c.Allow)
}

func checkSources(field string, sources []string) error {
	for _, s := range sources {
		if s == "" || strings.ContainsAny(s, " ;,'\"\t\r\n") {
			return fmt.Errorf("%s: %q is not a CSP source such as https://cdn.example.com", field, s)
		}
	}
	return nil
}

// cspPolicy holds the header value for each consent set, built once.
type cspPolicy struct {
	byGranted [consent.All + 1]string
}

func (c *CSP) compile() *cspPolicy {
	origins := c.Origins
	if origins == nil {
		origins = DefaultCSPOrigins
	}
	var p cspPolicy
	for set := consent.Set(0); set <= consent.All; set++ {
		sources := []string{"'self'", "'unsafe-inline'", "'unsafe-eval'", "data:", "blob:"}
		sources = append(sources, c.Allow...)
		denied := false
		for _, cat := range sortedCategories(origins) {
			k, _ := consent.ParseCategory(cat)
			if set.Has(k) {
				sources = append(sources, origins[cat]...)
			} else if len(origins[cat]) > 0 {
				denied = true
			}
		}
		if !denied {
			continue
		}
		list := strings.Join(sources, " ")
		parts := make([]string, len(cspDirectives))
		for i, d := range cspDirectives {
			parts[i] = d + " " + list
		}
		p.byGranted[set] = strings.Join(parts, "; ")
	}
	return &p
}

func sortedCategories(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// apply adds the policy for the visitor's consent as a header field of its
// own, after any the app sent.
func (p *cspPolicy) apply(h http.Header, granted consent.Set) {
	if v := p.byGranted[granted&consent.All]; v != "" {
		h["Content-Security-Policy"] = append(h["Content-Security-Policy"], v)
	}
}
