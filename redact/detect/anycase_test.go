package detect

import "testing"

// The formats people type: lower case, a capital first (as phone keyboards
// write it), dashes for spaces. Mixed case is left alone, being the shape
// of random tokens rather than of a typed identifier.

func TestNINOAnyCase(t *testing.T) {
	runCases(t, []detectCase{
		{"ab123456c", []string{"nino:ab123456c"}},
		{"?ni_number=ab123456c&x=1", []string{"nino:ab123456c"}},
		{"ab 12 34 56 c", []string{"nino:ab 12 34 56 c"}},
		{"Ab 12 34 56 c", []string{"nino:Ab 12 34 56 c"}},
		{"AB-12-34-56-C", []string{"nino:AB-12-34-56-C"}},
		{"ab-123456-c", []string{"nino:ab-123456-c"}},
		{"ce 123456a", []string{"nino:ce 123456a"}},
		{"?ni=ab+12+34+56+c&x", []string{"nino:ab+12+34+56+c"}},
		{"?ni=AB+123456+C", []string{"nino:AB+123456+C"}},
		// Near misses.
		{"aB123456c", nil},
		{"AB123456c", nil},
		{"AB-12 34-56-C", nil}, // one kind of separator
		{"qq123456c", nil},
		{"ab123456e", nil},
		{"xab123456c", nil},
		{"ab--12-34-56-c", nil},
	})
}

func TestIBANAnyCase(t *testing.T) {
	// The whole IBAN is one match: country, check digits and bank code
	// must not stay readable beside a tagged tail.
	runCases(t, []detectCase{
		{"gb82west12345698765432", []string{"iban:gb82west12345698765432"}},
		{"iban gb82 west 1234 5698 7654 32.", []string{"iban:gb82 west 1234 5698 7654 32"}},
		{"GB82-WEST-1234-5698-7654-32", []string{"iban:GB82-WEST-1234-5698-7654-32"}},
		{"gb82-west-1234-5698-7654-32", []string{"iban:gb82-west-1234-5698-7654-32"}},
		{"?iban=GB82+WEST+1234+5698+7654+32&x", []string{"iban:GB82+WEST+1234+5698+7654+32"}},
		{"de89 3704 0044 0532 0130 00", []string{"iban:de89 3704 0044 0532 0130 00"}},
		{"De89-3704-0044-0532-0130-00", []string{"iban:De89-3704-0044-0532-0130-00"}},
		{"fr1420041010050500013m02606", []string{"iban:fr1420041010050500013m02606"}},
		// Near misses.
		{"gb82west12345698765433", nil},
		{"gb82-west 1234-5698-7654-32", nil}, // one kind of separator
		{"gb82 wes t1234 5698 7654 32", nil},
		// In lower case the country must be registered: hex ids pass the
		// check one time in 97. In capitals an unlisted country is allowed.
		{"etag=ab12c3d4e5f60718293a4b5c6d7e8f90", nil},
		{"AA2012345678901234", nil}, // wrong check
		{"Gb82West12345698765432", nil},
	})
}

func TestPostcodeAnyCase(t *testing.T) {
	runCases(t, []detectCase{
		{"sw1a 1aa", []string{"postcode:sw1a 1aa"}},
		{"Sw1a 1aa", []string{"postcode:Sw1a 1aa"}},
		{"ls2 9jt", []string{"postcode:ls2 9jt"}},
		{"m1 1ae", []string{"postcode:m1 1ae"}},
		{"ls29jt", []string{"postcode:ls29jt"}},
		{"postcode=sw1a1aa&", []string{"postcode:sw1a1aa"}},
		{"?pc=SW1A+1AA&x", []string{"postcode:SW1A+1AA"}},
		{"?pc=ls2+9jt", []string{"postcode:ls2+9jt"}},
		{"gir 0aa", []string{"postcode:gir 0aa"}},
		{"b33 8th", []string{"postcode:b33 8th"}},
		// Near misses. The five-character form without a space (M11AE,
		// m11ae) stays unmatched in either case: too many short tokens
		// fit it.
		{"m11ae", nil},
		{"sW1a 1aa", nil},
		{"Sw1A1aA", nil},
		{"sw1a 1ca", nil},
		{"qa1 1aa", nil},
		{"x86 64bit", nil},
		{"win10 1aa", nil},
		{"utf8", nil},
		{"GIR0 AAB", nil},
		{"h264aac", nil},
		{"gir0aa", nil},
		// Lower-case hex ids of a postcode's shape: a short commit hash, a
		// colour. In capitals, or with the space, they are postcodes.
		{"commit a1b2dd", nil},
		{"color=e12abd", nil},
		{"A1B2DD", []string{"postcode:A1B2DD"}},
		{"b33 8db", []string{"postcode:b33 8db"}},
	})
}
