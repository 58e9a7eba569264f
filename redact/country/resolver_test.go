package country

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
)

func TestResolverCountry(t *testing.T) {
	db := openTest(t, countrytest.Options{})
	cases := []struct {
		addr, want string
	}{
		// Looked up.
		{"81.2.69.142", "GB"},
		{"::ffff:81.2.69.142", "GB"},
		{"2a02:c7f::1%eth0", "GB"},
		{"67.43.156.1", "BT"},
		// Listed without a country, not listed, or not a letter pair.
		{"202.196.224.1", "XX"},
		{"8.8.8.8", "XX"},
		{"5.5.5.5", "XX"},
		// Not routable: never looked up.
		{"0.0.0.0", "XX"},
		{"0.1.2.3", "XX"},
		{"10.1.2.3", "XX"},
		{"100.64.0.1", "XX"},
		{"100.127.255.255", "XX"},
		{"127.0.0.1", "XX"},
		{"169.254.1.1", "XX"},
		{"172.16.0.1", "XX"},
		{"172.31.255.255", "XX"},
		{"192.168.1.1", "XX"},
		{"224.0.0.1", "XX"},
		{"240.0.0.1", "XX"},
		{"255.255.255.255", "XX"},
		{"::", "XX"},
		{"::1", "XX"},
		{"::ffff:10.0.0.1", "XX"},
		{"::ffff:127.0.0.1", "XX"},
		{"fe80::1%eth0", "XX"},
		{"fc00::1", "XX"},
		{"fd12:3456::1", "XX"},
		{"ff02::1", "XX"},
		// Special-purpose: documentation and benchmarking ranges, never
		// looked up even though this database lists two of them.
		{"192.0.2.1", "XX"},
		{"198.51.100.7", "XX"},
		{"203.0.113.9", "XX"},
		{"198.18.0.1", "XX"},
		{"198.19.255.255", "XX"},
		{"2001:db8::1", "XX"},
		{"3fff::1", "XX"},
		{"3fff:fff:ffff::1", "XX"},
		{"ff00::1", "XX"},
		{"::ffff:203.0.113.9", "XX"},
	}
	// Private-looking neighbours that are public: the edges of each range.
	nearMisses := []string{
		"1.0.0.1", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0",
		"126.255.255.255", "128.0.0.0", "169.253.255.255", "169.255.0.0",
		"172.15.255.255", "172.32.0.0", "192.167.255.255", "192.169.0.0",
		"223.255.255.255", "fbff::1", "fe00::1", "fec0::1",
		"192.0.1.255", "192.0.3.0", "198.51.99.255", "198.51.101.0",
		"203.0.112.255", "203.0.114.0", "198.17.255.255", "198.20.0.0",
		"2001:db7:ffff::1", "2001:db9::1", "3ffe:ffff::1", "3fff:1000::1",
	}
	for _, cacheSize := range []int{0, 16} {
		r := NewResolver(db, "XX", cacheSize)
		for range 2 { // the second round is answered from the cache, if any
			for _, c := range cases {
				if got := r.Country(netip.MustParseAddr(c.addr)); got != c.want {
					t.Errorf("cache %d: Country(%s) = %q, want %q", cacheSize, c.addr, got, c.want)
				}
			}
			for _, a := range nearMisses {
				addr := netip.MustParseAddr(a)
				if isReserved(addr) {
					t.Errorf("isReserved(%s) = true; it is routable", a)
				}
				if got := r.Country(addr); got != "XX" {
					t.Errorf("Country(%s) = %q; want XX, from the database", a, got)
				}
			}
		}
		if got := r.Country(netip.Addr{}); got != "XX" {
			t.Errorf("Country(invalid) = %q, want XX", got)
		}
	}
}

func TestResolverNilAndDefaults(t *testing.T) {
	addr := netip.MustParseAddr("81.2.69.142")
	if got := NewResolver(nil, "", 64).Country(addr); got != "ZZ" {
		t.Errorf("nil DB: Country = %q, want ZZ", got)
	}
	if got := NewResolver(nil, "xx", 0).Country(addr); got != "XX" {
		t.Errorf("unknown xx: Country = %q, want XX", got)
	}
	var zero Resolver
	if got := zero.Country(addr); got != "ZZ" {
		t.Errorf("zero Resolver: Country = %q, want ZZ", got)
	}
	if zero.DB() != nil || zero.Swap(nil) != nil {
		t.Errorf("zero Resolver has a DB")
	}
}

