package reference

import (
	"math/big"
	"strings"
	"testing"
	"unicode"
)

// The checks below are written again, in Go, from the published
// algorithms, so that the cases do not rest on the generator alone: a case
// that claims to be an NHS number passes mod 11, and so on.

// digitsOf returns the ASCII digits of s.
func digitsOf(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// alnumUpper returns the letters and digits of s, upper-cased.
func alnumUpper(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c)) {
			b.WriteRune(unicode.ToUpper(c))
		}
	}
	return b.String()
}

func luhn(n string) bool {
	sum := 0
	for i := range len(n) {
		d := int(n[len(n)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return len(n) > 1 && sum%10 == 0
}

// nhsValid applies the NHS number check: weights 10..2 over nine digits,
// 11 minus the sum mod 11 is the tenth (11 means 0, 10 is never issued).
func nhsValid(n string) bool {
	if len(n) != 10 {
		return false
	}
	sum := 0
	for i := range 9 {
		sum += int(n[i]-'0') * (10 - i)
	}
	c := 11 - sum%11
	if c == 11 {
		c = 0
	}
	return c != 10 && c == int(n[9]-'0')
}

// ibanValid applies ISO 13616's mod 97 check.
func ibanValid(s string) bool {
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	var b strings.Builder
	for _, c := range s[4:] + s[:4] {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			b.WriteString(big.NewInt(int64(c - 'A' + 10)).String())
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(b.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// vatValid applies HMRC's check to a nine-digit UK VAT number: weights
// 8..2 over seven digits, plus the last two, is 0 mod 97 (or 0 after
// adding 55: the 9755 scheme).
func vatValid(n string) bool {
	if len(n) != 9 {
		return false
	}
	sum := 0
	for i := range 7 {
		sum += int(n[i]-'0') * (8 - i)
	}
	sum += int(n[7]-'0')*10 + int(n[8]-'0')
	return sum%97 == 0 || (sum+55)%97 == 0
}

// ninoValid applies HMRC's prefix and suffix rules.
func ninoValid(s string) bool {
	if len(s) != 9 || digitsOf(s[2:8]) != s[2:8] {
		return false
	}
	p := s[:2]
	if strings.ContainsAny(p[:1], "DFIQUV") || strings.ContainsAny(p[1:], "DFIOQUV") {
		return false
	}
	switch p {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	return strings.Contains("ABCD", s[8:])
}

func isbn10Valid(s string) bool {
	if len(s) != 10 {
		return false
	}
	sum := 0
	for i := range 10 {
		d := int(s[i] - '0')
		if i == 9 && s[i] == 'X' {
			d = 10
		} else if s[i] < '0' || s[i] > '9' {
			return false
		}
		sum += d * (10 - i)
	}
	return sum%11 == 0
}

// TestCasesAreWhatTheyClaim checks every case with a published check
// against that check, and that the file holds enough cases per class and
// context to measure recall to a percent.
func TestCasesAreWhatTheyClaim(t *testing.T) {
	cases := loadCases(t)
	perCell := map[cell]int{}
	for _, c := range cases {
		perCell[cell{c.Class, c.Context}]++
		v := decode(c.Secret)
		var ok bool
		switch c.Class {
		case "nhs":
			ok = nhsValid(digitsOf(v))
		case "card":
			d := digitsOf(v)
			ok = luhn(d) && (len(d) == 15 || len(d) == 16)
		case "iban":
			ok = ibanValid(alnumUpper(v))
		case "vat_gb":
			ok = vatValid(digitsOf(v))
		case "nino":
			ok = ninoValid(alnumUpper(v))
		case "timestamp14":
			ok = len(v) == 14 && luhn(v)
		case "isbn10":
			ok = isbn10Valid(v)
		default:
			continue
		}
		if !ok {
			t.Errorf("%s case %q fails its check (line %s)", c.Class, c.Secret, c.Line)
		}
	}
	for k, n := range perCell {
		if n < 30 {
			t.Errorf("%s/%s: %d cases; want 30 or more", k.class, k.context, n)
		}
	}
}

func TestLeaked(t *testing.T) {
	tests := []struct {
		name, secret, line, out string
		want                    bool
	}{
		{"removed", "07700 900123", "call 07700 900123 now", "call [phone] now", false},
		{"kept whole", "07700 900123", "call 07700 900123 now", "call 07700 900123 now", true},
		{"trunk kept", "07700 900123", "call 07700 900123 now", "call 07700 [phone] now", true},
		{"iban tail only", "GB29 NWBK 6016 1331 9268 19", "pay GB29 NWBK 6016 1331 9268 19 ok", "pay GB29 NWBK [iban] ok", true},
		{"iban bank code", "gb29-nwbk-6016-1331-9268-19", "pay gb29-nwbk-6016-1331-9268-19 ok", "pay [iban]-nwbk-[card] ok", true},
		{"iban gone", "gb29nwbk60161331926819", "pay gb29nwbk60161331926819 ok", "pay [iban] ok", false},
		{"query decoded", "07700%20900123", "/c?m=call%2007700%20900123", "/c?m=call%20[phone]", false},
		{"query leak", "07700+900123", "/c?m=call+07700+900123", "/c?m=call+077+00900123", true},
		{"digits also in context", "2026 1234 5678", "2026-12-03 2026 1234 5678", "2026-12-03 [phone]", false},
		{"surname kept", "Morwenna+Tregothnan", "q=Morwenna+Tregothnan", "q=[name]+Tregothnan", true},
		{"name gone", "Morwenna+Tregothnan", "q=Morwenna+Tregothnan", "q=[name]", false},
		{"port after the address", "86.1.2.3", "from 86.1.2.3:51234", "from GB:51234", false},
	}
	for _, tt := range tests {
		got := survives(tt.secret, tt.out) || leaked(tt.secret, tt.line, tt.out)
		if got != tt.want {
			t.Errorf("%s: leaked(%q, %q, %q) = %v; want %v", tt.name, tt.secret, tt.line, tt.out, got, tt.want)
		}
	}
}

func TestSurvives(t *testing.T) {
	tests := []struct {
		text, out string
		want      bool
	}{
		{"3.9.1+20230105114512", "v 3.9.1+20230105114512", true},
		{"3.9.1%2B20230105114512", "?v=3.9.1%2b20230105114512", true}, // escapes may change case
		{"3.9.1+20230105114512", "v 3.9.1[phone]", false},
		{"Newcastle+upon+Tyne", "?q=Newcastle%20upon%20Tyne", true},
		{"logo@2x.png", "/img/[email]", false},
	}
	for _, tt := range tests {
		if got := survives(tt.text, tt.out); got != tt.want {
			t.Errorf("survives(%q, %q) = %v; want %v", tt.text, tt.out, got, tt.want)
		}
	}
}

// TestHarnessCanReachTheTargets judges two made-up engines over every
// case: one that changes nothing must miss every identifier and keep every
// negative, and one that replaces exactly the planted identifier by a tag
// must catch them all, so that a perfect engine can reach 100 % and no
// figure is an artefact of the leak rules.
func TestHarnessCanReachTheTargets(t *testing.T) {
	for _, c := range loadCases(t) {
		if !c.Positive {
			if !survives(c.Secret, c.Line) {
				t.Errorf("%s/%s: the unchanged line counts as a false positive: %q in %s", c.Class, c.Context, c.Secret, c.Line)
			}
			continue
		}
		if !survives(c.Secret, c.Line) {
			t.Errorf("%s/%s: the unchanged line counts as caught: %q in %s", c.Class, c.Context, c.Secret, c.Line)
		}
		out := strings.Replace(c.Line, c.Secret, "[tag]", 1)
		if survives(c.Secret, out) || leaked(c.Secret, c.Line, out) {
			t.Errorf("%s/%s: a perfect engine counts as missing %q\n  in:  %s\n  out: %s", c.Class, c.Context, c.Secret, c.Line, out)
		}
	}
}
