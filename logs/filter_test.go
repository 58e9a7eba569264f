package logs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/caddy-privacy/caddy-privacy/internal/corpustest"
)

// serial sanitizes in line by line, the reference Filter must match.
func serial(s *Sanitizer, in []byte) []byte {
	var out []byte
	for len(in) > 0 {
		line := in
		i := bytes.IndexByte(in, '\n')
		if i >= 0 {
			line, in = in[:i], in[i+1:]
		} else {
			in = nil
		}
		out = s.AppendLine(out, line)
		if i >= 0 {
			out = append(out, '\n')
		}
	}
	return out
}

func filter(t *testing.T, in string, f Format, opts FilterOptions) (string, Stats) {
	t.Helper()
	var out bytes.Buffer
	st, err := Filter(context.Background(), &out, strings.NewReader(in), NewSanitizer(fakeEngine{}, f), opts)
	if err != nil {
		t.Fatalf("Filter: %v", err)
	}
	return out.String(), st
}

func TestFilter(t *testing.T) {
	tests := []struct {
		name      string
		in, want  string
		lines     int64
		format    Format
		fallback  int64
		longLines int64
	}{
		{name: "empty", in: "", want: "", format: FormatText},
		{name: "one newline", in: "\n", want: "\n", lines: 1, format: FormatText},
		{name: "blank lines", in: "\n\n\n", want: "\n\n\n", lines: 3, format: FormatText},
		{name: "no trailing newline", in: "a@b.example\n10.0.0.1", want: "[email]\n[ipv4]", lines: 2, format: FormatText},
		{name: "crlf kept", in: "a@b.example\r\nz\r\n", want: "[email]\r\nz\r\n", lines: 2, format: FormatText},
		{name: "nul and invalid utf8", in: "\x00\xff 10.0.0.1\n\xc3\n", want: "\x00\xff [ipv4]\n\xc3\n", lines: 2, format: FormatText},
		{
			name: "auto json", in: `{"remote_ip":"10.0.0.1"}` + "\n" + `{"remote_ip":"10.0.0.1"` + "\n",
			want: `{"remote_ip":"GB"}` + "\n" + `{"remote_ip":"GB"` + "\n", lines: 2, format: FormatCaddyJSON, fallback: 1,
		},
		{
			name: "auto combined", in: corpusLine + "\nnot a log line 10.0.0.1\n" + corpusLine + "\n",
			want: strings.Repeat("x", 0), lines: 3, format: FormatCombined, fallback: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, workers := range []int{1, 3} {
				got, st := filter(t, tt.in, FormatAuto, FilterOptions{Workers: workers})
				want := tt.want
				if want == "" && tt.in != "" {
					want = string(serial(NewSanitizer(fakeEngine{}, tt.format), []byte(tt.in)))
				}
				if got != want {
					t.Errorf("workers=%d: got %q, want %q", workers, got, want)
				}
				if st.Lines != tt.lines || st.Format != tt.format || st.Fallback != tt.fallback || st.LongLines != tt.longLines {
					t.Errorf("workers=%d: stats %+v, want lines %d format %v fallback %d long %d", workers, st, tt.lines, tt.format, tt.fallback, tt.longLines)
				}
				if st.BytesIn != int64(len(tt.in)) || st.BytesOut != int64(len(got)) {
					t.Errorf("workers=%d: bytes in/out %d/%d, want %d/%d", workers, st.BytesIn, st.BytesOut, len(tt.in), len(got))
				}
			}
		})
	}
}

func TestFilterLongLines(t *testing.T) {
	long := strings.Repeat("x", 150)
	huge := strings.Repeat("y", 1000) + " a@b.example"
	in := "short a@b.example\n" + long + "\n" + "z\n" + huge + "\r\n" + strings.Repeat("w", 100) + "\n" + huge
	want := "short [email]\n" + LongLineTag + "\n" + "z\n" + LongLineTag + "\r\n" + strings.Repeat("w", 100) + "\n" + LongLineTag
	for _, bs := range []int{16, 64, 101, 4096} {
		for _, workers := range []int{1, 4} {
			got, st := filter(t, in, FormatText, FilterOptions{Workers: workers, BlockSize: bs, MaxLineSize: 100})
			if got != want {
				t.Errorf("block %d, workers %d:\n got %q\nwant %q", bs, workers, got, want)
			}
			if st.Lines != 6 || st.LongLines != 3 || st.BytesIn != int64(len(in)) {
				t.Errorf("block %d, workers %d: stats %+v", bs, workers, st)
			}
		}
	}
}

