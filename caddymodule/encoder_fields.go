package caddymodule

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/caddy-privacy/caddy-privacy/redact"
	"go.uber.org/zap/buffer"
	"go.uber.org/zap/zapcore"
)

// redactingEncoder is the zapcore.Encoder a LogEncoder provides. Fields
// added to it (a logger's With fields) and the fields of each entry are
// redacted on their way into the wrapped encoder.
type redactingEncoder struct {
	wrapped zapcore.Encoder
	r       *rules
	scope   scope
}

// fields returns the field encoder that adds to the wrapped encoder.
// Without a scratch buffer it takes one from the pool for each value.
func (e *redactingEncoder) fields() fieldEncoder {
	return fieldEncoder{enc: e.wrapped, r: e.r, scope: e.scope}
}

// Clone implements zapcore.Encoder.
func (e *redactingEncoder) Clone() zapcore.Encoder {
	return &redactingEncoder{wrapped: e.wrapped.Clone(), r: e.r, scope: e.scope}
}

// EncodeEntry implements zapcore.Encoder. The message is redacted, and
// the fields are handed to the wrapped encoder as one inline field whose
// marshaler adds each of them through a fieldEncoder: the wrapped encoder
// stays in charge of its own copy of the context, so entries may be
// encoded concurrently, and nothing is cloned here.
func (e *redactingEncoder) EncodeEntry(ent zapcore.Entry, fields []zapcore.Field) (*buffer.Buffer, error) {
	s := getScratch()
	defer putScratch(s)
	if ent.Message != "" {
		if out, keep := s.redactString(e.r, redact.RuleText, ent.Message); !keep {
			ent.Message = string(out)
		}
	}
	if len(fields) == 0 {
		return e.wrapped.EncodeEntry(ent, nil)
	}
	w := entryPool.Get().(*entryFields)
	w.fields = fields
	w.fe = fieldEncoder{r: e.r, scratch: s, scope: e.scope}
	w.inline[0] = zapcore.Field{Type: zapcore.InlineMarshalerType, Interface: w}
	buf, err := e.wrapped.EncodeEntry(ent, w.inline[:])
	*w = entryFields{}
	entryPool.Put(w)
	return buf, err
}

// entryFields adds an entry's fields to the wrapped encoder's copy of its
// context.
type entryFields struct {
	fields []zapcore.Field
	fe     fieldEncoder
	inline [1]zapcore.Field
}

var entryPool = sync.Pool{New: func() any { return new(entryFields) }}

// MarshalLogObject implements zapcore.ObjectMarshaler.
func (w *entryFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	w.fe.enc = enc
	for i := range w.fields {
		w.fields[i].AddTo(&w.fe)
	}
	return nil
}

// OpenNamespace implements zapcore.ObjectEncoder; the fields that follow
// are read in the scope of the namespace's key.
func (e *redactingEncoder) OpenNamespace(key string) {
	rl := e.scope.ruleFor(e.r, key)
	e.wrapped.OpenNamespace(key)
	e.scope = e.scope.child(rl)
}

// The zapcore.ObjectEncoder methods of redactingEncoder add With fields.

func (e *redactingEncoder) AddArray(key string, m zapcore.ArrayMarshaler) error {
	f := e.fields()
	return f.AddArray(key, m)
}

func (e *redactingEncoder) AddObject(key string, m zapcore.ObjectMarshaler) error {
	f := e.fields()
	return f.AddObject(key, m)
}

func (e *redactingEncoder) AddBinary(key string, v []byte) {
	f := e.fields()
	f.AddBinary(key, v)
}

func (e *redactingEncoder) AddByteString(key string, v []byte) {
	f := e.fields()
	f.AddByteString(key, v)
}

func (e *redactingEncoder) AddBool(key string, v bool) {
	f := e.fields()
	f.AddBool(key, v)
}

func (e *redactingEncoder) AddComplex128(key string, v complex128) {
	f := e.fields()
	f.AddComplex128(key, v)
}

func (e *redactingEncoder) AddComplex64(key string, v complex64) {
	f := e.fields()
	f.AddComplex64(key, v)
}

func (e *redactingEncoder) AddDuration(key string, v time.Duration) {
	f := e.fields()
	f.AddDuration(key, v)
}

