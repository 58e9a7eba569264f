package caddymodule

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/klauspost/compress/zstd"
	dto "github.com/prometheus/client_model/go"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/consent"
	"github.com/caddy-privacy/caddy-privacy/embeds"
)

// fakeRewriter stands in for the embeds package: it needs marketing
// consent, swaps YouTube for its no-cookie origin and Vimeo for a
// placeholder, one Write at a time, and marks its Close in the output,
// so a test sees that the response went through it and was finished.
type fakeRewriter struct{}

const fakeClosed = "<!--rewriter closed-->"

func (fakeRewriter) Needed(g consent.Set) bool { return !g.Has(consent.Marketing) }

func (fakeRewriter) Wrap(dst io.Writer, g consent.Set) io.WriteCloser {
	return &fakeRewrite{dst: dst}
}

func (fakeRewriter) Sources(g consent.Set) (frame, script []string) {
	if g.Has(consent.Marketing) {
		return []string{"https://www.youtube.com", "https://player.vimeo.com"}, nil
	}
	return []string{"https://www.youtube-nocookie.com"}, []string{"'sha256-placeholder'"}
}

func (fakeRewriter) Blocked(g consent.Set) []string {
	if g.Has(consent.Marketing) {
		return nil
	}
	return []string{"https://www.youtube.com", "https://player.vimeo.com"}
}

type fakeRewrite struct{ dst io.Writer }

var fakeReplacer = strings.NewReplacer(
	"https://www.youtube.com/embed/", "https://www.youtube-nocookie.com/embed/",
	`<iframe src="https://player.vimeo.com/video/1"></iframe>`, `<div class="placeholder">Vimeo</div>`,
)

func (f *fakeRewrite) Write(b []byte) (int, error) {
	if _, err := fakeReplacer.WriteString(f.dst, string(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (f *fakeRewrite) Close() error {
	_, err := io.WriteString(f.dst, fakeClosed)
	return err
}

const (
	embedPage     = `<!doctype html><p>tea</p><iframe src="https://www.youtube.com/embed/abc"></iframe><iframe src="https://player.vimeo.com/video/1"></iframe>`
	rewrittenPage = `<!doctype html><p>tea</p><iframe src="https://www.youtube-nocookie.com/embed/abc"></iframe><div class="placeholder">Vimeo</div>` + fakeClosed
	marketingOK   = `consent={"functional":true,"analytics":true,"marketing":true}`
)

// embedsHandler is a provisioned handler with the fake rewriter, reading
// the consent cookie as the example Caddyfile does.
func embedsHandler(t testing.TB, withCSP bool) *Handler {
	h := &Handler{Policy: config.Policy{Consent: config.ConsentPolicy{Format: "json", Cookie: "consent"}}}
	if withCSP {
		h.CSP = &CSP{}
	}
	provisioned(t, h)
	h.embeds = fakeRewriter{}
	if withCSP {
		h.csp = h.CSP.compile(h.embeds)
	}
	return h
}

// flushRecorder records what the client had received at each flush.
type flushRecorder struct {
	*httptest.ResponseRecorder
	atFlush []string
}

func (f *flushRecorder) Flush() {
	f.ResponseRecorder.Flush()
	f.atFlush = append(f.atFlush, f.Body.String())
}

type embedsExchange struct {
	next  *http.Request
	nextW http.ResponseWriter
	resp  *flushRecorder
	err   error
}

// serveEmbeds sends req through h, with next answering via respond.
func serveEmbeds(t testing.TB, h *Handler, req *http.Request, respond func(w http.ResponseWriter, r *http.Request)) embedsExchange {
	t.Helper()
	return serveEmbedsTo(t, h, req, &flushRecorder{ResponseRecorder: httptest.NewRecorder()}, respond)
}

// serveEmbedsTo is serveEmbeds with the client's recorder given.
func serveEmbedsTo(t testing.TB, h *Handler, req *http.Request, rec *flushRecorder, respond func(w http.ResponseWriter, r *http.Request)) embedsExchange {
	t.Helper()
	repl := caddy.NewReplacer()
	ctx := context.WithValue(req.Context(), caddy.ReplacerCtxKey, repl)
	ctx = context.WithValue(ctx, caddyhttp.VarsCtxKey, map[string]any{caddyhttp.ClientIPVarKey: "81.2.69.160"})
	req = req.WithContext(ctx)
	ex := embedsExchange{resp: rec}
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		ex.next, ex.nextW = r, w
		respond(w, r)
		return nil
	})
	ex.err = h.ServeHTTP(ex.resp, req, next)
	return ex
}

func pageRequest(method, cookie string) *http.Request {
	req := httptest.NewRequest(method, "/", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	req.Header.Set("Sec-Fetch-Dest", "document")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	return req
}

// app answers like an app behind reverse_proxy: headers, then the body.
func app(contentType string, extra http.Header, status int, body []byte) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		for k, v := range extra {
			h[k] = v
		}
		w.WriteHeader(status)
		w.Write(body)
	}
}

