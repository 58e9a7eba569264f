package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func newTestDemo(t *testing.T) *Demo {
	t.Helper()
	return New(Config{Logger: log.New(io.Discard, "", 0)})
}

// backend records the requests it receives and answers like Caddy with
// the privacy handler would.
type backend struct {
	*httptest.Server
	mu   sync.Mutex
	got  []*http.Request
	body [][]byte
}

func newBackend(t *testing.T) *backend {
	b := &backend{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		b.got = append(b.got, r.Clone(context.Background()))
		b.body = append(b.body, body)
		b.mu.Unlock()
		w.Header().Add("Set-Cookie", "session=s1; Path=/")
		w.Header().Add("Content-Security-Policy", "script-src 'self'")
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *backend) last(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.got) == 0 {
		t.Fatal("the backend received nothing")
	}
	return b.got[len(b.got)-1], b.body[len(b.body)-1]
}

func frontDoor(t *testing.T, d *Demo, b *backend) http.Handler {
	t.Helper()
	u, err := url.Parse(b.URL)
	if err != nil {
		t.Fatal(err)
	}
	return d.front(u)
}

func TestFrontDoor(t *testing.T) {
	tests := []struct {
		name          string
		visitor       Visitor
		method, path  string
		body          string
		headers       map[string]string
		wantHeaders   map[string]string // as the backend receives them; "" means absent
		wantSimulated []string
		wantKind      string
	}{
		{
			name: "passes the browser's request unchanged", method: "GET", path: "/search?q=a%40b.example",
			headers:     map[string]string{"X-Forwarded-For": "81.2.69.160", "Forwarded": "for=81.2.69.160", "Cookie": "_ga=GA1.1.1.2; session=x", "Sec-Gpc": "1"},
			wantHeaders: map[string]string{"X-Forwarded-For": "81.2.69.160", "Forwarded": "for=81.2.69.160", "Cookie": "_ga=GA1.1.1.2; session=x", "Sec-Gpc": "1"},
			wantKind:    "page",
		},
		{
			name: "adds no address of its own", method: "GET", path: "/",
			wantHeaders: map[string]string{"X-Forwarded-For": "", "Forwarded": "", "Sec-Gpc": ""},
			wantKind:    "page",
		},
		{
			name: "plays the chosen visitor", visitor: Visitor{Country: "JP", GPC: true}, method: "GET", path: "/assets/site.css",
			wantHeaders:   map[string]string{"X-Forwarded-For": "133.11.0.1", "Sec-Gpc": "1"},
			wantSimulated: []string{"X-Forwarded-For", "Sec-Gpc"},
			wantKind:      "asset",
		},
		{
			name: "does not override the request's own headers", visitor: Visitor{Country: "JP", GPC: true}, method: "GET", path: "/",
			headers:     map[string]string{"X-Forwarded-For": "216.160.83.56", "Sec-Gpc": "0"},
			wantHeaders: map[string]string{"X-Forwarded-For": "216.160.83.56", "Sec-Gpc": "0"},
			wantKind:    "page",
		},
		{
			name: "records a beacon's body", method: "POST", path: "/g/collect?v=2&tid=G-X", body: "en=page_view\nen=scroll",
			wantKind: "beacon",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newTestDemo(t)
			d.hub.SetVisitor(tt.visitor)
			b := newBackend(t)
			h := frontDoor(t, d, b)
			req := httptest.NewRequest(tt.method, "http://localhost:8080"+tt.path, strings.NewReader(tt.body))
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusTeapot {
				t.Fatalf("status %d, want the backend's 418", rec.Code)
			}
			got, body := b.last(t)
			if got.Host != "localhost:8080" {
				t.Errorf("Host = %q, want the browser's localhost:8080", got.Host)
			}
			if got.URL.RequestURI() != tt.path {
				t.Errorf("request URI = %q, want %q", got.URL.RequestURI(), tt.path)
			}
			if string(body) != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
			for k, want := range tt.wantHeaders {
				if v := strings.Join(got.Header.Values(k), ", "); v != want {
					t.Errorf("%s = %q, want %q", k, v, want)
				}
			}

			st, _ := d.hub.Snapshot(0)
			if len(st.Front) != 1 {
				t.Fatalf("%d front records, want 1", len(st.Front))
			}
			fr := st.Front[0]
			if fr.Kind != tt.wantKind || fr.Method != tt.method || fr.URI != tt.path || fr.Status != http.StatusTeapot {
				t.Errorf("record %s %s %s %d, want %s %s %s 418", fr.Kind, fr.Method, fr.URI, fr.Status, tt.wantKind, tt.method, tt.path)
			}
			if !slices.Equal(fr.Simulated, tt.wantSimulated) {
				t.Errorf("simulated = %q, want %q", fr.Simulated, tt.wantSimulated)
			}
			if tt.wantKind == "beacon" && fr.Body != tt.body {
				t.Errorf("recorded body = %q, want %q", fr.Body, tt.body)
			}
			if !slices.Equal(fr.SetCookies, []string{"session=s1; Path=/"}) || !slices.Equal(fr.CSP, []string{"script-src 'self'"}) {
				t.Errorf("recorded response: Set-Cookie %q, CSP %q", fr.SetCookies, fr.CSP)
			}
			for k, want := range tt.wantHeaders {
				var v string
				for _, h := range fr.Headers {
					if h.Name == http.CanonicalHeaderKey(k) {
						v = strings.Join(h.Values, ", ")
					}
				}
				if v != want {
					t.Errorf("recorded %s = %q, want %q", k, v, want)
				}
			}
		})
	}
}

