package caddymodule

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym/redisstore"
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

// redisRecheck is how often a node asks Redis whether the current key is
// still the one it uses: after Redis lost its data, nodes agree again
// within this time (see pseudonym.KeyRing.Recheck). One small command a
// minute per node.
const redisRecheck = time.Minute

// keyRings holds the running key rings, shared across config reloads.
var keyRings = caddy.NewUsagePool()

type sharedKeyRing struct {
	ring   *pseudonym.KeyRing
	cancel context.CancelFunc
	close  func() error // the store's connections, if any
}

func (s *sharedKeyRing) Destruct() error {
	s.cancel()
	if s.close != nil {
		return s.close()
	}
	return nil
}

// storageRef is Caddy's storage as a module sees it when it is
// provisioned: known (handlers), or, for log modules, which Caddy opens
// before it sets up the configured storage, not yet: cfg is then the
// config whose storage they wait for.
type storageRef struct {
	now certmagic.Storage
	cfg caddy.Context
}

// keysLogger is where key stores report: Caddy's current default logger,
// not the logger of the module that opened the store, which may be a log
// encoder provisioned before the logs existed.
func keysLogger() *zap.Logger { return caddy.Log().Named("privacy.keys") }

// loadKeyRing returns the key ring for the policy's key store and
// schedule, and the usage-pool key to release it with (empty for a ring
// the caller owns, see lateKeyRing). The current key is loaded before it
// returns, except from Redis, which may be down: pages are served with
// keys held in memory until it is back.
func loadKeyRing(p *config.Policy, storage storageRef) (string, *pseudonym.KeyRing, *lateKeyRing, error) {
	rotate, retention := time.Duration(p.Pseudonym.Rotate), time.Duration(p.Pseudonym.Retention)
	switch p.Keys.Store {
	case config.KeyStoreMemory:
		key := fmt.Sprintf("memory|%s|%s", rotate, retention)
		ring, err := pooledRing(key, func() (*sharedKeyRing, error) {
			ring := pseudonym.NewKeyRing(nil, rotate, retention)
			ring.Refresh(context.Background(), time.Now()) // a MemoryStore does not fail
			return startRing(ring, nil), nil
		})
		return key, ring, nil, err
	case config.KeyStoreRedis:
		repl := caddy.NewReplacer()
		o := redisstore.Options{
			Address:   repl.ReplaceKnown(p.Keys.Address, ""),
			Password:  repl.ReplaceKnown(p.Keys.Password, ""),
			Prefix:    repl.ReplaceKnown(p.Keys.Prefix, ""),
			Rotate:    rotate,
			Retention: retention,
		}
		// The password is in the pool key only as a digest.
		key := fmt.Sprintf("redis|%s|%s|%x|%s|%s", o.Address, o.Prefix, sha256.Sum256([]byte(o.Password)), rotate, retention)
		ring, err := pooledRing(key, func() (*sharedKeyRing, error) {
			store, err := redisstore.New(o)
			if err != nil {
				return nil, fmt.Errorf("keys.address: %w", err)
			}
			reporter := reportOutages(store, "redis")
			ring := pseudonym.NewKeyRing(reporter, rotate, retention)
			ring.Recheck = redisRecheck
			loadCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			ring.Refresh(loadCtx, time.Now()) // an error is reported once; the ring retries
			s := startRing(ring, reporter)
			s.close = store.Close
			return s, nil
		})
		return key, ring, nil, err
	}
	if storage.now == nil && storage.cfg.Context != nil {
		late := newLateKeyRing(storage.cfg, rotate, retention)
		return "", late.ring, late, nil
	}
	if storage.now == nil {
		storage.now = caddy.DefaultStorage
	}
	key := fmt.Sprintf("caddy|%v|%s|%s", storage.now, rotate, retention)
	ring, err := pooledRing(key, func() (*sharedKeyRing, error) {
		// A storage that fails at start is a config error, returned rather
		// than reported: the outage reports start once the ring runs.
		reporter := &pseudonym.OutageReporter{Store: storageKeys{storage.now}}
		ring := pseudonym.NewKeyRing(reporter, rotate, retention)
		loadCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := ring.Refresh(loadCtx, time.Now()); err != nil {
			return nil, fmt.Errorf("pseudonym keys: %w; the keys live in Caddy's storage (%v: the global `storage` option, by default Caddy's data directory, which `caddy environ` shows), which the user Caddy runs as must be able to read and write", err, storage.now)
		}
		logged := reportOutages(nil, "caddy")
		reporter.Down, reporter.Up = logged.Down, logged.Up
		return startRing(ring, reporter), nil
	})
	return key, ring, nil, err
}

func pooledRing(key string, start func() (*sharedKeyRing, error)) (*pseudonym.KeyRing, error) {
	val, _, err := keyRings.LoadOrNew(key, func() (caddy.Destructor, error) {
		return start()
	})
	if err != nil {
		return nil, err
	}
	return val.(*sharedKeyRing).ring, nil
}

// startRing runs ring's rotation until the returned value is destructed.
// Errors of the store are reported by reporter, once per outage; the ring's
// other errors are logged as they come.
func startRing(ring *pseudonym.KeyRing, reporter *pseudonym.OutageReporter) *sharedKeyRing {
	runCtx, stop := context.WithCancel(context.Background())
	ring.OnError = func(err error) {
		if reporter == nil || reporter.Reachable() {
			keysLogger().Error("rotating pseudonym keys", zap.Error(err))
		}
	}
	go ring.Run(runCtx)
	return &sharedKeyRing{ring: ring, cancel: stop}
}

