package country

import (
	"bytes"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
	"github.com/oschwald/geoip2-golang/v2"
	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"

	"github.com/caddy-privacy/caddy-privacy/internal/corpustest"
)

// The benchmark database is City-shaped, with names in GeoLite2's eight
// languages, so that the records a lookup has to read past are as large as
// real ones. It is built once per process, which takes a few seconds.
const (
	benchV4Networks = 100_000
	benchV6Networks = 20_000
	benchCities     = 5_000
	benchAddrs      = 1 << 16 // the "fresh" address stream
	benchHot        = 1 << 10 // the working set of the cached benchmarks
)

var benchDB = sync.OnceValues(func() ([]byte, []netip.Addr) {
	rng := rand.New(rand.NewPCG(1, 2))
	langs := []string{"de", "en", "es", "fr", "ja", "pt-BR", "ru", "zh-CN"}
	// About 240 countries, of which a few hold most networks, as in real
	// data.
	codes := make([]string, 0, 240)
	for i := 0; len(codes) < cap(codes); i += 2 {
		codes = append(codes, codeAt(i))
	}
	records := make([]mmdbtype.Map, benchCities)
	for i := range records {
		c := codes[int(float64(len(codes))*rng.Float64()*rng.Float64())]
		n := countrytest.Network{Country: c, City: "Town " + codeAt(i%676) + codeAt(i/676)}
		if i%50 == 0 {
			n.Registered = codes[rng.IntN(len(codes))] // some differ
		}
		records[i] = countrytest.Record(countrytest.City, langs, n)
	}
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType: "GeoLite2-City",
		Languages:    langs,
		RecordSize:   28,
		// Generated networks may fall in reserved space; allowing it keeps
		// the generator simple.
		IncludeReservedNetworks: true,
	})
	if err != nil {
		panic(err)
	}
	var prefixes []netip.Prefix
	for range benchV4Networks {
		var a [4]byte
		for {
			a = [4]byte{byte(rng.IntN(223) + 1), byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())}
			if !isReserved(netip.AddrFrom4(a)) {
				break
			}
		}
		bits := 16 + rng.IntN(13) // /16 to /28
		prefixes = append(prefixes, netip.PrefixFrom(netip.AddrFrom4(a), bits).Masked())
	}
	for range benchV6Networks {
		var a [16]byte
		a[0] = byte(0x24 + rng.IntN(12)) // clear of the 2001:: and 2002:: aliases
		for i := 1; i < 8; i++ {
			a[i] = byte(rng.Uint32())
		}
		bits := 29 + rng.IntN(20) // /29 to /48
		prefixes = append(prefixes, netip.PrefixFrom(netip.AddrFrom16(a), bits).Masked())
	}
	for _, p := range prefixes {
		n := &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
		// Nearby networks often share a city, as in real data.
		if err := tree.Insert(n, records[int(float64(benchCities)*rng.Float64()*rng.Float64())]); err != nil {
			panic(err)
		}
	}
	var buf bytes.Buffer
	if _, err := tree.WriteTo(&buf); err != nil {
		panic(err)
	}
	return buf.Bytes(), benchAddresses(rng, prefixes)
})

// benchAddresses returns public addresses, 90% in the given networks (mostly
// IPv4, as prefixes are) and 10% anywhere, most of them unlisted.
func benchAddresses(rng *rand.Rand, prefixes []netip.Prefix) []netip.Addr {
	addrs := make([]netip.Addr, 0, benchAddrs)
	for len(addrs) < benchAddrs {
		var a netip.Addr
		if rng.IntN(10) == 0 {
			if rng.IntN(6) == 0 {
				var b [16]byte
				b[0] = 0x20 | byte(rng.IntN(16))
				for i := 1; i < 16; i++ {
					b[i] = byte(rng.Uint32())
				}
				a = netip.AddrFrom16(b)
			} else {
				a = netip.AddrFrom4([4]byte{byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())})
			}
		} else {
			p := prefixes[rng.IntN(len(prefixes))]
			b := p.Addr().As16()
			if p.Addr().Is4() {
				host := rng.Uint32() & (1<<(32-p.Bits()) - 1)
				b4 := p.Addr().As4()
				v := uint32(b4[0])<<24 | uint32(b4[1])<<16 | uint32(b4[2])<<8 | uint32(b4[3]) | host
				a = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
			} else {
				for i := p.Bits()/8 + 1; i < 16; i++ {
					b[i] = byte(rng.Uint32())
				}
				a = netip.AddrFrom16(b)
				if !p.Contains(a) {
					a = p.Addr()
				}
			}
		}
		if !isReserved(a) {
			addrs = append(addrs, a)
		}
	}
	return addrs
}

