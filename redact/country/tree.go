package country

import (
	"errors"
	"net/netip"
)

// walk visits the search tree depth first, lower addresses first, calling
// fn with each network that has a record and the record's offset in the
// data section, until fn returns false or maxNodes nodes have been read
// (0: no limit). It reads the tree itself rather than using
// maxminddb.Reader.Networks because it reads every node at most once: the
// aliases of the IPv4 subtree in an IPv6 database are not visited again,
// and a damaged tree whose records point back up cannot make it loop, so
// the work is bounded by the node count whatever the file holds. IPv4
// networks are reported as IPv4 prefixes.
func (db *DB) walk(maxNodes int, fn func(netip.Prefix, uint) bool) error {
	if db.nodeCount == 0 {
		return nil
	}
	type entry struct {
		record uint
		depth  int
		ip     [16]byte
	}
	// An IPv4 database's tree is 32 bits deep; placing it at ::/96 lets
	// both kinds share the code that turns a path into a prefix.
	start := 0
	if db.info.IPVersion == 4 {
		start = 96
	}
	visited := make([]uint64, (db.nodeCount+63)/64)
	stack := make([]entry, 1, 130)
	stack[0] = entry{depth: start}
	read := 0
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch {
		case e.record == db.nodeCount: // no data
			continue
		case e.record > db.nodeCount:
			off := e.record - db.nodeCount - 16
			if e.record-db.nodeCount < 16 || off >= uint(len(db.data)) {
				return errors.New("search tree points outside the data section")
			}
			if !fn(pathPrefix(e.ip, e.depth), off) {
				return nil
			}
			continue
		}
		if visited[e.record/64]&(1<<(e.record%64)) != 0 {
			continue
		}
		visited[e.record/64] |= 1 << (e.record % 64)
		if e.depth >= 128 {
			return errors.New("search tree is deeper than an address is long")
		}
		if read++; maxNodes > 0 && read > maxNodes {
			return nil
		}
		left, right := db.node(e.record)
		rightIP := e.ip
		rightIP[e.depth/8] |= 0x80 >> (e.depth % 8)
		stack = append(stack,
			entry{record: right, depth: e.depth + 1, ip: rightIP},
			entry{record: left, depth: e.depth + 1, ip: e.ip})
	}
	return nil
}

// pathPrefix turns a path through the tree into a prefix, unmapping the
// IPv4 subtree at ::/96.
func pathPrefix(ip [16]byte, depth int) netip.Prefix {
	if depth >= 96 && ip == [16]byte{12: ip[12], 13: ip[13], 14: ip[14], 15: ip[15]} {
		return netip.PrefixFrom(netip.AddrFrom4([4]byte(ip[12:])), depth-96)
	}
	return netip.PrefixFrom(netip.AddrFrom16(ip), depth)
}

// node reads the two records of node n, which must be below the node count.
func (db *DB) node(n uint) (left, right uint) {
	switch db.recordSize {
	case 24:
		b := db.tree[n*6 : n*6+6]
		left = uint(b[0])<<16 | uint(b[1])<<8 | uint(b[2])
		right = uint(b[3])<<16 | uint(b[4])<<8 | uint(b[5])
	case 28:
		b := db.tree[n*7 : n*7+7]
		left = uint(b[3]&0xF0)<<20 | uint(b[0])<<16 | uint(b[1])<<8 | uint(b[2])
		right = uint(b[3]&0x0F)<<24 | uint(b[4])<<16 | uint(b[5])<<8 | uint(b[6])
	default: // 32, checked by FromBytes
		b := db.tree[n*8 : n*8+8]
		left = uint(b[0])<<24 | uint(b[1])<<16 | uint(b[2])<<8 | uint(b[3])
		right = uint(b[4])<<24 | uint(b[5])<<16 | uint(b[6])<<8 | uint(b[7])
	}
	return left, right
}

// StandIn returns an address in the country with the given code, taken
// from the database, and false if the database lists no public network in
// that country. It lets an analytics vendor see the right country without
// seeing any visitor's address. The address is the first one after the
// network address of the first IPv4 network listed for the country in
// address order, or of the first IPv6 network if it has no IPv4 one; only
// if every network of the country is a single address is such an address
// used. The answer depends only on the database.
//
// The first call walks the whole database, which takes time in proportion
// to its size (see the package benchmarks); call it once after Open to do
// that work up front.
func (db *DB) StandIn(code string) (netip.Addr, bool) {
	if len(code) != 2 {
		return netip.Addr{}, false
	}
	i, ok := codeIndex(code[0], code[1])
	if !ok {
		return netip.Addr{}, false
	}
	db.standInOnce.Do(db.buildStandIns)
	a := db.standIns[i]
	return a, a.IsValid()
}

func (db *DB) buildStandIns() {
	const (
		v4Network = iota
		v6Network
		v4Host
		v6Host
		noCandidate
	)
	var best [26 * 26]struct {
		addr netip.Addr
		rank int
	}
	for i := range best {
		best[i].rank = noCandidate
	}
	// Many networks share a record; decode each record once.
	codes := make(map[uint]int)
	// A damaged tree ends the walk; the networks seen before it still give
	// good stand-ins, and lookups fail closed on the rest.
	_ = db.walk(0, func(p netip.Prefix, off uint) bool {
		i, ok := codes[off]
		if !ok {
			if i, ok = db.recordCode(off); !ok {
				i = -1
			}
			codes[off] = i
		}
		if i < 0 {
			return true
		}
		var addr netip.Addr
		rank := v4Network
		if p.IsSingleIP() {
			addr, rank = p.Addr(), v4Host
		} else {
			addr = p.Masked().Addr().Next()
		}
		if addr.Is6() {
			rank++
		}
		// IPv4-mapped addresses are looked up as IPv4, so a network there
		// is an alias, not a stand-in. Checking with Lookup keeps the
		// promise that a stand-in maps back to its country even in a
		// damaged file where the walk and lookups disagree.
		if rank < best[i].rank && !addr.Is4In6() && !isReserved(addr) {
			if code, ok := db.Lookup(addr); ok && code == codeAt(i) {
				best[i].addr, best[i].rank = addr, rank
			}
		}
		return true
	})
	db.standIns = new([26 * 26]netip.Addr)
	for i := range best {
		db.standIns[i] = best[i].addr
	}
}