// TestFilterMegabyteLine checks lines longer than the block are read whole.
func TestFilterMegabyteLine(t *testing.T) {
	line := strings.Repeat("abcdefgh ", 1<<20/9) + "x@y.example"
	in := "a\n" + line + "\n" + line
	got, st := filter(t, in, FormatText, FilterOptions{BlockSize: 4096})
	wantLine := strings.TrimSuffix(line, "x@y.example") + "[email]"
	if got != "a\n"+wantLine+"\n"+wantLine {
		t.Errorf("1 MB lines: got %d bytes, want %d", len(got), 2+2*len(wantLine)+1)
	}
	if st.Lines != 3 || st.LongLines != 0 {
		t.Errorf("stats %+v", st)
	}
}

// junk makes n random lines of random bytes, some of them log lines.
func junk(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	var b []byte
	for i := range n {
		switch r.IntN(4) {
		case 0:
			b = fmt.Appendf(b, "10.0.%d.%d - u%d [17/May/2015:10:05:03 +0000] \"GET /p?id=%d HTTP/1.1\" 200 %d \"-\" \"Chrome/1\"", i%256, r.IntN(256), i, i, r.IntN(1000))
		case 1:
			b = fmt.Appendf(b, `{"msg":"line %d from u%d@example.com","request":{"remote_ip":"10.1.%d.%d"}}`, i, i, i%256, r.IntN(256))
		default:
			for range r.IntN(200) {
				b = append(b, byte(r.IntN(256)))
			}
		}
		b = append(b, '\n')
	}
	return b
}

// TestFilterOrder runs many small blocks through many workers and checks
// the result equals a serial run.
func TestFilterOrder(t *testing.T) {
	in := junk(1, 6000)
	for _, f := range []Format{FormatText, FormatCombined, FormatCaddyJSON} {
		s := NewSanitizer(fakeEngine{}, f)
		want := serial(s, in)
		for _, workers := range []int{1, 2, 8} {
			var out bytes.Buffer
			st, err := Filter(context.Background(), &out, bytes.NewReader(in), s, FilterOptions{Workers: workers, BlockSize: 512})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("%v, %d workers: output differs from a serial run", f, workers)
			}
			if n := bytes.Count(in, []byte("\n")); st.Lines != int64(n) || bytes.Count(out.Bytes(), []byte("\n")) != n {
				t.Errorf("%v, %d workers: %d lines in, %d counted, %d out", f, workers, n, st.Lines, bytes.Count(out.Bytes(), []byte("\n")))
			}
		}
	}
}

// TestFilterReaders feeds input in awkward pieces.
func TestFilterReaders(t *testing.T) {
	in := junk(2, 500)
	in = append(in, "last line 10.0.0.1"...)
	s := NewSanitizer(fakeEngine{}, FormatText)
	want := serial(s, in)
	for name, r := range map[string]func() io.Reader{
		"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(in)) },
		"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(in)) },
		"data+EOF": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(in)) },
	} {
		var out bytes.Buffer
		if _, err := Filter(context.Background(), &out, r(), s, FilterOptions{Workers: 3, BlockSize: 256}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%s: output differs from a serial run", name)
		}
	}
}

// failWriter accepts n bytes, then fails like a full disk.
type failWriter struct {
	n   int
	buf bytes.Buffer
}

var errDiskFull = errors.New("no space left on device")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		w.buf.Write(p[:w.n])
		k := w.n
		w.n = 0
		return k, errDiskFull
	}
	w.n -= len(p)
	return w.buf.Write(p)
}

func TestFilterWriteError(t *testing.T) {
	in := junk(3, 5000)
	for _, workers := range []int{1, 4} {
		w := &failWriter{n: 10000}
		st, err := Filter(context.Background(), w, bytes.NewReader(in), NewSanitizer(fakeEngine{}, FormatText), FilterOptions{Workers: workers, BlockSize: 1024})
		if !errors.Is(err, errDiskFull) {
			t.Errorf("workers=%d: err = %v, want the writer's", workers, err)
		}
		if st.BytesOut != 10000 {
			t.Errorf("workers=%d: BytesOut = %d, want 10000", workers, st.BytesOut)
		}
	}
}

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

