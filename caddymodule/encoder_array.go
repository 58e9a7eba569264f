package caddymodule

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/caddy-privacy/caddy-privacy/redact"
	"go.uber.org/zap/zapcore"
)

// objectWrapper passes its fieldEncoder, over the encoder it is given, to
// the object it wraps.
type objectWrapper struct {
	m  zapcore.ObjectMarshaler
	fe fieldEncoder
}

var objectPool = sync.Pool{New: func() any { return new(objectWrapper) }}

// MarshalLogObject implements zapcore.ObjectMarshaler.
func (w *objectWrapper) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	if w.m == nil {
		// Called after the AddObject that made it returned, which zap's
		// encoders never do: write nothing rather than risk anything.
		return nil
	}
	w.fe.enc = enc
	return w.m.MarshalLogObject(&w.fe)
}

// arrayWrapper passes its arrayEncoder, over the encoder it is given, to
// the array it wraps.
type arrayWrapper struct {
	m  zapcore.ArrayMarshaler
	ae arrayEncoder
}

var arrayPool = sync.Pool{New: func() any { return new(arrayWrapper) }}

// MarshalLogArray implements zapcore.ArrayMarshaler.
func (w *arrayWrapper) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	if w.m == nil {
		return nil
	}
	w.ae.enc = enc
	return w.m.MarshalLogArray(&w.ae)
}

// arrayEncoder is a zapcore.ArrayEncoder that redacts each element by the
// rule of the array's key and adds it to enc.
type arrayEncoder struct {
	enc     zapcore.ArrayEncoder
	r       *rules
	scratch *scratch
	rule    redact.Rule
	forced  bool // the array is inside a value with a rule of its own
}

// elementScope is the scope of an object inside the array.
func (a *arrayEncoder) elementScope() scope {
	if a.forced || (a.rule != redact.RuleText && a.rule != redact.RuleHeaders) {
		return scope{forced: true, force: a.rule}
	}
	return scope{}
}

// AppendString implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendString(v string) {
	if v == "" {
		a.enc.AppendString(v)
		return
	}
	out, keep := a.scratch.redactString(a.r, a.rule, v)
	switch {
	case len(out) == 0:
	case a.r.byteStrings:
		a.enc.AppendByteString(out)
	case keep:
		a.enc.AppendString(v)
	default:
		a.enc.AppendString(string(out))
	}
}

// AppendByteString implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendByteString(v []byte) {
	if len(v) == 0 {
		a.enc.AppendByteString(v)
		return
	}
	a.appendBytes(v)
}

func (a *arrayEncoder) appendBytes(v []byte) {
	out := a.scratch.redactBytes(a.r, a.rule, v)
	switch {
	case len(out) == 0:
	case a.r.byteStrings:
		a.enc.AppendByteString(out)
	default:
		a.enc.AppendByteString(bytes.Clone(out))
	}
}

// keepInt reports whether an integer element is appended as it is; if
// not, it has been redacted as text.
func (a *arrayEncoder) keepInt(v int64) bool {
	if !a.rule.Strict() {
		return true
	}
	var nb [24]byte
	a.appendBytes(strconv.AppendInt(nb[:0], v, 10))
	return false
}

func (a *arrayEncoder) keepUint(v uint64) bool {
	if !a.rule.Strict() {
		return true
	}
	var nb [24]byte
	a.appendBytes(strconv.AppendUint(nb[:0], v, 10))
	return false
}

func (a *arrayEncoder) keepFloat(v float64, bitSize int) bool {
	if !a.rule.Strict() {
		return true
	}
	var nb [32]byte
	a.appendBytes(strconv.AppendFloat(nb[:0], v, 'g', -1, bitSize))
	return false
}

// AppendBool implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendBool(v bool) { a.enc.AppendBool(v) }

// AppendComplex128 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendComplex128(v complex128) { a.enc.AppendComplex128(v) }

// AppendComplex64 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendComplex64(v complex64) { a.enc.AppendComplex64(v) }

