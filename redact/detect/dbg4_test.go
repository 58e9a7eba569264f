package detect

import (
	"fmt"
	"os"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
)

func TestDbgParts(t *testing.T) {
	if os.Getenv("BEST") == "" {
		t.Skip()
	}
	lines := corpusLines(t)
	size := 0
	for _, l := range lines {
		size += len(l) + 1
	}
	only := func(names ...string) *Scanner {
		d := map[string]config.Detector{}
		for _, n := range config.DetectorNames {
			d[n] = config.Detector{Off: true}
		}
		for _, n := range names {
			d[n] = config.Detector{}
		}
		s, _ := New(Options{Detectors: d})
		return s
	}
	buf := make([]byte, 0, 1<<16)
	for _, c := range []struct {
		name string
		s    *Scanner
	}{
		{"none", only()},
		{"ipv4", only("ipv4")},
		{"digits", only("ipv4", "phone", "nhs", "card")},
		{"ipv6", only("ipv6")},
		{"email", only("email")},
		{"caps", only("nino", "iban", "postcode", "ga_client_id")},
		{"cred", only("credential")},
		{"all-but-cred", only("ipv4", "ipv6", "email", "phone", "nino", "nhs", "card", "iban", "postcode", "jwt", "ga_client_id")},
		{"all", only(config.DetectorNames...)},
	} {
		r := bestPass(lines, size, 100, func(l []byte) { buf = c.s.AppendRedacted(buf[:0], l) })
		fmt.Printf("%-14s %.0f MB/s\n", c.name, r)
	}
}
