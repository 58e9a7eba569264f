package detect_test

import (
	"fmt"
	"net/netip"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/redact/detect"
)

func ExampleScanner_AppendRedacted() {
	s, err := detect.New(detect.Options{
		Detectors: map[string]config.Detector{
			"phone": {Replace: config.ReplaceMask},
		},
		// A stand-in for the IP transform: keep the /24 network.
		IP: func(dst []byte, a netip.Addr) []byte {
			p, _ := a.Prefix(24)
			return fmt.Append(dst, p)
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	line := []byte(`203.0.113.7 - - [17/May/2015:10:05:03 +0000] "GET /signup?email=jane.doe%40example.com&tel=07700900123 HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.6099.71"`)
	fmt.Printf("%s\n", s.AppendRedacted(nil, line))
	// Output:
	// 203.0.113.0/24 - - [17/May/2015:10:05:03 +0000] "GET /signup?email=[email]&tel=*********** HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.6099.71"
}

func ExampleScanner_Scan() {
	s, err := detect.New(detect.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	text := []byte("NI AB 12 34 56 C, card 4111 1111 1111 1111, Authorization: Bearer abc.def-123")
	s.Scan(text, func(m detect.Match) {
		fmt.Printf("%s %q\n", m.Kind, text[m.Start:m.End])
	})
	// Output:
	// nino "AB 12 34 56 C"
	// card "4111 1111 1111 1111"
	// credential "abc.def-123"
}
