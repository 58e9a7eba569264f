package names

import "testing"

var benchTerms = [][]byte{
	[]byte("flights for morwenna tregothnan"),
	[]byte("red dress size 12"),
	[]byte("Dear Siobhán Ní Bhriain, thank you for your order"),
	[]byte("iphone 15 pro case"),
	[]byte("Newcastle upon Tyne"),
	[]byte("Rose Gold Watch | Free UK Delivery"),
	[]byte("will smith"),
	[]byte("black friday deals"),
}

func BenchmarkAppendRedactedTerm(b *testing.B) {
	load()
	var size int64
	for _, t := range benchTerms {
		size += int64(len(t))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	dst := make([]byte, 0, 256)
	for b.Loop() {
		for _, t := range benchTerms {
			dst = AppendRedactedTerm(dst[:0], t)
		}
	}
}

func BenchmarkFind(b *testing.B) {
	load()
	text := []byte("I wrote to customer services last week about the parcel that never arrived, and nobody answered; please ask Dr Tregothnan to call me")
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Find(text)
	}
}

func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		loadLexicon()
	}
}
