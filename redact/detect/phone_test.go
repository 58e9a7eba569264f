package detect

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
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
	nationalByForm := map[string]*tally{} // "GB NATIONAL-dotted"
	nationalRegions := map[string]bool{"GB": true, "IE": true, "FR": true, "DE": true, "US": true, "CA": true}
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
				tn := &tally{}
				if nationalRegions[p.Region] {
					k := p.Region + " " + f.name
					if !f.required {
						k += " (not required)"
					}
					if tn = nationalByForm[k]; tn == nil {
						tn = &tally{}
						nationalByForm[k] = tn
					}
				}
				tf.n++
				tr.n++
				tn.n++
				if found {
					tf.found++
					tr.found++
					tn.found++
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
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(nationalByForm)) {
		tn := nationalByForm[k]
		lines = append(lines, fmt.Sprintf("%s %.1f%% (%d)", k, 100*float64(tn.found)/float64(tn.n), tn.n))
	}
	for len(lines) > 0 {
		n := min(4, len(lines))
		t.Logf("by region: %s", strings.Join(lines[:n], "; "))
		lines = lines[n:]
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

// TestPhoneForms lists the written forms the detector finds, one of each.
func TestPhoneForms(t *testing.T) {
	runCases(t, []detectCase{
		// International, any country the table knows.
		{"ring +49 30 123456 now", []string{"phone:+49 30 123456"}},
		{"+33 6 12 34 56 78", []string{"phone:+33 6 12 34 56 78"}},
		{"+33.6.12.34.56.78", []string{"phone:+33.6.12.34.56.78"}},
		{"+44/20/7946/0018", []string{"phone:+44/20/7946/0018"}},
		{"+81 3-1234-5678", []string{"phone:+81 3-1234-5678"}},
		{"+290 22158", []string{"phone:+290 22158"}},               // Saint Helena: five digits
		{"+44 020 7946 0018", []string{"phone:+44 020 7946 0018"}}, // a trunk 0 kept
		{"+49 (0)30 123456", []string{"phone:+49 (0)30 123456"}},
		{"00 33 6 12 34 56 78", []string{"phone:00 33 6 12 34 56 78"}},
		{"tel:+1-415-555-2671", []string{"phone:+1-415-555-2671"}},
		{"tel:%2B447700900123", []string{"phone:%2B447700900123"}},
		{"msg=call%20%2B44%207700%20900123", []string{"phone:%2B44%207700%20900123"}},
		{"msg=call+me+on+07700900123", []string{"phone:07700900123"}}, // a form-encoded query
		{"?to=%2B447700900123&x=1", []string{"phone:%2B447700900123"}},
		// National: GB, IE, FR, DE.
		{"07700.900456", []string{"phone:07700.900456"}},
		{"01 234 5678", []string{"phone:01 234 5678"}},   // Dublin, 8 digits after the 0
		{"087 123 4567", []string{"phone:087 123 4567"}}, // an Irish mobile
		{"0871234567", []string{"phone:0871234567"}},
		{"06 12 34 56 78", []string{"phone:06 12 34 56 78"}},
		{"06.12.34.56.78", []string{"phone:06.12.34.56.78"}},
		{"0 809 63 71 36", []string{"phone:0 809 63 71 36"}},
		{"030 12345678", []string{"phone:030 12345678"}},
		{"030 12345", []string{"phone:030 12345"}},
		{"032 16861147682", []string{"phone:032 16861147682"}}, // 0 and 13 digits
		{"0900 9 5415379", []string{"phone:0900 9 5415379"}},
		{"(030) 12345678", []string{"phone:(030) 12345678"}},
		{"tel:07700900123", []string{"phone:07700900123"}},
		// North American.
		{"(415) 555-2671", []string{"phone:(415) 555-2671"}},
		{"(415)555-2671", []string{"phone:(415)555-2671"}},
		{"415.555.2671", []string{"phone:415.555.2671"}},
		{"1-415-555-2671", []string{"phone:1-415-555-2671"}},
		{"call 212-555-0123.", []string{"phone:212-555-0123"}},
	})
}

// phoneHardNegatives are texts with no phone number in them that look
// like one to a careless detector.
var phoneHardNegatives = []string{
	// Versions, semver build metadata.
	"3.9.1+20230105114512", "3.9.1+build.5", "1.0.0-rc.1+0044123456789", "v2.11.9", "setup-4.1.0.22.exe",
	"10.0.19045.3693", "Chrome/120.0.6099.109", "0.9.12", "v0.12.345", "1.0.0%2B20130313144700",
	"2.6.32-754.el6.x86_64", "libfoo.so.0.12.3456789",
	// Dates and times.
	"2024-01-05", "05.01.2024", "05/01/2024", "2024.01.05", "20240105", "05 01 2024", "05-01-2024",
	"2024-01-05 10:15:30", "2024-01-05T10:15:30+01:00", "Thu, 05 Jan 2024 10:15:30 +0000", "GMT+0100",
	"10:15:30", "10:15:30.123456", "00:00:00.000", "01.02.2024 10:30", "+05:30", "%2B0100",
	"[17/May/2015:10:05:03 +0000]", "1700000000", "1700000000123", "20230105114512",
	// Addresses and ports.
	"192.168.1.1", "0.0.0.0:8080", "localhost:443", "[::1]:65535", "010.001.002.003",
	// Prices, sizes, measures.
	"£1,234.56", "$0.99", "€ 1.234,56", "0.0599 USD", "1 234 567,89", "1048576 bytes", "1.5 MB",
	"size=0 B", "0.000123s", "0.012 0.034 0.056", "0.123456789", "51.5074,-0.1278", "00.00",
	// Zero-padded ids (three zeros or more), ids and hashes.
	"0000123456", "order 000123456789", "INV-0000012345", "id=0001234567", "00000000001",
	"0x7fffffff", "550e8400-e29b-41d4-a716-446655440000", "/product/123456789", "/orders/4815162342",
	// ISBNs.
	"ISBN 0-306-40615-2", "ISBN 978-0-306-40615-7", "9780306406157", "ISBN 0306406152", "ISBN-10: 0306406152",
	"0-306-40615-2", "1-86197-876-9",
	// Plus signs that are not phones.
	"q=hello+12345678+world", "a+b=c", "1+1=2", "C++11", "+1 day", "+100%", "+1234", "x+447700900123",
	// North American shapes with no valid area code, and bare runs.
	"123-456-7890", "555-555-5555", "4155552671", "(123) 456-7890", "1 2 3 4 5 6 7 8 9 10",
	`"GET / HTTP/1.1" 200 1234567`, "tel 0123", "0123-0456",
}

// TestPhoneHardNegatives requires that none of phoneHardNegatives is taken
// for a phone number (another detector may match, and is logged).
func TestPhoneHardNegatives(t *testing.T) {
	s := mustNew(t, Options{})
	fp := 0
	for _, in := range phoneHardNegatives {
		for _, src := range []string{in, "see " + in + " here"} {
			s.Scan([]byte(src), func(m Match) {
				if m.Kind == Phone {
					fp++
					t.Errorf("in %q: phone %q", src, src[m.Start:m.End])
				} else {
					t.Logf("in %q: %s %q (not a phone)", src, m.Kind, src[m.Start:m.End])
				}
			})
		}
	}
	t.Logf("hard negatives: %d phones in %d texts", fp, 2*len(phoneHardNegatives))
}

// phoneNegativeClasses make texts of the kinds a phone detector confuses
// with numbers, at random (seeded): none is a phone number.
var phoneNegativeClasses = []struct {
	name string
	make func(r *rand.Rand) string
}{
	{"semver+build", func(r *rand.Rand) string {
		return fmt.Sprintf("%d.%d.%d+%s", r.IntN(20), r.IntN(30), r.IntN(200), stamp(r))
	}},
	{"version", func(r *rand.Rand) string {
		parts := make([]string, 2+r.IntN(4))
		for k := range parts {
			parts[k] = strconv.Itoa(r.IntN([]int{10, 100, 10000}[r.IntN(3)]))
		}
		return []string{"v", "", "app-", "Chrome/"}[r.IntN(4)] + strings.Join(parts, ".")
	}},
	{"date", func(r *rand.Rand) string {
		y, m, d := 1990+r.IntN(40), 1+r.IntN(12), 1+r.IntN(28)
		f := []string{"%[1]d-%02[2]d-%02[3]d", "%02[3]d.%02[2]d.%[1]d", "%02[3]d/%02[2]d/%[1]d", "%[1]d%02[2]d%02[3]d",
			"%02[3]d %02[2]d %[1]d", "%02[3]d-%02[2]d-%[1]d", "%[1]d.%02[2]d.%02[3]d", "%02[3]d%02[2]d%[1]d"}[r.IntN(8)]
		s := fmt.Sprintf(f, y, m, d)
		if r.IntN(2) == 0 {
			s += fmt.Sprintf(" %02d:%02d:%02d", r.IntN(24), r.IntN(60), r.IntN(60))
		}
		return s
	}},
	{"time", func(r *rand.Rand) string {
		return fmt.Sprintf("%02d:%02d:%02d.%06d", r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1000000))
	}},
	{"timestamp", func(r *rand.Rand) string {
		return []string{stamp(r), strconv.Itoa(1e9 + r.IntN(8e8)), strconv.Itoa(1e12 + r.IntN(8e11))}[r.IntN(3)]
	}},
	{"ipv4:port", func(r *rand.Rand) string {
		return fmt.Sprintf("%d.%d.%d.%d:%d", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(65536))
	}},
	{"price", func(r *rand.Rand) string {
		return fmt.Sprintf([]string{"£%d,%03d.%02d", "$%d%03d.%02d", "€ %d.%03d,%02d", "%d %03d,%02d EUR"}[r.IntN(4)],
			r.IntN(1000), r.IntN(1000), r.IntN(100))
	}},
	{"zero-padded id", func(r *rand.Rand) string {
		n := strconv.Itoa(1 + r.IntN(1e9))
		pad := 3 + r.IntN(6)
		return []string{"order ", "INV-", "id=", "#"}[r.IntN(4)] + strings.Repeat("0", pad) + n
	}},
	{"isbn", func(r *rand.Rand) string {
		return isbn(r)
	}},
	{"size", func(r *rand.Rand) string {
		return fmt.Sprintf([]string{"%d bytes", "size=%d", "%d B", "Content-Length: %d"}[r.IntN(4)], r.IntN(1e12))
	}},
	{"duration", func(r *rand.Rand) string {
		return fmt.Sprintf([]string{"0.%06ds", "%d.%09d", "took %dms"}[r.IntN(3)], r.IntN(1e6), r.IntN(1e9))
	}},
	{"port", func(r *rand.Rand) string {
		return fmt.Sprintf([]string{"localhost:%d", "0.0.0.0:%d", "[::1]:%d", "host=db port=%d"}[r.IntN(4)], r.IntN(65536))
	}},
}

