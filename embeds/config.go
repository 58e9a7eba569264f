package embeds

import (
	"fmt"
	"sort"
	"strings"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// Config is the privacy handler's `embeds` option (JSON field "embeds").
type Config struct {
	// Providers lists the built-in providers to handle: youtube, vimeo,
	// maps, x, instagram, facebook, tiktok, spotify, soundcloud. Empty:
	// all of them.
	Providers []string `json:"providers,omitempty"`
	// YouTube is "nocookie" (default): YouTube frames move to
	// www.youtube-nocookie.com with only harmless player parameters; or
	// "placeholder": they become click-to-load placeholders like the other
	// providers' frames.
	YouTube string `json:"youtube,omitempty"`
	// Vimeo is "placeholder" (default) or "dnt": Vimeo player frames get
	// dnt=1 (no cookies, no tracking; the visitor's address still reaches
	// Vimeo) instead of a placeholder.
	Vimeo string `json:"vimeo,omitempty"`
	// Categories maps a provider name to the consent category it needs
	// ("functional", "analytics", "marketing"); default marketing.
	Categories map[string]string `json:"categories,omitempty"`
	// Custom are the site's own providers. Their frames become
	// placeholders and their scripts are removed until consent.
	Custom []Custom `json:"custom,omitempty"`
	// Text overrides the placeholder's messages by key, with {provider}
	// replaced by the provider's name. The keys and their defaults are
	// listed in the package documentation.
	Text map[string]string `json:"text,omitempty"`
	// SettingsURL is where the placeholder's link leads. Default: /privacy.
	SettingsURL string `json:"settings_url,omitempty"`
}

// Custom is a provider of the site's own.
type Custom struct {
	// Name names the provider in the placeholder and in Categories and
	// Text keys: lower-case letters, digits, '-' and '_'.
	Name string `json:"name"`
	// Hosts are host names; "*.example.com" matches the subdomains of
	// example.com (not example.com itself). A host may carry a path
	// ("example.com/embed"), then only URLs under that path match.
	Hosts []string `json:"hosts"`
	// Category is the consent category the provider needs. Default:
	// marketing.
	Category string `json:"category,omitempty"`
}

// Rewriter holds back third-party embeds in HTML until the visitor
// grants the consent category their provider needs. It is safe for
// concurrent use; each Wrap returns a writer of its own.
type Rewriter struct {
	provs       []prov
	exact       map[string][]ruleRef // by host
	wild        map[string][]ruleRef // by the domain its subdomains match
	youtube     int                  // index in provs, -1 when not handled
	vimeo       int
	ytNocookie  bool
	vimeoDNT    bool
	text        map[string]string
	settingsURL string
}

type prov struct {
	provider
	cat consent.Category
}

type ruleRef struct {
	prov   int
	script bool
	path   string
}

// The consent categories a provider may be put in. Necessary is not one
// of them: a provider that needs no consent is left out of Providers.
var providerCategories = []string{"functional", "analytics", "marketing"}

// New checks c and builds a Rewriter from it.
func New(c Config) (*Rewriter, error) {
	r := &Rewriter{
		exact: map[string][]ruleRef{}, wild: map[string][]ruleRef{},
		youtube: -1, vimeo: -1, settingsURL: "/privacy",
	}
	switch c.YouTube {
	case "", "nocookie":
		r.ytNocookie = true
	case "placeholder":
	default:
		return nil, fmt.Errorf("embeds.youtube: %q is not accepted; use \"nocookie\" (default) or \"placeholder\"", c.YouTube)
	}
	switch c.Vimeo {
	case "", "placeholder":
	case "dnt":
		r.vimeoDNT = true
	default:
		return nil, fmt.Errorf("embeds.vimeo: %q is not accepted; use \"placeholder\" (default) or \"dnt\"", c.Vimeo)
	}
	want := map[string]bool{}
	for _, n := range c.Providers {
		if findBuiltin(n) < 0 {
			return nil, fmt.Errorf("embeds.providers: unknown provider %q; accepted: %s", n, strings.Join(ProviderNames(), ", "))
		}
		want[n] = true
	}
	var list []provider
	for _, b := range builtins {
		if len(want) == 0 || want[b.name] {
			list = append(list, b)
		}
	}
	for i, cu := range c.Custom {
		field := fmt.Sprintf("embeds.custom[%d]", i)
		if !isName(cu.Name) {
			return nil, fmt.Errorf("%s.name: %q is not accepted; use lower-case letters, digits, '-' and '_'", field, cu.Name)
		}
		if findBuiltin(cu.Name) >= 0 || findProv(list, cu.Name) >= 0 {
			return nil, fmt.Errorf("%s.name: %q is already a provider; choose another name", field, cu.Name)
		}
		if len(cu.Hosts) == 0 {
			return nil, fmt.Errorf("%s.hosts: empty; list the host names the provider's frames and scripts load from", field)
		}
		var rules []hostRule
		var origins []string
		for _, h := range cu.Hosts {
			if !isHostPattern(h) {
				return nil, fmt.Errorf("%s.hosts: %q is not accepted; use a lower-case host name such as \"video.example.com\" or \"*.example.com\", optionally followed by a path", field, h)
			}
			hr := parseHostRule(h)
			rules = append(rules, hr)
			o := "https://" + hr.host
			if hr.wildcard {
				o = "https://*." + hr.host
			}
			origins = append(origins, o)
		}
		if cu.Category != "" {
			if c.Categories == nil {
				c.Categories = map[string]string{}
			} else if _, dup := c.Categories[cu.Name]; dup {
				return nil, fmt.Errorf("%s.category: %q is also set in embeds.categories; set it once", field, cu.Name)
			}
			// Copy before adding, so the caller's map is not changed.
			m := make(map[string]string, len(c.Categories)+1)
			for k, v := range c.Categories {
				m[k] = v
			}
			m[cu.Name] = cu.Category
			c.Categories = m
		}
		list = append(list, provider{
			name: cu.Name, display: cu.Name, kind: "content",
			frames: rules, scripts: rules, frameOrigins: origins, scriptOrigins: origins,
		})
	}
	for _, name := range sortedKeys(c.Categories) {
		v := c.Categories[name]
		if findProv(list, name) < 0 {
			return nil, fmt.Errorf("embeds.categories: %q is not a handled provider; accepted: %s", name, strings.Join(provNames(list), ", "))
		}
		cat, ok := consent.ParseCategory(v)
		if !ok || cat == consent.Necessary {
			return nil, fmt.Errorf("embeds.categories.%s: %q is not accepted; use %s", name, v, strings.Join(providerCategories, ", "))
		}
	}
	for _, p := range list {
		cat := consent.Marketing
		if v, ok := c.Categories[p.name]; ok {
			cat, _ = consent.ParseCategory(v)
		}
		r.provs = append(r.provs, prov{provider: p, cat: cat})
		i := len(r.provs) - 1
		switch p.name {
		case "youtube":
			r.youtube = i
		case "vimeo":
			r.vimeo = i
		}
		add := func(rules []hostRule, script bool) {
			for _, h := range rules {
				ref := ruleRef{prov: i, script: script, path: h.path}
				if h.wildcard {
					r.wild[h.host] = append(r.wild[h.host], ref)
				} else {
					r.exact[h.host] = append(r.exact[h.host], ref)
				}
			}
		}
		add(p.frames, false)
		add(p.scripts, true)
	}
	text, err := buildText(c.Text, list)
	if err != nil {
		return nil, err
	}
	r.text = text
	if c.SettingsURL != "" {
		if !isSafeURL(c.SettingsURL) {
			return nil, fmt.Errorf("embeds.settings_url: %q is not accepted; use a path such as \"/privacy\" or an http(s) URL", c.SettingsURL)
		}
		r.settingsURL = c.SettingsURL
	}
	return r, nil
}

func findBuiltin(name string) int {
	for i := range builtins {
		if builtins[i].name == name {
			return i
		}
	}
	return -1
}

func findProv(list []provider, name string) int {
	for i := range list {
		if list[i].name == name {
			return i
		}
	}
	return -1
}

func provNames(list []provider) []string {
	s := make([]string, len(list))
	for i := range list {
		s[i] = list[i].name
	}
	return s
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func isName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// isHostPattern accepts [*.]host[/path] with a lower-case ASCII host of
// at least two labels.
func isHostPattern(s string) bool {
	host, path, _ := cut(s, '/')
	if strings.HasPrefix(host, "*.") {
		host = host[2:]
	}
	if host == "" || !strings.Contains(host, ".") || strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") {
		return false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; c <= ' ' || c >= 0x7f || c == '?' || c == '#' {
			return false
		}
	}
	return true
}

// isSafeURL accepts a relative reference or an http(s) URL, without
// control characters or white space.
func isSafeURL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return false
		}
	}
	l := strings.ToLower(s)
	if strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
		return true
	}
	// A relative reference has no scheme: no ':' before the first '/', '?' or '#'.
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '/', '?', '#':
			return !strings.HasPrefix(s, "//") && !strings.HasPrefix(s, "/\\")
		case ':', '\\':
			return false
		}
	}
	return true
}
