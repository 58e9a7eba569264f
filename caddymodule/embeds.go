package caddymodule

// Third-party embeds under consent: the privacy handler's side of the
// embeds package. The rewriter (embeds/) turns YouTube, Vimeo, Maps, X and
// other embeds of unconsented providers into placeholders or privacy-
// friendly variants; this file decides which responses it sees, keeps
// their headers true to the rewritten body, undoes and redoes content
// coding around it, and prepares the request so the app answers with
// something that can be rewritten.

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp/encode"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/caddy-privacy/caddy-privacy/consent"
	"github.com/caddy-privacy/caddy-privacy/embeds"
)

// embedRewriter is what the handler needs of *embeds.Rewriter; tests
// give it stand-ins.
type embedRewriter interface {
	Needed(granted consent.Set) bool
	Wrap(dst io.Writer, granted consent.Set) io.WriteCloser
	Sources(granted consent.Set) (frame, script []string)
	Blocked(granted consent.Set) []string
}

var _ embedRewriter = (*embeds.Rewriter)(nil)

// Limits of a compressed page, which must be held whole to be decoded
// before it is rewritten. Past them the page is not served (502): it
// cannot be checked, and serving it unchecked would load the embeds the
// visitor refused.
const (
	maxCodedPage   = 16 << 20 // as it came, compressed
	maxDecodedPage = 64 << 20 // decompressed (bounds a compression bomb)
)

// provisionEmbeds builds the rewriter from the Embeds config.
func (h *Handler) provisionEmbeds() error {
	if h.Embeds == nil {
		return nil
	}
	rw, err := embeds.New(*h.Embeds)
	if err != nil {
		return err // it names the field: "embeds.custom[0].hosts: ..."
	}
	h.embeds = rw
	return nil
}

// wrapForEmbeds returns the writer the next handler should write to: w
// itself when no embed needs rewriting for this consent decision (the
// response then costs nothing more), else an embedWriter in front of it.
// It also prepares the request, see prepareEmbedRequest.
func (h *Handler) wrapForEmbeds(w http.ResponseWriter, r *http.Request, granted consent.Set) (http.ResponseWriter, *embedWriter) {
	if h.embeds == nil || !h.embeds.Needed(granted) {
		return w, nil
	}
	ew := &embedWriter{
		ResponseWriterWrapper: caddyhttp.ResponseWriterWrapper{ResponseWriter: w},
		rw:                    h.embeds,
		granted:               granted,
		gzipOut:               prepareEmbedRequest(r),
		head:                  r.Method == http.MethodHead,
		pages:                 h.metrics.embeds,
	}
	return ew, ew
}

// prepareEmbedRequest asks the app for a response that can be rewritten,
// for requests whose answer a browser may render as a page:
//
//   - Range and If-Range are removed, so the app sends the whole page: a
//     206 fragment cannot be rewritten (a tag may be cut in two) and is
//     passed on as it is, so a page must not arrive as one. Only page
//     requests lose them; media and downloads keep resuming and seeking.
//   - If-None-Match and If-Modified-Since are removed: the copy the
//     browser holds may have been served unrewritten, under a consent
//     since withdrawn, and a 304 would bring it back to life. Rewritten
//     pages carry no validators (see fixEmbedHeaders), so nothing is lost
//     on them.
//   - Accept-Encoding is removed when the client accepts gzip, and
//     prepareEmbedRequest reports true: the page then comes back
//     uncompressed (from encode, which runs after privacy, and from the
//     app, or reverse_proxy's transport, which decompresses what it asked
//     for), streams through the rewriter, and is gzip-compressed on its
//     way out (a response that is not a page, if encode would have
//     compressed it, too: see passOther). A client that accepts only
//     other codings keeps its header; a page coded anyway is decoded
//     whole (see embedWriter).
func prepareEmbedRequest(r *http.Request) (gzipOut bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead || !wantsPage(r) {
		return false
	}
	for _, name := range []string{"Range", "If-Range", "If-None-Match", "If-Modified-Since"} {
		delete(r.Header, name)
	}
	if slices.Contains(encode.AcceptedEncodings(r, nil), "gzip") {
		delete(r.Header, "Accept-Encoding")
		return true
	}
	return false
}

// wantsPage reports whether the response to r may be rendered as a page:
// a navigation or frame (Sec-Fetch-Dest), or a request that accepts HTML.
func wantsPage(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Dest") {
	case "document", "iframe", "frame", "embed", "object":
		return true
	}
	for _, v := range r.Header["Accept"] {
		if strings.Contains(v, "text/html") || strings.Contains(v, "application/xhtml+xml") {
			return true
		}
	}
	return false
}

