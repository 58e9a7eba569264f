package beacon

import (
	"context"
	"net/netip"
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
	p := config.Default()
	ring := pseudonym.NewKeyRing(&pseudonym.MemoryStore{}, 24*time.Hour, 24*time.Hour)
	if err := ring.Refresh(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	r, err := redact.New(p, country.NewResolver(db, "", 0), ring)
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

// standInGB is the stand-in the test database gives GB.
func standIn(t testing.TB, r *redact.Redactor, code string) netip.Addr {
	a, ok := r.Countries.DB().StandIn(code)
	if !ok {
		t.Fatalf("no stand-in for %s", code)
	}
	return a
}

var (
	granted   = consent.Only.With(consent.Analytics)
	grantedAll = consent.All
	denied    = consent.Only
)
