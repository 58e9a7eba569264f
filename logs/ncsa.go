package logs

import (
	"bytes"

	"github.com/caddy-privacy/caddy-privacy/redact"
)

// span is a part of a line, line[start:end]; set says whether it is there.
type span struct {
	start, end int
	set        bool
}

func (s span) ok() bool              { return s.set }
func (s span) of(line []byte) []byte { return line[s.start:s.end] }

// ncsaLine holds the fields of an NCSA common or combined line:
//
//	[vhost] host ident authuser [date] "request" status bytes ["referer" "user-agent"][trailing]
//
// The date, request, referer and user agent spans exclude their brackets
// and quotes; trailing includes its leading space.
type ncsaLine struct {
	vhost, host, ident, user, date, request, status, size, referer, ua, trailing span
}

// parse splits line into fields and reports whether it has the shape of an
// NCSA line. It checks structure only; what is in the fields is judged when
// they are sanitized.
func (l *ncsaLine) parse(line []byte) bool {
	*l = ncsaLine{}
	var toks [4]span
	nt, i := 0, 0
	for {
		if i >= len(line) {
			return false
		}
		if line[i] == '[' && nt >= 3 {
			break
		}
		if nt == len(toks) {
			return false
		}
		j := bytes.IndexByte(line[i:], ' ')
		if j <= 0 {
			return false
		}
		toks[nt] = span{i, i + j, true}
		nt++
		i += j + 1
	}
	t := toks[:nt]
	if nt == 4 {
		l.vhost, t = t[0], t[1:]
	}
	l.host, l.ident, l.user = t[0], t[1], t[2]

	j := bytes.IndexByte(line[i+1:], ']')
	if j < 0 {
		return false
	}
	l.date = span{i + 1, i + 1 + j, true}
	i += j + 2
	if !bytes.HasPrefix(line[i:], []byte(` "`)) {
		return false
	}
	i += 2
	end := quoteEnd(line, i)
	if end < 0 {
		return false
	}
	l.request = span{i, end, true}
	i = end + 1

	// status and bytes: both required, single spaces between fields.
	if i >= len(line) || line[i] != ' ' {
		return false
	}
	i++
	j = bytes.IndexByte(line[i:], ' ')
	if j <= 0 {
		return false
	}
	l.status = span{i, i + j, true}
	i += j + 1
	j = bytes.IndexByte(line[i:], ' ')
	if j < 0 {
		j = len(line) - i
	}
	if j == 0 {
		return false
	}
	l.size = span{i, i + j, true}
	i += j

	// The referer and user agent of the combined format; what does not
	// have their shape is trailing text.
	if i+1 < len(line) && line[i+1] == '"' {
		if re := quoteEnd(line, i+2); re >= 0 && bytes.HasPrefix(line[re+1:], []byte(` "`)) {
			if ue := quoteEnd(line, re+3); ue >= 0 {
				l.referer = span{i + 2, re, true}
				l.ua = span{re + 3, ue, true}
				i = ue + 1
			}
		}
	}
	if i < len(line) {
		l.trailing = span{i, len(line), true}
	}
	return true
}

// plausible reports whether a parsed line's status, size and date look like
// a real log's, so that DetectFormat is not fooled by text with brackets
// and quotes in it.
func (l *ncsaLine) plausible(line []byte) bool {
	st := l.status.of(line)
	return len(st) == 3 && allDigits(st) && isSize(l.size.of(line)) && isDate(l.date.of(line))
}

