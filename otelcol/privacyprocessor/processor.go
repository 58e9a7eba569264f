package privacyprocessor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/internal/engine"
	"github.com/caddy-privacy/caddy-privacy/logs"
	"github.com/caddy-privacy/caddy-privacy/redact"
	"github.com/caddy-privacy/caddy-privacy/redact/country"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym"
)

// outcome is what became of a log record or span.
type outcome uint8

const (
	// outcomeParsed: a string body parsed as its format (Caddy JSON,
	// combined, common or text) and was rewritten field by field.
	outcomeParsed outcome = iota
	// outcomeRecovered: a string body that looked like a format but did
	// not parse (a cut or corrupt line); it was redacted as text, key by
	// key when it looked like JSON.
	outcomeRecovered
	// outcomeStructured: a map, slice or scalar body, or a span, went
	// through the field rules.
	outcomeStructured
	// outcomeRedacted: the record could not be processed; its body became
	// "[redacted]" and its attributes were removed. Never passed raw.
	outcomeRedacted
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"parsed", "recovered", "structured", "redacted"}

func (o outcome) String() string { return outcomeNames[o] }

// redactedBody replaces what could not be processed.
const redactedBody = "[redacted]"

// privacy is the one redaction value of a configured processor, shared by
// its logs and traces pipelines: the engine, the line sanitizer over it,
// and the counts of outcomes.
type privacy struct {
	engine logs.Engine
	rules  *redact.Rules
	lines  *logs.Sanitizer
	logger *zap.Logger

	keys    *pseudonym.KeyRing // nil in tests with a fake engine
	outages *pseudonym.OutageReporter
	closers []io.Closer
	cancel  context.CancelFunc
	done    chan struct{}

	counts  [numOutcomes]atomic.Int64
	counter metric.Int64Counter
	attrs   [numOutcomes]metric.MeasurementOption

	bufs sync.Pool // *[]byte
}

// newPrivacy builds the engine the policy describes: its country database
// and its key store, opened as the log CLI opens them.
func newPrivacy(set processor.Settings, c *Config) (*privacy, error) {
	pol := c.Policy
	pol.ApplyDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var closers []io.Closer
	var countries *country.Resolver
	if !pol.GeoIP.Off && pol.IP.Transform == config.TransformCountry {
		path := engine.CountryDBPath(pol)
		if path == "" {
			return nil, fmt.Errorf("privacy: no country database: set geoip.database or $%s, or set geoip.off or ip.transform \"truncate\"", engine.GeoDBEnv)
		}
		db, err := country.Open(path)
		if err != nil {
			return nil, fmt.Errorf("privacy: geoip.database: %w", err)
		}
		closers = append(closers, db)
		countries = country.NewResolver(db, pol.GeoIP.Unknown, pol.GeoIP.CacheSize)
	}
	logger := set.Logger
	outages := &pseudonym.OutageReporter{
		Down: func(err error) {
			logger.Error("pseudonym key store unavailable; pseudonyms use a key held in memory until it is back, and may differ from other instances' meanwhile",
				zap.String("store", pol.Keys.Store), zap.Error(err))
		},
		Up: func() {
			logger.Info("pseudonym key store available again; using its keys", zap.String("store", pol.Keys.Store))
		},
	}
	keys, store, err := engine.OpenKeys(pol, outages)
	if err != nil {
		closeAll(closers)
		return nil, fmt.Errorf("privacy: %w", err)
	}
	closers = append(closers, store)
	r, err := redact.New(pol, countries, keys)
	if err != nil {
		closeAll(closers)
		return nil, fmt.Errorf("privacy: %w", err)
	}
	p := newWithEngine(r, set.Logger, set.TelemetrySettings.MeterProvider)
	p.keys, p.outages, p.closers = keys, outages, closers
	return p, nil
}

// newWithEngine returns a privacy over e, reporting to mp when it is not
// nil.
func newWithEngine(e logs.Engine, logger *zap.Logger, mp metric.MeterProvider) *privacy {
	if logger == nil {
		logger = zap.NewNop()
	}
	p := &privacy{engine: e, rules: e.Rules(), lines: logs.NewSanitizer(e, logs.FormatAuto), logger: logger}
	p.bufs.New = func() any { b := make([]byte, 0, 1024); return &b }
	if mp != nil {
		c, err := mp.Meter("github.com/caddy-privacy/caddy-privacy/otelcol/privacyprocessor").Int64Counter(
			"processor_privacy_records",
			metric.WithDescription("Log records and spans through the privacy processor, by outcome: parsed, recovered, structured or redacted (could not be processed, so emptied)."),
			metric.WithUnit("{record}"))
		if err == nil {
			p.counter = c
			for o := range p.attrs {
				p.attrs[o] = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", outcome(o).String())))
			}
		}
	}
	return p
}

