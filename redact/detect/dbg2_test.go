package detect

import "testing"

func countStops(cls *[256]uint8, src []byte) int {
	n := 0
	i := 0
	for {
		for ; i+8 <= len(src); i += 8 {
			b := src[i : i+8 : i+8]
			if cls[b[0]]|cls[b[1]]|cls[b[2]]|cls[b[3]]|cls[b[4]]|cls[b[5]]|cls[b[6]]|cls[b[7]] != cSkip {
				break
			}
		}
		for i < len(src) && cls[src[i]] == cSkip {
			i++
		}
		if i >= len(src) {
			return n
		}
		n++
		i = skipWord(src, i+1)
	}
}

func BenchmarkDbgFloor(b *testing.B) {
	lines := corpusLines(b)
	var size int64
	for _, l := range lines {
		size += int64(len(l)) + 1
	}
	s, _ := New(Options{})
	buf := make([]byte, 0, 1<<16)
	b.Run("stops", func(b *testing.B) {
		n := 0
		loopCPU(b, size, func() {
			for _, l := range lines {
				n += countStops(&s.cls, l)
			}
		})
		b.ReportMetric(float64(n)/float64(b.N)/float64(len(lines)), "stops/line")
	})
	b.Run("copy", func(b *testing.B) {
		loopCPU(b, size, func() {
			for _, l := range lines {
				buf = append(buf[:0], l...)
			}
		})
	})
	b.Run("scanner", func(b *testing.B) {
		loopCPU(b, size, func() {
			for _, l := range lines {
				buf = s.AppendRedacted(buf[:0], l)
			}
		})
	})
}
