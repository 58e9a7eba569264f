package beacon

import (
	"bytes"
	"strings"

	"github.com/caddy-privacy/caddy-privacy/internal/percent"
)

// mediaType checks a Content-Type against the accepted media types and
// returns the one found, in lower case. A charset other than UTF-8 (or its
// subset US-ASCII) is refused: values are decoded as UTF-8. Other
// parameters are ignored.
func mediaType(ct string, accepted ...string) (string, error) {
	if ct == "" {
		return "", nil
	}
	mt, params, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return "", errorf(Malformed, "Content-Type cannot be parsed")
		}
		if !strings.EqualFold(strings.TrimSpace(k), "charset") {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		if !strings.EqualFold(v, "utf-8") && !strings.EqualFold(v, "utf8") && !strings.EqualFold(v, "us-ascii") {
			return "", errorf(Malformed, "Content-Type charset is not UTF-8")
		}
	}
	for _, a := range accepted {
		if strings.EqualFold(mt, a) {
			return a, nil
		}
	}
	// The client's value is not repeated: it is input.
	return "", errorf(Malformed, "Content-Type is not one the vendor sends (%s)", strings.Join(accepted, ", "))
}

// contentTypeOut is the Content-Type sent with a rewritten body.
func contentTypeOut(mt string) string {
	switch mt {
	case "application/x-www-form-urlencoded":
		return "application/x-www-form-urlencoded;charset=UTF-8"
	case "text/plain", "":
		return "text/plain;charset=UTF-8"
	}
	return mt
}

// cutByte splits s at the first c.
func cutByte(s []byte, c byte) (before, after []byte) {
	if i := bytes.IndexByte(s, c); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, nil
}

// unescape appends the form-decoding of s (%XX escapes, + as space) to
// dst. ok is false for a malformed escape.
func unescape(dst, s []byte) (_ []byte, ok bool) { return percent.AppendDecode(dst, s, true) }

// componentSafe are the bytes encodeURIComponent leaves alone.
var componentSafe = percent.Safe("-_.!~*'()")

// appendEscaped appends s percent-encoded as encodeURIComponent does,
// which is how the vendors' scripts encode parameters.
func appendEscaped(dst, s []byte) []byte { return percent.AppendEncode(dst, s, &componentSafe, false) }
