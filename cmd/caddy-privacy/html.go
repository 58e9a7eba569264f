package main

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/caddy-privacy/caddy-privacy/logs"
)

// kindNames are the plain-language names of the detectors' identifier
// types, for readers who do not know them.
var kindNames = map[string]string{
	"ipv4":         "IPv4 address",
	"ipv6":         "IPv6 address",
	"email":        "Email address",
	"phone":        "Phone number",
	"nino":         "UK National Insurance number",
	"nhs":          "NHS number",
	"card":         "Payment card number",
	"iban":         "Bank account number (IBAN)",
	"postcode":     "Postcode",
	"jwt":          "JSON Web Token (may identify a user)",
	"credential":   "Password, key or token",
	"ga_client_id": "Google Analytics client ID",
	"vat":          "UK VAT registration number",
}

// fieldNames describe the fields of combined and common logs.
var fieldNames = map[string]string{
	"vhost":    "virtual host",
	"host":     "client address",
	"ident":    "identd user",
	"user":     "authenticated user",
	"date":     "time of request",
	"request":  "request line (method, address of the page, protocol)",
	"status":   "response status",
	"bytes":    "response size",
	"referer":  "referring page",
	"ua":       "browser (User-Agent)",
	"trailing": "extra fields after the standard ones",
	"line":     "whole line (not in a known format)",
}

type htmlBar struct {
	Label string
	Count int64
	Y     int
	Width int
}

type htmlFile struct {
	fileReport
	Bars   []htmlBar
	Height int
}

type htmlData struct {
	Generated string
	Files     []htmlFile
	Total     int64
}

// writeAuditHTML writes a self-contained report: inline CSS and SVG, no
// scripts, no external resources.
func writeAuditHTML(w io.Writer, reports []fileReport, now time.Time) error {
	d := htmlData{Generated: now.UTC().Format("2 January 2006 15:04 UTC")}
	for _, r := range reports {
		f := htmlFile{fileReport: r}
		totals := r.Totals()
		var top int64 = 1
		for _, t := range totals {
			top = max(top, t.Count)
			d.Total += t.Count
		}
		for i, t := range totals {
			f.Bars = append(f.Bars, htmlBar{
				Label: kindName(t.Kind), Count: t.Count, Y: i * 28,
				Width: max(2, int(float64(t.Count)/float64(top)*360)),
			})
		}
		f.Height = len(f.Bars) * 28
		d.Files = append(d.Files, f)
	}
	return auditTemplate.Execute(w, d)
}

// thousands formats n with commas between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func kindName(k string) string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return k
}

func fieldName(f string) string {
	if n, ok := fieldNames[f]; ok {
		return n
	}
	return ""
}

var auditTemplate = template.Must(template.New("audit").Funcs(template.FuncMap{
	"kindName":  kindName,
	"fieldName": fieldName,
	"lines":     lineList,
	"size":      humanBytes,
	"plural":    plural,
	"num":       thousands,
	"maxLine":   func() string { return humanBytes(logs.DefaultMaxLineSize) },
	"pct": func(a, b int64) string {
		if b == 0 {
			return "0%"
		}
		return fmt.Sprintf("%.1f%%", float64(a)/float64(b)*100)
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Personal data in logs: audit report</title>
<style>
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2430; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2.5rem; border-bottom: 1px solid #d5dae1; padding-bottom: .3rem; word-break: break-all; }
.meta { color: #5b6675; }
.summary { background: #f3f5f8; border-radius: 6px; padding: .8rem 1rem; }
.none { color: #1f7a3d; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e4e8ee; vertical-align: top; }
th { background: #f3f5f8; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: .9em; background: #f3f5f8; padding: 0 .25em; border-radius: 3px; }
.desc { color: #5b6675; font-size: .9em; }
svg text { font: 13px system-ui, sans-serif; fill: #1d2430; }
svg rect { fill: #b4442e; }
footer { margin-top: 3rem; color: #5b6675; font-size: .9em; }
</style>
</head>
<body>
<h1>Personal data in logs</h1>
<p class="meta">Audit report made by caddy-privacy on {{.Generated}}.</p>
<div class="summary">
<p>This report counts the personal data that automated detectors found in {{len .Files}} log file{{if ne (len .Files) 1}}s{{end}}:
{{if .Total}}<strong>{{num .Total}}</strong> identifier{{if ne .Total 1}}s{{end}} in all.{{else}}<span class="none">none were found.</span>{{end}}</p>
<p>It shows <em>how many</em> identifiers of each type there are, <em>where</em> in the log lines they are, and the numbers of the first lines they are on, so that they can be checked. It never shows the identifiers themselves. Detectors can miss data they do not know, and can take other text for an identifier; the line numbers let a reviewer look.</p>
</div>
{{range .Files}}
<h2>{{.Name}}</h2>
<p>{{num .Lines}} line{{if ne .Lines 1}}s{{end}} ({{size .Bytes}}), read as <code>{{.Format}}</code>.
{{if .Fallback}}Lines not in that format, scanned as plain text: {{num .Fallback}} ({{pct .Fallback .Lines}}).{{end}}
{{if .LongLines}}<strong>Lines longer than {{maxLine}}, which could not be scanned and may hold anything: {{num .LongLines}}</strong> (lines {{lines .LongLineSamples .LongLines}}).{{end}}</p>
{{if .Findings}}
<svg role="img" aria-label="Identifiers found, by type" width="100%" viewBox="0 0 720 {{.Height}}" preserveAspectRatio="xMinYMin meet">
{{range .Bars}}<text x="0" y="{{.Y}}" dy="18">{{.Label}}</text><rect x="260" y="{{.Y}}" height="20" width="{{.Width}}" rx="2"></rect><text x="{{.Width}}" dx="268" y="{{.Y}}" dy="15">{{num .Count}}</text>
{{end}}</svg>
<table>
<thead><tr><th>Type</th><th>Where in the line</th><th>Count</th><th>First lines</th></tr></thead>
<tbody>
{{range .Findings}}<tr><td>{{kindName .Kind}}<br><span class="desc"><code>{{.Kind}}</code></span></td><td><code>{{.Field}}</code>{{with fieldName .Field}}<br><span class="desc">{{.}}</span>{{end}}</td><td class="n">{{num .Count}}</td><td>{{lines .Lines .Count}}</td></tr>
{{end}}</tbody>
</table>
{{else}}
<p class="none">No identifiers found.</p>
{{end}}
{{end}}
<footer>Line numbers count from 1. For JSON logs the place is the key path, such as <code>request.headers.User-Agent</code>; <code>*</code> stands for a key that is itself an identifier or not a plain name. To remove what is listed here, run <code>caddy-privacy sanitize</code> with the site's policy.</footer>
</body>
</html>
`))
