package embeds

import (
	"bytes"
	"encoding/base64"
	"html"
	"net/url"
	"strings"
)

// attr is one attribute of a buffered start tag, as offsets into it.
type attr struct {
	lname              string // lower-case name
	valStart, valEnd   int    // the value, without quotes
	rawStart, rawEnd   int    // the value with its quotes; rawStart == rawEnd when there is none
	hasValue, unquoted bool
}

func (a attr) value(tag []byte) string { return string(tag[a.valStart:a.valEnd]) }

// parseAttrs reads the attributes of a complete start tag (from '<' to
// '>') with the HTML tokenizer's rules, so that it agrees with browsers
// on what each attribute's value is.
func parseAttrs(tag []byte) []attr {
	i := 1
	for i < len(tag) && !isSpace(tag[i]) && tag[i] != '/' && tag[i] != '>' {
		i++
	}
	var attrs []attr
	end := len(tag) - 1 // the '>'
	for i < end {
		c := tag[i]
		if isSpace(c) || c == '/' {
			i++
			continue
		}
		// Attribute name: up to white space, '/', '>' or '=' (a leading
		// '=' belongs to the name).
		ns := i
		i++
		for i < end && !isSpace(tag[i]) && tag[i] != '/' && tag[i] != '=' {
			i++
		}
		a := attr{lname: strings.ToLower(string(tag[ns:i]))}
		j := i
		for j < end && isSpace(tag[j]) {
			j++
		}
		if j < end && tag[j] == '=' {
			j++
			for j < end && isSpace(tag[j]) {
				j++
			}
			a.hasValue = true
			a.rawStart = j
			switch {
			case j < end && (tag[j] == '"' || tag[j] == '\''):
				q := tag[j]
				k := bytes.IndexByte(tag[j+1:end], q)
				if k < 0 {
					k = end - j - 1 // cannot happen in a tag the scanner ended
				}
				a.valStart, a.valEnd = j+1, j+1+k
				i = j + 1 + k + 1
				if i > end {
					i = end
				}
			default:
				a.unquoted = true
				k := j
				for k < end && !isSpace(tag[k]) {
					k++
				}
				a.valStart, a.valEnd = j, k
				i = k
			}
			a.rawEnd = i
		} else {
			a.valStart, a.valEnd = i, i
			a.rawStart, a.rawEnd = i, i
		}
		attrs = append(attrs, a)
	}
	return attrs
}

func isSpace(c byte) bool { return spaces[c] }

// The attributes that make an element load something.
func urlAttr(name tagID, lname string) bool {
	switch lname {
	case "src", "data-src", "data-lazy-src":
		return name != tagObject
	case "data":
		return name == tagObject
	case "href", "xlink:href":
		return name == tagScript // SVG scripts load from href
	}
	return false
}

// edit replaces the value of attribute a in a tag by an attribute value.
type edit struct {
	a     attr
	value string // unescaped
	drop  bool
}

// applyEdits returns the tag with each edit made, the rest kept byte for
// byte.
func applyEdits(tag []byte, edits []edit) []byte {
	out := make([]byte, 0, len(tag)+64)
	last := 0
	for _, e := range edits { // in attribute order
		if e.drop {
			continue
		}
		if !e.a.hasValue {
			out = append(out, tag[last:e.a.valEnd]...)
			out = append(out, '=')
		} else {
			out = append(out, tag[last:e.a.rawStart]...)
		}
		out = append(out, '"')
		out = append(out, html.EscapeString(e.value)...)
		out = append(out, '"')
		last = e.a.rawEnd
	}
	return append(out, tag[last:]...)
}

// decision is what becomes of a held start tag.
type decision int

const (
	keep        decision = iota // unchanged
	rewritten                   // URL attributes changed (nocookie, dnt, srcdoc)
	placeholder                 // click-to-load placeholder
	removed                     // a script, gone until consent
)

// process decides what becomes of a complete start tag of an iframe,
// frame, embed, object or script, and appends what is written in its
// place to out.
func (w *writer) process(out []byte, id tagID, tag []byte) ([]byte, decision) {
	if id == tagTemplate {
		return append(out, tag...), keep
	}
	if id == tagLink {
		// Every rel that fetches early has "pre" in it; the others
		// (stylesheets, icons) pass without being parsed.
		if !containsFold(tag, "pre") {
			return append(out, tag...), keep
		}
		return w.processLink(out, tag, parseAttrs(tag))
	}
	r := w.r
	attrs := parseAttrs(tag)
	script := id == tagScript
	blocked := -1 // the provider the element waits for
	var edits []edit
	for _, a := range attrs {
		switch {
		case urlAttr(id, a.lname):
			v := html.UnescapeString(a.value(tag))
			if !script {
				if nv, changed := w.rewriteDataURL(v); changed {
					edits = append(edits, edit{a: a, value: nv})
					continue
				}
			}
			t, ok := parseTarget(v)
			if !ok {
				continue
			}
			p := r.lookup(t, script)
			if p < 0 || w.granted.Has(r.provs[p].cat) {
				continue
			}
			if !script {
				var u string
				switch {
				case p == r.youtube && r.ytNocookie:
					u, ok = nocookieURL(t)
				case p == r.vimeo && r.vimeoDNT:
					u, ok = dntURL(t)
				default:
					ok = false
				}
				if ok {
					if u != html.UnescapeString(a.value(tag)) {
						edits = append(edits, edit{a: a, value: u})
					}
					continue
				}
			}
			if blocked < 0 {
				blocked = p
			}
		case a.lname == "srcdoc" && id == tagIframe:
			doc := html.UnescapeString(a.value(tag))
			if nd, changed := w.rewriteDoc(doc); changed {
				edits = append(edits, edit{a: a, value: nd})
			}
		}
	}
	if script {
		if blocked >= 0 {
			return append(out, "<!-- privacy: "+commentSafe(r.provs[blocked].name)+" script held until consent -->"...), removed
		}
		return append(out, tag...), keep
	}
	if len(edits) > 0 {
		tag = applyEdits(tag, edits)
	}
	if blocked >= 0 {
		p := &r.provs[blocked]
		if p.name == "youtube" {
			// Loaded on a click, a YouTube frame still goes to nocookie.
			tag = w.youtubeTemplateTag(tag)
		}
		end := ""
		switch id {
		case tagIframe:
			end = "</iframe>"
		case tagObject:
			end = "</object>"
		}
		return w.appendPlaceholder(out, p, tag, parseAttrs(tag), end), placeholder
	}
	if len(edits) > 0 {
		return append(out, tag...), rewritten
	}
	return append(out, tag...), keep
}

