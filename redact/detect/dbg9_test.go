package detect

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

func TestDbgBaselineAgree(t *testing.T) {
	if os.Getenv("BEST") == "" {
		t.Skip()
	}
	lines := corpusLines(t)
	s, _ := New(Options{})
	bl := newBaseline()
	var tmp [2][]byte
	diff, diff2 := 0, 0
	for _, l := range lines {
		a := s.AppendRedacted(nil, l)
		b := bl.appendRedacted(nil, l)
		c := bl.appendRedactedEach(nil, l, &tmp)
		if !bytes.Equal(a, b) {
			if diff < 5 {
				fmt.Printf("scanner: %s\nregexp:  %s\n\n", a, b)
			}
			diff++
		}
		if !bytes.Equal(a, c) {
			diff2++
		}
	}
	fmt.Println("differ:", diff, diff2, "of", len(lines))
}