func (e *redactingEncoder) AddFloat64(key string, v float64) {
	f := e.fields()
	f.AddFloat64(key, v)
}

func (e *redactingEncoder) AddFloat32(key string, v float32) {
	f := e.fields()
	f.AddFloat32(key, v)
}

func (e *redactingEncoder) AddInt(key string, v int) {
	f := e.fields()
	f.AddInt(key, v)
}

func (e *redactingEncoder) AddInt64(key string, v int64) {
	f := e.fields()
	f.AddInt64(key, v)
}

func (e *redactingEncoder) AddInt32(key string, v int32) {
	f := e.fields()
	f.AddInt32(key, v)
}

func (e *redactingEncoder) AddInt16(key string, v int16) {
	f := e.fields()
	f.AddInt16(key, v)
}

func (e *redactingEncoder) AddInt8(key string, v int8) {
	f := e.fields()
	f.AddInt8(key, v)
}

func (e *redactingEncoder) AddString(key, v string) {
	f := e.fields()
	f.AddString(key, v)
}

func (e *redactingEncoder) AddTime(key string, v time.Time) {
	f := e.fields()
	f.AddTime(key, v)
}

func (e *redactingEncoder) AddUint(key string, v uint) {
	f := e.fields()
	f.AddUint(key, v)
}

func (e *redactingEncoder) AddUint64(key string, v uint64) {
	f := e.fields()
	f.AddUint64(key, v)
}

func (e *redactingEncoder) AddUint32(key string, v uint32) {
	f := e.fields()
	f.AddUint32(key, v)
}

func (e *redactingEncoder) AddUint16(key string, v uint16) {
	f := e.fields()
	f.AddUint16(key, v)
}

func (e *redactingEncoder) AddUint8(key string, v uint8) {
	f := e.fields()
	f.AddUint8(key, v)
}

func (e *redactingEncoder) AddUintptr(key string, v uintptr) {
	f := e.fields()
	f.AddUintptr(key, v)
}

func (e *redactingEncoder) AddReflected(key string, v any) error {
	f := e.fields()
	return f.AddReflected(key, v)
}

// fieldEncoder is a zapcore.ObjectEncoder that redacts each value by its
// key and scope and adds it to enc.
type fieldEncoder struct {
	enc     zapcore.ObjectEncoder
	r       *rules
	scratch *scratch // nil: take one from the pool per value
	scope   scope
}

// resolve returns the rule for key and the key to write. Header names
// come from the client, which can send any token as one, such as an
// address: those that hold more than letters, '-' and '_' go through the
// detectors too.
func (f *fieldEncoder) resolve(key string) (string, redact.Rule) {
	rl := f.scope.ruleFor(f.r, key)
	if f.scope.headers && rl != redact.RuleDrop && !plainName(key) {
		s, pooled := f.buf()
		if out, keep := s.redactString(f.r, redact.RuleText, key); !keep {
			key = string(out)
		}
		if pooled {
			putScratch(s)
		}
	}
	return key, rl
}

// plainName reports whether a name is made of letters, '-' and '_' only,
// in which no detector can find anything.
func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; (c < 'a' || c > 'z') && s[i] != '-' && s[i] != '_' {
			return false
		}
	}
	return true
}

// buf returns the scratch buffer and whether it was taken from the pool
// (and must be put back).
func (f *fieldEncoder) buf() (*scratch, bool) {
	if f.scratch != nil {
		return f.scratch, false
	}
	return getScratch(), true
}

// AddString implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddString(key, v string) {
	if key, rl := f.resolve(key); rl != redact.RuleDrop {
		f.addString(key, rl, v)
	}
}

func (f *fieldEncoder) addString(key string, rl redact.Rule, v string) {
	if v == "" {
		f.enc.AddString(key, v)
		return
	}
	s, pooled := f.buf()
	out, keep := s.redactString(f.r, rl, v)
	switch {
	case len(out) == 0:
		// Removed by its rule, such as the drop transform.
	case f.r.byteStrings:
		f.enc.AddByteString(key, out)
	case keep:
		f.enc.AddString(key, v)
	default:
		f.enc.AddString(key, string(out))
	}
	if pooled {
		putScratch(s)
	}
}

// AddByteString implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddByteString(key string, v []byte) {
	if key, rl := f.resolve(key); rl != redact.RuleDrop {
		f.addBytes(key, rl, v)
	}
}

