package redact

import (
	"bytes"
	"fmt"
	"testing"
)

func TestCleanSet(t *testing.T) {
	var c cleanSet
	calls := 0
	upper := func(dst, src []byte) []byte { calls++; return append(dst, bytes.ToUpper(src)...) }

	// Clean input: computed twice, then remembered.
	for i := range 4 {
		if got := string(c.append(nil, []byte("ABC"), upper)); got != "ABC" {
			t.Fatalf("round %d: got %q", i, got)
		}
	}
	if calls != 2 {
		t.Errorf("clean input computed %d times, want 2", calls)
	}
	// Changed input: never remembered, so never returned unchanged.
	calls = 0
	for range 3 {
		if got := string(c.append(nil, []byte("abc"), upper)); got != "ABC" {
			t.Fatalf("got %q", got)
		}
	}
	if calls != 3 {
		t.Errorf("changed input computed %d times, want 3", calls)
	}
	// Values seen once cost no allocation.
	inputs := make([][]byte, 200)
	for i := range inputs {
		inputs[i] = fmt.Appendf(nil, "MESSAGE %d", i)
	}
	same := func(dst, src []byte) []byte { return append(dst, src...) }
	dst := make([]byte, 0, 64)
	i := 0
	if n := testing.AllocsPerRun(100, func() {
		dst = c.append(dst[:0], inputs[i], same)
		i++
	}); n != 0 {
		t.Errorf("%v allocations per value seen once", n)
	}
}
