package logs

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
)

// AuditOptions tunes Audit. The zero value means the defaults.
type AuditOptions struct {
	// FilterOptions says how the input is read, as for Filter.
	FilterOptions

	// Samples is the number of line numbers kept for each identifier type
	// and field. Default: 5; a negative number keeps none.
	Samples int
}

// DefaultSamples is the default of AuditOptions.Samples.
const DefaultSamples = 5

// maxFields bounds the number of distinct fields in a Report: JSON keys are
// chosen by whoever writes the log (and header names by clients). Further
// fields are counted as OtherField.
const maxFields = 256

// OtherField is the Field of findings beyond the first 256 distinct fields.
const OtherField = "(other)"

// Report is what Audit found. It holds counts and line numbers, never the
// identifiers themselves.
type Report struct {
	// Format is the format the input was read as.
	Format Format
	// Lines and Bytes count what was read.
	Lines, Bytes int64
	// Fallback is the number of lines that did not parse as Format and
	// were scanned as text.
	Fallback int64
	// LongLines is the number of lines longer than MaxLineSize, which were
	// not scanned: they may hold anything.
	LongLines int64
	// LongLineSamples are the first line numbers of those lines.
	LongLineSamples []int64
	// Findings are sorted by Kind, then by decreasing Count, then by Field.
	Findings []Finding
}

// Finding counts the identifiers of one type found in one field.
type Finding struct {
	// Kind is the identifier's type as the Auditor names it, such as
	// "email".
	Kind string
	// Field is where it was found: for combined and common logs one of
	// vhost, host, ident, user, date, request, status, bytes, referer, ua
	// and trailing; for caddy-json the dotted key path, such as
	// "request.headers.User-Agent", with "*" for a key that is not a plain
	// word or holds an identifier itself; "line" for text and for lines
	// that did not parse.
	Field string
	// Count is the number of identifiers found.
	Count int64
	// Lines are the first line numbers (from 1) where they were found.
	Lines []int64
}