func TestFrontDoorWithoutCaddy(t *testing.T) {
	d := newTestDemo(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	h := d.front(&url.URL{Scheme: "http", Host: addr})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://localhost:8080/", nil))
	if rec.Code != http.StatusBadGateway || !strings.Contains(rec.Body.String(), "make run") {
		t.Errorf("got %d %q, want 502 with a hint", rec.Code, rec.Body.String())
	}
	if st, _ := d.hub.Snapshot(0); len(st.Front) != 1 || st.Front[0].Status != http.StatusBadGateway {
		t.Errorf("front records %+v, want one 502", st.Front)
	}
}

func TestApp(t *testing.T) {
	d := newTestDemo(t)
	a, err := newApp(d)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, cookie string
		status       int
		want         string
		tried        []string
	}{
		{"/", "", 200, "Loose-leaf tea", []string{"session", "_ga", "_fbp"}},
		{"/search?q=GREEN", "session=s; _ga=x", 200, "Sencha Uji", []string{"_fbp"}},
		{"/search?q=jane.doe%40example.com", "", 200, "No tea matches “jane.doe@example.com”", []string{"session", "_ga", "_fbp"}},
		{"/newsletter?email=a%40b.example", "session=s; _ga=x; _fbp=y", 200, "a@b.example", nil},
		{"/account/reset?token=t", "", 200, "Choose a new password", []string{"session", "_ga", "_fbp"}},
		{"/privacy", "", 200, "gpc.json", []string{"session", "_ga", "_fbp"}},
		{"/nope", "", 404, "Not found", []string{"session", "_ga", "_fbp"}},
		{"/assets/site.css", "", 200, "--leaf", nil},
		{"/assets/analytics.js", "", 200, "/g/collect", nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			req := httptest.NewRequest("GET", tt.path, nil)
			req.Header.Set("X-Client-Country", "GB")
			req.Header.Set("X-Consent-Analytics", "true")
			req.Header.Set("X-Consent-Marketing", "false")
			if tt.cookie != "" {
				req.Header.Set("Cookie", tt.cookie)
			}
			rec := httptest.NewRecorder()
			a.ServeHTTP(rec, req)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
				t.Fatalf("got %d, body lacks %q:\n%.400s", rec.Code, tt.want, rec.Body.String())
			}
			var set []string
			for _, c := range rec.Result().Cookies() {
				set = append(set, c.Name)
			}
			if !slices.Equal(set, tt.tried) {
				t.Errorf("Set-Cookie %q, want %q", set, tt.tried)
			}
			st, _ := d.hub.Snapshot(1)
			r := st.App[0]
			if r.URI != tt.path || r.Country != "GB" || r.Consent != (Consent{"", "true", "false"}) || !slices.Equal(r.TriedCookies, tt.tried) {
				t.Errorf("record %+v", r)
			}
			if r.Page == strings.HasPrefix(tt.path, "/assets/") {
				t.Errorf("page = %v", r.Page)
			}
		})
	}

	t.Run("pages embed the third parties and the snippet", func(t *testing.T) {
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		for _, want := range []string{
			`src="http://127.0.0.1:9082/tag.js"`,
			`src="http://127.0.0.1:9083/pixel.gif?ev=PageView"`,
			`data-tid="G-DEMO0000"`,
			`href="/account/reset?token=` + resetToken,
		} {
			if !strings.Contains(rec.Body.String(), want) {
				t.Errorf("home page lacks %s", want)
			}
		}
	})

	t.Run("JSON", func(t *testing.T) {
		req := httptest.NewRequest("GET", "/?page=2", nil)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-Client-Country", "US")
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		var got AppRecord
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("%v: %s", err, rec.Body)
		}
		if got.Country != "US" || got.URI != "/?page=2" {
			t.Errorf("got %+v", got)
		}
	})
}

