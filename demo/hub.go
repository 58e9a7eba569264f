package demo

import (
	"net/http"
	"sort"
	"sync"
	"time"
)

// Ring sizes: how many of each kind of record the hub keeps. Everything
// is in memory and bounded; nothing the demo records is written to disk.
const (
	maxApp    = 100
	maxFront  = 300
	maxVendor = 200
	maxLog    = 300
)

// Hub holds what each party received, in memory only, and tells waiting
// readers when something new arrives. It is safe for concurrent use.
type Hub struct {
	mu      sync.Mutex
	seq     int64
	changed chan struct{}

	app    []AppRecord
	front  []FrontRecord
	vendor []VendorRecord
	log    []LogLine

	visitor Visitor
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{changed: make(chan struct{})}
}

// next stamps a new record; h.mu must be held.
func (h *Hub) next() (int64, time.Time) {
	h.seq++
	return h.seq, time.Now()
}

// notify wakes every waiting reader; h.mu must be held.
func (h *Hub) notify() {
	close(h.changed)
	h.changed = make(chan struct{})
}

func push[T any](s []T, v T, limit int) []T {
	if len(s) >= limit {
		s = append(s[:0], s[len(s)-limit+1:]...)
	}
	return append(s, v)
}

func (h *Hub) addApp(r AppRecord) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r.Seq, r.Time = h.next()
	h.app = push(h.app, r, maxApp)
	h.notify()
}

func (h *Hub) addFront(r FrontRecord) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r.Seq, r.Time = h.next()
	h.front = push(h.front, r, maxFront)
	h.notify()
}

func (h *Hub) addVendor(r VendorRecord) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r.Seq, r.Time = h.next()
	h.vendor = push(h.vendor, r, maxVendor)
	h.notify()
}

func (h *Hub) addLog(lines []string) {
	if len(lines) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, l := range lines {
		seq, t := h.next()
		h.log = push(h.log, LogLine{Seq: seq, Time: t, Line: l}, maxLog)
	}
	h.notify()
}

// Clear forgets every record; the sequence goes on, so a reader never
// mistakes a new record for one it has seen.
func (h *Hub) Clear() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.app, h.front, h.vendor, h.log = nil, nil, nil, nil
	h.seq++
	h.notify()
}

// SetVisitor sets the visitor the front door plays.
func (h *Hub) SetVisitor(v Visitor) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.visitor = v
	h.seq++
	h.notify()
}

// Visitor returns the visitor the front door plays.
func (h *Hub) Visitor() Visitor {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.visitor
}

// State is a snapshot of the hub, newest records last.
type State struct {
	// Seq is the sequence number of the latest change.
	Seq     int64          `json:"seq"`
	Visitor Visitor        `json:"visitor"`
	App     []AppRecord    `json:"app"`
	Front   []FrontRecord  `json:"front"`
	Vendor  []VendorRecord `json:"vendor"`
	Log     []LogLine      `json:"log"`
}

// Snapshot returns the last n records of each kind (all of them when n
// is 0 or less) and a channel closed at the next change.
func (h *Hub) Snapshot(n int) (State, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return State{
		Seq:     h.seq,
		Visitor: h.visitor,
		App:     tail(h.app, n),
		Front:   tail(h.front, n),
		Vendor:  tail(h.vendor, n),
		Log:     tail(h.log, n),
	}, h.changed
}

func tail[T any](s []T, n int) []T {
	if n > 0 && len(s) > n {
		s = s[len(s)-n:]
	}
	return append([]T{}, s...)
}

// Header is one header field with its values, as received.
type Header struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// headerList returns h sorted by name.
func headerList(h http.Header) []Header {
	list := make([]Header, 0, len(h))
	for name, values := range h {
		list = append(list, Header{Name: name, Values: append([]string(nil), values...)})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list
}

// AppRecord is a request as the app behind Caddy received it.
type AppRecord struct {
	Seq  int64     `json:"seq"`
	Time time.Time `json:"time"`
	// Page is false for the site's scripts, styles and images.
	Page    bool     `json:"page"`
	Method  string   `json:"method"`
	URI     string   `json:"uri"`
	Remote  string   `json:"remote"`
	Country string   `json:"country"`
	Consent Consent  `json:"consent"`
	Cookies []Cookie `json:"cookies"`
	Headers []Header `json:"headers"`
	// TriedCookies are the cookies the app asked the browser to store.
	TriedCookies []string `json:"tried_cookies"`
}

// Consent is the privacy handler's decision, as the app was told it.
type Consent struct {
	Functional string `json:"functional"`
	Analytics  string `json:"analytics"`
	Marketing  string `json:"marketing"`
}

// Cookie is a cookie name and value.
type Cookie struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// FrontRecord is a request as the browser sent it and as it reached
// Caddy, with what Caddy answered.
type FrontRecord struct {
	Seq  int64     `json:"seq"`
	Time time.Time `json:"time"`
	// Kind is "page", "asset" or "beacon" (a request to /g/collect).
	Kind    string   `json:"kind"`
	Method  string   `json:"method"`
	URI     string   `json:"uri"`
	Remote  string   `json:"remote"`
	Headers []Header `json:"headers"`
	Body    string   `json:"body,omitempty"`
	// Simulated names the headers the front door added to play the
	// visitor chosen on the live page.
	Simulated []string `json:"simulated,omitempty"`
	Status    int      `json:"status"`
	// SetCookies are the Set-Cookie fields that reached the browser.
	SetCookies []string `json:"set_cookies,omitempty"`
	// CSP are the Content-Security-Policy fields that reached the browser.
	CSP []string `json:"csp,omitempty"`
}

// VendorRecord is a request the third parties received.
type VendorRecord struct {
	Seq  int64     `json:"seq"`
	Time time.Time `json:"time"`
	// Party is "analytics" or "ads".
	Party string `json:"party"`
	// Kind is "beacon" (through the site's gateway), "script" (the
	// vendor's tag, fetched by the browser) or "pixel".
	Kind    string   `json:"kind"`
	Method  string   `json:"method"`
	URI     string   `json:"uri"`
	Remote  string   `json:"remote"`
	Headers []Header `json:"headers"`
	// Params are a beacon's query parameters, then those of each line of
	// its body, in order.
	Params [][2]string `json:"params,omitempty"`
	Body   string      `json:"body,omitempty"`
}

// LogLine is one line of the sanitised access log.
type LogLine struct {
	Seq  int64     `json:"seq"`
	Time time.Time `json:"time"`
	Line string    `json:"line"`
}

// Visitor is who the front door plays: a country whose sample address it
// sends in X-Forwarded-For, and whether it sends Sec-GPC: 1, for requests
// that do not carry their own.
type Visitor struct {
	Country string `json:"country"`
	GPC     bool   `json:"gpc"`
}
