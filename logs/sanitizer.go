package logs

import (
	"bytes"
	"sync"

	"github.com/caddy-privacy/caddy-privacy/redact"
)

// Sanitizer rewrites log lines of one format through an Engine. It is safe
// for concurrent use.
type Sanitizer struct {
	e      Engine
	format Format
	states sync.Pool // *state
}

// NewSanitizer returns a Sanitizer that rewrites lines of format f through
// e, which must not be nil.
func NewSanitizer(e Engine, f Format) *Sanitizer {
	return &Sanitizer{e: e, format: f}
}

// Format returns the format the Sanitizer was made for.
func (s *Sanitizer) Format() Format { return s.format }

// AppendLine appends the sanitized form of line, which should not contain
// '\n', to dst and returns the extended slice:
//
//   - caddy-json: string values are rewritten by key, at any depth:
//     remote_ip and client_ip through Engine.AppendIP, uri through
//     AppendURL, user_id through AppendPseudonym, remote_port removed; in
//     headers and resp_headers, each header as the Engine classes it (see
//     Engine.IsDropHeader and IsClientIPHeader; Referer and Location
//     through AppendURL, User-Agent through AppendUserAgent); every other
//     string, and every key that is not a plain word, through AppendText.
//     Numbers, booleans and null are kept. Output is compact JSON.
//   - combined and common: host through AppendIP, ident and authuser
//     through AppendPseudonym unless "-", the request target and referer
//     through AppendURL, the user agent through AppendUserAgent, anything
//     after through AppendText. Method, protocol, date, status and size are
//     kept when they look like what they are, else go through AppendText.
//   - text: the whole line through AppendText.
//
// A line that does not parse as its format is sanitized as text. Text has
// its JSON \u escapes decoded first (but for control characters), so that
// an escaped '@' cannot hide an email address. A trailing '\r' and a
// leading UTF-8 byte order mark are kept; a '\n' in the Engine's output
// becomes a space, so one line in is one line out. With FormatAuto the
// format is decided for this line alone.
func (s *Sanitizer) AppendLine(dst, line []byte) []byte {
	st := s.getState()
	dst, _ = s.appendLine(st, dst, line)
	s.putState(st)
	return dst
}

// AppendLineFallback is AppendLine that also reports whether the line did
// not parse as its format and was recovered as text (key by key when it
// looked like JSON), so that a front end can count such lines.
func (s *Sanitizer) AppendLineFallback(dst, line []byte) (_ []byte, fallback bool) {
	st := s.getState()
	dst, fallback = s.appendLine(st, dst, line)
	s.putState(st)
	return dst, fallback
}

// appendLine is AppendLine with the caller's scratch state; fallback
// reports whether the line did not parse as the Sanitizer's format.
func (s *Sanitizer) appendLine(st *state, dst, line []byte) (_ []byte, fallback bool) {
	start := len(dst)
	cr := false
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line, cr = line[:n-1], true
	}
	if bytes.HasPrefix(line, bom) {
		dst = append(dst, bom...)
		line = line[len(bom):]
	}
	if len(line) > 0 {
		mark := len(dst)
		ok := true
		switch lineFormat(s.format, line) {
		case FormatCaddyJSON:
			dst, ok = s.appendJSON(st, dst, line)
		case FormatCombined, FormatCommon:
			var l ncsaLine
			if ok = l.parse(line); ok {
				dst = s.appendNCSA(st, dst, line, &l)
			}
		default:
			dst = s.appendText(st, dst, line)
		}
		if !ok {
			fallback = true
			dst = s.appendFallback(st, dst[:mark], line)
		}
	}
	// One line in, one line out, whatever the engine wrote.
	for i := bytes.IndexByte(dst[start:], '\n'); i >= 0; i = bytes.IndexByte(dst[start:], '\n') {
		dst[start+i] = ' '
	}
	if cr {
		dst = append(dst, '\r')
	}
	return dst, fallback
}

// lineFormat resolves FormatAuto for one line.
func lineFormat(f Format, line []byte) Format {
	if f != FormatAuto {
		return f
	}
	if t := bytes.TrimLeft(line, " \t"); len(t) > 0 && t[0] == '{' {
		return FormatCaddyJSON
	}
	var l ncsaLine
	if l.parse(line) {
		return FormatCombined
	}
	return FormatText
}

// appendFallback writes a line that did not parse as its format, never
// more weakly than one that did: a line with JSON members in it is
// recovered key by key, an NCSA line keeps the rules of the fields it
// still has, anything else is structure-aware text.
func (s *Sanitizer) appendFallback(st *state, dst, line []byte) []byte {
	if bytes.Contains(line, []byte(`":`)) {
		return s.appendRecovered(st, dst, line)
	}
	if out, rest, ok := s.appendNCSAPrefix(dst, line); ok {
		return s.appendText(st, out, rest)
	}
	return s.appendText(st, dst, line)
}

// appendText passes line through Engine.AppendText after decoding JSON
// \u escapes in it.
func (s *Sanitizer) appendText(st *state, dst, line []byte) []byte {
	if bytes.IndexByte(line, '\\') >= 0 {
		st.text = looseUnescape(st.text[:0], line)
		line = st.text
	}
	return s.e.AppendRule(dst, redact.RuleText, line)
}

// state is the scratch space of one goroutine.
type state struct {
	dec, key, tmp, text, discard []byte

	audit *auditState
}

// maxScratch is the largest scratch buffer kept for reuse; a state that
// held a longer line gives its buffers back to the garbage collector.
const maxScratch = 64 << 10

func (s *Sanitizer) getState() *state {
	if st, ok := s.states.Get().(*state); ok {
		return st
	}
	return new(state)
}

func (s *Sanitizer) putState(st *state) {
	st.trim()
	s.states.Put(st)
}

func (st *state) trim() {
	st.dec = trimScratch(st.dec)
	st.key = trimScratch(st.key)
	st.tmp = trimScratch(st.tmp)
	st.text = trimScratch(st.text)
	st.discard = trimScratch(st.discard)
}

func trimScratch(b []byte) []byte {
	if cap(b) > maxScratch {
		return nil
	}
	return b
}
