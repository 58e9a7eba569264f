// Package countrytest builds small country databases for tests, so that no
// licensed database has to be committed. It writes the two kinds that
// package country reads: MaxMind-shaped (GeoLite2-Country or -City records)
// and flat ({"country_code": "GB"}).
//
// Databases are IPv6 with the IPv4 subtree aliased, as real ones are, and
// allow reserved networks, so tests may use documentation addresses such as
// 192.0.2.1 and 2001:db8::1.
package countrytest

import (
	"bytes"
	"cmp"
	"hash/fnv"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Shape is the shape of a test database's records.
type Shape int

// The shapes.
const (
	// Country records are like GeoLite2-Country's: continent, country and
	// registered_country, each with a names map.
	Country Shape = iota

	// City records are like GeoLite2-City's: Country's fields plus city,
	// location, postal and subdivisions.
	City

	// Flat records are {"country_code": "GB"}.
	Flat
)

// Options describes a test database. The zero value is an IPv6
// GeoLite2-Country-shaped database.
type Options struct {
	// Shape is the record shape. Default: Country.
	Shape Shape

	// DatabaseType is the metadata's database_type. Default:
	// "GeoLite2-Country", "GeoLite2-City" or "country ipvAll" (what the
	// ip-location-db flat databases use), by Shape.
	DatabaseType string

	// IPVersion is 4 or 6. Default: 6.
	IPVersion int

	// RecordSize is the search tree's record size in bits: 24, 28 or 32.
	// Default: 28.
	RecordSize int

	// Languages are the languages of the names maps. Default: the eight
	// GeoLite2 has (de, en, es, fr, ja, pt-BR, ru, zh-CN).
	Languages []string
}

// Network is one network of a test database.
type Network struct {
	// CIDR is the network, such as "81.2.69.0/24" or "2a02:c7f::/32".
	CIDR string

	// Country is the country's code: country.iso_code in MaxMind shapes,
	// country_code in Flat. Empty means a record without it; the code is
	// written as given, so tests may also write malformed codes.
	Country string

	// Registered is registered_country.iso_code, in MaxMind shapes only.
	// Empty means the same as Country; "-" means none.
	Registered string

	// City is the English city name, in the City shape only. Default: the
	// country's capital-like placeholder "City of XX".
	City string
}

// TB is the part of testing.TB the builders use, so that an Example, which
// has no *testing.T, can pass its own. *testing.T, *testing.B and
// *testing.F satisfy it.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// BuildEpoch is the build time every test database records, so that
// builds are reproducible: 2024-01-01T00:00:00Z.
const BuildEpoch = 1704067200

// Build returns a database holding nets. Networks are inserted from the
// widest to the narrowest, so a narrower network overrides the part of a
// wider one it covers whatever the order of nets. Errors fail t.
func Build(t TB, o Options, nets []Network) []byte {
	t.Helper()
	if o.IPVersion == 0 {
		o.IPVersion = 6
	}
	if o.RecordSize == 0 {
		o.RecordSize = 28
	}
	if o.Languages == nil {
		o.Languages = []string{"de", "en", "es", "fr", "ja", "pt-BR", "ru", "zh-CN"}
	}
	if o.DatabaseType == "" {
		o.DatabaseType = [...]string{Country: "GeoLite2-Country", City: "GeoLite2-City", Flat: "country ipvAll"}[o.Shape]
	}
	langs := o.Languages
	if o.Shape == Flat {
		langs = nil
	}
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		BuildEpoch:              BuildEpoch,
		DatabaseType:            o.DatabaseType,
		Description:             map[string]string{"en": "caddy-privacy test database"},
		IncludeReservedNetworks: true,
		IPVersion:               o.IPVersion,
		RecordSize:              o.RecordSize,
		Languages:               langs,
	})
	if err != nil {
		t.Fatalf("countrytest: %v", err)
	}
	type parsed struct {
		net  *net.IPNet
		bits int
		n    Network
	}
	ps := make([]parsed, 0, len(nets))
	for _, n := range nets {
		p, err := netip.ParsePrefix(n.CIDR)
		if err != nil {
			t.Fatalf("countrytest: network %q: %v", n.CIDR, err)
		}
		p = p.Masked()
		ps = append(ps, parsed{
			net:  &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())},
			bits: p.Bits(),
			n:    n,
		})
	}
	slices.SortStableFunc(ps, func(a, b parsed) int { return cmp.Compare(a.bits, b.bits) })
	for _, p := range ps {
		if err := tree.Insert(p.net, record(o.Shape, langs, p.n)); err != nil {
			t.Fatalf("countrytest: inserting %s: %v", p.n.CIDR, err)
		}
	}
	var buf bytes.Buffer
	if _, err := tree.WriteTo(&buf); err != nil {
		t.Fatalf("countrytest: writing database: %v", err)
	}
	return buf.Bytes()
}

// Record returns the record Build writes for n, for tests that build
// databases with mmdbwriter themselves.
func Record(s Shape, languages []string, n Network) mmdbtype.Map {
	return record(s, languages, n)
}