// isHTML reports whether a Content-Type is one the rewriter reads.
func isHTML(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		// A type with broken parameters is still judged by its name: a
		// browser renders "text/html; charset" as HTML.
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	}
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// fixEmbedHeaders makes the headers of a page true for its rewritten body.
//
//   - Content-Length goes: the body's length changes.
//   - ETag and Last-Modified go (rather than becoming weak): the body now
//     depends on the visitor's consent as well as on the app's page. A
//     weak ETag would still be shared by every consent decision, so a
//     browser could revalidate the page rewritten under one decision and
//     show it under another; the copy served unrewritten, under full
//     consent, would come back after consent is withdrawn. With no
//     validator a rewritten page is fetched whole, which pages that
//     embed third parties mostly are anyway.
//   - Accept-Ranges goes: a byte range of the rewritten page does not
//     exist upstream, and page requests lose Range (prepareEmbedRequest).
func fixEmbedHeaders(h http.Header) {
	for _, name := range []string{"Content-Length", "Etag", "Last-Modified", "Accept-Ranges"} {
		delete(h, name)
	}
}

// embedWriter rewrites the embeds of an HTML response for a visitor whose
// consent decision needs it. It decides when the header is written and
// then either passes the body straight through (not HTML, a fragment, no
// body) or sends it through the rewriter.
//
// A page for a client that accepts gzip was asked for uncompressed (see
// prepareEmbedRequest); it streams through the rewriter into a gzip
// writer. A body that arrives in gzip, zstd or br all the same (a request
// that did not look like a page, an app that compresses regardless) is
// held whole (up to maxCodedPage), decoded, rewritten and encoded again
// with the same coding. A coding that cannot be decoded, or a body that
// does not decode, is answered 502: the page cannot be checked, and
// passing it on unchecked would load embeds the visitor refused.
type embedWriter struct {
	caddyhttp.ResponseWriterWrapper
	rw      embedRewriter
	granted consent.Set
	gzipOut bool // an identity page goes out gzip-compressed
	head    bool
	pages   *prometheus.CounterVec // outcome

	state  embedState
	status int
	out    io.WriteCloser // the rewriter in stateRewrite, gz in stateCompress
	gz     *gzip.Writer   // with gzipOut: what the client gets is gzip-compressed
	coding string         // in stateHold: gzip, zstd or br
	held   bytes.Buffer   // in stateHold: the coded body
	err    error          // in stateFail: why the page is not served
}

type embedState uint8

const (
	stateUndecided embedState = iota // no final header yet
	stateSniff                       // header held: no Content-Type, the first bytes decide
	statePass                        // the body goes through untouched
	stateRewrite                     // the body goes through the rewriter
	stateCompress                    // not HTML: the body is only gzip-compressed (passOther)
	stateHold                        // coded body held until Close
	stateFail                        // the response is dropped; Close reports 502
)

func (ew *embedWriter) WriteHeader(status int) {
	if ew.state != stateUndecided {
		return
	}
	if status >= 100 && status <= 199 && status != http.StatusSwitchingProtocols {
		ew.ResponseWriterWrapper.WriteHeader(status)
		return
	}
	ew.status = status
	h := ew.ResponseWriterWrapper.Header()
	ct, hasCT := h["Content-Type"]
	switch {
	case status < 200, status == http.StatusNoContent, status == http.StatusResetContent:
		ew.pass()
	case status == http.StatusPartialContent || len(h["Content-Range"]) > 0:
		// A fragment cannot be rewritten; page requests do not get
		// them, see prepareEmbedRequest.
		ew.pass()
	case !hasCT && (ew.head || status == http.StatusNotModified):
		ew.pass()
	case !hasCT:
		// net/http would sniff the type from the first bytes, and a
		// browser would render HTML it found: decide on those bytes.
		ew.state = stateSniff
	case len(ct) == 0 || !isHTML(ct[0]):
		ew.passOther(ct)
	default:
		ew.decideHTML()
	}
}