func closeAll(cs []io.Closer) error {
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// start keeps the pseudonym keys current: a new key each rotation period,
// from the shared store when there is one.
func (p *privacy) start() {
	if p.keys == nil {
		return
	}
	p.keys.OnError = func(err error) {
		// Store errors are reported once per outage by p.outages.
		if p.outages.Reachable() && !errors.Is(err, context.Canceled) {
			p.logger.Error("rotating pseudonym keys", zap.Error(err))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	go func() {
		defer close(p.done)
		p.keys.Run(ctx)
	}()
}

func (p *privacy) shutdown() error {
	if p.cancel != nil {
		p.cancel()
		<-p.done
	}
	return closeAll(p.closers)
}

// count records n records with outcome o.
func (p *privacy) count(ctx context.Context, o outcome, n int64) {
	if n == 0 {
		return
	}
	p.counts[o].Add(n)
	if p.counter != nil {
		p.counter.Add(ctx, n, p.attrs[o])
	}
}

// tally counts the outcomes of one batch, reported once.
type tally [numOutcomes]int64

func (p *privacy) report(ctx context.Context, t *tally) {
	for o, n := range t {
		p.count(ctx, outcome(o), n)
	}
}

func (p *privacy) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	var t tally
	buf := p.getBuf()
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		p.guardAttributes(rl.Resource().Attributes(), buf)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			p.guardAttributes(sl.Scope().Attributes(), buf)
			lrs := sl.LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				t[p.logRecord(lrs.At(k), buf)]++
			}
		}
	}
	p.putBuf(buf)
	p.report(ctx, &t)
	return ld, nil
}

func (p *privacy) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	var t tally
	buf := p.getBuf()
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		p.guardAttributes(rs.Resource().Attributes(), buf)
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			p.guardAttributes(ss.Scope().Attributes(), buf)
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				t[p.span(spans.At(k), buf)]++
			}
		}
	}
	p.putBuf(buf)
	p.report(ctx, &t)
	return td, nil
}

// logRecord redacts a record's attributes and body. If that fails, the
// body becomes "[redacted]" and the attributes go.
func (p *privacy) logRecord(lr plog.LogRecord, buf *[]byte) (o outcome) {
	defer func() {
		if recover() != nil {
			lr.Body().SetStr(redactedBody)
			lr.Attributes().Clear()
			o = outcomeRedacted
		}
	}()
	p.attributes(lr.Attributes(), buf)
	return p.body(lr.Body(), buf)
}

// span redacts the attributes of a span, of its events and of its links.
// If that fails, they are all removed.
func (p *privacy) span(s ptrace.Span, buf *[]byte) (o outcome) {
	defer func() {
		if recover() != nil {
			s.Attributes().Clear()
			s.Events().RemoveIf(func(ptrace.SpanEvent) bool { return true })
			s.Links().RemoveIf(func(ptrace.SpanLink) bool { return true })
			o = outcomeRedacted
		}
	}()
	p.attributes(s.Attributes(), buf)
	for i := 0; i < s.Events().Len(); i++ {
		p.attributes(s.Events().At(i).Attributes(), buf)
	}
	for i := 0; i < s.Links().Len(); i++ {
		p.attributes(s.Links().At(i).Attributes(), buf)
	}
	return outcomeStructured
}

// guardAttributes redacts resource and scope attributes, removing them all
// if that fails.
func (p *privacy) guardAttributes(m pcommon.Map, buf *[]byte) {
	defer func() {
		if recover() != nil {
			m.Clear()
		}
	}()
	p.attributes(m, buf)
}

