package detect

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// fields splits a combined log line: ip, rest-before-request, request, status+size, referrer, ua.
func splitCLF(l []byte) (parts [][]byte) {
	// ip
	i := bytes.IndexByte(l, ' ')
	parts = append(parts, l[:i])
	q := bytes.Split(l[i:], []byte("\""))
	for _, p := range q {
		parts = append(parts, p)
	}
	return
}

func TestDbgVary(t *testing.T) {
	if os.Getenv("BEST") == "" {
		t.Skip()
	}
	lines := corpusLines(t)
	base := splitCLF(lines[0])
	s, _ := New(Options{})
	buf := make([]byte, 0, 1<<16)
	for f := 0; f < len(base); f++ {
		var v [][]byte
		size := 0
		for _, l := range lines {
			p := splitCLF(l)
			if len(p) != len(base) {
				continue
			}
			q := make([][]byte, len(base))
			copy(q, base)
			q[f] = p[f]
			var out []byte
			out = append(out, q[0]...)
			out = append(out, bytes.Join(q[1:], []byte("\""))...)
			v = append(v, out)
			size += len(out) + 1
		}
		r := bestPass(v, size, 60, func(l []byte) { buf = s.AppendRedacted(buf[:0], l) })
		fmt.Printf("vary field %d (%q): %.0f MB/s\n", f, base[f], r)
	}
}