// quoteEnd returns the index of the first '"' at or after i that is not
// escaped with a backslash, or -1.
func quoteEnd(line []byte, i int) int {
	for i <= len(line) {
		j := bytes.IndexByte(line[i:], '"')
		if j < 0 {
			return -1
		}
		k := i + j
		n := 0
		for b := k - 1; b >= i && line[b] == '\\'; b-- {
			n++
		}
		if n%2 == 0 {
			return k
		}
		i = k + 1
	}
	return -1
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

func isDash(b []byte) bool { return len(b) == 1 && b[0] == '-' }

func isStatus(b []byte) bool { return isDash(b) || (len(b) <= 3 && allDigits(b)) }

func isSize(b []byte) bool { return isDash(b) || (len(b) <= 20 && allDigits(b)) }

// isDate reports whether b is a timestamp as Apache and nginx write it,
// "10/Oct/2000:13:55:36 -0700", or an ISO 8601 one such as
// "2000-10-10T13:55:36.123+02:00". Only these shapes are kept as they are;
// anything else in the date's place goes through the detectors.
func isDate(b []byte) bool {
	if isApacheDate(b) {
		return true
	}
	const iso = "dddd-dd-ddTdd:dd:dd"
	if len(b) < len(iso) || !shape(b[:len(iso)], iso) {
		return false
	}
	b = b[len(iso):]
	if len(b) > 0 && b[0] == '.' {
		i := digits(b, 1)
		if i == 1 || i > 10 {
			return false
		}
		b = b[i:]
	}
	return len(b) == 0 || string(b) == "Z" || shape(b, "sdd:dd") || shape(b, "sdddd")
}

// isApacheDate is shape(b, "dd/aaa/dddd:dd:dd:dd sdddd") written out: it
// runs on every NCSA line.
func isApacheDate(b []byte) bool {
	if len(b) != 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' || b[20] != ' ' ||
		b[21] != '+' && b[21] != '-' {
		return false
	}
	for _, c := range b[3:6] {
		if c|0x20 < 'a' || c|0x20 > 'z' {
			return false
		}
	}
	for _, i := range [...]uint8{0, 1, 7, 8, 9, 10, 12, 13, 15, 16, 18, 19, 22, 23, 24, 25} {
		if b[i]-'0' > 9 {
			return false
		}
	}
	return true
}

// shape reports whether b matches pattern, in which 'd' stands for a digit,
// 'a' for a letter, 's' for '+' or '-', 'T' for 'T' or ' ', and any other
// byte for itself.
func shape(b []byte, pattern string) bool {
	if len(b) != len(pattern) {
		return false
	}
	for i, c := range b {
		switch pattern[i] {
		case 'd':
			if c < '0' || c > '9' {
				return false
			}
		case 'a':
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
				return false
			}
		case 's':
			if c != '+' && c != '-' {
				return false
			}
		case 'T':
			if c != 'T' && c != ' ' {
				return false
			}
		default:
			if c != pattern[i] {
				return false
			}
		}
	}
	return true
}

// methods are the request methods kept as they are; any other word in the
// method's place goes through the detectors.
var methods = [...]string{
	"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
	"PRI", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK",
	"SEARCH", "REPORT", "MKCALENDAR", "QUERY",
}

func isMethod(b []byte) bool {
	for _, m := range methods {
		if string(b) == m {
			return true
		}
	}
	return false
}

var protos = [...]string{"HTTP/0.9", "HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/2.0", "HTTP/3", "HTTP/3.0"}

func isProto(b []byte) bool {
	for _, p := range protos {
		if string(b) == p {
			return true
		}
	}
	return false
}

// appendNCSA writes the sanitized form of a parsed NCSA line.
func (s *Sanitizer) appendNCSA(st *state, dst, line []byte, l *ncsaLine) []byte {
	e := s.e
	if l.vhost.ok() {
		mark := len(dst)
		dst = fixToken(e.AppendRule(dst, redact.RuleText, l.vhost.of(line)), mark)
		dst = append(dst, ' ')
	}
	mark := len(dst)
	dst = fixToken(e.AppendRule(dst, redact.RuleIP, l.host.of(line)), mark)
	dst = append(dst, ' ')
	dst = s.appendUser(dst, l.ident.of(line))
	dst = append(dst, ' ')
	dst = s.appendUser(dst, l.user.of(line))

	dst = append(dst, " ["...)
	if d := l.date.of(line); isDate(d) {
		dst = append(dst, d...)
	} else {
		dst = e.AppendRule(dst, redact.RuleText, d)
	}
	dst = append(dst, "] \""...)
	dst = s.appendRequest(st, dst, l.request.of(line))
	dst = append(dst, "\" "...)

	if b := l.status.of(line); isStatus(b) {
		dst = append(dst, b...)
	} else {
		mark = len(dst)
		dst = fixToken(e.AppendRule(dst, redact.RuleText, b), mark)
	}
	dst = append(dst, ' ')
	if b := l.size.of(line); isSize(b) {
		dst = append(dst, b...)
	} else {
		mark = len(dst)
		dst = fixToken(e.AppendRule(dst, redact.RuleText, b), mark)
	}

	if l.referer.ok() {
		dst = append(dst, " \""...)
		if b := l.referer.of(line); isDash(b) || len(b) == 0 {
			dst = append(dst, b...)
		} else {
			mark = len(dst)
			dst = st.fixQuoted(e.AppendRule(dst, redact.RuleURL, b), mark)
		}
		dst = append(dst, "\" \""...)
		if b := l.ua.of(line); isDash(b) || len(b) == 0 {
			dst = append(dst, b...)
		} else {
			mark = len(dst)
			dst = st.fixQuoted(e.AppendRule(dst, redact.RuleUserAgent, b), mark)
		}
		dst = append(dst, '"')
	}
	if l.trailing.ok() {
		dst = e.AppendRule(dst, redact.RuleText, l.trailing.of(line))
	}
	return dst
}

