package detect

import (
	"bytes"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// threadCPU returns the CPU time the calling thread has used. The build
// machines are shared, so wall-clock MB/s says as much about the
// neighbours as about the code; benchmarks also report MB/s per CPU second
// of their own thread ("cpu-MB/s"), which is what "per core" means.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD, Linux only
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopCPU runs body b.N times via b.Loop and reports cpu-MB/s.
func loopCPU(b *testing.B, size int64, body func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.SetBytes(size)
	var cpu time.Duration
	n := 0
	for b.Loop() {
		t := threadCPU()
		body()
		cpu += threadCPU() - t
		n++
	}
	if cpu > 0 {
		b.ReportMetric(float64(size)*float64(n)/cpu.Seconds()/1e6, "cpu-MB/s")
	}
}

// baseline is the same detection written the obvious way, with one Go
// regexp of all the detectors and the same checksums applied to what it
// finds. It is what the Scanner is measured against.
type baseline struct {
	re    *regexp.Regexp
	names []string
}

func newBaseline() *baseline {
	octet := `(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])`
	h := `[0-9A-Fa-f]{1,4}`
	parts := []string{
		`(?P<ipv4>(?:^|[^0-9A-Za-z._/])` + octet + `(?:\.` + octet + `){3}(?:$|[^0-9A-Za-z_.]|\.[^0-9]))`,
		`(?P<ipv6>(?:` + h + `:){7}` + h + `|(?:` + h + `:){1,7}:|(?:` + h + `:){1,6}:` + h + `|(?:` + h + `:){1,5}(?::` + h + `){1,2}|(?:` + h + `:){1,4}(?::` + h + `){1,3}|(?:` + h + `:){1,3}(?::` + h + `){1,4}|(?:` + h + `:){1,2}(?::` + h + `){1,5}|` + h + `:(?::` + h + `){1,6}|:(?::` + h + `){1,7}|::[fF]{4}:[0-9.]{7,15})`,
		`(?P<email>[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})`,
		`(?P<phone>\+[1-9][0-9]{0,3}(?:[ .-]?\(?0?\)?[ .-]?[0-9]{1,5}){2,6}|\(?\b0[1-9][0-9]{1,4}\)?[ -]?[0-9]{3,4}[ -]?[0-9]{3,4}\b)`,
		`(?P<nino>\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]\b)`,
		`(?P<card>\b[2-6][0-9]{3}(?:[ -]?[0-9]{3,6}){2,4}\b)`,
		`(?P<nhs>\b[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}\b)`,
		`(?P<iban>\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b)`,
		`(?P<postcode>\b(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) ?[0-9][ABD-HJLNP-UW-Z]{2}\b)`,
		`(?P<jwt>eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)`,
		`(?P<credential>(?i:bearer|basic)[ \t]+[A-Za-z0-9._~+/-]+=*|(?i:authorization)"?:[ \t]*[^\r\n]+)`,
		`(?P<ga_client_id>\bG[AS][0-9]+\.[0-9]+\.[A-Za-z0-9.$_-]+|\b_g(?:a|id|l|a_[A-Za-z0-9]+)=[^;&\s",]+)`,
	}
	re := regexp.MustCompile(strings.Join(parts, "|"))
	return &baseline{re: re, names: re.SubexpNames()}
}

// appendRedacted replaces every validated match with its tag.
func (bl *baseline) appendRedacted(dst, src []byte) []byte {
	last := 0
	for _, loc := range bl.re.FindAllSubmatchIndex(src, -1) {
		for g := 1; g < len(bl.names); g++ {
			st, en := loc[2*g], loc[2*g+1]
			if st < 0 {
				continue
			}
			if !bl.valid(bl.names[g], src[st:en]) {
				break
			}
			dst = append(dst, src[last:st]...)
			dst = append(dst, '[')
			dst = append(dst, bl.names[g]...)
			dst = append(dst, ']')
			last = en
			break
		}
	}
	return append(dst, src[last:]...)
}

func (bl *baseline) valid(name string, b []byte) bool {
	switch name {
	case "card":
		return luhn(b)
	case "nhs":
		return nhsCheck(b)
	case "nino":
		return ninoPrefixOK(b[0], b[1])
	case "iban":
		c := bytes.ReplaceAll(b, []byte(" "), nil)
		return iban(c, 0) > 0
	case "ipv6":
		_, ok := parseIPv6(b)
		return ok
	}
	return true
}

func BenchmarkCorpus(b *testing.B) {
	lines := corpusLines(b)
	var size int64
	for _, l := range lines {
		size += int64(len(l)) + 1
	}
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	bl := newBaseline()
	buf := make([]byte, 0, 1<<16)

	b.Run("scanner", func(b *testing.B) {
		loopCPU(b, size, func() {
			for _, l := range lines {
				buf = s.AppendRedacted(buf[:0], l)
			}
		})
	})
	b.Run("regexp", func(b *testing.B) {
		loopCPU(b, size, func() {
			for _, l := range lines {
				buf = bl.appendRedacted(buf[:0], l)
			}
		})
	})
}

// BenchmarkClean measures corpus lines with nothing to redact: the client
// address, the only identifier in them, is cut off.
func BenchmarkClean(b *testing.B) {
	lines := corpusLines(b)
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	var clean [][]byte
	var size int64
	for _, l := range lines {
		if i := bytes.IndexByte(l, ' '); i > 0 {
			l = l[i:]
		}
		if !s.Contains(l) {
			clean = append(clean, l)
			size += int64(len(l)) + 1
		}
	}
	buf := make([]byte, 0, 1<<16)
	b.Run("append", func(b *testing.B) {
		loopCPU(b, size, func() {
			for _, l := range clean {
				buf = s.AppendRedacted(buf[:0], l)
			}
		})
	})
	b.Run("contains", func(b *testing.B) {
		loopCPU(b, size, func() {
			for _, l := range clean {
				if s.Contains(l) {
					b.Fatal("clean line contains an identifier")
				}
			}
		})
	})
}