// benchLookups runs the comparisons on one database. path is the key the
// baseline decodes: country.iso_code for MaxMind, country_code for flat.
func benchLookups(b *testing.B, raw []byte, addrs []netip.Addr) {
	db, err := FromBytes(raw)
	if err != nil {
		b.Fatal(err)
	}
	path := []any{"country", "iso_code"}
	if db.Info().Kind == KindFlat {
		path = []any{"country_code"}
	}
	mm, err := maxminddb.OpenBytes(raw)
	if err != nil {
		b.Fatal(err)
	}
	mask := len(addrs) - 1 // a power of two
	var sink string

	b.Run("baseline=maxminddb-DecodePath", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			var code string
			if err := mm.Lookup(addrs[i&mask]).DecodePath(&code, path...); err != nil {
				b.Fatal(err)
			}
			sink = code
		}
	})
	b.Run("DB.Lookup", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			sink, _ = db.Lookup(addrs[i&mask])
		}
	})
	if db.Info().Kind == KindMaxMind {
		g, err := geoip2.OpenBytes(raw)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("geoip2-Country", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				rec, err := g.Country(addrs[i&mask])
				if err != nil {
					b.Fatal(err)
				}
				sink = rec.Country.ISOCode
			}
		})
	}
	// The Resolver adds the reserved-range check, and the cache if any.
	for _, bc := range []struct {
		name  string
		cache int
		mask  int
	}{
		{"Resolver/nocache/fresh", 0, mask},
		{"Resolver/cache=4096/fresh", 4096, mask},
		{"Resolver/nocache/hot1024", 0, benchHot - 1},
		{"Resolver/cache=4096/hot1024", 4096, benchHot - 1},
	} {
		r := NewResolver(db, "", bc.cache)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := range addrs[:bc.mask+1] { // warm the cache
				r.Country(addrs[i])
			}
			for i := 0; b.Loop(); i++ {
				sink = r.Country(addrs[i&bc.mask])
			}
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				var s string
				for i := rand.IntN(benchAddrs); pb.Next(); i++ {
					s = r.Country(addrs[i&bc.mask])
				}
				_ = s
			})
		})
	}
	_ = sink
}

// BenchmarkLookup compares DB.Lookup with maxminddb's own
// Lookup(ip).DecodePath(&code, "country", "iso_code") on a realistic
// generated City-shaped database, and measures what the Resolver's cache
// is worth.
func BenchmarkLookup(b *testing.B) {
	raw, addrs := benchDB()
	benchLookups(b, raw, addrs)
}