// appendNCSAPrefix writes the host, ident and authuser of a line that
// starts as an NCSA line does ([vhost] host ident authuser [) but breaks
// later, and returns the rest of the line from " [" on.
func (s *Sanitizer) appendNCSAPrefix(dst, line []byte) (out, rest []byte, ok bool) {
	var toks [4][]byte
	nt, i := 0, 0
	for i < len(line) && line[i] != '[' {
		j := bytes.IndexByte(line[i:], ' ')
		if j <= 0 || nt == len(toks) {
			return dst, line, false
		}
		toks[nt] = line[i : i+j]
		nt++
		i += j + 1
	}
	if nt < 3 || i >= len(line) {
		return dst, line, false
	}
	t := toks[:nt]
	if nt == 4 {
		mark := len(dst)
		dst = append(fixToken(s.e.AppendRule(dst, redact.RuleText, t[0]), mark), ' ')
		t = t[1:]
	}
	mark := len(dst)
	dst = append(fixToken(s.e.AppendRule(dst, redact.RuleIP, t[0]), mark), ' ')
	dst = append(s.appendUser(dst, t[1]), ' ')
	dst = s.appendUser(dst, t[2])
	return dst, line[i-1:], true
}

// appendUser writes an ident or authuser field: "-" stays, anything else
// becomes a pseudonym.
func (s *Sanitizer) appendUser(dst, b []byte) []byte {
	if isDash(b) {
		return append(dst, '-')
	}
	mark := len(dst)
	return fixToken(s.e.AppendRule(dst, redact.RulePseudonym, b), mark)
}

// appendRequest writes a request line: a known method and protocol stay,
// the target is scrubbed as a URL. A request line of any other shape goes
// through the detectors whole.
func (s *Sanitizer) appendRequest(st *state, dst, r []byte) []byte {
	if isDash(r) || len(r) == 0 {
		return append(dst, r...)
	}
	sp := bytes.IndexByte(r, ' ')
	if sp <= 0 || !isMethod(r[:sp]) {
		mark := len(dst)
		return st.fixQuoted(s.e.AppendRule(dst, redact.RuleText, r), mark)
	}
	dst = append(dst, r[:sp+1]...)
	target, proto := r[sp+1:], []byte(nil)
	if k := bytes.LastIndexByte(target, ' '); k >= 0 && isProto(target[k+1:]) {
		target, proto = target[:k], target[k:]
	}
	mark := len(dst)
	dst = st.fixQuoted(s.e.AppendRule(dst, redact.RuleURL, target), mark)
	return append(dst, proto...)
}

// fixToken keeps a space-delimited field parseable: an empty field becomes
// "-", and spaces, quotes and control characters become '?', which no
// identifier is made of (a letter or '_' could join the text around it
// into one).
func fixToken(dst []byte, mark int) []byte {
	if len(dst) == mark {
		return append(dst, '-')
	}
	for i := mark; i < len(dst); i++ {
		if c := dst[i]; c <= ' ' || c == '"' || c == 0x7f {
			dst[i] = '?'
		}
	}
	return dst
}

// fixQuoted keeps a quoted field parseable: a '"' in dst[mark:] that is not
// escaped gets a backslash, as Apache writes it.
func (st *state) fixQuoted(dst []byte, mark int) []byte {
	if bytes.IndexByte(dst[mark:], '"') < 0 {
		// A trailing odd backslash would escape the closing quote.
		n := 0
		for i := len(dst) - 1; i >= mark && dst[i] == '\\'; i-- {
			n++
		}
		if n%2 == 1 {
			dst = append(dst, '\\')
		}
		return dst
	}
	st.tmp = append(st.tmp[:0], dst[mark:]...)
	dst = dst[:mark]
	backslashes := 0
	for _, c := range st.tmp {
		switch c {
		case '\\':
			backslashes++
		case '"':
			if backslashes%2 == 0 {
				dst = append(dst, '\\')
			}
			backslashes = 0
		default:
			backslashes = 0
		}
		dst = append(dst, c)
	}
	if backslashes%2 == 1 {
		dst = append(dst, '\\')
	}
	return dst
}

// NCSA field names, as Audit reports them.
const (
	fieldVhost    = "vhost"
	fieldHost     = "host"
	fieldIdent    = "ident"
	fieldUser     = "user"
	fieldDate     = "date"
	fieldRequest  = "request"
	fieldStatus   = "status"
	fieldSize     = "bytes"
	fieldReferer  = "referer"
	fieldUA       = "ua"
	fieldTrailing = "trailing"
	fieldLine     = "line"
)

type namedSpan struct {
	name string
	s    span
}

// fields lists the fields of a parsed line with their names.
func (l *ncsaLine) fields() [11]namedSpan {
	return [...]namedSpan{
		{fieldVhost, l.vhost}, {fieldHost, l.host}, {fieldIdent, l.ident}, {fieldUser, l.user},
		{fieldDate, l.date}, {fieldRequest, l.request}, {fieldStatus, l.status}, {fieldSize, l.size},
		{fieldReferer, l.referer}, {fieldUA, l.ua}, {fieldTrailing, l.trailing},
	}
}
