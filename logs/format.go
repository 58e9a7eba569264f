package logs

import (
	"bytes"
	"fmt"
)

// Format is a log format.
type Format uint8

// The formats. The zero value is FormatAuto.
const (
	// FormatAuto detects the format: Filter and Audit decide once per
	// stream from its first lines (see DetectFormat); AppendLine decides
	// per line.
	FormatAuto Format = iota
	// FormatCaddyJSON is Caddy's JSON access and error log: one JSON
	// object per line.
	FormatCaddyJSON
	// FormatCombined is the NCSA combined log format of Apache and nginx:
	//	host ident authuser [date] "request" status bytes "referer" "user-agent"
	// optionally followed by extra fields (nginx) and optionally preceded
	// by a virtual host (Apache's vhost_combined).
	FormatCombined
	// FormatCommon is the NCSA common log format, combined without referer
	// and user agent. It is read by the same parser as FormatCombined.
	FormatCommon
	// FormatText is anything else: each whole line goes through the
	// detectors.
	FormatText
)

var formatNames = [...]string{
	FormatAuto:      "auto",
	FormatCaddyJSON: "caddy-json",
	FormatCombined:  "combined",
	FormatCommon:    "common",
	FormatText:      "text",
}

// String returns the name ParseFormat accepts.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// ParseFormat parses a format name: auto, caddy-json, combined, common or
// text.
func ParseFormat(s string) (Format, error) {
	for f, name := range formatNames {
		if s == name {
			return Format(f), nil
		}
	}
	return 0, fmt.Errorf("unknown log format %q; want auto, caddy-json, combined, common or text", s)
}

// detectLines is how many non-empty lines DetectFormat looks at.
const detectLines = 16

var bom = []byte("\xef\xbb\xbf")

// DetectFormat guesses the format of a log from its first lines: a first
// non-empty line that starts with '{' means FormatCaddyJSON; otherwise, of
// the first 16 non-empty lines, if at least half read as NCSA lines with a
// referer and user agent it is FormatCombined, if at least half read as
// NCSA lines at all it is FormatCommon, and otherwise FormatText. (Lines
// that do not parse as the format chosen are sanitized as text, so a tie
// costs nothing.) An empty
// sample is FormatText. A final line without '\n' counts too.
func DetectFormat(sample []byte) Format {
	sample = bytes.TrimPrefix(sample, bom)
	var n, combined, common int
	for len(sample) > 0 && n < detectLines {
		line := sample
		if i := bytes.IndexByte(sample, '\n'); i >= 0 {
			line, sample = sample[:i], sample[i+1:]
		} else {
			sample = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if n == 0 && line[0] == '{' {
			return FormatCaddyJSON
		}
		n++
		var l ncsaLine
		if !l.parse(line) || !l.plausible(line) {
			continue
		}
		if l.referer.ok() {
			combined++
		} else {
			common++
		}
	}
	switch {
	case n == 0:
		return FormatText
	case combined*2 >= n:
		return FormatCombined
	case (combined+common)*2 >= n:
		return FormatCommon
	}
	return FormatText
}
