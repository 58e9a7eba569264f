package names

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

func FuzzAppendRedacted(f *testing.F) {
	for _, s := range []string{
		"Morwenna Tregothnan", "flights for john smith", "Dear Siobhán Ní Bhriain",
		"Dr Tregothnan", "Mr. John F. Kennedy", "Rose Gold Watch", "will smith",
		"Seán O'Brien's car", "Mary-Jane Watson", "Abbey van der Berg", "[name] smith",
		"King's Cross St Pancras", "emily-dress-size-12", "john.smith@example.com",
		"Ludwig van Beethoven", "\xff\xfeemily", "SIOBHÁN NÍ BHRIAIN", "Dear Amity Green,",
		"AmitY AA Amir", "lily tregothnan john smith", "emily Park Tregothnan",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, redact := range []func(dst, src []byte) []byte{AppendRedacted, AppendRedactedTerm} {
			out := redact(nil, in)
			if utf8.Valid(in) && !utf8.Valid(out) {
				t.Fatalf("valid UTF-8 %q became invalid %q", in, out)
			}
			if again := redact(nil, out); !bytes.Equal(again, out) {
				t.Fatalf("not idempotent: %q -> %q -> %q", in, out, again)
			}
			if prefix := []byte("keep:"); !bytes.HasPrefix(redact(prefix, in), prefix) {
				t.Fatal("dst was not kept")
			}
		}
		for _, find := range []func([]byte) (int, int, bool){Find, FindTerm} {
			if s, e, ok := find(in); ok && (s < 0 || e <= s || e > len(in)) {
				t.Fatalf("span %d:%d out of %d bytes", s, e, len(in))
			}
		}
	})
}
