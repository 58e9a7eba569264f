package embeds

import (
	"bytes"
	"io"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// The benchmarks stream a realistic ~1 MB page (product cards, a few
// YouTube and Maps frames and X widgets) through in 32 KiB writes, as a
// response body arrives, into io.Discard. BenchmarkCopy is the floor.

var benchPage = page(1<<20, true)

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
	b.SetBytes(int64(len(benchPage)))
	b.ReportAllocs()
	for b.Loop() {
		w := r.Wrap(io.Discard, consent.Only)
		writeAll(b, w, benchPage)
		w.Close()
	}
}

// BenchmarkPassThrough: the same page through a wrapped writer when
// nothing it holds is blocked (here: marketing granted, the providers'
// category), so every byte is scanned and written through.
func BenchmarkPassThrough(b *testing.B) {
	r := mustNew(b, Config{})
	b.SetBytes(int64(len(benchPage)))
	b.ReportAllocs()
	for b.Loop() {
		w := r.Wrap(io.Discard, consent.All)
		writeAll(b, w, benchPage)
		w.Close()
	}
}

// BenchmarkCopy is io.Copy of the same page in the same writes.
func BenchmarkCopy(b *testing.B) {
	b.SetBytes(int64(len(benchPage)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := io.CopyBuffer(io.Discard, bytes.NewReader(benchPage), make([]byte, 32<<10)); err != nil {
			b.Fatal(err)
		}
	}
}
