package consent

import "strings"

// IAB TCF v2.2 TC strings, as in the euconsent-v2 cookie.
//
// The format is IAB Tech Lab's "Transparency and Consent String with Global
// Vendor & CMP List Formats" (https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework,
// TCFv2/IAB Tech Lab - Consent string and vendor list formats v2.md): one
// or more segments joined by '.', each base64url without padding, the core
// segment first. The core segment's bit fields, big-endian:
//
//	Version 6 (must be 2), Created 36, LastUpdated 36, CmpId 12,
//	CmpVersion 12, ConsentScreen 6, ConsentLanguage 12 (two letters, 6
//	bits each), VendorListVersion 12, TcfPolicyVersion 6,
//	IsServiceSpecific 1, UseNonStandardTexts 1, SpecialFeatureOptIns 12,
//	PurposesConsent 24, PurposesLITransparency 24, PurposeOneTreatment 1,
//	PublisherCC 12, then the vendor consent section, the vendor legitimate
//	interest section and the publisher restrictions.
//
// A vendor section is MaxVendorId 16, IsRangeEncoding 1 and either a
// MaxVendorId-bit field or NumEntries 12 ranges (IsARange 1,
// StartOrOnlyVendorId 16, EndVendorId 16 if a range). Publisher
// restrictions are NumPubRestrictions 12, each PurposeId 6,
// RestrictionType 2 and NumEntries 12 ranges. Other segments start with a
// 3-bit SegmentType: 1 disclosed vendors and 2 allowed vendors (each a
// vendor section), 3 publisher TC (PubPurposesConsent 24,
// PubPurposesLITransparency 24, NumCustomPurposes 6 and two fields of that
// many bits).
//
// Every segment is read to its end, so a truncated or damaged string is
// unreadable even when the purposes near its start survived.

// tcfCategories maps TC string purposes to categories. Categories come
// from the core PurposesConsent bits. Legitimate interest is not consent,
// and TCF v2.2 no longer allows it for purposes 3 to 6, so
// PurposesLITransparency is not read. A category is granted only when the
// visitor consented to every purpose its cookies serve:
//
//	category    purposes (TCF v2.2 names)
//	functional  1 store and/or access information on a device,
//	            5 create profiles to personalise content,
//	            6 use profiles to select personalised content
//	analytics   1, 8 measure content performance
//	marketing   1, 2 use limited data to select advertising,
//	            3 create profiles for personalised advertising,
//	            4 use profiles to select personalised advertising,
//	            7 measure advertising performance
//
// Purpose 1 is the consent to use cookies at all (ePrivacy Directive art.
// 5(3)), so without it nothing beyond necessary is granted; a string with
// PurposeOneTreatment set, whose purpose 1 was never asked, grants nothing
// either. TCF has no purpose for remembering preferences; functional
// cookies tailor what the visitor sees and often come from embedded
// third-party content, so they need the personalised content purposes 5
// and 6, not purpose 1 alone. Analytics cookies measure how the site's
// content performs, purpose 8; purposes 9 and 10 describe audience research
// and product development, so they are neither needed nor enough.
// Marketing cookies select ads (2, 4), build
// the profiles behind them (3) and measure conversions (7); a visitor who
// refused any of those has refused what marketing cookies do. Purpose 11
// (use limited data to select content) and the special features are not
// used.
// The publisher TC segment, which records the publisher's own legal bases
// and is often empty, is checked for damage but not read for consent.
var tcfCategories = [...]struct {
	c        Category
	purposes uint32
}{
	{Functional, purposes(1, 5, 6)},
	{Analytics, purposes(1, 8)},
	{Marketing, purposes(1, 2, 3, 4, 7)},
}

// purposes returns the PurposesConsent bits of the given purpose ids:
// purpose 1 is the field's first, most significant bit.
func purposes(ids ...int) uint32 {
	var m uint32
	for _, id := range ids {
		m |= 1 << (24 - id)
	}
	return m
}

// readTCFValue reads a TC string. Base64url has no '%', so the value is not
// percent-decoded: a '%' makes it unreadable.
func (d *Decider) readTCFValue(value string) (Set, bool) {
	p, p1t, ok := tcfPurposes(value)
	if !ok {
		return 0, false
	}
	var s Set
	if p1t {
		return s, true
	}
	for _, m := range tcfCategories {
		if p&m.purposes == m.purposes {
			s = s.With(m.c)
		}
	}
	return s, true
}

