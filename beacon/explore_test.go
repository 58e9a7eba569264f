package beacon

import (
	"fmt"
	"testing"
)

func TestExplore(t *testing.T) {
	s, r := newTestSanitizer(t, Config{Vendor: "ga4"})
	in := &Input{Method: "POST", Path: "/g/collect",
		Query: []byte("v=2&tid=G-V1B8R98P79&gtm=45je57u1v898116370za200zd898116370&_p=1754128922596&gcs=G111&gcd=13t3t3t3t5l1&npa=0&dma=0&tag_exp=101509157~103116026&cid=602849859.1754048070&ul=en-us&sr=2240x1260&uaa=arm&uab=64&uafvl=Not)A%253BBrand%3B8.0.0.0%7CChromium%3B138.0.7204.158%7CGoogle%2520Chrome%3B138.0.7204.158&uamb=0&uam=&uap=macOS&uapv=15.5.0&uaw=0&are=1&frm=0&pscdl=noapi&_eu=AAAAAAQ&_s=7&sid=1754127522&sct=3&seg=1&dl=https%3A%2F%2Fshop.example%2Fcheckout%3Femail%3Djane%2540example.com%26gclid%3Dabc%26page%3D2&dr=https%3A%2F%2Fwww.google.com%2Fsearch%3Fq%3Djane&dt=Order%20for%20jane%40example.com&uid=user-42&_uip=81.2.69.160"),
		Body: []byte("en=page_view&_et=10&ep.note=call%20me%20on%20602849859.1754048070\r\nen=scroll&epn.percent_scrolled=90&up.email=jane%40example.com"),
		ContentType: "text/plain;charset=UTF-8",
		Consent: granted, StandIn: standIn(t, r, "GB")}
	var out Output
	err := s.Sanitize(&out, in)
	fmt.Printf("err=%v\nquery=%s\nbody=%q\nct=%s events=%d\n", err, out.Query, out.Body, out.ContentType, out.Events)
	fmt.Printf("%s\n", r.AppendUserAgent(nil, []byte("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36")))
}
