package beacon_test

import (
	"bytes"
	"fmt"
	"net/netip"

	"github.com/caddy-privacy/caddy-privacy/beacon"
	"github.com/caddy-privacy/caddy-privacy/consent"
)

func Example() {
	// The engine's scrubbers; the Caddy handler takes them from a
	// redact.Redactor. These stand-ins keep the example self-contained.
	eng := beacon.Engine{
		Text: func(dst, src []byte) []byte {
			return append(dst, bytes.ReplaceAll(src, []byte("jane@example.com"), []byte("[email]"))...)
		},
		URL:       func(dst, src []byte) []byte { return append(dst, src...) },
		Pseudonym: func(dst, src []byte) []byte { return append(dst, "3xT9q2Lw0aKd"...) },
		UserAgent: func(dst, src []byte) []byte { return append(dst, "Chrome/120 (Windows)"...) },
	}
	s, err := beacon.New(beacon.Config{Vendor: "ga4"}, eng)
	if err != nil {
		panic(err)
	}
	in := &beacon.Input{
		Method:  "POST",
		Path:    "/g/collect",
		Query:   []byte("v=2&tid=G-XYZ&cid=123.456&uid=jane-42&gcs=G111&en=page_view&dt=Hello%20jane%40example.com&dr=https%3A%2F%2Fmail.example%2Finbox%2F7&_uip=81.2.69.160"),
		Consent: consent.Only.With(consent.Analytics), // no marketing consent
		StandIn: netip.MustParseAddr("81.2.0.1"),      // an address in the visitor's country
	}
	var out beacon.Output
	if err := s.Sanitize(&out, in); err != nil {
		panic(err)
	}
	fmt.Println(string(out.Query))

	// Without analytics consent nothing is forwarded, and the gateway
	// answers as Google would.
	in.Consent = consent.Only
	err = s.Sanitize(&out, in)
	fmt.Println(beacon.ReasonOf(err), s.Answer(in, beacon.ReasonOf(err)).Status)
	// Output:
	// v=2&tid=G-XYZ&cid=1871347413.1659949474&gcs=G101&en=page_view&dt=Hello%20%5Bemail%5D&dr=https%3A%2F%2Fmail.example%2F&_uip=81.2.0.1&npa=1
	// no_consent 204
}