// passOther lets a response that is not HTML through. A page request
// from a client that accepts gzip lost its Accept-Encoding (see
// prepareEmbedRequest), so a body that encode would have compressed
// (text, JSON, XML, JavaScript, SVG) is gzip-compressed here in its
// place; the ETag becomes weak, as it no longer names these bytes.
func (ew *embedWriter) passOther(ct []string) {
	h := ew.ResponseWriterWrapper.Header()
	if !ew.gzipOut || ew.status == http.StatusNotModified || len(h["Content-Encoding"]) > 0 || len(ct) == 0 || !compressible(ct[0]) || tooShortToCompress(h) {
		ew.pass()
		return
	}
	h.Set("Content-Encoding", "gzip")
	addVary(h, "Accept-Encoding")
	delete(h, "Content-Length")
	delete(h, "Accept-Ranges")
	if et := h.Get("Etag"); strings.HasPrefix(et, `"`) {
		h.Set("Etag", "W/"+et)
	}
	if ew.head {
		ew.pass()
		return
	}
	ew.state = stateCompress
	ew.ResponseWriterWrapper.WriteHeader(ew.status)
	ew.gz = newGzipWriter(ew.ResponseWriterWrapper.ResponseWriter)
	ew.out = ew.gz
}

// tooShortToCompress reports whether a body's announced length is under
// encode's default minimum_length (512 bytes).
func tooShortToCompress(h http.Header) bool {
	n, err := strconv.Atoi(h.Get("Content-Length"))
	return err == nil && n < 512
}

// compressible reports whether a Content-Type is one encode compresses
// by default. Event streams are left alone.
func compressible(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch {
	case mt == "text/event-stream":
		return false
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/javascript", "application/xml", "image/svg+xml", "application/wasm":
		return true
	}
	return false
}

// pass sends the held header on and lets the body through.
func (ew *embedWriter) pass() {
	ew.state = statePass
	ew.ResponseWriterWrapper.WriteHeader(ew.status)
}

// decideHTML sets up the rewriting of an HTML response.
func (ew *embedWriter) decideHTML() {
	h := ew.ResponseWriterWrapper.Header()
	coding := strings.ToLower(strings.TrimSpace(strings.Join(h["Content-Encoding"], ",")))
	identity := coding == "" || coding == "identity"
	if identity && ew.gzipOut {
		h.Set("Content-Encoding", "gzip")
		addVary(h, "Accept-Encoding")
	}
	if ew.head || ew.status == http.StatusNotModified {
		// No body: the headers are made to match the GET's.
		fixEmbedHeaders(h)
		ew.pass()
		return
	}
	switch {
	case identity:
		fixEmbedHeaders(h)
		ew.state = stateRewrite
		ew.ResponseWriterWrapper.WriteHeader(ew.status)
		var dst io.Writer = ew.ResponseWriterWrapper.ResponseWriter
		if ew.gzipOut {
			ew.gz = newGzipWriter(dst)
			dst = ew.gz
		}
		ew.out = ew.rw.Wrap(dst, ew.granted)
	case coding == "gzip", coding == "x-gzip", coding == "zstd", coding == "br":
		ew.state = stateHold
		ew.coding = coding
	default:
		ew.fail(fmt.Errorf("HTML page in content coding %q, which cannot be decoded to check it for embeds", clip(coding)))
	}
}

func (ew *embedWriter) fail(err error) {
	ew.state = stateFail
	ew.err = err
	ew.held = bytes.Buffer{}
}

func (ew *embedWriter) Write(b []byte) (int, error) {
	if ew.state == stateUndecided {
		ew.WriteHeader(http.StatusOK)
	}
	switch ew.state {
	case stateSniff:
		ew.ResponseWriterWrapper.Header().Set("Content-Type", http.DetectContentType(b))
		ew.state = stateUndecided
		ew.WriteHeader(ew.status)
		return ew.Write(b)
	case stateRewrite, stateCompress:
		return ew.out.Write(b)
	case stateHold:
		if ew.held.Len()+len(b) > maxCodedPage {
			ew.fail(fmt.Errorf("%s-coded HTML page over %d bytes, too large to check for embeds", ew.coding, maxCodedPage))
			return len(b), nil
		}
		return ew.held.Write(b)
	case stateFail:
		// Swallowed: the upstream may finish, the client gets a 502.
		return len(b), nil
	}
	return ew.ResponseWriterWrapper.Write(b)
}

// ReadFrom keeps the wrapped writer's io.ReaderFrom fast path (sendfile)
// for bodies that pass through, and sends the others through Write.
func (ew *embedWriter) ReadFrom(r io.Reader) (int64, error) {
	if ew.state == stateUndecided {
		ew.WriteHeader(http.StatusOK)
	}
	if ew.state == statePass {
		return ew.ResponseWriterWrapper.ReadFrom(r)
	}
	return io.Copy(writerOnly{ew}, r)
}

// writerOnly hides ReadFrom, so io.Copy does not call it again.
type writerOnly struct{ io.Writer }

