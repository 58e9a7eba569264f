package country

import (
	"encoding/binary"
	"net/netip"
	"sync/atomic"
)

// The lookup below walks the search tree itself, as maxminddb does, with
// two shortcuts measured on access logs (bench/README.md, issue 12):
//
//   - the first 16 bits of an address are not walked: a table made when
//     the file is opened gives the record reached after them, one for IPv4
//     and one for IPv6 (256 KiB each). A 20-bit IPv4 table (4 MiB) was
//     measured 7% slower end to end: it misses the caches as the tree does;
//   - the country of a data record is read once: records are deduplicated
//     in the file (a flat database has one per country), so a small
//     direct-mapped table of record offset to country answers almost
//     every lookup. It is written without a lock; an entry is one word, so
//     a reader sees a whole entry or a stale one, never a torn one.

// How many leading bits of an address the tables skip.
const (
	v4Bits = 16
	v6Bits = 16
)

// fastTables is what the shortcuts need.
type fastTables struct {
	v4, v6 []uint32 // record after the first v4Bits or v6Bits bits, by those bits; v6 nil for an IPv4 database
	codes  [1024]atomic.Uint64
}

// child returns the record for bit (0 or 1) of node, which must be below
// nodeCount.
func (db *DB) child(node uint, bit uint) uint {
	t := db.tree
	switch db.recordSize {
	case 24:
		o := node*6 + bit*3
		return uint(t[o])<<16 | uint(t[o+1])<<8 | uint(t[o+2])
	case 28:
		o := node * 7
		if bit == 0 {
			return uint(t[o+3]&0xF0)<<20 | uint(t[o])<<16 | uint(t[o+1])<<8 | uint(t[o+2])
		}
		return uint(t[o+3]&0x0F)<<24 | uint(t[o+4])<<16 | uint(t[o+5])<<8 | uint(t[o+6])
	default: // 32
		return uint(binary.BigEndian.Uint32(t[node*8+bit*4:]))
	}
}

// buildFast makes the prefix tables. It reads at most 2^(bits+1) nodes per
// table, so even a damaged tree costs little.
func (db *DB) buildFast() {
	f := new(fastTables)
	v4root := uint(0)
	if db.info.IPVersion == 6 {
		// IPv4 addresses are at ::/96; as in maxminddb, the walk stops at
		// the first record that is not a node.
		for i := 0; i < 96 && v4root < db.nodeCount; i++ {
			v4root = db.child(v4root, 0)
		}
		// The two tables are made side by side: this is start-up time.
		f.v6 = make([]uint32, 1<<v6Bits)
		done := make(chan struct{})
		go func() {
			db.fillPrefix(f.v6, v6Bits, 0, 0, 0)
			close(done)
		}()
		defer func() { <-done }()
	}
	f.v4 = make([]uint32, 1<<v4Bits)
	db.fillPrefix(f.v4, v4Bits, v4root, 0, 0)
	db.fast = f
}

// fillPrefix sets the entries of table, indexed by the first bits bits of
// an address, under the path of depth bits that leads to record.
func (db *DB) fillPrefix(table []uint32, bits int, record uint, depth int, path uint) {
	if record >= db.nodeCount || depth == bits {
		lo := path << (bits - depth)
		hi := lo + 1<<(bits-depth)
		for i := lo; i < hi; i++ {
			table[i] = uint32(record)
		}
		return
	}
	db.fillPrefix(table, bits, db.child(record, 0), depth+1, path<<1)
	db.fillPrefix(table, bits, db.child(record, 1), depth+1, path<<1|1)
}

// lookupFast returns the country index of addr, which must be valid and
// unmapped, and of a version the database holds.
func (db *DB) lookupFast(addr netip.Addr) (int, bool) {
	f := db.fast
	var record uint
	if addr.Is4() {
		a := addr.As4()
		bits := binary.BigEndian.Uint32(a[:])
		record = uint(f.v4[bits>>(32-v4Bits)])
		bits <<= v4Bits
		for i := v4Bits; i < 32 && record < db.nodeCount; i++ {
			record = db.child(record, uint(bits>>31))
			bits <<= 1
		}
	} else {
		a := addr.As16()
		hi, lo := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])
		record = uint(f.v6[hi>>(64-v6Bits)])
		hi <<= v6Bits
		hi |= lo >> (64 - v6Bits)
		lo <<= v6Bits
		for i := v6Bits; i < 128 && record < db.nodeCount; i++ {
			record = db.child(record, uint(hi>>63))
			hi = hi<<1 | lo>>63
			lo <<= 1
		}
	}
	if record <= db.nodeCount {
		// No data (== nodeCount), or a tree deeper than the address
		// (a damaged file).
		return 0, false
	}
	if record-db.nodeCount < 16 {
		return 0, false
	}
	off := record - db.nodeCount - 16
	if off >= uint(len(db.data)) {
		return 0, false
	}
	// Entry: offset+1 in the high 48 bits, then the country index, then
	// whether there is a country. 0 is empty.
	slot := &f.codes[off%uint(len(f.codes))]
	if e := slot.Load(); e>>16 == uint64(off)+1 {
		return int(e>>1) & 0x7FFF, e&1 == 1
	}
	i, ok := db.recordCode(off)
	e := (uint64(off)+1)<<16 | uint64(i)<<1
	if ok {
		e |= 1
	}
	slot.Store(e)
	return i, ok
}
