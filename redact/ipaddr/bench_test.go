package ipaddr

import (
	"net/netip"
	"testing"
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