func validators() http.Header {
	return http.Header{
		"Content-Length": {"999"},
		"Etag":           {`"v1"`},
		"Last-Modified":  {"Wed, 01 Jan 2025 00:00:00 GMT"},
		"Accept-Ranges":  {"bytes"},
		"Set-Cookie":     {"_fbp=fb.1.2; Path=/", "session=s; Path=/"},
	}
}

func TestEmbedsRewritesHTML(t *testing.T) {
	h := embedsHandler(t, false)
	for _, ct := range []string{"text/html; charset=utf-8", "TEXT/HTML", "application/xhtml+xml", "text/html; charset"} {
		t.Run(ct, func(t *testing.T) {
			ex := serveEmbeds(t, h, pageRequest("GET", ""), app(ct, validators(), 200, []byte(embedPage)))
			if ex.err != nil {
				t.Fatal(ex.err)
			}
			if got := ex.resp.Body.String(); got != rewrittenPage {
				t.Errorf("body:\n%s\nwant\n%s", got, rewrittenPage)
			}
			hdr := ex.resp.Header()
			for _, name := range []string{"Content-Length", "Etag", "Last-Modified", "Accept-Ranges"} {
				if v, ok := hdr[name]; ok {
					t.Errorf("%s = %q kept on a rewritten page", name, v)
				}
			}
			if sc := hdr.Values("Set-Cookie"); len(sc) != 1 || !strings.HasPrefix(sc[0], "session=") {
				t.Errorf("Set-Cookie = %q: the cookie filter must still apply", sc)
			}
		})
	}
}

func TestEmbedsLeaveOtherResponsesAlone(t *testing.T) {
	h := embedsHandler(t, false)
	for _, ct := range []string{"application/json", "text/plain", "image/svg+xml", "text/event-stream", "application/javascript"} {
		t.Run(ct, func(t *testing.T) {
			ex := serveEmbeds(t, h, pageRequest("GET", ""), app(ct, http.Header{"Content-Length": {"149"}, "Etag": {`"v1"`}}, 200, []byte(embedPage)))
			if got := ex.resp.Body.String(); got != embedPage {
				t.Errorf("body changed:\n%s", got)
			}
			if ex.resp.Header().Get("Content-Length") != "149" || ex.resp.Header().Get("Etag") != `"v1"` {
				t.Errorf("headers changed: %v", ex.resp.Header())
			}
		})
	}
}

func TestEmbedsConsentGrantedIsUntouched(t *testing.T) {
	h := embedsHandler(t, false)
	req := pageRequest("GET", marketingOK)
	req.Header.Set("Range", "bytes=0-99")
	req.Header.Set("If-None-Match", `"v1"`)
	hdr := validators()
	hdr.Set("Content-Length", "149")
	ex := serveEmbeds(t, h, req, app("text/html", hdr, 200, []byte(embedPage)))
	if got := ex.resp.Body.String(); got != embedPage {
		t.Errorf("body changed under full consent:\n%s", got)
	}
	if _, ok := ex.nextW.(*embedWriter); ok {
		t.Error("the response was wrapped although no embed needs rewriting")
	}
	if ex.next.Header.Get("Range") == "" || ex.next.Header.Get("If-None-Match") == "" {
		t.Error("request headers removed although no embed needs rewriting")
	}
	for _, name := range []string{"Content-Length", "Etag", "Last-Modified", "Accept-Ranges"} {
		if ex.resp.Header().Get(name) == "" {
			t.Errorf("%s removed under full consent", name)
		}
	}
}

