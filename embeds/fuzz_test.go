package embeds

import (
	"bytes"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// FuzzRewrite: the rewriter never panics, its output never loads from a
// provider that is not granted (judged by golang.org/x/net/html's
// parser, in srcdoc documents too), it does not depend on how the input
// is cut into writes, and a page without provider URLs passes byte for
// byte.
func FuzzRewrite(f *testing.F) {
	seeds := []string{
		`<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=x&amp;start=1"></iframe>`,
		`<iframe src=//player.vimeo.com/video/1 width=10></iframe><script src=https://platform.twitter.com/widgets.js></script>`,
		`<!-- <iframe src=//player.vimeo.com/video/1> --><script>"<iframe src=//player.vimeo.com/video/1>"</script>`,
		`<script><!--<script></script><iframe src=//player.vimeo.com/video/1></script>`,
		`<noscript><!--</noscript><iframe src=//player.vimeo.com/video/1>-->`,
		`<iframe srcdoc="<iframe src=&quot;//player.vimeo.com/video/1&quot;></iframe>"></iframe>`,
		`<object data=https://www.google.com/maps/embed><embed src=https://open.spotify.com/embed/x></object>`,
		`<IFRAME SRC="HTTPS&colon;//WWW.YOUTUBE.COM/embed/x"></IFRAME><template><iframe data-src=//w.soundcloud.com/player></iframe></template>`,
		`<![CDATA[ a > <iframe src=//x.com/i> ]]><textarea><iframe src=//x.com/i></textarea><svg><style><iframe src=//x.com/i></style></svg>`,
		`<p title="<iframe src=//x.com/i>">a < b</p><!DOCTYPE html><?pi?>`,
		`<iframe src="data:text/html,%3Ciframe%20src=//x.com/i%3E"></iframe><link rel=preconnect href=//www.youtube.com>`,
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i), uint8(i%4))
	}
	rewriters := []*Rewriter{
		mustNew(f, Config{}),
		mustNew(f, Config{YouTube: "placeholder", Vimeo: "dnt", Custom: []Custom{{Name: "c", Hosts: []string{"*.c.example"}}}}),
	}
	grants := []consent.Set{consent.Only, consent.Only.With(consent.Functional), consent.Only.With(consent.Marketing), consent.All}
	f.Fuzz(func(t *testing.T, in []byte, cut uint8, pick uint8) {
		r := rewriters[int(pick)%len(rewriters)]
		granted := grants[int(pick/2)%len(grants)]
		var one bytes.Buffer
		w := r.Wrap(&one, granted)
		w.Write(in)
		w.Close()

		var chunked bytes.Buffer
		w = r.Wrap(&chunked, granted)
		step := int(cut)%13 + 1
		for p := in; len(p) > 0; {
			n := min(step, len(p))
			w.Write(p[:n])
			p = p[n:]
			step = step*7%13 + 1
		}
		w.Close()
		if !bytes.Equal(one.Bytes(), chunked.Bytes()) {
			t.Fatalf("output depends on the writes\n in: %q\none: %q\nchunked: %q", in, one.Bytes(), chunked.Bytes())
		}
		if b := loadsBlocked(r, granted, one.String(), 0); b != "" {
			t.Fatalf("output loads a blocked provider: %s\n in: %q\nout: %q", b, in, one.Bytes())
		}
		if !bytes.ContainsAny(in, ".&%\\") && !bytes.Equal(one.Bytes(), in) {
			// No host, no entity: nothing can name a provider.
			t.Fatalf("a page without provider URLs changed\n in: %q\nout: %q", in, one.Bytes())
		}
	})
}