func record(s Shape, langs []string, n Network) mmdbtype.Map {
	if s == Flat {
		if n.Country == "" {
			return mmdbtype.Map{}
		}
		return mmdbtype.Map{"country_code": mmdbtype.String(n.Country)}
	}
	r := mmdbtype.Map{}
	if n.Country != "" {
		r["country"] = countryMap(n.Country, langs)
		r["continent"] = continentMap(n.Country, langs)
	}
	switch n.Registered {
	case "":
		if n.Country != "" {
			r["registered_country"] = countryMap(n.Country, langs)
		}
	case "-":
	default:
		r["registered_country"] = countryMap(n.Registered, langs)
		if n.Country == "" {
			r["continent"] = continentMap(n.Registered, langs)
		}
	}
	if s == City && n.Country != "" {
		city := n.City
		if city == "" {
			city = "City of " + n.Country
		}
		h := hash(city)
		r["city"] = mmdbtype.Map{
			"geoname_id": mmdbtype.Uint32(h % 10_000_000),
			"names":      names(city, langs),
		}
		r["location"] = mmdbtype.Map{
			"accuracy_radius": mmdbtype.Uint16(h%500 + 1),
			"latitude":        mmdbtype.Float64(float64(h%18000)/100 - 90),
			"longitude":       mmdbtype.Float64(float64(h%36000)/100 - 180),
			"time_zone":       mmdbtype.String("Etc/UTC"),
		}
		r["postal"] = mmdbtype.Map{"code": mmdbtype.String(city[:min(len(city), 4)])}
		r["subdivisions"] = mmdbtype.Slice{mmdbtype.Map{
			"geoname_id": mmdbtype.Uint32(h%1_000_000 + 1),
			"iso_code":   mmdbtype.String("S1"),
			"names":      names("Region of "+city, langs),
		}}
	}
	return r
}

func countryMap(code string, langs []string) mmdbtype.Map {
	m := mmdbtype.Map{
		"geoname_id": mmdbtype.Uint32(hash(code) % 10_000_000),
		"iso_code":   mmdbtype.String(code),
		"names":      names("Country "+code, langs),
	}
	if continent(code) == "EU" {
		m["is_in_european_union"] = mmdbtype.Bool(true)
	}
	return m
}

func continentMap(code string, langs []string) mmdbtype.Map {
	c := continent(code)
	return mmdbtype.Map{
		"code":       mmdbtype.String(c),
		"geoname_id": mmdbtype.Uint32(hash(c) % 10_000_000),
		"names":      names("Continent "+c, langs),
	}
}

// continent gives a plausible continent code; only the shape of the data
// matters to the tests.
func continent(code string) string {
	switch code {
	case "AT", "BE", "CH", "DE", "DK", "ES", "FI", "FR", "GB", "IE", "IT", "NL", "NO", "PL", "PT", "SE":
		return "EU"
	case "CA", "MX", "US":
		return "NA"
	case "AR", "BR", "CL", "CO", "PE":
		return "SA"
	case "AU", "NZ":
		return "OC"
	case "EG", "KE", "NG", "ZA":
		return "AF"
	}
	return "AS"
}

func names(name string, langs []string) mmdbtype.Map {
	m := make(mmdbtype.Map, len(langs))
	for _, l := range langs {
		if l == "en" {
			m[mmdbtype.String(l)] = mmdbtype.String(name)
		} else {
			m[mmdbtype.String(l)] = mmdbtype.String(name + " (" + l + ")")
		}
	}
	return m
}

func hash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// networks turns a CIDR → code map into networks.
func networks(nets map[string]string) []Network {
	ns := make([]Network, 0, len(nets))
	for cidr, code := range nets {
		ns = append(ns, Network{CIDR: cidr, Country: code})
	}
	// Build sorts by prefix length; sorting here as well makes equal
	// lengths, which cannot overlap, insert in a fixed order.
	slices.SortFunc(ns, func(a, b Network) int { return cmp.Compare(a.CIDR, b.CIDR) })
	return ns
}

// MaxMindBytes returns a GeoLite2-Country-shaped database mapping each
// network (CIDR notation) in nets to its country code.
func MaxMindBytes(t TB, nets map[string]string) []byte {
	t.Helper()
	return Build(t, Options{Shape: Country}, networks(nets))
}

// FlatBytes returns a flat country_code database mapping each network
// (CIDR notation) in nets to its country code.
func FlatBytes(t TB, nets map[string]string) []byte {
	t.Helper()
	return Build(t, Options{Shape: Flat}, networks(nets))
}

// WriteMaxMind writes MaxMindBytes(t, nets) to a new file in dir and
// returns its path.
func WriteMaxMind(t TB, dir string, nets map[string]string) string {
	t.Helper()
	return Write(t, dir, MaxMindBytes(t, nets))
}

// WriteFlat writes FlatBytes(t, nets) to a new file in dir and returns its
// path.
func WriteFlat(t TB, dir string, nets map[string]string) string {
	t.Helper()
	return Write(t, dir, FlatBytes(t, nets))
}

// Write writes b to a new .mmdb file in dir and returns its path.
func Write(t TB, dir string, b []byte) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "country-*.mmdb")
	if err != nil {
		t.Fatalf("countrytest: %v", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		t.Fatalf("countrytest: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("countrytest: %v", err)
	}
	return filepath.Clean(f.Name())
}