// AppendDuration implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendDuration(v time.Duration) { a.enc.AppendDuration(v) }

// AppendTime implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendTime(v time.Time) { a.enc.AppendTime(v) }

// AppendFloat64 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendFloat64(v float64) {
	if a.keepFloat(v, 64) {
		a.enc.AppendFloat64(v)
	}
}

// AppendFloat32 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendFloat32(v float32) {
	if a.keepFloat(float64(v), 32) {
		a.enc.AppendFloat32(v)
	}
}

// AppendInt implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendInt(v int) {
	if a.keepInt(int64(v)) {
		a.enc.AppendInt(v)
	}
}

// AppendInt64 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendInt64(v int64) {
	if a.keepInt(v) {
		a.enc.AppendInt64(v)
	}
}

// AppendInt32 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendInt32(v int32) {
	if a.keepInt(int64(v)) {
		a.enc.AppendInt32(v)
	}
}

// AppendInt16 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendInt16(v int16) {
	if a.keepInt(int64(v)) {
		a.enc.AppendInt16(v)
	}
}

// AppendInt8 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendInt8(v int8) {
	if a.keepInt(int64(v)) {
		a.enc.AppendInt8(v)
	}
}

// AppendUint implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendUint(v uint) {
	if a.keepUint(uint64(v)) {
		a.enc.AppendUint(v)
	}
}

// AppendUint64 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendUint64(v uint64) {
	if a.keepUint(v) {
		a.enc.AppendUint64(v)
	}
}

// AppendUint32 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendUint32(v uint32) {
	if a.keepUint(uint64(v)) {
		a.enc.AppendUint32(v)
	}
}

// AppendUint16 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendUint16(v uint16) {
	if a.keepUint(uint64(v)) {
		a.enc.AppendUint16(v)
	}
}

// AppendUint8 implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendUint8(v uint8) {
	if a.keepUint(uint64(v)) {
		a.enc.AppendUint8(v)
	}
}

// AppendUintptr implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendUintptr(v uintptr) {
	if a.keepUint(uint64(v)) {
		a.enc.AppendUintptr(v)
	}
}

// AppendObject implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendObject(m zapcore.ObjectMarshaler) error {
	w := objectPool.Get().(*objectWrapper)
	w.m = m
	w.fe = fieldEncoder{r: a.r, scratch: a.scratch, scope: a.elementScope()}
	err := a.enc.AppendObject(w)
	*w = objectWrapper{}
	objectPool.Put(w)
	return err
}

// AppendArray implements zapcore.ArrayEncoder.
func (a *arrayEncoder) AppendArray(m zapcore.ArrayMarshaler) error {
	w := arrayPool.Get().(*arrayWrapper)
	w.m = m
	w.ae = *a
	err := a.enc.AppendArray(w)
	*w = arrayWrapper{}
	arrayPool.Put(w)
	return err
}

// AppendReflected implements zapcore.ArrayEncoder, like AddReflected.
func (a *arrayEncoder) AppendReflected(v any) error {
	switch v := v.(type) {
	case nil:
		return a.enc.AppendReflected(nil)
	case json.Number:
		if a.rule.Strict() {
			a.appendBytes([]byte(v))
			return nil
		}
		return a.enc.AppendReflected(v)
	}
	j, err := reflectedJSON(v)
	if err != nil {
		return err
	}
	a.r.redactKeys(j)
	switch j.kind {
	case jsonString:
		a.AppendString(j.s)
		return nil
	case jsonNumber:
		return a.AppendReflected(json.Number(j.s))
	case jsonBool:
		a.AppendBool(j.b)
		return nil
	case jsonNull:
		return a.enc.AppendReflected(nil)
	case jsonObject:
		return a.AppendObject(j)
	}
	return a.AppendArray(j)
}

// Interface guards
var (
	_ zapcore.ArrayEncoder   = (*arrayEncoder)(nil)
	_ zapcore.ArrayMarshaler = (*arrayWrapper)(nil)
)
