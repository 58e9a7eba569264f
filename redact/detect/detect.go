// Package detect finds personal identifiers in free text and replaces them.
//
// A Scanner looks for every kind of identifier in one pass over its input,
// without regular expressions: a table of byte classes lets it skip quickly
// over bytes that cannot start anything, and each candidate is validated
// only when its first bytes fit. Formats with a check digit are reported only
// when it is right (Luhn, mod 11, mod 97). The rules for each kind, written
// on its constant below, are chosen so that the digit-heavy parts of access
// logs — timestamps, sizes, status codes, version strings, hashes, UUIDs and
// numeric ids — are left alone, while anything that has an identifier's
// shape and checksum is redacted even where it could be something else:
// caddy-privacy fails closed.
//
// Some digit runs have an identifier's length and checksum and are
// something else; they are never an NHS number, card or phone number: a run
// with three leading zeros or more (padded invoice and order numbers), 12
// and 14 digits that read as a date and time YYYYMMDDhhmm[ss] from 1970 to
// 2099 (build stamps; one in ten passes the Luhn check), and 10 or 13
// digits after the word ISBN (an ISBN-10's check is the NHS number's).
//
// Matches never overlap. Where two could, the one found first wins, except
// that an email address wins over anything inside its local part (the phone
// number in 07700900123@sms.example.com).
//
// The scan stops only on bytes that can start an identifier or are its
// first sure sign: digits, B and b, the J of "eyJ", and : @ % + _. Lower-
// and upper-case letters and other punctuation are skipped four bytes at a
// time. The identifiers that start with letters (NINO, IBAN, postcode, VAT
// number, GA id) have a digit within their first five bytes, and are found
// from it by looking back over the letters at the start of its word, which
// is what lets them be matched in lower case without stopping on every
// letter. A run of digits is read once and classified by what ends it; the
// time stamp, status and size of Common Log Format lines are recognised
// and skipped whole. Nothing is allocated unless a replacement function
// allocates. On the access log in the benchmarks, with every detector on,
// this runs at about 1 GB/s per core, several hundred times faster than
// the same detection with Go's regexp package (see BenchmarkCorpus).
package detect

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/caddy-privacy/caddy-privacy/config"
)

// Kind is a kind of identifier, one per detector.
type Kind uint8

