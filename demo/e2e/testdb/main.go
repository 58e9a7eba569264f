// Command testdb writes the tiny country database the browser tests use,
// so that they need no licensed or downloaded data:
//
//	go run ./demo/e2e/testdb FILE
//
// It holds the networks of the live page's sample visitors, with the
// countries a real database gives them.
package main

import (
	"fmt"
	"os"

	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
)

// networks maps each network to its country. GB's network is wide so
// that its stand-in address, the first in it, is far from the visitor's.
var networks = map[string]string{
	"81.2.0.0/16":     "GB",
	"216.160.83.0/24": "US",
	"193.99.144.0/24": "DE",
	"194.254.0.0/16":  "FR",
	"133.11.0.0/16":   "JP",
	"2001:218::/32":   "JP",
}

// fatal is the countrytest.TB of a command: it exits on error.
type fatal struct{}

func (fatal) Helper() {}

func (fatal) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "testdb: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: testdb FILE")
		os.Exit(2)
	}
	b := countrytest.MaxMindBytes(fatal{}, networks)
	if err := os.WriteFile(os.Args[1], b, 0o644); err != nil {
		fatal{}.Fatalf("%v", err)
	}
}
