package country

import (
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
)

// TestLookupFastMatchesReader checks the prefix tables and the record
// cache against maxminddb's own lookup, for every record size, both IP
// versions and both record shapes, on addresses near the test networks'
// edges and random ones, and on the real database when it is at hand.
func TestLookupFastMatchesReader(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var addrs []netip.Addr
	for _, n := range testNetworks {
		p := netip.MustParsePrefix(n.CIDR)
		a := p.Addr()
		addrs = append(addrs, a, a.Prev(), lastOf(p), lastOf(p).Next())
	}
	for range 20000 {
		var b4 [4]byte
		var b16 [16]byte
		for i := range b4 {
			b4[i] = byte(rng.UintN(256))
		}
		for i := range b16 {
			b16[i] = byte(rng.UintN(256))
		}
		b16[0] = 0x20 | b16[0]&0x0F
		addrs = append(addrs, netip.AddrFrom4(b4), netip.AddrFrom16(b16))
	}
	check := func(t *testing.T, db *DB) {
		for _, a := range addrs {
			if !a.IsValid() {
				continue
			}
			want, wantOK := "", false
			if !(a.Is6() && db.info.IPVersion == 4) {
				if res := db.reader.Lookup(a); res.Found() {
					if i, ok := db.recordCode(uint(res.Offset())); ok {
						want, wantOK = codeAt(i), true
					}
				}
			}
			// Twice: the second answer comes from the record cache.
			for range 2 {
				if got, ok := db.Lookup(a); got != want || ok != wantOK {
					t.Fatalf("Lookup(%v) = %q, %v; maxminddb says %q, %v", a, got, ok, want, wantOK)
				}
			}
		}
	}
	for _, shape := range []countrytest.Shape{countrytest.Country, countrytest.Flat} {
		for _, size := range []int{24, 28, 32} {
			for _, v := range []int{4, 6} {
				db := openTest(t, countrytest.Options{Shape: shape, RecordSize: size, IPVersion: v})
				check(t, db)
			}
		}
	}
	home, _ := os.UserHomeDir()
	if db, err := Open(filepath.Join(home, ".cache", "caddy-privacy", "geo-whois-asn-country.mmdb")); err == nil {
		t.Log("also checked against the real database")
		check(t, db)
	}
}

func lastOf(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr()
	b := a.AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	r, _ := netip.AddrFromSlice(b)
	return r
}
