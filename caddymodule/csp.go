package caddymodule

import (
	"fmt"
	"net/http"
	"slices"
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
	// Google Tag Manager, Hotjar, Microsoft Clarity, PostHog, Amplitude,
	// Mixpanel and Segment; marketing: Meta
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

// compile builds the header value for every consent set. With embeds
// on (em non-nil), no directive allows an origin of a provider the
// rewriter blocks for the set, except what frame-src and script-src
// get back from the rewriter's Sources: what it leaves in the page
// (youtube-nocookie.com while YouTube is refused, the embeds of granted
// providers, its placeholder script) and the frame origins of providers
// held behind click-to-load placeholders, from which a frame loads only
// on the visitor's click on one. The scripts of refused providers stay
// blocked. A set in which the rewriter blocks a provider gets a policy
// even when every category with CSP origins is granted.
func (c *CSP) compile(em embedRewriter) *cspPolicy {
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
		var frame, script, blocked []string
		if em != nil {
			frame, script = em.Sources(set)
			blocked = em.Blocked(set)
			denied = denied || len(blocked) > 0
		}
		if !denied {
			continue
		}
		// The blocked providers' origins go first, wherever they came
		// from (the allow list, a category's origins); then what the
		// rewriter leaves is added, which may share a provider's origin
		// list (youtube-nocookie.com is YouTube's).
		sources = withoutSources(sources, blocked)
		parts := make([]string, len(cspDirectives))
		for i, d := range cspDirectives {
			list := sources
			switch d {
			case "frame-src":
				list = appendSources(slices.Clip(list), frame)
			case "script-src":
				list = appendSources(slices.Clip(list), script)
			}
			parts[i] = d + " " + strings.Join(list, " ")
		}
		p.byGranted[set] = strings.Join(parts, "; ")
	}
	return &p
}

// appendSources adds the sources not yet in list. Hash and nonce sources
// are left out: the list allows 'unsafe-inline', which a browser ignores
// as soon as a hash or nonce sits beside it, so adding the rewriter's
// hashes would block every other inline script of the site, while
// 'unsafe-inline' already allows the rewriter's own.
func appendSources(list, add []string) []string {
	for _, s := range add {
		if strings.HasPrefix(s, "'sha") || strings.HasPrefix(s, "'nonce-") {
			if !slices.Contains(list, "'unsafe-inline'") {
				list = append(list, s)
			}
			continue
		}
		if !slices.Contains(list, s) {
			list = append(list, s)
		}
	}
	return list
}

// withoutSources is list without the blocked sources.
func withoutSources(list, blocked []string) []string {
	if len(blocked) == 0 {
		return list
	}
	kept := make([]string, 0, len(list))
	for _, s := range list {
		if !slices.Contains(blocked, strings.TrimSuffix(s, "/")) {
			kept = append(kept, s)
		}
	}
	return kept
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
