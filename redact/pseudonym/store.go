package pseudonym

import (
	"bytes"
	"context"
	"errors"
	"sync"
)

// KeyStore persists pseudonym keys so that every KeyRing sharing a store
// makes the same pseudonyms. Periods are numbered as KeyRing numbers them,
// floor(Unix time / rotation), so a store holds keys of one rotation length;
// an implementation shared by rings with different rotations must keep them
// apart (for example by putting the rotation in the storage key).
//
// Over Caddy's certmagic.Storage a store maps as follows, with one storage
// key per period such as "privacy/pseudonym/86400/<period>":
//
//   - LoadOrStore: Lock(name); Load; on fs.ErrNotExist, Store the given key;
//     Unlock. The lock makes load-or-create atomic across processes and
//     machines, so two instances starting at once cannot make two keys.
//   - DeleteBefore: List the prefix (non-recursive), parse each period from
//     the last path element, Delete those below before. Names that do not
//     parse are left alone.
//
// Implementations must be safe for concurrent use. Errors they return may be
// logged, so they must never contain key material.
type KeyStore interface {
	// LoadOrStore returns the key of period, first storing key as that
	// period's key if the store has none yet. The store must copy key if it
	// keeps it, and must return a slice the caller may keep and zero: the
	// ring zeroes both once it has derived what it needs.
	LoadOrStore(ctx context.Context, period int64, key []byte) ([]byte, error)

	// DeleteBefore destroys the keys of every period lower than before.
	// Deleting keys that do not exist is not an error.
	DeleteBefore(ctx context.Context, before int64) error
}

// MemoryStore is a KeyStore in memory, for a single process or for tests.
// Its zero value is ready to use and it is safe for concurrent use. Keys it
// deletes are zeroed.
type MemoryStore struct {
	mu   sync.Mutex
	keys map[int64][]byte
}

// LoadOrStore implements KeyStore.
func (s *MemoryStore) LoadOrStore(ctx context.Context, period int64, key []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[period]
	if !ok {
		if s.keys == nil {
			s.keys = make(map[int64][]byte)
		}
		k = bytes.Clone(key)
		s.keys[period] = k
	}
	return bytes.Clone(k), nil
}

// DeleteBefore implements KeyStore.
func (s *MemoryStore) DeleteBefore(ctx context.Context, before int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, k := range s.keys {
		if p < before {
			clear(k)
			delete(s.keys, p)
		}
	}
	return nil
}

// Interface guard.
var _ KeyStore = (*MemoryStore)(nil)

// OutageReporter wraps a KeyStore that can be unreachable (Redis, a network
// file system) and reports each outage once: Down is called with the first
// error after a success, or the first error at all, and Up with the first
// success after that. A KeyRing retries a failing store every few seconds;
// reporting each retry would flood the log. Down and Up are called without
// a lock held; either may be nil.
type OutageReporter struct {
	Store KeyStore
	Down  func(error)
	Up    func()

	mu   sync.Mutex
	down bool
}

// LoadOrStore implements KeyStore.
func (o *OutageReporter) LoadOrStore(ctx context.Context, period int64, key []byte) ([]byte, error) {
	got, err := o.Store.LoadOrStore(ctx, period, key)
	o.report(err)
	return got, err
}

// DeleteBefore implements KeyStore.
func (o *OutageReporter) DeleteBefore(ctx context.Context, before int64) error {
	err := o.Store.DeleteBefore(ctx, before)
	o.report(err)
	return err
}

// Reachable reports whether the last operation on the store succeeded.
func (o *OutageReporter) Reachable() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return !o.down
}

func (o *OutageReporter) report(err error) {
	if errors.Is(err, context.Canceled) {
		// The caller gave up (a ring stopping), not the store.
		return
	}
	o.mu.Lock()
	changed := (err != nil) != o.down
	o.down = err != nil
	o.mu.Unlock()
	switch {
	case !changed:
	case err != nil && o.Down != nil:
		o.Down(err)
	case err == nil && o.Up != nil:
		o.Up()
	}
}

// Interface guard.
var _ KeyStore = (*OutageReporter)(nil)
