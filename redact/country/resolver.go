package country

import (
	"math/bits"
	"net/netip"
	"sync/atomic"
)

// DefaultUnknown is the code a Resolver gives addresses with no country
// unless told otherwise: ZZ, the ISO 3166 user-assigned code commonly used
// for "unknown".
const DefaultUnknown = "ZZ"

// Resolver maps addresses to country codes for the rest of caddy-privacy.
// Its database can be replaced at run time with Swap; lookups take no lock
// to read it. A Resolver is safe for concurrent use. Make one with
// NewResolver; the zero Resolver answers DefaultUnknown for everything.
type Resolver struct {
	unknown   string
	cacheSize int
	state     atomic.Pointer[resolverState]
}

// resolverState is one database and the answers cached from it. It is
// replaced whole, so that a swap also drops the old database's answers.
type resolverState struct {
	db    *DB
	cache *answerCache // nil: no cache
}

// NewResolver returns a Resolver that looks addresses up in db. A nil db
// makes every address unknown until Swap provides one. unknown is the code
// given to addresses with no country; "" means DefaultUnknown, and a code
// of either case is upper-cased. cacheSize is the number of answers kept,
// per address, in a cache; 0 or less means none.
//
// The cache is direct-mapped and takes no lock (it was an LRU behind a
// mutex, which serialised parallel workers): cacheSize is rounded up to a
// power of two of slots, each holding the last address that hashed to it.
// It pays only when addresses repeat (BenchmarkRatio): replaying a real
// access log, where 82% of requests come from one of the previous 4096
// addresses, it makes lookups faster; for a stream of new addresses it
// makes them a little slower. The cache holds visitor addresses in memory,
// never anywhere else.
func NewResolver(db *DB, unknown string, cacheSize int) *Resolver {
	if unknown == "" {
		unknown = DefaultUnknown
	} else if c, ok := Intern(unknown); ok {
		unknown = c
	}
	r := &Resolver{unknown: unknown, cacheSize: cacheSize}
	r.state.Store(r.newState(db))
	return r
}

func (r *Resolver) newState(db *DB) *resolverState {
	s := &resolverState{db: db}
	if db != nil && r.cacheSize > 0 {
		s.cache = newAnswerCache(r.cacheSize)
	}
	return s
}

// Country returns the country code of addr, never "": the Resolver's
// unknown code for addresses that are not routable on the internet (see
// below), that the database does not list, or that are invalid. IPv4
// addresses in IPv4-mapped IPv6 form are looked up as IPv4 and zones are
// dropped.
//
// Not routable means unspecified, "this network" (0.0.0.0/8), loopback,
// private (RFC 1918, and unique local fc00::/7), shared address space for
// carrier-grade NAT (100.64.0.0/10), link-local, multicast (224.0.0.0/4,
// ff00::/8), the reserved 240.0.0.0/4 including the broadcast address, the
// documentation ranges (RFC 5737's 192.0.2.0/24, 198.51.100.0/24 and
// 203.0.113.0/24; RFC 3849's 2001:db8::/32 and RFC 9637's 3fff::/20) and
// the benchmarking range 198.18.0.0/15 (RFC 2544). These are unknown
// whatever the database says: whois-derived databases give some of them
// the country of the registry that lists them (203.0.113.9 became AU),
// and no visitor comes from them.
func (r *Resolver) Country(addr netip.Addr) string {
	s := r.state.Load()
	if s == nil {
		return DefaultUnknown
	}
	if !addr.IsValid() || s.db == nil {
		return r.unknown
	}
	addr = addr.Unmap().WithZone("")
	if isReserved(addr) {
		return r.unknown
	}
	if s.cache != nil {
		if code, ok := s.cache.get(addr); ok {
			return code
		}
	}
	code, ok := s.db.Lookup(addr)
	if !ok {
		code = r.unknown
	}
	if s.cache != nil {
		s.cache.add(addr, code)
	}
	return code
}

// Swap replaces the database, which may be nil, and returns the one it
// replaces. Lookups already running finish on the old database; cached
// answers from it are dropped.
func (r *Resolver) Swap(db *DB) (old *DB) {
	if s := r.state.Swap(r.newState(db)); s != nil {
		return s.db
	}
	return nil
}

// DB returns the database in use, or nil if there is none.
func (r *Resolver) DB() *DB {
	if s := r.state.Load(); s != nil {
		return s.db
	}
	return nil
}

