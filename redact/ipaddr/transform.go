package ipaddr

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"

	"github.com/caddy-privacy/caddy-privacy/config"
)

// CountryLookup gives the country code of an address, or the configured
// code for "unknown" ("ZZ" by default). The country package's Resolver
// satisfies it.
type CountryLookup interface {
	Country(netip.Addr) string
}

// Pseudonymizer appends a keyed pseudonym of an address. The pseudonym
// package's KeyRing satisfies it.
type Pseudonymizer interface {
	AppendAddr(dst []byte, a netip.Addr) []byte
}

// unknown is what an element becomes when it is not an address: the RFC 7239
// word for an unknown node, and safe since it says nothing.
const unknown = "unknown"

// fallbackCountry replaces a country lookup result that could break the
// shape of a list or header: anything but 1 to 8 ASCII letters and digits.
const fallbackCountry = "ZZ"

type kind uint8

const (
	kindCountry kind = iota
	kindTruncate
	kindPseudonym
	kindDrop
)

// Transform applies an IP policy to addresses and to header and log values
// that hold them. Make one with NewTransform (a zero Transform truncates to
// /0). It is immutable and safe for concurrent use; its methods allocate
// nothing beyond growing dst.
type Transform struct {
	kind      kind
	v4Bits    int
	v6Bits    int
	countries CountryLookup
	keys      Pseudonymizer
}

// NewTransform returns the transform p describes. p is used as given, so
// apply config defaults first: an empty Transform means "country", but
// prefixes of 0 truncate to /0 (0.0.0.0 and ::), not to the default /24 and
// /48. With "country" and a nil countries (GeoIP off), addresses are
// truncated instead. "pseudonym" needs keys.
func NewTransform(p config.IPPolicy, countries CountryLookup, keys Pseudonymizer) (*Transform, error) {
	t := &Transform{v4Bits: p.IPv4Prefix, v6Bits: p.IPv6Prefix, countries: countries, keys: keys}
	var errs []error
	switch p.Transform {
	case "", config.TransformCountry:
		t.kind = kindCountry
		if countries == nil {
			t.kind = kindTruncate
		}
	case config.TransformTruncate:
		t.kind = kindTruncate
	case config.TransformPseudonym:
		t.kind = kindPseudonym
		if keys == nil {
			errs = append(errs, errors.New(`ip.transform: "pseudonym" needs a pseudonym key ring, and none was given`))
		}
	case config.TransformDrop:
		t.kind = kindDrop
	default:
		errs = append(errs, fmt.Errorf(`ip.transform: %q is not one of "country", "truncate", "pseudonym", "drop"`, p.Transform))
	}
	if p.IPv4Prefix < 0 || p.IPv4Prefix > 32 {
		errs = append(errs, fmt.Errorf("ip.ipv4_prefix: %d is out of range; want 0 to 32 bits", p.IPv4Prefix))
	}
	if p.IPv6Prefix < 0 || p.IPv6Prefix > 128 {
		errs = append(errs, fmt.Errorf("ip.ipv6_prefix: %d is out of range; want 0 to 128 bits", p.IPv6Prefix))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return t, nil
}

// AppendAddr appends what a becomes: its country code, its truncated
// address in canonical form (203.0.113.0, 2001:db8:1::; an IPv4-mapped
// address is truncated as IPv4), its pseudonym, or nothing for drop. An
// invalid address becomes "unknown", or nothing for drop.
func (t *Transform) AppendAddr(dst []byte, a netip.Addr) []byte {
	if t.kind == kindDrop {
		return dst
	}
	if !a.IsValid() {
		return append(dst, unknown...)
	}
	a = a.Unmap().WithZone("")
	switch t.kind {
	case kindCountry:
		if t.countries == nil { // a zero Transform: fail closed
			return t.truncate(a).AppendTo(dst)
		}
		c := t.countries.Country(a)
		if !isCountry(c) {
			c = fallbackCountry
		}
		return append(dst, c...)
	case kindTruncate:
		return t.truncate(a).AppendTo(dst)
	default:
		return t.keys.AppendAddr(dst, a)
	}
}

// truncate keeps the prefix of a, which is valid, unmapped and zoneless.
func (t *Transform) truncate(a netip.Addr) netip.Addr {
	bits := t.v6Bits
	if a.Is4() {
		bits = t.v4Bits
	}
	p, err := a.Prefix(bits)
	if err != nil { // unreachable: NewTransform checked the ranges
		return netip.IPv6Unspecified()
	}
	return p.Addr()
}

// AppendValue appends the transform of a header or log value that holds
// addresses: one address, host:port, or a comma-separated list such as
// X-Forwarded-For, whose shape is kept ("GB, US"). Elements are joined with
// ", "; empty elements are left out and ports dropped. An element that is
// already a country code (two capital letters, as the privacy handler
// leaves {client_ip}) is kept; other elements that are not addresses
// become "unknown", since obfuscated ids and host names can identify too.
// Under drop the whole value becomes empty.
func (t *Transform) AppendValue(dst, src []byte) []byte {
	if t.kind == kindDrop {
		return dst
	}
	first := true
	for len(src) > 0 {
		elem := src
		if i := bytes.IndexByte(src, ','); i >= 0 {
			elem, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		elem = trimSpace(elem)
		if len(elem) == 0 {
			continue
		}
		if !first {
			dst = append(dst, ", "...)
		}
		first = false
		switch a, ok := Parse(elem); {
		case ok:
			dst = t.AppendAddr(dst, a)
		case len(elem) == 2 && isUpper(elem[0]) && isUpper(elem[1]):
			dst = append(dst, elem...)
		default:
			dst = append(dst, unknown...)
		}
	}
	return dst
}

func isCountry(c string) bool {
	if len(c) == 0 || len(c) > 8 {
		return false
	}
	for i := 0; i < len(c); i++ {
		if !isAlnum(c[i]) {
			return false
		}
	}
	return true
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
