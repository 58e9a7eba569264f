package caddymodule

import (
	"encoding/json"
	"reflect"
	"slices"
	"sync"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"
)

// Caddy builds its loggers before any app is provisioned, and a module
// cannot give a logger another encoder afterwards; so the privacy handler
// cannot put `format privacy` on loggers itself. What it can do is look:
// when it is provisioned, it lists the config's logs that would write
// entries without privacy encoding (the default log included, which
// carries error entries, requests for hosts no site serves and other
// modules' debug entries) and warns once per config load. The Caddyfile
// way to cover them all is a global
//
//	log default {
//		format privacy {
//			geoip <path>
//		}
//	}
//
// plus `format privacy` on every site `log` block.

// unprivateLogsWarned remembers the config last warned about, so a config
// with several privacy handlers warns once.
var unprivateLogsWarned struct {
	sync.Mutex
	cfg *caddy.Config
}

// warnUnprivateLogs logs a warning naming the configured logs that would
// write entries without privacy encoding. The warning holds log names,
// which are the config's own keys, and never an address.
func warnUnprivateLogs(ctx caddy.Context, logger *zap.Logger) {
	cfg := configOf(ctx)
	if cfg == nil || cfg.Logging == nil {
		return
	}
	unprivateLogsWarned.Lock()
	defer unprivateLogsWarned.Unlock()
	if unprivateLogsWarned.cfg == cfg {
		return
	}
	unprivateLogsWarned.cfg = cfg
	if names := unprivateLogs(cfg.Logging); len(names) > 0 {
		logger.Warn("the privacy handler is in use, but these logs are not privacy-encoded and may write client addresses, e-mail addresses, tokens and cookie values as they are: give each `format privacy`, and put `log default { format privacy { geoip <path> } }` in the global options for error and other entries",
			zap.Strings("logs", names))
	}
}

// unprivateLogs returns the names of the logs in l that write somewhere
// without privacy encoding, sorted. A log that discards its entries is
// private enough; the sink (Go's standard logger) counts when configured.
func unprivateLogs(l *caddy.Logging) []string {
	var names []string
	for name, cl := range l.Logs {
		if cl != nil && !isPrivateLog(cl.WriterRaw, cl.EncoderRaw) {
			names = append(names, name)
		}
	}
	if l.Sink != nil && !isPrivateLog(l.Sink.WriterRaw, l.Sink.EncoderRaw) {
		names = append(names, "sink")
	}
	slices.Sort(names)
	return names
}

// isPrivateLog reports whether a log with these writer and encoder
// modules writes only privacy-encoded entries.
func isPrivateLog(writer, encoder json.RawMessage) bool {
	var w struct {
		Output string `json:"output"`
	}
	if json.Unmarshal(writer, &w) == nil && w.Output == "discard" {
		return true
	}
	return isPrivacyEncoder(encoder, 0)
}

// isPrivacyEncoder reports whether an encoder module's JSON is the privacy
// encoder, or an encoder (filter, append) that wraps one.
func isPrivacyEncoder(raw json.RawMessage, depth int) bool {
	if len(raw) == 0 || depth > 8 {
		return false
	}
	var enc struct {
		Format string          `json:"format"`
		Wrap   json.RawMessage `json:"wrap"`
	}
	if json.Unmarshal(raw, &enc) != nil {
		return false
	}
	if enc.Format == "privacy" {
		return true
	}
	return isPrivacyEncoder(enc.Wrap, depth+1)
}

// configOf returns the config ctx provisions, or nil. caddy.Context keeps
// it in an unexported field with no accessor; it is read, never written,
// and a Caddy whose Context changed shape gives nil, so the check is
// skipped rather than wrong.
func configOf(ctx caddy.Context) *caddy.Config {
	v := reflect.ValueOf(&ctx).Elem().FieldByName("cfg")
	if !v.IsValid() || v.Type() != reflect.TypeFor[*caddy.Config]() || v.IsNil() {
		return nil
	}
	return (*caddy.Config)(v.UnsafePointer())
}
