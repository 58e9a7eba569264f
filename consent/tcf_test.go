package consent

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
)

// tcBuilder is a tiny TC string encoder, enough to build the strings the
// tests need: the core segment with purposes, vendors as a bit field or as
// ranges, publisher restrictions, and extra segments.
type tcBuilder struct {
	version     int // 0 means 2
	purposes    []int
	li          []int
	p1t         bool
	vendors     []int // consent, as a bit field
	ranges      [][2]int
	restriction bool // one publisher restriction on purpose 2, vendors 1-3
	lang        string
}

type bitWriter struct{ bits []byte }

func (w *bitWriter) put(v uint64, n int) {
	for i := n - 1; i >= 0; i-- {
		w.bits = append(w.bits, byte(v>>i&1))
	}
}

func (w *bitWriter) ids(ids []int, n int) {
	var v uint64
	for _, id := range ids {
		v |= 1 << (n - id)
	}
	w.put(v, n)
}

func (w *bitWriter) letters(s string) {
	w.put(uint64(s[0]-'A'), 6)
	w.put(uint64(s[1]-'A'), 6)
}

// encode pads the bits to whole bytes and encodes them as TC strings are:
// base64url without padding.
func (w *bitWriter) encode() string {
	b := make([]byte, (len(w.bits)+7)/8)
	for i, bit := range w.bits {
		b[i/8] |= bit << (7 - i%8)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (tb tcBuilder) core() string {
	var w bitWriter
	v := tb.version
	if v == 0 {
		v = 2
	}
	lang := tb.lang
	if lang == "" {
		lang = "EN"
	}
	w.put(uint64(v), 6)
	w.put(17000000000, 36) // Created, deciseconds
	w.put(17000000000, 36) // LastUpdated
	w.put(300, 12)         // CmpId
	w.put(2, 12)           // CmpVersion
	w.put(1, 6)            // ConsentScreen
	w.letters(lang)
	w.put(150, 12) // VendorListVersion
	w.put(4, 6)    // TcfPolicyVersion (TCF v2.2)
	w.put(0, 1)    // IsServiceSpecific
	w.put(0, 1)    // UseNonStandardTexts
	w.put(0, 12)   // SpecialFeatureOptIns
	w.ids(tb.purposes, 24)
	w.ids(tb.li, 24)
	if tb.p1t {
		w.put(1, 1)
	} else {
		w.put(0, 1)
	}
	w.letters("GB")
	// Vendor consents.
	if tb.ranges != nil {
		maxID := 0
		for _, r := range tb.ranges {
			maxID = max(maxID, r[1])
		}
		w.put(uint64(maxID), 16)
		w.put(1, 1)
		w.put(uint64(len(tb.ranges)), 12)
		for _, r := range tb.ranges {
			if r[0] == r[1] {
				w.put(0, 1)
				w.put(uint64(r[0]), 16)
			} else {
				w.put(1, 1)
				w.put(uint64(r[0]), 16)
				w.put(uint64(r[1]), 16)
			}
		}
	} else {
		maxID := slices.Max(append([]int{0}, tb.vendors...))
		w.put(uint64(maxID), 16)
		w.put(0, 1)
		w.ids(tb.vendors, maxID)
	}
	// Vendor legitimate interests: none.
	w.put(0, 16)
	w.put(0, 1)
	// Publisher restrictions.
	if tb.restriction {
		w.put(1, 12)
		w.put(2, 6) // PurposeId
		w.put(0, 2) // RestrictionType: not allowed
		w.put(1, 12)
		w.put(1, 1)
		w.put(1, 16)
		w.put(3, 16)
	} else {
		w.put(0, 12)
	}
	return w.encode()
}

// disclosedVendors builds a disclosed vendors segment (type 1).
func disclosedVendors(ids ...int) string {
	var w bitWriter
	w.put(1, 3)
	maxID := slices.Max(ids)
	w.put(uint64(maxID), 16)
	w.put(0, 1)
	w.ids(ids, maxID)
	return w.encode()
}

// publisherTC builds a publisher TC segment (type 3).
func publisherTC(purposes ...int) string {
	var w bitWriter
	w.put(3, 3)
	w.ids(purposes, 24)
	w.put(0, 24)
	w.put(2, 6)
	w.put(0b10, 2)
	w.put(0b00, 2)
	return w.encode()
}

func purposeList(m uint32) []int {
	var ids []int
	for id := 1; id <= 24; id++ {
		if m&purposes(id) != 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

func allPurposes() []int { return []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11} }

// Real TC strings with their purposes as decoded by independent decoders.
// The first five are the IAB specification's sample strings, decoded in the
// tests of the Rust crate iab_tcf and of iabtcf-es; the last was sent by a
// live site (TcfPolicyVersion 5) and was decoded with a separate Python
// reader.
var realTCStrings = []struct {
	name     string
	tc       string
	purposes []int
	p1t      bool
}{
	{"iab core vendor range", "COvFyGBOvFyGBAbAAAENAPCAAOAAAAAAAAAAAEEUACCKAAA", []int{1, 2, 3}, false},
	{"iab core + disclosed vendors", "COvFyGBOvFyGBAbAAAENAPCAAOAAAAAAAAAAAEEUACCKAAA.IFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBAAgAAAAAAAFAAECAAAgAAQARAEQAAAAAJAAIAAgAAAYQEAAAQmAgBC3ZAYzUw", []int{1, 2, 3}, false},
	{"iab all segments, no consent", "COw4XqLOw4XqLAAAAAENAXCAAAAAAAAAAAAAAAAAAAAA.IFukWSQgAIQwgI0QEByFAAAAeIAACAIgSAAQAIAgEQACEABAAAgAQFAEAIAAAGBAAgAAAAQAIFAAMCQAAgAAQiRAEQAAAAANAAIAAggAIYQFAAARmggBC3ZCYzU2yIA.QFukWSQgAIQwgI0QEByFAAAAeIAACAIgSAAQAIAgEQACEABAAAgAQFAEAIAAAGBAAgAAAAQAIFAAMCQAAgAAQiRAEQAAAAANAAIAAggAIYQFAAARmggBC3ZCYzU2yIA.YAAAAAAAAAAAAAAAAAA", nil, false},
	{"iab vendor and LI ranges, no purpose 1", "CGL23UdMFJzvuA9ACCENAXCEAC0AAGrAAA5YA5ht7-_d_7_vd-f-nrf4_4A4hM4JCKoK4YhmAqABgAEgAA", []int{3, 5, 6, 8}, false},
	{"iab publisher TC, purpose one treatment", "COw4XqLOw4XqLAAAAAENAXCAAP-gAAAfwIAAACngAI8AAA.cAEAPAAAC7gAHw4AAA", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 11}, true},
	{"iab restrictions and all segments", "COw4XqLOw4XqLAAAAAENAXCf-v-gAAAfwIAAACngAI8AEFABgACAA4A.IAPPwAPrwA.QAPPwAPrwA.cAEAPAAAC7gAHw4AAA", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 11}, true},
	{"live site, policy 5", "CQE688AQE688AAcABBENBGFsAP_gAEPgAChQKaNV_G__bWlr8X73aftkeY1P9_h77sQxBhfJE-4FzLvW_JwXx2ExNA36tqIKmRIAu3bBIQNlGJDUTVCgaogVryDMak2coTNKJ6BkiFMRO2dYCF5vm4tj-QKY5vr991dx2B-t7dr83dzyz4VHn3a5_2a0WJCdA5-tDfv9bROb-9IOd_x8v4v8_F_rE2_eT1l_tevp7D9-cts7_XW-9_fff_9Ln_-uB_-_wU1AJMNCogDLIkJCDQMIIEAKgrCAigQAAAAkDRAQAmDAp2BgEusJEAIAUAAwQAgABRkACAAASABCIAIACgQAAQCBQABgAQDAQAMDAAGACwEAgABAdAxTAggUCwASMyIhTAhCASCAlsqEEgCBBXCEIs8CiAREwUAAAJABWAAICwWBxJICViQQJcQbQAAEACAQQAVCKTswBBAGbLUXiybRlaYFo-YLntMAyQAA.f_wACHwAAAAA", allPurposes(), false},
}

func TestTCFRealStrings(t *testing.T) {
	d := mustDecider(t, config.ConsentPolicy{Format: config.ConsentTCF})
	for _, tt := range realTCStrings {
		t.Run(tt.name, func(t *testing.T) {
			p, p1t, ok := tcfPurposes(tt.tc)
			if !ok {
				t.Fatal("unreadable")
			}
			if got := purposeList(p); !slices.Equal(got, tt.purposes) {
				t.Errorf("purposes = %v, want %v", got, tt.purposes)
			}
			if p1t != tt.p1t {
				t.Errorf("PurposeOneTreatment = %v, want %v", p1t, tt.p1t)
			}
			want := tcfWant(tt.purposes)
			if tt.p1t {
				want = Only
			}
			if got, ok := d.DecideCookie(tt.tc); !ok || got != want {
				t.Errorf("DecideCookie = %v, %v; want %v, true", got, ok, want)
			}
		})
	}
}

// tcfWant restates the documented purpose table independently of
// tcfCategories.
func tcfWant(ids []int) Set {
	has := func(want ...int) bool {
		for _, id := range want {
			if !slices.Contains(ids, id) {
				return false
			}
		}
		return true
	}
	s := Only
	if has(1, 5, 6) {
		s = s.With(Functional)
	}
	if has(1, 8) {
		s = s.With(Analytics)
	}
	if has(1, 2, 3, 4, 7) {
		s = s.With(Marketing)
	}
	return s
}

func TestTCFPurposeMapping(t *testing.T) {
	d := mustDecider(t, config.ConsentPolicy{Format: config.ConsentTCF})
	tests := []struct {
		name     string
		purposes []int
		want     Set
	}{
		{"accept all", allPurposes(), All},
		{"reject all", nil, Only},
		{"storage only", []int{1}, Only},
		{"everything but storage", []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, Only},
		{"analytics", []int{1, 8}, Only.With(Analytics)},
		{"analytics needs 8, not 9 or 10", []int{1, 9, 10}, Only},
		{"functional", []int{1, 5, 6}, Only.With(Functional)},
		{"functional needs 6 too", []int{1, 5}, Only},
		{"functional needs 5 too", []int{1, 6}, Only},
		{"marketing", []int{1, 2, 3, 4, 7}, Only.With(Marketing)},
		{"marketing without ad measurement", []int{1, 2, 3, 4}, Only},
		{"marketing without basic ads", []int{1, 3, 4, 7}, Only},
		{"marketing without profile", []int{1, 2, 4, 7}, Only},
		{"analytics and marketing", []int{1, 2, 3, 4, 7, 8}, Only.With(Analytics).With(Marketing)},
		{"purpose 24 is ignored", []int{1, 8, 24}, Only.With(Analytics)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := tcBuilder{purposes: tt.purposes, vendors: []int{1, 8, 755}}.core()
			got, ok := d.DecideCookie(tc)
			if !ok || got != tt.want {
				t.Errorf("DecideCookie(%s) = %v, %v; want %v, true", tc, got, ok, tt.want)
			}
			if w := tcfWant(tt.purposes); w != tt.want {
				t.Errorf("test table disagrees with tcfWant: %v", w)
			}
		})
	}
}