// body redacts a log body: a string line by line through the sanitizer,
// which detects each line's format; anything else by the field rules.
func (p *privacy) body(v pcommon.Value, buf *[]byte) outcome {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		out, fallback := p.appendLines((*buf)[:0], []byte(v.Str()))
		*buf = out
		v.SetStr(string(out))
		if fallback {
			return outcomeRecovered
		}
		return outcomeParsed
	case pcommon.ValueTypeBytes:
		out, fallback := p.appendLines((*buf)[:0], v.Bytes().AsRaw())
		*buf = out
		v.Bytes().FromRaw(out)
		if fallback {
			return outcomeRecovered
		}
		return outcomeParsed
	case pcommon.ValueTypeMap:
		p.attributes(v.Map(), buf)
	case pcommon.ValueTypeSlice:
		p.slice(v.Slice(), redact.RuleText, buf)
	}
	return outcomeStructured
}

// appendLines sanitizes each line of src.
func (p *privacy) appendLines(dst, src []byte) (_ []byte, fallback bool) {
	for {
		line, rest, more := bytes.Cut(src, []byte{'\n'})
		var fb bool
		dst, fb = p.lines.AppendLineFallback(dst, line)
		fallback = fallback || fb
		if !more {
			return dst, fallback
		}
		dst = append(dst, '\n')
		src = rest
	}
}

// attributes redacts a map of attributes or a structured body, each value
// by the rule of its key (redact.Rules.Attribute: semantic-convention
// names and log field names). Keys that are not plain names are redacted
// as text too.
func (p *privacy) attributes(m pcommon.Map, buf *[]byte) {
	p.walkMap(m, p.rules.Attribute, buf)
}

// headers redacts a header map, each value by its header's rule.
func (p *privacy) headers(m pcommon.Map, buf *[]byte) {
	p.walkMap(m, p.rules.Header, buf)
}

func (p *privacy) walkMap(m pcommon.Map, ruleOf func(string) redact.Rule, buf *[]byte) {
	var renamed map[string]pcommon.Value
	m.RemoveIf(func(k string, v pcommon.Value) bool {
		rl := ruleOf(k)
		if rl == redact.RuleDrop {
			return true
		}
		if !p.value(v, rl, buf) {
			return true
		}
		if !plainKey(k) {
			nk := string(p.engine.AppendRule((*buf)[:0], redact.RuleText, []byte(k)))
			if nk != k {
				if renamed == nil {
					renamed = make(map[string]pcommon.Value)
				}
				moved := pcommon.NewValueEmpty()
				v.CopyTo(moved)
				renamed[nk] = moved
				return true
			}
		}
		return false
	})
	for k, v := range renamed {
		v.CopyTo(m.PutEmpty(k))
	}
}

// value redacts v, which sits under a key with rule rl, in place. It
// returns false when v is to be removed.
func (p *privacy) value(v pcommon.Value, rl redact.Rule, buf *[]byte) bool {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		out := p.engine.AppendRule((*buf)[:0], rl, []byte(v.Str()))
		*buf = out
		if len(out) == 0 && v.Str() != "" && (rl == redact.RuleIP || rl == redact.RuleForwarded) {
			// A transform that removes addresses removes the key too.
			return false
		}
		v.SetStr(string(out))
	case pcommon.ValueTypeBytes:
		out := p.engine.AppendRule((*buf)[:0], rl, v.Bytes().AsRaw())
		*buf = out
		v.Bytes().FromRaw(out)
	case pcommon.ValueTypeInt, pcommon.ValueTypeDouble:
		if rl.Strict() {
			// An address or identifier written as a number is still one.
			s := v.AsString()
			v.SetStr(string(p.engine.AppendRule((*buf)[:0], rl, []byte(s))))
		}
	case pcommon.ValueTypeMap:
		if rl == redact.RuleHeaders {
			p.headers(v.Map(), buf)
		} else {
			p.attributes(v.Map(), buf)
		}
	case pcommon.ValueTypeSlice:
		p.slice(v.Slice(), rl, buf)
	}
	return true
}

// slice redacts each element of s by rl, as header values and lists of
// addresses are logged.
func (p *privacy) slice(s pcommon.Slice, rl redact.Rule, buf *[]byte) {
	s.RemoveIf(func(v pcommon.Value) bool { return !p.value(v, rl, buf) })
}

// plainKey reports whether k is a plain name: letters, digits, '_', '-'
// and '.', which cannot hold an identifier worth finding.
func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func (p *privacy) getBuf() *[]byte { return p.bufs.Get().(*[]byte) }

func (p *privacy) putBuf(b *[]byte) {
	if cap(*b) <= 64<<10 {
		*b = (*b)[:0]
		p.bufs.Put(b)
	}
}
