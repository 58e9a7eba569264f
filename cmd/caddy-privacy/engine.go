package main

import (
	"errors"
	"net/netip"
	"time"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/logs"
)

// This file is the seam between the command and the redaction engine.
// newEngine and openGeoDB are TEMPORARY stubs until they are wired to
// redact.New and redact/country; everything else in the command is real.

// ErrEngineNotWired is what the TEMPORARY stubs return. Tests that need the
// real engine skip on it (errors.Is), and only on it.
var ErrEngineNotWired = errors.New("engine not wired yet")

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
// If the Engine also implements io.Closer (an open country database), the
// command closes it when done. Errors are shown to the user as they are,
// so they should name the policy field or file at fault.
//
// TEMPORARY: to be replaced by the lead with redact.New (pseudonym keys in
// memory: a CLI run is one rotation period) and an Auditor adapter over
// the detector, such as
//
//	auditorFunc(func(src []byte, fn func(string)) {
//		r.Text.Scan(src, func(m detect.Match) { fn(m.Kind.String()) })
//	})
func newEngine(opts engineOptions) (logs.Engine, logs.Auditor, error) {
	return nil, nil, ErrEngineNotWired
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
// opts.Policy.GeoIP.Database (never empty when called), with a resolver
// that applies opts.Policy.GeoIP.Unknown.
//
// TEMPORARY: to be replaced by the lead with country.Open and
// country.NewResolver.
func openGeoDB(opts engineOptions) (geoDB, error) {
	return nil, ErrEngineNotWired
}
