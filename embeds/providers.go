package embeds

// A provider is one third party whose embeds the rewriter holds back
// until the visitor grants the consent category it needs. Adding a
// provider means adding a value to builtins (and its test case).
type provider struct {
	name    string // as the configuration spells it
	display string // as visitors read it, {provider} in the texts
	kind    string // video, map, post, audio or content: picks the default texts
	frames  []hostRule
	scripts []hostRule
	// frameOrigins and scriptOrigins are what a CSP must allow for the
	// provider's embeds to work once it is granted.
	frameOrigins  []string
	scriptOrigins []string
}

// A hostRule matches a URL's host, exactly or, when wildcard, any
// subdomain of host; and, when path is set, only paths under it
// (compared in lower case).
type hostRule struct {
	host     string
	wildcard bool
	path     string
}

func hosts(names ...string) []hostRule {
	r := make([]hostRule, len(names))
	for i, n := range names {
		r[i] = parseHostRule(n)
	}
	return r
}

func parseHostRule(n string) hostRule {
	host, path, _ := cut(n, '/')
	if path != "" {
		path = "/" + path
	}
	if len(host) > 2 && host[:2] == "*." {
		return hostRule{host: host[2:], wildcard: true, path: path}
	}
	return hostRule{host: host, path: path}
}

func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// builtins are the providers the rewriter knows, in the order
// ProviderNames lists them.
var builtins = []provider{
	{
		name: "youtube", display: "YouTube (Google)", kind: "video",
		frames: hosts("youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be",
			"youtube-nocookie.com", "www.youtube-nocookie.com"),
		scripts:       hosts("youtube.com", "www.youtube.com", "m.youtube.com", "s.ytimg.com"),
		frameOrigins:  []string{"https://www.youtube.com", "https://www.youtube-nocookie.com"},
		scriptOrigins: []string{"https://www.youtube.com", "https://s.ytimg.com"},
	},
	{
		name: "vimeo", display: "Vimeo", kind: "video",
		frames:        hosts("player.vimeo.com", "vimeo.com", "www.vimeo.com"),
		scripts:       hosts("player.vimeo.com", "f.vimeocdn.com"),
		frameOrigins:  []string{"https://player.vimeo.com"},
		scriptOrigins: []string{"https://player.vimeo.com"},
	},
	{
		name: "maps", display: "Google Maps", kind: "map",
		// www.google.com serves other frames (reCAPTCHA) that are no map.
		frames: hosts("www.google.com/maps", "google.com/maps", "maps.google.com",
			"maps.googleapis.com/maps"),
		scripts:       hosts("maps.googleapis.com/maps", "maps.google.com"),
		frameOrigins:  []string{"https://www.google.com", "https://maps.google.com", "https://maps.googleapis.com"},
		scriptOrigins: []string{"https://maps.googleapis.com"},
	},
	{
		name: "x", display: "X (Twitter)", kind: "post",
		frames: hosts("platform.twitter.com", "syndication.twitter.com", "twitter.com",
			"www.twitter.com", "x.com", "platform.x.com"),
		scripts:       hosts("platform.twitter.com", "platform.x.com"),
		frameOrigins:  []string{"https://platform.twitter.com", "https://syndication.twitter.com"},
		scriptOrigins: []string{"https://platform.twitter.com"},
	},
	{
		name: "instagram", display: "Instagram (Meta)", kind: "post",
		frames:        hosts("www.instagram.com", "instagram.com"),
		scripts:       hosts("www.instagram.com", "instagram.com"),
		frameOrigins:  []string{"https://www.instagram.com"},
		scriptOrigins: []string{"https://www.instagram.com"},
	},
	{
		name: "facebook", display: "Facebook (Meta)", kind: "post",
		frames:        hosts("www.facebook.com", "facebook.com", "web.facebook.com", "m.facebook.com"),
		scripts:       hosts("connect.facebook.net"),
		frameOrigins:  []string{"https://www.facebook.com"},
		scriptOrigins: []string{"https://connect.facebook.net"},
	},
	{
		name: "tiktok", display: "TikTok", kind: "video",
		frames:        hosts("www.tiktok.com", "tiktok.com"),
		scripts:       hosts("www.tiktok.com", "tiktok.com"),
		frameOrigins:  []string{"https://www.tiktok.com"},
		scriptOrigins: []string{"https://www.tiktok.com"},
	},
	{
		name: "spotify", display: "Spotify", kind: "audio",
		frames:        hosts("open.spotify.com", "embed.spotify.com"),
		frameOrigins:  []string{"https://open.spotify.com"},
		scriptOrigins: nil,
	},
	{
		name: "soundcloud", display: "SoundCloud", kind: "audio",
		frames:        hosts("w.soundcloud.com", "soundcloud.com"),
		scripts:       hosts("w.soundcloud.com"),
		frameOrigins:  []string{"https://w.soundcloud.com"},
		scriptOrigins: []string{"https://w.soundcloud.com"},
	},
}

// ProviderNames returns the names of the built-in providers, as
// Config.Providers and Config.Categories spell them.
func ProviderNames() []string {
	names := make([]string, len(builtins))
	for i := range builtins {
		names[i] = builtins[i].name
	}
	return names
}
