package main

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/internal/engine"
	"github.com/caddy-privacy/caddy-privacy/logs"
	"github.com/caddy-privacy/caddy-privacy/redact"
	"github.com/caddy-privacy/caddy-privacy/redact/country"
	"github.com/caddy-privacy/caddy-privacy/redact/detect"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym"
)

// This file is the seam between the command and the redaction engine.

// engineOptions is what a subcommand asks of the engine.
type engineOptions struct {
	// Policy has its defaults applied and is valid. A -geoip-db flag has
	// already been copied into Policy.GeoIP.Database.
	Policy config.Policy

	// AuditOnly says only the Auditor is needed (the audit subcommand): no
	// country database or pseudonym keys need be set up, and the Engine
	// may be nil.
	AuditOnly bool
}

// newEngine builds the engine for opts.Policy: the Engine that sanitize
// rewrites lines with and the Auditor that audit counts identifiers with.
// Pseudonym keys come from the policy's key store (see openKeys).
func newEngine(opts engineOptions) (logs.Engine, logs.Auditor, error) {
	p := opts.Policy
	if opts.AuditOnly {
		p.GeoIP.Off = true
	}
	var countries *country.Resolver
	if !p.GeoIP.Off {
		path, err := findGeoDB(p)
		if err != nil {
			return nil, nil, err
		}
		db, err := openCountryDB(path)
		if err != nil {
			return nil, nil, err
		}
		countries = country.NewResolver(db, p.GeoIP.Unknown, p.GeoIP.CacheSize)
	}
	keys, err := openKeys(p)
	if err != nil {
		return nil, nil, err
	}
	r, err := redact.New(p, countries, keys)
	if err != nil {
		return nil, nil, err
	}
	aud := auditorFunc(func(src []byte, fn func(string)) {
		r.Text.Scan(src, func(m detect.Match) { fn(m.Kind.String()) })
	})
	return r, aud, nil
}

// openKeys returns the key ring of the policy's key store, with the
// current key loaded (engine.OpenKeys). A run is one rotation period, so
// the store is needed only for this one refresh. "caddy" is Caddy's
// storage, which the CLI cannot reach.
func openKeys(p config.Policy) (*pseudonym.KeyRing, error) {
	if p.Keys.Store == config.KeyStoreCaddy {
		return nil, fmt.Errorf("keys.store: %q is Caddy's storage, which the CLI cannot reach; use \"redis\" to share keys with Caddy nodes, or \"memory\"", p.Keys.Store)
	}
	keys, store, err := engine.OpenKeys(p, nil)
	if err != nil {
		return nil, err
	}
	store.Close()
	return keys, nil
}

// findGeoDB returns the country database to use: the policy's (which
// -geoip-db sets), else $CADDY_PRIVACY_GEOIP_DB, else the one `make run`
// fetched into the user's cache.
func findGeoDB(p config.Policy) (string, error) {
	if path := engine.CountryDBPath(p); path != "" {
		return path, nil
	}
	return "", fmt.Errorf("no country database: give -geoip-db FILE (a GeoLite2 Country/City or ip-location-db country MMDB), set geoip.database in the -policy file or $%s, or set geoip.off or ip.transform \"truncate\" in the policy", engine.GeoDBEnv)
}

// auditorFunc adapts a function to logs.Auditor.
type auditorFunc func(src []byte, fn func(kind string))

// Scan calls f.
func (f auditorFunc) Scan(src []byte, fn func(kind string)) { f(src, fn) }

// geoDB is what the geoip subcommand needs of the country database; a
// *country.Resolver with its *country.DB provides it.
type geoDB interface {
	// Country returns the ISO 3166 code of addr's country, or the policy's
	// code for unknown addresses (geoip.unknown, "ZZ" by default).
	Country(addr netip.Addr) string
	// Info describes the database.
	Info() geoInfo
	Close() error
}

// geoInfo describes a country database: country.Info's fields.
type geoInfo struct {
	Path        string
	Kind        string // record shape: "maxmind" or "flat"
	Type        string // database_type, such as "GeoLite2-Country"
	Description string
	Built       time.Time
	IPVersion   int
	Nodes       int
	RecordSize  int
	Size        int // bytes
}

// openGeoDB opens the country database named by
// opts.Policy.GeoIP.Database, with a resolver that applies
// opts.Policy.GeoIP.Unknown.
func openGeoDB(opts engineOptions) (geoDB, error) {
	db, err := openCountryDB(opts.Policy.GeoIP.Database)
	if err != nil {
		return nil, err
	}
	return geoResolver{country.NewResolver(db, opts.Policy.GeoIP.Unknown, -1)}, nil
}

// geoResolver adapts a country.Resolver to geoDB.
type geoResolver struct{ *country.Resolver }

func (g geoResolver) Info() geoInfo {
	i := g.DB().Info()
	return geoInfo{
		Path: i.Path, Kind: string(i.Kind), Type: i.DatabaseType, Description: i.Description,
		Built: i.BuildTime, IPVersion: i.IPVersion, Nodes: i.NodeCount, RecordSize: i.RecordSize, Size: i.Size,
	}
}

func (g geoResolver) Close() error { return g.DB().Close() }
