package detect

import (
	"bytes"
	"os"
	"sync"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/internal/corpustest"
)

// corpusLines returns the lines of the shared Apache combined log, found
// beside the module root as ../shared/corpus/apache_logs, or skips tb.
func corpusLines(tb testing.TB) [][]byte {
	tb.Helper()
	corpusOnce.Do(loadCorpus)
	if corpus == nil {
		tb.Skip("corpus ../shared/corpus/apache_logs (beside the module root) is absent; it is not part of a user's checkout")
	}
	return corpus
}

var (
	corpusOnce sync.Once
	corpus     [][]byte
)

func loadCorpus() {
	path, ok := corpustest.Find(corpustest.ApacheLogs)
	if !ok {
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	for line := range bytes.Lines(b) {
		corpus = append(corpus, bytes.TrimRight(line, "\r\n"))
	}
}
