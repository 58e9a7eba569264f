// Package redisstore is a pseudonym.KeyStore in Redis, so that every Caddy
// node and every log CLI run that uses the same Redis makes the same
// pseudonyms.
//
// Each rotation period's key is one Redis string, created with an atomic
// SET NX: whichever instance reaches Redis first makes the key and every
// other instance, then and later, loads that one. Each key is created with
// an absolute expiry at the end of its retention (the end of its period
// plus the retention period), so Redis destroys it on schedule even when
// no instance is running.
//
// Errors never contain the server's address, the password or key material;
// go-redis's own logger is silenced for the same reason (see New).
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym"
)

// DefaultPrefix is the prefix of the Redis keys when Options.Prefix is empty.
const DefaultPrefix = "caddy-privacy"

// Timeouts of one Redis operation. They are short because a pseudonym
// never waits for Redis: the key ring keeps its key, or makes one of its
// own, while Redis is slow or away.
const (
	dialTimeout = 2 * time.Second
	ioTimeout   = 2 * time.Second
)

// Options configure a Store.
type Options struct {
	// Address is the server's host:port.
	Address string
	// Password authenticates to the server; empty for none.
	Password string
	// Prefix starts every Redis key: keys are named
	// "<prefix>:pseudonym-keys:<rotation in seconds>:<period>". Default:
	// DefaultPrefix.
	Prefix string
	// Rotate and Retention are the key ring's: a key expires Retention
	// after the end of its period. Rotate <= 0 means
	// pseudonym.DefaultRotate.
	Rotate, Retention time.Duration
}

// Store is a pseudonym.KeyStore in Redis. It is safe for concurrent use.
type Store struct {
	client    *redis.Client
	prefix    string // up to and including the rotation's ':'
	rotate    time.Duration
	retention time.Duration

	mu    sync.Mutex
	known map[int64][]byte // keys this store has seen, by period
}

var quietOnce sync.Once

