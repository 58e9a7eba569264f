package redact

import "bytes"

// Free text is not only words: error messages, plain-text log lines and
// beacon properties carry URLs, request targets, query strings and
// key=value pairs, whose identifiers the detectors alone cannot see (a
// token has no shape to detect; its parameter name says what it is).
// AppendText therefore splits text into tokens at white space and quotes,
// scrubs each token that has a URL's structure with the URL rules, and
// passes the text between them through the detectors.

// trigger marks the bytes without which a token has no URL structure.
var trigger = [256]bool{'=': true, '?': true, '/': true}

// isDelim marks the bytes that end a token.
var isDelim = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, '"': true, '\'': true, '<': true, '>': true, '`': true}

// trailingPunct is punctuation that ends a sentence rather than a URL.
var trailingPunct = [256]bool{'.': true, ',': true, ';': true, ':': true, '!': true, ')': true, ']': true, '}': true}

// AppendText appends free text with its structure scrubbed and every
// identifier replaced:
//
//   - a URL (scheme://…), a path (/…) or a token with a query (…?a=b) is
//     scrubbed as a URL: identifying parameters removed, ids in the path
//     tagged, the rest through the detectors;
//   - a key=value token, or a run of them joined by '&', is scrubbed as a
//     query string;
//   - everything else goes through the detectors, whole, so that an
//     identifier written with spaces (07700 900123) is still found.
func (r *Redactor) AppendText(dst, src []byte) []byte {
	i := 0
	for i < len(src) && !trigger[src[i]] {
		i++
	}
	if i == len(src) {
		return r.Text.AppendRedacted(dst, src)
	}
	plain := 0 // start of the text not yet written
	for i < len(src) {
		if !trigger[src[i]] {
			i++
			continue
		}
		start, end := i, i
		for start > plain && !isDelim[src[start-1]] {
			start--
		}
		for end < len(src) && !isDelim[src[end]] {
			end++
		}
		tok := src[start:end]
		for len(tok) > 0 && trailingPunct[tok[len(tok)-1]] {
			tok = tok[:len(tok)-1]
		}
		kind := kindOf(tok)
		if kind == tokenPlain {
			i = end
			continue
		}
		dst = r.Text.AppendRedacted(dst, src[plain:start])
		switch kind {
		case tokenURL:
			dst = r.URL.Append(dst, tok)
		case tokenQuery:
			dst = r.URL.AppendQuery(dst, tok)
		}
		plain = start + len(tok)
		i = end
	}
	return r.Text.AppendRedacted(dst, src[plain:])
}

type tokenKind uint8

const (
	tokenPlain tokenKind = iota
	tokenURL             // a URL, a path or a target with a query
	tokenQuery           // key=value pairs
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