func TestEmbedsPrepareRequest(t *testing.T) {
	h := embedsHandler(t, false)
	conditional := []string{"Range", "If-Range", "If-None-Match", "If-Modified-Since"}
	tests := []struct {
		name     string
		method   string
		headers  map[string]string
		stripped bool
	}{
		{"navigation", "GET", map[string]string{"Sec-Fetch-Dest": "document"}, true},
		{"iframe", "GET", map[string]string{"Sec-Fetch-Dest": "iframe"}, true},
		{"accepts html", "GET", map[string]string{"Accept": "text/html"}, true},
		{"head", "HEAD", map[string]string{"Accept": "application/xhtml+xml"}, true},
		{"video seek", "GET", map[string]string{"Sec-Fetch-Dest": "video", "Accept": "*/*"}, false},
		{"image", "GET", map[string]string{"Sec-Fetch-Dest": "image", "Accept": "image/avif,image/webp,*/*"}, false},
		{"post", "POST", map[string]string{"Accept": "text/html"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "/", nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			req.Header.Set("Accept-Encoding", "gzip, br, zstd")
			for _, name := range conditional {
				req.Header.Set(name, "x")
			}
			ex := serveEmbeds(t, h, req, app("text/plain", nil, 200, nil))
			for _, name := range conditional {
				if _, ok := ex.next.Header[name]; ok == tt.stripped {
					t.Errorf("%s present = %v, want %v", name, ok, !tt.stripped)
				}
			}
			// A page is asked for uncompressed, to be gzipped on its way
			// out; other requests keep what the client accepts.
			if got := ex.next.Header.Get("Accept-Encoding"); (got == "") != tt.stripped {
				t.Errorf("Accept-Encoding on the way to the app: %q", got)
			}
		})
	}
}