// stamp returns a yyyymmddhhmmss time stamp.
func stamp(r *rand.Rand) string {
	return fmt.Sprintf("%d%02d%02d%02d%02d%02d", 2000+r.IntN(30), 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60))
}

// isbn returns a valid ISBN-10 or ISBN-13, hyphenated in random groups or
// contiguous after "ISBN".
func isbn(r *rand.Rand) string {
	if r.IntN(2) == 0 {
		d := make([]byte, 9)
		sum := 0
		for k := range d {
			d[k] = byte('0' + r.IntN(10))
			sum += (10 - k) * int(d[k]-'0')
		}
		check := (11 - sum%11) % 11
		c := byte('0' + check)
		if check == 10 {
			c = 'X'
		}
		s := string(d) + string(c)
		if r.IntN(2) == 0 {
			return "ISBN " + s
		}
		a := 1 + r.IntN(3)
		b := a + 2 + r.IntN(3)
		return s[:a] + "-" + s[a:b] + "-" + s[b:9] + "-" + s[9:]
	}
	d := []byte("978" + strconv.Itoa(r.IntN(10)))
	for len(d) < 12 {
		d = append(d, byte('0'+r.IntN(10)))
	}
	sum := 0
	for k, c := range d {
		sum += int(c-'0') * (1 + 2*(k%2))
	}
	d = append(d, byte('0'+(10-sum%10)%10))
	s := string(d)
	if r.IntN(2) == 0 {
		return s
	}
	return s[:3] + "-" + s[3:4] + "-" + s[4:7] + "-" + s[7:12] + "-" + s[12:]
}

