// Package reference measures the engine against outside references: its
// test runs identifiers made or checked by libphonenumber-js, ibantools,
// jsvat, @stdlib's first-name lists and the published NHS, Luhn and HMRC
// checks, planted in log lines of every context, through the code path of
// `caddy-privacy sanitize`, and reports recall and false positives per
// class and context (see README.md).
package reference
