package demo

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxBeaconBody bounds what the collector reads of a beacon.
const maxBeaconBody = 64 << 10

// collector stands in for a third-party analytics vendor on its own
// origin. Beacons reach it through the site's privacy_beacon gateway;
// its tag (tag.js) is fetched by the browser directly, as a site embeds
// gtag.js, when the site's CSP lets it. It records everything it
// receives.
func (d *Demo) collector() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/g/collect", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxBeaconBody))
		rec := VendorRecord{
			Party:   "analytics",
			Kind:    "beacon",
			Method:  r.Method,
			URI:     r.RequestURI,
			Remote:  r.RemoteAddr,
			Headers: headerList(r.Header),
			Params:  beaconParams(r.URL.RawQuery, body),
			Body:    string(body),
		}
		d.hub.addVendor(rec)
		// Server-side tagging answers with a first-party id cookie; through
		// the site's gateway it would land on the site's domain, and the
		// gateway removes it.
		http.SetCookie(w, &http.Cookie{Name: "FPID", Value: "FPID2.2." + randomHex(16), Path: "/", MaxAge: 2 * 365 * 24 * 3600})
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/tag.js", func(w http.ResponseWriter, r *http.Request) {
		d.hub.addVendor(VendorRecord{
			Party:   "analytics",
			Kind:    "script",
			Method:  r.Method,
			URI:     r.RequestURI,
			Remote:  r.RemoteAddr,
			Headers: headerList(r.Header),
		})
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		b, _ := assets.ReadFile("site/vendor/tag.js")
		w.Write(b)
	})
	return mux
}

// ads stands in for an advertising vendor whose pixel the site embeds.
func (d *Demo) ads() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.hub.addVendor(VendorRecord{
			Party:   "ads",
			Kind:    "pixel",
			Method:  r.Method,
			URI:     r.RequestURI,
			Remote:  r.RemoteAddr,
			Headers: headerList(r.Header),
		})
		w.Header().Set("Content-Type", "image/gif")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(pixelGIF)
	})
}

// pixelGIF is a transparent 1×1 GIF.
var pixelGIF = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// beaconParams lists a GA4 beacon's parameters: the query's, then each
// body line's. Parameters that do not parse are kept as they came, under
// an empty name, so that nothing received is hidden.
func beaconParams(query string, body []byte) [][2]string {
	var params [][2]string
	add := func(s string) {
		for _, kv := range strings.Split(s, "&") {
			if kv == "" {
				continue
			}
			k, v, _ := strings.Cut(kv, "=")
			dk, err1 := url.QueryUnescape(k)
			dv, err2 := url.QueryUnescape(v)
			if err1 != nil || err2 != nil {
				params = append(params, [2]string{"", kv})
				continue
			}
			params = append(params, [2]string{dk, dv})
		}
	}
	add(query)
	for _, line := range bytes.Split(body, []byte("\n")) {
		add(string(bytes.TrimRight(line, "\r")))
	}
	return params
}
