package consent_test

import (
	"fmt"
	"net/http"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/consent"
)

func ExampleDecider_Decide() {
	p := config.Policy{Consent: config.ConsentPolicy{Format: config.ConsentCookieYes}}
	p.ApplyDefaults()
	d, err := consent.NewDecider(p.Consent)
	if err != nil {
		panic(err)
	}

	h := http.Header{}
	h.Set("Cookie", "_ga=GA1.1.186522360.1718343650; cookieyes-consent=consentid:abc,consent:yes,action:yes,"+
		"necessary:yes,functional:yes,analytics:yes,performance:yes,advertisement:yes,other:yes")
	dec := d.Decide(h)
	fmt.Println(dec.Granted, dec.Label())

	// Global Privacy Control overrides the cookie.
	h.Set("Sec-GPC", "1")
	dec = d.Decide(h)
	fmt.Println(dec.Granted, dec.Label(), dec.Has(consent.Marketing))

	// No cookie, or one that cannot be read, grants only necessary.
	h = http.Header{}
	h.Set("Cookie", "cookieyes-consent=%E0%A4%A")
	dec = d.Decide(h)
	fmt.Println(dec.Granted, dec.Label())
	// Output:
	// necessary,functional,analytics,marketing cookie
	// necessary,functional gpc false
	// necessary unreadable
}

func ExampleDecider_DecideCookie() {
	p := config.Policy{Consent: config.ConsentPolicy{Format: config.ConsentTCF}}
	p.ApplyDefaults()
	d, err := consent.NewDecider(p.Consent)
	if err != nil {
		panic(err)
	}
	// The IAB specification's sample string: purposes 1, 2 and 3 only.
	fmt.Println(d.DecideCookie("COvFyGBOvFyGBAbAAAENAPCAAOAAAAAAAAAAAEEUACCKAAA"))
	fmt.Println(d.DecideCookie("COvFyGBOvFyGBAbAAAENAPCAAOAAAA")) // truncated
	// Output:
	// necessary true
	// necessary false
}
