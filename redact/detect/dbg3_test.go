package detect

import (
	"fmt"
	"os"
	"testing"
	"time"
)

func bestPass(lines [][]byte, size int, passes int, f func([]byte)) float64 {
	best := time.Duration(1 << 62)
	for range passes {
		t := time.Now()
		for _, l := range lines {
			f(l)
		}
		if d := time.Since(t); d < best {
			best = d
		}
	}
	return float64(size) / best.Seconds() / 1e6
}

func TestDbgBest(t *testing.T) {
	if os.Getenv("BEST") == "" {
		t.Skip()
	}
	lines := corpusLines(t)
	size := 0
	for _, l := range lines {
		size += len(l) + 1
	}
	s, _ := New(Options{})
	buf := make([]byte, 0, 1<<16)
	n := 0
	for r := 0; r < 3; r++ {
		a := bestPass(lines, size, 200, func(l []byte) { n += countStops(&s.cls, l) })
		b := bestPass(lines, size, 200, func(l []byte) { buf = s.AppendRedacted(buf[:0], l) })
		fmt.Printf("stops %.0f MB/s   scanner %.0f MB/s\n", a, b)
	}
}
