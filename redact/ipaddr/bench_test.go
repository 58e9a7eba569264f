package ipaddr

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

var (
	benchXFF = []byte("81.2.69.142, 216.160.83.56:443, [2001:db8:cafe::17]:80, 10.0.0.1")
	benchFwd = []byte(`for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711";host=example.com`)
)

func BenchmarkParse(b *testing.B) {
	for _, in := range []string{"81.2.69.142", "[2001:db8:cafe::17]:4711"} {
		src := []byte(in)
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Parse(src)
			}
		})
	}
}

// BenchmarkParseNetip is the baseline for BenchmarkParse: net/netip on the
// same input, including the []byte to string conversion a caller needs.
func BenchmarkParseNetip(b *testing.B) {
	for _, in := range []string{"81.2.69.142", "[2001:db8:cafe::17]:4711"} {
		src := []byte(in)
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if src[0] == '[' {
					netip.ParseAddrPort(string(src))
				} else {
					netip.ParseAddr(string(src))
				}
			}
		})
	}
}

func BenchmarkAppendValue(b *testing.B) {
	for _, tf := range []string{"country", "truncate", "drop"} {
		tr := newTransform(b, tf)
		b.Run(tf, func(b *testing.B) {
			dst := make([]byte, 0, 256)
			b.ReportAllocs()
			b.SetBytes(int64(len(benchXFF)))
			for b.Loop() {
				dst = tr.AppendValue(dst[:0], benchXFF)
			}
		})
	}
}

func BenchmarkAppendForwarded(b *testing.B) {
	for _, tf := range []string{"country", "truncate"} {
		tr := newTransform(b, tf)
		b.Run(tf, func(b *testing.B) {
			dst := make([]byte, 0, 256)
			b.ReportAllocs()
			b.SetBytes(int64(len(benchFwd)))
			for b.Loop() {
				dst = tr.AppendForwarded(dst[:0], benchFwd)
			}
		})
	}
}

// baselineXFF truncates an X-Forwarded-For value the way Caddy's
// IPMaskFilter does: split on commas, parse each element with net/netip and
// join the masked addresses.
func baselineXFF(v string) string {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if host, _, err := net.SplitHostPort(p); err == nil {
			p = host
		}
		a, err := netip.ParseAddr(p)
		if err != nil {
			parts[i] = "unknown"
			continue
		}
		a = a.Unmap()
		bits := 48
		if a.Is4() {
			bits = 24
		}
		pfx, _ := a.WithZone("").Prefix(bits)
		parts[i] = pfx.Addr().String()
	}
	return strings.Join(parts, ", ")
}

// BenchmarkAppendValueVsBaseline times AppendValue and baselineXFF on the
// same value in alternating blocks within one benchmark, so that load from
// other processes affects both alike, and reports their ratio.
func BenchmarkAppendValueVsBaseline(b *testing.B) {
	tr := newTransform(b, "truncate")
	if got, want := string(tr.AppendValue(nil, benchXFF)), baselineXFF(string(benchXFF)); got != want {
		b.Fatalf("AppendValue = %q, baseline = %q", got, want)
	}
	dst := make([]byte, 0, 256)
	var tOurs, tBase time.Duration
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		for range 64 {
			dst = tr.AppendValue(dst[:0], benchXFF)
		}
		mid := time.Now()
		for range 64 {
			dst = append(dst[:0], baselineXFF(string(benchXFF))...)
		}
		tBase += time.Since(mid)
		tOurs += mid.Sub(start)
		n += 64
	}
	b.ReportMetric(float64(tOurs.Nanoseconds())/float64(n), "ns/ours")
	b.ReportMetric(float64(tBase.Nanoseconds())/float64(n), "ns/baseline")
	b.ReportMetric(float64(tBase)/float64(tOurs), "x")
}
