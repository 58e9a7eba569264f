// Package logs sanitizes log files line by line: Caddy's JSON access and
// error logs, the NCSA combined and common formats written by Apache and
// nginx, and plain text.
//
// A Sanitizer rewrites one line at a time through an Engine, the redaction
// engine (a *redact.Redactor in caddy-privacy). Filter runs a Sanitizer over
// a stream on several goroutines, keeping the order of lines; Audit counts
// the identifiers a log holds, by type and by field, without changing it.
//
// Every line in makes exactly one line out: a line that does not parse as
// its format is sanitized as plain text, and a line too long to hold in
// memory is replaced by LongLineTag. Nothing is passed through unexamined.
//
// The package does not depend on Caddy; it is what the caddy-privacy
// command's sanitize and audit subcommands are made of.
package logs
