package privacyprocessor

import (
	"bytes"
	"encoding/json"
	"fmt"

	"go.opentelemetry.io/collector/confmap"

	"github.com/caddy-privacy/caddy-privacy/config"
)

// Config is the privacy processor's configuration: the project's policy,
// config.Policy, with the field names of the JSON policy that Caddy and
// the log CLI read, so one policy serves every front end:
//
//	processors:
//	  privacy:
//	    ip: {transform: truncate}
//	    detectors: {email: {off: true}}
//	    keys: {store: redis, address: "redis:6379"}
//
// Every field is optional and defaults as config.Policy documents: client
// addresses become country codes (which needs geoip.database or
// $CADDY_PRIVACY_GEOIP_DB), every detector is on, and pseudonym keys live
// in the process ("memory") unless keys.store is "redis", which Caddy
// nodes and the CLI can share. "caddy", Caddy's storage, is rejected: a
// collector cannot reach it. Unknown fields are errors, so a misspelt
// option never leaves data unredacted.
type Config struct {
	config.Policy
}

// Unmarshal decodes the processor's YAML as the JSON policy is decoded,
// with the same names, checks and defaults (config.Load).
func (c *Config) Unmarshal(conf *confmap.Conf) error {
	raw := conf.ToStringMap()
	if raw == nil {
		raw = map[string]any{}
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return fmt.Errorf("privacy: %w", err)
	}
	p, err := config.Load(bytes.NewReader(b))
	if err != nil {
		return err
	}
	c.Policy = p
	return nil
}

// Validate checks the policy, and that its key store is one a collector
// can reach.
func (c *Config) Validate() error {
	if err := c.Policy.Validate(); err != nil {
		return err
	}
	if c.Keys.Store == config.KeyStoreCaddy {
		return fmt.Errorf("keys.store: %q is Caddy's storage, which a collector cannot reach; use \"redis\" to share keys with Caddy nodes, or \"memory\"", c.Keys.Store)
	}
	return nil
}