// BenchmarkLookupFile runs the same comparison on the database file named
// by CADDY_PRIVACY_BENCH_DB, such as GeoLite2-Country.mmdb or the
// ip-location-db geo-whois-asn-country.mmdb, with addresses drawn from its
// own networks. It is skipped when the variable is unset.
func BenchmarkLookupFile(b *testing.B) {
	path := os.Getenv("CADDY_PRIVACY_BENCH_DB")
	if path == "" {
		b.Skip("set CADDY_PRIVACY_BENCH_DB to an MMDB country database to run")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	db, err := FromBytes(raw)
	if err != nil {
		b.Fatal(err)
	}
	info := db.Info()
	b.Logf("%s: kind %s, type %q, %d nodes, IPv%d, built %s",
		path, info.Kind, info.DatabaseType, info.NodeCount, info.IPVersion, info.BuildTime.Format(time.DateOnly))
	var prefixes []netip.Prefix
	_ = db.walk(0, func(p netip.Prefix, _ uint) bool {
		prefixes = append(prefixes, p)
		return true
	})
	if len(prefixes) == 0 {
		b.Skip("database lists no networks")
	}
	addrs := benchAddresses(rand.New(rand.NewPCG(3, 4)), prefixes)
	benchLookups(b, raw, addrs)
	b.Run("ratio", func(b *testing.B) { benchRatios(b, raw, addrs) })
}

// BenchmarkOpen measures FromBytes on the benchmark database, which reads
// the metadata and probes records to detect the kind.
func BenchmarkOpen(b *testing.B) {
	raw, addrs := benchDB()
	if db, err := FromBytes(raw); err == nil {
		b.Logf("benchmark database: %d bytes, %d nodes, %d addresses",
			db.Info().Size, db.Info().NodeCount, len(addrs))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromBytes(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStandIn measures the first StandIn call, which walks the whole
// database, and a later one.
func BenchmarkStandIn(b *testing.B) {
	raw, _ := benchDB()
	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			db, err := FromBytes(raw)
			if err != nil {
				b.Fatal(err)
			}
			db.StandIn("AA")
		}
	})
	b.Run("later", func(b *testing.B) {
		db, err := FromBytes(raw)
		if err != nil {
			b.Fatal(err)
		}
		db.StandIn("AA")
		b.ReportAllocs()
		for b.Loop() {
			db.StandIn("AA")
		}
	})
}

// BenchmarkRatio measures pairs of ways of doing the same lookups in
// alternating batches of 1024 and reports the median of the per-round time
// ratios, "ratio" (first over second), and the median time per lookup of
// each. The machine these run on is shared and noisy; a slow patch then
// hits both halves of a round alike, so the ratio stays meaningful when
// ns/op does not.
func BenchmarkRatio(b *testing.B) {
	raw, addrs := benchDB()
	benchRatios(b, raw, addrs)
}

func benchRatios(b *testing.B, raw []byte, addrs []netip.Addr) {
	db, err := FromBytes(raw)
	if err != nil {
		b.Fatal(err)
	}
	mm, err := maxminddb.OpenBytes(raw)
	if err != nil {
		b.Fatal(err)
	}
	path := []any{"country", "iso_code"}
	if db.Info().Kind == KindFlat {
		path = []any{"country_code"}
	}
	noCache := NewResolver(db, "", 0)
	cached := NewResolver(db, "", 4096)
	const batch = 1024
	mask := len(addrs) - 1
	var sink string
	lookup := func(i int) { sink, _ = db.Lookup(addrs[i&mask]) }
	decodePath := func(i int) {
		var code string
		_ = mm.Lookup(addrs[i&mask]).DecodePath(&code, path...)
		sink = code
	}
	// The client addresses of a real access log, if the shared corpus is
	// present: the realistic test of the cache, since how often addresses
	// repeat decides what it is worth. The log is replayed eight times,
	// each time with its addresses mapped one to one onto different
	// addresses of the benchmark database, so that lookups cost what they
	// would and a replay does not find the previous one in the cache.
	var logAddrs []netip.Addr
	if log := corpusAddrs(b); len(log) > 0 {
		rng := rand.New(rand.NewPCG(5, 6))
		for range 8 {
			m := make(map[netip.Addr]netip.Addr)
			for _, a := range log {
				if _, ok := m[a]; !ok {
					m[a] = addrs[rng.IntN(len(addrs))]
				}
				logAddrs = append(logAddrs, m[a])
			}
		}
	}
	logMask := len(logAddrs) - 1
	for _, bc := range []struct {
		name   string
		first  func(int)
		second func(int)
		hot    bool // repeat the first 1024 addresses instead of streaming all
		log    bool // replay logAddrs: both halves see the same addresses
	}{
		{"DB.Lookup/DecodePath/fresh", lookup, decodePath, false, false},
		{"Resolver-nocache/DB.Lookup/fresh", func(i int) { sink = noCache.Country(addrs[i&mask]) }, lookup, false, false},
		{"Resolver-cache4096/Resolver-nocache/fresh",
			func(i int) { sink = cached.Country(addrs[i&mask]) },
			func(i int) { sink = noCache.Country(addrs[i&mask]) }, false, false},
		{"Resolver-cache4096/Resolver-nocache/hot1024",
			func(i int) { sink = cached.Country(addrs[i&(benchHot-1)]) },
			func(i int) { sink = noCache.Country(addrs[i&(benchHot-1)]) }, true, false},
		{"Resolver-cache4096/Resolver-nocache/accesslog",
			func(i int) { sink = cached.Country(logAddrs[i&logMask]) },
			func(i int) { sink = noCache.Country(logAddrs[i&logMask]) }, false, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if bc.log && len(logAddrs) == 0 {
				b.Skip("the shared access log corpus is absent")
			}
			var ratios, firsts, seconds []float64
			// In a fresh stream the two halves of a round look up different
			// addresses, so neither warms the processor's caches for the
			// other; the order alternates to cancel what remains.
			next := 0
			for round := 0; b.Loop(); round++ {
				a, c := next, next+batch
				switch {
				case bc.hot:
					a, c = 0, 0
				case bc.log:
					// Both replay the same stretch of the log, in order,
					// so the cache sees the log's own repetition.
					a, c = next, next
					next += batch
				default:
					next = (next + 2*batch) & mask
				}
				var t1, t2 float64
				if round%2 == 0 {
					t1 = timeBatch(bc.first, a, batch)
					t2 = timeBatch(bc.second, c, batch)
				} else {
					t2 = timeBatch(bc.second, a, batch)
					t1 = timeBatch(bc.first, c, batch)
				}
				ratios = append(ratios, t1/t2)
				firsts = append(firsts, t1/batch)
				seconds = append(seconds, t2/batch)
			}
			b.ReportMetric(median(ratios), "ratio")
			b.ReportMetric(median(firsts), "ns/first")
			b.ReportMetric(median(seconds), "ns/second")
		})
	}
	_ = sink
}

func timeBatch(f func(int), start, n int) float64 {
	t := time.Now()
	for i := start; i < start+n; i++ {
		f(i)
	}
	return float64(time.Since(t).Nanoseconds())
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// corpusAddrs returns the client addresses of the shared Apache access log,
// in log order and truncated to a power of two, or nil if it is absent. The
// corpus sits beside the module: ../shared/corpus from the module root.
func corpusAddrs(b *testing.B) []netip.Addr {
	path, ok := corpustest.Find(corpustest.ApacheLogs)
	if !ok {
		return nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var addrs []netip.Addr
	for line := range bytes.Lines(raw) {
		field, _, _ := bytes.Cut(line, []byte(" "))
		if a, err := netip.ParseAddr(string(field)); err == nil {
			addrs = append(addrs, a)
		}
	}
	n := 1
	for n*2 <= len(addrs) {
		n *= 2
	}
	if len(addrs) == 0 {
		return nil
	}
	return addrs[:n]
}
