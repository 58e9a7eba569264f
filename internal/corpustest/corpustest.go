// Package corpustest finds the shared test corpus for the project's tests
// and benchmarks. The corpus is real log data kept beside the module, in
// ../shared/corpus from the module root; a user's checkout has none, so
// tests that need it skip.
package corpustest

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// TB is what Path needs of a *testing.T, *testing.B or *testing.F.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// ApacheLogs is the real Apache combined log of the corpus: 10,000 lines.
const ApacheLogs = "apache_logs"

// Find returns the path of the named corpus file and whether it exists,
// for benchmarks that use the corpus when it is there and go on without.
func Find(name string) (string, bool) {
	// This file sits two levels below the module root.
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", false
	}
	path := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "corpus", name)
	_, err := os.Stat(path)
	return path, err == nil
}

// Path returns the path of the named corpus file, or skips the test when
// the corpus is absent.
func Path(tb TB, name string) string {
	tb.Helper()
	path, ok := Find(name)
	if !ok {
		tb.Skipf("test corpus %s not available; it lives beside the module, in ../shared/corpus, and is not part of a user's checkout", name)
	}
	return path
}

// Read returns the content of the named corpus file, or skips the test
// when the corpus is absent.
func Read(tb TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(Path(tb, name))
	if err != nil {
		tb.Fatalf("reading the corpus: %v", err)
	}
	return b
}

// URLs returns the request targets of the Apache log, in order, and with
// referers set, each line's referer after its target ("-" included), or
// skips the test when the corpus is absent.
func URLs(tb TB, referers bool) []string {
	tb.Helper()
	var out []string
	for _, line := range strings.Split(string(Read(tb, ApacheLogs)), "\n") {
		fields := strings.Split(line, `"`)
		if len(fields) < 2 || referers && len(fields) < 6 {
			continue
		}
		if req := strings.Fields(fields[1]); len(req) == 3 {
			out = append(out, req[1])
		}
		if referers {
			out = append(out, fields[3])
		}
	}
	return out
}
