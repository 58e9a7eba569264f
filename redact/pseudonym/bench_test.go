package pseudonym

import (
	"bufio"
	"bytes"
	"context"
	"math/rand/v2"
	"net/netip"
	"os"
	"testing"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/caddy-privacy/caddy-privacy/internal/corpustest"
)

// benchAddrs returns n distinct public-looking addresses, a quarter IPv6.
func benchAddrs(n int) []netip.Addr {
	rng := rand.New(rand.NewPCG(1, 2))
	addrs := make([]netip.Addr, n)
	for i := range addrs {
		if i%4 == 3 {
			var b [16]byte
			b[0], b[1] = 0x20, 0x01
			for j := 2; j < 16; j++ {
				b[j] = byte(rng.Uint32())
			}
			addrs[i] = netip.AddrFrom16(b)
			continue
		}
		v := rng.Uint32()
		addrs[i] = netip.AddrFrom4([4]byte{byte(v>>24) | 1, byte(v >> 16), byte(v >> 8), byte(v)})
	}
	return addrs
}

// zipfTrace draws n requests from addrs with a Zipf distribution (s=1.1),
// roughly how requests spread over clients in real traffic.
func zipfTrace(addrs []netip.Addr, n int) []netip.Addr {
	z := rand.NewZipf(rand.New(rand.NewPCG(3, 4)), 1.1, 1, uint64(len(addrs)-1))
	trace := make([]netip.Addr, n)
	for i := range trace {
		trace[i] = addrs[z.Uint64()]
	}
	return trace
}

// corpusAddrs returns the client addresses of the shared Apache log corpus
// in order, or nil if it is absent.
func corpusAddrs(tb testing.TB) []netip.Addr {
	path, ok := corpustest.Find(corpustest.ApacheLogs)
	if !ok {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var addrs []netip.Addr
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		field, _, _ := bytes.Cut(sc.Bytes(), []byte(" "))
		if a, err := netip.ParseAddr(string(field)); err == nil {
			addrs = append(addrs, a)
		}
	}
	return addrs
}

func benchRing(b *testing.B, cacheSize int) *KeyRing {
	r := NewKeyRing(nil, time.Hour, time.Hour)
	r.CacheSize = cacheSize
	if err := r.Refresh(context.Background(), time.Now()); err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkAppendAddr compares, in one run, a pseudonym computed afresh
// with a cache hit and with realistic address mixes through the cache.
func BenchmarkAppendAddr(b *testing.B) {
	addrs := benchAddrs(10_000)
	run := func(b *testing.B, r *KeyRing, trace []netip.Addr) {
		dst := make([]byte, 0, 64)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			dst = r.AppendAddr(dst[:0], trace[i%len(trace)])
		}
		if r.CacheSize >= 0 && len(trace) > 1 {
			b.ReportMetric(hitRate(trace, DefaultCacheSize), "hit%")
		}
	}
	b.Run("afresh", func(b *testing.B) {
		run(b, benchRing(b, -1), addrs)
	})
	b.Run("hit", func(b *testing.B) {
		r := benchRing(b, 0)
		run(b, r, addrs[:1])
	})
	b.Run("hit-parallel", func(b *testing.B) {
		r := benchRing(b, 0)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			dst := make([]byte, 0, 64)
			for pb.Next() {
				dst = r.AppendAddr(dst[:0], addrs[0])
			}
		})
	})
	b.Run("afresh-parallel", func(b *testing.B) {
		r := benchRing(b, -1)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			dst := make([]byte, 0, 64)
			for i := 0; pb.Next(); i++ {
				dst = r.AppendAddr(dst[:0], addrs[i%len(addrs)])
			}
		})
	})
	b.Run("zipf10k", func(b *testing.B) {
		run(b, benchRing(b, 0), zipfTrace(addrs, 1<<16))
	})
	b.Run("apache_logs", func(b *testing.B) {
		trace := corpusAddrs(b)
		if trace == nil {
			b.Skip("corpus ../shared/corpus/apache_logs (beside the module root) is absent")
		}
		run(b, benchRing(b, 0), trace)
	})
}

// hitRate replays trace, cycled twice as the benchmark loop does, through
// an LRU cache of size entries and returns the percentage of hits in the
// second cycle (the steady state).
func hitRate(trace []netip.Addr, size int) float64 {
	c, _ := lru.New[netip.Addr, struct{}](size)
	hits := 0
	for pass := range 2 {
		for _, a := range trace {
			if _, ok := c.Get(a); ok && pass == 1 {
				hits++
			} else if !ok {
				c.Add(a, struct{}{})
			}
		}
	}
	return 100 * float64(hits) / float64(len(trace))
}

// BenchmarkAppendPseudonym measures a pseudonym of a short identifier.
func BenchmarkAppendPseudonym(b *testing.B) {
	r := benchRing(b, 0)
	src := []byte("alice@example.com")
	dst := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		dst = r.AppendPseudonym(dst[:0], src)
	}
}

// BenchmarkCacheRatio times pseudonyms computed afresh and cache hits in
// alternating blocks of 256 within one benchmark, so that load from other
// processes affects both alike, and reports their ratio.
func BenchmarkCacheRatio(b *testing.B) {
	addrs := benchAddrs(10_000)
	fresh, cached := benchRing(b, -1), benchRing(b, 0)
	dst := make([]byte, 0, 64)
	cached.AppendAddr(dst, addrs[0])
	var tFresh, tHit time.Duration
	n, j := 0, 0
	for b.Loop() {
		start := time.Now()
		for range 256 {
			dst = fresh.AppendAddr(dst[:0], addrs[j%len(addrs)])
			j++
		}
		mid := time.Now()
		for range 256 {
			dst = cached.AppendAddr(dst[:0], addrs[0])
		}
		tHit += time.Since(mid)
		tFresh += mid.Sub(start)
		n += 256
	}
	b.ReportMetric(float64(tFresh.Nanoseconds())/float64(n), "ns/afresh")
	b.ReportMetric(float64(tHit.Nanoseconds())/float64(n), "ns/hit")
	b.ReportMetric(float64(tFresh)/float64(tHit), "x")
}
