package beacon

// Bodies as analytics SDKs send them: compressed under a Content-Encoding
// (gzip, deflate, br), and packed in posthog-js's own ways (gzip labelled
// text/plain, base64 in a form field).

import (
	"bytes"
	"encoding/base64"
	"errors"
	"hash/adler32"
	"io"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"

	"github.com/caddy-privacy/caddy-privacy/internal/percent"
)

// Encoding is how a beacon's body was packed: one content coding of the
// Content-Encoding header.
type Encoding uint8

// The content codings DecodeBody undoes.
const (
	// Gzip is RFC 1952 gzip (also spelt x-gzip); concatenated members
	// are one stream.
	Gzip Encoding = iota + 1
	// Deflate is RFC 1950 zlib, as RFC 9110 defines "deflate"; a raw RFC
	// 1951 deflate stream, which some old clients send under the same
	// name, is accepted too.
	Deflate
	// Brotli is RFC 7932 brotli ("br").
	Brotli
)

// String returns the coding's name in a Content-Encoding header.
func (e Encoding) String() string {
	switch e {
	case Gzip:
		return "gzip"
	case Deflate:
		return "deflate"
	case Brotli:
		return "br"
	}
	return "unknown"
}

// maxCodings is the most content codings DecodeBody undoes. SDKs apply one;
// two allows a proxy's recompression, more is only good for bombs.
const maxCodings = 2

// DecodeBody unpacks body as contentEncoding (the Content-Encoding header)
// says, appends the result to dst and returns the extended slice, which
// never aliases body. Codings are listed in the order they were applied
// ("gzip, br" is brotli of gzip), as RFC 9110 says; names are
// case-insensitive, "identity" is a no-op, at most two others are undone.
// An empty body is an empty result whatever its coding.
//
// max bounds the decoded size (decompression bombs): more is an *Error
// with Reason Oversized, "body: more than N bytes once decompressed"; max
// must be positive, as 0 refuses every non-empty body. maxRatio bounds the
// decoded size over len(body), such as 100; exceeding it is Oversized too;
// 0 or less means no ratio bound. An unknown coding, or a body that does
// not decode, is an *Error with Reason Malformed whose Detail names the
// coding ("body: gzip: unexpected EOF") and never holds body bytes. Data
// after the end of a stream is refused. On error dst is returned as it
// was.
//
// Decompressors are pooled: a call allocates only to grow dst (and, for
// two codings, a pooled scratch buffer). gzip and deflate are
// klauspost/compress's, which unlike the standard library's reuse their
// Huffman tables, and which Caddy already depends on.
func DecodeBody(dst []byte, contentEncoding string, body []byte, max int, maxRatio int) ([]byte, error) {
	codings, n, err := parseContentEncoding(contentEncoding)
	if err != nil {
		return dst, err
	}
	lim := newDecodeLimit(max, maxRatio, len(body))
	if n == 0 || len(body) == 0 {
		return appendBounded(dst, body, max)
	}
	d := decoderPool.Get().(*decoder)
	defer d.release()
	src := body
	if n == 2 {
		// The intermediate is compressed data, a little bigger than what
		// it decodes to when that is incompressible.
		inner := lim
		inner.slack = max/16 + 64
		if d.scratch, err = d.decode(d.scratch[:0], codings[1], src, inner); err != nil {
			return dst, err
		}
		src = d.scratch
	}
	return d.decode(dst, codings[0], src, lim)
}

// parseContentEncoding parses a Content-Encoding header into the codings
// it lists, identity left out.
func parseContentEncoding(h string) (codings [maxCodings]Encoding, n int, _ error) {
	for h != "" {
		var name string
		name, h, _ = strings.Cut(h, ",")
		if name = strings.TrimSpace(name); name == "" || strings.EqualFold(name, "identity") {
			continue
		}
		var e Encoding
		switch {
		case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
			e = Gzip
		case strings.EqualFold(name, "deflate"):
			e = Deflate
		case strings.EqualFold(name, "br"):
			e = Brotli
		default:
			// The name is not quoted: errors never hold request values.
			return codings, 0, errorf(Malformed, "body: content coding is not gzip, deflate, br or identity")
		}
		if n == maxCodings {
			return codings, 0, errorf(Malformed, "body: more than %d content codings", maxCodings)
		}
		codings[n] = e
		n++
	}
	return codings, n, nil
}

// decodeLimit bounds a decompression: the output may hold no more than
// max (+ slack) bytes, nor more than ratio times the encoded size.
type decodeLimit struct {
	max, slack, ratio, encoded int
}

