package main

import (
	"bytes"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/logs"
	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"

	"github.com/caddy-privacy/caddy-privacy/internal/corpustest"
)

// BenchmarkSanitizeCorpus runs the real engine, default policy, over the
// real combined log, line by line on one goroutine.
func BenchmarkSanitizeCorpus(b *testing.B) {
	corpus := corpustest.Read(b, corpustest.ApacheLogs)
	p := config.Default()
	p.GeoIP.Database = countrytest.WriteMaxMind(b, b.TempDir(), map[string]string{"83.149.9.0/24": "RU", "66.249.0.0/16": "US"})
	eng, _, err := newEngine(engineOptions{Policy: p})
	if err != nil {
		b.Fatal(err)
	}
	s := logs.NewSanitizer(eng, logs.FormatCombined)
	lines := bytes.Split(bytes.TrimSuffix(corpus, []byte("\n")), []byte("\n"))
	b.SetBytes(int64(len(corpus)))
	b.ReportAllocs()
	dst := make([]byte, 0, 4096)
	for i := 0; i < b.N; i++ {
		for _, line := range lines {
			dst = s.AppendLine(dst[:0], line)
		}
	}
}