func TestResolverSwap(t *testing.T) {
	a := netip.MustParseAddr("81.2.69.142")
	gb, err := FromBytes(countrytest.MaxMindBytes(t, map[string]string{"81.2.69.0/24": "GB"}))
	if err != nil {
		t.Fatal(err)
	}
	de, err := FromBytes(countrytest.FlatBytes(t, map[string]string{"81.2.69.0/24": "DE"}))
	if err != nil {
		t.Fatal(err)
	}
	r := NewResolver(gb, "", 128)
	if got := r.Country(a); got != "GB" { // now cached
		t.Fatalf("Country = %q, want GB", got)
	}
	if old := r.Swap(de); old != gb {
		t.Errorf("Swap returned %p, want the first DB %p", old, gb)
	}
	if r.DB() != de {
		t.Errorf("DB() is not the swapped-in DB")
	}
	if got := r.Country(a); got != "DE" {
		t.Errorf("after Swap: Country = %q, want DE (a stale cached answer?)", got)
	}
	if old := r.Swap(nil); old != de {
		t.Errorf("Swap(nil) returned %p, want %p", old, de)
	}
	if got := r.Country(a); got != "ZZ" {
		t.Errorf("after Swap(nil): Country = %q, want ZZ", got)
	}
}

// TestResolverSwapConcurrent swaps databases while lookups run; run it with
// -race. Every answer must come from one of the databases.
func TestResolverSwapConcurrent(t *testing.T) {
	a := netip.MustParseAddr("81.2.69.142")
	dbs := []*DB{nil}
	for _, code := range []string{"GB", "DE", "FR"} {
		db, err := FromBytes(countrytest.MaxMindBytes(t, map[string]string{"81.2.69.0/24": code}))
		if err != nil {
			t.Fatal(err)
		}
		dbs = append(dbs, db)
	}
	valid := map[string]bool{"GB": true, "DE": true, "FR": true, "ZZ": true}
	for _, cacheSize := range []int{0, 8} {
		r := NewResolver(dbs[1], "", cacheSize)
		var stop atomic.Bool
		var wg sync.WaitGroup
		var bad atomic.Value
		for range 4 {
			wg.Go(func() {
				for !stop.Load() {
					if got := r.Country(a); !valid[got] {
						bad.Store(got)
					}
					r.DB().Lookup(a)
				}
			})
		}
		for i := range 300 {
			old := r.Swap(dbs[i%len(dbs)])
			old.Close()
		}
		stop.Store(true)
		wg.Wait()
		if v := bad.Load(); v != nil {
			t.Errorf("cache %d: Country returned %q", cacheSize, v)
		}
	}
}

func TestResolverAllocs(t *testing.T) {
	db := openTest(t, countrytest.Options{Shape: countrytest.City})
	addrs := []netip.Addr{
		netip.MustParseAddr("81.2.69.142"),
		netip.MustParseAddr("2a02:c7f::1%eth0"),
		netip.MustParseAddr("10.0.0.1"),
		netip.MustParseAddr("8.8.8.8"),
	}
	for _, size := range []int{0, 64} {
		r := NewResolver(db, "", size)
		for _, a := range addrs { // fill the cache
			r.Country(a)
		}
		if n := testing.AllocsPerRun(100, func() {
			for _, a := range addrs {
				r.Country(a)
			}
		}); n != 0 {
			t.Errorf("cache %d: Country allocates %.1f times per run; want 0", size, n)
		}
	}
}

// A whois-derived database gives RFC 5737's 203.0.113.0/24 the country of
// the registry that lists it (AU); the resolver answers unknown all the
// same, as for the other special-purpose ranges.
func TestResolverSpecialPurposeRangesIgnoreTheDatabase(t *testing.T) {
	nets := map[string]string{
		"203.0.113.0/24":  "AU",
		"192.0.2.0/24":    "FR",
		"198.51.100.0/24": "DE",
		"198.18.0.0/15":   "US",
		"100.64.0.0/10":   "CN",
		"2001:db8::/32":   "JP",
		"81.2.69.0/24":    "GB",
	}
	for name, b := range map[string][]byte{
		"maxmind": countrytest.MaxMindBytes(t, nets),
		"flat":    countrytest.FlatBytes(t, nets),
	} {
		db, err := FromBytes(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if code, ok := db.Lookup(netip.MustParseAddr("203.0.113.9")); !ok || code != "AU" {
			t.Fatalf("%s: the database itself gives 203.0.113.9 %q, %v; the test needs AU", name, code, ok)
		}
		r := NewResolver(db, "", 0)
		for _, a := range []string{"203.0.113.9", "192.0.2.1", "198.51.100.7", "198.18.3.4", "100.64.1.1", "2001:db8::1"} {
			if got := r.Country(netip.MustParseAddr(a)); got != DefaultUnknown {
				t.Errorf("%s: Country(%s) = %q, want %s", name, a, got, DefaultUnknown)
			}
		}
		if got := r.Country(netip.MustParseAddr("81.2.69.160")); got != "GB" {
			t.Errorf("%s: Country(81.2.69.160) = %q, want GB", name, got)
		}
	}
}