// tcfPurposes checks a TC string and returns its core PurposesConsent
// field, purpose 1 in bit 23, and its PurposeOneTreatment flag.
func tcfPurposes(tc string) (p uint32, p1t bool, ok bool) {
	core, rest, more := strings.Cut(tc, ".")
	r := bitReader{s: core}
	if !r.valid() {
		return 0, false, false
	}
	if v := r.read(6); v != 2 {
		return 0, false, false
	}
	r.skip(36 + 36 + 12 + 12 + 6)
	if !r.letters() { // ConsentLanguage
		return 0, false, false
	}
	r.skip(12 + 6 + 1 + 1 + 12)
	p = uint32(r.read(24))
	r.skip(24) // PurposesLITransparency
	p1t = r.read(1) == 1
	if !r.letters() || // PublisherCC
		!r.vendorSection() || // vendor consents
		!r.vendorSection() || // vendor legitimate interests
		!r.publisherRestrictions() {
		return 0, false, false
	}
	for more {
		var seg string
		seg, rest, more = strings.Cut(rest, ".")
		r = bitReader{s: seg}
		if !r.valid() {
			return 0, false, false
		}
		switch r.read(3) {
		case 1, 2: // disclosed vendors, allowed vendors
			if !r.vendorSection() {
				return 0, false, false
			}
		case 3: // publisher TC
			r.skip(24 + 24)
			n := int(r.read(6))
			r.skip(2 * n)
		default:
			return 0, false, false
		}
		if r.short {
			return 0, false, false
		}
	}
	return p, p1t, true
}

// bitReader reads big-endian bit fields straight from base64url text,
// 6 bits a character, so a TC string is read without decoding it into a
// buffer. Reading past the end sets short and returns zeros.
type bitReader struct {
	s     string
	pos   int // in bits
	short bool
}

// valid reports whether s is non-empty base64url without padding and no
// longer than a cookie can be. A length of 4n+1 characters encodes no
// whole byte in its last character, so no encoder writes one.
func (r *bitReader) valid() bool {
	if r.s == "" || len(r.s) > maxValueLen || len(r.s)%4 == 1 {
		return false
	}
	for i := 0; i < len(r.s); i++ {
		if b64url[r.s[i]] == 0xff {
			return false
		}
	}
	return true
}

func (r *bitReader) read(n int) uint64 {
	if r.short || r.pos+n > 6*len(r.s) {
		r.short = true
		return 0
	}
	var v uint64
	for n > 0 {
		c := b64url[r.s[r.pos/6]]
		avail := 6 - r.pos%6
		take := min(avail, n)
		v = v<<take | uint64(c>>(avail-take))&(1<<take-1)
		n -= take
		r.pos += take
	}
	return v
}

func (r *bitReader) skip(n int) {
	if r.short || r.pos+n > 6*len(r.s) {
		r.short = true
		return
	}
	r.pos += n
}

// letters reads a two-letter code, 6 bits a letter with A as 0.
func (r *bitReader) letters() bool {
	a, b := r.read(6), r.read(6)
	return !r.short && a < 26 && b < 26
}

// vendorSection reads MaxVendorId, IsRangeEncoding and the bit field or
// ranges that follow.
func (r *bitReader) vendorSection() bool {
	maxID := r.read(16)
	if r.read(1) == 0 {
		r.skip(int(maxID))
		return !r.short
	}
	return r.ranges(maxID)
}

// ranges reads NumEntries ranges of vendor ids, none above maxID.
func (r *bitReader) ranges(maxID uint64) bool {
	n := int(r.read(12))
	for i := 0; i < n && !r.short; i++ {
		isRange := r.read(1)
		start := r.read(16)
		end := start
		if isRange == 1 {
			end = r.read(16)
		}
		if start == 0 || end < start || end > maxID {
			return false
		}
	}
	return !r.short
}

func (r *bitReader) publisherRestrictions() bool {
	n := int(r.read(12))
	for i := 0; i < n && !r.short; i++ {
		r.skip(6 + 2) // PurposeId, RestrictionType
		if !r.ranges(1<<16 - 1) {
			return false
		}
	}
	return !r.short
}

// b64url maps base64url characters to their 6-bit values, others to 0xff.
var b64url = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()
