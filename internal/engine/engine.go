// Package engine opens what a policy's redaction engine needs besides the
// policy itself: its pseudonym key store and its country database. The
// log CLI and the OpenTelemetry Collector processor both build their
// engines with it, so they find the same keys and the same database.
package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym/redisstore"
)

// OpenKeys returns the key ring of the policy's key store, with the
// current key loaded, and what closes the store. The "memory" store keeps
// the keys in the process: its pseudonyms cannot be linked to another
// process's. "redis" loads the key the Caddy nodes sharing the server use,
// so every instance gives a visitor the same pseudonym; OpenKeys fails if
// Redis cannot be reached rather than make pseudonyms that match nothing.
// "caddy" is Caddy's storage, which only Caddy can reach.
//
// A caller that runs for one rotation period at most may close the store
// at once; a long-running one keeps it and calls the ring's Run.
//
// With outages set, a long-running caller rides out a store it cannot
// reach, as Caddy nodes do: the store is wrapped in outages, which reports
// each outage once, and a failure at start is no error: the ring holds a
// key of its own until the store answers, and Run then adopts the shared
// one.
func OpenKeys(p config.Policy, outages *pseudonym.OutageReporter) (*pseudonym.KeyRing, io.Closer, error) {
	rotate, retention := time.Duration(p.Pseudonym.Rotate), time.Duration(p.Pseudonym.Retention)
	var store pseudonym.KeyStore = new(pseudonym.MemoryStore)
	var closer io.Closer = nopCloser{}
	switch p.Keys.Store {
	case config.KeyStoreCaddy:
		return nil, nil, fmt.Errorf("keys.store: %q is Caddy's storage, which only Caddy can reach; use \"redis\" to share keys with Caddy nodes, or \"memory\"", p.Keys.Store)
	case config.KeyStoreRedis:
		rs, err := redisstore.New(redisstore.Options{
			Address:   config.ExpandEnv(p.Keys.Address),
			Password:  config.ExpandEnv(p.Keys.Password),
			Prefix:    config.ExpandEnv(p.Keys.Prefix),
			Rotate:    rotate,
			Retention: retention,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("keys.address: %w", err)
		}
		store, closer = rs, rs
		if outages != nil {
			outages.Store = rs
			store = outages
		}
	}
	keys := pseudonym.NewKeyRing(store, rotate, retention)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := keys.Refresh(ctx, time.Now()); err != nil && (outages == nil || store != outages) {
		closer.Close()
		return nil, nil, fmt.Errorf("%w (keys.store %q)", err, p.Keys.Store)
	}
	return keys, closer, nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// GeoDBEnv names a country database when the policy does not.
const GeoDBEnv = "CADDY_PRIVACY_GEOIP_DB"

// CountryDBPath returns the country database to use: the policy's
// geoip.database, else $CADDY_PRIVACY_GEOIP_DB, else the one `make run`
// fetched into the user's cache; "" when there is none.
func CountryDBPath(p config.Policy) string {
	if p.GeoIP.Database != "" {
		return p.GeoIP.Database
	}
	if env := os.Getenv(GeoDBEnv); env != "" {
		return env
	}
	if dir, err := os.UserCacheDir(); err == nil {
		cached := filepath.Join(dir, "caddy-privacy", "geo-whois-asn-country.mmdb")
		if _, err := os.Stat(cached); err == nil {
			return cached
		}
	}
	return ""
}
