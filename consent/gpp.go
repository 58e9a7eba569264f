package consent

import "strings"

// IAB Global Privacy Platform (GPP) strings, as in the __gpp cookie, with
// the applicable section ids in __gpp_sid.
//
// The format is IAB Tech Lab's "Consent String Specification" of GPP v1
// (https://github.com/InteractiveAdvertisingBureau/Global-Privacy-Platform,
// Core/Consent String Specification.md): a header and the sections it
// lists, joined by '~'. The header is base64url bit fields: Type 6 (must be
// 3), Version 6 (must be 1) and SectionIds, a Fibonacci integer range:
// NumEntries 12, then per entry IsARange 1 and one or two Fibonacci
// integers (Zeckendorf bits from 1, 2, 3, 5, … ending in "11"), each an
// offset from the id before it. The sections follow in the header's order,
// one per id. A section is base64url too, with sub-sections separated by
// '.', except uspv1, which is the four-character US Privacy string.
//
// Sections read, by id (the others, tcfcav1 5 and the MSPA-first state
// sections 24 to 27 among them, make the string unreadable):
//
//	2       tcfeuv2  the TC string, core segment first; read as format tcf
//	6       uspv1    "1", Notice, OptOutSale, LspaCovered, each Y, N or -
//	7       usnat    Version 1 or 2, then 2-bit fields; sub-section 1 is GPC
//	8–23    usca, usva, usco, usut, usct, usfl, usmt, usor, ustx, usde,
//	        usia, usne, usnh, usnj, ustn, usmn: Version 1, 2-bit fields,
//	        and for most a GPC sub-section
//
// The field layouts are those of the IAB's US National and US state
// technical specifications (Sections/US-National, Sections/US-States), as
// encoded by the IAB's reference library @iabgpp/cmpapi.
//
// Decision rules:
//
//   - tcfeuv2 grants what the same TC string grants in format tcf.
//   - The US sections are opt-out regimes: they record no choice about
//     functional or analytics cookies, which they grant. Marketing is
//     granted only when, for each of the section's sale, sharing and
//     targeted advertising opt-outs, the visitor was given the notice
//     (notice 1) and did not opt out (opt-out 2). An opt-out of 1 (opted
//     out) denies, and so does 0 (not applicable) or a missing notice:
//     nothing says the visitor could have refused. A GPC sub-section with
//     Gpc set denies what Sec-GPC: 1 denies. A 2-bit field holding 3, a
//     value the specifications do not define, makes the string
//     unreadable.
//   - uspv1 likewise grants functional and analytics, and marketing only
//     with Notice Y and OptOutSale N.
//   - Every applicable section must grant a category for the string to
//     grant it. The applicable sections are those __gpp_sid lists (all the
//     string's sections when there is no __gpp_sid); "-1" alone lists
//     none, and then only necessary is granted. An id in __gpp_sid that
//     the string does not carry makes it unreadable.
//   - Fail closed: a section id this reader does not know, applicable or
//     not, a section or header that is truncated, not base64url, of
//     another version, with more than padding (fewer than 24 zero bits)
//     after its last field, with an unknown or repeated sub-section, or
//     a section count that does not match the header, makes the whole
//     string unreadable. Which consent an unread section holds cannot be
//     told, and it may be the one that refuses.

// gppSection describes a section this reader knows.
type gppSection struct {
	name string
	// versions lists the accepted versions; fields the number of 2-bit
	// fields after the version, per version (usnat grew from 27 to 32).
	versions [2]uint8
	fields   [2]uint8
	// The notice and opt-out field indexes (0 is the first 2-bit field
	// after Version) of the sale, sharing and targeted advertising
	// opt-outs; -1 where the section has none.
	notice, optOut [3]int8
	gpc            bool // has a GPC sub-section
}

const (
	gppTCFEUv2 = 2
	gppUSPv1   = 6
	gppUSNat   = 7
	gppMaxID   = 23
)