// The kinds, in the order of config.DetectorNames. The comment on each says
// what it matches; "boundary" means the match is neither preceded nor
// followed by a letter or digit.
const (
	// IPv4 is a dotted-quad address, four decimal octets of at most three
	// digits and at most 255. A dotted quad is not an address when it is
	// part of a longer dotted run (1.2.3.4.5), touches a letter, digit or
	// underscore (v1.2.3.4, 1.2.3.4b), follows a '.', or is the version of
	// a product token such as Chrome/1.0.154.53 (a name and '/' at the
	// start, or after a space, parenthesis, ';', ',', quote or '[') or one
	// of the user agent versions rv:1.9.0.19 and Linux 2.6.32.59. It is
	// one in a path segment or URL (/lookup/8.8.8.8,
	// http://10.0.0.1:8080/, http://host:8080/8.8.8.8), but not the
	// version in the name of a download: after a name and '-' and before
	// the extension of an installer, package or archive
	// (setup-4.1.0.22.exe, tool-1.2.3.4.tar.gz). With other extensions it
	// is an address: files are named after hosts too (access-10.0.0.1.log).
	IPv4 Kind = iota

	// IPv6 is an address as netip would parse it, with at least two
	// colons: compressed forms, embedded IPv4 (::ffff:1.2.3.4), inside
	// brackets ([2001:db8::1]:443), and a zone (fe80::1%eth0) on
	// link-local and multicast addresses. "::" alone is not matched, nor
	// is anything touching another letter or digit (std::vector), so
	// times (10:15:30), MAC addresses and UUIDs are never addresses.
	IPv6

	// Email is local@domain, also with @ written %40 as in URLs. The local
	// part is letters, digits and ._%+- (a %XX escape of any other
	// character ends it, so email%3Djane%40example.com matches only
	// jane%40example.com); the domain has at least two labels and ends in
	// an alphabetic top-level domain of two letters or more (or xn--).
	// Image names are not addresses: a domain that starts with a pixel
	// density (logo@2x.png, hero@1.5x.jpg), or has two labels, the first
	// starting with a digit, and a file extension such as png or gif for
	// its top-level domain.
	Email

	// Phone is a telephone number. Which digit counts and leading digits
	// make a number is decided by a table generated from libphonenumber's
	// metadata (phone_table.go): per country calling code, the lengths a
	// national number can have and the digits it can start with.
	//
	// International, for every country: '+' (or its escape %2B, or 00),
	// the country code and a national number of a length its plan has,
	// contiguous or in groups separated by one space, '-', '.' or '/', with
	// an optional (0) trunk prefix or parenthesized area code (+44 (0)20
	// 7946 0018, +1 (415) 555-2671, tel:+33-6-12-34-56-78,
	// %2B44%207700%20900123); a trunk 0 kept after the code (+44 020 …) is
	// allowed. The longest run of groups that fits is taken. Written
	// without separators it needs 7 digits or more. A '+' after a letter,
	// digit or '.' does not start one: 3.9.1+20230105114512 is a version.
	//
	// National, with the trunk prefix 0, for GB, IE, FR and DE: 0 then a
	// national number whose length and first two digits are valid in one
	// of the four plans (6 to 15 digits after the 0, per the metadata),
	// contiguous (9 digits or more in all), in groups separated by one
	// space or '-' (030 12345, 06 12 34 56 78, 0 809 63 71 36), in groups
	// separated by '.' (07700.900456, 06.12.34.56.78) or with the area code
	// in parentheses ((020) 7946 0018). Below 9 digits the area code must
	// be a group of its own, three digits or more. North American (+1
	// plan): (415) 555-2671, (415)555-2671, 415-555-2671, 415.555.2671 and
	// 1-415-555-2671, with an area code in use and a valid exchange digit;
	// a bare run of ten digits is not taken, being as likely an id.
	//
	// Not phones: runs that do not start with +, 0 or a parenthesis
	// (/product/123456789, sizes); three leading zeros (zero-padded ids);
	// groups that continue a longer run of groups or a dashed code (the
	// tail of an IBAN, ISBNs such as 0-306-40615-2), or that start with
	// the groups of a date (05 01 2024 10:30); a run after "ISBN"; digits
	// after the '+' of a version's build metadata.
	Phone

	// NINO is a UK National Insurance number: two prefix letters, six
	// digits and a suffix A to D, with an optional space, '-' or '+' (a
	// space in a query string; one kind in a number) between the prefix,
	// the digit pairs and the suffix (AB123456C, AB 12 34 56 C,
	// AB-12-34-56-C). Letters are all capitals, all lower case, or a
	// capital and then lower case, as people and phone keyboards type them
	// (ab123456c, Ab 12 34 56 c); mixed case such as aB123456c is the shape
	// of a random token and is not matched. The prefix follows HMRC's rules: the first letter is not D, F, I,
	// Q, U or V, the second is not D, F, I, O, Q, U or V, and BG, GB, KN,
	// NK, NT, TN and ZZ are never used. HMRC's own specimen, QQ 12 34 56
	// C, is therefore not matched.
	NINO

	// NHS is an NHS number, ten digits whose tenth is the mod 11 check
	// digit of the others: in 3-3-4 groups separated by one space or '-'
	// (943 476 5919), or contiguous (9434765919) when the first digit is 3
	// to 9, which leaves out Unix times and byte counts below 3 GB. ISBN-10s
	// share the check: after the word ISBN (isbn 3540402128, ISBN-10:,
	// /isbn/) ten digits are an ISBN, but elsewhere a contiguous ISBN-10
	// that starts 3 to 9 is still matched, as nothing else tells them apart.
	// A number with three leading zeros is not one (000-123-4560).
	NHS

	// Card is a payment card number: 13 to 19 digits starting 2 to 6 (the
	// Mastercard, Amex, Diners, JCB, Visa, Maestro, Discover and UnionPay
	// ranges) that pass the Luhn check, contiguous or in groups of 3 to 6
	// digits separated by one space or '-' (the last group may be
	// shorter). Fourteen digits that read as a date and time,
	// YYYYMMDDhhmmss from 1970 to 2099 (20241231235959), are not one.
	Card

	// IBAN is an International Bank Account Number: a country code, two
	// check digits and the account number in letters of either case and
	// digits, contiguous or in groups of four separated by one space, '-'
	// or '+' (a space in a query string; one kind in a number), with the
	// length registered for the country (15 to 34 for countries not in the
	// table) and mod 97 equal to 1. With lower-case letters the country must
	// be in the table and the letters in one case as for NINO, since one
	// lower-case hex id (a hash, a trace id) in 97 passes the check. The
	// match is always the whole number, so the country, check digits and
	// bank code are not left readable.
	IBAN

	// Postcode is a UK postcode, on a boundary: outward code (A9, A99,
	// A9A, AA9, AA99, AA9A with Royal Mail's letter rules), one space or
	// '+' (a space in a query string) and inward code (9AA, without C, I,
	// K, M, O or V), or GIR 0AA. Letters are in one case as for NINO (SW1A
	// 1AA, sw1a 1aa, Sw1a 1aa). Without the space it is matched only in its
	// 6- and 7-character forms (SW1A1AA, ls29jt), where the letter rules
	// make words and product codes unlikely to fit, and not when it is
	// lower-case hex (a short commit hash or a colour, a1b2dd); the
	// 5-character form (M11AE, m11ae) is not matched, as too many short
	// tokens fit it.
	Postcode

	// JWT is a JSON Web Token: base64url segments separated by dots,
	// three (a JWS; the signature may be empty) or five (a JWE), the first
	// starting "eyJ" (the encoding of `{"`) and at least 10 characters
	// long.
	JWT

	// Credential is the secret part of an HTTP credential; the scheme
	// name is kept so the log still says what kind of credential it was.
	// It is the token after the scheme word Bearer or Basic (in any case,
	// followed by spaces): a Bearer token of 8 or more characters with a
	// digit or one of -._~+/= or, if 16 or longer, both cases; a Basic
	// token that is padded base64 of something containing ':'. After an
	// Authorization or Proxy-Authorization header name and ':' (in any
	// case, also as a JSON key) it is the whole value, checked for nothing:
	// for Bearer and Basic the token, otherwise everything after the
	// scheme word to the closing quote or the end of the line.
	Credential

	// GAClientID is a Google Analytics client or session id: a value
	// starting GA1. or GS1. (any version number) such as
	// GA1.2.123456789.1700000000, or the value of a _ga, _ga_<container>,
	// _gid or _gl cookie or query parameter, up to the next ; & , quote,
	// bracket or white space.
	GAClientID

	// VAT is a UK VAT registration number with its GB prefix (any case):
	// nine digits, contiguous or grouped 3 4 2 by one space, '-' or '+'
	// (GB123456789, GB 123 4567 89), optionally with a three-digit branch
	// number (GB123456789001), that pass HMRC's mod 97 check in either its
	// original or its "9755" form; or GBGD and three digits below 500
	// (government departments) and GBHA and three digits from 500 (health
	// authorities). Without the prefix, nine bare digits are too often
	// something else, so they are a VAT number only after the word VAT
	// (VAT, VAT No., vat_number, VAT reg no and the like, then up to three
	// of ` :=#."`), and the match is then the number alone.
	VAT

	numKinds
)

