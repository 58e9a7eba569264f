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
	// Networks deeper than the prefix tables and than 64 bits, where the
	// walk crosses from the first half of an IPv6 address to the second.
	deep := []countrytest.Network{
		{CIDR: "2a02:c7f:1:2:3:4::/96", Country: "IE"},
		{CIDR: "2a02:c7f:1:2::/64", Country: "FR"},
		{CIDR: "2a02:c7f::/32", Country: "GB"},
		{CIDR: "81.2.69.128/28", Country: "NL"},
		{CIDR: "81.2.69.0/24", Country: "GB"},
	}
	for _, size := range []int{24, 28, 32} {
		db, err := FromBytes(countrytest.Build(t, countrytest.Options{Shape: countrytest.Flat, RecordSize: size}, deep))
		if err != nil {
			t.Fatal(err)
		}
		for a, want := range map[string]string{
			"2a02:c7f:1:2:3:4:5:6": "IE", "2a02:c7f:1:2:3:5::1": "FR", "2a02:c7f:1:3::1": "GB",
			"81.2.69.130": "NL", "81.2.69.150": "GB",
		} {
			if got, _ := db.Lookup(netip.MustParseAddr(a)); got != want {
				t.Errorf("record size %d: Lookup(%s) = %q, want %q", size, a, got, want)
			}
		}
		check(t, db)
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

// TestReadFile checks the parallel read against os.ReadFile, for sizes
// around the part size.
func TestReadFile(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{0, 100, 4<<20 - 1, 4 << 20, 9<<20 + 7} {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		name := filepath.Join(t.TempDir(), "db")
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := readFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(b) {
			t.Errorf("size %d: readFile differs from the file", size)
		}
	}
}
