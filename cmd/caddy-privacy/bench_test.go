package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

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

// BenchmarkSanitizeLoggen runs the real engine, default policy, with the
// real country database, over bench/loggen output, line by line on one
// goroutine: the in-process side of bench/pipe.sh, for CPU profiles.
//
//	go run ./bench/loggen -format combined -size 15 >/tmp/c.log
//	go run ./bench/loggen -format json -size 15 >/tmp/j.json
//	CADDY_PRIVACY_BENCH_COMBINED=/tmp/c.log CADDY_PRIVACY_BENCH_JSON=/tmp/j.json \
//	  go test -run '^$' -bench SanitizeLoggen -benchtime 1x -count 5 ./cmd/caddy-privacy/
//
// With -benchtime 1x each op is one cold pass over lines never seen.
// CADDY_PRIVACY_BENCH_DB names the database (default: the one 'make geoip'
// fetched).
func BenchmarkSanitizeLoggen(b *testing.B) {
	db := os.Getenv("CADDY_PRIVACY_BENCH_DB")
	if db == "" {
		home, _ := os.UserHomeDir()
		db = filepath.Join(home, ".cache", "caddy-privacy", "geo-whois-asn-country.mmdb")
	}
	if _, err := os.Stat(db); err != nil {
		b.Skipf("no country database: %v", err)
	}
	for _, bc := range []struct {
		name, env string
		f         logs.Format
	}{
		{"combined", "CADDY_PRIVACY_BENCH_COMBINED", logs.FormatCombined},
		{"caddy-json", "CADDY_PRIVACY_BENCH_JSON", logs.FormatCaddyJSON},
	} {
		b.Run(bc.name, func(b *testing.B) {
			name := os.Getenv(bc.env)
			if name == "" {
				b.Skipf("set %s to a bench/loggen file", bc.env)
			}
			in, err := os.ReadFile(name)
			if err != nil {
				b.Fatal(err)
			}
			p := config.Default()
			p.GeoIP.Database = db
			eng, _, err := newEngine(engineOptions{Policy: p})
			if err != nil {
				b.Fatal(err)
			}
			defer closeEngine(eng)
			s := logs.NewSanitizer(eng, bc.f)
			lines := bytes.Split(bytes.TrimSuffix(in, []byte("\n")), []byte("\n"))
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			dst := make([]byte, 0, 4096)
			for b.Loop() {
				for _, line := range lines {
					dst = s.AppendLine(dst[:0], line)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/line")
		})
	}
}

// BenchmarkFilterLoggen is BenchmarkSanitizeLoggen through logs.Filter with
// 1 and 2 workers, as the CLI runs it (blocks, ordered output to
// io.Discard), reporting the CPU time per line of the whole process, so
// that the cost of a second worker shows on a busy machine.
func BenchmarkFilterLoggen(b *testing.B) {
	db := os.Getenv("CADDY_PRIVACY_BENCH_DB")
	if db == "" {
		home, _ := os.UserHomeDir()
		db = filepath.Join(home, ".cache", "caddy-privacy", "geo-whois-asn-country.mmdb")
	}
	name := os.Getenv("CADDY_PRIVACY_BENCH_COMBINED")
	if name == "" {
		b.Skip("set CADDY_PRIVACY_BENCH_COMBINED to a bench/loggen file")
	}
	in, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.Count(in, []byte("\n"))
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			p := config.Default()
			p.GeoIP.Database = db
			eng, _, err := newEngine(engineOptions{Policy: p})
			if err != nil {
				b.Skip(err)
			}
			defer closeEngine(eng)
			s := logs.NewSanitizer(eng, logs.FormatCombined)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				if _, err := logs.Filter(context.Background(), io.Discard, bytes.NewReader(in), s, logs.FilterOptions{Workers: workers}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N*lines), "cpu-ns/line")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
