// Command loggen writes varied, realistic access logs for benchmarks: many
// distinct IPv4 and IPv6 addresses, paths with and without queries, ids in
// paths, referrers, real user-agent strings, error entries, and personal
// data in the places real logs carry it (e-mail addresses and phone
// numbers in queries, tokens in reset links, click ids, session cookies).
// The same seed gives the same bytes, so runs compare like with like;
// nothing repeats, so no cache is flattered.
//
//	loggen -format combined -size 100 > combined.log
//	loggen -format json -size 100 > caddy.json
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
)

func main() {
	format := flag.String("format", "combined", `"combined" (Apache/nginx) or "json" (Caddy's access log)`)
	sizeMB := flag.Int("size", 100, "how much to write, in MiB")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *format != "combined" && *format != "json" {
		fmt.Fprintf(os.Stderr, "loggen: -format %q: want combined or json\n", *format)
		os.Exit(2)
	}
	g := &gen{r: rand.New(rand.NewPCG(*seed, *seed^0x9e3779b97f4a7c15))}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	limit := int64(*sizeMB) << 20
	var line []byte
	for n := int64(0); n < limit; n += int64(len(line)) {
		if *format == "json" {
			line = g.jsonLine(line[:0])
		} else {
			line = g.combinedLine(line[:0])
		}
		if _, err := w.Write(line); err != nil {
			fmt.Fprintln(os.Stderr, "loggen:", err)
			os.Exit(1)
		}
	}
}

type gen struct {
	r  *rand.Rand
	ts int64
}

var (
	methods  = []string{"GET", "GET", "GET", "GET", "GET", "GET", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS"}
	statuses = []int{200, 200, 200, 200, 200, 200, 200, 304, 304, 301, 302, 404, 404, 403, 500, 502, 503}
	sections = []string{"products", "blog", "help", "category", "collections", "news", "docs", "static", "assets", "images"}
	slugs    = []string{
		"red-wool-jumper", "getting-started", "returns-policy", "winter-sale", "how-to-brew-tea",
		"shipping", "gift-cards", "earl-grey-loose-leaf", "about-us", "size-guide", "faq",
		"privacy-notice", "contact", "careers", "store-locator", "green-tea-sampler",
	}
	files   = []string{"main.css", "app.js", "logo.png", "logo@2x.png", "favicon.ico", "hero.webp", "vendor.4f3a9c.js", "fonts/inter.woff2", "robots.txt", "sitemap.xml"}
	apiRefs = []string{"users", "orders", "members", "accounts", "invoices", "baskets", "sessions"}
	apiSubs = []string{"settings", "enrolments", "items", "history", "addresses", "preferences"}
	params  = []string{"page", "sort", "lang", "utm_source", "utm_medium", "utm_campaign", "ref", "view", "limit", "category"}
	values  = []string{"2", "3", "price_asc", "newest", "en-GB", "newsletter", "email", "spring", "grid", "24", "tea"}
	first   = []string{"jane", "john", "amira", "oliver", "siobhan", "mohammed", "priya", "tom", "morwenna", "liam"}
	last    = []string{"doe", "smith", "khan", "jones", "murphy", "patel", "williams", "tregothnan", "brown", "taylor"}
	domains = []string{"example.com", "mail.example.org", "shop.example.co.uk", "example.net"}
	agents  = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.2277.83",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
		"curl/8.5.0",
		"python-requests/2.31.0",
		"Go-http-client/2.0",
		"Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
	}
	referrers = []string{"-", "-", "https://www.google.com/", "https://shop.example.co.uk/", "https://www.bing.com/search?q=loose+leaf+tea", "https://t.co/Ab3dE9", "android-app://com.google.android.gm/"}
)

func pick[T any](g *gen, list []T) T { return list[g.r.IntN(len(list))] }