func newDecodeLimit(max, ratio, encoded int) decodeLimit {
	return decodeLimit{max: max, ratio: ratio, encoded: encoded}
}

// bytes returns the most output allowed.
func (l decodeLimit) bytes() int {
	n := l.max
	if l.slack > 0 && n <= math.MaxInt-l.slack {
		n += l.slack
	}
	if l.ratio > 0 && l.encoded <= math.MaxInt/l.ratio && l.ratio*l.encoded < n {
		n = l.ratio * l.encoded
	}
	return max(n, 0)
}

// exceeded returns the Oversized error for output over l.bytes().
func (l decodeLimit) exceeded() *Error {
	if l.bytes() < l.max+l.slack {
		return errorf(Oversized, "body: more than %d times its size once decompressed", l.ratio)
	}
	return errorf(Oversized, "body: more than %d bytes once decompressed", l.max)
}

// appendBounded appends b to dst unless it is longer than max.
func appendBounded(dst, b []byte, max int) ([]byte, error) {
	if len(b) > max {
		return dst, errorf(Oversized, "body: more than %d bytes", max)
	}
	return append(dst, b...), nil
}

// A decoder holds one of each decompressor, reused through decoderPool.
type decoder struct {
	src     bytes.Reader // a flate.Reader, so nothing reads past a stream's end
	gz      gzip.Reader  // usable through Reset from its zero value
	fl      io.ReadCloser
	br      *brotli.Reader
	scratch []byte
}

var decoderPool = sync.Pool{New: func() any { return new(decoder) }}

// maxScratch is the biggest scratch buffer a pooled decoder keeps.
const maxScratch = 1 << 20

func (d *decoder) release() {
	d.src.Reset(nil)
	if cap(d.scratch) > maxScratch {
		d.scratch = nil
	} else {
		// Pooled memory should not keep a visitor's beacon.
		clear(d.scratch)
		d.scratch = d.scratch[:0]
	}
	decoderPool.Put(d)
}

// streamError is a decoding failure of our own finding.
type streamError string

func (e streamError) Error() string { return string(e) }

const (
	errTrailing   streamError = "data after the end of the stream"
	errChecksum   streamError = "invalid checksum"
	errDictionary streamError = "preset dictionary"
)

// decodeError returns the Malformed error for a failure to decode e. The
// decompressors' own messages are not passed on, so that none can carry
// body bytes.
func decodeError(e Encoding, err error) *Error {
	var what string
	var se streamError
	switch {
	case errors.As(err, &se):
		what = string(se)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		what = "unexpected EOF"
	case errors.Is(err, gzip.ErrHeader):
		// gzip.Reader reads a following member's header, so this is also
		// data after the end of the stream.
		what = "invalid header"
	case errors.Is(err, gzip.ErrChecksum):
		what = "invalid checksum"
	default:
		what = "corrupt input"
	}
	return errorf(Malformed, "body: %s: %s", e, what)
}

// decode appends src decoded as e to dst.
func (d *decoder) decode(dst []byte, e Encoding, src []byte, lim decodeLimit) ([]byte, error) {
	start := len(dst)
	d.src.Reset(src)
	var r io.Reader
	zlib := false
	switch e {
	case Gzip:
		if err := d.gz.Reset(&d.src); err != nil {
			return dst, decodeError(e, err)
		}
		r = &d.gz
	case Deflate:
		if zlib = isZlibHeader(src); zlib {
			if src[1]&0x20 != 0 {
				return dst, decodeError(e, errDictionary)
			}
			d.src.Reset(src[2:])
		}
		if d.fl == nil {
			d.fl = flate.NewReader(&d.src)
		} else if err := d.fl.(flate.Resetter).Reset(&d.src, nil); err != nil {
			return dst, decodeError(e, err)
		}
		r = d.fl
	case Brotli:
		if d.br == nil {
			d.br = brotli.NewReader(&d.src)
		} else {
			_ = d.br.Reset(&d.src) // always nil
		}
		r = d.br
	}
	dst, err := readBounded(dst, r, lim.bytes(), len(src))
	switch {
	case err == errOver:
		return discard(dst, start), lim.exceeded()
	case e == Gzip && errors.Is(err, gzip.ErrHeader):
		// The first header was read by Reset; this one follows a member.
		return discard(dst, start), decodeError(e, errTrailing)
	case err != nil:
		return discard(dst, start), decodeError(e, err)
	}
	if e == Deflate {
		// Go's gzip reader checks its own trailer and what follows it;
		// zlib's trailer is read here so that the output is in hand for
		// the checksum, and a raw stream must end the body.
		rest := src[len(src)-d.src.Len():]
		if zlib {
			if len(rest) < 4 {
				return discard(dst, start), decodeError(e, io.ErrUnexpectedEOF)
			}
			sum := uint32(rest[0])<<24 | uint32(rest[1])<<16 | uint32(rest[2])<<8 | uint32(rest[3])
			if adler32.Checksum(dst[start:]) != sum {
				return discard(dst, start), decodeError(e, errChecksum)
			}
			rest = rest[4:]
		}
		if len(rest) > 0 {
			return discard(dst, start), decodeError(e, errTrailing)
		}
	}
	return dst, nil
}