// String returns the kind's detector name as config.DetectorNames spells it.
func (k Kind) String() string {
	if k < numKinds {
		return config.DetectorNames[k]
	}
	return "unknown"
}

// ParseKind returns the Kind whose detector name is name.
func ParseKind(name string) (Kind, bool) {
	for i, n := range config.DetectorNames {
		if i >= int(numKinds) {
			break
		}
		if n == name {
			return Kind(i), true
		}
	}
	return 0, false
}

// Match is one identifier found in a text: src[Start:End].
type Match struct {
	Kind       Kind
	Start, End int
}

// Options configures a Scanner.
type Options struct {
	// Detectors tunes each detector, keyed by detector name as in
	// config.Policy.Detectors. A detector that is not in the map is on and
	// uses its default replacement; an empty Replace means the default too:
	// "transform" for ipv4 and ipv6, "tag" for the others.
	Detectors map[string]config.Detector

	// IP renders an address for Replace "transform". Appending nothing
	// (the "drop" transform) makes the match the tag "[ip]". Nil: "transform"
	// writes the kind's tag, "[ipv4]" or "[ipv6]". The address has no zone.
	// It must be safe for concurrent use.
	IP func(dst []byte, addr netip.Addr) []byte

	// Pseudonym appends a short keyed pseudonym of src for Replace
	// "pseudonym". Nil: "pseudonym" writes the kind's tag instead. It must
	// be safe for concurrent use.
	Pseudonym func(dst, src []byte) []byte
}

// How a kind's matches are replaced.
const (
	modeTag uint8 = iota
	modeMask
	modePseudonym
	modeTransform
)

// Scanner finds identifiers and replaces them. It is safe for concurrent
// use; make one with New.
type Scanner struct {
	on   [numKinds]bool
	mode [numKinds]uint8
	tag  [numKinds]string // "[email]"
	open [numKinds]string // "[email:", the start of a pseudonym

	ip     func(dst []byte, addr netip.Addr) []byte
	pseudo func(dst, src []byte) []byte

	// cls classifies every byte for the scanning loop; it depends on which
	// detectors are on, so that bytes only a disabled detector cares about
	// are skipped.
	cls [256]uint8

	capsOn bool // nino, iban, postcode, ga_client_id or vat is on
}

