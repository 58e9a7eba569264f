package logs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"testing"
)

// BenchmarkAppendLine measures this package's own cost per format, with an
// engine that does next to nothing.
func BenchmarkAppendLine(b *testing.B) {
	for _, bc := range []struct {
		f    Format
		line string
	}{
		{FormatCaddyJSON, caddyLine},
		{FormatCombined, corpusLine},
		{FormatText, corpusLine},
		{FormatAuto, caddyLine},
	} {
		b.Run(bc.f.String(), func(b *testing.B) {
			s := NewSanitizer(cheapEngine{}, bc.f)
			line := []byte(bc.line)
			dst := make([]byte, 0, 2*len(line))
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for b.Loop() {
				dst = s.AppendLine(dst[:0], line)
			}
		})
	}
}

// BenchmarkJSONBaseline is the obvious way to rewrite a JSON line, for
// comparison with BenchmarkAppendLine/caddy-json: encoding/json into a map,
// a walk that copies every string, and back. It does less than AppendLine
// (no rules by key), so the ratio flatters it.
func BenchmarkJSONBaseline(b *testing.B) {
	line := []byte(caddyLine)
	var walk func(v any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case string:
			return string(cheapEngine{}.AppendText(nil, []byte(v)))
		case []any:
			for i := range v {
				v[i] = walk(v[i])
			}
		case map[string]any:
			for k := range v {
				v[k] = walk(v[k])
			}
		}
		return v
	}
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(walk(m)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFilter runs the corpus, repeated to about 50 MB, through 1 and
// 2 workers, with the fake engine whose detectors scan every byte.
// Compare runs interleaved (-count) on an idle machine.
func BenchmarkFilter(b *testing.B) {
	c := corpus(b)
	in := bytes.Repeat(c, 50<<20/len(c))
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			s := NewSanitizer(fakeEngine{}, FormatCombined)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				if _, err := Filter(context.Background(), io.Discard, bytes.NewReader(in), s, FilterOptions{Workers: workers}); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time per op shows the cost of parallelism on a machine
			// too busy for wall time to show its gain.
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