// quietLogger drops go-redis's internal log lines, which name the server's
// address; the Store's errors say what went wrong instead.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// New returns a Store for the server at o.Address. It does not connect:
// the first LoadOrStore does, so a server that is down at start is only an
// error of the first refresh. The first New silences go-redis's package
// logger for the whole process.
func New(o Options) (*Store, error) {
	if _, _, err := net.SplitHostPort(o.Address); err != nil {
		return nil, errors.New("redis key store: the address is not host:port")
	}
	if o.Rotate <= 0 {
		o.Rotate = pseudonym.DefaultRotate
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	quietOnce.Do(func() { redis.SetLogger(quietLogger{}) })
	client := redis.NewClient(&redis.Options{
		Addr:         o.Address,
		Password:     o.Password,
		DialTimeout:  dialTimeout,
		ReadTimeout:  ioTimeout,
		WriteTimeout: ioTimeout,
		MaxRetries:   1,
		PoolSize:     4,
		// No client-side identification round trip: older servers and
		// proxies reject CLIENT SETINFO, and it tells us nothing we need.
		DisableIdentity: true,
	})
	return &Store{
		client:    client,
		prefix:    o.Prefix + ":pseudonym-keys:" + strconv.FormatInt(int64(o.Rotate/time.Second), 10) + ":",
		rotate:    o.Rotate,
		retention: max(o.Retention, 0),
	}, nil
}

// Close closes the connections to Redis and forgets the keys it has seen.
func (s *Store) Close() error {
	s.mu.Lock()
	for p, k := range s.known {
		clear(k)
		delete(s.known, p)
	}
	s.mu.Unlock()
	return s.client.Close()
}

// Key returns the Redis key that holds period's key.
func (s *Store) Key(period int64) string {
	return s.prefix + strconv.FormatInt(period, 10)
}

// Expiry returns when the key of period is destroyed: the end of its
// retention, which starts when the period ends.
func (s *Store) Expiry(period int64) time.Time {
	return time.Unix(0, (period+1)*int64(s.rotate)).Add(s.retention)
}

// LoadOrStore implements pseudonym.KeyStore with one atomic command,
// SET <key> <value> NX PXAT <expiry> GET: it stores key if the period has
// none and returns what was there before, so every instance ends up with
// the key that reached Redis first.
//
// If Redis has lost a key this store saw before (a restart without
// persistence), the store offers that key rather than key, so the fleet
// keeps its pseudonyms: the first instance back puts it again, and an
// instance that stored a new one first wins instead, which the others
// adopt when they next ask (see pseudonym.KeyRing.Recheck).
func (s *Store) LoadOrStore(ctx context.Context, period int64, key []byte) ([]byte, error) {
	expiry := s.Expiry(period)
	if !expiry.After(time.Now()) {
		return nil, fmt.Errorf("redis key store: the key of period %d is past its retention", period)
	}
	s.mu.Lock()
	if k, ok := s.known[period]; ok {
		key = k
	}
	offer := append([]byte(nil), key...)
	s.mu.Unlock()
	prev, err := s.client.Do(ctx, "SET", s.Key(period), offer, "NX", "PXAT", expiry.UnixMilli(), "GET").Text()
	var got []byte
	switch {
	case errors.Is(err, redis.Nil):
		got = offer // ours is stored
	case err != nil:
		clear(offer)
		return nil, describe("storing the key of period "+strconv.FormatInt(period, 10), err)
	default:
		clear(offer)
		got = []byte(prev)
	}
	s.mu.Lock()
	if s.known == nil {
		s.known = make(map[int64][]byte)
	}
	if old, ok := s.known[period]; ok {
		clear(old)
	}
	s.known[period] = append([]byte(nil), got...)
	s.mu.Unlock()
	// A copy: the ring zeroes what it gets.
	return got, nil
}

// DeleteBefore implements pseudonym.KeyStore. Redis expires keys on its
// own; this deletes those of earlier periods at once as well, in case a
// retention was shortened since they were made.
func (s *Store) DeleteBefore(ctx context.Context, before int64) error {
	s.mu.Lock()
	for p, k := range s.known {
		if p < before {
			clear(k)
			delete(s.known, p)
		}
	}
	s.mu.Unlock()
	var stale []string
	iter := s.client.Scan(ctx, 0, s.prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		name := iter.Val()
		p, err := strconv.ParseInt(strings.TrimPrefix(name, s.prefix), 10, 64)
		if err == nil && p < before {
			stale = append(stale, name)
		}
	}
	if err := iter.Err(); err != nil {
		return describe("listing keys", err)
	}
	if len(stale) == 0 {
		return nil
	}
	if err := s.client.Del(ctx, stale...).Err(); err != nil {
		return describe("deleting old keys", err)
	}
	return nil
}

// describe turns a go-redis error into one that says what failed without
// the server's address (which dial errors carry).
func describe(what string, err error) error {
	var reason string
	var opErr *net.OpError
	var redisErr redis.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		reason = "the server did not answer in time"
	case errors.Is(err, context.Canceled):
		reason = "canceled"
	case errors.As(err, &opErr):
		// The syscall error alone, such as "connect: connection refused";
		// the OpError around it names the addresses.
		reason = opErr.Op + ": " + opErr.Err.Error()
		var sysErr *os.SyscallError
		if errors.As(opErr.Err, &sysErr) {
			reason = sysErr.Error()
		}
		var dnsErr *net.DNSError
		if errors.As(opErr.Err, &dnsErr) {
			reason = "the host name does not resolve"
		}
	case errors.As(err, &redisErr):
		// A reply from the server, such as NOAUTH or WRONGPASS.
		reason = "the server answered: " + redisErr.Error()
	case errors.Is(err, redis.ErrClosed):
		reason = "the client is closed"
	default:
		reason = "the server cannot be reached"
	}
	return fmt.Errorf("redis key store: %s: %s", what, reason)
}

// Interface guard.
var _ pseudonym.KeyStore = (*Store)(nil)