// A page for a client that accepts gzip streams: the client has
// compressed bytes of the rewritten page while the app is still writing,
// the whole arrives gzip-coded with Vary: Accept-Encoding, and a client
// that accepts only br keeps its header (the app's br page is recoded).
func TestEmbedsGzipOutStreams(t *testing.T) {
	h := embedsHandler(t, false)
	chunk := []byte(strings.Repeat("<p>A paragraph of the article, long enough to fill blocks.</p>\n", 1000) + embedPage)
	const chunks = 40 // 2.6 MB
	var sentWhileWriting int
	resp := &flushRecorder{ResponseRecorder: httptest.NewRecorder()}
	req := pageRequest("GET", "")
	req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	ex := serveEmbedsTo(t, h, req, resp, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "" {
			t.Errorf("the app was offered %q", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		for i := range chunks {
			w.Write(chunk)
			if i == chunks/2 {
				sentWhileWriting = resp.Body.Len()
			}
		}
	})
	if sentWhileWriting == 0 {
		t.Error("nothing reached the client while the app was writing: the page was held")
	}
	hdr := ex.resp.Header()
	if hdr.Get("Content-Encoding") != "gzip" || !strings.Contains(hdr.Get("Vary"), "Accept-Encoding") || hdr.Get("Content-Length") != "" {
		t.Fatalf("headers %v", hdr)
	}
	zr, err := gzip.NewReader(ex.resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat(strings.ReplaceAll(string(chunk), embedPage, strings.TrimSuffix(rewrittenPage, fakeClosed)), chunks) + fakeClosed
	if string(page) != want {
		t.Errorf("the decompressed page (%d bytes) is not the rewritten one (%d bytes)", len(page), len(want))
	}

	req = pageRequest("GET", "")
	req.Header.Set("Accept-Encoding", "br")
	ex = serveEmbeds(t, h, req, app("text/html", nil, 200, []byte(embedPage)))
	if ex.next.Header.Get("Accept-Encoding") != "br" {
		t.Errorf("a br-only client's Accept-Encoding became %q", ex.next.Header.Get("Accept-Encoding"))
	}
	if ex.resp.Header().Get("Content-Encoding") != "" || ex.resp.Body.String() != rewrittenPage {
		t.Errorf("an identity page for a br-only client: coding %q, body %q", ex.resp.Header().Get("Content-Encoding"), ex.resp.Body.String())
	}
}

func TestEmbedsFragmentsPassUntouched(t *testing.T) {
	h := embedsHandler(t, false)
	part := []byte(embedPage[:60])
	for name, respond := range map[string]func(http.ResponseWriter, *http.Request){
		"206":           app("text/html", http.Header{"Content-Range": {"bytes 0-59/149"}, "Content-Length": {"60"}}, 206, part),
		"content-range": app("text/html", http.Header{"Content-Range": {"bytes 0-59/149"}, "Content-Length": {"60"}}, 200, part),
	} {
		t.Run(name, func(t *testing.T) {
			ex := serveEmbeds(t, h, pageRequest("GET", ""), respond)
			if got := ex.resp.Body.String(); got != string(part) {
				t.Errorf("fragment changed: %q", got)
			}
			if ex.resp.Header().Get("Content-Length") != "60" {
				t.Error("fragment's Content-Length removed")
			}
		})
	}
}

func TestEmbedsHeadAnd304(t *testing.T) {
	h := embedsHandler(t, false)
	head := serveEmbeds(t, h, pageRequest("HEAD", ""), func(w http.ResponseWriter, r *http.Request) {
		hdr := validators()
		hdr.Set("Content-Encoding", "br") // the GET would be recoded in br too
		for k, v := range hdr {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(200)
	})
	if head.err != nil {
		t.Fatal(head.err)
	}
	if head.resp.Body.Len() != 0 || head.resp.Code != 200 {
		t.Errorf("HEAD: %d %q", head.resp.Code, head.resp.Body)
	}
	for _, name := range []string{"Content-Length", "Etag", "Last-Modified", "Accept-Ranges"} {
		if _, ok := head.resp.Header()[name]; ok {
			t.Errorf("HEAD kept %s", name)
		}
	}
	if head.resp.Header().Get("Content-Encoding") != "br" {
		t.Error("HEAD lost Content-Encoding, which the GET keeps")
	}

	nm := serveEmbeds(t, h, pageRequest("GET", ""), app("text/html", http.Header{"Etag": {`"v1"`}}, 304, nil))
	if nm.resp.Code != 304 || nm.resp.Body.Len() != 0 || nm.resp.Header().Get("Etag") != "" {
		t.Errorf("304: %d %q etag %q", nm.resp.Code, nm.resp.Body, nm.resp.Header().Get("Etag"))
	}
	noType := serveEmbeds(t, h, pageRequest("GET", ""), app("", http.Header{"Etag": {`"img"`}}, 304, nil))
	if noType.resp.Code != 304 || noType.resp.Header().Get("Etag") != `"img"` {
		t.Errorf("304 without a type: %d etag %q", noType.resp.Code, noType.resp.Header().Get("Etag"))
	}
	nc := serveEmbeds(t, h, pageRequest("GET", ""), app("text/html", nil, 204, nil))
	if nc.resp.Code != 204 || nc.resp.Body.Len() != 0 || nc.err != nil {
		t.Errorf("204: %d %q %v", nc.resp.Code, nc.resp.Body, nc.err)
	}
}

func TestEmbedsCodedBodies(t *testing.T) {
	h := embedsHandler(t, false)
	codings := map[string]struct {
		encode func([]byte) []byte
		decode func([]byte) ([]byte, error)
	}{
		"gzip": {gzipBytes, func(b []byte) ([]byte, error) {
			r, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil, err
			}
			return io.ReadAll(r)
		}},
		"zstd": {func(b []byte) []byte {
			w, _ := zstd.NewWriter(nil)
			return w.EncodeAll(b, nil)
		}, func(b []byte) ([]byte, error) {
			r, _ := zstd.NewReader(nil)
			return r.DecodeAll(b, nil)
		}},
		"br": {func(b []byte) []byte {
			var buf bytes.Buffer
			w := brotli.NewWriter(&buf)
			w.Write(b)
			w.Close()
			return buf.Bytes()
		}, func(b []byte) ([]byte, error) { return io.ReadAll(brotli.NewReader(bytes.NewReader(b))) }},
	}
	for name, c := range codings {
		t.Run(name, func(t *testing.T) {
			coded := c.encode([]byte(embedPage))
			hdr := validators()
			hdr.Set("Content-Encoding", name)
			hdr.Set("Vary", "Accept-Encoding")
			// Written in small pieces, with flushes, as a proxy copies.
			ex := serveEmbeds(t, h, pageRequest("GET", ""), func(w http.ResponseWriter, r *http.Request) {
				for k, v := range hdr {
					w.Header()[k] = v
				}
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(200)
				for i := 0; i < len(coded); i += 7 {
					w.Write(coded[i:min(i+7, len(coded))])
					http.NewResponseController(w).Flush()
				}
			})
			if ex.err != nil {
				t.Fatal(ex.err)
			}
			if ex.resp.Header().Get("Content-Encoding") != name {
				t.Fatalf("Content-Encoding = %q, want %s kept", ex.resp.Header().Get("Content-Encoding"), name)
			}
			got, err := c.decode(ex.resp.Body.Bytes())
			if err != nil {
				t.Fatalf("client cannot decode: %v", err)
			}
			if string(got) != rewrittenPage {
				t.Errorf("decoded body:\n%s\nwant\n%s", got, rewrittenPage)
			}
			for _, f := range ex.resp.atFlush {
				if f != "" {
					t.Errorf("part of a held page reached the client at a flush: %q", f)
				}
			}
			if ex.resp.Header().Get("Content-Length") != "" || ex.resp.Header().Get("Etag") != "" {
				t.Error("validators kept on a recoded page")
			}
		})
	}
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestEmbedsUncheckablePagesFailClosed(t *testing.T) {
	h := embedsHandler(t, false)
	corrupt := gzipBytes([]byte(embedPage))
	corrupt = corrupt[:len(corrupt)-12] // cut off: no checksum
	tests := map[string]struct {
		coding string
		body   []byte
	}{
		"unknown coding": {"compress", []byte(embedPage)},
		"two codings":    {"gzip, br", gzipBytes([]byte(embedPage))},
		"corrupt gzip":   {"gzip", corrupt},
		"not gzip":       {"gzip", []byte(embedPage)},
		"corrupt br":     {"br", []byte(embedPage)},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			hdr := validators()
			hdr.Set("Content-Encoding", tt.coding)
			ex := serveEmbeds(t, h, pageRequest("GET", ""), app("text/html", hdr, 200, tt.body))
			var he caddyhttp.HandlerError
			if !errors.As(ex.err, &he) || he.StatusCode != http.StatusBadGateway {
				t.Fatalf("error = %v, want a 502 handler error", ex.err)
			}
			if ex.resp.Body.Len() != 0 || ex.resp.Code != 200 && ex.resp.Code != 0 {
				// The recorder's Code stays 200 until written; nothing was.
				t.Errorf("something reached the client: %d %q", ex.resp.Code, ex.resp.Body)
			}
			if len(ex.resp.Header()) != 0 {
				t.Errorf("headers left for the error response: %v", ex.resp.Header())
			}
		})
	}

	// A page in a coding that cannot be decoded is served when no embed
	// needs rewriting.
	hdr := validators()
	hdr.Set("Content-Encoding", "compress")
	ok := serveEmbeds(t, h, pageRequest("GET", marketingOK), app("text/html", hdr, 200, []byte("x")))
	if ok.err != nil || ok.resp.Body.String() != "x" {
		t.Errorf("full consent: %v %q", ok.err, ok.resp.Body)
	}
}

func TestEmbedsFlushStreams(t *testing.T) {
	h := embedsHandler(t, false)
	first := `<!doctype html><iframe src="https://www.youtube.com/embed/abc"></iframe>`
	ex := serveEmbeds(t, h, pageRequest("GET", ""), func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, first)
		w.(http.Flusher).Flush()
		io.WriteString(w, "<p>later</p>")
		http.NewResponseController(w).Flush()
	})
	want1 := strings.Replace(first, "www.youtube.com", "www.youtube-nocookie.com", 1)
	if len(ex.resp.atFlush) != 2 || ex.resp.atFlush[0] != want1 || ex.resp.atFlush[1] != want1+"<p>later</p>" {
		t.Errorf("at the flushes the client had %q", ex.resp.atFlush)
	}
	if ex.resp.Body.String() != want1+"<p>later</p>"+fakeClosed {
		t.Errorf("body %q", ex.resp.Body)
	}

	// Streams that are not HTML flush straight through.
	sse := serveEmbeds(t, h, pageRequest("GET", ""), func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: 1\n\n")
		http.NewResponseController(w).Flush()
	})
	if len(sse.resp.atFlush) != 1 || sse.resp.atFlush[0] != "data: 1\n\n" {
		t.Errorf("SSE at flush: %q", sse.resp.atFlush)
	}
}

