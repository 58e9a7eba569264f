package redact

import (
	"bytes"

	"github.com/caddy-privacy/caddy-privacy/internal/percent"
	"github.com/caddy-privacy/caddy-privacy/redact/names"
	"github.com/caddy-privacy/caddy-privacy/redact/shape"
)

// Free text is not only words: error messages, plain-text log lines and
// beacon properties carry URLs, request targets, query strings and
// key=value pairs, whose identifiers the detectors alone cannot see (a
// token has no shape to detect; its parameter name says what it is).
// AppendText therefore splits text into tokens at white space and quotes,
// scrubs each token that has a URL's structure with the URL rules, and
// passes the text between them through the detectors.

// Byte classes of the token scan.
const (
	classTrigger = 1 << iota // without one, a token has no URL structure
	classDelim               // ends a token
	classLetter
)

var textClass = func() (t [256]uint8) {
	for _, c := range []byte("=?/") {
		t[c] = classTrigger
	}
	for _, c := range []byte(" \t\n\r\"'<>`") {
		t[c] = classDelim
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = classLetter
		t[c-'a'+'A'] = classLetter
	}
	return t
}()

// trailingPunct is punctuation that ends a sentence rather than a URL.
var trailingPunct = [256]bool{'.': true, ',': true, ';': true, ':': true, '!': true, ')': true, ']': true, '}': true}

// minShapeToken is the shortest token judged by its shape in free text:
// shorter ones are words, codes and numbers the detectors judge.
const minShapeToken = 10

// randomLooking reports whether a free-text token could be a generated
// secret rather than a reference a person reads out: 16 bytes or more,
// both cases of letters, or hex letters and digits (a12f09c3e4b7, as the
// URL scrubber also judges it). Order and invoice numbers (INV-0074971,
// PO00000716328) stay in prose; in a URL path or query, where sites put
// the ids that join requests to people, they are ids.
func randomLooking(tok []byte) bool {
	if len(tok) >= 16 {
		return true
	}
	var upper, lower, digit, nonHex bool
	for _, c := range tok {
		upper = upper || 'A' <= c && c <= 'Z'
		lower = lower || 'a' <= c && c <= 'z'
		digit = digit || '0' <= c && c <= '9'
		nonHex = nonHex || !percent.IsHex(c)
	}
	return upper && lower || !nonHex && digit && (upper || lower)
}

// redactedTag replaces a token that is an identifier by its shape, as the
// URL scrubber replaces such a query value.
const redactedTag = "[redacted]"

// AppendText appends free text with its structure scrubbed and every
// identifier replaced:
//
//   - a URL (scheme://…), a path (/…) or a token with a query (…?a=b) is
//     scrubbed as a URL: identifying parameters removed, ids in the path
//     tagged, the rest through the detectors;
//   - a key=value token, or a run of them joined by '&', is scrubbed as a
//     query string;
//   - a token that looks generated (16 bytes or more, or 10 or more in
//     both cases or in hex) and is an identifier by its shape (a random token, long
//     hex, a UUID) becomes "[redacted]", whatever its name: the detectors
//     cannot know a session id or an API key, but its shape gives it away;
//   - everything else goes through the detectors, whole, so that an
//     identifier written with spaces (07700 900123) is still found, and
//     then through the name detector, which needs a first name with a
//     surname or a title ("Dear Morwenna Tregothnan"; a lone "emily" in
//     prose stays).
func (r *Redactor) AppendText(dst, src []byte) []byte {
	return r.cleanText.append(dst, src, r.appendText)
}

func (r *Redactor) appendText(dst, src []byte) []byte {
	plain := 0 // start of the text not yet written
	for start := 0; start < len(src); {
		var seen uint8
		end := start
		for end < len(src) && textClass[src[end]]&classDelim == 0 {
			seen |= textClass[src[end]]
			end++
		}
		if seen&(classTrigger|classLetter) == 0 || end-start < 2 {
			start = end + 1
			continue
		}
		tok := src[start:end]
		for len(tok) > 0 && trailingPunct[tok[len(tok)-1]] {
			tok = tok[:len(tok)-1]
		}
		kind := tokenPlain
		switch {
		case seen&classTrigger != 0:
			kind = kindOf(tok)
		case len(tok) >= minShapeToken && randomLooking(tok) && shape.IsID(tok):
			kind = tokenID
		}
		if kind != tokenPlain {
			dst = r.appendPlain(dst, src[plain:start])
			switch kind {
			case tokenURL:
				dst = r.URL.Append(dst, tok)
			case tokenQuery:
				dst = r.URL.AppendQuery(dst, tok)
			case tokenID:
				dst = append(dst, redactedTag...)
			}
			plain = start + len(tok)
		}
		start = end + 1
	}
	return r.appendPlain(dst, src[plain:])
}

// appendPlain appends text without URL structure through the detectors,
// and then, unless the name detector is off, with person names (a first
// name and a surname, or a title and a name) replaced.
func (r *Redactor) appendPlain(dst, src []byte) []byte {
	mark := len(dst)
	dst = r.Text.AppendRedacted(dst, src)
	if !r.findNames || bytes.IndexByte(src, ' ') < 0 {
		return dst // a name in prose is two words or more
	}
	if _, _, ok := names.Find(dst[mark:]); !ok {
		return dst
	}
	end := len(dst)
	dst = names.AppendRedacted(dst, dst[mark:end])
	n := copy(dst[mark:], dst[end:])
	return dst[:mark+n]
}

type tokenKind uint8

const (
	tokenPlain tokenKind = iota
	tokenURL             // a URL, a path or a target with a query
	tokenQuery           // key=value pairs
	tokenID              // an identifier by its shape
)

// kindOf says what structure tok has.
func kindOf(tok []byte) tokenKind {
	if len(tok) < 2 {
		return tokenPlain
	}
	if tok[0] == '/' {
		if tok[1] == '/' {
			// Protocol-relative (//host/path) or a comment marker.
			if len(tok) > 2 && isNameByte(tok[2]) {
				return tokenURL
			}
			return tokenPlain
		}
		return tokenURL
	}
	if schemeEnd(tok) > 0 {
		return tokenURL
	}
	if q := bytes.IndexByte(tok, '?'); q > 0 && q+1 < len(tok) && isParam(tok[q+1:]) {
		return tokenURL
	}
	if isParam(tok) {
		return tokenQuery
	}
	return tokenPlain
}

// schemeEnd returns the length of a leading "scheme://", or 0.
func schemeEnd(tok []byte) int {
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case c == ':' && i > 0 && len(tok) > i+2 && tok[i+1] == '/' && tok[i+2] == '/':
			return i + 3
		default:
			return 0
		}
	}
	return 0
}

// isParam reports whether s starts with name=value, where name looks like
// a parameter name and value is not base64 padding (abc== is a token, and
// the detectors judge it whole).
func isParam(s []byte) bool {
	eq := bytes.IndexByte(s, '=')
	if eq <= 0 || eq+1 >= len(s) || s[eq+1] == '=' {
		return false
	}
	for _, c := range s[:eq] {
		if !isNameByte(c) && c != '[' && c != ']' && c != '%' {
			return false
		}
	}
	return true
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.'
}
