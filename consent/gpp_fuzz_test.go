package consent

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
)

func FuzzGPP(f *testing.F) {
	tc := tcBuilder{purposes: allPurposes()}.core()
	for _, s := range []struct{ gpp, sid string }{
		{gppJoin([]int{2, 7}, tc, usnat(2, informed, 0)), ""},
		{gppJoin([]int{2, 7}, tc, usnat(2, informed, 1)), "7"},
		{gppJoin([]int{6, 7, 8}, "1YNN", usnat(1, informed, -1), "BVoYYZoI.QA"), "6,8"},
		{gppJoin([]int{2}, tc), "-1"},
		{"DBABMA~" + realTCStrings[6].tc, ""},
		{"DBABzw~1YNN~BVQqAAAAAgA.QA", "6_7"},
		{"DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN", "2"},
		{"DBA", ""},
	} {
		f.Add(s.gpp, s.sid)
	}
	// Some of the reference cases, damaged ones included.
	if file, err := os.Open("testdata/gpp.jsonl"); err == nil {
		sc := bufio.NewScanner(file)
		for i := 0; sc.Scan(); i++ {
			var c gppCase
			if i%40 == 0 && json.Unmarshal(sc.Bytes(), &c) == nil {
				f.Add(c.GPP, c.SID)
			}
		}
		file.Close()
	}
	d := mustDecider(f, config.ConsentPolicy{Format: config.ConsentGPP})
	f.Fuzz(func(t *testing.T, gpp, sid string) {
		s, ok := d.DecideGPP(gpp, sid)
		if s&Only == 0 || s&^All != 0 {
			t.Fatalf("DecideGPP(%q, %q) = %#x", gpp, sid, uint8(s))
		}
		if !ok {
			if s != Only {
				t.Fatalf("DecideGPP(%q, %q) = %v unreadable; want only necessary", gpp, sid, s)
			}
			return
		}
		// Whatever is readable has a GPP v1 header and a part per section.
		if !strings.HasPrefix(gpp, "DB") {
			t.Fatalf("%q is readable without a GPP v1 header", gpp)
		}
		// Naming applicable sections can only widen the decision from all
		// sections applying, never narrow it below: the whole string is
		// the strictest reading. And the whole string, read with no
		// __gpp_sid, is never unreadable when it is readable with one.
		all, allOK := d.DecideGPP(gpp, "")
		if !allOK {
			t.Fatalf("%q readable with sid %q but not without", gpp, sid)
		}
		if sid != "-1" && all&^s != 0 {
			t.Fatalf("%q: all sections grant %v, sid %q only %v", gpp, all, sid, s)
		}
		// A section the header does not list makes it unreadable.
		if strings.Count(gpp, "~") == 0 {
			return
		}
		if s2, ok2 := d.DecideGPP(gpp+"~BAAAAAAA", sid); ok2 || s2 != Only {
			t.Fatalf("%q with an extra section = %v, %v", gpp, s2, ok2)
		}
	})
}
