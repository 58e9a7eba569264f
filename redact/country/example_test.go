package country_test

import (
	"fmt"
	"log"
	"net/netip"
	"os"

	"github.com/caddy-privacy/caddy-privacy/redact/country"
	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
)

func Example() {
	// A real deployment opens GeoLite2-Country.mmdb or a flat country_code
	// database; this example builds a tiny one.
	dir, err := os.MkdirTemp("", "country-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := countrytest.WriteMaxMind(fatal{}, dir, map[string]string{
		"81.2.69.0/24":  "GB",
		"2a02:c7f::/32": "GB",
		"89.160.0.0/16": "SE",
	})

	db, err := country.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	r := country.NewResolver(db, "ZZ", 0)
	for _, s := range []string{"81.2.69.142", "::ffff:89.160.20.113", "2a02:c7f::1", "192.168.1.10", "8.8.8.8"} {
		fmt.Println(s, r.Country(netip.MustParseAddr(s)))
	}
	standIn, _ := db.StandIn("SE")
	fmt.Println("stand-in for SE:", standIn)
	fmt.Println("kind:", db.Info().Kind)
	// Output:
	// 81.2.69.142 GB
	// ::ffff:89.160.20.113 SE
	// 2a02:c7f::1 GB
	// 192.168.1.10 ZZ
	// 8.8.8.8 ZZ
	// stand-in for SE: 89.160.0.1
	// kind: maxmind
}

// fatal stands in for a *testing.T outside a test.
type fatal struct{}

func (fatal) Helper()                           {}
func (fatal) Fatalf(format string, args ...any) { log.Fatalf(format, args...) }
