package detect

import (
	"fmt"
	"os"
	"testing"
	"bufio"
)

func TestDbg(t *testing.T) {
	s, _ := New(Options{})
	f, err := os.Open(os.Getenv("DBG")); if err != nil { t.Skip() }; sc := bufio.NewScanner(f)
	for sc.Scan() {
		b := sc.Bytes()
		s.Scan(b, func(m Match) { fmt.Printf("%s:%q ", m.Kind, b[m.Start:m.End]) })
		fmt.Printf("\n   => %s\n", s.AppendRedacted(nil, b))
	}
}

func TestPerfHarness(t *testing.T) {
	if os.Getenv("PERFH") == "" {
		t.Skip()
	}
	lines := corpusLines(t)
	s, _ := New(Options{})
	buf := make([]byte, 0, 1<<16)
	total, calls := 0, 0
	for range 30 {
		for _, l := range lines {
			buf = s.AppendRedacted(buf[:0], l)
			total += len(l)
			calls++
		}
	}
	fmt.Println("bytes", total, "calls", calls)
}