// Totals returns one Finding per identifier type, summed over fields, with
// Field empty, sorted by decreasing Count.
func (r *Report) Totals() []Finding {
	var out []Finding
	idx := map[string]int{}
	for _, f := range r.Findings {
		i, ok := idx[f.Kind]
		if !ok {
			i = len(out)
			idx[f.Kind] = i
			out = append(out, Finding{Kind: f.Kind})
		}
		out[i].Count += f.Count
		out[i].Lines = append(out[i].Lines, f.Lines...)
	}
	n := 0
	for _, f := range r.Findings {
		n = max(n, len(f.Lines))
	}
	for i := range out {
		slices.Sort(out[i].Lines)
		out[i].Lines = slices.Compact(out[i].Lines)
		out[i].Lines = out[i].Lines[:min(n, len(out[i].Lines))]
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		if a.Count != b.Count {
			if a.Count > b.Count {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	return out
}

// Audit reads a log of format f (FormatAuto: detected from the first
// lines) and counts, with a, the identifiers it holds by type and field.
// Lines are read as by Filter and scanned by opts.Workers goroutines.
// JSON escapes are decoded before scanning; numbers, booleans and null in
// JSON are not scanned, as Sanitizer keeps them.
func Audit(ctx context.Context, r io.Reader, a Auditor, f Format, opts AuditOptions) (*Report, error) {
	if opts.Samples == 0 {
		opts.Samples = DefaultSamples
	}
	opts.Samples = max(opts.Samples, 0)
	rep := &Report{}
	as := &auditStage{
		a: a, samples: opts.Samples, max: opts.withDefaults().MaxLineSize,
		rep: rep, progress: opts.Progress,
		m: map[string]*Finding{}, fields: map[string]bool{},
	}
	err := pipeline(ctx, r, opts.FilterOptions, func(first []byte) stage {
		if f == FormatAuto {
			f = DetectFormat(first)
		}
		as.format, rep.Format = f, f
		return as
	})
	for _, fd := range as.m {
		rep.Findings = append(rep.Findings, *fd)
	}
	slices.SortFunc(rep.Findings, func(a, b Finding) int {
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		if a.Count != b.Count {
			if a.Count > b.Count {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Field, b.Field)
	})
	return rep, err
}

type auditStage struct {
	a        Auditor
	format   Format
	samples  int
	max      int
	progress func(int64)

	rep    *Report
	m      map[string]*Finding // by kind "\x00" field
	fields map[string]bool
}

// auditPart is what one block holds, with line numbers counted from the
// block's first line.
type auditPart struct {
	m               map[string]*Finding
	order           []*Finding
	longLineSamples []int64
}

func (s *auditStage) worker() func(*block) {
	as := &auditState{a: s.a, samples: s.samples}
	as.record = as.recordKind
	as.count = func(string) { as.hits++ }
	st := &state{audit: as}
	return func(b *block) {
		part := &auditPart{m: map[string]*Finding{}}
		as.part = part
		as.line = 0
		if b.long {
			b.lines, b.longLines = 1, 1
			part.longLineSamples = append(part.longLineSamples, 1)
		}
		buf := b.buf
		for len(buf) > 0 {
			line := buf
			if i := bytes.IndexByte(buf, '\n'); i >= 0 {
				line, buf = buf[:i], buf[i+1:]
			} else {
				buf = nil
			}
			as.line++
			b.lines++
			if len(line) > s.max {
				b.longLines++
				if len(part.longLineSamples) < s.samples {
					part.longLineSamples = append(part.longLineSamples, as.line)
				}
				continue
			}
			if auditLine(st, s.format, line) {
				b.fallback++
			}
		}
		b.audit = part
		st.trim()
	}
}

func (s *auditStage) consume(b *block) error {
	base := s.rep.Lines
	for _, l := range b.audit.longLineSamples {
		if len(s.rep.LongLineSamples) < s.samples {
			s.rep.LongLineSamples = append(s.rep.LongLineSamples, base+l)
		}
	}
	var key []byte
	for _, f := range b.audit.order {
		field := f.Field
		if !s.fields[field] {
			if len(s.fields) >= maxFields {
				field = OtherField
			} else {
				s.fields[field] = true
			}
		}
		key = append(append(append(key[:0], f.Kind...), 0), field...)
		g := s.m[string(key)]
		if g == nil {
			g = &Finding{Kind: f.Kind, Field: field}
			s.m[string(key)] = g
		}
		g.Count += f.Count
		for _, l := range f.Lines {
			if len(g.Lines) >= s.samples {
				break
			}
			if n := len(g.Lines); n == 0 || g.Lines[n-1] != base+l {
				g.Lines = append(g.Lines, base+l)
			}
		}
	}
	s.rep.Lines += b.lines
	s.rep.Bytes += b.n
	s.rep.Fallback += b.fallback
	s.rep.LongLines += b.longLines
	if s.progress != nil {
		s.progress(s.rep.Bytes)
	}
	return nil
}

// auditState is the audit part of a worker's scratch state.
type auditState struct {
	a       Auditor
	samples int
	path    []byte // the current field
	rec     []byte
	line    int64
	part    *auditPart
	hits    int
	record  func(kind string) // as.recordKind, made once
	count   func(kind string)
}

// auditLine scans one line and reports whether it did not parse as f.
func auditLine(st *state, f Format, line []byte) (fallback bool) {
	as := st.audit
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	line = bytes.TrimPrefix(line, bom)
	if len(line) == 0 {
		return false
	}
	switch lineFormat(f, line) {
	case FormatCaddyJSON:
		p := jsonParser{st: st, in: line}
		p.ws()
		if p.pos < len(line) && line[p.pos] == '{' && p.skip() {
			if p.ws(); p.pos == len(line) {
				// Valid: walk it again, scanning each string by its path.
				p = jsonParser{st: st, in: line}
				p.ws()
				as.path = as.path[:0]
				st.discard, _ = p.object(st.discard[:0], false)
				return false
			}
		}
	case FormatCombined, FormatCommon:
		var l ncsaLine
		if l.parse(line) {
			for _, fs := range l.fields() {
				if fs.s.ok() {
					as.path = append(as.path[:0], fs.name...)
					as.scan(fs.s.of(line))
				}
			}
			return false
		}
	default:
		as.scanText(st, line)
		return false
	}
	as.scanText(st, line)
	return true
}

func (as *auditState) scanText(st *state, line []byte) {
	as.path = append(as.path[:0], fieldLine...)
	if bytes.IndexByte(line, '\\') >= 0 {
		st.text = looseUnescape(st.text[:0], line)
		line = st.text
	}
	as.scan(line)
}

func (as *auditState) scan(src []byte) {
	if len(src) > 0 {
		as.a.Scan(src, as.record)
	}
}

func (as *auditState) recordKind(kind string) {
	as.rec = append(append(append(as.rec[:0], kind...), 0), as.path...)
	f := as.part.m[string(as.rec)]
	if f == nil {
		f = &Finding{Kind: kind, Field: string(as.path)}
		as.part.m[string(as.rec)] = f
		as.part.order = append(as.part.order, f)
	}
	f.Count++
	if n := len(f.Lines); n < as.samples && (n == 0 || f.Lines[n-1] != as.line) {
		f.Lines = append(f.Lines, as.line)
	}
}

// pushKey adds a JSON key to the current path: as it is when it is a
// plain word with no identifier in it, else as "*", counting what the key
// holds under that path.
func (as *auditState) pushKey(key []byte) {
	if len(as.path) > 0 {
		as.path = append(as.path, '.')
	}
	if pathSegment(key) {
		as.hits = 0
		as.a.Scan(key, as.count)
		if as.hits == 0 {
			as.path = append(as.path, key...)
			return
		}
	}
	as.path = append(as.path, '*')
	as.scan(key)
}

func pathSegment(k []byte) bool {
	if len(k) == 0 || len(k) > 64 {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
