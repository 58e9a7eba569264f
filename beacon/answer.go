package beacon

import "bytes"

// Answer is the response given in the vendor's place to a beacon that is
// not forwarded.
type Answer struct {
	// Status is the HTTP status, such as 204.
	Status int
	// ContentType is the Content-Type of Body; "" when there is none.
	ContentType string
	// Body is the response body; it must not be modified.
	Body []byte
}

// transparentGIF is the 1×1 GIF the Google and Matomo collectors answer
// image requests with.
var transparentGIF = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// Answer returns what the vendor would answer a request that is not
// forwarded, so the page's script behaves as if it had been sent and does
// not retry: for a beacon without consent, or a path the gateway answers
// itself, the vendor's normal success (an empty but valid answer for
// feature flags and remote configuration); for a malformed one, its error
// (the Google collectors answer everything with success); 413 for an
// oversized one; 404, or 405 for a wrong method, for a refused path.
func (s *Sanitizer) Answer(in *Input, reason Reason) Answer {
	switch reason {
	case Oversized:
		return Answer{Status: 413, ContentType: "text/plain; charset=utf-8", Body: []byte("request body too large\n")}
	case PathRefused:
		for i := range s.paths {
			if s.paths[i].match(in.Path) {
				return Answer{Status: 405, ContentType: "text/plain; charset=utf-8", Body: []byte("method not allowed\n")}
			}
		}
		return Answer{Status: 404, ContentType: "text/plain; charset=utf-8", Body: []byte("not found\n")}
	}
	ep := epDefault
	for i := range s.paths {
		if s.paths[i].match(in.Path) {
			ep = s.paths[i].kind
			break
		}
	}
	ok := reason == NoConsent || reason == Local
	if ok && s.status != 0 {
		return Answer{Status: s.status}
	}
	return s.v.answer(in, ep, ok)
}

// sendImage reports whether a Matomo request wants the GIF: it does
// unless send_image=0 is in its query or form body (or bulk JSON).
func sendImage(in *Input) bool {
	for _, src := range [][]byte{in.Query, in.Body} {
		for len(src) > 0 {
			var p []byte
			p, src = cutByte(src, '&')
			if bytes.Equal(bytes.TrimSpace(p), []byte("send_image=0")) {
				return false
			}
		}
	}
	return !bytes.Contains(in.Body, []byte(`"send_image":0`))
}
