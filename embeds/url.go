package embeds

import (
	"strings"

	"golang.org/x/net/idna"
)

// target is an http(s) URL as a browser would load it.
type target struct {
	host  string // lower case, without port or trailing dot
	path  string // '\' made '/', case kept
	query string // without '?'
}

// parseTarget reads an attribute value (already entity-decoded) the way
// a browser's URL parser would for a frame or script: it strips the
// white space and control characters browsers ignore, accepts "http:",
// "https:" and scheme-relative "//" URLs with '/' or '\' as slashes, and
// percent-decodes and IDNA-maps the host. ok is false for relative URLs
// (same site) and other schemes (data:, javascript:, about:, blob:).
func parseTarget(s string) (t target, ok bool) {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	}
	scheme := false
	if i := schemeEnd(s); i > 0 {
		switch strings.ToLower(s[:i]) {
		case "http", "https":
			scheme = true
			s = s[i+1:]
		default:
			return t, false
		}
	}
	slashes := 0
	for slashes < len(s) && (s[slashes] == '/' || s[slashes] == '\\') {
		slashes++
	}
	// "https:host" is read as a host too: it is one unless the page is
	// itself https, and judging it as one fails closed.
	if !scheme && slashes < 2 {
		return t, false
	}
	s = s[slashes:]
	end := strings.IndexAny(s, "/\\?#")
	if end < 0 {
		end = len(s)
	}
	host := s[:end]
	rest := s[end:]
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i > 0 {
			host = host[:i+1]
		}
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	t.host = normalizeHost(host)
	if h := strings.IndexByte(rest, '#'); h >= 0 {
		rest = rest[:h]
	}
	path, query, _ := cut(rest, '?')
	t.path = strings.ReplaceAll(path, "\\", "/")
	t.query = query
	return t, t.host != ""
}

// schemeEnd returns the index of the ':' ending a URL scheme, or -1.
func schemeEnd(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case c == ':' && i > 0:
			return i
		default:
			return -1
		}
	}
	return -1
}

func normalizeHost(h string) string {
	if strings.IndexByte(h, '%') >= 0 {
		h = percentDecode(h)
	}
	ascii := true
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		h = strings.ToLower(h)
	} else if a, err := idna.Lookup.ToASCII(h); err == nil {
		h = a
	} else if a, err := idna.Punycode.ToASCII(strings.ToLower(h)); err == nil {
		h = a
	}
	return strings.TrimRight(h, ".")
}

func percentDecode(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && unhex(s[i+1]) >= 0 && unhex(s[i+2]) >= 0 {
			b = append(b, byte(unhex(s[i+1])<<4|unhex(s[i+2])))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// lookup returns the index of the provider whose frames (or scripts)
// load from t, or -1.
func (r *Rewriter) lookup(t target, script bool) int {
	if p := matchRefs(r.exact[t.host], t, script); p >= 0 {
		return p
	}
	for h := t.host; ; {
		i := strings.IndexByte(h, '.')
		if i < 0 {
			return -1
		}
		h = h[i+1:]
		if p := matchRefs(r.wild[h], t, script); p >= 0 {
			return p
		}
	}
}

func matchRefs(refs []ruleRef, t target, script bool) int {
	for _, ref := range refs {
		if ref.script != script {
			continue
		}
		if ref.path == "" || hasPrefixFold(t.path, ref.path) {
			return ref.prov
		}
	}
	return -1
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// lookupAny returns the index of the provider whose frames or scripts
// load from t's host (any path), or -1.
func (r *Rewriter) lookupAny(t target) int {
	t.path = "/"
	for _, script := range []bool{false, true} {
		if p := r.lookup(t, script); p >= 0 {
			return p
		}
	}
	// Rules with a path (www.google.com/maps) match the host alone too.
	for i := range r.provs {
		for _, h := range append(r.provs[i].frames, r.provs[i].scripts...) {
			if h.path != "" && (h.host == t.host || h.wildcard && strings.HasSuffix(t.host, "."+h.host)) {
				return i
			}
		}
	}
	return -1
}
