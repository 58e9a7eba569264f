// Package country maps client addresses to ISO 3166-1 alpha-2 country
// codes, from a MaxMind DB (MMDB) file, so that the rest of caddy-privacy
// can keep a visitor's country and forget their address.
//
// Two kinds of database are read: MaxMind GeoIP2 and GeoLite2 Country or
// City databases (and compatible ones such as DB-IP's), whose records hold
// country.iso_code and registered_country.iso_code, and flat databases
// whose records are {"country_code": "GB"}, such as the CC BY 4.0
// geo-whois-asn-country database published by ip-location-db. The kind is
// detected from the file.
//
// A DB is one opened file. A Resolver is what the rest of the project uses:
// it never returns an empty code, treats non-routable addresses as unknown,
// and lets the database be replaced while lookups run.
package country

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"
	"github.com/oschwald/maxminddb-golang/v2/mmdbdata"
)

// Kind is the shape of a country database's records.
type Kind string

// The kinds of country database.
const (
	// KindMaxMind is a GeoIP2 or GeoLite2 Country or City database, or a
	// compatible one: records hold country.iso_code and, for networks with
	// no country of their own, registered_country.iso_code.
	KindMaxMind Kind = "maxmind"

	// KindFlat is a database whose records are {"country_code": "GB"}.
	KindFlat Kind = "flat"
)

// Info describes an opened database, for `caddy-privacy geoip info`.
type Info struct {
	// Path is the file the database was read from; empty for FromBytes.
	Path string

	// Kind is the record shape detected: "maxmind" or "flat".
	Kind Kind

	// DatabaseType is the database_type from the file's metadata, such as
	// "GeoLite2-Country".
	DatabaseType string

	// Description is the English description from the metadata, or, if it
	// has none in English, the one in the alphabetically first language.
	Description string

	// BuildTime is when the database was built, from its metadata.
	BuildTime time.Time

	// IPVersion is 4 for an IPv4-only database and 6 for one that holds
	// both IPv4 and IPv6 networks.
	IPVersion int

	// NodeCount is the number of nodes in the search tree.
	NodeCount int

	// RecordSize is the size in bits of a search tree record: 24, 28 or 32.
	RecordSize int

	// Size is the size of the file in bytes.
	Size int
}

// DB is one opened country database. It is immutable and safe for
// concurrent use. The whole file is held in memory rather than mapped, so a
// DB that has been replaced while a lookup still runs on it stays valid
// until the garbage collector finds it unused.
type DB struct {
	info   Info
	reader *maxminddb.Reader

	// The fields below give direct access to the file's sections, so that a
	// lookup reads only the one value it needs and the tree can be walked
	// with a bound on the work a damaged file can cause.
	tree       []byte
	data       []byte
	dec        *mmdbdata.Decoder
	nodeCount  uint
	recordSize uint
	flat       bool // Kind is KindFlat

	standInOnce sync.Once
	standIns    *[26 * 26]netip.Addr

	fast *fastTables // see fast.go
}

// want is the end of error messages about files that are not country
// databases: what would be accepted.
const want = "want a GeoIP2/GeoLite2 Country or City database, or an MMDB whose records are {\"country_code\": \"GB\"}"

// metadataMarker starts an MMDB file's metadata section.
var metadataMarker = []byte("\xAB\xCD\xEFMaxMind.com")

// Open reads the country database at path into memory. Errors name the
// path and say what kind of file was expected.
func Open(path string) (*DB, error) {
	b, err := readFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading country database: %w", err)
	}
	db, err := FromBytes(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	db.info.Path = path
	return db, nil
}

