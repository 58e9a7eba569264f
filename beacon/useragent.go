package beacon

import "bytes"

// reducedUA are User-Agent strings in the reduced form browsers send
// since Chrome's User-Agent Reduction and Firefox's and Safari's frozen
// platform versions: everything but the family, its major version (the
// M) and the OS family is a constant, so nothing in them tells one
// visitor from another. Vendors parse these as they parse real ones.
var reducedUA = []struct {
	family, os string
	template   string
}{
	{"Chrome", "Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/M.0.0.0 Safari/537.36"},
	{"Chrome", "macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/M.0.0.0 Safari/537.36"},
	{"Chrome", "Linux", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/M.0.0.0 Safari/537.36"},
	{"Chrome", "ChromeOS", "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/M.0.0.0 Safari/537.36"},
	{"Chrome", "Android", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/M.0.0.0 Mobile Safari/537.36"},
	{"Edge", "Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/M.0.0.0 Safari/537.36 Edg/M.0.0.0"},
	{"Edge", "macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/M.0.0.0 Safari/537.36 Edg/M.0.0.0"},
	{"Edge", "Linux", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/M.0.0.0 Safari/537.36 Edg/M.0.0.0"},
	{"Edge", "Android", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/M.0.0.0 Mobile Safari/537.36 EdgA/M.0.0.0"},
	{"Firefox", "Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:M.0) Gecko/20100101 Firefox/M.0"},
	{"Firefox", "macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:M.0) Gecko/20100101 Firefox/M.0"},
	{"Firefox", "Linux", "Mozilla/5.0 (X11; Linux x86_64; rv:M.0) Gecko/20100101 Firefox/M.0"},
	{"Firefox", "Android", "Mozilla/5.0 (Android 10; Mobile; rv:M.0) Gecko/M.0 Firefox/M.0"},
	{"Safari", "macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/M.0 Safari/605.1.15"},
	// Safari's major version is the iOS major version.
	{"Safari", "iOS", "Mozilla/5.0 (iPhone; CPU iPhone OS M_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/M.0 Mobile/15E148 Safari/604.1"},
}

// AppendReducedUserAgent appends the reduced User-Agent for a generalised
// one such as "Chrome/120 (Windows)" (the form redact's user-agent
// scrubber writes): the string that browser family, major version and OS
// send under User-Agent Reduction, which vendors' parsers read. A
// generalised form with no reduced equivalent (another family, a bot, no
// version) is appended as it is; so is anything not in that form.
func AppendReducedUserAgent(dst, generalised []byte) []byte {
	family, rest, ok := bytes.Cut(generalised, []byte{'/'})
	if !ok {
		return append(dst, generalised...)
	}
	major, os, ok := bytes.Cut(rest, []byte(" ("))
	if !ok || len(major) == 0 || len(major) > 4 || len(os) < 2 || os[len(os)-1] != ')' {
		return append(dst, generalised...)
	}
	for _, c := range major {
		if !isDigit(c) {
			return append(dst, generalised...)
		}
	}
	os = os[:len(os)-1]
	for _, r := range reducedUA {
		if string(family) != r.family || string(os) != r.os {
			continue
		}
		t := r.template
		for k := 0; k < len(t); k++ {
			// The M that stands for the version follows '/', ':' or a
			// space and precedes '.' or '_'; other Ms are text.
			if t[k] == 'M' && k > 0 && k+1 < len(t) && (t[k-1] == '/' || t[k-1] == ':' || t[k-1] == ' ') &&
				(t[k+1] == '.' || t[k+1] == '_') {
				dst = append(dst, major...)
				continue
			}
			dst = append(dst, t[k])
		}
		return dst
	}
	return append(dst, generalised...)
}
