package country

import (
	"bytes"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
	"github.com/oschwald/geoip2-golang/v2"

	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
)

// testNetworks covers IPv4 and IPv6, nesting (a narrower network inside a
// wider one of another country), a network with only registered_country
// (as MaxMind lists some anycast and satellite networks), one with neither,
// a documentation range and odd codes.
var testNetworks = []countrytest.Network{
	{CIDR: "81.2.69.0/24", Country: "GB"},
	{CIDR: "81.2.0.0/16", Country: "DE"},
	{CIDR: "2.125.160.0/20", Country: "GB", Registered: "-"},
	{CIDR: "89.160.20.112/28", Country: "SE", Registered: "DE"},
	{CIDR: "67.43.156.0/24", Registered: "BT"},  // no country
	{CIDR: "202.196.224.0/20", Registered: "-"}, // neither
	{CIDR: "192.0.2.0/24", Country: "FR"},       // TEST-NET-1
	{CIDR: "2a02:c7f::/32", Country: "GB"},
	{CIDR: "2001:db8::/32", Country: "JP"},
	{CIDR: "2001:480::/32", Country: "us"}, // lower case, as some files have
	{CIDR: "5.5.5.0/24", Country: "A1"},    // legacy non-country code
	{CIDR: "6.6.6.0/24", Country: "GBR"},   // not alpha-2
}

type lookupCase struct {
	addr string
	code string // "" means not listed
}

var lookupCases = []lookupCase{
	{"81.2.69.142", "GB"},
	{"81.2.69.0", "GB"},
	{"81.2.69.255", "GB"},
	{"81.2.70.1", "DE"}, // in the /16 but not the /24
	{"81.3.0.1", ""},    // just outside the /16
	{"2.125.160.216", "GB"},
	{"89.160.20.113", "SE"}, // country wins over registered_country
	{"67.43.156.1", "BT"},   // registered_country fallback
	{"202.196.224.1", ""},   // listed, but no country at all
	{"192.0.2.1", "FR"},
	{"::ffff:81.2.69.142", "GB"}, // IPv4-mapped
	{"2a02:c7f:1234::1", "GB"},
	{"2a02:c80::1", ""},
	{"2001:db8::1", "JP"},
	{"2001:480::1", "US"},
	{"5.5.5.5", ""},
	{"6.6.6.6", ""},
	{"8.8.8.8", ""},
	{"::", ""},
}

func openTest(t testing.TB, o countrytest.Options) *DB {
	t.Helper()
	db, err := FromBytes(countrytest.Build(t, o, testNetworks))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts countrytest.Options
		kind Kind
	}{
		{"country", countrytest.Options{}, KindMaxMind},
		{"city", countrytest.Options{Shape: countrytest.City}, KindMaxMind},
		{"city-24", countrytest.Options{Shape: countrytest.City, RecordSize: 24}, KindMaxMind},
		{"country-32", countrytest.Options{RecordSize: 32}, KindMaxMind},
		{"flat", countrytest.Options{Shape: countrytest.Flat}, KindFlat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t, tc.opts)
			if got := db.Info().Kind; got != tc.kind {
				t.Fatalf("Kind = %q, want %q", got, tc.kind)
			}
			for _, c := range lookupCases {
				want := c.code
				if tc.kind == KindFlat && c.addr == "67.43.156.1" {
					want = "" // flat records have no registered country
				}
				code, ok := db.Lookup(netip.MustParseAddr(c.addr))
				if code != want || ok != (want != "") {
					t.Errorf("Lookup(%s) = %q, %v; want %q, %v", c.addr, code, ok, want, want != "")
				}
			}
		})
	}
}

func TestLookupZoneAndInvalid(t *testing.T) {
	db := openTest(t, countrytest.Options{})
	if code, ok := db.Lookup(netip.MustParseAddr("2a02:c7f::1%eth0")); code != "GB" || !ok {
		t.Errorf("Lookup with zone = %q, %v; want GB, true", code, ok)
	}
	if code, ok := db.Lookup(netip.Addr{}); code != "" || ok {
		t.Errorf("Lookup(zero Addr) = %q, %v; want \"\", false", code, ok)
	}
	var nilDB *DB
	if code, ok := nilDB.Lookup(netip.MustParseAddr("81.2.69.142")); code != "" || ok {
		t.Errorf("nil DB Lookup = %q, %v; want \"\", false", code, ok)
	}
}

