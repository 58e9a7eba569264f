package detect

import (
	"fmt"
	"os"
	"testing"
)

func TestDbgSame(t *testing.T) {
	if os.Getenv("BEST") == "" {
		t.Skip()
	}
	lines := corpusLines(t)
	same := make([][]byte, len(lines))
	for i := range same {
		same[i] = lines[0]
	}
	size := 0
	for _, l := range lines {
		size += len(l) + 1
	}
	size2 := (len(lines[0]) + 1) * len(lines)
	s, _ := New(Options{})
	buf := make([]byte, 0, 1<<16)
	for range 2 {
		a := bestPass(lines, size, 100, func(l []byte) { buf = s.AppendRedacted(buf[:0], l) })
		b := bestPass(same, size2, 100, func(l []byte) { buf = s.AppendRedacted(buf[:0], l) })
		fmt.Printf("corpus %.0f MB/s  same-line %.0f MB/s\n", a, b)
	}
}
