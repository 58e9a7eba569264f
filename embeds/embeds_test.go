package embeds

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

func mustNew(t testing.TB, c Config) *Rewriter {
	t.Helper()
	r, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// run rewrites in with one Write.
func run(t testing.TB, r *Rewriter, granted consent.Set, in string) string {
	t.Helper()
	var b bytes.Buffer
	w := r.Wrap(&b, granted)
	if _, err := w.Write([]byte(in)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// runChunks rewrites in, written in pieces of the sizes next gives.
func runChunks(t testing.TB, r *Rewriter, granted consent.Set, in string, next func() int) string {
	t.Helper()
	var b bytes.Buffer
	w := r.Wrap(&b, granted)
	for p := []byte(in); len(p) > 0; {
		n := next()
		if n > len(p) {
			n = len(p)
		}
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// checkChunking requires byte-at-a-time and random-chunk writes to give
// what one write gives, and returns that.
func checkChunking(t *testing.T, r *Rewriter, granted consent.Set, in string) string {
	t.Helper()
	want := run(t, r, granted, in)
	if got := runChunks(t, r, granted, in, func() int { return 1 }); got != want {
		t.Fatalf("byte-at-a-time writes differ from one write\n in: %q\none: %q\nbytes: %q", in, want, got)
	}
	rnd := rand.New(rand.NewSource(int64(len(in))))
	for k := 0; k < 8; k++ {
		if got := runChunks(t, r, granted, in, func() int { return 1 + rnd.Intn(17) }); got != want {
			t.Fatalf("random-chunk writes differ from one write\n in: %q\none: %q\ngot: %q", in, want, got)
		}
	}
	return want
}

func TestProviders(t *testing.T) {
	r := mustNew(t, Config{})
	cases := []struct {
		name, in   string
		want, gone []string
	}{
		{"youtube embed", `<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=tracking&amp;start=30" title="YouTube video player" allowfullscreen></iframe>`,
			[]string{`<iframe width="560" height="315" src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=30" title="YouTube video player" allowfullscreen></iframe>`}, []string{"si=", "privacy-embed"}},
		{"youtube bare host", `<iframe src="https://youtube.com/embed/dQw4w9WgXcQ"></iframe>`,
			[]string{`src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"`}, nil},
		{"youtu.be with t", `<iframe src="https://youtu.be/dQw4w9WgXcQ?t=1m5s&si=x"></iframe>`,
			[]string{`src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=65"`}, nil},
		{"m.youtube", `<iframe src="https://m.youtube.com/embed/dQw4w9WgXcQ"></iframe>`,
			[]string{`src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"`}, nil},
		{"protocol-relative", `<iframe src="//www.youtube.com/embed/dQw4w9WgXcQ?origin=https://shop.example"></iframe>`,
			[]string{`src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"`}, []string{"origin"}},
		{"youtube not a video", `<iframe src="https://www.youtube.com/live_chat?v=x"></iframe>`,
			[]string{`data-privacy-embed="youtube"`, `<template data-privacy-embed><iframe src="https://www.youtube.com/live_chat?v=x"></iframe></template>`}, nil},
		{"youtube api script", `<script src="https://www.youtube.com/iframe_api"></script>`,
			nil, []string{"iframe_api", "<script src"}},
		{"vimeo", `<iframe src="https://player.vimeo.com/video/76979871?h=8272103f6e" width="640" height="360" allow="autoplay; fullscreen"></iframe>`,
			[]string{`data-privacy-embed="vimeo"`, `Load video`, `style="width:640px;height:360px"`, `<template data-privacy-embed><iframe src="https://player.vimeo.com/video/76979871?h=8272103f6e" width="640" height="360" allow="autoplay; fullscreen"></iframe></template>`}, nil},
		{"maps", `<iframe src="https://www.google.com/maps/embed?pb=!1m18" width="600" height="450" style="border:0;" loading="lazy"></iframe>`,
			[]string{`data-privacy-embed="maps"`, `Load map`, "Google Maps"}, nil},
		{"maps.google.com", `<iframe src="https://maps.google.com/maps?q=london&output=embed"></iframe>`,
			[]string{`data-privacy-embed="maps"`}, nil},
		{"maps api script", `<script src="https://maps.googleapis.com/maps/api/js?key=k"></script>`, nil, []string{"googleapis"}},
		{"recaptcha is no map", `<iframe src="https://www.google.com/recaptcha/api2/anchor"></iframe>`,
			[]string{`<iframe src="https://www.google.com/recaptcha/api2/anchor"></iframe>`}, []string{"privacy-embed"}},
		{"x tweet", `<blockquote class="twitter-tweet"><p>Hello</p><a href="https://twitter.com/x/status/1">link</a></blockquote> <script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>`,
			[]string{`<blockquote class="twitter-tweet"><p>Hello</p><a href="https://twitter.com/x/status/1">link</a></blockquote> <!-- privacy: x script held until consent -->`}, []string{"widgets.js"}},
		{"x frame", `<iframe src="https://platform.twitter.com/embed/Tweet.html?id=1"></iframe>`, []string{`data-privacy-embed="x"`, "Load post"}, nil},
		{"instagram", `<iframe src="https://www.instagram.com/p/Cabc123/embed" width="400" height="480"></iframe><script async src="//www.instagram.com/embed.js"></script>`,
			[]string{`data-privacy-embed="instagram"`}, []string{"embed.js"}},
		{"facebook", `<iframe src="https://www.facebook.com/plugins/post.php?href=x"></iframe><script async defer crossorigin="anonymous" src="https://connect.facebook.net/en_GB/sdk.js#xfbml=1"></script>`,
			[]string{`data-privacy-embed="facebook"`}, []string{"sdk.js"}},
		{"tiktok", `<iframe src="https://www.tiktok.com/embed/v2/7000"></iframe><script async src="https://www.tiktok.com/embed.js"></script>`,
			[]string{`data-privacy-embed="tiktok"`}, []string{"embed.js"}},
		{"spotify", `<iframe src="https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC" width="100%" height="352"></iframe>`,
			[]string{`data-privacy-embed="spotify"`, "Load player", `style="width:100%;height:352px"`}, nil},
		{"soundcloud", `<iframe width="100%" height="166" src="https://w.soundcloud.com/player/?url=x"></iframe>`,
			[]string{`data-privacy-embed="soundcloud"`}, nil},
		{"embed element", `<embed src="https://www.youtube.com/v/dQw4w9WgXcQ" type="application/x-shockwave-flash">`,
			[]string{`<embed src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" type="application/x-shockwave-flash">`}, nil},
		{"object element", `<object data="https://player.vimeo.com/video/1" width="300" height="200"><param name="x" value="y">fallback</object>after`,
			[]string{`data-privacy-embed="vimeo"`, `<template data-privacy-embed><object data="https://player.vimeo.com/video/1" width="300" height="200"></object></template></span>after`}, []string{"fallback"}},
		{"lazy data-src", `<iframe data-src="https://player.vimeo.com/video/1" class="lazyload"></iframe>`,
			[]string{`data-privacy-embed="vimeo"`}, nil},
		{"same-site frame", `<iframe src="/embed/youtube.com"></iframe>`, []string{`<iframe src="/embed/youtube.com"></iframe>`}, []string{"privacy-embed"}},
		{"other site", `<iframe src="https://www.youtube.com.example.org/embed/x"></iframe>`, []string{`src="https://www.youtube.com.example.org/embed/x"`}, []string{"privacy-embed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := checkChunking(t, r, consent.Only, c.in)
			for _, s := range c.want {
				if !strings.Contains(got, s) {
					t.Errorf("output lacks %q\n in: %s\nout: %s", s, c.in, got)
				}
			}
			for _, s := range c.gone {
				if strings.Contains(got, s) {
					t.Errorf("output still has %q\nout: %s", s, got)
				}
			}
			// Granted, the element passes byte for byte.
			if got := run(t, r, consent.All, c.in); got != c.in {
				t.Errorf("with consent the page changed:\n in: %s\nout: %s", c.in, got)
			}
		})
	}
}

func TestNocookieParameters(t *testing.T) {
	cases := []struct{ in, want string }{
		{"https://www.youtube.com/embed/dQw4w9WgXcQ?autoplay=1&mute=1&controls=0&loop=1&playlist=dQw4w9WgXcQ,aaaaaaaaaaa&rel=0&modestbranding=1&cc_load_policy=1&cc_lang_pref=en&hl=en-GB&iv_load_policy=3&fs=0&color=white&disablekb=1&playsinline=1&end=90&enablejsapi=1",
			"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1&mute=1&controls=0&loop=1&playlist=dQw4w9WgXcQ,aaaaaaaaaaa&rel=0&modestbranding=1&cc_load_policy=1&cc_lang_pref=en&hl=en-GB&iv_load_policy=3&fs=0&color=white&disablekb=1&playsinline=1&end=90&enablejsapi=1"},
		{"https://www.youtube.com/embed/dQw4w9WgXcQ?origin=https%3A%2F%2Fa.example&widget_referrer=x&si=y&feature=oembed&pp=z",
			"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"},
		{"https://www.youtube.com/embed/dQw4w9WgXcQ?autoplay=yes&color=blue&playlist=bad&start=1e3&hl=<x>",
			"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"},
		{"https://www.youtube.com/embed/videoseries?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG&si=q",
			"https://www.youtube-nocookie.com/embed/videoseries?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG"},
		{"https://www.youtube.com/embed?listType=playlist&list=PLx0sYbCqOb8",
			"https://www.youtube-nocookie.com/embed?listType=playlist&list=PLx0sYbCqOb8"},
		{"https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=42"},
		{"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?si=x", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"},
		{"https://www.youtube.com/embed/not an id", ""},
		{"https://www.youtube.com/embed/videoseries", ""},
		{"https://www.youtube.com/channel/UC", ""},
	}
	for _, c := range cases {
		tg, ok := parseTarget(c.in)
		if !ok {
			t.Fatalf("parseTarget(%q) failed", c.in)
		}
		got, ok := nocookieURL(tg)
		if !ok {
			got = ""
		}
		if got != c.want {
			t.Errorf("nocookieURL(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestParseTarget(t *testing.T) {
	cases := []struct{ in, host string }{
		{"https://www.youtube.com/embed/x", "www.youtube.com"},
		{"HTTPS://WWW.YouTube.COM./embed/x", "www.youtube.com"},
		{"//www.youtube.com/embed/x", "www.youtube.com"},
		{`\\www.youtube.com\embed\x`, "www.youtube.com"},
		{"https:\\\\www.youtube.com/embed", "www.youtube.com"},
		{" \t https://www.you\ntube.com/embed ", "www.youtube.com"},
		{"https://user:pw@www.youtube.com:443/embed", "www.youtube.com"},
		{"https://www.youtube%2Ecom/embed", "www.youtube.com"},
		{"https://ｗｗｗ.youtube.com/embed", "www.youtube.com"},
		{"https:www.youtube.com/embed", "www.youtube.com"},
		{"https://evil.example%2F@www.youtube.com/", "www.youtube.com"},
		{"/embed/x", ""},
		{"embed/x", ""},
		{"javascript:alert(1)", ""},
		{"data:text/html,hi", ""},
		{"about:blank", ""},
	}
	for _, c := range cases {
		tg, ok := parseTarget(c.in)
		if !ok {
			tg.host = ""
		}
		if tg.host != c.host {
			t.Errorf("parseTarget(%q).host = %q, want %q", c.in, tg.host, c.host)
		}
	}
}

func TestPlaceholder(t *testing.T) {
	r := mustNew(t, Config{YouTube: "placeholder", SettingsURL: "/cookies?x=1&y=2"})
	in := `<p><iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=x"></iframe></p><iframe src="https://w.soundcloud.com/player/?u=1" style="width: 100%; aspect-ratio: 4/3; border: 0; background: url(x)"></iframe><iframe src="https://open.spotify.com/embed/a" width="300"></iframe><iframe src="https://open.spotify.com/embed/a"></iframe>`
	got := checkChunking(t, r, consent.Only, in)
	want := []string{
		// The script and style once, before the first placeholder.
		`<p><style>` + styleBody + `</style><script>` + scriptBody + `</script><span class="privacy-embed" role="group" data-privacy-embed="youtube" aria-label="YouTube (Google) video not loaded" style="width:560px;height:315px">`,
		`<span id="privacy-embed-1">Loading this video shares your IP address and device details with YouTube (Google) and lets it set cookies.</span>`,
		`<button type="button" data-privacy-embed-load aria-describedby="privacy-embed-1">Load video</button>`,
		`<a href="/cookies?x=1&amp;y=2">Privacy settings</a>`,
		// Clicked, YouTube still loads from nocookie.
		`<template data-privacy-embed><iframe width="560" height="315" src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"></iframe></template></span></p>`,
		`aria-describedby="privacy-embed-2"`,
		`style="width:100%;aspect-ratio:4/3"`,
		`style="width:300px;height:150px"`,
	}
	for _, s := range want {
		if !strings.Contains(got, s) {
			t.Errorf("output lacks %q\nout: %s", s, got)
		}
	}
	if n := strings.Count(got, "<script>"); n != 1 {
		t.Errorf("%d scripts, want 1", n)
	}
	if n := strings.Count(got, "<style>"); n != 1 {
		t.Errorf("%d styles, want 1", n)
	}
	if strings.Contains(got, "url(") && !strings.Contains(got, `background: url(x)"></iframe></template>`) {
		t.Errorf("url() copied into the placeholder's style: %s", got)
	}
}

func TestHashes(t *testing.T) {
	if got := cspHash(scriptBody); got != ScriptHash {
		t.Errorf("ScriptHash = %s, the script hashes to %s", ScriptHash, got)
	}
	if got := cspHash(styleBody); got != StyleHash {
		t.Errorf("StyleHash = %s, the style hashes to %s", StyleHash, got)
	}
}

func TestCustomAndText(t *testing.T) {
	r := mustNew(t, Config{
		Providers: []string{"youtube"},
		Custom: []Custom{
			{Name: "podcasts", Hosts: []string{"*.podhost.example", "player.cast.example/embed"}, Category: "functional"},
		},
		Text: map[string]string{
			"notice":         `<b>{provider}</b> "sees" you & more`,
			"load.podcasts":  "Play it'",
			"name.podcasts":  `Pod<script>`,
			"settings":       "Réglages",
			"label.content":  "x{provider}",
			"notice.youtube": "YT {provider}",
		},
	})
	in := `<iframe src="https://a.podhost.example/ep/1"></iframe><iframe src="https://podhost.example/ep/1"></iframe><iframe src="https://player.cast.example/embed/1"></iframe><iframe src="https://player.cast.example/other"></iframe><script src="https://cdn.podhost.example/p.js"></script><iframe src="https://www.google.com/maps/embed?x"></iframe>`
	got := checkChunking(t, r, consent.Only, in)
	for _, s := range []string{
		`data-privacy-embed="podcasts" aria-label="xPod&lt;script&gt;"`,
		`&lt;b&gt;Pod&lt;script&gt;&lt;/b&gt; &#34;sees&#34; you &amp; more`,
		`>Play it&#39;</button>`,
		`>Réglages</a>`,
		`<iframe src="https://podhost.example/ep/1"></iframe>`,      // *. is subdomains only
		`<iframe src="https://player.cast.example/other"></iframe>`, // outside the path
		`<!-- privacy: podcasts script held until consent -->`,
		`<iframe src="https://www.google.com/maps/embed?x"></iframe>`, // maps not handled
	} {
		if !strings.Contains(got, s) {
			t.Errorf("output lacks %q\nout: %s", s, got)
		}
	}
	if strings.Count(got, `data-privacy-embed="podcasts"`) != 2 {
		t.Errorf("want 2 podcast placeholders: %s", got)
	}
	// Functional granted: the custom provider passes, YouTube (marketing) does not.
	fn := consent.Only.With(consent.Functional)
	if got := run(t, r, fn, in); got != in {
		t.Errorf("functional granted, custom provider changed:\n%s", got)
	}
	if !r.Needed(fn) || r.Needed(fn.With(consent.Marketing)) {
		t.Error("Needed wrong")
	}
}

func TestCategories(t *testing.T) {
	r := mustNew(t, Config{Categories: map[string]string{"maps": "functional", "youtube": "analytics"}})
	in := `<iframe src="https://www.google.com/maps/embed?x"></iframe><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe><iframe src="https://player.vimeo.com/video/1"></iframe>`
	got := run(t, r, consent.Only.With(consent.Functional).With(consent.Analytics), in)
	if !strings.HasPrefix(got, `<iframe src="https://www.google.com/maps/embed?x"></iframe><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>`) {
		t.Errorf("granted maps and youtube changed: %s", got)
	}
	if !strings.Contains(got, `data-privacy-embed="vimeo"`) {
		t.Errorf("vimeo (marketing) not held: %s", got)
	}
	got = run(t, r, consent.Only.With(consent.Functional), in)
	if !strings.Contains(got, "youtube-nocookie") || strings.Contains(got, "privacy-embed=\"maps\"") {
		t.Errorf("functional only: %s", got)
	}
}

func TestVimeoDNT(t *testing.T) {
	r := mustNew(t, Config{Vimeo: "dnt"})
	got := run(t, r, consent.Only, `<iframe src="https://player.vimeo.com/video/76979871?h=82&amp;dnt=0&autoplay=1"></iframe><iframe src="https://vimeo.com/showcase/1/embed"></iframe>`)
	if !strings.HasPrefix(got, `<iframe src="https://player.vimeo.com/video/76979871?h=82&amp;autoplay=1&amp;dnt=1"></iframe>`) {
		t.Errorf("dnt: %s", got)
	}
	if !strings.Contains(got, `data-privacy-embed="vimeo"`) {
		t.Errorf("a Vimeo frame that is no player gets a placeholder: %s", got)
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		c    Config
		want string
	}{
		{Config{Providers: []string{"myspace"}}, `embeds.providers: unknown provider "myspace"; accepted: youtube, vimeo`},
		{Config{YouTube: "off"}, `embeds.youtube: "off" is not accepted`},
		{Config{Vimeo: "nocookie"}, `embeds.vimeo: "nocookie"`},
		{Config{Categories: map[string]string{"youtube": "ads"}}, `embeds.categories.youtube: "ads" is not accepted; use functional, analytics, marketing`},
		{Config{Categories: map[string]string{"youtube": "necessary"}}, `embeds.categories.youtube`},
		{Config{Providers: []string{"maps"}, Categories: map[string]string{"youtube": "analytics"}}, `embeds.categories: "youtube" is not a handled provider`},
		{Config{Custom: []Custom{{Name: "Bad Name", Hosts: []string{"a.example"}}}}, `embeds.custom[0].name`},
		{Config{Custom: []Custom{{Name: "youtube", Hosts: []string{"a.example"}}}}, `embeds.custom[0].name: "youtube" is already a provider`},
		{Config{Custom: []Custom{{Name: "a"}}}, `embeds.custom[0].hosts: empty`},
		{Config{Custom: []Custom{{Name: "a", Hosts: []string{"https://a.example"}}}}, `embeds.custom[0].hosts: "https://a.example" is not accepted`},
		{Config{Custom: []Custom{{Name: "a", Hosts: []string{"a.example"}, Category: "x"}}}, `embeds.categories.a: "x"`},
		{Config{Text: map[string]string{"title": "x"}}, `embeds.text: unknown key "title"`},
		{Config{Text: map[string]string{"notice.myspace": "x"}}, `embeds.text: unknown key "notice.myspace"`},
		{Config{Text: map[string]string{"notice": " "}}, `embeds.text.notice: empty`},
		{Config{SettingsURL: "javascript:alert(1)"}, `embeds.settings_url: "javascript:alert(1)" is not accepted`},
		{Config{SettingsURL: "/a b"}, `embeds.settings_url`},
	}
	for _, c := range cases {
		_, err := New(c.c)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v, want an error containing %q", c.c, err, c.want)
		}
	}
}

func TestSourcesBlocked(t *testing.T) {
	r := mustNew(t, Config{Providers: []string{"youtube", "x"}})
	frame, script := r.Sources(consent.Only)
	if strings.Join(frame, " ") != "https://platform.twitter.com https://syndication.twitter.com https://www.youtube-nocookie.com" {
		t.Errorf("frame = %v", frame)
	}
	if strings.Join(script, " ") != ScriptHash {
		t.Errorf("script = %v", script)
	}
	if got := strings.Join(r.Blocked(consent.Only), " "); got != "https://platform.twitter.com https://s.ytimg.com https://syndication.twitter.com https://www.youtube.com" {
		t.Errorf("Blocked = %s", got)
	}
	frame, script = r.Sources(consent.All)
	if strings.Join(frame, " ") != "https://platform.twitter.com https://syndication.twitter.com https://www.youtube-nocookie.com https://www.youtube.com" {
		t.Errorf("granted frame = %v", frame)
	}
	if strings.Join(script, " ") != "https://platform.twitter.com https://s.ytimg.com https://www.youtube.com" {
		t.Errorf("granted script = %v", script)
	}
	if r.Blocked(consent.All) != nil || r.Needed(consent.All) || r.StyleSources(consent.All) != nil {
		t.Error("all granted: something still blocked")
	}
	if got := r.StyleSources(consent.Only); len(got) != 1 || got[0] != StyleHash {
		t.Errorf("StyleSources = %v", got)
	}
}

func TestLookupTag(t *testing.T) {
	for name, id := range tagNames {
		if got := lookupTag([]byte(name)); got != id {
			t.Errorf("lookupTag(%q) = %d, want %d", name, got, id)
		}
	}
	if lookupTag([]byte("iframes")) != tagOther || lookupTag([]byte("div")) != tagOther {
		t.Error("lookupTag matched another name")
	}
}
