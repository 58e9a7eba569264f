package country

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
)

// fuzzAddrs are looked up in every database the fuzzer manages to open.
var fuzzAddrs = []netip.Addr{
	netip.MustParseAddr("81.2.69.142"),
	netip.MustParseAddr("0.0.0.0"),
	netip.MustParseAddr("255.255.255.255"),
	netip.MustParseAddr("2a02:c7f::1"),
	netip.MustParseAddr("::"),
	netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
	netip.MustParseAddr("::ffff:1.2.3.4"),
}

// FuzzFromBytes checks that no file, however damaged, makes FromBytes,
// Lookup, StandIn or a Resolver panic or hang.
func FuzzFromBytes(f *testing.F) {
	small := map[string]string{"81.2.69.0/24": "GB", "2a02:c7f::/32": "DE", "1.0.0.0/24": "AU"}
	seeds := [][]byte{
		countrytest.MaxMindBytes(f, small),
		countrytest.FlatBytes(f, small),
		countrytest.Build(f, countrytest.Options{Shape: countrytest.Flat, IPVersion: 4, RecordSize: 24},
			[]countrytest.Network{{CIDR: "81.2.69.0/24", Country: "GB"}}),
		countrytest.Build(f, countrytest.Options{Shape: countrytest.City, RecordSize: 32},
			[]countrytest.Network{{CIDR: "81.2.69.0/24", Country: "GB"}, {CIDR: "67.43.156.0/24", Registered: "BT"}}),
		nil,
		[]byte("\xAB\xCD\xEFMaxMind.com"),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	// Damaged copies of a good file: corrupt tree, data and metadata bytes.
	good := seeds[0]
	for _, at := range []int{0, 7, len(good) / 2, bytes.LastIndex(good, metadataMarker) - 3, len(good) - 10} {
		b := bytes.Clone(good)
		b[at] ^= 0xFF
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		db, err := FromBytes(b)
		if err != nil {
			if db != nil {
				t.Fatalf("FromBytes returned a DB and an error")
			}
			return
		}
		r := NewResolver(db, "", 4)
		for _, a := range fuzzAddrs {
			code, ok := db.Lookup(a)
			if ok != (code != "") || (ok && (len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z')) {
				t.Fatalf("Lookup = %q, %v", code, ok)
			}
			if c := r.Country(a); len(c) != 2 {
				t.Fatalf("Country = %q", c)
			}
		}
		for _, code := range []string{"GB", "DE", "AU", "BT"} {
			if a, ok := db.StandIn(code); ok {
				if got, _ := db.Lookup(a); got != code {
					t.Fatalf("StandIn(%s) = %s, which looks up to %q", code, a, got)
				}
			}
		}
		_ = db.Info()
		_ = db.Verify()
	})
}