// reportOutages logs the first error of each outage of a key store and its
// end. Store errors name no address (redisstore's never do; storage paths
// are not client addresses).
func reportOutages(store pseudonym.KeyStore, kind string) *pseudonym.OutageReporter {
	return &pseudonym.OutageReporter{
		Store: store,
		Down: func(err error) {
			keysLogger().Error("pseudonym key store unavailable; pseudonyms use keys held in memory until it is back, and may differ from other instances' meanwhile",
				zap.String("store", kind), zap.Error(err))
		},
		Up: func() {
			keysLogger().Info("pseudonym key store available again; using its keys", zap.String("store", kind))
		},
	}
}

// lateKeyRing is the key ring of a log module that keeps its keys in
// Caddy's storage. Caddy opens logs before it sets up the storage the
// config names (caddy.go: provisionContext opens logs, then loads the
// storage module), so such a module cannot load its keys in Provision. Its
// ring is bound to the config's storage as soon as that is known, without
// a data race on the config:
//
//   - when a privacy handler or beacon gateway of the same config is
//     provisioned (after the storage, on the same goroutine);
//   - otherwise when Caddy makes the config current, which
//     caddy.ActiveContext reports under Caddy's lock.
//
// Until then the ring holds its first pseudonyms for the key (see
// pseudonym.KeyRing.HoldUntil), so entries written in between, such as
// the first requests' access logs, agree with other instances.
type lateKeyRing struct {
	ring    *pseudonym.KeyRing
	store   *lateStorage
	cfg     context.Context
	bindNow chan certmagic.Storage
	stop    context.CancelFunc
}

// lateHold is how long a log module's first pseudonyms wait for the
// config's storage; past it they use a key of the ring's own until then.
const lateHold = 10 * time.Second

var (
	lateMu    sync.Mutex
	lateRings = map[*lateKeyRing]struct{}{}
)

func newLateKeyRing(cfg caddy.Context, rotate, retention time.Duration) *lateKeyRing {
	l := &lateKeyRing{store: new(lateStorage), cfg: cfg.Context, bindNow: make(chan certmagic.Storage, 1)}
	reporter := reportOutages(l.store, "caddy")
	l.ring = pseudonym.NewKeyRing(reporter, rotate, retention)
	l.ring.HoldUntil(time.Now().Add(lateHold))
	runCtx, stop := context.WithCancel(context.Background())
	l.stop = stop
	lateMu.Lock()
	lateRings[l] = struct{}{}
	lateMu.Unlock()
	go l.run(runCtx, reporter)
	return l
}

// run waits for the config's storage, then rotates the ring's keys in it.
func (l *lateKeyRing) run(ctx context.Context, reporter *pseudonym.OutageReporter) {
	tick := time.NewTicker(5 * time.Millisecond)
	var storage certmagic.Storage
	for storage == nil {
		select {
		case <-ctx.Done():
			tick.Stop()
			return
		case <-l.cfg.Done():
			// The config failed to load or was unloaded.
			tick.Stop()
			return
		case storage = <-l.bindNow:
		case <-tick.C:
			if active := caddy.ActiveContext(); active.Context != nil && active.Context == l.cfg {
				storage = active.Storage()
			}
		}
	}
	tick.Stop()
	l.unregister()
	l.store.set(storage)
	l.ring.OnError = func(err error) {
		if reporter.Reachable() {
			keysLogger().Error("rotating pseudonym keys", zap.Error(err))
		}
	}
	l.ring.Run(ctx)
}

func (l *lateKeyRing) unregister() {
	lateMu.Lock()
	delete(lateRings, l)
	lateMu.Unlock()
}

// close stops the ring. It is nil-safe.
func (l *lateKeyRing) close() {
	if l == nil {
		return
	}
	l.unregister()
	l.stop()
}

// bindLateKeyRings hands ctx's storage to the log modules of the same
// config still waiting for it. Modules provisioned after Caddy's storage
// call it: they run on the goroutine that set the storage up.
func bindLateKeyRings(ctx caddy.Context) {
	storage := ctx.Storage()
	if storage == nil || ctx.Context == nil {
		return
	}
	lateMu.Lock()
	defer lateMu.Unlock()
	for l := range lateRings {
		if l.cfg == ctx.Context {
			select {
			case l.bindNow <- storage:
			default:
			}
		}
	}
}

// lateStorage is storageKeys over a storage that is set once known.
type lateStorage struct {
	mu      sync.Mutex
	storage certmagic.Storage
}

var errNoStorage = errors.New("Caddy's storage is not set up yet")

func (s *lateStorage) set(storage certmagic.Storage) {
	s.mu.Lock()
	s.storage = storage
	s.mu.Unlock()
}

func (s *lateStorage) keys() (storageKeys, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.storage == nil {
		return storageKeys{}, errNoStorage
	}
	return storageKeys{s.storage}, nil
}

// LoadOrStore implements pseudonym.KeyStore.
func (s *lateStorage) LoadOrStore(ctx context.Context, period int64, key []byte) ([]byte, error) {
	k, err := s.keys()
	if err != nil {
		return nil, err
	}
	return k.LoadOrStore(ctx, period, key)
}

// DeleteBefore implements pseudonym.KeyStore.
func (s *lateStorage) DeleteBefore(ctx context.Context, before int64) error {
	k, err := s.keys()
	if err != nil {
		return err
	}
	return k.DeleteBefore(ctx, before)
}

// Interface guards
var (
	_ pseudonym.KeyStore = storageKeys{}
	_ pseudonym.KeyStore = (*lateStorage)(nil)
)
