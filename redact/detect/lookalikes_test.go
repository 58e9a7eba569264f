package detect

import "testing"

// Hard negatives: digit runs and addresses with an identifier's shape and
// checksum that are something else.

func TestISBN(t *testing.T) {
	// ISBN-10's check is the NHS number's mod 11: every one below passes
	// nhsCheck, and those starting 0 have a UK phone number's shape.
	runCases(t, []detectCase{
		{"isbn 3540402128", nil},
		{"ISBN: 3802314417", nil},
		{"ISBN-10: 9146161155", nil},
		{"isbn10=7553000000", nil},
		{"GET /isbn/3540402128 HTTP/1.1", nil},
		{"?isbn=0306406152&x", nil},
		{"ISBN 0140449264", nil},
		{"ISBN 13: 9780306406157", nil},
		{"isbn3540402128", nil},
		{"ISBN:3540402128", nil},
		{"316148410X", nil}, // check digit X
		// Without the word, an ISBN-10 is still an NHS number (or phone):
		// the check cannot tell them apart.
		{"/books/3540402128", []string{"nhs:3540402128"}},
		{"/books/0306406152", []string{"phone:0306406152"}},
		{"nhs 3540402128", []string{"nhs:3540402128"}},
		{"xisbn 3540402128", []string{"nhs:3540402128"}},
	})
}

func TestZeroPadded(t *testing.T) {
	runCases(t, []detectCase{
		{"INV-0000123456", nil},
		{"order=0004417733", nil},
		{"000012345678", nil},
		{"000 000 0000", nil}, // passes the NHS check
		{"000-123-4560", nil}, // passes the NHS check
		{"0001 234 5678", nil},
		{"ref 000 123 4560 ok", nil},
		// Two zeros are an international prefix, one a trunk prefix.
		{"0044 7700 900123", []string{"phone:0044 7700 900123"}},
		{"943 476 5919", []string{"nhs:943 476 5919"}},
	})
}

func TestDateTimes(t *testing.T) {
	// Each 14-digit run passes the Luhn check and starts like a card.
	runCases(t, []detectCase{
		{"20241231235959", nil},
		{"build=20230105114515", nil},
		{"backup-20190304120004.tar", nil},
		{"202412312359", nil},
		{"20241231", nil},
		// Not a plausible date and time: a card (Diners test number).
		{"30569309025904", []string{"card:30569309025904"}},
	})
}

func TestImageNames(t *testing.T) {
	runCases(t, []detectCase{
		{"GET /img/logo@2x.png HTTP/1.1", nil},
		{"icon@3x.webp", nil},
		{"hero@1.5x.jpg", nil},
		{"LOGO@2X.PNG", nil},
		{"banner@1x.gif?v=3", nil},
		{"sprite@2.png", nil},
		// Addresses still.
		{"jane@2xample.com", []string{"email:jane@2xample.com"}},
		{"jane@123.example.com", []string{"email:jane@123.example.com"}},
		{"jane@example.png.com", []string{"email:jane@example.png.com"}},
		{"jane@3x.co.uk", []string{"email:jane@3x.co.uk"}},
	})
}

func TestFileVersions(t *testing.T) {
	runCases(t, []detectCase{
		{"GET /dl/setup-4.1.0.22.exe HTTP/1.1", nil},
		{"app-10.2.3.4.zip", nil},
		{"v1.2.3.4", nil},
		{"tool-1.2.3.4.tar.gz", nil},
		{"Foo_1.2.3.4.msi", nil},
		// Addresses still: no extension, or a host name after them.
		{"host-10.0.0.1 up", []string{"ipv4:10.0.0.1"}},
		{"db-10.0.0.1.nip.io", []string{"ipv4:10.0.0.1"}},
		{"from 10.0.0.1.", []string{"ipv4:10.0.0.1"}},
		{"log-10.0.0.1.example.com", []string{"ipv4:10.0.0.1"}},
		{"/var/log/access-10.0.0.1.log", []string{"ipv4:10.0.0.1"}},
		{"x64-1.2.3.4.msi", nil},
		{"setup-x64-4.1.0.22.exe", nil},
		{"app-1.2.3.4.tar", nil},
		{"app-1.2.3.4.tar.log", []string{"ipv4:1.2.3.4"}},
	})
}