// FromBytes opens a country database held in b. The DB keeps b, which must
// not be changed afterwards.
func FromBytes(b []byte) (*DB, error) {
	if len(b) == 0 {
		return nil, errors.New("empty file is not an MMDB country database; " + want)
	}
	r, err := maxminddb.OpenBytes(b, maxminddb.DisableStringCache())
	if err != nil {
		return nil, fmt.Errorf("not an MMDB country database: %v; %s", err, want)
	}
	md := r.Metadata
	if md.IPVersion != 4 && md.IPVersion != 6 {
		return nil, fmt.Errorf("not an MMDB country database: ip_version is %d, not 4 or 6; %s", md.IPVersion, want)
	}
	if md.RecordSize != 24 && md.RecordSize != 28 && md.RecordSize != 32 {
		return nil, fmt.Errorf("not an MMDB country database: record_size is %d, not 24, 28 or 32; %s", md.RecordSize, want)
	}
	// OpenBytes has checked that the tree and the separator fit before the
	// metadata, so these slices are in range.
	metaStart := bytes.LastIndex(b, metadataMarker)
	treeSize := md.NodeCount * md.RecordSize / 4
	db := &DB{
		reader:     r,
		tree:       b[:treeSize],
		data:       b[treeSize+16 : metaStart],
		nodeCount:  md.NodeCount,
		recordSize: md.RecordSize,
	}
	db.dec = mmdbdata.NewDecoder(db.data, 0)
	db.info = Info{
		DatabaseType: md.DatabaseType,
		Description:  description(md.Description),
		BuildTime:    md.BuildTime().UTC(),
		IPVersion:    int(md.IPVersion),
		NodeCount:    int(md.NodeCount),
		RecordSize:   int(md.RecordSize),
		Size:         len(b),
	}
	kind, err := db.detect()
	if err != nil {
		return nil, err
	}
	db.info.Kind = kind
	db.flat = kind == KindFlat
	db.buildFast()
	return db, nil
}

