package caddymodule

import (
	"sync"

	"github.com/caddy-privacy/caddy-privacy/redact"
)

// rules applies a Redactor to log values by the engine's rule table. It
// is shared by an encoder and its clones, and by the field filters.
type rules struct {
	red   *redact.Redactor
	table *redact.Rules
	// byteStrings is whether the wrapped encoder copies byte strings at
	// once (see copiesByteStrings).
	byteStrings bool
}

func newRules(red *redact.Redactor, byteStrings bool) *rules {
	return &rules{red: red, table: red.Rules(), byteStrings: byteStrings}
}

// appendRedacted appends src as rl says. An empty result means the value
// is to be removed.
func (r *rules) appendRedacted(dst []byte, rl redact.Rule, src []byte) []byte {
	return r.red.AppendRule(dst, rl, src)
}

// scope says how keys are read in the object being encoded.
type scope struct {
	headers bool // keys are header names
	forced  bool // every value has rule force, whatever its key
	force   redact.Rule
}

func (s scope) ruleFor(r *rules, key string) redact.Rule {
	switch {
	case s.forced:
		return s.force
	case s.headers:
		return r.table.Header(key)
	}
	return r.table.Field(key)
}

// child is the scope inside an object whose key has rule rl: the keys of
// a headers object are header names; anything inside a value with a rule
// of its own (an object logged as remote_ip) gets that rule throughout.
func (s scope) child(rl redact.Rule) scope {
	switch {
	case s.forced || (rl != redact.RuleText && rl != redact.RuleHeaders):
		return scope{forced: true, force: rl}
	case rl == redact.RuleHeaders:
		return scope{headers: true}
	}
	return scope{}
}

// scratch is a reusable buffer for redacted values.
type scratch struct{ b []byte }

// maxScratch is the largest buffer kept for reuse, so that one huge value
// does not pin its memory in the pool.
const maxScratch = 64 << 10

var scratchPool = sync.Pool{New: func() any { return &scratch{b: make([]byte, 0, 1024)} }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	if cap(s.b) > maxScratch {
		return
	}
	s.b = s.b[:0]
	scratchPool.Put(s)
}

// redactString redacts a string value: it is copied to the buffer, to be
// read without a conversion, and redacted after it. keep says the result
// is the input unchanged.
func (s *scratch) redactString(r *rules, rl redact.Rule, v string) (out []byte, keep bool) {
	src := append(s.b[:0], v...)
	out = r.appendRedacted(src[len(src):], rl, src)
	s.grow(src, out)
	return out, string(out) == v
}

// redactBytes redacts a byte string into the buffer.
func (s *scratch) redactBytes(r *rules, rl redact.Rule, v []byte) []byte {
	out := r.appendRedacted(s.b[:0], rl, v)
	s.grow(out, out)
	return out
}

// grow keeps the larger of the buffers used, so that the next value of
// the same size needs no allocation.
func (s *scratch) grow(a, b []byte) {
	if cap(a) > cap(s.b) {
		s.b = a[:0]
	}
	if cap(b) > cap(s.b) {
		s.b = b[:0]
	}
}