// New returns a Scanner configured by o. It fails on an unknown detector
// name or a replacement the detector does not support, naming the detector.
func New(o Options) (*Scanner, error) {
	s := &Scanner{ip: o.IP, pseudo: o.Pseudonym}
	for k := Kind(0); k < numKinds; k++ {
		s.on[k] = true
		s.tag[k] = "[" + k.String() + "]"
		s.open[k] = "[" + k.String() + ":"
		if k == IPv4 || k == IPv6 {
			s.mode[k] = modeTransform
		}
	}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(o.Detectors)) {
		d := o.Detectors[name]
		k, ok := ParseKind(name)
		if !ok && slices.Contains(config.DetectorNames, name) {
			continue // a detector of the engine's, not the scanner's (names)
		}
		if !ok {
			errs = append(errs, fmt.Errorf("detect: detector %q is unknown; want one of %s",
				name, strings.Join(config.DetectorNames, ", ")))
			continue
		}
		s.on[k] = !d.Off
		switch d.Replace {
		case "":
		case config.ReplaceTag:
			s.mode[k] = modeTag
		case config.ReplaceMask:
			s.mode[k] = modeMask
		case config.ReplacePseudonym:
			s.mode[k] = modePseudonym
		case config.ReplaceTransform:
			if k != IPv4 && k != IPv6 {
				errs = append(errs, fmt.Errorf("detect: detector %q: replace %q is only for ipv4 and ipv6; want tag, mask or pseudonym",
					name, d.Replace))
				continue
			}
			s.mode[k] = modeTransform
		default:
			want := "tag, mask or pseudonym"
			if k == IPv4 || k == IPv6 {
				want = "transform, tag, mask or pseudonym"
			}
			errs = append(errs, fmt.Errorf("detect: detector %q: replace %q is unknown; want %s", name, d.Replace, want))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s.buildClasses()
	return s, nil
}

// Enabled reports whether the detector for k is on.
func (s *Scanner) Enabled(k Kind) bool { return k < numKinds && s.on[k] }

// AppendRedacted appends src to dst with every match replaced, and returns
// the extended slice. A match becomes, as its detector is configured, its
// tag ("[email]"), asterisks of its length in bytes, a tag with a
// pseudonym ("[email:3xT9q2Lw0aKd]"), or for addresses what Options.IP
// makes of it ("[ip]" if that is nothing). When nothing matches it is
// append(dst, src...), which allocates nothing when dst has room. dst and
// src must not overlap.
func (s *Scanner) AppendRedacted(dst, src []byte) []byte {
	last := 0
	for {
		m, ok := s.find(src, last, last)
		if !ok {
			break
		}
		dst = append(dst, src[last:m.Start]...)
		dst = s.appendReplacement(dst, src, m)
		last = m.End
	}
	return append(dst, src[last:]...)
}

// Scan calls fn for every match in src, in order; matches do not overlap.
// It is what AppendRedacted replaces.
func (s *Scanner) Scan(src []byte, fn func(Match)) {
	last := 0
	for {
		m, ok := s.find(src, last, last)
		if !ok {
			return
		}
		fn(m)
		last = m.End
	}
}

// Contains reports whether src holds anything to redact. It stops at the
// first match.
func (s *Scanner) Contains(src []byte) bool {
	_, ok := s.find(src, 0, 0)
	return ok
}

var maskRun = []byte("********************************")

func (s *Scanner) appendReplacement(dst, src []byte, m Match) []byte {
	switch s.mode[m.Kind] {
	case modeMask:
		for n := m.End - m.Start; n > 0; {
			k := min(n, len(maskRun))
			dst = append(dst, maskRun[:k]...)
			n -= k
		}
		return dst
	case modePseudonym:
		if s.pseudo == nil {
			break
		}
		dst = append(dst, s.open[m.Kind]...)
		dst = s.pseudo(dst, src[m.Start:m.End])
		return append(dst, ']')
	case modeTransform:
		if s.ip == nil {
			break
		}
		addr, ok := parseAddr(m.Kind, src[m.Start:m.End])
		if !ok {
			// Not reachable for matches the scanner makes; fail closed.
			break
		}
		n := len(dst)
		dst = s.ip(dst, addr)
		if len(dst) == n {
			dst = append(dst, "[ip]"...)
		}
		return dst
	}
	return append(dst, s.tag[m.Kind]...)
}

// parseAddr parses a match of the IPv4 or IPv6 detector, leaving out an
// IPv6 zone: zones name local interfaces, not people, and the transforms
// work on the address.
func parseAddr(k Kind, b []byte) (netip.Addr, bool) {
	if k == IPv4 {
		a, ok := parseIPv4(b)
		if !ok {
			return netip.Addr{}, false
		}
		return netip.AddrFrom4(a), true
	}
	for i, c := range b {
		if c == '%' {
			b = b[:i]
			break
		}
	}
	a, ok := parseIPv6(b)
	if !ok {
		return netip.Addr{}, false
	}
	return netip.AddrFrom16(a), true
}