// addr is a fresh client address: three in four IPv4.
func (g *gen) addr() string {
	if g.r.IntN(4) > 0 {
		return fmt.Sprintf("%d.%d.%d.%d", 1+g.r.IntN(223), g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
	}
	return fmt.Sprintf("2a0%x:%x:%x:%x::%x", g.r.IntN(16), g.r.IntN(0x10000), g.r.IntN(0x10000), g.r.IntN(0x10000), 1+g.r.IntN(0xffff))
}

func (g *gen) email() string {
	return pick(g, first) + "." + pick(g, last) + fmt.Sprint(g.r.IntN(100)) + "%40" + pick(g, domains)
}

func (g *gen) token(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

// target is a request target: mostly clean pages and assets, some with
// queries, ids in paths, and personal data where sites put it.
func (g *gen) target() string {
	switch n := g.r.IntN(100); {
	case n < 30:
		return "/" + pick(g, sections) + "/" + pick(g, slugs)
	case n < 50:
		return "/" + pick(g, files)
	case n < 62:
		return fmt.Sprintf("/%s/%s?%s=%s&%s=%s", pick(g, sections), pick(g, slugs), pick(g, params), pick(g, values), pick(g, params), pick(g, values))
	case n < 72:
		return fmt.Sprintf("/api/v1/%s/%d/%s", pick(g, apiRefs), 1000000+g.r.IntN(90000000), pick(g, apiSubs))
	case n < 76:
		return fmt.Sprintf("/members/%08x-%04x-4%03x-a%03x-%012x/%s", g.r.Uint32(), g.r.IntN(0x10000), g.r.IntN(0x1000), g.r.IntN(0x1000), g.r.Uint64()&0xffffffffffff, pick(g, apiSubs))
	case n < 80:
		return "/search?q=" + pick(g, first) + "+" + pick(g, last) + "&page=" + fmt.Sprint(1+g.r.IntN(5))
	case n < 84:
		return "/newsletter/subscribe?email=" + g.email() + "&source=footer"
	case n < 87:
		return "/password/reset/confirm?reset=" + g.token(32)
	case n < 90:
		return fmt.Sprintf("/contact?msg=call+me+on+07700+9%05d", g.r.IntN(100000))
	case n < 94:
		return "/" + pick(g, slugs) + "?gclid=" + g.token(24) + "&utm_source=google"
	case n < 97:
		return "/login?next=%2Faccount%2Forders&session_id=" + g.token(26)
	}
	return "/"
}

func (g *gen) tick() string {
	g.ts += int64(1 + g.r.IntN(3))
	sec := 1764750000 + g.ts
	return fmt.Sprintf("%02d/Dec/2025:%02d:%02d:%02d +0000", 3+sec/86400%20, sec/3600%24, sec/60%60, sec%60)
}

func (g *gen) combinedLine(dst []byte) []byte {
	user := "-"
	if g.r.IntN(20) == 0 {
		user = pick(g, first)
	}
	return fmt.Appendf(dst, "%s - %s [%s] \"%s %s HTTP/1.1\" %d %d \"%s\" \"%s\"\n",
		g.addr(), user, g.tick(), pick(g, methods), g.target(), pick(g, statuses), g.r.IntN(200000), pick(g, referrers), pick(g, agents))
}

func (g *gen) jsonLine(dst []byte) []byte {
	g.ts++
	ip := g.addr()
	status := pick(g, statuses)
	if status >= 500 && g.r.IntN(2) == 0 {
		// An error entry, as reverse_proxy writes it.
		return fmt.Appendf(dst, `{"level":"error","ts":%d.%03d,"logger":"http.log.error","msg":"dial tcp 10.0.%d.%d:8080: connect: connection refused","request":{"remote_ip":"%s","remote_port":"%d","client_ip":"%s","proto":"HTTP/1.1","method":"GET","host":"shop.example.co.uk","uri":"%s","headers":{"User-Agent":["%s"]}},"duration":0.%06d,"status":502,"err_id":"%s","err_trace":"reverseproxy.statusError (reverseproxy.go:1390)"}`+"\n",
			1764750000+g.ts, g.r.IntN(1000), g.r.IntN(256), g.r.IntN(256), ip, 1024+g.r.IntN(64000), ip, jsonEscape(g.target()), pick(g, agents), g.r.IntN(1000000), g.token(9))
	}
	cookie := ""
	if g.r.IntN(3) == 0 {
		cookie = fmt.Sprintf(`,"Cookie":["_ga=GA1.2.%d.%d; session=%s"]`, g.r.Uint32(), 1700000000+g.r.IntN(60000000), g.token(20))
	}
	return fmt.Appendf(dst, `{"level":"info","ts":%d.%03d,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"%s","remote_port":"%d","client_ip":"%s","proto":"HTTP/2.0","method":"%s","host":"shop.example.co.uk","uri":"%s","headers":{"User-Agent":["%s"],"Referer":["%s"],"Accept":["text/html,application/xhtml+xml"],"Accept-Language":["en-GB,en;q=0.9"],"X-Forwarded-For":["%s"]%s},"tls":{"resumed":false,"version":772,"cipher_suite":4865,"proto":"h2","server_name":"shop.example.co.uk"}},"bytes_read":0,"user_id":"","duration":0.%06d,"size":%d,"status":%d,"resp_headers":{"Server":["Caddy"],"Content-Type":["text/html; charset=utf-8"],"Cache-Control":["max-age=300"]}}`+"\n",
		1764750000+g.ts, g.r.IntN(1000), ip, 1024+g.r.IntN(64000), ip, pick(g, methods), jsonEscape(g.target()), pick(g, agents), pick(g, referrers), ip, cookie, g.r.IntN(1000000), g.r.IntN(200000), status)
}

func jsonEscape(s string) string { return strings.ReplaceAll(s, `"`, `\"`) }
