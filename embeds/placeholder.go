package embeds

import (
	"fmt"
	"html"
	"strconv"
	"strings"
)

// The placeholder's default texts. A key may be made specific to a kind
// of embed (notice.video) or to one provider (notice.youtube); the most
// specific key set wins.
var defaultText = map[string]string{
	"label":        "{provider} content not loaded",
	"label.video":  "{provider} video not loaded",
	"label.map":    "{provider} map not loaded",
	"label.post":   "{provider} post not loaded",
	"label.audio":  "{provider} player not loaded",
	"notice":       "Loading this content shares your IP address and device details with {provider} and lets it set cookies.",
	"notice.video": "Loading this video shares your IP address and device details with {provider} and lets it set cookies.",
	"notice.map":   "Loading this map shares your IP address and device details with {provider} and lets it set cookies.",
	"notice.post":  "Loading this post shares your IP address and device details with {provider} and lets it set cookies.",
	"notice.audio": "Loading this player shares your IP address and device details with {provider} and lets it set cookies.",
	"load":         "Load content",
	"load.video":   "Load video",
	"load.map":     "Load map",
	"load.post":    "Load post",
	"load.audio":   "Load player",
	"settings":     "Privacy settings",
}

var textBases = []string{"label", "notice", "load", "settings"}
var kinds = []string{"video", "map", "post", "audio", "content"}

