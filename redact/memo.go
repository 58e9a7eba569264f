package redact

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// memo remembers what a pure append function made of recent inputs:
// traffic repeats its user agents, paths and referrers, and a lookup costs
// less than scrubbing again. It is direct-mapped and lock-free, so
// goroutines share it without contention: a slot holds the last input that
// hashed to it. The zero memo is ready to use.
//
// Only memoise a function whose output depends on its input alone for as
// long as the memo lives.
type memo struct {
	seed  maphash.Seed
	once  sync.Once
	slots [1024]atomic.Pointer[memoEntry]
}

type memoEntry struct{ in, out string }

// maxMemoInput bounds what a memo holds; longer inputs are rare and are
// passed to the function every time.
const maxMemoInput = 512

// append appends fn(src) to dst, from memory when src was seen recently.
func (m *memo) append(dst, src []byte, fn func(dst, src []byte) []byte) []byte {
	if len(src) > maxMemoInput {
		return fn(dst, src)
	}
	m.once.Do(func() { m.seed = maphash.MakeSeed() })
	slot := &m.slots[maphash.Bytes(m.seed, src)%uint64(len(m.slots))]
	if e := slot.Load(); e != nil && e.in == string(src) {
		return append(dst, e.out...)
	}
	start := len(dst)
	dst = fn(dst, src)
	slot.Store(&memoEntry{in: string(src), out: string(dst[start:])})
	return dst
}

// cleanSet remembers recent inputs that a scrubber left unchanged. Being
// left alone depends on the input and the policy only, never on keys or the
// country database, so it stays true for as long as the set lives; what
// changes is never remembered. An input is stored the second time it comes
// out clean, so that values seen once (most of a varied log) cost no
// allocation. It is direct-mapped and lock-free like memo. The zero
// cleanSet is ready to use.
type cleanSet struct {
	seed  maphash.Seed
	once  sync.Once
	slots [4096]atomic.Pointer[string]
	// seen holds the hash of the last clean input that fell in each slot
	// and was not stored yet.
	seen [4096]atomic.Uint64
}

// maxCleanInput bounds what a cleanSet holds: header values, log messages
// and logger names repeat; long values rarely do.
const maxCleanInput = 128

// append appends fn(src) to dst, or src itself when it is known to come
// out unchanged.
func (c *cleanSet) append(dst, src []byte, fn func(dst, src []byte) []byte) []byte {
	if len(src) > maxCleanInput {
		return fn(dst, src)
	}
	c.once.Do(func() { c.seed = maphash.MakeSeed() })
	h := maphash.Bytes(c.seed, src)
	i := h % uint64(len(c.slots))
	if p := c.slots[i].Load(); p != nil && *p == string(src) {
		return append(dst, src...)
	}
	start := len(dst)
	dst = fn(dst, src)
	if string(dst[start:]) == string(src) {
		if c.seen[i].Swap(h) == h {
			s := string(src)
			c.slots[i].Store(&s)
		}
	}
	return dst
}
