package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/logs"
	"github.com/caddy-privacy/caddy-privacy/redact"
	"github.com/caddy-privacy/caddy-privacy/redact/detect"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym"
)

func zzEngine(t testing.TB) (*redact.Redactor, logs.Auditor) {
	p, err := config.Load(strings.NewReader(`{"geoip":{"off":true}}`))
	if err != nil {
		t.Fatal(err)
	}
	keys := pseudonym.NewKeyRing(nil, time.Duration(p.Pseudonym.Rotate), time.Duration(p.Pseudonym.Retention))
	if err := keys.Refresh(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	r, err := redact.New(p, nil, keys)
	if err != nil {
		t.Fatal(err)
	}
	return r, auditorFunc(func(src []byte, fn func(string)) { r.Text.Scan(src, func(m detect.Match) { fn(m.Kind.String()) }) })
}

func TestZZReal(t *testing.T) {
	r, aud := zzEngine(t)
	a, stdout, stderr := testApp("")
	a.newEngine = func(engineOptions) (logs.Engine, logs.Auditor, error) { return r, aud, nil }
	start := time.Now()
	code := runApp(a, "sanitize", "../../../shared/corpus/apache_logs")
	t.Logf("sanitize: %d in %v, stderr %q", code, time.Since(start), stderr.String())
	out := stdout.String()
	lines := strings.Split(out, "\n")
	t.Logf("%d lines; first:\n%s\n%s\n%s", len(lines), lines[0], lines[1], lines[500])
	in, _ := os.ReadFile("../../../shared/corpus/apache_logs")
	t.Logf("lines in %d out %d", bytes.Count(in, []byte("\n")), strings.Count(out, "\n"))
	stdout.Reset()
	code = runApp(a, "audit", "../../../shared/corpus/apache_logs")
	t.Logf("audit: %d\n%s", code, stdout.String())
	s := logs.NewSanitizer(r, logs.FormatCaddyJSON)
	t.Logf("%s", s.AppendLine(nil, []byte(`{"level":"info","ts":1646861401.52,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"203.0.113.9","remote_port":"41342","client_ip":"198.51.100.7","proto":"HTTP/2.0","method":"GET","host":"example.com","uri":"/a?email=x@y.com&page=2","headers":{"User-Agent":["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"],"Cookie":["sid=abc"],"X-Forwarded-For":["198.51.100.7, 10.0.0.1"],"Referer":["https://example.com/p?q=1&gclid=xyz"],"Accept":["*/*"]}},"user_id":"alice","msg2":"call +44 7700 900123 or mail bob@example.org"}`)))
}

func BenchmarkZZReal(b *testing.B) {
	r, _ := zzEngine(b)
	c, _ := os.ReadFile("../../../shared/corpus/apache_logs")
	in := bytes.Repeat(c, 10)
	for _, w := range []int{1, 2} {
		b.Run(map[int]string{1: "w1", 2: "w2"}[w], func(b *testing.B) {
			s := logs.NewSanitizer(r, logs.FormatCombined)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			logs.Busy()
			t0 := time.Now()
			for b.Loop() {
				logs.Filter(context.Background(), io.Discard, bytes.NewReader(in), s, logs.FilterOptions{Workers: w})
			}
			b.ReportMetric(float64(logs.Busy())/float64(time.Since(t0)), "busy/wall")
		})
	}
}