// buildText checks the site's texts and merges them over the defaults.
func buildText(site map[string]string, list []provider) (map[string]string, error) {
	t := make(map[string]string, len(defaultText)+len(site))
	for k, v := range defaultText {
		t[k] = v
	}
	for _, k := range sortedKeys(site) {
		base, sub, _ := cut(k, '.')
		ok := false
		switch {
		case base == "name":
			ok = findProv(list, sub) >= 0
		case contains(textBases, base):
			ok = sub == "" && !strings.Contains(k, ".") || contains(kinds, sub) || findProv(list, sub) >= 0
		}
		if !ok {
			return nil, fmt.Errorf("embeds.text: unknown key %q; accepted: label, notice, load, settings, each alone or followed by .<kind> (%s) or .<provider>, and name.<provider>", k, strings.Join(kinds, ", "))
		}
		if strings.TrimSpace(site[k]) == "" {
			return nil, fmt.Errorf("embeds.text.%s: empty; give the text to show, or leave the key out for the default", k)
		}
		t[k] = site[k]
	}
	return t, nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// message returns the HTML-escaped text for key and provider p.
func (r *Rewriter) message(key string, p *prov) string {
	s, ok := r.text[key+"."+p.name]
	if !ok {
		if s, ok = r.text[key+"."+p.kind]; !ok {
			s = r.text[key]
		}
	}
	name, ok := r.text["name."+p.name]
	if !ok {
		name = p.display
	}
	return html.EscapeString(strings.ReplaceAll(s, "{provider}", name))
}

// The placeholder's script and style, written once per page before the
// first placeholder. Their bodies are fixed so that a CSP can allow them
// by hash: ScriptHash and StyleHash (a test checks that they match).
//
// The script loads one embed on its button's click: it swaps the
// placeholder for a copy of its <template>'s content, giving lazy-loaded
// frames (data-src without src) their src. It records nothing.
const (
	scriptBody = `(function(){if(window.privacyEmbeds)return;window.privacyEmbeds=1;document.addEventListener("click",function(e){var b=e.target&&e.target.closest&&e.target.closest("[data-privacy-embed-load]"),d=b&&b.closest(".privacy-embed"),t=d&&d.querySelector(":scope>template");if(!t)return;var f=t.content.cloneNode(true);f.querySelectorAll("[data-src]:not([src]):not([data])").forEach(function(x){x.setAttribute(x.tagName=="OBJECT"?"data":"src",x.getAttribute("data-src"))});d.replaceWith(f)})})();`
	styleBody  = `.privacy-embed{display:inline-flex;flex-direction:column;justify-content:center;align-items:center;gap:.5em;box-sizing:border-box;max-width:100%;overflow:auto;padding:1em;vertical-align:top;background:#f2f2f2;color:#1a1a1a;border:1px solid #8a8a8a;font:15px/1.4 system-ui,sans-serif;text-align:center}.privacy-embed button{font:inherit;padding:.4em 1em;cursor:pointer}.privacy-embed a{color:inherit}`

	// ScriptHash is the CSP source expression that allows the
	// placeholder's inline script (script-src).
	ScriptHash = "'sha256-fEMv9PFN9br1UDeqfGnfagTI9T4l61t/0rSM+tlXL5Q='"
	// StyleHash is the CSP source expression that allows the
	// placeholder's inline style element (style-src). The placeholder's
	// size is a style attribute, which a CSP without 'unsafe-inline' in
	// style-src (or style-src-attr) ignores: the placeholder then takes
	// its content's size.
	StyleHash = "'sha256-cTLDeoQLEbG4YNjR9217aatCDs2qrHv0pG+I9vv68G0='"
)

const assets = "<style>" + styleBody + "</style><script>" + scriptBody + "</script>"

// appendPlaceholder appends the click-to-load placeholder for the element
// whose start tag is tag (its end tag, if any, is endTag) to b.
func (w *writer) appendPlaceholder(b []byte, p *prov, tag []byte, attrs []attr, endTag string) []byte {
	r := w.r
	if !w.assetsDone() {
		b = append(b, assets...)
	}
	w.ids++
	id := "privacy-embed-" + strconv.Itoa(w.ids)
	if w.depth > 0 {
		id = "privacy-embed-" + strconv.Itoa(w.depth) + "-" + strconv.Itoa(w.ids)
	}
	b = append(b, `<span class="privacy-embed" role="group" data-privacy-embed="`...)
	b = append(b, html.EscapeString(p.name)...)
	b = append(b, `" aria-label="`...)
	b = append(b, r.message("label", p)...)
	if st := sizeStyle(tag, attrs, p.kind); st != "" {
		b = append(b, `" style="`...)
		b = append(b, html.EscapeString(st)...)
	}
	b = append(b, `"><span id="`...)
	b = append(b, id...)
	b = append(b, `">`...)
	b = append(b, r.message("notice", p)...)
	b = append(b, `</span><button type="button" data-privacy-embed-load aria-describedby="`...)
	b = append(b, id...)
	b = append(b, `">`...)
	b = append(b, r.message("load", p)...)
	b = append(b, `</button><a href="`...)
	b = append(b, html.EscapeString(r.settingsURL)...)
	b = append(b, `">`...)
	b = append(b, r.message("settings", p)...)
	// Marked, so that a second pass (a second proxy) leaves it be.
	b = append(b, `</a><template data-privacy-embed>`...)
	b = append(b, tag...)
	b = append(b, endTag...)
	b = append(b, `</template></span>`...)
	return b
}

// assetsDone reports whether the script and style were written where
// this placeholder can use them, and marks them written. Inside a
// <template> of the site they are written again (the template's copy
// carries them); inside <noscript> they are not needed.
func (w *writer) assetsDone() bool {
	if w.lenient {
		return true // in <noscript> or inside <svg>/<math>: scripts there may not run
	}
	if w.templateDepth > 0 {
		if w.assetsInTemplate || w.assets {
			return true
		}
		w.assetsInTemplate = true
		return false
	}
	if w.assets {
		return true
	}
	w.assets = true
	return false
}

// sizeStyle returns the CSS that gives the placeholder the size the
// element would have had: its width and height attributes, then the
// size declarations of its style attribute (which win, as they do on the
// element). With one dimension only, a video keeps 16:9; with none, the
// browser's default for frames, 300×150.
func sizeStyle(tag []byte, attrs []attr, kind string) string {
	var width, height string
	var decls []string
	has := map[string]bool{}
	for _, a := range attrs {
		switch a.lname {
		case "width":
			if width == "" {
				width = cssLength(a.value(tag))
			}
		case "height":
			if height == "" {
				height = cssLength(a.value(tag))
			}
		case "style":
			for _, d := range strings.Split(html.UnescapeString(a.value(tag)), ";") {
				prop, val, ok := cut(d, ':')
				prop = strings.ToLower(strings.TrimSpace(prop))
				val = strings.TrimSpace(val)
				switch prop {
				case "width", "height", "min-width", "max-width", "min-height", "max-height", "aspect-ratio":
					if ok && safeCSSValue(val) {
						decls = append(decls, prop+":"+val)
						has[prop] = true
					}
				}
			}
		}
	}
	var s []string
	if width != "" {
		s = append(s, "width:"+width)
	}
	if height != "" {
		s = append(s, "height:"+height)
	}
	hasW, hasH := width != "" || has["width"], height != "" || has["height"]
	switch {
	case !hasW && !hasH && !has["aspect-ratio"]:
		s = append(s, "width:300px", "height:150px")
	case hasW != hasH && !has["aspect-ratio"]:
		if kind == "video" {
			s = append(s, "aspect-ratio:16/9")
		} else if !hasH {
			s = append(s, "height:150px")
		} else {
			s = append(s, "width:300px")
		}
	}
	s = append(s, decls...)
	return strings.Join(s, ";")
}

// cssLength turns a width or height attribute (pixels, or a percentage)
// into a CSS length; "" when it is neither.
func cssLength(v string) string {
	v = strings.TrimSpace(html.UnescapeString(v))
	n := 0
	for n < len(v) && n < 6 && '0' <= v[n] && v[n] <= '9' {
		n++
	}
	if n == 0 {
		return ""
	}
	switch rest := strings.ToLower(v[n:]); {
	case rest == "%":
		return v[:n] + "%"
	case rest == "" || rest == "px" || rest[0] == '.':
		return v[:n] + "px"
	}
	return ""
}

// safeCSSValue accepts lengths, percentages, ratios and calc()/min()/
// max() over them: nothing that loads (url()) or ends the declaration.
func safeCSSValue(v string) bool {
	if v == "" || len(v) > 100 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(" .%/()+-*,", c) >= 0) {
			return false
		}
	}
	l := strings.ToLower(v)
	return !strings.Contains(l, "url") && !strings.Contains(l, "expression") && !strings.Contains(l, "image")
}