func TestEmbedsSniffsUntypedBodies(t *testing.T) {
	h := embedsHandler(t, false)
	ex := serveEmbeds(t, h, pageRequest("GET", ""), app("", nil, 200, []byte(embedPage)))
	if got := ex.resp.Body.String(); got != rewrittenPage {
		t.Errorf("untyped HTML not rewritten: %q", got)
	}
	if !strings.HasPrefix(ex.resp.Header().Get("Content-Type"), "text/html") {
		t.Errorf("Content-Type = %q", ex.resp.Header().Get("Content-Type"))
	}
	png := []byte("\x89PNG\r\n\x1a\n" + embedPage)
	img := serveEmbeds(t, h, pageRequest("GET", ""), app("", nil, 200, png))
	if !bytes.Equal(img.resp.Body.Bytes(), png) {
		t.Error("untyped PNG changed")
	}
}

// readFromSpy records whether ReadFrom reached the client's writer.
type readFromSpy struct {
	*flushRecorder
	used bool
}

func (s *readFromSpy) ReadFrom(r io.Reader) (int64, error) {
	s.used = true
	return io.Copy(s.ResponseRecorder, r)
}

func TestEmbedsReadFrom(t *testing.T) {
	h := embedsHandler(t, false)
	for _, tt := range []struct {
		ct       string
		fastPath bool
		want     string
	}{{"image/png", true, embedPage}, {"text/html", false, rewrittenPage}} {
		req := pageRequest("GET", "")
		repl := caddy.NewReplacer()
		ctx := context.WithValue(req.Context(), caddy.ReplacerCtxKey, repl)
		ctx = context.WithValue(ctx, caddyhttp.VarsCtxKey, map[string]any{caddyhttp.ClientIPVarKey: "81.2.69.160"})
		spy := &readFromSpy{flushRecorder: &flushRecorder{ResponseRecorder: httptest.NewRecorder()}}
		err := h.ServeHTTP(spy, req.WithContext(ctx), caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Type", tt.ct)
			_, err := w.(io.ReaderFrom).ReadFrom(strings.NewReader(embedPage))
			return err
		}))
		if err != nil {
			t.Fatal(err)
		}
		if spy.used != tt.fastPath || spy.Body.String() != tt.want {
			t.Errorf("%s: ReadFrom fast path %v, body %q", tt.ct, spy.used, spy.Body)
		}
	}
}