// addBytes adds v, redacted, as a string.
func (f *fieldEncoder) addBytes(key string, rl redact.Rule, v []byte) {
	if len(v) == 0 {
		f.enc.AddByteString(key, v)
		return
	}
	s, pooled := f.buf()
	out := s.redactBytes(f.r, rl, v)
	switch {
	case len(out) == 0:
	case f.r.byteStrings:
		f.enc.AddByteString(key, out)
	default:
		f.enc.AddByteString(key, bytes.Clone(out))
	}
	if pooled {
		putScratch(s)
	}
}

// AddBinary implements zapcore.ObjectEncoder. Binary values are removed:
// an identifier in them could not be found.
func (f *fieldEncoder) AddBinary(key string, v []byte) {}

// keepScalar returns the key under which a bool, time or the like is
// added as it is, and false if it is removed.
func (f *fieldEncoder) keepScalar(key string) (string, bool) {
	key, rl := f.resolve(key)
	return key, rl != redact.RuleDrop
}

// keepInt returns the key under which an integer is added as it is, and
// false if it has been redacted as text or removed instead.
func (f *fieldEncoder) keepInt(key string, v int64) (string, bool) {
	key, rl := f.resolve(key)
	if !rl.Strict() {
		return key, rl != redact.RuleDrop
	}
	var nb [24]byte
	f.addBytes(key, rl, strconv.AppendInt(nb[:0], v, 10))
	return key, false
}

func (f *fieldEncoder) keepUint(key string, v uint64) (string, bool) {
	key, rl := f.resolve(key)
	if !rl.Strict() {
		return key, rl != redact.RuleDrop
	}
	var nb [24]byte
	f.addBytes(key, rl, strconv.AppendUint(nb[:0], v, 10))
	return key, false
}

func (f *fieldEncoder) keepFloat(key string, v float64, bitSize int) (string, bool) {
	key, rl := f.resolve(key)
	if !rl.Strict() {
		return key, rl != redact.RuleDrop
	}
	var nb [32]byte
	f.addBytes(key, rl, strconv.AppendFloat(nb[:0], v, 'g', -1, bitSize))
	return key, false
}

// AddBool implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddBool(key string, v bool) {
	if key, ok := f.keepScalar(key); ok {
		f.enc.AddBool(key, v)
	}
}

// AddComplex128 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddComplex128(key string, v complex128) {
	if key, ok := f.keepScalar(key); ok {
		f.enc.AddComplex128(key, v)
	}
}

// AddComplex64 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddComplex64(key string, v complex64) {
	if key, ok := f.keepScalar(key); ok {
		f.enc.AddComplex64(key, v)
	}
}

// AddDuration implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddDuration(key string, v time.Duration) {
	if key, ok := f.keepScalar(key); ok {
		f.enc.AddDuration(key, v)
	}
}

// AddTime implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddTime(key string, v time.Time) {
	if key, ok := f.keepScalar(key); ok {
		f.enc.AddTime(key, v)
	}
}

// AddFloat64 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddFloat64(key string, v float64) {
	if key, ok := f.keepFloat(key, v, 64); ok {
		f.enc.AddFloat64(key, v)
	}
}

// AddFloat32 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddFloat32(key string, v float32) {
	if key, ok := f.keepFloat(key, float64(v), 32); ok {
		f.enc.AddFloat32(key, v)
	}
}

// AddInt implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddInt(key string, v int) {
	if key, ok := f.keepInt(key, int64(v)); ok {
		f.enc.AddInt(key, v)
	}
}

// AddInt64 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddInt64(key string, v int64) {
	if key, ok := f.keepInt(key, v); ok {
		f.enc.AddInt64(key, v)
	}
}

// AddInt32 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddInt32(key string, v int32) {
	if key, ok := f.keepInt(key, int64(v)); ok {
		f.enc.AddInt32(key, v)
	}
}

// AddInt16 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddInt16(key string, v int16) {
	if key, ok := f.keepInt(key, int64(v)); ok {
		f.enc.AddInt16(key, v)
	}
}

// AddInt8 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddInt8(key string, v int8) {
	if key, ok := f.keepInt(key, int64(v)); ok {
		f.enc.AddInt8(key, v)
	}
}