// isZlibHeader reports whether b starts with an RFC 1950 header: deflate
// with a window of at most 32 KB, and a check value. A raw deflate stream
// never starts so: its first block would be a stored one with non-zero
// padding bits.
func isZlibHeader(b []byte) bool {
	return len(b) >= 2 && b[0]&0x0f == 8 && b[0]>>4 <= 7 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}

// errOver reports output over the limit.
var errOver = errors.New("over the limit")

// readBounded appends r's output to dst until EOF. More than limit bytes
// is errOver: it never reads more than limit+1. hint, the encoded size,
// sizes the first growth.
func readBounded(dst []byte, r io.Reader, limit, hint int) ([]byte, error) {
	start := len(dst)
	dst = slices.Grow(dst, min(limit+1, max(512, 4*hint)))
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		room := min(cap(dst)-len(dst), limit+1-(len(dst)-start))
		n, err := r.Read(dst[len(dst) : len(dst)+room])
		dst = dst[:len(dst)+n]
		if len(dst)-start > limit {
			return dst, errOver
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// posthog-js's values of its compression parameter.
type postHogCompression uint8

const (
	phNone   postHogCompression = iota
	phGzip                      // "gzip-js", or "gzip"
	phBase64                    // "base64"
)

// parsePostHogCompression parses a compression value, percent-decoded.
func parsePostHogCompression(v []byte) (postHogCompression, error) {
	switch {
	case len(v) == 0:
		return phNone, nil
	case bytes.EqualFold(v, []byte("gzip-js")), bytes.EqualFold(v, []byte("gzip")):
		return phGzip, nil
	case bytes.EqualFold(v, []byte("base64")):
		return phBase64, nil
	case bytes.EqualFold(v, []byte("lz64")):
		// lz-string, sent by old posthog-js releases only; a decoder is
		// not worth having for them.
		return 0, errorf(Malformed, "body: compression lz64 (lz-string, from old posthog-js releases) is not supported; want gzip-js, base64 or none")
	}
	return 0, errorf(Malformed, "body: compression is not gzip-js, gzip, base64 or empty")
}

// formParam finds the one value of the parameter name in a query or
// form, percent-decoded (form style) into buf. A parameter given twice is
// an error: the vendor and the gateway might not read the same one.
func formParam(buf []byte, q []byte, name string) (v []byte, found bool, err error) {
	for len(q) > 0 {
		var pair []byte
		pair, q, _ = bytes.Cut(q, []byte("&"))
		k, val, _ := bytes.Cut(pair, []byte("="))
		if string(k) != name {
			continue
		}
		if found {
			return nil, false, errorf(Malformed, "body: %s given twice", name)
		}
		found = true
		var ok bool
		if v, ok = percent.AppendDecode(buf[:0], val, true); !ok {
			return nil, false, errorf(Malformed, "body: %s has a malformed percent-escape", name)
		}
	}
	return v, found, nil
}

// DecodePostHog unpacks posthog-js's own conventions from a body that
// DecodeBody has already unpacked, appends the JSON to dst and returns the
// extended slice. query is the raw query string and contentType the
// Content-Type header.
//
// posthog-js (checked against 1.449) sends, by its compression setting:
//
//   - gzip: the gzip of the JSON as text/plain, with no compression
//     parameter (older releases added ?compression=gzip-js);
//   - base64, and under sendBeacon when the page closes: a form
//     (application/x-www-form-urlencoded) "data=" + encodeURIComponent of
//     the base64 of the UTF-8 JSON, with ?compression=base64;
//   - none: the JSON as application/json.
//
// PostHog also takes a form whose data field is plain JSON or base64
// without a compression parameter, and a compression field in the form.
// Gzip (1f 8b), JSON ('{', '[') and base64 cannot be confused, so the
// payload (the body, or a form's data field) is recognised by its first
// bytes, and anything else is base64 if it is a form's or the compression
// is base64. The compression, from the query or the form, is checked:
// "lz64" (lz-string, from old releases) and unknown values are refused,
// and so are gzip-js with a form or with a payload that is not gzip, a
// query and a form that disagree, and a parameter given twice.
//
// max and maxRatio bound the output as in DecodeBody. An empty body is an
// empty result. Errors are *Error, Malformed or Oversized, and never hold
// body bytes.
func DecodePostHog(dst []byte, query []byte, contentType string, body []byte, max, maxRatio int) ([]byte, error) {
	var buf [16]byte
	v, _, err := formParam(buf[:0], query, "compression")
	if err != nil {
		return dst, err
	}
	comp, err := parsePostHogCompression(v)
	if err != nil {
		return dst, err
	}
	if len(body) == 0 {
		return dst, nil
	}
	ct, _, _ := strings.Cut(contentType, ";")
	if !strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded") &&
		!bytes.HasPrefix(body, []byte("data=")) && !bytes.HasPrefix(body, []byte("compression=")) {
		return decodePostHogPayload(dst, comp, body, false, max, maxRatio)
	}
	// A form.
	v, found, err := formParam(buf[:0], body, "compression")
	if err != nil {
		return dst, err
	}
	if found {
		fc, err := parsePostHogCompression(v)
		if err != nil {
			return dst, err
		}
		if comp != phNone && fc != comp {
			return dst, errorf(Malformed, "body: the form's compression is not the query's")
		}
		comp = fc
	}
	if comp == phGzip {
		return dst, errorf(Malformed, "body: compression gzip-js with a form body; posthog-js sends gzip as text/plain")
	}
	d := decoderPool.Get().(*decoder)
	defer d.release()
	data, found, err := formParam(d.scratch[:0], body, "data")
	if err != nil {
		return dst, err
	}
	if !found {
		return dst, errorf(Malformed, "body: form without a data field")
	}
	d.scratch = data
	// In a form, data that is not JSON is base64.
	return decodePostHogPayload(dst, comp, data, true, max, maxRatio)
}

// decodePostHogPayload appends the JSON held by p to dst: p itself, its
// gunzipped or its base64-decoded bytes. fromForm says that p was
// form-decoded into a buffer of ours, where a space stands for a '+' the
// client left unescaped and may be turned back into one.
func decodePostHogPayload(dst []byte, comp postHogCompression, p []byte, fromForm bool, max, maxRatio int) ([]byte, error) {
	switch {
	case len(p) >= 2 && p[0] == 0x1f && p[1] == 0x8b:
		d := decoderPool.Get().(*decoder)
		defer d.release()
		return d.decode(dst, Gzip, p, newDecodeLimit(max, maxRatio, len(p)))
	case startsJSON(p):
		return appendBounded(dst, p, max)
	case comp == phBase64 || fromForm:
		if fromForm {
			for i, c := range p {
				if c == ' ' {
					p[i] = '+'
				}
			}
		}
		return appendBase64(dst, p, max)
	case comp == phGzip:
		return dst, errorf(Malformed, "body: compression gzip-js but the body is not gzip")
	}
	return dst, errorf(Malformed, "body: neither JSON, gzip nor base64 (compression=base64)")
}

// startsJSON reports whether p starts, after white space, as a JSON
// object or array does.
func startsJSON(p []byte) bool {
	p = bytes.TrimLeft(p, " \t\r\n")
	return len(p) > 0 && (p[0] == '{' || p[0] == '[')
}

// appendBase64 appends what the standard base64 p decodes to, padded or
// not, to dst. Line breaks are ignored.
func appendBase64(dst, p []byte, max int) ([]byte, error) {
	p = bytes.TrimRight(bytes.TrimRight(p, "\r\n"), "=")
	start := len(dst)
	dst = slices.Grow(dst, base64.RawStdEncoding.DecodedLen(len(p)))
	n, err := base64.RawStdEncoding.Decode(dst[start:cap(dst)], p)
	if err != nil {
		return discard(dst, start), errorf(Malformed, "body: base64: corrupt input")
	}
	if n > max {
		return discard(dst, start), errorf(Oversized, "body: more than %d bytes once decoded", max)
	}
	return dst[:start+n], nil
}

// discard returns dst cut back to start, having cleared what was decoded
// past it: a pooled buffer must not keep a refused beacon.
func discard(dst []byte, start int) []byte {
	clear(dst[start:])
	return dst[:start]
}
