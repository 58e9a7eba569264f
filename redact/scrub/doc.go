// Package scrub applies the privacy policy to structured data: URLs (path,
// query and fragment), Cookie and Set-Cookie headers, sets of request
// headers and User-Agent strings.
//
// Free text inside those structures, such as a query value or a path
// segment, is handed to a TextFunc, which the caller builds from the
// detectors; this package only knows the structure. Everything is
// append-style and allocates nothing when there is nothing to remove.
//
// Every scrubber fails closed: what cannot be parsed where an identifier
// usually sits is removed or replaced by "[redacted]", never passed
// through raw. No input makes them panic.
package scrub

// TextFunc appends src to dst with the identifiers it finds in free text
// replaced, the way the detectors in redact/detect do, and returns the
// extended buffer. It must not keep src or dst, must not write to src and
// should allocate nothing when it finds nothing. dst and src do not
// overlap.
type TextFunc func(dst, src []byte) []byte

// redacted replaces a value that cannot be parsed.
const redacted = "[redacted]"

func appendSame(dst, src []byte) []byte { return append(dst, src...) }
