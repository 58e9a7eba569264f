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

// The build machines are shared, so wall-clock MB/s says as much about the
// neighbours as about the code. The corpus benchmarks also report two
// figures that say more about the code: cpu-MB/s, per second of CPU time
// of the benchmark's own thread (what "per core" means), and best-MB/s,
// for the fastest single pass over the corpus (the one least disturbed).

// threadCPU returns the CPU time the calling thread has used.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD, Linux only
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopCPU runs body, one pass over size bytes, b.N times via b.Loop and
// reports cpu-MB/s and best-MB/s beside the usual figures.
func loopCPU(b *testing.B, size int64, body func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.SetBytes(size)
	var cpu time.Duration
	best := time.Duration(1<<63 - 1)
	n := 0
	for b.Loop() {
		t, w := threadCPU(), time.Now()
		body()
		best = min(best, time.Since(w))
		cpu += threadCPU() - t
		n++
	}
	if cpu > 0 {
		b.ReportMetric(float64(size)*float64(n)/cpu.Seconds()/1e6, "cpu-MB/s")
	}
	b.ReportMetric(float64(size)/best.Seconds()/1e6, "best-MB/s")
}

// baseline is the same detection written the obvious way: Go regexps find
// candidates, and the Scanner's own checks (checksums, letter rules,
// address syntax and context) validate them. It is what the Scanner is
// measured against. The patterns are written for Go's regexp engine
// (candidate shapes, no nested alternations; an exact IPv6 grammar in one
// regexp runs at under 1 MB/s), so the comparison is with a competent
// regexp version, not a naive one.
type baseline struct {
	re    *regexp.Regexp   // all the detectors in one alternation
	res   []*regexp.Regexp // one per detector
	names []string
}

var baselinePatterns = []string{
	`(?P<ipv4>\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b)`,
	`(?P<ipv6>[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.[0-9]{1,3}){0,3})`,
	`(?P<email>[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})`,
	`(?P<phone>\+[1-9][0-9 ().-]{6,22}[0-9]|\(?\b0[0-9 ()-]{8,14}[0-9]\b)`,
	`(?P<nino>\b[A-Za-z]{2}[ +-]?[0-9]{2}[ +-]?[0-9]{2}[ +-]?[0-9]{2}[ +-]?[A-Da-d]\b)`,
	`(?P<card>\b[2-6][0-9 -]{11,22}[0-9]\b)`,
	`(?P<nhs>\b(?:[0-9]{3} [0-9]{3} [0-9]{4}|[0-9]{3}-[0-9]{3}-[0-9]{4}|[3-9][0-9]{9})\b)`,
	`(?P<iban>\b[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 +-]{11,40}\b)`,
	`(?P<postcode>\b[A-Za-z]{1,2}[0-9][A-Za-z0-9]?[ +]?[0-9][A-Za-z]{2}\b)`,
	`(?P<jwt>eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)`,
	`(?P<credential>(?i:bearer|basic)[ \t]+[A-Za-z0-9._~+/-]+=*|(?i:authorization)"?:[ \t]*[^\r\n]+)`,
	`(?P<ga_client_id>\bG[AS][0-9]+\.[0-9]+\.[A-Za-z0-9.$_-]+|\b_g(?:a|id|l|a_[A-Za-z0-9]+)=[^;&\s",]+)`,
	`(?P<vat>\b[Gg][Bb](?:[ +-]?[0-9]{3}[ +-]?[0-9]{4}[ +-]?[0-9]{2}(?:[ +-]?[0-9]{3})?|[GgHh][DdAa][0-9]{3})\b)`,
}

func newBaseline() *baseline {
	bl := &baseline{re: regexp.MustCompile(strings.Join(baselinePatterns, "|"))}
	bl.names = bl.re.SubexpNames()
	for _, p := range baselinePatterns {
		bl.res = append(bl.res, regexp.MustCompile(p))
	}
	return bl
}

// appendRedacted replaces every validated match of the one regexp with its
// tag.
func (bl *baseline) appendRedacted(dst, src []byte) []byte {
	last := 0
	for _, loc := range bl.re.FindAllSubmatchIndex(src, -1) {
		for g := 1; g < len(bl.names); g++ {
			st, en := loc[2*g], loc[2*g+1]
			if st < 0 {
				continue
			}
			if bl.valid(bl.names[g], src, st, en) {
				dst = append(dst, src[last:st]...)
				dst = append(dst, '[')
				dst = append(dst, bl.names[g]...)
				dst = append(dst, ']')
				last = en
			}
			break
		}
	}
	return append(dst, src[last:]...)
}

