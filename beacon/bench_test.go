package beacon

import (
	"net/url"
	"testing"
)

// BenchmarkSanitizeGA4 sanitises a typical GA4 page_view (ga4Query: 40
// parameters, a URL, a referrer, a title, client hints, consent state)
// with the real engine, reusing one Output as the Caddy handler does.
func BenchmarkSanitizeGA4(b *testing.B) {
	s, r := newTestSanitizer(b, Config{Vendor: "ga4"})
	in := ga4Input(ga4Query, "", analyticsOnly)
	in.StandIn = gbStandIn(b, r)
	var out Output
	b.ReportAllocs()
	b.SetBytes(int64(len(in.Query)))
	for b.Loop() {
		if err := s.Sanitize(&out, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSanitizeGA4Batch adds a three-event body.
func BenchmarkSanitizeGA4Batch(b *testing.B) {
	s, r := newTestSanitizer(b, Config{Vendor: "ga4"})
	in := ga4Input(ga4Query, "en=scroll&epn.percent_scrolled=90&_et=1200\r\nen=click&ep.link_url=https%3A%2F%2Fother.example%2F&_et=300\r\nen=user_engagement&_et=5000", analyticsOnly)
	in.StandIn = gbStandIn(b, r)
	var out Output
	b.ReportAllocs()
	b.SetBytes(int64(len(in.Query) + len(in.Body)))
	for b.Loop() {
		if err := s.Sanitize(&out, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineParseQuery is the floor for comparison: net/url
// parsing and re-encoding the same beacon with nothing sanitised.
func BenchmarkBaselineParseQuery(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(ga4Query)))
	for b.Loop() {
		v, err := url.ParseQuery(ga4Query)
		if err != nil {
			b.Fatal(err)
		}
		_ = v.Encode()
	}
}

// BenchmarkSanitizeSegment sanitises a Segment track call (JSON).
func BenchmarkSanitizeSegment(b *testing.B) {
	s, r := newTestSanitizer(b, Config{Vendor: "segment"})
	body := []byte(`{"type":"track","event":"Order Completed","anonymousId":"6c1e3f5a-2b4d-4e6f-8a9b-0c1d2e3f4a5b","messageId":"ajs-next-1","timestamp":"2024-01-01T10:00:00.000Z","writeKey":"wk","properties":{"total":42.5,"currency":"EUR"},"context":{"ip":"81.2.69.160","userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36","page":{"path":"/thanks","url":"https://shop.example/thanks","referrer":"https://www.google.com/","title":"Thanks"},"library":{"name":"analytics.js","version":"next-1.62.0"},"locale":"en-GB"}}`)
	in := &Input{Method: "POST", Path: "/v1/t", Body: body, ContentType: "text/plain", Consent: analyticsOnly, StandIn: gbStandIn(b, r)}
	var out Output
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := s.Sanitize(&out, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSanitizePostHog sanitises the gzip-compressed batch posthog-js
// sent in Chromium (4 events, 10.8 KB of JSON), as bench/proxy.sh
// MODE=posthog sends it.
func BenchmarkSanitizePostHog(b *testing.B) {
	s, r := newTestSanitizer(b, Config{Vendor: "posthog"})
	batch := posthogTestBatch(b)
	in := &Input{Method: "POST", Path: "/e/", Query: []byte("ip=0&_=1796357237346&ver=1.449.2"), ContentType: "text/plain", Body: gzipBytes(b, batch), Consent: analyticsOnly, StandIn: gbStandIn(b, r)}
	var out Output
	b.ReportAllocs()
	b.SetBytes(int64(len(batch)))
	for b.Loop() {
		if err := s.Sanitize(&out, in); err != nil {
			b.Fatal(err)
		}
	}
}