// youtubeTemplateTag moves the YouTube URLs of a frame's tag to nocookie
// where it can.
func (w *writer) youtubeTemplateTag(tag []byte) []byte {
	var edits []edit
	for _, a := range parseAttrs(tag) {
		if a.lname != "src" && a.lname != "data-src" && a.lname != "data-lazy-src" {
			continue
		}
		t, ok := parseTarget(html.UnescapeString(a.value(tag)))
		if !ok || w.r.lookup(t, false) != w.r.youtube {
			continue
		}
		if u, ok := nocookieURL(t); ok {
			edits = append(edits, edit{a: a, value: u})
		}
	}
	if len(edits) == 0 {
		return tag
	}
	return applyEdits(tag, edits)
}

// maxDocDepth bounds srcdoc documents inside srcdoc documents; deeper
// ones are emptied.
const maxDocDepth = 4

// rewriteDoc rewrites the document of a srcdoc attribute.
func (w *writer) rewriteDoc(doc string) (string, bool) {
	if w.depth >= maxDocDepth {
		return "", doc != ""
	}
	var buf bytes.Buffer
	sub := newWriter(w.r, &buf, w.granted)
	sub.depth = w.depth + 1
	sub.Write([]byte(doc))
	sub.Close()
	if buf.String() == doc {
		return doc, false
	}
	return buf.String(), true
}

func commentSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

// processLink removes a <link> that connects to or fetches from a
// provider not granted ahead of time (preconnect, dns-prefetch, preload,
// modulepreload, prefetch, prerender): that too tells the provider the
// visitor's address. Other links pass.
func (w *writer) processLink(out []byte, tag []byte, attrs []attr) ([]byte, decision) {
	early := false
	for _, a := range attrs {
		if a.lname != "rel" {
			continue
		}
		for _, rel := range strings.Fields(strings.ToLower(html.UnescapeString(a.value(tag)))) {
			switch rel {
			case "preconnect", "dns-prefetch", "preload", "modulepreload", "prefetch", "prerender":
				early = true
			}
		}
	}
	if early {
		for _, a := range attrs {
			if a.lname != "href" {
				continue
			}
			t, ok := parseTarget(html.UnescapeString(a.value(tag)))
			if !ok {
				continue
			}
			p := w.r.lookupAny(t)
			if p >= 0 && !w.granted.Has(w.r.provs[p].cat) {
				return append(out, "<!-- privacy: "+commentSafe(w.r.provs[p].name)+" link held until consent -->"...), removed
			}
		}
	}
	return append(out, tag...), keep
}

// containsFold reports whether b contains the lower-case ASCII s in any case.
func containsFold(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		j := 0
		for j < len(s) && lower(b[i+j]) == s[j] {
			j++
		}
		if j == len(s) {
			return true
		}
	}
	return false
}

// hasAttr reports whether a start tag has the attribute lname.
func hasAttr(tag []byte, lname string) bool {
	if !containsFold(tag, lname) {
		return false
	}
	for _, a := range parseAttrs(tag) {
		if a.lname == lname {
			return true
		}
	}
	return false
}

// rewriteDataURL rewrites the document of a data: URL of an HTML or SVG
// document, as a frame's srcdoc is.
func (w *writer) rewriteDataURL(v string) (string, bool) {
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	if len(v) < 5 || !strings.EqualFold(v[:5], "data:") {
		return "", false
	}
	meta, payload, ok := cut(v[5:], ',')
	if !ok {
		return "", false
	}
	lmeta := strings.ToLower(strings.Join(strings.Fields(meta), ""))
	mediaType, _, _ := cut(lmeta, ';')
	switch mediaType {
	case "text/html", "application/xhtml+xml", "image/svg+xml":
	default:
		return "", false
	}
	var doc string
	if strings.HasSuffix(lmeta, ";base64") {
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(percentDecode(payload)), ""))
		if err != nil {
			b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(strings.Join(strings.Fields(percentDecode(payload)), ""), "="))
		}
		if err != nil {
			return "", false // unreadable to browsers too: loads nothing
		}
		doc = string(b)
		meta = meta[:len(meta)-len(";base64")]
	} else {
		doc = percentDecode(payload)
	}
	nd, changed := w.rewriteDoc(doc)
	if !changed {
		return "", false
	}
	return "data:" + meta + "," + url.PathEscape(nd), true
}
