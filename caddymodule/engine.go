package caddymodule

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/redact"
	"github.com/caddy-privacy/caddy-privacy/redact/country"
)

// engine is a redact.Redactor with the shared state it holds: the country
// database and the pseudonym key ring, both kept in usage pools so config
// reloads and other modules reuse them. Every module that redacts (the
// handler, the beacon gateway, the log encoder and filters) builds one.
type engine struct {
	*redact.Redactor
	geoKey   string
	geo      *sharedCountries
	geoCheck time.Duration
	keysKey  string
	lateKeys *lateKeyRing
}

// newEngine applies the defaults to p, validates it, and opens or shares
// what it needs. geoCheck is how often the database file is checked for
// changes, 0 for the default (1m); a file shared with other modules is
// checked at the smallest interval any of them asked for. storage is where
// the "caddy" key store lives: log modules, which Caddy opens before the
// configured storage, get a ring that waits for it (see lateKeyRing). On
// error, nothing is left held. logger is the module's;
// the shared database watcher and key rotation log to Caddy's default
// logger, since they outlive the module that started them.
func newEngine(p *config.Policy, geoCheck time.Duration, storage storageRef, logger *zap.Logger) (*engine, error) {
	if geoCheck < 0 {
		return nil, fmt.Errorf("geoip_check: %s is negative; want an interval such as 1m", geoCheck)
	}
	if geoCheck == 0 {
		geoCheck = defaultGeoIPCheck
	}
	p.ApplyDefaults()
	if p.Keys.Store == "" {
		p.Keys.Store = config.KeyStoreCaddy
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	// A renamed consent cookie is as necessary as the built-in names, and
	// so is the section-id cookie beside a GPP string.
	if name := p.Consent.Cookie; name != "" {
		names := []string{name}
		if p.Consent.Format == config.ConsentGPP {
			names = append(names, name+"_sid")
		}
		cats := maps.Clone(p.Cookies.Categories)
		if cats == nil {
			cats = map[string]string{}
		}
		for _, n := range names {
			if _, ok := cats[n]; !ok {
				cats[n] = config.CategoryNecessary
			}
		}
		p.Cookies.Categories = cats
	}
	e := new(engine)
	var countries *country.Resolver
	if !p.GeoIP.Off {
		if p.GeoIP.Database == "" {
			return nil, errors.New("geoip: no country database configured; " + getDatabaseAdvice)
		}
		path := caddy.NewReplacer().ReplaceKnown(p.GeoIP.Database, "")
		var err error
		e.geoKey, e.geo, err = loadCountries(path, p.GeoIP.Unknown, p.GeoIP.CacheSize, geoCheck)
		if err != nil {
			return nil, err
		}
		e.geoCheck = geoCheck
		countries = e.geo.resolver
	}
	keysKey, keys, late, err := loadKeyRing(p, storage)
	if err != nil {
		e.cleanup()
		return nil, err
	}
	e.keysKey, e.lateKeys = keysKey, late
	if e.Redactor, err = redact.New(*p, countries, keys); err != nil {
		e.cleanup()
		return nil, fmt.Errorf("policy: %w", err)
	}
	return e, nil
}

// cleanup releases the shared state. It is nil-safe, for Cleanup after a
// failed Provision.
func (e *engine) cleanup() error {
	if e == nil {
		return nil
	}
	var errs []error
	if e.geoKey != "" {
		e.geo.removeInterval(e.geoCheck)
		_, err := countryDBs.Delete(e.geoKey)
		errs = append(errs, err)
		e.geoKey = ""
	}
	if e.keysKey != "" {
		_, err := keyRings.Delete(e.keysKey)
		errs = append(errs, err)
		e.keysKey = ""
	}
	e.lateKeys.close()
	e.lateKeys = nil
	return errors.Join(errs...)
}
