package embeds_test

import (
	"fmt"
	"os"

	"github.com/caddy-privacy/caddy-privacy/consent"
	"github.com/caddy-privacy/caddy-privacy/embeds"
)

func Example() {
	r, err := embeds.New(embeds.Config{Providers: []string{"youtube", "x"}})
	if err != nil {
		panic(err)
	}
	granted := consent.Only // the visitor chose nothing yet
	if !r.Needed(granted) {
		return // serve the response untouched
	}
	w := r.Wrap(os.Stdout, granted)
	fmt.Fprint(w, `<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=abc&amp;start=42"></iframe>`+"\n")
	fmt.Fprint(w, `<blockquote class="twitter-tweet">…</blockquote><script async src="https://platform.twitter.com/widgets.js"></script>`+"\n")
	w.Close()
	frame, script := r.Sources(granted)
	fmt.Println(frame, script[0] == embeds.ScriptHash)
	fmt.Println(r.Blocked(granted))
	// Output:
	// <iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=42"></iframe>
	// <blockquote class="twitter-tweet">…</blockquote><!-- privacy: x script held until consent -->
	// [https://platform.twitter.com https://syndication.twitter.com https://www.youtube-nocookie.com] true
	// [https://platform.twitter.com https://s.ytimg.com https://syndication.twitter.com https://www.youtube.com]
}
