// Command demo-upstream is the app behind the example Caddyfile: it shows
// what it received through caddy-privacy — headers, cookies, country and
// consent — so the effect of the policy can be seen.
package main

import (
	"encoding/json"
	"flag"
	"html/template"
	"log"
	"net/http"
	"sort"
	"strings"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:9081", "address to listen on")
	flag.Parse()
	log.SetFlags(0)
	log.Printf("demo upstream listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(serve)))
}

// received is what the app got, as it shows it.
type received struct {
	Method  string              `json:"method"`
	URI     string              `json:"uri"`
	Remote  string              `json:"remote_addr"`
	Country string              `json:"country"`
	Consent map[string]string   `json:"consent"`
	Cookies []string            `json:"cookies"`
	Headers map[string][]string `json:"headers"`
}

func serve(w http.ResponseWriter, r *http.Request) {
	rec := received{
		Method:  r.Method,
		URI:     r.RequestURI,
		Remote:  r.RemoteAddr,
		Country: r.Header.Get("X-Client-Country"),
		Consent: map[string]string{},
		Headers: r.Header,
	}
	for _, c := range []string{"functional", "analytics", "marketing"} {
		rec.Consent[c] = r.Header.Get("X-Consent-" + c)
	}
	for _, c := range r.Cookies() {
		rec.Cookies = append(rec.Cookies, c.Name)
	}
	sort.Strings(rec.Cookies)

	// A tracking cookie, as an analytics snippet would set it: the privacy
	// handler removes it from the response without analytics consent.
	http.SetCookie(w, &http.Cookie{Name: "_ga", Value: "GA1.1.123456789.1700000000", Path: "/", MaxAge: 2 * 365 * 24 * 3600})
	http.SetCookie(w, &http.Cookie{Name: "session", Value: "demo", Path: "/", HttpOnly: true})

	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rec)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := page.Execute(w, rec); err != nil {
		log.Printf("rendering: %v", err)
	}
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>What the app received</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
code{background:#f4f4f4;padding:0 .2rem}</style></head><body>
<h1>What the app received</h1>
<p>This page is the upstream app behind <code>privacy</code>. It shows exactly what reached it.</p>
<table>
<tr><th>Request</th><td><code>{{.Method}} {{.URI}}</code></td></tr>
<tr><th>Connection address</th><td><code>{{.Remote}}</code> (Caddy's own address: the app sees no client address)</td></tr>
<tr><th>Country</th><td><code>{{.Country}}</code></td></tr>
<tr><th>Consent</th><td>{{range $k, $v := .Consent}}{{$k}}: <code>{{$v}}</code> {{end}}</td></tr>
<tr><th>Cookies</th><td>{{range .Cookies}}<code>{{.}}</code> {{else}}none{{end}}</td></tr>
</table>
<h2>Headers</h2>
<table>{{range $k, $v := .Headers}}<tr><th>{{$k}}</th><td><code>{{$v}}</code></td></tr>{{end}}</table>
<p>Try <code>curl -H 'X-Forwarded-For: 81.2.69.160' -H 'Cookie: consent={"analytics":true}; _ga=GA1.1.1.1; session=x' localhost:8080/?gclid=abc</code>,
or send <code>Sec-GPC: 1</code>.</p>
</body></html>
`))
