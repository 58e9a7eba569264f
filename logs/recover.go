package logs

import (
	"bytes"

	"github.com/caddy-privacy/caddy-privacy/redact"
)

// A JSON line that does not parse (cut off by a crash or a size limit, two
// entries glued together, stray bytes) still holds fields whose names say
// what their values are: a truncated "uri" is still a URL, its password
// parameter still a credential. appendRecovered reads such a line key by
// key and gives each string the rule of its key, as a line that parses
// would get; what lies between strings and is not JSON punctuation goes
// through the structure-aware text rule. The output keeps the line's
// shape but is not promised to be valid JSON, any more than its input.

// recoverFrame is an open object or array of a line being recovered.
type recoverFrame struct {
	array   bool
	headers bool        // an object whose keys are header names
	rule    redact.Rule // in an array: the rule of its elements
}

// maxRecoverDepth bounds the frames kept; deeper nesting is read with the
// rule of the deepest kept frame.
const maxRecoverDepth = 64

// appendRecovered writes line, JSON that did not parse, with each value
// redacted by the rule of its key.
func (s *Sanitizer) appendRecovered(st *state, dst, line []byte) []byte {
	rules := s.e.Rules()
	var stack [maxRecoverDepth]recoverFrame
	depth := 0
	top := func() *recoverFrame {
		if depth == 0 {
			return nil
		}
		return &stack[min(depth, maxRecoverDepth)-1]
	}
	pending := redact.RuleText // the rule of the next value in an object
	valueRule := func() redact.Rule {
		if f := top(); f != nil && f.array {
			return f.rule
		}
		return pending
	}
	plain := 0 // start of bytes not yet written
	flush := func(end int) {
		if plain < end {
			dst = s.appendGap(dst, line[plain:end])
		}
	}
	for i := 0; i < len(line); {
		switch c := line[i]; c {
		case '"':
			flush(i)
			raw, next, closed := recoverString(line, i+1)
			j := next
			for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
				j++
			}
			isKey := closed && j < len(line) && line[j] == ':'
			src := raw
			if bytes.IndexByte(raw, '\\') >= 0 {
				st.dec = looseUnescape(st.dec[:0], raw)
				src = st.dec
			}
			dst = append(dst, '"')
			mark := len(dst)
			if isKey {
				f := top()
				if f != nil && f.headers {
					pending = rules.HeaderBytes(src)
				} else {
					pending = rules.FieldBytes(src)
				}
				if plainKey(src) {
					dst = append(dst, src...)
				} else {
					dst = s.e.AppendRule(dst, redact.RuleText, src)
				}
			} else {
				dst = s.e.AppendRule(dst, valueRule(), src)
				if f := top(); f == nil || !f.array {
					pending = redact.RuleText
				}
			}
			// Escapes stay as the line wrote them (looseUnescape decodes
			// only what could hide an identifier), so no escaping here.
			dst = st.fixQuoted(dst, mark)
			if closed {
				dst = append(dst, '"')
			}
			i, plain = next, next
		case '{', '[':
			flush(i)
			f := recoverFrame{array: c == '['}
			rl := valueRule()
			switch {
			case f.array:
				f.rule = rl
			case rl == redact.RuleHeaders:
				f.headers = true
			case rl != redact.RuleText:
				// An object logged under a key with a rule of its own
				// (remote_ip as an object): every value in it has it.
				f.array, f.rule = true, rl
			}
			if depth < maxRecoverDepth {
				stack[depth] = f
			}
			depth++
			pending = redact.RuleText
			dst = append(dst, c)
			i++
			plain = i
		case '}', ']':
			flush(i)
			if depth > 0 {
				depth--
			}
			pending = redact.RuleText
			dst = append(dst, c)
			i++
			plain = i
		case ',', ':':
			flush(i)
			if c == ',' {
				pending = redact.RuleText
			}
			dst = append(dst, c)
			i++
			plain = i
		default:
			// A number, a literal or anything else: gathered up to the
			// next JSON punctuation and judged in flush, unless it is a
			// number under a strict rule.
			j := i
			for j < len(line) && !recoverPunct[line[j]] {
				j++
			}
			if rl := valueRule(); rl.Strict() && isJSONScalar(bytes.TrimSpace(line[i:j])) {
				flush(i)
				dst = s.e.AppendRule(dst, rl, bytes.TrimSpace(line[i:j]))
				plain = j
			}
			i = j
		}
	}
	flush(len(line))
	return dst
}

// recoverPunct marks the bytes that end a bare run in a recovered line.
var recoverPunct = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true, ',': true, ':': true}

// appendGap writes the bytes between strings: JSON numbers, literals and
// white space stay, anything else is text.
func (s *Sanitizer) appendGap(dst, gap []byte) []byte {
	if t := bytes.TrimSpace(gap); len(t) == 0 || isJSONScalar(t) {
		return append(dst, gap...)
	}
	return s.e.AppendRule(dst, redact.RuleText, gap)
}

// isJSONScalar reports whether b is a JSON number or literal.
func isJSONScalar(b []byte) bool {
	switch string(b) {
	case "true", "false", "null":
		return true
	}
	p := jsonParser{in: b}
	return p.number() && p.pos == len(b)
}

// recoverString reads a string whose opening quote is before i: its raw
// content, the index after it, and whether it was closed before the line
// ended.
func recoverString(line []byte, i int) (raw []byte, next int, closed bool) {
	for j := i; j < len(line); j++ {
		switch line[j] {
		case '\\':
			j++
		case '"':
			return line[i:j], j + 1, true
		}
	}
	return line[i:], len(line), false
}