// usState builds the layout of a US state section: version 1, n 2-bit
// fields, sale and targeted advertising notices and opt-outs at the given
// indexes, no sharing opt-out.
func usState(name string, n int, saleN, taN, sale, ta int8, gpc bool) gppSection {
	return gppSection{name: name, versions: [2]uint8{1}, fields: [2]uint8{uint8(n)},
		notice: [3]int8{saleN, -1, taN}, optOut: [3]int8{sale, -1, ta}, gpc: gpc}
}

// gppSections holds the US sections, by id. Fields after Version, in
// order (SDP sensitive data processing, KC known child sensitive data
// consents, PDC personal data consents, ADPC additional data processing
// consent, MSPA the three MSPA fields):
//
//	usnat v1  SharingNotice SaleOptOutNotice SharingOptOutNotice
//	          TargetedAdvertisingOptOutNotice SensitiveDataProcessingOptOutNotice
//	          SensitiveDataLimitUseNotice SaleOptOut SharingOptOut
//	          TargetedAdvertisingOptOut SDP×12 KC×2 PDC MSPA×3   (27)
//	usnat v2  the same with SDP×16 and KC×3                       (32)
//	usca      SaleOptOutNotice SharingOptOutNotice SensitiveDataLimitUseNotice
//	          SaleOptOut SharingOptOut SDP×9 KC×2 PDC MSPA×3       (20)
//	usva, usco, usct   SharingNotice SaleOptOutNotice TargetedAdvertisingOptOutNotice
//	          SaleOptOut TargetedAdvertisingOptOut SDP×(8, 7, 8) KC×(1, 1, 3) MSPA×3
//	usut, usia  four notices (the fourth a sensitive data one), SaleOptOut,
//	          TargetedAdvertisingOptOut, SDP×8 KC MSPA×3           (18)
//	usfl, usmt, usor, ustx, usde, usne, usnh, usnj, ustn, usmn   ProcessingNotice
//	          (SharingNotice for usmt) SaleOptOutNotice TargetedAdvertisingOptOutNotice
//	          SaleOptOut TargetedAdvertisingOptOut SDP×n KC×m ADPC MSPA×3
var gppSections = [gppMaxID + 1]gppSection{
	gppUSNat: {name: "usnat", versions: [2]uint8{1, 2}, fields: [2]uint8{27, 32},
		notice: [3]int8{1, 2, 3}, optOut: [3]int8{6, 7, 8}, gpc: true},
	8: {name: "usca", versions: [2]uint8{1}, fields: [2]uint8{20},
		notice: [3]int8{0, 1, -1}, optOut: [3]int8{3, 4, -1}, gpc: true},
	9:  usState("usva", 5+8+1+3, 1, 2, 3, 4, false),
	10: usState("usco", 5+7+1+3, 1, 2, 3, 4, true),
	11: usState("usut", 6+8+1+3, 1, 2, 4, 5, false),
	12: usState("usct", 5+8+3+3, 1, 2, 3, 4, true),
	13: usState("usfl", 5+8+3+1+3, 1, 2, 3, 4, false),
	14: usState("usmt", 5+8+3+1+3, 1, 2, 3, 4, true),
	15: usState("usor", 5+11+3+1+3, 1, 2, 3, 4, true),
	16: usState("ustx", 5+8+1+1+3, 1, 2, 3, 4, true),
	17: usState("usde", 5+9+5+1+3, 1, 2, 3, 4, true),
	18: usState("usia", 6+8+1+3, 1, 2, 4, 5, true),
	19: usState("usne", 5+8+1+1+3, 1, 2, 3, 4, true),
	20: usState("usnh", 5+8+3+1+3, 1, 2, 3, 4, true),
	21: usState("usnj", 5+10+5+1+3, 1, 2, 3, 4, true),
	22: usState("ustn", 5+8+1+1+3, 1, 2, 3, 4, true),
	23: usState("usmn", 5+8+1+1+3, 1, 2, 3, 4, true),
}

// gppKnown reports whether this reader reads section id.
func gppKnown(id int) bool {
	return id == gppTCFEUv2 || id == gppUSPv1 || id > 0 && id <= gppMaxID && gppSections[id].name != ""
}