// FlushError flushes what has been written through: everything in
// statePass and stateCompress, what the rewriter has already let out in
// stateRewrite (it holds an unfinished tag back), with the gzip writer
// under them flushed too; nothing while a coded page is held or the type
// is not known yet.
func (ew *embedWriter) FlushError() error {
	if ew.state == stateUndecided {
		ew.WriteHeader(http.StatusOK)
	}
	switch ew.state {
	case stateRewrite, stateCompress:
		if ew.gz != nil {
			if err := ew.gz.Flush(); err != nil {
				return err
			}
		}
		fallthrough
	case statePass:
		return http.NewResponseController(ew.ResponseWriterWrapper.ResponseWriter).Flush()
	}
	return nil
}

// Flush is FlushError for callers that look for http.Flusher.
func (ew *embedWriter) Flush() { ew.FlushError() }

// Close finishes the response once the next handler has returned: it
// flushes the rewriter, or decodes, rewrites and encodes a held page. A
// page that could not be checked is reported as a 502 handler error
// before anything of it reached the client, so Caddy answers it (and
// handle_errors routes see it); its headers, Set-Cookie included, are
// dropped with it.
func (ew *embedWriter) Close() error {
	switch ew.state {
	case stateSniff:
		// Headers but no body: nothing to sniff or rewrite.
		ew.pass()
	case stateRewrite, stateCompress:
		var err error
		if ew.state == stateRewrite {
			ew.pages.WithLabelValues("rewritten").Inc()
			err = ew.out.Close()
		}
		if ew.gz != nil {
			if gzErr := ew.gz.Close(); err == nil {
				err = gzErr
			}
			ew.gz.Reset(io.Discard)
			gzipWriters.Put(ew.gz)
			ew.gz = nil
		}
		return err
	case stateHold:
		page, err := decodeBody(ew.coding, ew.held.Bytes())
		ew.held = bytes.Buffer{}
		if err != nil {
			ew.fail(err)
			return ew.Close()
		}
		ew.pages.WithLabelValues("recoded").Inc()
		return ew.writeRecoded(page)
	case stateFail:
		ew.pages.WithLabelValues("refused").Inc()
		clear(ew.ResponseWriterWrapper.Header())
		return caddyhttp.Error(http.StatusBadGateway, ew.err)
	}
	return nil
}

// writeRecoded sends a decoded page through the rewriter and encodes it
// again with the coding it came in.
func (ew *embedWriter) writeRecoded(page []byte) error {
	fixEmbedHeaders(ew.ResponseWriterWrapper.Header())
	ew.state = statePass
	ew.ResponseWriterWrapper.WriteHeader(ew.status)
	enc := newEncoder(ew.coding, ew.ResponseWriterWrapper.ResponseWriter)
	out := ew.rw.Wrap(enc, ew.granted)
	if _, err := out.Write(page); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return enc.Close()
}

// decodeBody decodes a whole body in gzip, zstd or br, up to
// maxDecodedPage.
func decodeBody(coding string, body []byte) ([]byte, error) {
	var r io.Reader
	switch coding {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("gzip-coded HTML page does not decode: %v", err)
		}
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(body), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxDecodedPage))
		if err != nil {
			return nil, fmt.Errorf("zstd-coded HTML page does not decode: %v", err)
		}
		defer zr.Close()
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(body))
	default:
		return nil, fmt.Errorf("content coding %q cannot be decoded", clip(coding))
	}
	page, err := io.ReadAll(io.LimitReader(r, maxDecodedPage+1))
	if err != nil {
		return nil, fmt.Errorf("%s-coded HTML page does not decode: %v", coding, err)
	}
	if len(page) > maxDecodedPage {
		return nil, fmt.Errorf("%s-coded HTML page decodes to over %d bytes, too large to check for embeds", coding, maxDecodedPage)
	}
	return page, nil
}

// newEncoder encodes to w in a coding decodeBody reads.
func newEncoder(coding string, w io.Writer) io.WriteCloser {
	switch coding {
	case "zstd":
		zw, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault))
		if err != nil { // only for invalid options
			panic(err)
		}
		return zw
	case "br":
		return brotli.NewWriterLevel(w, 5)
	}
	return newGzipWriter(w)
}

// gzipWriters are the writers of responses compressed on their way out,
// at the level of Caddy's encode gzip.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, 5)
	return w
}}

func newGzipWriter(dst io.Writer) *gzip.Writer {
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(dst)
	return w
}

// clip bounds a header value quoted in an error, which Caddy logs.
func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// Interface guards
var (
	_ http.ResponseWriter = (*embedWriter)(nil)
	_ http.Flusher        = (*embedWriter)(nil)
	_ io.ReaderFrom       = (*embedWriter)(nil)
)
