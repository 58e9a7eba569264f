// Package pseudonym makes keyed, rotating pseudonyms: the HMAC-SHA256 of a
// value under a random key that is replaced every rotation period and
// destroyed once its retention period is over, after which its pseudonyms
// can no longer be linked to anything.
//
// A pseudonym is the first 72 bits of the MAC in unpadded base64url, 12
// printable characters such as "3xT9q2Lw0aKd". It is stable while its key is
// current and unrelated to the pseudonyms of the same value under any other
// key. 72 bits keep accidental collisions out of reach for any realistic
// number of visitors per period (one in ~10⁹ among 10⁷ values) while staying
// short in logs.
package pseudonym

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

const (
	// KeySize is the size in bytes of the random keys a KeyRing makes and
	// of the keys it accepts from a KeyStore.
	KeySize = 32

	// Len is the length in bytes of a pseudonym.
	Len = 12

	// DefaultRotate is the rotation a KeyRing uses when given none.
	DefaultRotate = 24 * time.Hour

	// DefaultCacheSize is the number of address pseudonyms a KeyRing keeps
	// per key when CacheSize is 0.
	DefaultCacheSize = 4096
)

// macBytes is how much of the MAC a pseudonym shows: Len base64 characters
// carry 6 bits each.
const macBytes = Len * 6 / 8

// noPeriod marks the ephemeral key made when a pseudonym is asked for before
// the first Refresh.
const noPeriod = math.MinInt64

var b64 = base64.RawURLEncoding

// key is one key in precomputed form. Only mac changes after creation (it
// is destroyed in place), so a *key can be read without locks.
type key struct {
	period int64
	shared bool    // came from the store, so other rings have it too
	check  [8]byte // fingerprint, to tell whether the store's key changed
	mac    *macKey
	cache  *lru.Cache[[16]byte, [Len]byte] // nil when caching is off
}

// KeyRing holds the current pseudonym key and those still within their
// retention, loading and creating them through a KeyStore.
//
// Pseudonyms are made with the current key without locks. Before the first
// Refresh, and whenever the store cannot be reached when a new period
// begins, the ring uses a random key of its own that is never stored: its
// pseudonyms are still pseudonyms, they just differ from other instances'.
// It never returns its input.
//
// Set the exported fields before calling Refresh or Run.
type KeyRing struct {
	// OnError, if set, is called by Run with each error of a refresh (the
	// ring keeps working with a key of its own and retries). Errors never
	// contain key material or the values pseudonyms are made of.
	OnError func(error)

	// CacheSize is the number of address pseudonyms AppendAddr keeps per
	// key. 0 means DefaultCacheSize; a negative value turns the cache off.
	CacheSize int

	// Recheck, if positive, makes Run refresh at least that often, and
	// Refresh ask the store for the current period's key even when the
	// ring has it, adopting the store's if it differs. That is for a
	// shared store that can lose its data (a Redis server restarted
	// without persistence): otherwise instances that loaded the key before
	// the loss would keep it while instances starting after it store and
	// use another, until the next period. 0 asks the store only when a
	// period begins or the store failed.
	Recheck time.Duration

	store     KeyStore
	rotate    time.Duration
	retention time.Duration

	cur atomic.Pointer[key]

	mu   sync.Mutex // serializes Refresh and guards keys
	keys []*key     // every key not yet destroyed, the current one included

	// Set by HoldUntil: before the first key is installed, pseudonyms wait
	// on ready until holdUntil.
	ready     chan struct{}
	holdUntil time.Time
}

// HoldUntil makes pseudonyms asked for before the first key is installed
// wait for it until deadline, instead of being made at once with an
// ephemeral key. It is for a ring whose store becomes usable only after
// the ring is handed out (Caddy's log modules, which exist before Caddy's
// storage does), so that its first pseudonyms agree with other instances'.
// Call it before the ring is used.
func (r *KeyRing) HoldUntil(deadline time.Time) {
	r.ready = make(chan struct{})
	r.holdUntil = deadline
}

// NewKeyRing returns a ring whose keys live in store, a new one every rotate
// and each kept for retention after it stops being current. Values are used
// as given (callers apply config defaults first): rotate <= 0 means
// DefaultRotate, retention < 0 means 0, which keeps only the current key. A
// nil store means a MemoryStore of the ring's own.
func NewKeyRing(store KeyStore, rotate, retention time.Duration) *KeyRing {
	if store == nil {
		store = new(MemoryStore)
	}
	if rotate <= 0 {
		rotate = DefaultRotate
	}
	return &KeyRing{store: store, rotate: rotate, retention: max(retention, 0)}
}