func TestTCFStructure(t *testing.T) {
	d := mustDecider(t, config.ConsentPolicy{Format: config.ConsentTCF})
	all := tcBuilder{purposes: allPurposes(), vendors: []int{1, 2, 755}}
	rangeAll := tcBuilder{purposes: allPurposes(), ranges: [][2]int{{1, 1}, {10, 20}, {755, 755}}}
	restricted := tcBuilder{purposes: allPurposes(), vendors: []int{3}, restriction: true}
	tests := []struct {
		name string
		tc   string
		want Set
		ok   bool
	}{
		{"bit field", all.core(), All, true},
		{"ranges", rangeAll.core(), All, true},
		{"publisher restriction", restricted.core(), All, true},
		{"no vendors", tcBuilder{purposes: allPurposes()}.core(), All, true},
		{"disclosed vendors", all.core() + "." + disclosedVendors(1, 2, 755), All, true},
		{"publisher TC denying all", all.core() + "." + publisherTC(), All, true},
		{"all segments", all.core() + "." + disclosedVendors(1, 2) + "." + publisherTC(1, 8), All, true},
		{"purpose one treatment", tcBuilder{purposes: allPurposes(), p1t: true}.core(), Only, true},

		{"version 1", tcBuilder{version: 1, purposes: allPurposes()}.core(), Only, false},
		{"version 3", tcBuilder{version: 3, purposes: allPurposes()}.core(), Only, false},
		{"bad language", tcBuilder{purposes: allPurposes(), lang: "[["}.core(), Only, false},
		{"empty", "", Only, false},
		{"dot only", ".", Only, false},
		{"empty segment", all.core() + ".", Only, false},
		{"empty middle segment", all.core() + ".." + publisherTC(), Only, false},
		{"unknown segment type", all.core() + ".AAAA", Only, false},
		{"segment type 4", all.core() + ".gAAA", Only, false},
		{"truncated disclosed vendors", all.core() + "." + disclosedVendors(1, 2, 755)[:10], Only, false},
		{"truncated publisher TC", all.core() + "." + publisherTC(1)[:5], Only, false},
		{"padding", all.core() + "==", Only, false},
		{"standard base64", strings.NewReplacer("-", "+", "_", "/").Replace("COw4XqLOw4XqLAAAAAENAXCf-v-gAAAfwIAAACngAI8AEFABgACAA4A"), Only, false},
		{"percent", "CO%77", Only, false},
		{"space", "COvF yGBOvFyGBAbAAAENAPCAAOAAAAAAAAAAAEEUACCKAAA", Only, false},
		{"tcf v1 string", "BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA", Only, false},
		{"text", "hello world", Only, false},
		// From a consent test harness: purposes 1 to 10 are intact, but
		// its vendor ranges stop after 40 of the 343 entries it declares.
		{"truncated real-world string", "CProok0Prook0AcABBENDpCgAP_AAH_AACiQFhxV4A", Only, false},
		{"range above max vendor id", rangeBeyondMax(), Only, false},
		{"range end before start", rangeBackwards(), Only, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := d.DecideCookie(tt.tc)
			if got != tt.want || ok != tt.ok {
				t.Errorf("DecideCookie(%q) = %v, %v; want %v, %v", tt.tc, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// rangeBeyondMax builds a core segment whose range names vendor 9 while
// MaxVendorId is 5.
func rangeBeyondMax() string {
	s := tcBuilder{purposes: allPurposes(), ranges: [][2]int{{1, 9}}}.core()
	return patchMaxVendor(s, 5)
}

// rangeBackwards builds a range from 9 down to 2.
func rangeBackwards() string {
	s := tcBuilder{purposes: allPurposes(), ranges: [][2]int{{9, 2}}}.core()
	return patchMaxVendor(s, 9)
}

// patchMaxVendor rewrites the vendor consent section's MaxVendorId (bits
// 213 to 228).
func patchMaxVendor(tc string, maxID int) string {
	b, err := base64.RawURLEncoding.DecodeString(tc)
	if err != nil {
		panic(err)
	}
	var w bitWriter
	for i := 0; i < len(b)*8; i++ {
		w.bits = append(w.bits, b[i/8]>>(7-i%8)&1)
	}
	for i := 0; i < 16; i++ {
		w.bits[213+i] = byte(maxID >> (15 - i) & 1)
	}
	return w.encode()
}

// Every prefix of a segment that cuts more than its padding (at most 12
// bits: up to 7 to fill the last byte, up to 5 to fill the last base64
// character) loses real bits, so it must be unreadable, never read as a
// shorter consent.
func TestTCFTruncated(t *testing.T) {
	d := mustDecider(t, config.ConsentPolicy{Format: config.ConsentTCF})
	cores := []string{
		tcBuilder{purposes: allPurposes(), vendors: []int{1, 2, 3, 500, 755}}.core(),
		tcBuilder{purposes: allPurposes(), ranges: [][2]int{{1, 4}, {700, 755}}, restriction: true}.core(),
	}
	for _, r := range realTCStrings {
		core, _, _ := strings.Cut(r.tc, ".")
		cores = append(cores, core)
	}
	for _, core := range cores {
		for n := 0; n < len(core)-2; n++ {
			if got, ok := d.DecideCookie(core[:n]); ok || got != Only {
				t.Fatalf("%s cut to %d characters = %v, %v; want unreadable", core, n, got, ok)
			}
		}
		if _, ok := d.DecideCookie(core); !ok {
			t.Fatalf("%s is unreadable", core)
		}
	}
	core := cores[0]
	for _, seg := range []string{disclosedVendors(1, 2, 300, 755), publisherTC(1, 2, 3)} {
		for n := 1; n < len(seg)-2; n++ {
			tc := core + "." + seg[:n]
			if got, ok := d.DecideCookie(tc); ok || got != Only {
				t.Fatalf("%s = %v, %v; want unreadable", tc, got, ok)
			}
		}
	}
}

func TestBitReader(t *testing.T) {
	var w bitWriter
	w.put(2, 6)
	w.put(0xabcdef123, 36)
	w.put(1, 1)
	w.put(0x3ff, 10)
	r := bitReader{s: w.encode()}
	if !r.valid() {
		t.Fatal("invalid")
	}
	for _, f := range []struct {
		n    int
		want uint64
	}{{6, 2}, {36, 0xabcdef123}, {1, 1}, {10, 0x3ff}} {
		if got := r.read(f.n); got != f.want {
			t.Errorf("read(%d) = %#x, want %#x", f.n, got, f.want)
		}
	}
	if r.short {
		t.Error("short after reading what was written")
	}
	r.read(24)
	if !r.short {
		t.Error("reading past the end did not set short")
	}
	if got := r.read(1); got != 0 {
		t.Errorf("read after short = %d, want 0", got)
	}
}
