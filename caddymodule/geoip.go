package caddymodule

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
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
// Every module that uses it asks for a check interval; the file is checked
// at the smallest interval any current user asked for.
type sharedCountries struct {
	path     string
	resolver *country.Resolver
	stop     chan struct{}
	// wake tells the watcher that the set of intervals changed.
	wake chan struct{}

	mu        sync.Mutex
	intervals []time.Duration // one per user, in no order
}

// Destruct implements caddy.Destructor: the last user is gone.
func (s *sharedCountries) Destruct() error {
	close(s.stop)
	return nil
}

// addInterval records one more user's check interval.
func (s *sharedCountries) addInterval(d time.Duration) {
	s.mu.Lock()
	s.intervals = append(s.intervals, d)
	s.mu.Unlock()
	s.poke()
}

// removeInterval forgets one user's check interval.
func (s *sharedCountries) removeInterval(d time.Duration) {
	s.mu.Lock()
	if i := slices.Index(s.intervals, d); i >= 0 {
		s.intervals = slices.Delete(s.intervals, i, i+1)
	}
	s.mu.Unlock()
	s.poke()
}

func (s *sharedCountries) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// interval is the smallest interval asked for, or the default when no user
// is left (the watcher is then about to stop).
func (s *sharedCountries) interval() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.intervals) == 0 {
		return defaultGeoIPCheck
	}
	return slices.Min(s.intervals)
}

// defaultGeoIPCheck is how often a database file is checked for changes
// when its users ask for nothing else.
const defaultGeoIPCheck = time.Minute

// getDatabaseAdvice is what the errors about a missing or unreadable
// database tell the user to do.
const getDatabaseAdvice = "download a country database (MaxMind GeoLite2 Country or City, free with an account at https://dev.maxmind.com/geoip/geolite2-free-geolocation-data, or the CC BY 4.0 ip-location-db country MMDB: `npm pack @ip-location-db/geo-whois-asn-country-mmdb`, or `make geoip` in a caddy-privacy checkout) and name it with `geoip <path>` in the privacy, privacy_beacon or `format privacy` block, or write `geoip off` to truncate addresses instead"

// loadCountries opens path, or shares it if another module already has,
// and watches it for changes at most every interval (and more often if
// another user of the file asked for less).
func loadCountries(path, unknown string, cacheSize int, interval time.Duration) (key string, s *sharedCountries, err error) {
	key = fmt.Sprintf("%s|%s|%d", path, unknown, cacheSize)
	val, _, err := countryDBs.LoadOrNew(key, func() (caddy.Destructor, error) {
		info, err := os.Stat(path)
		if err != nil {
			return nil, databaseFileError(path, err)
		}
		if info.IsDir() {
			return nil, fmt.Errorf("geoip: %s is a directory, not a country database file; %s", path, getDatabaseAdvice)
		}
		db, err := country.Open(path)
		if err != nil {
			return nil, fmt.Errorf("geoip: %w; the file is not a country database this module reads: %s", err, getDatabaseAdvice)
		}
		s := &sharedCountries{
			path:     path,
			resolver: country.NewResolver(db, unknown, cacheSize),
			stop:     make(chan struct{}),
			wake:     make(chan struct{}, 1),
		}
		go s.watch(info)
		return s, nil
	})
	if err != nil {
		return "", nil, err
	}
	s = val.(*sharedCountries)
	s.addInterval(interval)
	return key, s, nil
}

// databaseFileError explains a database file that cannot be opened.
func databaseFileError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("geoip: country database %s does not exist; %s", path, getDatabaseAdvice)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("geoip: country database %s cannot be read by this process (%v); let the user Caddy runs as read it, or %s", path, err, getDatabaseAdvice)
	}
	return fmt.Errorf("geoip: country database %s: %w; %s", path, err, getDatabaseAdvice)
}

// watch reloads the database when its file changes. A replacement that
// cannot be read, or a file that disappears, leaves the last good database
// in service; each such state is logged once, and its end once.
//
// It logs to Caddy's default logger as it is at the time, not to the
// logger of the module that opened the file: that module may be a log
// encoder, provisioned while the logs were still being built, or one a
// config reload has since retired.
func (s *sharedCountries) watch(last os.FileInfo) {
	logger := func() *zap.Logger { return caddy.Log().Named("privacy.geoip") }
	current := s.interval()
	t := time.NewTicker(current)
	defer t.Stop()
	missing := false
	for {
		select {
		case <-s.stop:
			return
		case <-s.wake:
			if d := s.interval(); d != current {
				current = d
				t.Reset(d)
			}
			continue
		case <-t.C:
		}
		info, err := os.Stat(s.path)
		if err != nil {
			if !missing {
				missing = true
				// The error describes the file, never an address.
				logger().Error("country database file cannot be found or read; keeping the last good copy in service until it comes back (a restart without it will fail)",
					zap.String("path", s.path), zap.Error(err))
			}
			continue
		}
		if missing {
			missing = false
			logger().Info("country database file is back", zap.String("path", s.path))
		}
		if info.ModTime().Equal(last.ModTime()) && info.Size() == last.Size() {
			continue
		}
		db, err := country.Open(s.path)
		last = info
		if err != nil {
			logger().Error("country database changed but cannot be read; keeping the previous one",
				zap.String("path", s.path), zap.Error(err))
			continue
		}
		s.resolver.Swap(db)
		logger().Info("country database reloaded", zap.String("path", s.path), zap.String("type", db.Info().DatabaseType))
	}
}
