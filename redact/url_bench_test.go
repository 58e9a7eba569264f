package redact_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/internal/corpustest"
)

// BenchmarkAppendURLCorpus scrubs the request targets of the shared Apache
// log with the default policy and the real detectors; ns/op is per target.
func BenchmarkAppendURLCorpus(b *testing.B) {
	f, err := os.Open(corpustest.Path(b, corpustest.ApacheLogs))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var targets [][]byte
	var size int64
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), `"`)
		if len(fields) < 2 {
			continue
		}
		if req := strings.Fields(fields[1]); len(req) == 3 {
			targets = append(targets, []byte(req[1]))
			size += int64(len(req[1]))
		}
	}
	r := newRedactor(b, `{}`)
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.SetBytes(size / int64(len(targets)))
	i := 0
	for b.Loop() {
		dst = r.AppendURL(dst[:0], targets[i])
		if i++; i == len(targets) {
			i = 0
		}
	}
}