// maxGPPSections bounds the sections of a string: every known id once.
const maxGPPSections = 20

// readGPPValue reads a GPP string whose applicable sections are unknown:
// all of them apply.
func (d *Decider) readGPPValue(value string) (Set, bool) { return d.readGPP(value, "") }

// DecideGPP reads a GPP string (the __gpp cookie, or a beacon's gpp
// parameter) with its applicable section ids (__gpp_sid or gpp_sid; ""
// when absent, and then every section applies). It returns the categories
// granted, always with Necessary, and whether the string could be read; a
// string that cannot be read grants only Necessary. The GPC sub-sections
// of US sections deny what the policy's GPC list denies; the Sec-GPC and
// DNT headers are not consulted.
func (d *Decider) DecideGPP(gpp, sid string) (Set, bool) {
	if gpp == "" || len(gpp) > maxValueLen || len(sid) > maxValueLen {
		return Only, false
	}
	s, ok := d.readGPP(gpp, sid)
	if !ok {
		return Only, false
	}
	return s | Only, true
}

func (d *Decider) readGPP(value, sid string) (Set, bool) {
	if strings.IndexByte(value, '%') >= 0 {
		// Some cookie writers percent-encode '~'; nothing else in a GPP
		// string is ever encoded.
		value = strings.ReplaceAll(strings.ReplaceAll(value, "%7E", "~"), "%7e", "~")
	}
	header, rest, _ := strings.Cut(value, "~")
	var ids [maxGPPSections]int
	n, ok := gppHeader(header, &ids)
	if !ok || n != strings.Count(value, "~") {
		return 0, false
	}
	applies, ok := gppApplicable(sid, ids[:n])
	if !ok {
		return 0, false
	}
	granted := All
	for i := range n {
		var sec string
		sec, rest, _ = strings.Cut(rest, "~")
		s, ok := d.gppSection(ids[i], sec)
		if !ok {
			return 0, false
		}
		if applies&(1<<i) != 0 {
			granted &= s
		}
	}
	if applies == 0 {
		return 0, true
	}
	return granted, true
}

// gppHeader reads the header into ids and returns how many there are. An
// id this reader does not know makes the header unreadable, which also
// bounds the work a hostile range can ask for.
func gppHeader(h string, ids *[maxGPPSections]int) (int, bool) {
	r := bitReader{s: h}
	if !r.valid() || r.read(6) != 3 || r.read(6) != 1 {
		return 0, false
	}
	entries := int(r.read(12))
	n, last := 0, 0
	for e := 0; e < entries && !r.short; e++ {
		isRange := r.read(1) == 1
		start, ok := r.fibonacci()
		if !ok {
			return 0, false
		}
		start += last
		end := start
		if isRange {
			off, ok := r.fibonacci()
			if !ok {
				return 0, false
			}
			end = start + off
		}
		for id := start; id <= end; id++ {
			if !gppKnown(id) || n == len(ids) {
				return 0, false
			}
			ids[n] = id
			n++
		}
		last = end
	}
	if !r.padded() {
		return 0, false
	}
	return n, true
}

// gppApplicable returns a bit per section of ids (bit i for ids[i]) that
// sid lists: all of them when sid is "", none for "-1". Ids are separated
// by ',' (or "%2C") or '_'.
func gppApplicable(sid string, ids []int) (uint32, bool) {
	if sid == "" {
		return 1<<len(ids) - 1, true
	}
	if sid == "-1" {
		return 0, true
	}
	sid = strings.ReplaceAll(strings.ReplaceAll(sid, "%2C", ","), "%2c", ",")
	var applies uint32
	for len(sid) > 0 {
		var tok string
		if i := strings.IndexAny(sid, ",_"); i >= 0 {
			tok, sid = sid[:i], sid[i+1:]
			if sid == "" {
				return 0, false
			}
		} else {
			tok, sid = sid, ""
		}
		id, ok := smallInt(tok)
		if !ok {
			return 0, false
		}
		found := false
		for i, have := range ids {
			if have == id {
				applies |= 1 << i
				found = true
			}
		}
		if !found {
			return 0, false
		}
	}
	return applies, true
}