func TestFilterShortWrite(t *testing.T) {
	_, err := Filter(context.Background(), shortWriter{}, strings.NewReader("a\nb\n"), NewSanitizer(fakeEngine{}, FormatText), FilterOptions{})
	if !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("err = %v, want io.ErrShortWrite", err)
	}
}

func TestFilterReadError(t *testing.T) {
	errRead := errors.New("input/output error")
	r := io.MultiReader(strings.NewReader("a@b.example\nc\npartial"), iotest.ErrReader(errRead))
	var out bytes.Buffer
	st, err := Filter(context.Background(), &out, r, NewSanitizer(fakeEngine{}, FormatText), FilterOptions{Workers: 2})
	if !errors.Is(err, errRead) {
		t.Fatalf("err = %v, want the reader's", err)
	}
	if out.String() != "[email]\nc\n" || st.Lines != 2 {
		t.Errorf("got %q, %d lines; want the complete lines before the error", out.String(), st.Lines)
	}
}

func TestFilterCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Filter(ctx, io.Discard, bytes.NewReader(junk(4, 1000)), NewSanitizer(fakeEngine{}, FormatText), FilterOptions{BlockSize: 512})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestFilterProgress(t *testing.T) {
	in := junk(5, 2000)
	var calls []int64
	_, err := Filter(context.Background(), io.Discard, bytes.NewReader(in), NewSanitizer(fakeEngine{}, FormatText),
		FilterOptions{Workers: 3, BlockSize: 2048, Progress: func(n int64) { calls = append(calls, n) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) < 2 || calls[len(calls)-1] != int64(len(in)) {
		t.Fatalf("progress calls %v, want several ending at %d", calls, len(in))
	}
	for i := 1; i < len(calls); i++ {
		if calls[i] <= calls[i-1] {
			t.Fatalf("progress went from %d to %d", calls[i-1], calls[i])
		}
	}
}

// corpus returns the shared Apache log, skipping the test without it.
func corpus(tb testing.TB) []byte {
	tb.Helper()
	return corpustest.Read(tb, corpustest.ApacheLogs)
}

func TestFilterCorpus(t *testing.T) {
	in := corpus(t)
	var out bytes.Buffer
	st, err := Filter(context.Background(), &out, bytes.NewReader(in), NewSanitizer(fakeEngine{}, FormatAuto), FilterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nIn, nOut := bytes.Count(in, []byte("\n")), bytes.Count(out.Bytes(), []byte("\n"))
	if st.Format != FormatCombined || st.Lines != int64(nIn) || nOut != nIn || nIn != 10000 {
		t.Errorf("format %v, %d lines in, %d counted, %d out", st.Format, nIn, st.Lines, nOut)
	}
	hosts := map[string]bool{}
	for _, line := range strings.Split(string(in), "\n") {
		if h, _, ok := strings.Cut(line, " "); ok {
			hosts[h] = true
		}
	}
	if len(hosts) < 1000 {
		t.Fatalf("only %d distinct hosts in the corpus", len(hosts))
	}
	for _, m := range regexp.MustCompile(`\d+\.\d+\.\d+\.\d+|[0-9a-f:]+:[0-9a-f:]+`).FindAll(out.Bytes(), -1) {
		if hosts[string(m)] {
			t.Fatalf("client address survived: %s", m)
		}
	}
	// What is not personal stays.
	for _, keep := range []string{`"GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023`, "[17/May/2015:10:05:03 +0000]", `"Chrome"`} {
		if !bytes.Contains(out.Bytes(), []byte(keep)) {
			t.Errorf("output lost %q", keep)
		}
	}
	if st.Fallback > 10 {
		t.Errorf("%d corpus lines did not parse as combined", st.Fallback)
	}
}

// TestIsApacheDate checks the written-out Apache date test against the
// pattern it stands for, on every one-byte change of a valid date.
func TestIsApacheDate(t *testing.T) {
	const pattern = "dd/aaa/dddd:dd:dd:dd sdddd"
	valid := []byte("10/Oct/2000:13:55:36 -0700")
	check := func(b []byte) {
		if got, want := isApacheDate(b), shape(b, pattern); got != want {
			t.Fatalf("isApacheDate(%q) = %v, shape says %v", b, got, want)
		}
	}
	check(valid)
	check(valid[:25])
	check(append(append([]byte(nil), valid...), '0'))
	for i := range valid {
		for c := 0; c < 256; c++ {
			b := append([]byte(nil), valid...)
			b[i] = byte(c)
			check(b)
		}
	}
}
