package caddymodule

import (
	"reflect"
	"slices"
	"sync"
	"unsafe"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
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

// unprivateLogs returns the names of the provisioned logs in l that write
// somewhere without privacy encoding, sorted. A log that discards its
// entries is private enough; the sink (Go's standard logger) counts when
// configured.
//
// Caddy drops a log's raw JSON once its modules are loaded, so the loaded
// writer and encoder are looked at instead, in BaseLog's unexported
// fields. If they cannot be found (a Caddy whose BaseLog changed shape),
// nothing is reported rather than everything.
func unprivateLogs(l *caddy.Logging) []string {
	var names []string
	check := func(name string, base *caddy.BaseLog) {
		writer, ok1 := fieldOf[caddy.WriterOpener](base, "writerOpener")
		encoder, ok2 := fieldOf[zapcore.Encoder](base, "encoder")
		if !ok1 || !ok2 {
			return
		}
		switch writer.(type) {
		case caddy.DiscardWriter, *caddy.DiscardWriter:
			return
		}
		if !isPrivacyEncoder(encoder, 0) {
			names = append(names, name)
		}
	}
	for name, cl := range l.Logs {
		if cl != nil {
			check(name, &cl.BaseLog)
		}
	}
	if l.Sink != nil {
		check("sink", &l.Sink.BaseLog)
	}
	slices.Sort(names)
	return names
}

// isPrivacyEncoder reports whether enc is the privacy encoder, or an
// encoder (Caddy's filter and append) that wraps one.
func isPrivacyEncoder(enc zapcore.Encoder, depth int) bool {
	if _, ok := enc.(*LogEncoder); ok {
		return true
	}
	if enc == nil || depth > 8 {
		return false
	}
	v := reflect.ValueOf(enc)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return false
	}
	v = v.Elem()
	for i := range v.NumField() {
		if v.Type().Field(i).Type != reflect.TypeFor[zapcore.Encoder]() {
			continue
		}
		if inner, ok := readField(v.Field(i)).(zapcore.Encoder); ok && isPrivacyEncoder(inner, depth+1) {
			return true
		}
	}
	return false
}

// fieldOf reads the field called name of *base, exported or not, as a T.
func fieldOf[T any](base *caddy.BaseLog, name string) (T, bool) {
	var zero T
	f := reflect.ValueOf(base).Elem().FieldByName(name)
	if !f.IsValid() || f.Type() != reflect.TypeFor[T]() {
		return zero, false
	}
	v, ok := readField(f).(T)
	if !ok {
		return zero, f.IsNil()
	}
	return v, true
}

// readField returns the value of an addressable struct field, exported or
// not. It only reads.
func readField(f reflect.Value) any {
	if !f.CanAddr() {
		return nil
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface()
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
