package embeds

import (
	"bytes"
	"errors"
	"io"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// MaxTag is the longest start tag of an iframe, frame, embed, object or
// script the rewriter holds to judge it. A longer one is dropped, with
// the element's content and end tag: failing closed, as the rewriter
// cannot tell where it would load from without holding it whole. Other
// tags of any length stream through.
const MaxTag = 64 << 10

type tagID uint8

const (
	tagOther tagID = iota
	tagIframe
	tagFrame
	tagEmbed
	tagObject
	tagScript
	tagStyle
	tagXmp
	tagNoembed
	tagNoframes
	tagTitle
	tagTextarea
	tagPlaintext
	tagNoscript
	tagTemplate
	tagSVG
	tagMath
	tagLink
)

var tagNames = map[string]tagID{
	"iframe": tagIframe, "frame": tagFrame, "embed": tagEmbed, "object": tagObject,
	"script": tagScript, "style": tagStyle, "xmp": tagXmp, "noembed": tagNoembed,
	"noframes": tagNoframes, "title": tagTitle, "textarea": tagTextarea,
	"plaintext": tagPlaintext, "noscript": tagNoscript, "template": tagTemplate,
	"svg": tagSVG, "math": tagMath, "link": tagLink,
}

var rawNames = [...]string{
	tagIframe: "iframe", tagScript: "script", tagStyle: "style", tagXmp: "xmp",
	tagNoembed: "noembed", tagNoframes: "noframes", tagTitle: "title",
	tagTextarea: "textarea", tagNoscript: "noscript", tagPlaintext: "plaintext",
}

// The tokenizer states, after the HTML standard's (§13.2.5), reduced to
// what decides where tags, comments and raw text begin and end.
type state uint8

const (
	sText state = iota
	sTagOpen
	sEndTagOpen
	sTagName
	sBeforeAttrName
	sAttrName
	sAfterAttrName
	sBeforeAttrValue
	sAttrValueDQ
	sAttrValueSQ
	sAttrValueUnq
	sAfterAttrValueQ
	sSelfClosing
	sMDO     // "<!"
	sMDODash // "<!-"
	sCommentStart
	sCommentStartDash
	sComment
	sCommentEndDash
	sCommentEnd
	sCommentEndBang
	sBogus
	sRaw // RAWTEXT and RCDATA: until </name
	sRawLT
	sRawEnd
	sScript
	sScriptLT
	sScriptEnd
	sScriptEscStart
	sScriptEscStartDash
	sScriptEsc
	sScriptEscDash
	sScriptEscDashDash
	sScriptEscLT
	sScriptEscEnd
	sScriptDblStart
	sScriptDbl
	sScriptDblDash
	sScriptDblDashDash
	sScriptDblLT
	sScriptDblEnd
	sPlaintext
)

// maxOwnTemplate bounds the template start tags held to see whether
// they are a placeholder's (<template data-privacy-embed>).
const maxOwnTemplate = 64

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("embeds: write after close")

// writer is the streaming rewriter Wrap returns. Bytes that are not part
// of a held start tag are written through as slices of the caller's
// buffer; the only bytes it keeps are a start tag it must judge (at most
// MaxTag) and a tag name being read.
type writer struct {
	r       *Rewriter
	dst     io.Writer
	granted consent.Set
	err     error
	closed  bool
	depth   int // srcdoc nesting

	holdFrames, holdScripts bool // whether any provider of that kind is blocked

	st       state
	endTag   bool // the tag being read is an end tag
	name     [10]byte
	nameLen  int   // -1: longer than name, so of no interest
	id       tagID // the tag's name, once read
	decided  bool  // the tag's name has been read
	holding  bool
	overflow bool // the held tag passed MaxTag and is being dropped
	hold     []byte

	raw    tagID // the element whose raw text is being read
	match  int   // bytes of the raw end tag's name matched
	tmp    [6]byte
	tmpLen int
	// lenient: the raw text being read is one that some browsers parse
	// as markup (<noscript> for those without scripting; raw-text
	// elements inside <svg> and <math>, which are markup there): embeds
	// in it are read as tags, and rewritten, whatever it holds.
	lenient     bool
	svg, math   int   // <svg> and <math> elements open
	back        state // where reading resumes after an embed read in lenient raw text
	selfClosing bool  // the tag being read ended with "/>"

	discard      bool // dropping the content of a replaced element
	discardID    tagID
	discardDepth int

	templateDepth            int
	own                      int // templates open inside a placeholder's: their content is written as it is
	assets, assetsInTemplate bool
	ids                      int
	out                      []byte
}

func newWriter(r *Rewriter, dst io.Writer, granted consent.Set) *writer {
	w := &writer{r: r, dst: dst, granted: granted}
	for i := range r.provs {
		if granted.Has(r.provs[i].cat) {
			continue
		}
		if len(r.provs[i].frames) > 0 {
			w.holdFrames = true
		}
		if len(r.provs[i].scripts) > 0 {
			w.holdScripts = true
		}
	}
	return w
}

// Wrap returns a writer that rewrites HTML written to it into dst,
// streaming. Close flushes what is held: an unfinished tag is written
// through only if it cannot be an embed, else dropped (browsers drop a
// tag cut off by the end of the document). It must not be used after
// Close.
func (r *Rewriter) Wrap(dst io.Writer, granted consent.Set) io.WriteCloser {
	return newWriter(r, dst, granted)
}

func (w *writer) emit(b []byte) {
	if w.discard || w.err != nil || len(b) == 0 {
		return
	}
	_, w.err = w.dst.Write(b)
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// Write implements io.Writer.
func (w *writer) Write(p []byte) (int, error) {
	if w.closed {
		return 0, ErrClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	w.feed(p)
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// feed runs the tokenizer over p. Bytes p[mark:i] are consumed and not
// yet written: they are written through, or, while holding, added to
// the held tag. tagStart is where the tag being read began in p, when
// it began in p.
func (w *writer) feed(p []byte) {
	// tagStart is only read while not holding, and a tag that began in
	// an earlier p is held until its name is read.
	mark, tagStart := 0, -1
	i := 0
	for i < len(p) {
		c := p[i]
		switch w.st {
		case sText:
			k := bytes.IndexByte(p[i:], '<')
			if k < 0 {
				i = len(p)
				continue
			}
			i += k
			tagStart = i
			w.st = sTagOpen
		case sTagOpen:
			if c == '/' {
				w.st = sEndTagOpen
				break
			}
			if isLetter(c) {
				w.startName(false)
				continue // reconsume
			}
			w.release() // no tag: what was held is written through
			switch {
			case c == '!' && !w.lenient:
				w.st = sMDO
			case c == '?' && !w.lenient:
				w.st = sBogus
			default:
				w.st = w.textState()
				continue
			}
		case sEndTagOpen:
			if isLetter(c) {
				w.startName(true)
				continue
			}
			w.release()
			switch {
			case w.lenient:
				w.st = w.textState()
				continue
			case c == '>':
				w.st = sText
			default:
				w.st = sBogus
			}
		case sTagName:
			if isSpace(c) || c == '/' || c == '>' {
				if !w.decided {
					var ok bool
					mark, ok = w.decide(p, mark, tagStart, i)
					if !ok {
						continue // back to lenient raw text, reconsume
					}
				}
				switch c {
				case '>':
					mark = w.complete(p, mark, i)
				case '/':
					w.st = sSelfClosing
				default:
					w.st = sBeforeAttrName
				}
				break
			}
			if w.lenient && !w.decided {
				// In lenient raw text only embeds are tags: the name is
				// given up at the first byte that leaves every embed's
				// name, and reading goes on from that byte as text.
				if w.nameLen >= 0 && w.nameLen < len(w.name) {
					w.name[w.nameLen] = lower(c)
					w.nameLen++
				}
				if w.nameLen < 0 || !embedPrefix(w.name[:w.nameLen]) {
					w.nameLen = -1
					mark, _ = w.decide(p, mark, tagStart, i)
					continue
				}
				break
			}
			// The rest of the name, up to white space, '/' or '>'.
			j := i
			for j < len(p) && !tagNameStop[p[j]] {
				j++
			}
			if w.nameLen >= 0 {
				if w.nameLen+j-i > len(w.name) {
					// Longer than any name of interest: decided now, so
					// that a long name is never held.
					w.nameLen = -1
					if !w.decided {
						var ok bool
						if mark, ok = w.decide(p, mark, tagStart, i); !ok {
							continue // back to lenient raw text
						}
					}
				} else {
					for _, b := range p[i:j] {
						if 'A' <= b && b <= 'Z' {
							b += 'a' - 'A'
						}
						w.name[w.nameLen] = b
						w.nameLen++
					}
				}
			}
			i = j
			continue
		case sBeforeAttrName, sAttrName, sAfterAttrName, sBeforeAttrValue,
			sAttrValueDQ, sAttrValueSQ, sAttrValueUnq, sAfterAttrValueQ, sSelfClosing:
			j, st := scanAttrs(p, i, w.st)
			w.st = st
			if j == len(p) {
				i = j
				continue
			}
			w.selfClosing = st == sSelfClosing
			mark = w.complete(p, mark, j)
			w.selfClosing = false
			i = j + 1
			continue

		case sMDO:
			if c == '-' {
				w.st = sMDODash
			} else {
				w.st = sBogus // DOCTYPE, CDATA and the rest end at '>'
				continue
			}
		case sMDODash:
			if c == '-' {
				w.st = sCommentStart
			} else {
				w.st = sBogus
				continue
			}
		case sCommentStart:
			switch c {
			case '-':
				w.st = sCommentStartDash
			case '>':
				w.st = sText
			default:
				w.st = sComment
				continue
			}
		case sCommentStartDash:
			switch c {
			case '-':
				w.st = sCommentEnd
			case '>':
				w.st = sText
			default:
				w.st = sComment
				continue
			}
		case sComment:
			k := bytes.IndexByte(p[i:], '-')
			if k < 0 {
				i = len(p)
				continue
			}
			i += k
			w.st = sCommentEndDash
		case sCommentEndDash:
			if c == '-' {
				w.st = sCommentEnd
			} else {
				w.st = sComment
				continue
			}
		case sCommentEnd:
			switch c {
			case '>':
				w.st = sText
			case '!':
				w.st = sCommentEndBang
			case '-':
			default:
				w.st = sComment
				continue
			}
		case sCommentEndBang:
			switch c {
			case '-':
				w.st = sCommentEndDash
			case '>':
				w.st = sText
			default:
				w.st = sComment
				continue
			}
		case sBogus:
			k := bytes.IndexByte(p[i:], '>')
			if k < 0 {
				i = len(p)
				continue
			}
			i += k
			w.st = sText

		case sRaw:
			k := bytes.IndexByte(p[i:], '<')
			if k < 0 {
				i = len(p)
				continue
			}
			i += k
			tagStart = i
			w.st = sRawLT
		case sRawLT:
			if !isLetter(c) || !w.lenient {
				w.release()
			}
			switch {
			case c == '/':
				w.st, w.match = sRawEnd, 0
			case w.lenient && isLetter(c):
				// Embeds are read as tags: some browsers load them.
				w.st, w.back = sTagOpen, sRaw
				continue
			default:
				w.st = sRaw
				continue
			}
		case sRawEnd:
			name := rawNames[w.raw]
			if w.match < len(name) {
				if c|0x20 == name[w.match] {
					w.match++
				} else {
					w.st = sRaw
					continue
				}
			} else if isSpace(c) || c == '/' || c == '>' {
				w.endTag, w.id, w.decided, w.nameLen = true, w.raw, true, -1
				w.st = sTagName
				continue
			} else {
				w.st = sRaw
				continue
			}

		case sScript:
			k := bytes.IndexByte(p[i:], '<')
			if k < 0 {
				i = len(p)
				continue
			}
			i += k
			tagStart = i
			w.st = sScriptLT
		case sScriptLT:
			if !isLetter(c) || !w.lenient {
				w.release()
			}
			switch {
			case c == '/':
				w.st, w.match = sScriptEnd, 0
			case c == '!':
				w.st = sScriptEscStart
			case w.lenient && isLetter(c):
				// A script inside <svg> or <math>: markup there.
				w.st, w.back = sTagOpen, sScript
				continue
			default:
				w.st = sScript
				continue
			}
		case sScriptEnd, sScriptEscEnd:
			back := sScript
			if w.st == sScriptEscEnd {
				back = sScriptEsc
			}
			if w.match < 6 {
				if c|0x20 == "script"[w.match] {
					w.match++
				} else {
					w.st = back
					continue
				}
			} else if isSpace(c) || c == '/' || c == '>' {
				w.endTag, w.id, w.decided, w.nameLen = true, tagScript, true, -1
				w.st = sTagName
				continue
			} else {
				w.st = back
				continue
			}
		case sScriptEscStart:
			if c == '-' {
				w.st = sScriptEscStartDash
			} else {
				w.st = sScript
				continue
			}
		case sScriptEscStartDash:
			if c == '-' {
				w.st = sScriptEscDashDash
			} else {
				w.st = sScript
				continue
			}
		case sScriptEsc:
			switch c {
			case '-':
				w.st = sScriptEscDash
			case '<':
				w.st, tagStart = sScriptEscLT, i
			}
		case sScriptEscDash:
			switch c {
			case '-':
				w.st = sScriptEscDashDash
			case '<':
				w.st, tagStart = sScriptEscLT, i
			default:
				w.st = sScriptEsc
			}
		case sScriptEscDashDash:
			switch c {
			case '-':
			case '<':
				w.st, tagStart = sScriptEscLT, i
			case '>':
				w.st = sScript
			default:
				w.st = sScriptEsc
			}
		case sScriptEscLT:
			if !isLetter(c) || !w.lenient {
				w.release()
			}
			switch {
			case c == '/':
				w.st, w.match = sScriptEscEnd, 0
			case isLetter(c) && w.lenient:
				// Inside <svg> or <math>, "-->" is not all that ends
				// a comment ("--!>" does too): embeds are read as tags.
				w.st, w.back = sTagOpen, sScriptEsc
				continue
			case isLetter(c):
				w.tmpLen = 0
				w.st = sScriptDblStart
				continue
			default:
				w.st = sScriptEsc
				continue
			}
		case sScriptDblStart, sScriptDblEnd:
			switch {
			case isSpace(c) || c == '/' || c == '>':
				isScript := string(w.tmp[:w.tmpLen]) == "script"
				if w.st == sScriptDblStart {
					w.st = sScriptEsc
					if isScript {
						w.st = sScriptDbl
					}
				} else {
					w.st = sScriptDbl
					if isScript {
						w.st = sScriptEsc
					}
				}
			case isLetter(c):
				if w.tmpLen < len(w.tmp) {
					w.tmp[w.tmpLen] = c | 0x20
					w.tmpLen++
				} else {
					w.tmp[0] = 0 // too long to be "script"
				}
			default:
				if w.st == sScriptDblStart {
					w.st = sScriptEsc
				} else {
					w.st = sScriptDbl
				}
				continue
			}
		case sScriptDbl:
			switch c {
			case '-':
				w.st = sScriptDblDash
			case '<':
				w.st, tagStart = sScriptDblLT, i
			}
		case sScriptDblDash:
			switch c {
			case '-':
				w.st = sScriptDblDashDash
			case '<':
				w.st, tagStart = sScriptDblLT, i
			default:
				w.st = sScriptDbl
			}
		case sScriptDblDashDash:
			switch c {
			case '-':
			case '<':
				w.st, tagStart = sScriptDblLT, i
			case '>':
				w.st = sScript
			default:
				w.st = sScriptDbl
			}
		case sScriptDblLT:
			if !isLetter(c) || !w.lenient {
				w.release()
			}
			switch {
			case c == '/':
				w.tmpLen = 0
				w.st = sScriptDblEnd
			case isLetter(c) && w.lenient:
				w.st, w.back = sTagOpen, sScriptDbl
				continue
			default:
				w.st = sScriptDbl
				continue
			}
		case sPlaintext:
			i = len(p)
			continue
		}
		i++
	}
	// End of p: keep what a tag being read needs.
	if w.holding && w.decided && w.id == tagTemplate && len(w.hold)+len(p)-mark > maxOwnTemplate {
		w.release() // longer than a placeholder's template tag
	}
	switch {
	case w.holding:
		if !w.overflow {
			if len(w.hold)+len(p)-mark > MaxTag {
				w.overflow = true
				w.hold = w.hold[:0]
			} else {
				w.hold = append(w.hold, p[mark:]...)
			}
		}
	case w.st == sTagOpen || w.st == sEndTagOpen || w.st == sTagName && !w.decided || (w.st == sRawLT || w.st == sScriptLT || w.st == sScriptEscLT || w.st == sScriptDblLT) && w.lenient:
		w.emit(p[mark:tagStart])
		w.hold = append(w.hold[:0], p[tagStart:]...)
		w.holding, w.decided = true, false
	default:
		w.emit(p[mark:])
	}
}

// Bytes that end an attribute name, and an unquoted attribute value.
var attrNameStop, unquotedStop, tagNameStop, spaces [256]bool

func init() {
	for _, c := range []byte("\t\n\f\r />") {
		tagNameStop[c] = true
	}
	for _, c := range []byte("\t\n\f\r ") {
		spaces[c] = true
	}
	for _, c := range []byte("\t\n\f\r />=") {
		attrNameStop[c] = true
	}
	for _, c := range []byte("\t\n\f\r >") {
		unquotedStop[c] = true
	}
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// embedPrefix reports whether name begins the name of an element that
// loads from elsewhere.
func embedPrefix(name []byte) bool {
	for _, n := range [...]string{"iframe", "frame", "embed", "object", "script"} {
		if len(name) <= len(n) && string(name) == n[:len(name)] {
			return true
		}
	}
	return false
}

// lookupTag returns the id of a lower-case tag name.
func lookupTag(name []byte) tagID {
	switch len(name) {
	case 3:
		if string(name) == "svg" {
			return tagSVG
		} else if string(name) == "xmp" {
			return tagXmp
		}
	case 4:
		if string(name) == "math" {
			return tagMath
		} else if string(name) == "link" {
			return tagLink
		}
	case 5:
		switch string(name) {
		case "frame":
			return tagFrame
		case "embed":
			return tagEmbed
		case "style":
			return tagStyle
		case "title":
			return tagTitle
		}
	case 6:
		switch string(name) {
		case "iframe":
			return tagIframe
		case "object":
			return tagObject
		case "script":
			return tagScript
		}
	case 7:
		if string(name) == "noembed" {
			return tagNoembed
		}
	case 8:
		switch string(name) {
		case "noframes":
			return tagNoframes
		case "textarea":
			return tagTextarea
		case "noscript":
			return tagNoscript
		case "template":
			return tagTemplate
		}
	case 9:
		if string(name) == "plaintext" {
			return tagPlaintext
		}
	}
	return tagOther
}

// scanAttrs reads a tag's attributes from p[i] in state st, with the
// tokenizer's rules, to the '>' that ends the tag. It returns the index
// of that '>' and the state it was read in (sSelfClosing for "/>"), or
// len(p) and the state to go on in.
func scanAttrs(p []byte, i int, st state) (int, state) {
	for i < len(p) {
		c := p[i]
		switch st {
		case sBeforeAttrName, sAfterAttrValueQ:
			switch {
			case spaces[c]:
				st = sBeforeAttrName
			case c == '/':
				st = sSelfClosing
			case c == '>':
				return i, st
			case st == sAfterAttrValueQ:
				st = sBeforeAttrName
				continue
			default:
				st = sAttrName
			}
		case sAttrName:
			for !attrNameStop[c] {
				if i++; i == len(p) {
					return i, st
				}
				c = p[i]
			}
			switch {
			case spaces[c]:
				st = sAfterAttrName
			case c == '/':
				st = sSelfClosing
			case c == '>':
				return i, st
			default: // '='
				st = sBeforeAttrValue
			}
		case sAfterAttrName:
			switch {
			case spaces[c]:
			case c == '/':
				st = sSelfClosing
			case c == '=':
				st = sBeforeAttrValue
			case c == '>':
				return i, st
			default:
				st = sAttrName
			}
		case sBeforeAttrValue:
			switch {
			case spaces[c]:
			case c == '"':
				st = sAttrValueDQ
			case c == '\'':
				st = sAttrValueSQ
			case c == '>':
				return i, st
			default:
				st = sAttrValueUnq
			}
		case sAttrValueDQ, sAttrValueSQ:
			q := byte('"')
			if st == sAttrValueSQ {
				q = '\''
			}
			k := bytes.IndexByte(p[i:], q)
			if k < 0 {
				return len(p), st
			}
			i += k
			st = sAfterAttrValueQ
		case sAttrValueUnq:
			for !unquotedStop[c] {
				if i++; i == len(p) {
					return i, st
				}
				c = p[i]
			}
			if c == '>' {
				return i, st
			}
			st = sBeforeAttrName
		case sSelfClosing:
			if c == '>' {
				return i, st
			}
			st = sBeforeAttrName
			continue
		}
		i++
	}
	return i, st
}

// textState is the state that reads what follows a tag or comment.
func (w *writer) textState() state {
	if w.lenient {
		return w.back
	}
	return sText
}

// resume returns the state that reads on after a tag read in lenient
// raw text. In escaped script text, "<script" starts double escaping
// as it would have had it not been read as a tag.
func (w *writer) resume() state {
	if w.back == sScriptEsc && w.id == tagScript && !w.endTag {
		return sScriptDbl
	}
	return w.back
}

// rawEndIn returns where, inside a held tag read in lenient raw text,
// reading must start again, or -1: where the raw text's end tag begins
// (browsers reading the raw text as text end it there), or where
// another embed's start tag begins (browsers reading it as markup may
// have been in a comment that the held tag began in, and see that one).
func (w *writer) rawEndIn(tag []byte) int {
	if !w.lenient {
		return -1
	}
	name := rawNames[w.raw]
	for k := 1; k+1 < len(tag); k++ {
		if tag[k] != '<' {
			continue
		}
		if tag[k+1] == '/' && k+2+len(name) <= len(tag) && bytes.EqualFold(tag[k+2:k+2+len(name)], []byte(name)) {
			return k
		}
		if embedStartAt(tag[k+1:]) {
			return k
		}
	}
	return -1
}

// embedStartAt reports whether b begins with the name of an element
// that loads from elsewhere, in any case, ended by white space, '/' or
// '>' or by the end of b.
func embedStartAt(b []byte) bool {
	for _, n := range [...]string{"iframe", "frame", "embed", "object", "script"} {
		if len(b) >= len(n) && bytes.EqualFold(b[:len(n)], []byte(n)) && (len(b) == len(n) || tagNameStop[b[len(n)]]) {
			return true
		}
	}
	return false
}

// harmless reports whether an unfinished start tag, judged as if it
// ended there, loads nothing blocked.
func (w *writer) harmless(id tagID, partial []byte) bool {
	assets, inTemplate, ids := w.assets, w.assetsInTemplate, w.ids
	_, d := w.process(nil, id, append(partial[:len(partial):len(partial)], '>'))
	w.assets, w.assetsInTemplate, w.ids = assets, inTemplate, ids
	return d == keep
}

// release writes through a held '<' or '</' that began no tag.
func (w *writer) release() {
	if w.holding {
		w.emit(w.hold)
		w.hold, w.holding = w.hold[:0], false
	}
}

func (w *writer) startName(end bool) {
	w.st, w.endTag, w.nameLen, w.decided, w.id = sTagName, end, 0, false, tagOther
}

// decide is called when the tag name ends at p[i]: it looks the name up
// and starts or stops holding the tag. ok is false when the tag is not
// read as one (in lenient raw text, only embeds are).
func (w *writer) decide(p []byte, mark, tagStart, i int) (int, bool) {
	w.decided = true
	w.id = tagOther
	if w.nameLen > 0 {
		w.id = lookupTag(w.name[:w.nameLen])
	}
	held := false
	if !w.endTag {
		switch w.id {
		case tagIframe, tagFrame, tagEmbed, tagObject:
			held = w.holdFrames
		case tagScript:
			held = w.holdScripts
		case tagLink:
			held = w.holdFrames || w.holdScripts
		case tagTemplate:
			// To see whether it is a placeholder's, from an earlier pass.
			held = (w.holdFrames || w.holdScripts) && !w.lenient
		}
		if w.own > 0 {
			held = false
		}
	}
	if w.lenient && !held {
		// Text to browsers with scripting; those without it ignore it
		// or load nothing from it.
		if w.holding {
			w.emit(w.hold)
			w.hold, w.holding = w.hold[:0], false
		}
		w.st = w.resume()
		return mark, false
	}
	switch {
	case held && !w.holding:
		w.emit(p[mark:tagStart])
		mark = tagStart
		w.holding = true
		w.hold = w.hold[:0]
	case !held && w.holding:
		w.emit(w.hold)
		w.hold, w.holding = w.hold[:0], false
	}
	return mark, true
}

// complete is called at the '>' ending a tag at p[i]; it returns the new
// mark.
func (w *writer) complete(p []byte, mark, i int) int {
	id, end := w.id, w.endTag
	next := sText
	if w.holding && id == tagTemplate && !w.overflow && len(w.hold)+i+1-mark > maxOwnTemplate {
		w.release() // longer than a placeholder's template tag: read on as any template
	}
	if w.holding {
		var tag []byte
		over := w.overflow || len(w.hold)+i+1-mark > MaxTag
		if !over {
			w.hold = append(w.hold, p[mark:i+1]...)
			tag = w.hold
		}
		mark = i + 1
		w.holding, w.overflow = false, false
		var d decision
		if over {
			d = removed
		} else if k := w.rawEndIn(tag); k >= 0 {
			// Browsers that read the raw text as text end it inside
			// this tag: what comes before is text to them and an
			// unfinished tag to others; keep it if it loads nothing
			// blocked, and read the rest again.
			rest := append([]byte(nil), tag[k:]...)
			if w.harmless(id, tag[:k]) {
				w.emit(tag[:k])
			}
			w.hold = w.hold[:0]
			w.st, w.match = w.back, 0
			w.feed(rest)
			return mark
		} else {
			w.out, d = w.process(w.out[:0], id, tag)
			w.emit(w.out)
			if id == tagTemplate {
				if !w.discard {
					w.templateDepth++
				}
				if hasAttr(tag, "data-privacy-embed") {
					w.own = 1
				}
			}
			if cap(w.out) > 4*MaxTag {
				w.out = nil
			}
		}
		w.hold = w.hold[:0]
		if cap(w.hold) > MaxTag+4096 {
			w.hold = nil
		}
		if w.lenient {
			// No raw text or dropped content inside lenient raw text.
			w.st = w.resume()
			return mark
		}
		switch {
		case d == placeholder || d == removed:
			switch id {
			case tagIframe, tagScript, tagObject:
				// The element's content and end tag go too.
				if !w.discard {
					w.discard, w.discardID, w.discardDepth = true, id, 0
				} else if w.discardID == tagObject && id == tagObject {
					w.discardDepth++
				}
			}
		case w.discard && w.discardID == tagObject && id == tagObject:
			w.discardDepth++
		}
		next = w.afterStart(id)
		w.st = next
		return mark
	}
	if end {
		if w.discard && id == w.discardID {
			if w.discardDepth > 0 {
				w.discardDepth--
			} else {
				w.emit(p[mark : i+1]) // dropped
				mark = i + 1
				w.discard = false
			}
		}
		switch id {
		case tagTemplate:
			if w.templateDepth > 0 && !w.discard {
				w.templateDepth--
			}
			w.own = max(w.own-1, 0)
		case tagSVG:
			w.svg = max(w.svg-1, 0)
		case tagMath:
			w.math = max(w.math-1, 0)
		}
		if w.lenient && id == w.raw {
			w.lenient = false
		}
		w.st = sText
		return mark
	}
	if w.lenient { // not reached: lenient raw text holds only embeds as tags
		w.st = w.resume()
		return mark
	}
	switch id {
	case tagTemplate:
		if !w.discard {
			w.templateDepth++
		}
		if w.own > 0 {
			w.own++
		}
	case tagObject:
		if w.discard && w.discardID == tagObject {
			w.discardDepth++
		}
	case tagSVG:
		if !w.selfClosing {
			w.svg++
		}
	case tagMath:
		if !w.selfClosing {
			w.math++
		}
	}
	w.st = w.afterStart(id)
	return mark
}

// afterStart returns the state that reads the content of an element
// whose start tag has just ended.
func (w *writer) afterStart(id tagID) state {
	if w.svg+w.math > 0 {
		if id == tagScript {
			// Script data as in HTML, with embeds read as tags.
			w.raw, w.lenient = id, true
			return sScript
		}
		switch id {
		case tagIframe, tagStyle, tagXmp, tagNoembed, tagNoframes, tagTitle, tagTextarea, tagNoscript, tagPlaintext:
			// Markup in <svg> and <math>, raw text once a tag there has
			// broken out of them: read leniently, right both ways.
			w.raw, w.match, w.lenient = id, 0, true
			return sRaw
		}
	}
	switch id {
	case tagScript:
		return sScript
	case tagIframe, tagStyle, tagXmp, tagNoembed, tagNoframes, tagTitle, tagTextarea:
		w.raw, w.match = id, 0
		return sRaw
	case tagNoscript:
		w.raw, w.match, w.lenient = id, 0, true
		return sRaw
	case tagPlaintext:
		return sPlaintext
	}
	return sText
}

// Close writes through an unfinished tag that cannot be an embed (judged
// as if it ended at the end of the input) and drops one that could be;
// browsers drop a tag cut off by the end of the document either way. The writer must not be used after Close.
func (w *writer) Close() error {
	if w.closed {
		return ErrClosed
	}
	w.closed = true
	for w.holding && !w.overflow && w.decided {
		k := w.rawEndIn(w.hold)
		if k < 0 {
			break
		}
		// As in complete: browsers reading the raw text as text end it
		// inside this tag.
		rest := append([]byte(nil), w.hold[k:]...)
		if w.harmless(w.id, w.hold[:k]) {
			w.emit(w.hold[:k])
		}
		w.hold, w.holding = w.hold[:0], false
		w.st, w.match = w.back, 0
		w.feed(rest)
	}
	if w.holding && !w.overflow {
		if !w.decided {
			w.emit(w.hold)
		} else if w.harmless(w.id, w.hold) {
			// Judged as if it ended here, it loads nothing blocked.
			w.emit(w.hold)
		}
	}
	w.hold, w.out, w.holding = nil, nil, false
	return w.err
}