// isReserved reports whether addr, which must be unmapped, cannot be a
// client on the internet. See Resolver.Country for the list.
func isReserved(addr netip.Addr) bool {
	if addr.Is4() {
		a := addr.As4()
		switch {
		case a[0] == 0, // "this network", including 0.0.0.0
			a[0] == 10,                               // private
			a[0] == 100 && a[1]&0xC0 == 64,           // shared address space (CGNAT)
			a[0] == 127,                              // loopback
			a[0] == 169 && a[1] == 254,               // link-local
			a[0] == 172 && a[1]&0xF0 == 16,           // private
			a[0] == 192 && a[1] == 168,               // private
			a[0] == 192 && a[1] == 0 && a[2] == 2,    // documentation (TEST-NET-1)
			a[0] == 198 && a[1] == 51 && a[2] == 100, // documentation (TEST-NET-2)
			a[0] == 203 && a[1] == 0 && a[2] == 113,  // documentation (TEST-NET-3)
			a[0] == 198 && a[1]&0xFE == 18,           // benchmarking
			a[0] >= 224:                              // multicast, reserved, broadcast
			return true
		}
		return false
	}
	if addr.IsUnspecified() || addr.IsLoopback() || addr.IsPrivate() ||
		addr.IsLinkLocalUnicast() || addr.IsMulticast() {
		return true
	}
	a := addr.As16()
	return a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8 || // documentation 2001:db8::/32
		a[0] == 0x3f && a[1] == 0xff && a[2]&0xF0 == 0 // documentation 3fff::/20
}

// answerCache is a direct-mapped cache of answers, safe for concurrent use
// without a lock: a slot is replaced whole, atomically, so a reader sees an
// entry or its successor, never a mix. IPv4 answers fit in one word; IPv6
// ones are held by pointer.
type answerCache struct {
	shift uint // 64 - log2(slots)
	v4    []atomic.Uint64
	v6    []atomic.Pointer[answer6]
}

type answer6 struct {
	addr netip.Addr
	code string
}

func newAnswerCache(size int) *answerCache {
	n := 1
	if size > 1 {
		n = 1 << bits.Len(uint(size-1))
	}
	return &answerCache{
		shift: uint(64 - bits.TrailingZeros(uint(n))),
		v4:    make([]atomic.Uint64, n),
		v6:    make([]atomic.Pointer[answer6], n),
	}
}

// A v4 slot holds the address in its high 32 bits and, below, 1 + the
// index of the code among the two-letter codes (codeIndex); 0 is empty.
// Codes are always two upper-case letters here (the unknown code is
// interned by NewResolver or is DefaultUnknown).

func (c *answerCache) slot(h uint64) uint64 {
	if c.shift == 64 {
		return 0
	}
	return (h * 0x9E3779B97F4A7C15) >> c.shift
}

func (c *answerCache) get(addr netip.Addr) (string, bool) {
	if addr.Is4() {
		a := addr.As4()
		k := uint64(a[0])<<24 | uint64(a[1])<<16 | uint64(a[2])<<8 | uint64(a[3])
		e := c.v4[c.slot(k)].Load()
		if e != 0 && e>>32 == k {
			return codeAt(int(e&0xFFFF) - 1), true
		}
		return "", false
	}
	a := addr.As16()
	h := uint64(a[0])<<56 | uint64(a[1])<<48 | uint64(a[2])<<40 | uint64(a[3])<<32 |
		uint64(a[4])<<24 | uint64(a[5])<<16 | uint64(a[6])<<8 | uint64(a[7])
	h ^= uint64(a[8])<<56 | uint64(a[9])<<48 | uint64(a[10])<<40 | uint64(a[11])<<32 |
		uint64(a[12])<<24 | uint64(a[13])<<16 | uint64(a[14])<<8 | uint64(a[15])
	if e := c.v6[c.slot(h)].Load(); e != nil && e.addr == addr {
		return e.code, true
	}
	return "", false
}

func (c *answerCache) add(addr netip.Addr, code string) {
	if addr.Is4() {
		i, ok := 0, len(code) == 2
		if ok {
			i, ok = codeIndex(code[0], code[1])
		}
		if !ok || codeAt(i) != code {
			return // not a canonical code: not cached
		}
		a := addr.As4()
		k := uint64(a[0])<<24 | uint64(a[1])<<16 | uint64(a[2])<<8 | uint64(a[3])
		c.v4[c.slot(k)].Store(k<<32 | uint64(i+1))
		return
	}
	a := addr.As16()
	h := uint64(a[0])<<56 | uint64(a[1])<<48 | uint64(a[2])<<40 | uint64(a[3])<<32 |
		uint64(a[4])<<24 | uint64(a[5])<<16 | uint64(a[6])<<8 | uint64(a[7])
	h ^= uint64(a[8])<<56 | uint64(a[9])<<48 | uint64(a[10])<<40 | uint64(a[11])<<32 |
		uint64(a[12])<<24 | uint64(a[13])<<16 | uint64(a[14])<<8 | uint64(a[15])
	c.v6[c.slot(h)].Store(&answer6{addr: addr, code: code})
}
