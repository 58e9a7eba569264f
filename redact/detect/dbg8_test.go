package detect

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestDbgRegexpParts(t *testing.T) {
	if os.Getenv("BEST") == "" {
		t.Skip()
	}
	lines := corpusLines(t)[:1000]
	size := 0
	for _, l := range lines {
		size += len(l) + 1
	}
	_ = strings.Split
	for _, p := range baselinePatterns {
		re := regexp.MustCompile(p)
		st := time.Now()
		for _, l := range lines {
			re.FindAllSubmatchIndex(l, -1)
		}
		d := time.Since(st)
		fmt.Printf("%-14s %8.1f MB/s\n", re.SubexpNames()[1], float64(size)/d.Seconds()/1e6)
	}
}
