package embeds

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// loadsBlocked parses out as a browser with scripting would and returns
// a description of the first element outside a placeholder's <template>
// that would load from a provider not granted, or "".
func loadsBlocked(r *Rewriter, granted consent.Set, out string, depth int) string {
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		return "parse: " + err.Error()
	}
	var bad string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if bad != "" {
			return
		}
		if n.Type == html.ElementNode && (n.Namespace == "" || n.Data == "script") {
			if n.Data == "template" {
				// Inert: a template's content loads nothing until a
				// script copies it into the page (the placeholder's, on
				// the visitor's click). The hostile tests check that the
				// site's own templates are rewritten.
				return
			}
			switch n.Data {
			case "iframe", "frame", "embed", "object", "script":
				for _, a := range n.Attr {
					if a.Namespace != "" {
						continue
					}
					if a.Key == "srcdoc" && n.Data == "iframe" && depth < maxDocDepth {
						if b := loadsBlocked(r, granted, a.Val, depth+1); b != "" {
							bad = "in srcdoc: " + b
							return
						}
						continue
					}
					if !urlAttr(idOf(n.Data), a.Key) {
						continue
					}
					t, ok := parseTarget(a.Val)
					if !ok {
						continue
					}
					p := r.lookup(t, n.Data == "script")
					if p < 0 || granted.Has(r.provs[p].cat) {
						continue
					}
					if n.Data != "script" && p == r.youtube && r.ytNocookie && t.host == "www.youtube-nocookie.com" {
						continue
					}
					if n.Data != "script" && p == r.vimeo && r.vimeoDNT && t.host == "player.vimeo.com" && strings.HasSuffix(t.query, "dnt=1") {
						continue
					}
					bad = fmt.Sprintf("<%s %s=%q> loads from %s", n.Data, a.Key, a.Val, r.provs[p].name)
					return
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return bad
}

func idOf(name string) tagID { return tagNames[name] }

func hasClass(n *html.Node, class string) bool {
	for _, a := range n.Attr {
		if a.Key == "class" {
			for _, c := range strings.Fields(a.Val) {
				if c == class {
					return true
				}
			}
		}
	}
	return false
}