func TestCollector(t *testing.T) {
	d := newTestDemo(t)
	h := d.collector()
	req := httptest.NewRequest("POST", "/g/collect?v=2&tid=G-X&dl=http%3A%2F%2Flocalhost%2F%3Fq%3D1&bad=%zz", strings.NewReader("en=a&ep.x=1\r\nen=b"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent {
		t.Errorf("status %d", rec.Code)
	}
	if !strings.HasPrefix(rec.Header().Get("Set-Cookie"), "FPID=") {
		t.Errorf("the collector does not try to set its id cookie: %q", rec.Header().Get("Set-Cookie"))
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/tag.js", nil))
	if !strings.Contains(rec.Body.String(), "_ga=GA1.1.") || rec.Header().Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("tag.js: %s %q", rec.Header().Get("Content-Type"), rec.Body.String())
	}
	rec = httptest.NewRecorder()
	d.ads().ServeHTTP(rec, httptest.NewRequest("GET", "/pixel.gif?ev=PageView", nil))
	if rec.Header().Get("Content-Type") != "image/gif" || !bytes.HasPrefix(rec.Body.Bytes(), []byte("GIF89a")) {
		t.Errorf("pixel: %q", rec.Header().Get("Content-Type"))
	}

	st, _ := d.hub.Snapshot(0)
	var kinds []string
	for _, v := range st.Vendor {
		kinds = append(kinds, v.Party+"/"+v.Kind)
	}
	if !slices.Equal(kinds, []string{"analytics/beacon", "analytics/script", "ads/pixel"}) {
		t.Fatalf("records %q", kinds)
	}
	want := [][2]string{{"v", "2"}, {"tid", "G-X"}, {"dl", "http://localhost/?q=1"}, {"", "bad=%zz"}, {"en", "a"}, {"ep.x", "1"}, {"en", "b"}}
	if !slices.Equal(st.Vendor[0].Params, want) {
		t.Errorf("params %q, want %q", st.Vendor[0].Params, want)
	}
}

func TestSplitLines(t *testing.T) {
	long := strings.Repeat("x", maxLogLine+5)
	tests := []struct {
		in        string
		lines     []string
		rest      string
		restIsCut bool
	}{
		{"", nil, "", false},
		{"a", nil, "a", false},
		{"a\n", []string{"a"}, "", false},
		{"a\r\nb\n\nc", []string{"a", "b"}, "c", false},
		{long, []string{long[:maxLogLine]}, "", false},
	}
	for _, tt := range tests {
		rest, lines := splitLines([]byte(tt.in))
		if !slices.Equal(lines, tt.lines) || string(rest) != tt.rest {
			t.Errorf("splitLines(%.20q) = %.20q, %.20q; want %.20q, %.20q", tt.in, lines, rest, tt.lines, tt.rest)
		}
	}
}

func TestFollowLog(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	// Lines from before the demo started are not shown.
	if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := newTestDemo(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		d.followLog(ctx, path)
		close(done)
	}()
	defer func() {
		cancel()
		<-done
	}()
	lines := func() []string {
		st, _ := d.hub.Snapshot(0)
		var out []string
		for _, l := range st.Log {
			out = append(out, l.Line)
		}
		return out
	}
	waitFor := func(want ...string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !slices.Equal(lines(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("lines %q, want %q", lines(), want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	appendTo := func(s string) {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(s)
		f.Close()
	}
	time.Sleep(2 * logPoll) // the first look
	appendTo("one\ntw")
	waitFor("one")
	appendTo("o\n")
	waitFor("one", "two")
	// Rolled: a new file under the same name is read from its start.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendTo("three\n")
	waitFor("one", "two", "three")
	// Truncated.
	if err := os.WriteFile(path, []byte("4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor("one", "two", "three", "4")
}

func TestHub(t *testing.T) {
	h := NewHub()
	st, changed := h.Snapshot(0)
	if st.Seq != 0 || len(st.Front) != 0 {
		t.Fatalf("new hub %+v", st)
	}
	for i := range maxFront + 10 {
		h.addFront(FrontRecord{URI: fmt.Sprint(i)})
	}
	select {
	case <-changed:
	default:
		t.Fatal("no change signalled")
	}
	st, changed = h.Snapshot(0)
	if len(st.Front) != maxFront || st.Front[0].URI != "10" || st.Front[maxFront-1].URI != fmt.Sprint(maxFront+9) {
		t.Errorf("ring holds %d records, %s to %s", len(st.Front), st.Front[0].URI, st.Front[len(st.Front)-1].URI)
	}
	if st.Seq != int64(maxFront+10) || st.Front[maxFront-1].Seq != st.Seq {
		t.Errorf("seq %d, last record's %d", st.Seq, st.Front[maxFront-1].Seq)
	}
	if last, _ := h.Snapshot(3); len(last.Front) != 3 || last.Front[2].URI != fmt.Sprint(maxFront+9) {
		t.Errorf("Snapshot(3) = %d records", len(last.Front))
	}
	h.Clear()
	<-changed
	if after, _ := h.Snapshot(0); len(after.Front) != 0 || after.Seq <= st.Seq {
		t.Errorf("after Clear: %d records, seq %d (was %d)", len(after.Front), after.Seq, st.Seq)
	}
}

func TestLiveAPI(t *testing.T) {
	d := newTestDemo(t)
	h, err := d.live()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"What the app received", "What the analytics vendor received", "sanitised access log", `value="GB"`, "http://localhost:8080/"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("live page lacks %q", want)
		}
	}

	// A long poll returns as soon as a record arrives.
	type result struct {
		st  State
		err error
	}
	res := make(chan result)
	go func() {
		var r result
		resp, err := http.Get(srv.URL + "/api/state?since=0")
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		r.err = json.NewDecoder(resp.Body).Decode(&r.st)
		res <- r
	}()
	time.Sleep(50 * time.Millisecond)
	d.hub.addApp(AppRecord{URI: "/x"})
	select {
	case r := <-res:
		if r.err != nil || len(r.st.App) != 1 || r.st.App[0].URI != "/x" {
			t.Errorf("state %+v, %v", r.st, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the long poll did not return")
	}

	post := func(path, ctype, body string) int {
		resp, err := http.Post(srv.URL+path, ctype, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tt := range []struct {
		path, ctype, body string
		status            int
	}{
		{"/api/visitor", "text/plain", `{"country":"GB"}`, http.StatusUnsupportedMediaType},
		{"/api/visitor", "application/json", `{"country":"XX"}`, http.StatusBadRequest},
		{"/api/visitor", "application/json", `{"country":`, http.StatusBadRequest},
		{"/api/visitor", "application/json", `{"country":"DE","gpc":true}`, http.StatusNoContent},
		{"/api/clear", "application/x-www-form-urlencoded", ``, http.StatusUnsupportedMediaType},
		{"/api/clear", "application/json", `{}`, http.StatusNoContent},
	} {
		if got := post(tt.path, tt.ctype, tt.body); got != tt.status {
			t.Errorf("POST %s %s %s: %d, want %d", tt.path, tt.ctype, tt.body, got, tt.status)
		}
	}
	st, _ := d.hub.Snapshot(0)
	if st.Visitor != (Visitor{"DE", true}) || len(st.App) != 0 {
		t.Errorf("after the posts: visitor %+v, %d app records", st.Visitor, len(st.App))
	}
}

func TestRunFailsOnABusyAddress(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	free := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}
	d := New(Config{Front: free(), Caddy: "127.0.0.1:1", App: free(), Collector: l.Addr().String(), Ads: free(), Live: free(), Logger: log.New(io.Discard, "", 0)})
	err = d.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "analytics collector") {
		t.Errorf("Run = %v, want an error naming the analytics collector", err)
	}
}

func TestRunStops(t *testing.T) {
	free := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}
	cfg := Config{Front: free(), Caddy: "127.0.0.1:1", App: free(), Collector: free(), Ads: free(), Live: free(), AccessLog: filepath.Join(t.TempDir(), "log"), Logger: log.New(io.Discard, "", 0)}
	d := New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	// A long poll in flight must not hold up the stop.
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get("http://" + cfg.Live + "/api/state")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the live page did not come up")
		}
		time.Sleep(20 * time.Millisecond)
	}
	go http.Get("http://" + cfg.Live + "/api/state?since=1000")
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("stopping took %v", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
}