func TestEmbedsCSPAgreement(t *testing.T) {
	h := embedsHandler(t, true)
	directive := func(csp, name string) string {
		for _, d := range strings.Split(csp, "; ") {
			if strings.HasPrefix(d, name+" ") {
				return d
			}
		}
		t.Fatalf("no %s in %q", name, csp)
		return ""
	}

	none := serveEmbeds(t, h, pageRequest("GET", ""), app("text/html", nil, 200, []byte(embedPage)))
	csp := none.resp.Header().Get("Content-Security-Policy")
	frame := directive(csp, "frame-src")
	if !strings.Contains(frame, "https://www.youtube-nocookie.com") {
		t.Errorf("frame-src does not allow the no-cookie player: %q", frame)
	}
	for _, d := range []string{"frame-src", "script-src", "img-src", "connect-src"} {
		v := directive(csp, d)
		if strings.Contains(v, "https://www.youtube.com") || strings.Contains(v, "player.vimeo.com") {
			t.Errorf("%s allows a blocked provider: %q", d, v)
		}
	}
	script := directive(csp, "script-src")
	if !strings.Contains(script, "'unsafe-inline'") || strings.Contains(script, "'sha256-") {
		t.Errorf("script-src %q: a hash beside 'unsafe-inline' would switch it off for the site's own scripts", script)
	}

	// Marketing granted, analytics not: a policy is still sent (analytics
	// is denied) and it lets the granted players in.
	mkt := serveEmbeds(t, h, pageRequest("GET", `consent={"marketing":true}`), app("text/html", nil, 200, []byte(embedPage)))
	frame = directive(mkt.resp.Header().Get("Content-Security-Policy"), "frame-src")
	if !strings.Contains(frame, "https://www.youtube.com") || !strings.Contains(frame, "https://player.vimeo.com") {
		t.Errorf("frame-src blocks granted players: %q", frame)
	}

	// Everything granted: no policy, as without embeds.
	all := serveEmbeds(t, h, pageRequest("GET", marketingOK), app("text/html", nil, 200, []byte(embedPage)))
	if v := all.resp.Header().Values("Content-Security-Policy"); len(v) != 0 {
		t.Errorf("CSP under full consent: %q", v)
	}

	// Embeds off: the policy is exactly what it was without them.
	plain := (&CSP{}).compile(nil)
	for set := consent.Set(0); set <= consent.All; set++ {
		if v := plain.byGranted[set]; strings.Contains(v, "youtube") {
			t.Errorf("without embeds the CSP names a provider: %q", v)
		}
	}
}

