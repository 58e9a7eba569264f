package caddymodule

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"golang.org/x/net/http/httpguts"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// responseFilter applies the policy to response headers just before they
// are written: Set-Cookie of unconsented categories is removed, consented
// non-necessary cookies are capped, and the CSP is added.
type responseFilter struct {
	caddyhttp.ResponseWriterWrapper
	h           *Handler
	granted     consent.Set
	wroteHeader bool
	cspAdded    bool
}

// consentHeaders are the request headers a consent decision is made
// from, named in Vary on pages whose bytes (embeds) or policy (csp)
// depend on it, so that a shared cache never serves one visitor's page to
// another who chose differently.
var consentHeaders = []string{"Cookie", "Sec-GPC", "DNT"}

// mayBeHTML reports whether a response may be rendered as a page: HTML,
// or no type yet (net/http would sniff one).
func mayBeHTML(h http.Header) bool {
	ct := h.Get("Content-Type")
	return ct == "" || isHTML(ct)
}

func (rf *responseFilter) WriteHeader(status int) {
	if rf.wroteHeader {
		return
	}
	// 1xx responses are informational and may carry headers too.
	if status < 100 || status > 199 {
		rf.wroteHeader = true
	}
	header := rf.ResponseWriterWrapper.Header()
	rf.filterSetCookies(header)
	if rf.h.csp != nil && !rf.cspAdded {
		// Once: the header map of a 1xx carries on to the final response.
		rf.h.csp.apply(header, rf.granted)
		rf.cspAdded = true
	}
	if rf.wroteHeader && (rf.h.csp != nil || rf.h.embeds != nil) && mayBeHTML(header) {
		addVary(header, consentHeaders...)
	}
	rf.ResponseWriterWrapper.WriteHeader(status)
}

func (rf *responseFilter) Write(b []byte) (int, error) {
	if !rf.wroteHeader {
		rf.WriteHeader(http.StatusOK)
	}
	return rf.ResponseWriterWrapper.Write(b)
}

// ReadFrom keeps the header hook in front of the wrapped writer's
// io.ReaderFrom fast path.
func (rf *responseFilter) ReadFrom(r io.Reader) (int64, error) {
	if !rf.wroteHeader {
		rf.WriteHeader(http.StatusOK)
	}
	return rf.ResponseWriterWrapper.ReadFrom(r)
}

// FlushError keeps the header hook in front of http.ResponseController,
// which would otherwise flush the wrapped writer's headers directly.
func (rf *responseFilter) FlushError() error {
	if !rf.wroteHeader {
		rf.WriteHeader(http.StatusOK)
	}
	return http.NewResponseController(rf.ResponseWriterWrapper.ResponseWriter).Flush()
}

func (rf *responseFilter) filterSetCookies(header http.Header) {
	values := header["Set-Cookie"]
	if len(values) == 0 {
		return
	}
	maxAge := time.Duration(rf.h.Cookies.MaxAge)
	now := time.Now()
	kept := values[:0]
	for _, v := range values {
		out, ok := rf.h.engine.Cookies.FilterSetCookie(v, rf.granted.Has, maxAge, now)
		if !ok {
			name := rf.h.engine.Cookies.Category(setCookieName(v))
			rf.h.metrics.cookies.WithLabelValues(name.String(), "response").Inc()
			continue
		}
		kept = append(kept, out)
	}
	if len(kept) == 0 {
		delete(header, "Set-Cookie")
		return
	}
	header["Set-Cookie"] = kept
}

// setCookieName is the cookie name of a Set-Cookie value, for metrics.
func setCookieName(v string) string {
	name, _, _ := strings.Cut(v, ";")
	name, _, _ = strings.Cut(name, "=")
	return strings.TrimSpace(name)
}

// addVary adds the names Vary does not list yet, in one value.
func addVary(h http.Header, names ...string) {
	vary := h["Vary"]
	if httpguts.HeaderValuesContainsToken(vary, "*") {
		return
	}
	var add []string
	for _, name := range names {
		if !httpguts.HeaderValuesContainsToken(vary, name) {
			add = append(add, name)
		}
	}
	if len(add) > 0 {
		h["Vary"] = append(vary, strings.Join(add, ", "))
	}
}

// Interface guards
var _ http.ResponseWriter = (*responseFilter)(nil)
