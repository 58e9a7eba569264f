package scrub

import (
	"testing"

	"github.com/caddy-privacy/caddy-privacy/internal/corpustest"
)

// fakeText stands in for the detectors: it replaces every
// local@domain run with "[email]" and allocates nothing when there is
// none.
func fakeText(dst, src []byte) []byte {
	for {
		at := -1
		for i, c := range src {
			if c == '@' {
				at = i
				break
			}
		}
		if at < 0 {
			return append(dst, src...)
		}
		l := at
		for l > 0 && isLocalByte(src[l-1]) {
			l--
		}
		r := at + 1
		for r < len(src) && isDomainByte(src[r]) {
			r++
		}
		if l == at || r == at+1 {
			dst = append(dst, src[:at+1]...)
			src = src[at+1:]
			continue
		}
		dst = append(dst, src[:l]...)
		dst = append(dst, "[email]"...)
		src = src[r:]
	}
}

func isDomainByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-'
}

func isLocalByte(c byte) bool { return isDomainByte(c) || c == '_' || c == '+' || c == '%' }

// corpusPath returns the shared Apache log, skipping the test without it.
func corpusPath(t testing.TB) string {
	t.Helper()
	return corpustest.Path(t, corpustest.ApacheLogs)
}