func BenchmarkEmbedsPassThrough(b *testing.B) {
	h := embedsHandler(b, false)
	body := bytes.Repeat([]byte("x"), 4096)
	req := pageRequest("GET", "")
	repl := caddy.NewReplacer()
	ctx := context.WithValue(req.Context(), caddy.ReplacerCtxKey, repl)
	ctx = context.WithValue(ctx, caddyhttp.VarsCtxKey, map[string]any{caddyhttp.ClientIPVarKey: "81.2.69.160"})
	req = req.WithContext(ctx)
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "image/png")
		w.Write(body)
		return nil
	})
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req, next)
	}
}

// TestEmbedsCSPWithRewriter checks the policy against the real rewriter's
// sources, with its defaults (YouTube no-cookie, the rest placeholders).
func TestEmbedsCSPWithRewriter(t *testing.T) {
	h := provisioned(t, &Handler{CSP: &CSP{}, Embeds: &embeds.Config{}})
	csp := h.csp.byGranted[consent.Only]
	frame, script := cspDirective(csp, "frame-src"), cspDirective(csp, "script-src")
	for _, want := range []string{"https://www.youtube-nocookie.com", "https://player.vimeo.com", "https://www.google.com"} {
		if !strings.Contains(frame, want) {
			t.Errorf("frame-src lacks %s (no-cookie player, or a click-to-load frame): %q", want, frame)
		}
	}
	if strings.Contains(frame, "https://www.youtube.com") {
		t.Errorf("frame-src allows www.youtube.com while YouTube plays from its no-cookie origin: %q", frame)
	}
	for _, d := range []string{"script-src", "connect-src", "img-src"} {
		v := cspDirective(csp, d)
		for _, o := range []string{"https://platform.twitter.com", "https://www.youtube.com", "https://connect.facebook.net"} {
			if strings.Contains(v, o) {
				t.Errorf("%s allows refused provider %s: %q", d, o, v)
			}
		}
	}
	if !strings.Contains(script, "'unsafe-inline'") || strings.Contains(script, "'sha256-") {
		t.Errorf("script-src %q", script)
	}
	all := h.csp.byGranted[consent.All]
	if all != "" {
		t.Errorf("CSP under full consent: %q", all)
	}
	// Marketing granted, analytics not: the providers' own origins.
	mkt := h.csp.byGranted[consent.Only.With(consent.Marketing)]
	if !strings.Contains(cspDirective(mkt, "frame-src"), "https://www.youtube.com") || !strings.Contains(cspDirective(mkt, "script-src"), "https://platform.twitter.com") {
		t.Errorf("granted providers blocked: %q", mkt)
	}
}

func TestEmbedsMetrics(t *testing.T) {
	h := embedsHandler(t, false)
	count := func(outcome string) float64 {
		var m dto.Metric
		if err := h.metrics.embeds.WithLabelValues(outcome).Write(&m); err != nil {
			t.Fatal(err)
		}
		return m.GetCounter().GetValue()
	}
	serveEmbeds(t, h, pageRequest("GET", ""), app("text/html", nil, 200, []byte(embedPage)))
	hdr := http.Header{"Content-Encoding": {"gzip"}}
	serveEmbeds(t, h, pageRequest("GET", ""), app("text/html", hdr, 200, gzipBytes([]byte(embedPage))))
	serveEmbeds(t, h, pageRequest("GET", ""), app("text/html", hdr, 200, []byte("not gzip")))
	serveEmbeds(t, h, pageRequest("GET", ""), app("image/png", nil, 200, []byte("x")))
	serveEmbeds(t, h, pageRequest("GET", marketingOK), app("text/html", nil, 200, []byte(embedPage)))
	for outcome, want := range map[string]float64{"rewritten": 1, "recoded": 1, "refused": 1} {
		if got := count(outcome); got != want {
			t.Errorf("%s = %v, want %v", outcome, got, want)
		}
	}
}

