package detect

import "testing"

// The numbers below pass HMRC's checks, computed here: 123456782 and
// 564738213 in the original scheme, 123456727 and 564738255 in the 9755
// one; GB 980 7806 84 is the example in HMRC's guidance.

func TestVAT(t *testing.T) {
	runCases(t, []detectCase{
		{"GB123456782", []string{"vat:GB123456782"}},
		{"gb123456727", []string{"vat:gb123456727"}},
		{"VAT reg GB 980 7806 84.", []string{"vat:GB 980 7806 84"}},
		{"GB 123456782", []string{"vat:GB 123456782"}},
		{"GB123 4567 82", []string{"vat:GB123 4567 82"}},
		{"gb-564-7382-13", []string{"vat:gb-564-7382-13"}},
		{"GB123456782001", []string{"vat:GB123456782001"}},
		{"GB 564 7382 55 001", []string{"vat:GB 564 7382 55 001"}},
		{"GBGD001", []string{"vat:GBGD001"}},
		{"gbha599", []string{"vat:gbha599"}},
		{"vat=GB123456782&x", []string{"vat:GB123456782"}},
		{"?vat=GB+123+4567+82", []string{"vat:GB+123+4567+82"}},
		// After the word VAT, the number alone.
		{"VAT: 123456782", []string{"vat:123456782"}},
		{"VAT 980 7806 84", []string{"vat:980 7806 84"}},
		{"vat_number=123 4567 27", []string{"vat:123 4567 27"}},
		{"VAT No. 564738213", []string{"vat:564738213"}},
		{"VAT reg no 564738255", []string{"vat:564738255"}},
		{`{"vatNumber":"564738255"}`, []string{"vat:564738255"}},
		{"our VAT number is 980 7806 84", []string{"vat:980 7806 84"}},
		{"the vat no was 564738213", []string{"vat:564738213"}},
		// Near misses.
		{"VAT is is 564738213", nil},
		{"this is 564738213", nil},
		{"GB123456783", nil},
		{"123456782", nil}, // bare: could be anything
		{"order 123456782", nil},
		{"private 123456782", nil},
		{"GB1234567820", nil},
		{"GB123456782X", nil},
		{"XGB123456782", nil},
		{"GB 12 3456 782", nil},
		{"GB123 456782", nil},
		{"GBGD500", nil},
		{"GBHA499", nil},
		{"GB000000000", nil},
		{"GBXX123", nil},
	})
}

func TestVATCheck(t *testing.T) {
	for _, c := range []struct {
		digits string
		ok     bool
	}{
		{"123456782", true}, // sum 97·k
		{"123456727", true}, // 9755: sum 42 mod 97
		{"980780684", true}, // HMRC's example
		{"999999973", true}, // 315 + 73 = 388 = 4·97
		{"123456783", false},
		{"123456728", false},
	} {
		if got := vatCheck([]byte(c.digits)); got != c.ok {
			t.Errorf("vatCheck(%s) = %v, want %v", c.digits, got, c.ok)
		}
	}
}
