package detect

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
)

// phoneFixture is a line of testdata/phones.jsonl, written by
// internal/reference/gen-phone-cases.mjs with libphonenumber-js: a valid
// number and the forms libphonenumber writes it in.
type phoneFixture struct {
	Region        string `json:"region"`
	Type          string `json:"type"`
	E164          string `json:"e164"`
	International string `json:"international"`
	National      string `json:"national"`
	RFC3966       string `json:"rfc3966"`
}

func loadPhoneFixtures(tb testing.TB) []phoneFixture {
	tb.Helper()
	f, err := os.Open("testdata/phones.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []phoneFixture
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var p phoneFixture
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			tb.Fatalf("testdata/phones.jsonl: %v", err)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// phoneForm is a written form of a fixture number.
type phoneForm struct {
	name     string
	required bool // counted in the recall the test requires
	text     string
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// phoneForms returns the forms of p the detector must find: the
// international ones for every region; the national ones for GB, IE, FR
// and DE numbers written with the trunk 0 (contiguous ones from 9 digits:
// a lone run of 7 or 8 digits is too like an id or a date), and for North
// American ten-digit numbers (not the seven-digit 310-xxxx numbers).
func phoneForms(p phoneFixture) []phoneForm {
	intl := p.International
	f := []phoneForm{
		{"E164", true, p.E164},
		{"INTERNATIONAL", true, intl},
		{"RFC3966", true, p.RFC3966},
		{"INTERNATIONAL-dashed", true, strings.ReplaceAll(intl, " ", "-")},
		{"INTERNATIONAL-dotted", true, strings.ReplaceAll(intl, " ", ".")},
		{"INTERNATIONAL-slashed", true, strings.ReplaceAll(intl, " ", "/")},
		{"IDD-00", true, "00" + intl[1:]},
		{"percent-2B", true, "%2B" + p.E164[1:]},
	}
	switch p.Region {
	case "GB", "IE", "FR", "DE":
		nat := p.National
		if nat[0] != '0' {
			break // 1800 numbers in IE, written without a trunk 0
		}
		d := onlyDigits(nat)
		f = append(f,
			phoneForm{"NATIONAL", true, nat},
			phoneForm{"NATIONAL-dashed", true, strings.ReplaceAll(nat, " ", "-")},
			phoneForm{"NATIONAL-dotted", true, strings.ReplaceAll(nat, " ", ".")},
			phoneForm{"NATIONAL-contiguous", len(d) >= 9, d})
	case "US", "CA":
		d := onlyDigits(p.National)
		if len(d) != 10 {
			break
		}
		f = append(f,
			phoneForm{"NATIONAL", true, p.National},
			phoneForm{"NATIONAL-dashed", true, d[:3] + "-" + d[3:6] + "-" + d[6:]},
			phoneForm{"NATIONAL-dotted", true, d[:3] + "." + d[3:6] + "." + d[6:]},
			phoneForm{"NATIONAL-1-dashed", true, "1-" + d[:3] + "-" + d[3:6] + "-" + d[6:]})
	}
	return f
}

// phoneFound reports whether every digit of the number at src[st:en] is
// inside a match, no match reaches into the words around it, and whether
// they were all phone matches.
func phoneFound(s *Scanner, src []byte, st, en int) (found, asPhone bool) {
	covered := make([]bool, len(src))
	asPhone = true
	outside := false
	s.Scan(src, func(m Match) {
		if m.End <= st || m.Start >= en {
			return
		}
		if m.Start < st || m.End > en {
			outside = true
		}
		if m.Kind != Phone {
			asPhone = false
		}
		for k := m.Start; k < m.End; k++ {
			covered[k] = true
		}
	})
	for k := st; k < en; k++ {
		if isDigit(src[k]) && !covered[k] {
			return false, false
		}
	}
	return !outside, asPhone
}

// TestPhoneRecall requires the detector to find, in a sentence, at least
// 99.5% of the numbers libphonenumber-js makes and validates, in every
// form and context (prose, JSON, a logged request's query): international forms for every region, national forms for GB, IE,
// FR, DE, US and CA. Run with -v for the figures per form and the misses
// per region (all of them with PHONE_MISSES=1).
func TestPhoneRecall(t *testing.T) {
	s := mustNew(t, Options{})
	fixtures := loadPhoneFixtures(t)
	type tally struct{ n, found, asPhone int }
	byForm := map[string]*tally{}
	missed := map[string][]string{} // form -> "GB TYPE text"
	byRegion := map[string]*tally{}
	// The contexts a number is tried in: prose, a JSON value, and the
	// query of a logged request (forms without spaces only; decoding a
	// query is the URL scrubber's job, not the detector's).
	contexts := []struct{ name, pre, post string }{
		{"sentence", "call me on ", " today"},
		{"json", `{"msg":"hi","phone":"`, `","n":2}`},
		{"request", `203.0.113.7 - - [17/May/2015:10:05:03 +0000] "GET /contact?tel=`, `&ok=1 HTTP/1.1" 200 512`},
	}
	for _, p := range fixtures {
		for _, f := range phoneForms(p) {
			for _, c := range contexts {
				if c.name == "request" && strings.Contains(f.text, " ") {
					continue
				}
				pre, post := c.pre, c.post
				key := f.name + " in " + c.name
				if !f.required {
					key += " (not required)"
				}
				tf := byForm[key]
				if tf == nil {
					tf = &tally{}
					byForm[key] = tf
				}
				tr := byRegion[p.Region]
				if tr == nil {
					tr = &tally{}
					byRegion[p.Region] = tr
				}
				src := []byte(pre + f.text + post)
				found, asPhone := phoneFound(s, src, len(pre), len(pre)+len(f.text))
				tf.n++
				tr.n++
				if found {
					tf.found++
					tr.found++
					if asPhone {
						tf.asPhone++
					}
				} else {
					missed[key] = append(missed[key], fmt.Sprintf("%s %s %q", p.Region, p.Type, f.text))
				}
			}
		}
	}
	t.Logf("%d numbers from testdata/phones.jsonl", len(fixtures))
	for _, form := range slices.Sorted(maps.Keys(byForm)) {
		tf := byForm[form]
		recall := float64(tf.found) / float64(tf.n)
		t.Logf("%-44s recall %6.2f%% (%d/%d), as phone %d", form, 100*recall, tf.found, tf.n, tf.asPhone)
		for k, m := range missed[form] {
			if k == 10 && os.Getenv("PHONE_MISSES") == "" {
				t.Logf("    … %d more", len(missed[form])-10)
				break
			}
			t.Logf("    missed %s", m)
		}
		if !strings.HasSuffix(form, "(not required)") && recall < 0.995 {
			t.Errorf("%s: recall %.2f%%, want at least 99.5%%", form, 100*recall)
		}
	}
	var weak []string
	for _, r := range slices.Sorted(maps.Keys(byRegion)) {
		tr := byRegion[r]
		if tr.found < tr.n {
			weak = append(weak, fmt.Sprintf("%s %d/%d", r, tr.found, tr.n))
		}
	}
	t.Logf("regions with misses (found/forms): %s", strings.Join(weak, ", "))
}