// Period returns the number of the rotation period t falls in,
// floor(Unix time / rotation).
func (r *KeyRing) Period(t time.Time) int64 {
	ns, d := t.UnixNano(), int64(r.rotate)
	p := ns / d
	if ns%d < 0 {
		p--
	}
	return p
}

func (r *KeyRing) periodStart(p int64) time.Time {
	return time.Unix(0, p*int64(r.rotate))
}

// Current returns the period of the key in use, and false before the first
// Refresh, while the ring uses an ephemeral key.
func (r *KeyRing) Current() (period int64, ok bool) {
	k := r.cur.Load()
	if k == nil || k.period == noPeriod {
		return 0, false
	}
	return k.period, true
}

// Refresh makes the key of now's period current, loading it from the store
// or storing a new random one, and destroys keys whose retention is over,
// in the store and in memory. A key stops being current when its period
// ends and is destroyed once retention has passed since then.
//
// If the store fails when a period begins, the ring switches to a random key
// of its own for that period, so the old key is not used past its time, and
// returns the error; a later Refresh in the same period retries the store.
func (r *KeyRing) Refresh(ctx context.Context, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()

	var errs []error
	p := r.Period(now)
	if cur := r.cur.Load(); cur == nil || cur.period != p || !cur.shared || r.Recheck > 0 {
		fresh := make([]byte, KeySize)
		rand.Read(fresh) // never fails: crypto/rand crashes the program instead
		got, err := r.store.LoadOrStore(ctx, p, fresh)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("pseudonym: loading the key of period %d from the key store: %w", p, err))
		case len(got) != KeySize:
			errs = append(errs, fmt.Errorf("pseudonym: the key store holds a %d-byte key for period %d; want %d bytes", len(got), p, KeySize))
		case isZero(got):
			// A store that hands out its own slice would have its key zeroed
			// by an earlier Refresh; never make pseudonyms under a known key.
			errs = append(errs, fmt.Errorf("pseudonym: the key store holds an all-zero key for period %d; want %d random bytes", p, KeySize))
		case cur != nil && cur.period == p && cur.shared && fingerprint(got) == cur.check:
			// Rechecked: the store still holds the key in use.
		default:
			r.install(r.newKey(p, got, true))
		}
		if errs != nil && (cur == nil || cur.period != p) {
			r.install(r.newKey(p, fresh, false))
		}
		clear(fresh)
		clear(got)
	}

	before := r.Period(now.Add(-r.retention))
	cur := r.cur.Load()
	r.keys = slices.DeleteFunc(r.keys, func(k *key) bool {
		if k != cur && k.period < before {
			k.mac.destroy()
			return true
		}
		return false
	})
	if err := r.store.DeleteBefore(ctx, before); err != nil {
		errs = append(errs, fmt.Errorf("pseudonym: deleting keys of periods before %d from the key store: %w", before, err))
	}
	return errors.Join(errs...)
}

// fingerprint identifies a key without revealing it: the start of its MAC
// of a fixed message.
func fingerprint(raw []byte) [8]byte {
	m := newMACKey(raw)
	var sum [sha256.Size]byte
	m.sum(&sum, []byte("caddy-privacy key fingerprint"))
	m.destroy()
	var fp [8]byte
	copy(fp[:], sum[:])
	clear(sum[:])
	return fp
}

func isZero(b []byte) bool {
	var or byte
	for _, c := range b {
		or |= c
	}
	return or == 0
}

// newKey derives k's precomputed form; the caller zeroes raw.
func (r *KeyRing) newKey(period int64, raw []byte, shared bool) *key {
	k := &key{period: period, shared: shared, mac: newMACKey(raw), check: fingerprint(raw)}
	size := r.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	if size > 0 {
		k.cache, _ = lru.New[[16]byte, [Len]byte](size) // errors only for size <= 0
	}
	return k
}

// install makes k current. Called with r.mu held.
func (r *KeyRing) install(k *key) {
	old := r.cur.Swap(k)
	if old != nil {
		if old.cache != nil {
			// The cache holds raw addresses; nothing will read it again.
			old.cache.Purge()
		}
		if old.period == k.period || old.period == noPeriod {
			// Ephemeral keys are never needed again.
			old.mac.destroy()
			r.keys = slices.DeleteFunc(r.keys, func(x *key) bool { return x == old })
		}
	}
	r.keys = append(r.keys, k)
	if r.ready != nil {
		close(r.ready)
		r.ready = nil
	}
}