// TestPhoneFalsePositiveRate counts phone matches in generated texts of
// each class of phoneNegativeClasses, and requires at most 0.5% in each.
func TestPhoneFalsePositiveRate(t *testing.T) {
	s := mustNew(t, Options{})
	r := rand.New(rand.NewPCG(14, 4))
	const n = 2000
	total, totalFP := 0, 0
	for _, c := range phoneNegativeClasses {
		fp := 0
		var examples []string
		for range n {
			src := "see " + c.make(r) + " here"
			hit := false
			s.Scan([]byte(src), func(m Match) { hit = hit || m.Kind == Phone })
			if hit {
				fp++
				if len(examples) < 5 {
					examples = append(examples, src)
				}
			}
		}
		total += n
		totalFP += fp
		t.Logf("%-16s %5.2f%% phones (%d/%d) %q", c.name, 100*float64(fp)/n, fp, n, examples)
		if float64(fp)/n > 0.005 {
			t.Errorf("%s: %.2f%% taken for phones, want at most 0.5%%; e.g. %q", c.name, 100*float64(fp)/n, examples)
		}
	}
	t.Logf("all hard negatives: %.3f%% phones (%d/%d)", 100*float64(totalFP)/float64(total), totalFP, total)
}

// TestPhoneNoAllocs: finding and tagging phone numbers allocates nothing
// when the destination has room.
func TestPhoneNoAllocs(t *testing.T) {
	s := mustNew(t, Options{})
	src := []byte("call +44 (0)20 7946 0018, 06.12.34.56.78, (415) 555-2671, tel:%2B4930123456 or 030 12345678")
	dst := make([]byte, 0, 4*len(src))
	if n := testing.AllocsPerRun(100, func() { dst = s.AppendRedacted(dst[:0], src) }); n != 0 {
		t.Errorf("AppendRedacted allocated %v times per run, want 0", n)
	}
	if got, want := string(s.AppendRedacted(nil, src)), "call [phone], [phone], [phone], tel:[phone] or [phone]"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
