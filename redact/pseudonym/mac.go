package pseudonym

import (
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"hash"
	"sync"
	"sync/atomic"
)

// stateSize is the length of a marshaled SHA-256 state, learnt from the
// standard library rather than assumed, so a change of its format cannot
// silently break the MAC.
var stateSize = func() int {
	b, err := sha256.New().(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		panic("pseudonym: crypto/sha256 cannot marshal its state: " + err.Error())
	}
	return len(b)
}()

var stateWords = (stateSize + 7) / 8

// macKey is an HMAC-SHA256 key in precomputed form: the SHA-256 states after
// absorbing key⊕ipad and key⊕opad. Restoring a state costs no compression,
// so one MAC of a short message costs two compressions instead of four.
//
// The states are held in atomic words rather than a byte slice because
// destroy zeroes them while pseudonyms may still be being computed with
// them on other goroutines: readers copy the words, then check destroyed,
// and discard the copy if the key was destroyed meanwhile. That keeps the
// hot path free of locks and reference counts and still lets a retired key
// be wiped at once, with no data race.
type macKey struct {
	inner, outer []atomic.Uint64
	destroyed    atomic.Bool
}

// newMACKey precomputes key, which the caller then zeroes.
func newMACKey(key []byte) *macKey {
	var block [sha256.BlockSize]byte
	if len(key) > len(block) {
		// HMAC hashes long keys; KeyRing only makes 32-byte ones.
		sum := sha256.Sum256(key)
		copy(block[:], sum[:])
		clear(sum[:])
	} else {
		copy(block[:], key)
	}
	k := &macKey{
		inner: make([]atomic.Uint64, stateWords),
		outer: make([]atomic.Uint64, stateWords),
	}
	h := sha256.New()
	for i, pad := range [2]byte{0x36, 0x5c} {
		for j := range block {
			block[j] ^= pad
		}
		h.Reset()
		h.Write(block[:])
		state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			panic("pseudonym: crypto/sha256 cannot marshal its state: " + err.Error())
		}
		words := k.inner
		if i == 1 {
			words = k.outer
		}
		storeWords(words, state)
		clear(state)
		for j := range block {
			block[j] ^= pad
		}
	}
	h.Reset()
	clear(block[:])
	return k
}

// destroy zeroes the key. Computations that raced with it notice and fail.
func (k *macKey) destroy() {
	k.destroyed.Store(true)
	for i := range k.inner {
		k.inner[i].Store(0)
		k.outer[i].Store(0)
	}
}

// sum computes HMAC-SHA256(key, src) into out. It reports false, leaving out
// undefined, if the key was destroyed before or during the computation.
func (k *macKey) sum(out *[sha256.Size]byte, src []byte) bool {
	m := macPool.Get().(*macState)
	ok := m.sum(k, src)
	if ok {
		*out = m.out
	}
	m.wipe()
	macPool.Put(m)
	return ok
}

// macState is the scratch space of one computation, pooled so that nothing
// is allocated per pseudonym: the interface calls would otherwise make every
// buffer passed to them escape to the heap.
type macState struct {
	h     hash.Hash
	u     encoding.BinaryUnmarshaler
	state []byte
	chunk [sha256.BlockSize]byte
	out   [sha256.Size]byte
}

var macPool = sync.Pool{New: func() any {
	h := sha256.New()
	return &macState{
		h:     h,
		u:     h.(encoding.BinaryUnmarshaler),
		state: make([]byte, stateWords*8),
	}
}}

func (m *macState) sum(k *macKey, src []byte) bool {
	if !m.load(k.inner) {
		return false
	}
	// Copying src in chunks keeps the caller's buffer from escaping through
	// the hash.Hash interface.
	for len(src) > 0 {
		n := copy(m.chunk[:], src)
		m.h.Write(m.chunk[:n])
		src = src[n:]
	}
	m.h.Sum(m.out[:0])
	if !m.load(k.outer) {
		return false
	}
	m.h.Write(m.out[:])
	m.h.Sum(m.out[:0])
	// Both states were copied before this check; if neither copy saw the
	// zeroing, the result is the MAC under the intact key.
	return !k.destroyed.Load()
}

func (m *macState) load(words []atomic.Uint64) bool {
	for i := range words {
		binary.LittleEndian.PutUint64(m.state[i*8:], words[i].Load())
	}
	// A zeroed state fails here (bad magic), a half-zeroed one is caught by
	// the destroyed check at the end of sum.
	return m.u.UnmarshalBinary(m.state[:stateSize]) == nil
}

// wipe leaves no key-equivalent state in pooled memory: the digest's
// chaining value after the pad block would let anyone compute the MAC.
func (m *macState) wipe() {
	m.h.Reset()
	clear(m.state)
	clear(m.chunk[:])
}

func storeWords(words []atomic.Uint64, b []byte) {
	var w [8]byte
	for i := range words {
		clear(w[:])
		copy(w[:], b[min(i*8, len(b)):])
		words[i].Store(binary.LittleEndian.Uint64(w[:]))
	}
	clear(w[:])
}