func TestLookupIPv4Only(t *testing.T) {
	var v4 []countrytest.Network
	for _, n := range testNetworks {
		if strings.Contains(n.CIDR, ".") {
			v4 = append(v4, n)
		}
	}
	for _, shape := range []countrytest.Shape{countrytest.Country, countrytest.Flat} {
		db, err := FromBytes(countrytest.Build(t, countrytest.Options{Shape: shape, IPVersion: 4}, v4))
		if err != nil {
			t.Fatal(err)
		}
		if db.Info().IPVersion != 4 {
			t.Fatalf("IPVersion = %d, want 4", db.Info().IPVersion)
		}
		for _, c := range []lookupCase{
			{"81.2.69.142", "GB"},
			{"::ffff:81.2.69.142", "GB"},
			{"81.2.70.1", "DE"},
			{"2a02:c7f::1", ""}, // IPv6 in an IPv4 database
			{"::", ""},
		} {
			code, ok := db.Lookup(netip.MustParseAddr(c.addr))
			if code != c.code || ok != (c.code != "") {
				t.Errorf("shape %d: Lookup(%s) = %q, %v; want %q", shape, c.addr, code, ok, c.code)
			}
		}
	}
}

// TestLookupMatchesGeoIP2 cross-checks Lookup against geoip2-golang, the
// reference reader for MaxMind files, over every test address.
func TestLookupMatchesGeoIP2(t *testing.T) {
	b := countrytest.Build(t, countrytest.Options{Shape: countrytest.City}, testNetworks)
	db, err := FromBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := geoip2.OpenBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range lookupCases {
		addr := netip.MustParseAddr(c.addr)
		rec, err := ref.Country(addr)
		if err != nil {
			t.Fatalf("geoip2 Country(%s): %v", addr, err)
		}
		want := rec.Country.ISOCode
		if want == "" {
			want = rec.RegisteredCountry.ISOCode
		}
		want, _ = Intern(want) // geoip2 passes any string on; we accept only letter pairs
		if got, _ := db.Lookup(addr); got != want {
			t.Errorf("Lookup(%s) = %q, geoip2 says %q", addr, got, want)
		}
	}
}

func TestLookupAllocs(t *testing.T) {
	for _, shape := range []countrytest.Shape{countrytest.City, countrytest.Flat} {
		db := openTest(t, countrytest.Options{Shape: shape})
		addrs := []netip.Addr{
			netip.MustParseAddr("81.2.69.142"),
			netip.MustParseAddr("67.43.156.1"),
			netip.MustParseAddr("2a02:c7f::1"),
			netip.MustParseAddr("8.8.8.8"),
		}
		allocs := testing.AllocsPerRun(100, func() {
			for _, a := range addrs {
				db.Lookup(a)
			}
		})
		if allocs != 0 {
			t.Errorf("shape %d: Lookup allocates %.1f times per run; want 0", shape, allocs)
		}
	}
}

