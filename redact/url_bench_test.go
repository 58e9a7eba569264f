package redact_test

import (
	"testing"

	"github.com/caddy-privacy/caddy-privacy/internal/corpustest"
)

// BenchmarkAppendURLCorpus scrubs the request targets of the shared Apache
// log with the default policy and the real detectors; ns/op is per target.
// It calls the scrubber itself, not AppendURL, whose memory of clean URLs
// would make the repeated corpus look cheaper than new traffic.
func BenchmarkAppendURLCorpus(b *testing.B) {
	var targets [][]byte
	var size int64
	for _, u := range corpustest.URLs(b, false) {
		targets = append(targets, []byte(u))
		size += int64(len(u))
	}
	r := newRedactor(b, `{}`)
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.SetBytes(size / int64(len(targets)))
	i := 0
	for b.Loop() {
		dst = r.URL.Append(dst[:0], targets[i])
		if i++; i == len(targets) {
			i = 0
		}
	}
}
