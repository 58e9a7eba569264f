package beacon

import (
	"context"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/consent"
	"github.com/caddy-privacy/caddy-privacy/redact"
	"github.com/caddy-privacy/caddy-privacy/redact/country"
	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym"
)

// testNets is the country database of the tests.
var testNets = map[string]string{
	"81.2.69.0/24":    "GB",
	"216.160.83.0/24": "US",
	"2001:218::/32":   "JP",
}

// testRedactor is the real engine under the default policy, with a test
// country database and an in-memory key ring.
func testRedactor(t testing.TB) *redact.Redactor {
	t.Helper()
	db, err := country.FromBytes(countrytest.MaxMindBytes(t, testNets))
	if err != nil {
		t.Fatal(err)
	}
	ring := pseudonym.NewKeyRing(&pseudonym.MemoryStore{}, 24*time.Hour, 24*time.Hour)
	if err := ring.Refresh(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	r, err := redact.New(config.Default(), country.NewResolver(db, "", 0), ring)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func engineOf(r *redact.Redactor) Engine {
	return Engine{Text: r.AppendText, URL: r.AppendURL, Pseudonym: r.AppendPseudonym, UserAgent: r.AppendUserAgent}
}

func newTestSanitizer(t testing.TB, c Config) (*Sanitizer, *redact.Redactor) {
	t.Helper()
	r := testRedactor(t)
	s, err := New(c, engineOf(r))
	if err != nil {
		t.Fatal(err)
	}
	return s, r
}

// gbStandIn is the stand-in the test database gives GB.
func gbStandIn(t testing.TB, r *redact.Redactor) netip.Addr {
	t.Helper()
	a, ok := r.Countries.DB().StandIn("GB")
	if !ok {
		t.Fatal("no stand-in for GB")
	}
	return a
}

// Consent decisions.
var (
	analyticsOnly = consent.Only.With(consent.Analytics)
	everything    = consent.All
	necessaryOnly = consent.Only
)

// sanitize runs one beacon and returns the output or the error.
func sanitize(t testing.TB, s *Sanitizer, in *Input) (*Output, error) {
	t.Helper()
	out := new(Output)
	err := s.Sanitize(out, in)
	return out, err
}

// params parses a sanitised query in the strict form the output must
// have.
func params(t testing.TB, q []byte) url.Values {
	t.Helper()
	v, err := url.ParseQuery(string(q))
	if err != nil {
		t.Fatalf("output %q is not a valid query: %v", q, err)
	}
	return v
}

// lines splits a GA batch body.
func lines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(b), "\r\n")
}

// mustNotContain fails if any of the values appears in s, raw or
// percent-encoded.
func mustNotContain(t testing.TB, s string, values ...string) {
	t.Helper()
	for _, v := range values {
		for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v), strings.ReplaceAll(url.QueryEscape(v), "+", "%20")} {
			if strings.Contains(s, form) {
				t.Errorf("output holds %q:\n%s", form, s)
			}
		}
	}
}
