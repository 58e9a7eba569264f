package ipaddr_test

import (
	"fmt"
	"net/netip"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/redact/ipaddr"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym"
)

// The pseudonym package's key ring is what the pseudonym transform uses.
var _ ipaddr.Pseudonymizer = (*pseudonym.KeyRing)(nil)

// lookup stands in for a country database.
type lookup map[string]string

func (l lookup) Country(a netip.Addr) string {
	if c, ok := l[a.String()]; ok {
		return c
	}
	return "ZZ"
}

func ExampleTransform() {
	policy := config.Default().IP // country, with /24 and /48 truncation
	countries := lookup{"81.2.69.142": "GB", "216.160.83.56": "US"}
	byCountry, err := ipaddr.NewTransform(policy, countries, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	xff := []byte("81.2.69.142, 216.160.83.56:443, proxy.internal, 10.0.0.1")
	fmt.Printf("%s\n", byCountry.AppendValue(nil, xff))

	policy.Transform = config.TransformTruncate
	truncate, err := ipaddr.NewTransform(policy, nil, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s\n", truncate.AppendValue(nil, xff))
	fwd := []byte(`for="[2001:db8:cafe::17]:4711";proto=https, for=_hidden;secret=x`)
	fmt.Printf("%s\n", truncate.AppendForwarded(nil, fwd))
	// Output:
	// GB, US, unknown, ZZ
	// 81.2.69.0, 216.160.83.0, unknown, 10.0.0.0
	// for="[2001:db8:cafe::]";proto=https, for=unknown
}
