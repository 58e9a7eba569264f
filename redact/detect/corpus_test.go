package detect

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
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
	dir, err := os.Getwd()
	if err != nil {
		return
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return
		}
		dir = parent
	}
	b, err := os.ReadFile(filepath.Join(dir, "..", "shared", "corpus", "apache_logs"))
	if err != nil {
		return
	}
	for line := range bytes.Lines(b) {
		corpus = append(corpus, bytes.TrimRight(line, "\r\n"))
	}
}
