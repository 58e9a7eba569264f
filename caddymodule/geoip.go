package caddymodule

import (
	"fmt"
	"os"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/caddy-privacy/caddy-privacy/redact/country"
)

// countryDBs holds the open country databases, shared by every handler and
// config reload that names the same file, so a reload does not read the
// file again.
var countryDBs = caddy.NewUsagePool()

// sharedCountries is one watched database file and the resolver over it.
type sharedCountries struct {
	path     string
	resolver *country.Resolver
	stop     chan struct{}
}

// Destruct implements caddy.Destructor: the last user is gone.
func (s *sharedCountries) Destruct() error {
	close(s.stop)
	return nil
}

// loadCountries opens path, or shares it if another handler already has,
// and watches it for changes every interval.
func loadCountries(path, unknown string, cacheSize int, interval time.Duration, logger *zap.Logger) (key string, r *country.Resolver, err error) {
	key = fmt.Sprintf("%s|%s|%d", path, unknown, cacheSize)
	val, _, err := countryDBs.LoadOrNew(key, func() (caddy.Destructor, error) {
		info, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("geoip: country database %s: %w", path, err)
		}
		db, err := country.Open(path)
		if err != nil {
			return nil, fmt.Errorf("geoip: %w", err)
		}
		s := &sharedCountries{
			path:     path,
			resolver: country.NewResolver(db, unknown, cacheSize),
			stop:     make(chan struct{}),
		}
		go s.watch(info, interval, logger.Named("geoip"))
		return s, nil
	})
	if err != nil {
		return "", nil, err
	}
	return key, val.(*sharedCountries).resolver, nil
}

// watch reloads the database when its file changes. A replacement that
// cannot be read leaves the old database in service.
func (s *sharedCountries) watch(last os.FileInfo, interval time.Duration, logger *zap.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		info, err := os.Stat(s.path)
		if err != nil || (info.ModTime().Equal(last.ModTime()) && info.Size() == last.Size()) {
			continue
		}
		db, err := country.Open(s.path)
		if err != nil {
			// The error describes the file, never an address.
			logger.Error("country database changed but cannot be read; keeping the previous one",
				zap.String("path", s.path), zap.Error(err))
			last = info
			continue
		}
		last = info
		s.resolver.Swap(db)
		logger.Info("country database reloaded", zap.String("path", s.path), zap.String("type", db.Info().DatabaseType))
	}
}
