package scrub

import (
	"sort"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/internal/corpustest"
)

// corpusTargets returns the request targets of the shared Apache log, in
// order, duplicates included.
func corpusTargets(tb testing.TB) [][]byte {
	var out [][]byte
	for _, u := range corpustest.URLs(tb, false) {
		out = append(out, []byte(u))
	}
	return out
}

// BenchmarkURLAppendCorpus scrubs every request target of the shared
// Apache log once per iteration; ns/op is per target.
func BenchmarkURLAppendCorpus(b *testing.B) {
	targets := corpusTargets(b)
	u := mustURL(b, config.URLPolicy{})
	var size int64
	for _, t := range targets {
		size += int64(len(t))
	}
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.SetBytes(size / int64(len(targets)))
	i := 0
	for b.Loop() {
		dst = u.Append(dst[:0], targets[i])
		if i++; i == len(targets) {
			i = 0
		}
	}
}

// TestURLCorpusTags scrubs every request target and referrer of the shared
// Apache log and lists the path segments that became {id} and the
// parameters whose values became [redacted]. Every path segment must be a
// real identifier; every other segment of the corpus stays as it was.
func TestURLCorpusTags(t *testing.T) {
	u := mustURL(t, config.URLPolicy{})
	segs := map[string]int{}   // tagged path segments, by raw segment
	values := map[string]int{} // redacted values, by parameter name
	var urls, tagged, segments int
	for _, s := range corpustest.URLs(t, true) {
		urls++
		out := string(u.Append(nil, []byte(s)))
		inPath, _, _ := strings.Cut(s, "?")
		outPath, outQuery, _ := strings.Cut(out, "?")
		inPath, _, _ = strings.Cut(inPath, "#")
		outPath, _, _ = strings.Cut(outPath, "#")
		a, b := strings.Split(inPath, "/"), strings.Split(outPath, "/")
		if len(a) != len(b) {
			t.Errorf("%q -> %q: the path lost its shape", s, out)
			continue
		}
		segments += len(a)
		for i := range a {
			if a[i] != b[i] {
				if !strings.Contains(b[i], "{id}") {
					t.Errorf("%q -> %q: segment %q became %q", s, out, a[i], b[i])
				}
				segs[a[i]]++
				tagged++
			}
		}
		for _, p := range strings.FieldsFunc(outQuery, func(r rune) bool { return r == '&' || r == ';' }) {
			if name, v, _ := strings.Cut(p, "="); v == "[redacted]" {
				values[name]++
			}
		}
	}
	// The identifiers in the corpus's paths: Stack Exchange question and
	// experts-exchange numbers, t.co short links and Google Fonts file
	// hashes.
	want := map[string]bool{
		"1029027": true, "13041511": true, "14181488": true, "14656615": true,
		"14941534": true, "16122196": true, "17083473": true, "3585871": true,
		"3983946": true, "5194484": true, "5203419": true, "6038427": true,
		"6287926": true, "6391705": true, "7023942": true, "7312527": true,
		"8028503": true, "8979332": true, "K3mfESnO6G": true, "P6vw4TTqWs": true,
		"Q_26206381.html": true,
		"PRmiXeptR36kaC0GEAetxp_TkvowlIOtbR7ePgFOpF4.ttf": true,
		"cJZKeOuBrn4kERxqtaUH3aCWcynf_cDxXwCLxiixG1c.ttf": true,
		"k3k702ZOKiLJc3WVjuplzInF5uFdDttMLvmWuJdhhgs.ttf": true,
		"xjAJXh38I15wypJXxuGMBp0EAVxt0G0biEntp43Qt6E.ttf": true,
	}
	for _, s := range sortedKeys(segs) {
		t.Logf("path identifier %q (%d times)", s, segs[s])
		if !want[s] {
			t.Errorf("segment %q became {id}; it is not an identifier", s)
		}
	}
	for _, name := range sortedKeys(values) {
		t.Logf("redacted values of %q: %d", name, values[name])
	}
	t.Logf("%d URLs, %d path segments, %d tagged (%d distinct)", urls, segments, tagged, len(segs))
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
