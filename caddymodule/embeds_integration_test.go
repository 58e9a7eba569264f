package caddymodule

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
)

// embedsPage is an app's page with the embeds of four providers.
const embedsPage = `<!doctype html>
<html><head><title>Visit us</title></head><body>
<h1>Visit us</h1>
<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0" title="How we pack tea" allowfullscreen></iframe>
<iframe src="https://player.vimeo.com/video/76979871" width="640" height="360" allow="fullscreen"></iframe>
<iframe src="https://www.google.com/maps/embed?pb=!1m18!1m12!1m3!1d2483.5!2d-0.1276!3d51.5072" width="600" height="450" loading="lazy"></iframe>
<blockquote class="twitter-tweet"><p>New harvest in.</p><a href="https://twitter.com/kettleleaf/status/1">March 1</a></blockquote>
<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>
<p>Open daily.</p>
</body></html>
`

// blockedHosts are the providers' hosts that must receive nothing
// without marketing consent.
var blockedHosts = []string{"www.youtube.com", "player.vimeo.com", "www.google.com", "platform.twitter.com"}

// loads returns the URLs a browser would fetch for the page's frames,
// scripts, images and objects, outside <template> (whose content is
// inert until the visitor clicks a placeholder).
func loads(t *testing.T, page []byte) []string {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(page))
	var urls []string
	inTemplate := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Fatal(z.Err())
			}
			return urls
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tok := z.Token()
			if tok.Data == "template" {
				if tt == html.StartTagToken {
					inTemplate++
				} else if tt == html.EndTagToken {
					inTemplate--
				}
				continue
			}
			if tt == html.EndTagToken || inTemplate > 0 {
				continue
			}
			switch tok.Data {
			case "iframe", "script", "img", "embed", "frame", "object", "link":
				for _, a := range tok.Attr {
					if a.Key == "src" || a.Key == "data" || tok.Data == "link" && a.Key == "href" {
						urls = append(urls, a.Val)
					}
				}
			}
		}
	}
}

func hostOf(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("page loads %q, not a URL", raw)
	}
	return u.Hostname()
}

// checkRewritten asserts that page loads nothing from a blocked provider
// and plays YouTube from its no-cookie origin.
func checkRewritten(t *testing.T, page []byte) {
	t.Helper()
	nocookie := false
	for _, u := range loads(t, page) {
		host := hostOf(t, u)
		for _, b := range blockedHosts {
			if host == b {
				t.Errorf("without marketing consent the page loads %s", u)
			}
		}
		if host == "www.youtube-nocookie.com" && strings.Contains(u, "/embed/dQw4w9WgXcQ") {
			nocookie = true
		}
	}
	if !nocookie {
		t.Errorf("the YouTube video is not played from www.youtube-nocookie.com:\n%s", page)
	}
	if !bytes.Contains(page, []byte("<p>Open daily.</p>")) || !bytes.Contains(page, []byte("New harvest in.")) {
		t.Errorf("the page's own content was lost:\n%s", page)
	}
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// embedsSite is the example's setup with embeds on: consent json, csp,
// and, when encode is set, Caddy's encode directive (ordered after
// privacy, as Caddy orders them).
func embedsSite(t *testing.T, up *upstream, encode bool) *caddyProcess {
	dir := t.TempDir()
	db := countrytest.WriteMaxMind(t, dir, testNets)
	enc := ""
	if encode {
		enc = "encode gzip"
	}
	return startCaddy(t, fmt.Sprintf(`{
	admin off
	auto_https off
	storage file_system %s
}
http://127.0.0.1:{PORT} {
	privacy {
		geoip %s
		consent json consent
		csp
		embeds
	}
	%s
	reverse_proxy %s
}
`, filepath.Join(dir, "storage"), db, enc, up.URL))
}

// fetch sends a GET as a browser navigation and returns the response
// with its body decoded from the coding the response names.
func fetch(t *testing.T, c *caddyProcess, path string, headers map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", c.URL+path, nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	req.Header.Set("Sec-Fetch-Dest", "document")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	// Set by hand, Accept-Encoding makes the client leave the body coded,
	// so the test sees what came over the wire.
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	// Go's server may set a Content-Length of its own when the handler
	// finishes early; it must be the length of what was sent.
	if resp.ContentLength >= 0 && resp.ContentLength != int64(len(body)) {
		t.Errorf("Content-Length %d for a body of %d bytes", resp.ContentLength, len(body))
	}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("gzip body does not decode: %v", err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Fatalf("gzip body does not decode: %v", err)
		}
	}
	return resp, body
}

const consentMarketing = `consent={"functional":true,"analytics":true,"marketing":true}`

