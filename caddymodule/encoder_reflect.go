package caddymodule

import (
	"bytes"
	"encoding/json"
	"errors"

	"go.uber.org/zap/zapcore"
)

// jsonValue is a value logged by reflection, decoded from its JSON with
// the order of its object members kept, so that it can be added through
// the redacting encoders.
type jsonValue struct {
	kind    jsonKind
	s       string // string, or the text of a number
	b       bool
	members []jsonMember
	elems   []*jsonValue
}

type jsonMember struct {
	key string
	val *jsonValue
}

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonString
	jsonNumber
	jsonBool
	jsonObject
	jsonArray
)

// reflectedJSON encodes v as zap's JSON encoder would and decodes it.
func reflectedJSON(v any) (*jsonValue, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(&b)
	dec.UseNumber()
	return decodeJSON(dec)
}

func decodeJSON(dec *json.Decoder) (*jsonValue, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case string:
		return &jsonValue{kind: jsonString, s: t}, nil
	case json.Number:
		return &jsonValue{kind: jsonNumber, s: string(t)}, nil
	case bool:
		return &jsonValue{kind: jsonBool, b: t}, nil
	case nil:
		return &jsonValue{kind: jsonNull}, nil
	case json.Delim:
		switch t {
		case '{':
			j := &jsonValue{kind: jsonObject}
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					return nil, err
				}
				val, err := decodeJSON(dec)
				if err != nil {
					return nil, err
				}
				j.members = append(j.members, jsonMember{key.(string), val})
			}
			_, err := dec.Token()
			return j, err
		case '[':
			j := &jsonValue{kind: jsonArray}
			for dec.More() {
				val, err := decodeJSON(dec)
				if err != nil {
					return nil, err
				}
				j.elems = append(j.elems, val)
			}
			_, err := dec.Token()
			return j, err
		}
	}
	return nil, errors.New("unexpected JSON token")
}

// redactKeys runs the detectors over the member names of a reflected
// value: a map can be keyed by anything, an e-mail address for one.
func (r *rules) redactKeys(j *jsonValue) {
	for i := range j.members {
		m := &j.members[i]
		if !plainName(m.key) {
			m.key = string(r.red.AppendText(nil, []byte(m.key)))
		}
		r.redactKeys(m.val)
	}
	for _, e := range j.elems {
		r.redactKeys(e)
	}
}

// MarshalLogObject implements zapcore.ObjectMarshaler for JSON objects.
func (j *jsonValue) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	var errs []error
	for _, m := range j.members {
		v := m.val
		switch v.kind {
		case jsonString:
			enc.AddString(m.key, v.s)
		case jsonNumber:
			errs = append(errs, enc.AddReflected(m.key, json.Number(v.s)))
		case jsonBool:
			enc.AddBool(m.key, v.b)
		case jsonNull:
			errs = append(errs, enc.AddReflected(m.key, nil))
		case jsonObject:
			errs = append(errs, enc.AddObject(m.key, v))
		case jsonArray:
			errs = append(errs, enc.AddArray(m.key, v))
		}
	}
	return errors.Join(errs...)
}

// MarshalLogArray implements zapcore.ArrayMarshaler for JSON arrays.
func (j *jsonValue) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	var errs []error
	for _, v := range j.elems {
		switch v.kind {
		case jsonString:
			enc.AppendString(v.s)
		case jsonNumber:
			errs = append(errs, enc.AppendReflected(json.Number(v.s)))
		case jsonBool:
			enc.AppendBool(v.b)
		case jsonNull:
			errs = append(errs, enc.AppendReflected(nil))
		case jsonObject:
			errs = append(errs, enc.AppendObject(v))
		case jsonArray:
			errs = append(errs, enc.AppendArray(v))
		}
	}
	return errors.Join(errs...)
}

// Interface guards
var (
	_ zapcore.ObjectMarshaler = (*jsonValue)(nil)
	_ zapcore.ArrayMarshaler  = (*jsonValue)(nil)
)
