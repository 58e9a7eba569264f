package logs

// Engine is what a Sanitizer needs of the redaction engine (satisfied by
// *redact.Redactor). Its methods follow the strconv style: each appends the
// redacted form of src to dst and returns the extended slice, and must not
// retain src or dst. They must be safe for concurrent use, because Filter
// calls them from several goroutines at once.
type Engine interface {
	// AppendIP redacts a client-address value: a single address,
	// host:port, or a comma-separated list, as the policy's IP transform
	// says (its country code by default). It appends nothing when the
	// policy drops addresses and "unknown" for what is not an address.
	AppendIP(dst, src []byte) []byte

	// AppendForwarded redacts an RFC 7239 Forwarded header value.
	AppendForwarded(dst, src []byte) []byte

	// AppendURL scrubs a URL or request target: identifying parameters are
	// removed and the rest goes through the detectors.
	AppendURL(dst, src []byte) []byte

	// AppendUserAgent generalizes a User-Agent, such as
	// "Chrome/120 (Windows)".
	AppendUserAgent(dst, src []byte) []byte

	// AppendText passes free text through every detector (addresses,
	// emails, phone numbers, card numbers and so on).
	AppendText(dst, src []byte) []byte

	// AppendPseudonym appends a keyed, rotating pseudonym of src.
	AppendPseudonym(dst, src []byte) []byte

	// IsClientIPHeader reports whether the header named name carries client
	// addresses (X-Forwarded-For, X-Real-IP, Forwarded and so on). Case is
	// ignored.
	IsClientIPHeader(name string) bool

	// IsDropHeader reports whether the header named name is removed from
	// logs (Cookie, Set-Cookie, Authorization, Proxy-Authorization and so
	// on). Case is ignored.
	IsDropHeader(name string) bool
}

// Auditor finds identifiers in text without changing it (an adapter over
// *detect.Scanner satisfies it). It must be safe for concurrent use.
type Auditor interface {
	// Scan calls fn once for every identifier in src, in order, with the
	// identifier's type name such as "email" or "ipv4". It must not retain
	// src, and fn must not be called after Scan returns.
	Scan(src []byte, fn func(kind string))
}