func TestIntegrationEmbeds(t *testing.T) {
	up := newUpstream(t)
	// The app compresses when the client accepts gzip, as many do.
	up.setResponder(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"video":"<iframe src=\"https://www.youtube.com/embed/x\"></iframe>"}`)
			return
		}
		body := []byte(embedsPage)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Etag", `"page-v1"`)
		w.Header().Set("Accept-Ranges", "bytes")
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			body = gzipped(body)
			w.Header().Set("Content-Encoding", "gzip")
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.Write(body)
	})
	c := embedsSite(t, up, false)

	t.Run("no consent", func(t *testing.T) {
		resp, body := fetch(t, c, "/visit", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		checkRewritten(t, body)
		for _, h := range []string{"Etag", "Accept-Ranges"} {
			if v := resp.Header.Get(h); v != "" {
				t.Errorf("%s = %q on a rewritten page", h, v)
			}
		}
		csp := resp.Header.Get("Content-Security-Policy")
		frame := cspDirective(csp, "frame-src")
		if !strings.Contains(frame, "https://www.youtube-nocookie.com") {
			t.Errorf("frame-src does not allow the no-cookie player: %q", frame)
		}
		if strings.Contains(cspDirective(csp, "script-src"), "https://platform.twitter.com") && !strings.Contains(frame, "https://platform.twitter.com") {
			t.Errorf("script-src allows the X widget but frame-src not: %q", csp)
		}
	})

	// privacy asks for the page uncompressed; reverse_proxy's transport
	// still asks the app for gzip and decompresses it, and the rewritten
	// page streams out gzip-coded.
	t.Run("gzip", func(t *testing.T) {
		resp, body := fetch(t, c, "/visit", map[string]string{"Accept-Encoding": "gzip"})
		if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("Content-Encoding %q, Vary %q: the client accepts gzip", resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
		}
		checkRewritten(t, body)
		if got := up.last(t).Header.Get("Accept-Encoding"); !strings.Contains(got, "gzip") {
			t.Errorf("the app received Accept-Encoding %q", got)
		}
	})

	t.Run("range request for a page", func(t *testing.T) {
		resp, body := fetch(t, c, "/visit", map[string]string{"Range": "bytes=0-99", "If-None-Match": `"page-v1"`})
		if resp.StatusCode != 200 {
			t.Errorf("status %d, want the whole page", resp.StatusCode)
		}
		checkRewritten(t, body)
		got := up.last(t)
		if got.Header.Get("Range") != "" || got.Header.Get("If-None-Match") != "" {
			t.Errorf("the app received Range %q, If-None-Match %q", got.Header.Get("Range"), got.Header.Get("If-None-Match"))
		}
	})

	t.Run("marketing consent: untouched", func(t *testing.T) {
		resp, body := fetch(t, c, "/visit", map[string]string{"Cookie": consentMarketing})
		if string(body) != embedsPage {
			t.Errorf("page changed under marketing consent:\n%s", body)
		}
		if resp.Header.Get("Etag") != `"page-v1"` || resp.Header.Get("Content-Length") != fmt.Sprint(len(embedsPage)) {
			t.Errorf("headers changed under marketing consent: %v", resp.Header)
		}
		_, gz := fetch(t, c, "/visit", map[string]string{"Cookie": consentMarketing, "Accept-Encoding": "gzip"})
		if string(gz) != embedsPage {
			t.Errorf("gzip page changed under marketing consent")
		}
	})

	t.Run("json untouched", func(t *testing.T) {
		_, body := fetch(t, c, "/api", nil)
		if !strings.Contains(string(body), `https://www.youtube.com/embed/x`) {
			t.Errorf("a JSON body was rewritten: %s", body)
		}
	})
}

func TestIntegrationEmbedsWithEncode(t *testing.T) {
	up := newUpstream(t)
	up.setResponder(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, embedsPage)
	})
	c := embedsSite(t, up, true)

	resp, body := fetch(t, c, "/visit", map[string]string{"Accept-Encoding": "gzip"})
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("Content-Encoding = %q: encode did not compress the rewritten page", resp.Header.Get("Content-Encoding"))
	}
	checkRewritten(t, body)

	resp, body = fetch(t, c, "/visit", map[string]string{"Accept-Encoding": "gzip", "Cookie": consentMarketing})
	if resp.Header.Get("Content-Encoding") != "gzip" || string(body) != embedsPage {
		t.Errorf("with consent: coding %q, body changed: %v", resp.Header.Get("Content-Encoding"), string(body) != embedsPage)
	}

	resp, body = fetch(t, c, "/visit", nil)
	if resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("a client that accepts no coding got %q", resp.Header.Get("Content-Encoding"))
	}
	checkRewritten(t, body)
}

func cspDirective(csp, name string) string {
	for _, d := range strings.Split(csp, "; ") {
		if strings.HasPrefix(d, name+" ") {
			return d
		}
	}
	return ""
}
