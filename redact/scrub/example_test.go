package scrub_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/consent"
	"github.com/caddy-privacy/caddy-privacy/redact/scrub"
)

// tagEmails is a toy TextFunc: real callers pass the detectors.
func tagEmails(dst, src []byte) []byte {
	if bytes.IndexByte(src, '@') < 0 {
		return append(dst, src...)
	}
	return append(dst, "[email]"...)
}

func ExampleURL_Append() {
	u, err := scrub.NewURL(config.URLPolicy{}, tagEmails)
	if err != nil {
		panic(err)
	}
	for _, in := range []string{
		"/search?q=shoes&page=2",
		"/users/jane%40example.com/orders;jsessionid=8F3A?page=2&token=s3cr3t&gclid=EAIaIQ",
		"https://user:pass@shop.example/cart?utm_source=news&fbclid=IwAR0#top",
		"/p?x=%zz&%zz=1",
	} {
		fmt.Println(string(u.Append(nil, []byte(in))))
	}
	// Output:
	// /search?q=shoes&page=2
	// /users/[email]/orders?page=2
	// https://shop.example/cart?utm_source=news
	// /p?x=[redacted]
}

func ExampleURL_Append_allow() {
	u, err := scrub.NewURL(config.URLPolicy{Query: config.QueryAllow, Allow: []string{"ref"}}, tagEmails)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(u.Append(nil, []byte("/products?page=3&sort=price&q=red+shoes&ref=newsletter&id=42"))))
	// Output:
	// /products?page=3&sort=price&ref=newsletter
}

func ExampleStripClickIDs() {
	q, changed := scrub.StripClickIDs("page=2&gclid=EAIaIQobChMI&utm_source=ads")
	fmt.Println(q, changed)
	q, changed = scrub.StripClickIDs("page=2")
	fmt.Println(q, changed)
	// Output:
	// page=2&utm_source=ads true
	// page=2 false
}

func ExampleCookies_AppendFilteredHeader() {
	c, err := scrub.NewCookies(config.CookiePolicy{})
	if err != nil {
		panic(err)
	}
	granted := consent.Only.With(consent.Functional) // no analytics, no marketing
	out, removed := c.AppendFilteredHeader(nil,
		[]byte("PHPSESSID=9f2b; _ga=GA1.2.123.456; _fbp=fb.1.2.3; lang=en; broken"), granted.Has)
	fmt.Println(string(out))
	fmt.Println("analytics removed:", removed[consent.Analytics])
	fmt.Println("marketing removed:", removed[consent.Marketing])
	fmt.Println("malformed removed:", removed[consent.Necessary])
	// Output:
	// PHPSESSID=9f2b; lang=en
	// analytics removed: 1
	// marketing removed: 1
	// malformed removed: 1
}

func ExampleCookies_FilterSetCookie() {
	c, err := scrub.NewCookies(config.CookiePolicy{})
	if err != nil {
		panic(err)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	maxAge := 395 * 24 * time.Hour
	for _, v := range []string{
		"_ga=GA1.2.123.456; Max-Age=63072000; Path=/",
		"_ga=; Max-Age=0; Path=/",
		"sessionid=abc; Path=/; HttpOnly",
	} {
		fmt.Println(c.FilterSetCookie(v, consent.Only.Has, maxAge, now))
		fmt.Println(c.FilterSetCookie(v, consent.All.Has, maxAge, now))
	}
	// Output:
	//  false
	// _ga=GA1.2.123.456; Max-Age=34128000; Path=/ true
	// _ga=; Max-Age=0; Path=/ true
	// _ga=; Max-Age=0; Path=/ true
	// sessionid=abc; Path=/; HttpOnly true
	// sessionid=abc; Path=/; HttpOnly true
}

func ExampleAppendUserAgent() {
	for _, ua := range []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"curl/8.4.0",
	} {
		fmt.Println(string(scrub.AppendUserAgent(nil, []byte(ua))))
	}
	// Output:
	// Chrome/120 (Windows)
	// Samsung Internet/23 (Android)
	// Googlebot (bot)
	// curl (tool)
}

func ExampleHeaders() {
	h := scrub.NewHeaders(config.HeaderPolicy{ClientIP: []string{"X-Office-Ip"}})
	for _, name := range []string{"x-forwarded-for", "X-Office-Ip", "Authorization", "Accept"} {
		fmt.Println(name, h.IsClientIP(name), h.IsDrop(name))
	}
	// Output:
	// x-forwarded-for true false
	// X-Office-Ip true false
	// Authorization false true
	// Accept false false
}
