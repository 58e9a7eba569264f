package embeds

import (
	"bytes"
	"io"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// The benchmarks stream a realistic ~1 MB page (product cards, a few
// YouTube and Maps frames and X widgets) through in 32 KiB writes, as a
// response body arrives, into a sink that copies what it is given (as a
// response writer's buffer would). BenchmarkCopy is the floor: io.Copy
// of the same page into the same sink.

var benchPage = page(1<<20, true)

// copySink copies every write into a buffer of its own.
type copySink struct{ buf [32 << 10]byte }

func (s *copySink) Write(p []byte) (int, error) {
	for n := 0; n < len(p); n += len(s.buf) {
		copy(s.buf[:], p[n:])
	}
	return len(p), nil
}

func writeAll(b *testing.B, w io.Writer, p []byte) {
	for len(p) > 0 {
		n := min(32<<10, len(p))
		if _, err := w.Write(p[:n]); err != nil {
			b.Fatal(err)
		}
		p = p[n:]
	}
}

// BenchmarkRewrite: nothing granted; YouTube goes to nocookie, Maps
// becomes placeholders, X's script is removed.
func BenchmarkRewrite(b *testing.B) {
	r := mustNew(b, Config{})
	var sink copySink
	b.SetBytes(int64(len(benchPage)))
	b.ReportAllocs()
	for b.Loop() {
		w := r.Wrap(&sink, consent.Only)
		writeAll(b, w, benchPage)
		w.Close()
	}
}

// BenchmarkPassThrough: the same page through a wrapped writer when
// nothing it holds is blocked (here: marketing granted, the providers'
// category), so every byte is scanned and written through.
func BenchmarkPassThrough(b *testing.B) {
	r := mustNew(b, Config{})
	var sink copySink
	b.SetBytes(int64(len(benchPage)))
	b.ReportAllocs()
	for b.Loop() {
		w := r.Wrap(&sink, consent.All)
		writeAll(b, w, benchPage)
		w.Close()
	}
}

// BenchmarkCopy is io.Copy of the same page into the same sink, in the
// same 32 KiB writes.
func BenchmarkCopy(b *testing.B) {
	var sink copySink
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(benchPage)))
	b.ReportAllocs()
	for b.Loop() {
		// A plain reader: bytes.Reader's WriteTo would make it one write.
		if _, err := io.CopyBuffer(&sink, struct{ io.Reader }{bytes.NewReader(benchPage)}, buf); err != nil {
			b.Fatal(err)
		}
	}
}
