package scrub

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
)

// corpusTargets returns the request targets of the shared Apache log, in
// order, duplicates included.
func corpusTargets(tb testing.TB) [][]byte {
	tb.Helper()
	f, err := os.Open(corpusPath(tb))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), `"`)
		if len(fields) < 2 {
			continue
		}
		if req := strings.Fields(fields[1]); len(req) == 3 {
			out = append(out, []byte(req[1]))
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkURLAppendCorpus scrubs every request target of the shared
// Apache log once per iteration; ns/op is per target.
func BenchmarkURLAppendCorpus(b *testing.B) {
	targets := corpusTargets(b)
	u := mustURL(b, config.URLPolicy{})
	var size int64
	for _, t := range targets {
		size += int64(len(t))
	}
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.SetBytes(size / int64(len(targets)))
	i := 0
	for b.Loop() {
		dst = u.Append(dst[:0], targets[i])
		if i++; i == len(targets) {
			i = 0
		}
	}
}
