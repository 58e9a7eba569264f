package logs

import "github.com/caddy-privacy/caddy-privacy/redact"

// Engine is what a Sanitizer needs of the redaction engine (satisfied by
// *redact.Redactor). Its methods follow the strconv style: each appends the
// redacted form of src to dst and returns the extended slice, and must not
// retain src or dst. They must be safe for concurrent use, because Filter
// calls them from several goroutines at once.
type Engine interface {
	// Rules returns the table that says which rule each field and header
	// gets.
	Rules() *redact.Rules

	// AppendRule appends src as rl says: a client address as the policy's
	// IP transform makes it (its country by default), a URL scrubbed, a
	// User-Agent generalised, free text with its URLs scrubbed and every
	// identifier replaced, and so on. It appends nothing when the value is
	// to be removed.
	AppendRule(dst []byte, rl redact.Rule, src []byte) []byte
}

// Auditor finds identifiers in text without changing it (an adapter over
// *detect.Scanner satisfies it). It must be safe for concurrent use.
type Auditor interface {
	// Scan calls fn once for every identifier in src, in order, with the
	// identifier's type name such as "email" or "ipv4". It must not retain
	// src, and fn must not be called after Scan returns.
	Scan(src []byte, fn func(kind string))
}