func description(m map[string]string) string {
	if d, ok := m["en"]; ok {
		return d
	}
	langs := make([]string, 0, len(m))
	for l := range m {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	if len(langs) == 0 {
		return ""
	}
	return m[langs[0]]
}

// maxMindTypes are the database types that hold MaxMind-shaped country
// records, as geoip2-golang knows them. They decide the kind only when the
// records themselves do not, as in a database with no networks.
var maxMindTypes = []string{
	"GeoIP2-Country", "GeoLite2-Country", "GeoIP2-City", "GeoLite2-City",
	"GeoIP2-Precision-City", "GeoIP2-Enterprise", "DBIP-Country-Lite",
	"DBIP-Country", "DBIP-City-Lite",
}

// probeRecords is how many distinct records detection reads. Records with
// neither shape (a network with only a continent) are skipped, so more than
// one is read; the first few networks of a real database decide it.
const probeRecords = 64

// detect decides the kind from the records the search tree points to, and
// from the database type when the records do not say.
func (db *DB) detect() (Kind, error) {
	var maxMind, flat int
	seen := make(map[uint]bool)
	err := db.walk(1<<16, func(_ netip.Prefix, off uint) bool {
		if seen[off] {
			return true
		}
		seen[off] = true
		switch db.classify(off) {
		case KindMaxMind:
			maxMind++
		case KindFlat:
			flat++
		}
		return len(seen) < probeRecords
	})
	typ := db.info.DatabaseType
	switch {
	case maxMind > 0 && flat > 0:
		return "", fmt.Errorf("database type %q mixes MaxMind country records and flat country_code records; %s", typ, want)
	case maxMind > 0:
		return KindMaxMind, nil
	case flat > 0:
		return KindFlat, nil
	case err != nil:
		return "", fmt.Errorf("not an MMDB country database: %v; %s", err, want)
	case len(seen) == 0 && isMaxMindType(typ):
		return KindMaxMind, nil
	}
	return "", fmt.Errorf("database type %q has no country records (looked for country.iso_code, registered_country.iso_code and country_code); %s", typ, want)
}

func isMaxMindType(typ string) bool {
	for _, t := range maxMindTypes {
		if strings.EqualFold(typ, t) {
			return true
		}
	}
	return false
}

// classify reports which kind of record is at off in the data section, or
// "" if it is neither.
func (db *DB) classify(off uint) Kind {
	m, err := db.dec.CursorAt(off).MapReader()
	if err != nil {
		return ""
	}
	c := m.First()
	for range m.Len() {
		key, val, err := c.ReadMapKey()
		if err != nil {
			return ""
		}
		switch string(key) {
		case "country", "registered_country":
			if _, ok := db.isoCode(val); ok {
				return KindMaxMind
			}
		case "country_code":
			if _, ok := db.codeString(val); ok {
				return KindFlat
			}
		}
		if c, err = val.Skip(); err != nil {
			return ""
		}
	}
	return ""
}

// Lookup returns the upper-case ISO 3166-1 alpha-2 code of the country
// addr is in, and false if the database lists no country for it. IPv4
// addresses may be given in their IPv4-mapped IPv6 form; zones are ignored.
// A code that is not two ASCII letters counts as no country. Lookup
// allocates nothing.
func (db *DB) Lookup(addr netip.Addr) (code string, ok bool) {
	if db == nil || !addr.IsValid() {
		return "", false
	}
	addr = addr.Unmap()
	if addr.Is6() && db.info.IPVersion == 4 {
		// Checked here because maxminddb formats an error holding the
		// address, which costs an allocation and which we must not log.
		return "", false
	}
	i, ok := db.lookupFast(addr)
	if !ok {
		return "", false
	}
	return codeAt(i), true
}

// recordCode reads the country code index of the record at off. It walks
// the record's top-level map once, reading only the keys it needs, which is
// what makes it faster than decoding into a struct.
func (db *DB) recordCode(off uint) (int, bool) {
	m, err := db.dec.CursorAt(off).MapReader()
	if err != nil {
		return 0, false
	}
	registered, haveRegistered := 0, false
	c := m.First()
	for range m.Len() {
		key, val, err := c.ReadMapKey()
		if err != nil {
			return 0, false
		}
		if db.flat {
			if string(key) == "country_code" {
				return db.codeString(val)
			}
		} else {
			switch string(key) {
			case "country":
				if i, ok := db.isoCode(val); ok {
					return i, true
				}
			case "registered_country":
				registered, haveRegistered = db.isoCode(val)
			}
		}
		if c, err = val.Skip(); err != nil {
			return 0, false
		}
	}
	return registered, haveRegistered
}

// isoCode reads the iso_code in the map at c.
func (db *DB) isoCode(c mmdbdata.Cursor) (int, bool) {
	m, err := c.MapReader()
	if err != nil {
		return 0, false
	}
	c = m.First()
	for range m.Len() {
		key, val, err := c.ReadMapKey()
		if err != nil {
			return 0, false
		}
		if string(key) == "iso_code" {
			return db.codeString(val)
		}
		if c, err = val.Skip(); err != nil {
			return 0, false
		}
	}
	return 0, false
}

// codeString reads the two-letter string at c straight from the data
// section, following a pointer if there is one, so that no string is made.
func (db *DB) codeString(c mmdbdata.Cursor) (int, bool) {
	off, err := c.Offset()
	if err != nil || off+2 >= uint(len(db.data)) {
		return 0, false
	}
	// A control byte of 0x42 is a UTF-8 string (type 2, in the top three
	// bits) of length 2 (the low five bits).
	if db.data[off] != 0x42 {
		return 0, false
	}
	return codeIndex(db.data[off+1], db.data[off+2])
}

// Info describes the database.
func (db *DB) Info() Info {
	return db.info
}

// Verify checks the whole file against the MaxMind DB format: the search
// tree, every record and the metadata. Open checks only what lookups need;
// a damaged database then gives no country for some addresses rather than
// failing. Verify reads everything, which takes about as long as reading
// the file from disk again.
func (db *DB) Verify() error {
	if err := db.reader.Verify(); err != nil {
		return fmt.Errorf("country database is damaged: %w", err)
	}
	return nil
}

// Close does nothing and returns nil: the database is in memory and the
// garbage collector frees it once nothing uses it. It exists so a DB can be
// handled as an io.Closer, and it is safe to call while lookups still run.
func (db *DB) Close() error {
	return nil
}

// readFile reads the file at path into memory. A big file is read in parts
// on up to four goroutines: most of the time of reading a database into
// fresh memory is page faults (half of the log CLI's start-up in a
// profile), and faults on different cores do not wait for each other.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	const part = 2 << 20
	size := fi.Size()
	n := min(runtime.GOMAXPROCS(0), 4, int(size/part))
	if !fi.Mode().IsRegular() || n < 2 {
		return io.ReadAll(f)
	}
	b := make([]byte, size)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		lo, hi := size*int64(i)/int64(n), size*int64(i+1)/int64(n)
		wg.Go(func() {
			if _, err := f.ReadAt(b[lo:hi], lo); err != nil {
				if err == io.EOF {
					err = errors.New("the file shrank while it was read")
				}
				errs[i] = err
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return b, nil
}
