// Package compare puts the same Caddy JSON access logs through the privacy
// processor and through contrib's redaction processor, in one process,
// alternating batch by batch, and reports records per CPU second and what
// each left behind. It runs only when asked:
//
//	cd otelcol && OTEL_COMPARE=1 go test -count=1 -v -run Compare ./compare
package compare

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/redactionprocessor"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/caddy-privacy/caddy-privacy/otelcol/privacyprocessor"
)

// The redaction processor configured as close to the privacy processor as
// it allows: every key allowed (it would otherwise drop them all), values
// matching IPv4, IPv6, e-mail and card patterns blocked, and what it masks
// hashed with a keyed HMAC.
var redactionConfig = map[string]any{
	"allow_all_keys": true,
	"blocked_values": []any{
		`\b(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\b`,
		`\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{1,4})*\b`,
		`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`,
		`\b(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|3[47][0-9]{13})\b`,
	},
	"hash_function": "hmac-sha256",
	"hmac_key":      strings.Repeat("k", 32),
}

var privacyConfig = map[string]any{"ip": map[string]any{"transform": "pseudonym"}}

func newProcessor(t *testing.T, f processor.Factory, raw map[string]any, sink *consumertest.LogsSink) processor.Logs {
	t.Helper()
	cfg := f.CreateDefaultConfig()
	if err := confmap.NewFromStringMap(raw).Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(f.Type()), cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown(context.Background()) })
	return p
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// identifiers are what a line holds that must not come out: the client
// address and port, and the personal data loggen puts in targets and
// headers.
var (
	remoteIP   = regexp.MustCompile(`"remote_ip":"([^"]+)"`)
	remotePort = regexp.MustCompile(`"remote_port":"([^"]+)"`)
	inURI      = regexp.MustCompile(`(?:email|reset|session_id|gclid)=([^&"]+)`)
	phone      = regexp.MustCompile(`07700\+9\d{5}`)
	cookie     = regexp.MustCompile(`session=([A-Za-z0-9]+)`)
	userAgent  = regexp.MustCompile(`"User-Agent":\["([^"]+)"`)
)

type leftovers struct{ ip, port, email, token, phone, cookie, ua, records int }

func (l *leftovers) check(in, out string) {
	left := false
	has := func(n *int, values ...string) {
		for _, v := range values {
			if v != "" && strings.Contains(out, v) {
				*n++
				left = true
				return
			}
		}
	}
	if m := remoteIP.FindStringSubmatch(in); m != nil {
		has(&l.ip, m[1])
	}
	if m := remotePort.FindStringSubmatch(in); m != nil {
		has(&l.port, `"`+m[1]+`"`)
	}
	for _, m := range inURI.FindAllStringSubmatch(in, -1) {
		v := m[1]
		if strings.Contains(m[0], "email=") {
			dec, _ := url.QueryUnescape(v)
			has(&l.email, v, dec)
		} else {
			has(&l.token, v)
		}
	}
	has(&l.phone, phone.FindString(in))
	if m := cookie.FindStringSubmatch(in); m != nil {
		has(&l.cookie, m[1])
	}
	if m := userAgent.FindStringSubmatch(in); m != nil && len(m[1]) > 40 {
		has(&l.ua, m[1])
	}
	if left {
		l.records++
	}
}

func (l leftovers) String() string {
	return fmt.Sprintf("records with any: %d; client IP %d, port %d, e-mail %d, token/click id %d, phone %d, session cookie %d, full user agent %d",
		l.records, l.ip, l.port, l.email, l.token, l.phone, l.cookie, l.ua)
}

func TestCompareRedaction(t *testing.T) {
	if os.Getenv("OTEL_COMPARE") == "" {
		t.Skip("set OTEL_COMPARE=1 to run the comparison with contrib's redaction processor")
	}
	sizeMB := 16
	if s := os.Getenv("OTEL_COMPARE_MB"); s != "" {
		sizeMB, _ = strconv.Atoi(s)
	}
	gen, err := exec.Command("go", "run", "github.com/caddy-privacy/caddy-privacy/bench/loggen", "-format", "json", "-size", strconv.Itoa(sizeMB)).Output()
	if err != nil {
		t.Fatalf("loggen: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(gen), "\n"), "\n")
	const batch = 1000
	var batches []plog.Logs
	for i := 0; i < len(lines); i += batch {
		ld := plog.NewLogs()
		lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
		for _, l := range lines[i:min(i+batch, len(lines))] {
			lrs.AppendEmpty().Body().SetStr(l)
		}
		batches = append(batches, ld)
	}

	type contender struct {
		name string
		p    processor.Logs
		sink *consumertest.LogsSink
		cpu  time.Duration
		wall time.Duration
		left leftovers
	}
	ps, rs := new(consumertest.LogsSink), new(consumertest.LogsSink)
	cs := []*contender{
		{name: "privacy", p: newProcessor(t, privacyprocessor.NewFactory(), privacyConfig, ps), sink: ps},
		{name: "redaction", p: newProcessor(t, redactionprocessor.NewFactory(), redactionConfig, rs), sink: rs},
	}
	for i, b := range batches {
		// Alternate which goes first, so neither always meets a warm
		// cache or a pending GC.
		order := cs
		if i%2 == 1 {
			order = []*contender{cs[1], cs[0]}
		}
		for _, c := range order {
			ld := plog.NewLogs()
			b.CopyTo(ld)
			start, wall := cpuTime(), time.Now()
			if err := c.p.ConsumeLogs(context.Background(), ld); err != nil {
				t.Fatal(err)
			}
			c.cpu += cpuTime() - start
			c.wall += time.Since(wall)
		}
	}
	for _, c := range cs {
		n := 0
		for _, ld := range c.sink.AllLogs() {
			lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				c.left.check(lines[n], lrs.At(k).Body().AsString())
				n++
			}
		}
		if n != len(lines) {
			t.Errorf("%s: %d records out of %d", c.name, n, len(lines))
		}
		t.Logf("%-9s %8.0f records/s per core (%d records, %.3fs CPU, %.3fs wall); left behind: %v",
			c.name, float64(len(lines))/c.cpu.Seconds(), len(lines), c.cpu.Seconds(), c.wall.Seconds(), c.left)
	}
	t.Logf("privacy / redaction throughput: %.2fx", cs[1].cpu.Seconds()/cs[0].cpu.Seconds())
	out := cs[0].sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Body().AsString()
	red := cs[1].sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Body().AsString()
	t.Logf("first record in:\n%s\nprivacy:\n%s\nredaction:\n%s", lines[0], out, red)
}