// A page request from a client that accepts gzip loses Accept-Encoding on
// its way to the app, so responses encode would have compressed are
// compressed by the handler, whatever their type; others pass as they
// are.
func TestEmbedsGzipOutOtherTypes(t *testing.T) {
	h := embedsHandler(t, false)
	body := []byte(strings.Repeat(`{"video":"https://www.youtube.com/embed/x"}`, 50))
	for _, tt := range []struct {
		contentType string
		gzipped     bool
	}{
		{"application/json", true},
		{"text/plain; charset=utf-8", true},
		{"application/rss+xml", true},
		{"image/svg+xml", true},
		{"image/png", false},
		{"application/pdf", false},
		{"text/event-stream", false},
	} {
		t.Run(tt.contentType, func(t *testing.T) {
			req := pageRequest("GET", "")
			req.Header.Set("Accept-Encoding", "gzip")
			ex := serveEmbeds(t, h, req, app(tt.contentType, http.Header{"Content-Length": {fmt.Sprint(len(body))}, "Etag": {`"v1"`}}, 200, body))
			hdr := ex.resp.Header()
			got := ex.resp.Body.Bytes()
			if !tt.gzipped {
				if hdr.Get("Content-Encoding") != "" || !bytes.Equal(got, body) || hdr.Get("Etag") != `"v1"` {
					t.Errorf("changed: coding %q, ETag %q, body %.40q", hdr.Get("Content-Encoding"), hdr.Get("Etag"), got)
				}
				return
			}
			if hdr.Get("Content-Encoding") != "gzip" || hdr.Get("Content-Length") != "" || hdr.Get("Etag") != `W/"v1"` || !strings.Contains(hdr.Get("Vary"), "Accept-Encoding") {
				t.Fatalf("headers %v", hdr)
			}
			zr, err := gzip.NewReader(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, body) {
				t.Errorf("decompressed %.40q (%v): not the app's body, untouched", plain, err)
			}
		})
	}
}

// Pages whose bytes or CSP depend on the visitor's consent say so in
// Vary, whatever the decision and whatever asked for them (a fetch() of a
// fragment too), so a shared cache does not hand one visitor's page to
// another; other responses do not.
func TestVaryConsent(t *testing.T) {
	h := embedsHandler(t, false)
	fetch := httptest.NewRequest("GET", "/fragment", nil)
	fetch.Header.Set("Accept", "*/*")
	for _, tt := range []struct {
		name        string
		req         *http.Request
		contentType string
		varies      bool
	}{
		{"page, no consent", pageRequest("GET", ""), "text/html", true},
		{"page, full consent", pageRequest("GET", marketingOK), "text/html", true},
		{"HTML to a fetch", fetch, "text/html; charset=utf-8", true},
		{"image", httptest.NewRequest("GET", "/logo.png", nil), "image/png", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ex := serveEmbeds(t, h, tt.req, app(tt.contentType, http.Header{"Vary": {"Accept-Language"}}, 200, []byte(embedPage)))
			vary := strings.Join(ex.resp.Header().Values("Vary"), ", ")
			if !strings.Contains(vary, "Accept-Language") {
				t.Errorf("the app's Vary was lost: %q", vary)
			}
			for _, name := range consentHeaders {
				if strings.Contains(vary, name) != tt.varies {
					t.Errorf("Vary %q: %s named = %v, want %v", vary, name, !tt.varies, tt.varies)
				}
			}
		})
	}
}

// A flush of a page that goes out gzip-compressed reaches the client as
// a gzip stream that already decodes to what was written before it.
func TestEmbedsGzipOutFlush(t *testing.T) {
	h := embedsHandler(t, false)
	req := pageRequest("GET", "")
	req.Header.Set("Accept-Encoding", "gzip")
	first := `<!doctype html><p>first</p>`
	ex := serveEmbeds(t, h, req, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, first)
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Error(err)
		}
		io.WriteString(w, `<p>second</p>`)
	})
	if len(ex.resp.atFlush) == 0 {
		t.Fatal("the flush did not reach the client")
	}
	zr, err := gzip.NewReader(strings.NewReader(ex.resp.atFlush[0]))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr) // the stream is not finished: ErrUnexpectedEOF
	if string(got) != first {
		t.Errorf("at the flush the client could read %q, want %q", got, first)
	}
}

// A short non-HTML answer to a page request is not compressed, as encode
// would not compress it either.
func TestEmbedsGzipOutShortBody(t *testing.T) {
	h := embedsHandler(t, false)
	req := pageRequest("GET", "")
	req.Header.Set("Accept-Encoding", "gzip")
	ex := serveEmbeds(t, h, req, app("application/json", http.Header{"Content-Length": {"2"}}, 200, []byte("{}")))
	if ex.resp.Header().Get("Content-Encoding") != "" || ex.resp.Body.String() != "{}" {
		t.Errorf("coding %q, body %q", ex.resp.Header().Get("Content-Encoding"), ex.resp.Body.String())
	}
}
