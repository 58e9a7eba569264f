package demo

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MeasurementID is the GA4 measurement id the demo site's snippet sends.
const MeasurementID = "G-DEMO0000"

// resetToken is the token in the password-reset link the site shows, as
// a link in an e-mail would carry it.
const resetToken = "tok_8f14e45fceea167a5a36dedd4bea2543"

// tea is a product of the demo shop.
type tea struct {
	Name, Kind, Note string
	Price            string
}

var teas = []tea{
	{"Assam Breakfast", "black", "malty, brisk, made for milk", "£6.50"},
	{"Darjeeling First Flush", "black", "floral, muscatel, light", "£9.80"},
	{"Sencha Uji", "green", "grassy, sweet, steamed", "£8.20"},
	{"Silver Needle", "white", "honeyed, delicate buds", "£12.40"},
	{"Tieguanyin", "oolong", "orchid, creamy, rolled leaves", "£10.90"},
	{"Rooibos Vanilla", "herbal", "caffeine-free, smooth", "£5.30"},
}

// page is what the site's templates are given.
type page struct {
	Title string
	// Served tells the visitor what the privacy handler decided for this
	// request, as the app was told.
	Country string
	Consent Consent
	GPC     bool
	// The third parties' origins, whose script and pixel the page
	// includes: the browser's CSP decides whether they load.
	AnalyticsOrigin, AdsOrigin string
	MeasurementID              string
	ResetToken                 string

	Query   string
	Results []tea
	Email   string
	Teas    []tea
}

// app is the demo site's application: the upstream behind Caddy. It
// renders a small tea shop whose URLs carry identifiers (a search that
// takes an e-mail, a newsletter form, a password-reset link), tries to
// set a session cookie and tracking cookies, and records what reached it.
type app struct {
	d      *Demo
	pages  map[string]*template.Template
	static http.Handler
}

func newApp(d *Demo) (*app, error) {
	a := &app{d: d, pages: map[string]*template.Template{}}
	for _, name := range []string{"home", "search", "newsletter", "reset", "privacy", "visit", "notfound"} {
		t, err := template.ParseFS(assets, "site/layout.html", "site/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("site template %s: %v", name, err)
		}
		a.pages[name] = t
	}
	static, err := fs.Sub(assets, "site/assets")
	if err != nil {
		return nil, err
	}
	a.static = http.StripPrefix("/assets/", http.FileServerFS(static))
	return a, nil
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := AppRecord{
		Page:    !strings.HasPrefix(r.URL.Path, "/assets/") && r.URL.Path != "/favicon.ico",
		Method:  r.Method,
		URI:     r.RequestURI,
		Remote:  r.RemoteAddr,
		Country: r.Header.Get("X-Client-Country"),
		Consent: Consent{
			Functional: r.Header.Get("X-Consent-Functional"),
			Analytics:  r.Header.Get("X-Consent-Analytics"),
			Marketing:  r.Header.Get("X-Consent-Marketing"),
		},
		Headers: headerList(r.Header),
	}
	for _, c := range r.Cookies() {
		rec.Cookies = append(rec.Cookies, Cookie{c.Name, c.Value})
	}
	if rec.Page {
		rec.TriedCookies = a.setCookies(w, r)
	}
	a.d.hub.addApp(rec)

	if !rec.Page {
		w.Header().Set("Cache-Control", "no-cache")
		a.static.ServeHTTP(w, r)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(rec)
		return
	}

	p := page{
		Country:         rec.Country,
		Consent:         rec.Consent,
		GPC:             r.Header.Get("Sec-Gpc") == "1",
		AnalyticsOrigin: a.d.analyticsOrigin,
		AdsOrigin:       a.d.adsOrigin,
		MeasurementID:   MeasurementID,
		ResetToken:      resetToken,
		Teas:            teas,
	}
	name, status := "notfound", http.StatusNotFound
	q := r.URL.Query()
	switch r.URL.Path {
	case "/":
		name, status, p.Title = "home", http.StatusOK, "Kettle & Leaf"
	case "/search":
		name, status, p.Title = "search", http.StatusOK, "Search"
		p.Query = q.Get("q")
		p.Results = search(p.Query)
	case "/newsletter":
		name, status, p.Title = "newsletter", http.StatusOK, "Newsletter"
		p.Email = q.Get("email")
	case "/account/reset":
		name, status, p.Title = "reset", http.StatusOK, "Reset your password"
	case "/privacy":
		name, status, p.Title = "privacy", http.StatusOK, "Privacy"
	case "/visit":
		name, status, p.Title = "visit", http.StatusOK, "Visit us"
	default:
		p.Title = "Not found"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := a.pages[name].ExecuteTemplate(w, "layout", p); err != nil {
		a.d.logf("app: rendering %s: %v", name, err)
	}
}

// setCookies asks the browser to store a session cookie, which is
// necessary, and the tracking cookies a site with server-side tagging
// sets: _ga (analytics) and _fbp (marketing). The privacy handler removes
// the tracking ones from the response unless the visitor consented, so
// the app keeps asking. It returns the names it tried.
func (a *app) setCookies(w http.ResponseWriter, r *http.Request) []string {
	now := time.Now()
	want := []http.Cookie{
		{Name: "session", Value: "s_" + randomHex(12), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode},
		{Name: "_ga", Value: "GA1.1." + randomDigits(10) + "." + strconv.FormatInt(now.Unix(), 10), Path: "/", MaxAge: 2 * 365 * 24 * 3600, SameSite: http.SameSiteLaxMode},
		{Name: "_fbp", Value: "fb.1." + strconv.FormatInt(now.UnixMilli(), 10) + "." + randomDigits(10), Path: "/", MaxAge: 90 * 24 * 3600, SameSite: http.SameSiteLaxMode},
	}
	var tried []string
	for i := range want {
		if _, err := r.Cookie(want[i].Name); err == nil {
			continue
		}
		http.SetCookie(w, &want[i])
		tried = append(tried, want[i].Name)
	}
	return tried
}

// search finds the teas whose name or kind contains q.
func search(q string) []tea {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return nil
	}
	var found []tea
	for _, t := range teas {
		if strings.Contains(strings.ToLower(t.Name), q) || strings.Contains(t.Kind, q) {
			found = append(found, t)
		}
	}
	return found
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randomDigits(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}