// Run refreshes the ring now and then at each period boundary and each
// retention deadline, until ctx is done. It sleeps on a timer in between.
// After an error it retries with backoff from 1s up to 1m, never later than
// the next boundary.
func (r *KeyRing) Run(ctx context.Context) {
	const minBackoff, maxBackoff = time.Second, time.Minute
	backoff := minBackoff
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		now := time.Now()
		err := r.Refresh(ctx, now)
		if ctx.Err() != nil {
			return
		}
		next := r.nextEvent(now)
		if r.Recheck > 0 && now.Add(r.Recheck).Before(next) {
			next = now.Add(r.Recheck)
		}
		if err != nil {
			if r.OnError != nil {
				r.OnError(err)
			}
			if retry := now.Add(backoff); retry.Before(next) {
				next = retry
			}
			backoff = min(2*backoff, maxBackoff)
		} else {
			backoff = minBackoff
		}
		// The wall clock decides periods while timers follow the monotonic
		// clock; a millisecond floor stops a spin if the two disagree.
		timer.Reset(max(next.Sub(now), time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
	}
}

// nextEvent returns when the next period begins or the next key's retention
// ends, whichever is first.
func (r *KeyRing) nextEvent(now time.Time) time.Time {
	next := r.periodStart(r.Period(now) + 1)
	expiry := r.periodStart(r.Period(now.Add(-r.retention)) + 1).Add(r.retention)
	if expiry.Before(next) {
		next = expiry
	}
	return next
}

// current returns the key in use, making an ephemeral one if there is none
// yet so that pseudonyms fail closed before the first Refresh.
func (r *KeyRing) current() *key {
	if k := r.cur.Load(); k != nil {
		return k
	}
	r.mu.Lock()
	if ready := r.ready; ready != nil {
		if wait := time.Until(r.holdUntil); wait > 0 {
			r.mu.Unlock()
			t := time.NewTimer(wait)
			select {
			case <-ready:
			case <-t.C:
			}
			t.Stop()
			r.mu.Lock()
		}
	}
	defer r.mu.Unlock()
	if k := r.cur.Load(); k != nil {
		return k
	}
	raw := make([]byte, KeySize)
	rand.Read(raw)
	k := r.newKey(noPeriod, raw, false)
	clear(raw)
	r.install(k)
	return k
}

// sum computes the MAC of src under the current key. If that key is
// destroyed mid-computation (it was rotated out), it retries with the key
// that replaced it.
func (r *KeyRing) sum(out *[sha256.Size]byte, src []byte) *key {
	for {
		k := r.current()
		if k.mac.sum(out, src) {
			return k
		}
	}
}

// AppendPseudonym appends the pseudonym of src under the current key.
func (r *KeyRing) AppendPseudonym(dst, src []byte) []byte {
	var sum [sha256.Size]byte
	r.sum(&sum, src)
	dst = b64.AppendEncode(dst, sum[:macBytes])
	clear(sum[:])
	return dst
}

// AppendAddr appends the pseudonym of a under the current key: that of the
// 16-byte form of a.Unmap(), so an IPv4 address and its IPv4-mapped IPv6
// form share a pseudonym and zones are ignored. An invalid address gets the
// pseudonym of the empty string. Recent results are served from a cache of
// CacheSize entries that belongs to the key and is dropped with it.
func (r *KeyRing) AppendAddr(dst []byte, a netip.Addr) []byte {
	if !a.IsValid() {
		return r.AppendPseudonym(dst, nil)
	}
	b := a.Unmap().As16()
	k := r.current()
	if k.cache != nil {
		if p, ok := k.cache.Get(b); ok {
			return append(dst, p[:]...)
		}
	}
	var sum [sha256.Size]byte
	k = r.sum(&sum, b[:])
	var p [Len]byte
	b64.Encode(p[:], sum[:macBytes])
	clear(sum[:])
	if k.cache != nil {
		k.cache.Add(b, p)
	}
	return append(dst, p[:]...)
}

// AppendPseudonymAt appends the pseudonym of src under the key of period,
// if the ring still holds that key: the current one or one within its
// retention. Otherwise it returns dst unchanged and false. It lets a
// consumer recognise yesterday's pseudonym today; it takes a lock, unlike
// AppendPseudonym.
func (r *KeyRing) AppendPseudonymAt(dst, src []byte, period int64) ([]byte, bool) {
	if period == noPeriod {
		return dst, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.keys) - 1; i >= 0; i-- {
		k := r.keys[i]
		if k.period != period {
			continue
		}
		var sum [sha256.Size]byte
		if !k.mac.sum(&sum, src) {
			return dst, false
		}
		dst = b64.AppendEncode(dst, sum[:macBytes])
		clear(sum[:])
		return dst, true
	}
	return dst, false
}