// smallInt parses 1 to 3 decimal digits.
func smallInt(s string) (int, bool) {
	if s == "" || len(s) > 3 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// gppSection reads one section and returns what it grants.
func (d *Decider) gppSection(id int, sec string) (Set, bool) {
	switch id {
	case gppTCFEUv2:
		return d.readTCFValue(sec)
	case gppUSPv1:
		return readUSPv1(sec)
	}
	return d.readUS(&gppSections[id], sec)
}

// usGranted is what a US section grants before its opt-outs: the
// categories it records no choice about.
const usGranted = Only | 1<<Functional | 1<<Analytics

// readUSPv1 reads the uspv1 section, the US Privacy string "1YNN".
func readUSPv1(sec string) (Set, bool) {
	if len(sec) != 4 || sec[0] != '1' {
		return 0, false
	}
	for i := 1; i < 4; i++ {
		if c := sec[i]; c != 'Y' && c != 'N' && c != '-' {
			return 0, false
		}
	}
	s := usGranted
	if sec[1] == 'Y' && sec[2] == 'N' {
		s = s.With(Marketing)
	}
	return s, true
}

// readUS reads a US national or state section laid out as l.
func (d *Decider) readUS(l *gppSection, sec string) (Set, bool) {
	core, subs, hasSubs := strings.Cut(sec, ".")
	r := bitReader{s: core}
	if !r.valid() {
		return 0, false
	}
	v := uint8(r.read(6))
	n := -1
	for i, want := range l.versions {
		if want != 0 && v == want {
			n = int(l.fields[i])
		}
	}
	if n < 0 {
		return 0, false
	}
	var f [32]uint8
	for i := range n {
		if f[i] = uint8(r.read(2)); f[i] == 3 {
			return 0, false
		}
	}
	if !r.padded() {
		return 0, false
	}
	s := usGranted.With(Marketing)
	for i, o := range l.optOut {
		if o >= 0 && (f[l.notice[i]] != 1 || f[o] != 2) {
			s = s.Without(Marketing)
		}
	}
	if hasSubs {
		if !l.gpc || strings.IndexByte(subs, '.') >= 0 {
			return 0, false
		}
		r = bitReader{s: subs}
		if !r.valid() || r.read(2) != 1 {
			return 0, false
		}
		gpc := r.read(1) == 1
		if !r.padded() {
			return 0, false
		}
		if gpc {
			s &= d.gpcKeep
		}
	}
	return s, true
}

// fibonacci reads a Fibonacci-coded integer: bit i adds the i-th
// Fibonacci number (1, 2, 3, 5, …) and two 1 bits in a row end it. Codes
// longer than 32 bits, far beyond any section id, are refused.
func (r *bitReader) fibonacci() (int, bool) {
	a, b := 1, 2 // the Fibonacci numbers of this bit and the next
	v, prev := 0, uint64(0)
	for i := 0; i < 32; i++ {
		bit := r.read(1)
		if r.short {
			return 0, false
		}
		if bit == 1 && prev == 1 {
			return v, true
		}
		if bit == 1 {
			v += a
		}
		prev = bit
		a, b = b, a+b
	}
	return 0, false
}

// padded reports whether what is left after the last field read is
// padding: fewer than 24 bits (base64url encoders pad to whole bytes, or
// to 24 bits), all zero.
func (r *bitReader) padded() bool {
	if r.short {
		return false
	}
	left := 6*len(r.s) - r.pos
	return left < 24 && r.read(left) == 0 && !r.short
}

// gppDefault reads GPP strings under the default policy: GPC denies
// analytics and marketing.
var gppDefault = &Decider{gpcKeep: All &^ Set(0).With(Analytics).With(Marketing)}

// ReadGPP is DecideGPP under the default policy, for callers that hold a
// GPP string but no Decider, such as a beacon's gpp parameter.
func ReadGPP(gpp, sid string) (Set, bool) { return gppDefault.DecideGPP(gpp, sid) }