// appendRedactedEach runs the regexps one after the other, each on the
// output of the one before.
func (bl *baseline) appendRedactedEach(dst, src []byte, tmp *[2][]byte) []byte {
	cur := src
	for k, re := range bl.res {
		name := bl.names[k+1]
		out := tmp[k%2][:0]
		last := 0
		for _, loc := range re.FindAllIndex(cur, -1) {
			if !bl.valid(name, cur, loc[0], loc[1]) {
				continue
			}
			out = append(out, cur[last:loc[0]]...)
			out = append(out, '[')
			out = append(out, name...)
			out = append(out, ']')
			last = loc[1]
		}
		out = append(out, cur[last:]...)
		tmp[k%2] = out
		cur = out
	}
	return append(dst, cur...)
}

func (bl *baseline) valid(name string, src []byte, st, en int) bool {
	b := src[st:en]
	switch name {
	case "ipv4":
		_, ok := parseIPv4(b)
		return ok && ipv4Context(src, st) && !fileVersion(src, st, en)
	case "ipv6":
		_, ok := parseIPv6(b)
		return ok && len(b) > 2
	case "phone":
		d := 0
		for _, c := range b {
			if isDigit(c) {
				d++
			}
		}
		return d >= 10 && d <= 15
	case "email":
		at := bytes.IndexByte(b, '@')
		w := 1
		if k := bytes.Index(b, []byte("%40")); k >= 0 && (at < 0 || k < at) {
			at, w = k, 3
		}
		return !imageName(b[at+w:])
	case "card", "nhs":
		if zeroPadded(b, 0, len(b)) || (len(b) == 12 || len(b) == 14) && isDateTime(b) || isbnBefore(src, st) {
			return false
		}
		if name == "card" {
			return luhn(b)
		}
		return nhsCheck(b)
	case "nino":
		return nino(src, st) == en
	case "iban":
		return iban(src, st) > 0
	case "postcode":
		return postcode(src, st, skipWord(src, st)) == en
	case "vat":
		k := st + 2
		if c := src[k]; c == ' ' || c == '+' || c == '-' {
			k++
		}
		return vatNumber(src, k) == en
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
	b.Run("regexp-each", func(b *testing.B) {
		var tmp [2][]byte
		loopCPU(b, size, func() {
			for _, l := range lines {
				buf = bl.appendRedactedEach(buf[:0], l, &tmp)
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

// BenchmarkText measures prose with an identifier every few words, the
// worst case for the replacing side.
func BenchmarkText(b *testing.B) {
	text := []byte(`Hi, I'm Jane (jane.doe@example.com, +44 7700 900123). My NHS number is 943 476 5919 and ` +
		`my NI number AB 12 34 56 C; I live at SW1A 1AA. I paid with 4111 1111 1111 1111 from ` +
		`GB82 WEST 1234 5698 7654 32 on 17/05/2015 at 10:05 from 203.0.113.7 and 2001:db8::1. ` +
		`The app sent Authorization: Bearer abc.def-123 and _ga=GA1.2.123456789.1700000000. ` +
		`Nothing else here but ordinary words, version 2.11.9 and a size of 1.5 MB.`)
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		buf = s.AppendRedacted(buf[:0], text)
	}
}

// TestBaselineAgrees keeps the regexp baseline honest: on the corpus it
// must redact exactly what the Scanner does (one line in 25, to keep the
// test fast).
func TestBaselineAgrees(t *testing.T) {
	lines := corpusLines(t)
	s := mustNew(t, Options{})
	bl := newBaseline()
	var tmp [2][]byte
	step := 25
	if raceEnabled {
		step = 250
	}
	for n := 0; n < len(lines); n += step {
		want := s.AppendRedacted(nil, lines[n])
		if got := bl.appendRedacted(nil, lines[n]); !bytes.Equal(got, want) {
			t.Errorf("line %d:\nregexp  %s\nscanner %s", n+1, got, want)
		}
		if got := bl.appendRedactedEach(nil, lines[n], &tmp); !bytes.Equal(got, want) {
			t.Errorf("line %d:\nregexps %s\nscanner %s", n+1, got, want)
		}
	}
}
