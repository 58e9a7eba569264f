package caddymodule

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"

	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym"
)

// keyPrefix is where pseudonym keys live in Caddy's storage, one key per
// rotation period. Instances that share the storage share the keys.
const keyPrefix = "caddy-privacy/pseudonym-keys"

// storageKeys is a pseudonym.KeyStore over Caddy's storage.
type storageKeys struct {
	storage certmagic.Storage
}

func (s storageKeys) keyPath(period int64) string {
	return path.Join(keyPrefix, strconv.FormatInt(period, 10))
}

// LoadOrStore implements pseudonym.KeyStore. The storage lock makes "load,
// or store if absent" atomic across every instance sharing the storage.
func (s storageKeys) LoadOrStore(ctx context.Context, period int64, key []byte) ([]byte, error) {
	name := s.keyPath(period)
	if err := s.storage.Lock(ctx, keyPrefix); err != nil {
		return nil, fmt.Errorf("locking pseudonym keys: %w", err)
	}
	defer s.storage.Unlock(context.WithoutCancel(ctx), keyPrefix)
	stored, err := s.storage.Load(ctx, name)
	if err == nil {
		if len(stored) < 32 {
			return nil, fmt.Errorf("pseudonym key %s in storage is %d bytes; want 32", name, len(stored))
		}
		return stored, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("loading pseudonym key %s: %w", name, err)
	}
	if err := s.storage.Store(ctx, name, key); err != nil {
		return nil, fmt.Errorf("storing pseudonym key %s: %w", name, err)
	}
	return key, nil
}

// DeleteBefore implements pseudonym.KeyStore: keys of earlier periods are
// destroyed, which makes their pseudonyms anonymous.
func (s storageKeys) DeleteBefore(ctx context.Context, before int64) error {
	names, err := s.storage.List(ctx, keyPrefix, false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("listing pseudonym keys: %w", err)
	}
	var errs []error
	for _, name := range names {
		period, err := strconv.ParseInt(path.Base(name), 10, 64)
		if err != nil || period >= before {
			continue
		}
		if err := s.storage.Delete(ctx, name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// keyRings holds the running key rings, shared across config reloads.
var keyRings = caddy.NewUsagePool()

type sharedKeyRing struct {
	ring   *pseudonym.KeyRing
	cancel context.CancelFunc
}

func (s *sharedKeyRing) Destruct() error {
	s.cancel()
	return nil
}

// loadKeyRing returns the key ring for the storage and schedule, loading
// the current key before it returns so the first request has one.
func loadKeyRing(storage certmagic.Storage, rotate, retention time.Duration) (string, *pseudonym.KeyRing, error) {
	key := fmt.Sprintf("%v|%s|%s", storage, rotate, retention)
	val, _, err := keyRings.LoadOrNew(key, func() (caddy.Destructor, error) {
		ring := pseudonym.NewKeyRing(storageKeys{storage}, rotate, retention)
		loadCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := ring.Refresh(loadCtx, time.Now()); err != nil {
			return nil, fmt.Errorf("pseudonym keys: %w; the keys live in Caddy's storage (%v: the global `storage` option, by default Caddy's data directory, which `caddy environ` shows), which the user Caddy runs as must be able to read and write", err, storage)
		}
		runCtx, stop := context.WithCancel(context.Background())
		// Caddy's current default logger, not the one of the module that
		// loaded the ring: that module may be a log encoder, provisioned
		// before the logs existed.
		ring.OnError = func(err error) {
			caddy.Log().Named("privacy.keys").Error("rotating pseudonym keys", zap.Error(err))
		}
		go ring.Run(runCtx)
		return &sharedKeyRing{ring: ring, cancel: stop}, nil
	})
	if err != nil {
		return "", nil, err
	}
	return key, val.(*sharedKeyRing).ring, nil
}