// AddUint implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddUint(key string, v uint) {
	if key, ok := f.keepUint(key, uint64(v)); ok {
		f.enc.AddUint(key, v)
	}
}

// AddUint64 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddUint64(key string, v uint64) {
	if key, ok := f.keepUint(key, v); ok {
		f.enc.AddUint64(key, v)
	}
}

// AddUint32 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddUint32(key string, v uint32) {
	if key, ok := f.keepUint(key, uint64(v)); ok {
		f.enc.AddUint32(key, v)
	}
}

// AddUint16 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddUint16(key string, v uint16) {
	if key, ok := f.keepUint(key, uint64(v)); ok {
		f.enc.AddUint16(key, v)
	}
}

// AddUint8 implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddUint8(key string, v uint8) {
	if key, ok := f.keepUint(key, uint64(v)); ok {
		f.enc.AddUint8(key, v)
	}
}

// AddUintptr implements zapcore.ObjectEncoder.
func (f *fieldEncoder) AddUintptr(key string, v uintptr) {
	if key, ok := f.keepUint(key, uint64(v)); ok {
		f.enc.AddUintptr(key, v)
	}
}

// OpenNamespace implements zapcore.ObjectEncoder.
func (f *fieldEncoder) OpenNamespace(key string) {
	key, rl := f.resolve(key)
	f.enc.OpenNamespace(key)
	f.scope = f.scope.child(rl)
}

// AddObject implements zapcore.ObjectEncoder: the object's fields are
// redacted as it marshals them.
func (f *fieldEncoder) AddObject(key string, m zapcore.ObjectMarshaler) error {
	key, rl := f.resolve(key)
	if rl == redact.RuleDrop {
		return nil
	}
	s, pooled := f.buf()
	w := objectPool.Get().(*objectWrapper)
	w.m = m
	w.fe = fieldEncoder{r: f.r, scratch: s, scope: f.scope.child(rl)}
	err := f.enc.AddObject(key, w)
	*w = objectWrapper{}
	objectPool.Put(w)
	if pooled {
		putScratch(s)
	}
	return err
}

// AddArray implements zapcore.ObjectEncoder: every element is redacted by
// the array's key.
func (f *fieldEncoder) AddArray(key string, m zapcore.ArrayMarshaler) error {
	key, rl := f.resolve(key)
	if rl == redact.RuleDrop {
		return nil
	}
	s, pooled := f.buf()
	w := arrayPool.Get().(*arrayWrapper)
	w.m = m
	w.ae = arrayEncoder{r: f.r, scratch: s, rule: rl, forced: f.scope.forced}
	err := f.enc.AddArray(key, w)
	*w = arrayWrapper{}
	arrayPool.Put(w)
	if pooled {
		putScratch(s)
	}
	return err
}

// AddReflected implements zapcore.ObjectEncoder. The value is encoded as
// JSON and its parts added one by one, so that they are redacted by their
// own keys; what cannot be encoded is not written.
func (f *fieldEncoder) AddReflected(key string, v any) error {
	key, rl := f.resolve(key)
	if rl == redact.RuleDrop {
		return nil
	}
	switch v := v.(type) {
	case nil:
		return f.enc.AddReflected(key, nil)
	case json.Number:
		if rl.Strict() {
			f.addBytes(key, rl, []byte(v))
			return nil
		}
		return f.enc.AddReflected(key, v)
	}
	j, err := reflectedJSON(v)
	if err != nil {
		return err
	}
	f.r.redactKeys(j)
	switch j.kind {
	case jsonString:
		f.addString(key, rl, j.s)
		return nil
	case jsonNumber:
		return f.AddReflected(key, json.Number(j.s))
	case jsonBool:
		f.AddBool(key, j.b)
		return nil
	case jsonNull:
		return f.enc.AddReflected(key, nil)
	case jsonObject:
		return f.AddObject(key, j)
	}
	return f.AddArray(key, j)
}

// Interface guards
var (
	_ zapcore.Encoder         = (*redactingEncoder)(nil)
	_ zapcore.ObjectEncoder   = (*fieldEncoder)(nil)
	_ zapcore.ObjectMarshaler = (*entryFields)(nil)
	_ zapcore.ObjectMarshaler = (*objectWrapper)(nil)
)
