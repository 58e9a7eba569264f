package pseudonym

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

var ctx = context.Background()

// t0 is the start of a period for every rotation used here.
var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// detStore is a KeyStore whose keys are a function of the period, so tests
// can compute expected pseudonyms. Test-only: real keys are random.
type detStore struct {
	MemoryStore
	fail atomic.Bool
}

func detKey(period int64) []byte {
	sum := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("test key "), uint64(period)))
	return sum[:]
}

func (s *detStore) LoadOrStore(ctx context.Context, period int64, _ []byte) ([]byte, error) {
	if s.fail.Load() {
		return nil, errors.New("store unreachable")
	}
	return s.MemoryStore.LoadOrStore(ctx, period, detKey(period))
}

func (s *detStore) DeleteBefore(ctx context.Context, before int64) error {
	if s.fail.Load() {
		return errors.New("store unreachable")
	}
	return s.MemoryStore.DeleteBefore(ctx, before)
}

// want is the pseudonym of src under key, computed with crypto/hmac.
func want(key, src []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(src)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:9])
}

func refreshed(t *testing.T, store KeyStore, rotate, retention time.Duration, now time.Time) *KeyRing {
	t.Helper()
	r := NewKeyRing(store, rotate, retention)
	if err := r.Refresh(ctx, now); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPseudonymIsTruncatedHMAC(t *testing.T) {
	r := refreshed(t, new(detStore), time.Hour, time.Hour, t0)
	p := r.Period(t0)
	for _, src := range []string{
		"", "a", "alice@example.com", strings.Repeat("x", 55), strings.Repeat("y", 64),
		strings.Repeat("z", 65), strings.Repeat("long ", 1000), "\x00\xff invalid utf-8 \xc3",
	} {
		got := string(r.AppendPseudonym([]byte("prefix:"), []byte(src)))
		if w := "prefix:" + want(detKey(p), []byte(src)); got != w {
			t.Errorf("AppendPseudonym(%.20q) = %q, want %q", src, got, w)
		}
	}
}

func TestPseudonymShape(t *testing.T) {
	r := refreshed(t, nil, time.Hour, time.Hour, t0)
	seen := map[string]string{}
	for i := range 1000 {
		src := fmt.Sprintf("user%d@example.com", i)
		p := string(r.AppendPseudonym(nil, []byte(src)))
		if len(p) != Len {
			t.Fatalf("len(%q) = %d, want %d", p, len(p), Len)
		}
		if strings.Trim(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Fatalf("%q is not base64url", p)
		}
		if again := string(r.AppendPseudonym(nil, []byte(src))); again != p {
			t.Fatalf("pseudonym of %q changed from %q to %q under one key", src, p, again)
		}
		if prev, dup := seen[p]; dup {
			t.Fatalf("%q and %q share pseudonym %q", prev, src, p)
		}
		seen[p] = src
	}
}

func TestAppendAddr(t *testing.T) {
	for _, size := range []int{-1, 0, 2} {
		t.Run(fmt.Sprint("cache", size), func(t *testing.T) {
			r := NewKeyRing(new(detStore), time.Hour, time.Hour)
			r.CacheSize = size
			if err := r.Refresh(ctx, t0); err != nil {
				t.Fatal(err)
			}
			key := detKey(r.Period(t0))
			for _, tc := range []struct{ addr, same string }{
				{"203.0.113.7", "::ffff:203.0.113.7"},
				{"2001:db8::1", "2001:db8::1%eth0"},
				{"10.0.0.1", "::ffff:10.0.0.1"},
			} {
				a, b := netip.MustParseAddr(tc.addr), netip.MustParseAddr(tc.same)
				raw := a.Unmap().As16()
				w := want(key, raw[:])
				for range 3 { // miss, then hits
					if got := string(r.AppendAddr(nil, a)); got != w {
						t.Errorf("AppendAddr(%s) = %q, want %q", a, got, w)
					}
					if got := string(r.AppendAddr(nil, b)); got != w {
						t.Errorf("AppendAddr(%s) = %q, want %q (same as %s)", b, got, w, a)
					}
				}
			}
			if got, w := string(r.AppendAddr(nil, netip.Addr{})), want(key, nil); got != w {
				t.Errorf("AppendAddr(invalid) = %q, want pseudonym of empty %q", got, w)
			}
		})
	}
}

func TestSharedStore(t *testing.T) {
	store := new(MemoryStore)
	a := refreshed(t, store, time.Hour, time.Hour, t0)
	b := refreshed(t, store, time.Hour, time.Hour, t0.Add(59*time.Minute))
	addr := netip.MustParseAddr("198.51.100.23")
	if pa, pb := a.AppendAddr(nil, addr), b.AppendAddr(nil, addr); !bytes.Equal(pa, pb) {
		t.Errorf("rings sharing a store differ: %q vs %q", pa, pb)
	}
	c := refreshed(t, new(MemoryStore), time.Hour, time.Hour, t0)
	if pa, pc := a.AppendAddr(nil, addr), c.AppendAddr(nil, addr); bytes.Equal(pa, pc) {
		t.Errorf("rings with separate stores agree on %q: keys are not random", pa)
	}
}

func TestRotationAndRetention(t *testing.T) {
	const rotate = time.Hour
	src := []byte("visitor")
	tests := []struct {
		retention time.Duration
		at        time.Duration // since t0, after a Refresh at t0
		current   int64         // period offset from t0's
		kept      []int64       // period offsets still held, in memory and store
		gone      []int64
	}{
		{rotate, 0, 0, []int64{0}, nil},
		{rotate, rotate, 1, []int64{0, 1}, nil},
		{rotate, 2*rotate - 1, 1, []int64{0, 1}, nil},
		{rotate, 2 * rotate, 2, []int64{1, 2}, []int64{0}},
		{0, rotate, 1, []int64{1}, []int64{0}},
		{30 * time.Minute, rotate + 29*time.Minute, 1, []int64{0, 1}, nil},
		{30 * time.Minute, rotate + 30*time.Minute, 1, []int64{1}, []int64{0}},
		{3 * rotate, 3 * rotate, 3, []int64{0, 1, 2, 3}, nil},
		{3 * rotate, 4 * rotate, 4, []int64{1, 2, 3, 4}, []int64{0}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("retention %s at +%s", tc.retention, tc.at), func(t *testing.T) {
			store := new(MemoryStore)
			r := NewKeyRing(store, rotate, tc.retention)
			p0 := r.Period(t0)
			pseudonyms := map[int64]string{}
			// Refresh once per period up to tc.at, as Run would.
			for at := time.Duration(0); at < tc.at; at += rotate {
				if err := r.Refresh(ctx, t0.Add(at)); err != nil {
					t.Fatal(err)
				}
				p, _ := r.Current()
				pseudonyms[p-p0] = string(r.AppendPseudonym(nil, src))
			}
			if err := r.Refresh(ctx, t0.Add(tc.at)); err != nil {
				t.Fatal(err)
			}
			p, ok := r.Current()
			if !ok || p != p0+tc.current {
				t.Fatalf("Current() = %d, %v; want %d, true", p, ok, p0+tc.current)
			}
			pseudonyms[tc.current] = string(r.AppendPseudonym(nil, src))
			for off, ps := range pseudonyms {
				for off2, ps2 := range pseudonyms {
					if off != off2 && ps == ps2 {
						t.Errorf("periods +%d and +%d share pseudonym %q", off, off2, ps)
					}
				}
			}
			for _, off := range tc.kept {
				got, ok := r.AppendPseudonymAt(nil, src, p0+off)
				if !ok || string(got) != pseudonyms[off] {
					t.Errorf("AppendPseudonymAt(+%d) = %q, %v; want %q, true", off, got, ok, pseudonyms[off])
				}
				if !storeHas(store, p0+off) {
					t.Errorf("store lost the key of period +%d", off)
				}
			}
			for _, off := range tc.gone {
				if got, ok := r.AppendPseudonymAt(nil, src, p0+off); ok {
					t.Errorf("AppendPseudonymAt(+%d) = %q, true; want the key destroyed", off, got)
				}
				if storeHas(store, p0+off) {
					t.Errorf("store still has the key of period +%d", off)
				}
				// Whoever asks for that period now gets a new key, so the old
				// pseudonyms cannot be recomputed.
				late := refreshed(t, store, rotate, tc.retention, t0.Add(time.Duration(off)*rotate))
				if got := string(late.AppendPseudonym(nil, src)); got == pseudonyms[off] {
					t.Errorf("pseudonym %q of destroyed period +%d was recomputed", got, off)
				}
			}
			if n := len(r.keys); n != len(tc.kept) {
				t.Errorf("ring holds %d keys, want %d", n, len(tc.kept))
			}
		})
	}
}

// storeHas reports whether s holds period's key, without creating one.
func storeHas(s *MemoryStore, period int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.keys[period]
	return ok
}

func TestDestroyZeroes(t *testing.T) {
	store := new(MemoryStore)
	r := refreshed(t, store, time.Hour, 0, t0)
	old := r.cur.Load()
	storeKey := store.keys[old.period]
	r.AppendAddr(nil, netip.MustParseAddr("192.0.2.1"))
	if old.cache.Len() != 1 {
		t.Fatalf("cache holds %d entries after one address, want 1", old.cache.Len())
	}
	if err := r.Refresh(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !old.mac.destroyed.Load() {
		t.Fatal("old key not marked destroyed")
	}
	for i := range old.mac.inner {
		if old.mac.inner[i].Load() != 0 || old.mac.outer[i].Load() != 0 {
			t.Fatalf("word %d of the destroyed key is not zero", i)
		}
	}
	if !bytes.Equal(storeKey, make([]byte, KeySize)) {
		t.Error("MemoryStore did not zero the deleted key")
	}
	if old.cache.Len() != 0 {
		t.Errorf("cache of the retired key holds %d entries", old.cache.Len())
	}
	var sum [sha256.Size]byte
	if old.mac.sum(&sum, []byte("x")) {
		t.Error("a destroyed key still computed a MAC")
	}
}

// TestDestroyMidway checks the state a reader sees when destroy has flagged
// the key but not yet zeroed it: the result must be discarded.
func TestDestroyMidway(t *testing.T) {
	k := newMACKey(detKey(1))
	var sum [sha256.Size]byte
	if !k.sum(&sum, []byte("x")) {
		t.Fatal("intact key failed")
	}
	k.destroyed.Store(true)
	if k.sum(&sum, []byte("x")) {
		t.Error("sum succeeded with a key flagged destroyed")
	}
	// Zeroed outer state alone (inner intact) must fail too.
	k = newMACKey(detKey(1))
	for i := range k.outer {
		k.outer[i].Store(0)
	}
	if k.sum(&sum, []byte("x")) {
		t.Error("sum succeeded with a zeroed outer state")
	}
}

func TestBeforeRefresh(t *testing.T) {
	store := new(detStore)
	r := NewKeyRing(store, time.Hour, time.Hour)
	src := []byte("203.0.113.9")
	if _, ok := r.Current(); ok {
		t.Error("Current() ok before any Refresh")
	}
	p1 := string(r.AppendPseudonym(nil, src))
	if len(p1) != Len || strings.Contains(p1, "203") {
		t.Fatalf("pseudonym before Refresh = %q", p1)
	}
	if p2 := string(r.AppendPseudonym(nil, src)); p2 != p1 {
		t.Errorf("ephemeral key is not stable: %q then %q", p1, p2)
	}
	if err := r.Refresh(ctx, t0); err != nil {
		t.Fatal(err)
	}
	if p3, w := string(r.AppendPseudonym(nil, src)), want(detKey(r.Period(t0)), src); p3 != w {
		t.Errorf("after Refresh = %q, want the stored key's %q", p3, w)
	}
	if len(r.keys) != 1 {
		t.Errorf("ephemeral key kept after Refresh: %d keys", len(r.keys))
	}
}

func TestStoreFailure(t *testing.T) {
	store := new(detStore)
	r := refreshed(t, store, time.Hour, time.Hour, t0)
	p0 := r.Period(t0)
	src := []byte("visitor")
	before := string(r.AppendPseudonym(nil, src))

	store.fail.Store(true)
	err := r.Refresh(ctx, t0.Add(time.Hour))
	if err == nil || !strings.Contains(err.Error(), fmt.Sprint(p0+1)) {
		t.Fatalf("Refresh with a failing store: err = %v, want an error naming period %d", err, p0+1)
	}
	if p, ok := r.Current(); !ok || p != p0+1 {
		t.Errorf("Current() = %d, %v; want the new period %d even without the store", p, ok, p0+1)
	}
	local := string(r.AppendPseudonym(nil, src))
	if local == before || local == want(detKey(p0+1), src) {
		t.Errorf("fallback pseudonym %q reuses the old or the stored key", local)
	}
	if err := r.Refresh(ctx, t0.Add(time.Hour+time.Minute)); err == nil {
		t.Fatal("Refresh succeeded with a failing store")
	}
	if again := string(r.AppendPseudonym(nil, src)); again != local {
		t.Errorf("fallback key changed within its period: %q then %q", local, again)
	}

	store.fail.Store(false)
	if err := r.Refresh(ctx, t0.Add(time.Hour+2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, w := string(r.AppendPseudonym(nil, src)), want(detKey(p0+1), src); got != w {
		t.Errorf("after the store recovered = %q, want the stored key's %q", got, w)
	}
	if len(r.keys) != 2 {
		t.Errorf("ring holds %d keys, want 2 (previous and current)", len(r.keys))
	}
}

type badStore struct {
	MemoryStore
	key []byte
}

func (s *badStore) LoadOrStore(context.Context, int64, []byte) ([]byte, error) {
	return s.key, nil
}

func TestBadKeyFromStore(t *testing.T) {
	for _, tc := range []struct {
		key  []byte
		err  string
		leak string
	}{
		{[]byte("short"), "5-byte key", "short"},
		{make([]byte, KeySize), "all-zero key", ""},
		// A store that hands out its own slice gets it zeroed by the ring;
		// the next Refresh must refuse it rather than use a zero key.
		{nil, "", ""},
	} {
		store := &badStore{key: tc.key}
		if tc.key == nil {
			store.key = detKey(1)
		}
		r := NewKeyRing(store, time.Hour, time.Hour)
		err := r.Refresh(ctx, t0)
		if tc.key == nil {
			if err != nil {
				t.Fatal(err)
			}
			if err = r.Refresh(ctx, t0.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "all-zero key") {
				t.Errorf("second Refresh from a store sharing its slice: err = %v, want all-zero key", err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("key %q: err = %v, want %q", tc.key, err, tc.err)
			continue
		}
		if tc.leak != "" && strings.Contains(err.Error(), tc.leak) {
			t.Errorf("error %q contains key material", err)
		}
		if p := string(r.AppendPseudonym(nil, []byte("x"))); p == want(tc.key, []byte("x")) {
			t.Errorf("ring used the malformed key %q", tc.key)
		}
		if _, ok := r.Current(); !ok {
			t.Errorf("key %q: no key for the period after a failed Refresh", tc.key)
		}
	}
}

func TestPeriod(t *testing.T) {
	r := NewKeyRing(nil, time.Hour, 0)
	for _, tc := range []struct {
		t    time.Time
		want int64
	}{
		{time.Unix(0, 0), 0},
		{time.Unix(3599, 999999999), 0},
		{time.Unix(3600, 0), 1},
		{time.Unix(-1, 0), -1},
		{time.Unix(-3600, 0), -1},
		{time.Unix(-3601, 0), -2},
	} {
		if got := r.Period(tc.t); got != tc.want {
			t.Errorf("Period(%d) = %d, want %d", tc.t.Unix(), got, tc.want)
		}
	}
	if d := NewKeyRing(nil, 0, -time.Hour); d.rotate != DefaultRotate || d.retention != 0 {
		t.Errorf("NewKeyRing(nil, 0, -1h) = rotate %s retention %s, want %s and 0", d.rotate, d.retention, DefaultRotate)
	}
}

// TestConcurrentRotation makes pseudonyms while keys rotate and are
// destroyed at once (retention 0); every result must be the pseudonym under
// some real key, never one computed from a half-destroyed key. It rotates
// for a fixed time rather than a fixed count so that it stays short on a
// busy machine.
func TestConcurrentRotation(t *testing.T) {
	store := new(detStore)
	r := NewKeyRing(store, time.Hour, 0)
	r.CacheSize = 8
	const periods = 2000
	addr := netip.MustParseAddr("192.0.2.1")
	raw := addr.As16()
	p0 := r.Period(t0)
	valid := map[string]bool{}
	for p := p0; p < p0+periods; p++ {
		valid[want(detKey(p), raw[:])] = true
		valid[want(detKey(p), []byte("id"))] = true
	}
	if err := r.Refresh(ctx, t0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var bad atomic.Value
	var ops atomic.Int64
	for range 3 {
		wg.Go(func() {
			var dst []byte
			for {
				select {
				case <-stop:
					return
				default:
				}
				dst = r.AppendAddr(dst[:0], addr)
				if !valid[string(dst)] {
					bad.Store(string(dst))
				}
				dst = r.AppendPseudonym(dst[:0], []byte("id"))
				if !valid[string(dst)] {
					bad.Store(string(dst))
				}
				ops.Add(1)
			}
		})
	}
	start := time.Now()
	rotations := 0
	for i := 1; i < periods && time.Since(start) < 200*time.Millisecond; i++ {
		if err := r.Refresh(ctx, t0.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
		rotations++
	}
	close(stop)
	wg.Wait()
	if b := bad.Load(); b != nil {
		t.Errorf("got pseudonym %q that no key makes", b)
	}
	t.Logf("%d rotations during %d pseudonyms", rotations, ops.Load())
}

func TestRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := new(detStore)
		r := NewKeyRing(store, 24*time.Hour, 12*time.Hour)
		var errs []error
		var mu sync.Mutex
		r.OnError = func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { r.Run(runCtx); close(done) }()

		// The bubble's clock starts at midnight UTC, a period boundary.
		start := time.Now()
		p0 := r.Period(start)
		synctest.Wait()
		if p, ok := r.Current(); !ok || p != p0 {
			t.Fatalf("after start Current() = %d, %v; want %d", p, ok, p0)
		}
		time.Sleep(24*time.Hour - time.Nanosecond)
		synctest.Wait()
		if p, _ := r.Current(); p != p0 {
			t.Fatalf("rotated early: period %d at +24h-1ns", p)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if p, _ := r.Current(); p != p0+1 {
			t.Fatalf("at +24h Current() = %d, want %d", p, p0+1)
		}
		if !storeHas(&store.MemoryStore, p0) {
			t.Fatal("previous key deleted before its retention ended")
		}
		time.Sleep(12 * time.Hour) // retention of p0 ends
		synctest.Wait()
		if storeHas(&store.MemoryStore, p0) {
			t.Fatal("key not deleted when its retention ended")
		}

		// A failing store is reported and retried with backoff.
		store.fail.Store(true)
		time.Sleep(12 * time.Hour) // next boundary
		synctest.Wait()
		time.Sleep(3 * time.Second) // retries at +1s and +2s+1s
		synctest.Wait()
		mu.Lock()
		n := len(errs)
		mu.Unlock()
		if n != 3 {
			t.Errorf("got %d errors reported, want 3 (boundary, +1s, +3s)", n)
		}
		store.fail.Store(false)
		time.Sleep(4 * time.Second)
		synctest.Wait()
		if got, w := string(r.AppendPseudonym(nil, []byte("x"))), want(detKey(p0+2), []byte("x")); got != w {
			t.Errorf("after recovery pseudonym = %q, want the stored key's %q", got, w)
		}
		cancel()
		<-done
	})
}

// A held ring's first pseudonyms wait for the first Refresh, so they are
// made with the stored key; once the deadline has passed they no longer
// wait.
func TestHoldUntil(t *testing.T) {
	store := new(detStore)
	r := NewKeyRing(store, time.Hour, time.Hour)
	r.HoldUntil(time.Now().Add(time.Minute))
	src := []byte("203.0.113.9")
	got := make(chan string)
	go func() { got <- string(r.AppendPseudonym(nil, src)) }()
	select {
	case p := <-got:
		t.Fatalf("pseudonym %q made before the first Refresh", p)
	case <-time.After(50 * time.Millisecond):
	}
	if err := r.Refresh(ctx, t0); err != nil {
		t.Fatal(err)
	}
	if p, w := <-got, want(detKey(r.Period(t0)), src); p != w {
		t.Fatalf("held pseudonym %q; want the stored key's %q", p, w)
	}

	late := NewKeyRing(store, time.Hour, time.Hour)
	late.HoldUntil(time.Now().Add(20 * time.Millisecond))
	start := time.Now()
	if p := late.AppendPseudonym(nil, src); len(p) != Len {
		t.Fatalf("pseudonym %q", p)
	}
	if waited := time.Since(start); waited < 15*time.Millisecond || waited > 5*time.Second {
		t.Fatalf("waited %v; want about the 20ms hold", waited)
	}
	start = time.Now()
	late.AppendPseudonym(nil, src)
	if time.Since(start) > 10*time.Millisecond {
		t.Fatal("waited again after the deadline")
	}
}

// OutageReporter reports each outage once, and the recovery once.
func TestOutageReporter(t *testing.T) {
	store := new(detStore)
	var events []string
	o := &OutageReporter{
		Store: store,
		Down:  func(err error) { events = append(events, "down: "+err.Error()) },
		Up:    func() { events = append(events, "up") },
	}
	step := func(fail bool) {
		store.fail.Store(fail)
		o.LoadOrStore(ctx, 1, make([]byte, KeySize))
		o.DeleteBefore(ctx, 0)
	}
	for _, fail := range []bool{false, true, true, true, false, false, true, false} {
		step(fail)
	}
	wantEvents := []string{"down: store unreachable", "up", "down: store unreachable", "up"}
	if fmt.Sprint(events) != fmt.Sprint(wantEvents) {
		t.Fatalf("events %q; want %q", events, wantEvents)
	}
}