func TestInfo(t *testing.T) {
	db := openTest(t, countrytest.Options{Shape: countrytest.City, RecordSize: 24})
	info := db.Info()
	want := Info{
		Kind:         KindMaxMind,
		DatabaseType: "GeoLite2-City",
		Description:  "caddy-privacy test database",
		BuildTime:    time.Unix(countrytest.BuildEpoch, 0).UTC(),
		IPVersion:    6,
		RecordSize:   24,
	}
	if info.NodeCount <= 0 || info.Size <= info.NodeCount*24/4 {
		t.Errorf("NodeCount = %d, Size = %d; want a tree that fits in the file", info.NodeCount, info.Size)
	}
	info.NodeCount, info.Size = 0, 0
	if info != want {
		t.Errorf("Info() = %+v\nwant %+v", info, want)
	}
	if err := db.Verify(); err != nil {
		t.Errorf("Verify() = %v on a good database", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	path := countrytest.WriteFlat(t, dir, map[string]string{"81.2.69.0/24": "GB"})
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if db.Info().Path != path || db.Info().Kind != KindFlat {
		t.Errorf("Info() = %+v; want Path %s, Kind flat", db.Info(), path)
	}
	if code, _ := db.Lookup(netip.MustParseAddr("81.2.69.1")); code != "GB" {
		t.Errorf("Lookup = %q, want GB", code)
	}
	// The file is read whole: removing it does not affect the DB.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if code, _ := db.Lookup(netip.MustParseAddr("81.2.69.1")); code != "GB" {
		t.Errorf("Lookup after removing the file = %q, want GB", code)
	}
}

// buildRaw writes a database with arbitrary records, one per network
// 81.2.N.0/24, for the shapes the countrytest builders do not make.
func buildRaw(t *testing.T, typ string, recs ...mmdbtype.DataType) []byte {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: typ, IncludeReservedNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range recs {
		n := &net.IPNet{IP: net.IPv4(81, 2, byte(i), 0).To4(), Mask: net.CIDRMask(24, 32)}
		if err := tree.Insert(n, rec); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := tree.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDetect(t *testing.T) {
	asn := mmdbtype.Map{
		"autonomous_system_number":       mmdbtype.Uint32(15169),
		"autonomous_system_organization": mmdbtype.String("Example"),
	}
	for _, tc := range []struct {
		name string
		b    []byte
		kind Kind
		err  string // substring of the error; "" means no error
	}{
		{"maxmind", buildRaw(t, "GeoLite2-Country", mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String("GB")}}), KindMaxMind, ""},
		// The records decide, not the name.
		{"maxmind-odd-name", buildRaw(t, "my-geo", mmdbtype.Map{"registered_country": mmdbtype.Map{"iso_code": mmdbtype.String("GB")}}), KindMaxMind, ""},
		{"flat-odd-name", buildRaw(t, "GeoLite2-Country", mmdbtype.Map{"country_code": mmdbtype.String("GB")}), KindFlat, ""},
		{"empty-maxmind", buildRaw(t, "GeoIP2-Country"), KindMaxMind, ""},
		{"empty-unknown", buildRaw(t, "country ipvAll"), "", `database type "country ipvAll" has no country records`},
		{"asn", buildRaw(t, "GeoLite2-ASN", asn), "", `database type "GeoLite2-ASN" has no country records`},
		// Near misses: the right keys with the wrong types of value.
		{"country-string", buildRaw(t, "x", mmdbtype.Map{"country": mmdbtype.String("GB")}), "", "no country records"},
		{"country-code-map", buildRaw(t, "x", mmdbtype.Map{"country_code": mmdbtype.Map{"iso_code": mmdbtype.String("GB")}}), "", "no country records"},
		{"iso-code-number", buildRaw(t, "x", mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.Uint32(826)}}), "", "no country records"},
		{"not-a-map", buildRaw(t, "x", mmdbtype.String("GB")), "", "no country records"},
		// Records of neither shape are passed over: a continent alone.
		{"continent-first", buildRaw(t, "x",
			mmdbtype.Map{"continent": mmdbtype.Map{"code": mmdbtype.String("EU")}},
			mmdbtype.Map{"country_code": mmdbtype.String("GB")}), KindFlat, ""},
		{"mixed", buildRaw(t, "x",
			mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String("GB")}},
			mmdbtype.Map{"country_code": mmdbtype.String("GB")}), "", "mixes MaxMind country records and flat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := FromBytes(tc.b)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("FromBytes error = %v; want one containing %q", err, tc.err)
				}
				if !strings.Contains(err.Error(), "want a GeoIP2/GeoLite2 Country or City database") {
					t.Errorf("error %q does not say what is accepted", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if db.Info().Kind != tc.kind {
				t.Errorf("Kind = %q, want %q", db.Info().Kind, tc.kind)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	good := countrytest.MaxMindBytes(t, map[string]string{"81.2.69.0/24": "GB", "2a02:c7f::/32": "GB"})
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Cut inside the metadata, so the marker is still found but the map is
	// truncated, and inside the tree, so the metadata is gone.
	marker := bytes.LastIndex(good, metadataMarker)
	for _, tc := range []struct {
		name, path, err string
	}{
		{"missing", filepath.Join(dir, "nope.mmdb"), "no such file"},
		{"empty", write("empty.mmdb", nil), "empty file is not an MMDB country database"},
		{"text", write("text.mmdb", []byte("81.2.69.0/24,GB\n")), "not an MMDB country database"},
		{"truncated-tree", write("tree.mmdb", good[:len(good)/3]), "not an MMDB country database"},
		{"truncated-metadata", write("meta.mmdb", good[:marker+len(metadataMarker)+5]), "not an MMDB country database"},
		{"directory", dir, "reading country database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(tc.path)
			if err == nil {
				t.Fatalf("Open(%s) = %v, nil; want an error", tc.name, db)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.err) {
				t.Errorf("error %q does not contain %q", msg, tc.err)
			}
			if !strings.Contains(msg, tc.path) {
				t.Errorf("error %q does not name the path", msg)
			}
		})
	}
}

func TestStandIn(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts countrytest.Options
		nets []countrytest.Network
		want map[string]string // code → stand-in; "" means none
	}{
		{
			name: "maxmind",
			nets: append([]countrytest.Network{
				{CIDR: "10.0.0.0/8", Country: "NL"},    // private: never a stand-in
				{CIDR: "100.64.0.0/10", Country: "NL"}, // CGNAT
				{CIDR: "0.0.0.0/8", Country: "NL"},     // this network
				{CIDR: "fc00::/7", Country: "NL"},      // ULA
				{CIDR: "2a01:4f8::/29", Country: "NL"}, // the only public NL network
				{CIDR: "185.1.2.7/32", Country: "CH"},  // single address only
				{CIDR: "185.1.2.16/31", Country: "IT"}, // smallest network with two
				{CIDR: "2a03:1::/48", Country: "IT"},   // IPv4 preferred over this
			}, testNetworks...),
			want: map[string]string{
				"GB": "2.125.160.1", // lowest GB network, not the first in the list
				"DE": "81.2.0.1",
				"SE": "89.160.20.113",
				"BT": "67.43.156.1", // from registered_country
				"FR": "",            // only in documentation ranges: never a stand-in
				"JP": "",
				"US": "2001:480::1",
				"NL": "2a01:4f8::1",
				"CH": "185.1.2.7",
				"IT": "185.1.2.17",
				"ZZ": "",
				"XX": "",
			},
		},
		{
			name: "flat-ipv4",
			opts: countrytest.Options{Shape: countrytest.Flat, IPVersion: 4},
			nets: []countrytest.Network{
				{CIDR: "81.2.69.0/24", Country: "GB"},
				{CIDR: "1.0.0.0/24", Country: "AU"},
				{CIDR: "127.0.0.0/8", Country: "AU"},
			},
			want: map[string]string{"GB": "81.2.69.1", "AU": "1.0.0.1", "DE": ""},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := FromBytes(countrytest.Build(t, tc.opts, tc.nets))
			if err != nil {
				t.Fatal(err)
			}
			r := NewResolver(db, "", 0)
			for code, want := range tc.want {
				addr, ok := db.StandIn(code)
				if want == "" {
					if ok || addr.IsValid() {
						t.Errorf("StandIn(%s) = %s, %v; want none", code, addr, ok)
					}
					continue
				}
				if !ok || addr != netip.MustParseAddr(want) {
					t.Errorf("StandIn(%s) = %s, %v; want %s", code, addr, ok, want)
				}
				if got := r.Country(addr); got != code {
					t.Errorf("Country(StandIn(%s)) = %s", code, got)
				}
			}
			// Lower case is accepted; anything else is not.
			if a, ok := db.StandIn("gb"); tc.want["GB"] != "" && (!ok || a.String() != tc.want["GB"]) {
				t.Errorf("StandIn(gb) = %s, %v", a, ok)
			}
			for _, bad := range []string{"", "G", "GBR", "A1", "G\x00", "\xffB"} {
				if a, ok := db.StandIn(bad); ok || a.IsValid() {
					t.Errorf("StandIn(%q) = %s, %v; want none", bad, a, ok)
				}
			}
		})
	}
}

func TestIntern(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"GB", "GB", true}, {"gb", "GB", true}, {"gB", "GB", true}, {"ZZ", "ZZ", true}, {"AA", "AA", true},
		{"", "", false}, {"G", "", false}, {"GBR", "", false}, {"A1", "", false}, {"@A", "", false},
		{"[A", "", false}, {"`A", "", false}, {"{A", "", false}, {"\xc1A", "", false}, {"\xe1A", "", false},
	} {
		got, ok := Intern(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Intern(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	// Interned codes share storage, which is what makes Lookup allocation-free.
	a, _ := Intern("gb")
	b, _ := Intern(strings.ToUpper("gb"))
	if a != b || unsafe.StringData(a) != unsafe.StringData(b) {
		t.Errorf("Intern does not return shared storage")
	}
}
