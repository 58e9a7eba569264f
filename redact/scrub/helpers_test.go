package scrub

import (
	"os"
	"path/filepath"
	"testing"
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

// corpusPath returns the shared Apache log corpus, found from the module
// root, or skips the test.
func corpusPath(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found above the package; cannot locate ../shared/corpus")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "corpus", "apache_logs")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("corpus not available (%v); it lives in ../shared/corpus next to the project checkout", err)
	}
	return p
}
