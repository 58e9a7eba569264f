package demo

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// SampleVisitors are the countries the live page can play, with an
// address in each that the front door sends in X-Forwarded-For.
var SampleVisitors = map[string]string{
	"GB": "81.2.69.160",
	"US": "216.160.83.56",
	"DE": "193.99.144.80",
	"FR": "194.254.0.1",
	"JP": "133.11.0.1",
}

// maxRecordedBody bounds the body of a beacon the front door records.
const maxRecordedBody = 16 << 10

// clientAddressHeaders are removed by httputil.ReverseProxy in Rewrite
// mode; the front door puts back what the browser sent, so that Caddy
// receives the request unchanged.
var clientAddressHeaders = []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Forwarded"}

type frontKey struct{}

// front is the site's front door: it passes every request to Caddy as
// the browser sent it, adding only the headers of the visitor played
// from the live page, and records the request and what came back. It
// stands where a visitor's network meets the server, so the live page
// can show the raw request next to what each party received.
func (d *Demo) front(caddy *url.URL) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(caddy)
			pr.Out.Host = pr.In.Host
			for _, name := range clientAddressHeaders {
				if v, ok := pr.In.Header[name]; ok {
					pr.Out.Header[name] = v
				}
			}
			rec := &FrontRecord{
				Kind:   kindOf(pr.In.URL.Path),
				Method: pr.In.Method,
				URI:    pr.In.URL.RequestURI(),
				Remote: pr.In.RemoteAddr,
			}
			v := d.hub.Visitor()
			if addr := SampleVisitors[v.Country]; addr != "" && pr.Out.Header.Get("X-Forwarded-For") == "" {
				pr.Out.Header.Set("X-Forwarded-For", addr)
				rec.Simulated = append(rec.Simulated, "X-Forwarded-For")
			}
			if v.GPC && pr.Out.Header.Get("Sec-Gpc") == "" {
				pr.Out.Header.Set("Sec-Gpc", "1")
				rec.Simulated = append(rec.Simulated, "Sec-Gpc")
			}
			rec.Headers = headerList(pr.Out.Header)
			if rec.Kind == "beacon" && pr.Out.Body != nil && pr.Out.Body != http.NoBody {
				body, _ := io.ReadAll(io.LimitReader(pr.Out.Body, maxRecordedBody+1))
				pr.Out.Body.Close()
				if len(body) <= maxRecordedBody {
					rec.Body = string(body)
				}
				pr.Out.Body = io.NopCloser(bytes.NewReader(body))
			}
			pr.Out = pr.Out.WithContext(context.WithValue(pr.Out.Context(), frontKey{}, rec))
		},
		ModifyResponse: func(resp *http.Response) error {
			if rec, ok := resp.Request.Context().Value(frontKey{}).(*FrontRecord); ok {
				rec.Status = resp.StatusCode
				rec.SetCookies = resp.Header.Values("Set-Cookie")
				rec.CSP = resp.Header.Values("Content-Security-Policy")
				d.hub.addFront(*rec)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if rec, ok := r.Context().Value(frontKey{}).(*FrontRecord); ok {
				rec.Status = http.StatusBadGateway
				d.hub.addFront(*rec)
			}
			d.logf("front door: Caddy did not answer: %v", err)
			http.Error(w, "Caddy is not answering yet: is it running? (make run starts it)", http.StatusBadGateway)
		},
	}
}

// kindOf classifies a request path for the live page.
func kindOf(path string) string {
	switch {
	case path == "/g/collect":
		return "beacon"
	case strings.HasPrefix(path, "/assets/"), path == "/favicon.ico", strings.HasPrefix(path, "/.well-known/"):
		return "asset"
	}
	return "page"
}
