package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/caddy-privacy/caddy-privacy/logs"
)

var auditCmd = command{
	name:     "audit",
	synopsis: "[-format FORMAT] [-policy FILE] [-html FILE] [-samples N] [-j N] [FILE ...]",
	about: `Counts the personal data in log files without changing them: how many
identifiers of each type (addresses, email addresses, phone numbers, card
numbers and so on) are in which field, with the numbers of the first lines
they are on. The identifiers themselves are never shown. Reads each FILE, or
standard input when there is none or FILE is -, and writes a table to
standard output; -html also writes a report for a data protection officer.`,
	aliases: map[string]string{"j": "jobs"},
}

// fileReport is the audit of one input.
type fileReport struct {
	Name string
	*logs.Report
}

func (a *app) audit(ctx context.Context, args []string) int {
	c := auditCmd
	fs := newFlagSet(c.name)
	var ff fileFlags
	ff.register(fs, "scan")
	htmlFile := fs.String("html", "", "also write an HTML report to `FILE`")
	samples := fs.Int("samples", logs.DefaultSamples, "show the first `N` line numbers of each finding")
	inputs, code := a.parse(c, fs, args)
	if code >= 0 {
		return code
	}
	f, jobs, code := ff.check(a, c)
	if code >= 0 {
		return code
	}
	if *samples < 0 || *samples > 1000 {
		return a.usageError(c, "-samples: %d is out of range; want 0 to 1000", *samples)
	}
	inputs, total, p, code := a.openPolicyAndInputs(c, ff.policy, inputs)
	if code >= 0 {
		return code
	}
	eng, aud, err := a.newEngine(engineOptions{Policy: p, AuditOnly: true})
	if err != nil {
		return a.fail(c, err)
	}
	defer closeEngine(eng)

	var bar *progressBar
	if total > 0 && a.isTerminal(a.stderr) && !a.isTerminal(a.stdout) {
		bar = newProgressBar(a.stderr, "audit", total)
	}
	var reports []fileReport
	var base int64
	for _, name := range inputs {
		r, err := a.openInput(name)
		if err != nil {
			return a.fail(c, err)
		}
		opts := logs.AuditOptions{Samples: *samples, FilterOptions: logs.FilterOptions{Workers: jobs}}
		if *samples == 0 {
			opts.Samples = -1
		}
		if bar != nil {
			opts.Progress = func(n int64) { bar.update(base + n) }
		}
		rep, err := logs.Audit(ctx, r, aud, f, opts)
		r.Close()
		if err != nil {
			bar.clear()
			if ctx.Err() != nil {
				err = errors.New("interrupted")
			}
			return a.fail(c, err)
		}
		base += rep.Bytes
		reports = append(reports, fileReport{Name: displayName(name), Report: rep})
	}
	bar.clear()

	if err := writeAuditText(a.stdout, reports); err != nil {
		return a.fail(c, fmt.Errorf("write standard output: %w", err))
	}
	if *htmlFile != "" {
		dst, err := a.createOutput(*htmlFile)
		if err != nil {
			return a.fail(c, err)
		}
		defer dst.abort()
		if err := writeAuditHTML(dst, reports, time.Now()); err != nil {
			return a.fail(c, err)
		}
		if err := dst.commit(); err != nil {
			return a.fail(c, err)
		}
	}
	return exitOK
}

// writeAuditText writes the reports as tables.
func writeAuditText(w io.Writer, reports []fileReport) error {
	ew := &errWriter{w: w}
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(ew)
		}
		fmt.Fprintf(ew, "%s: %s (%s) read as %s\n", r.Name, plural(r.Lines, "line"), humanBytes(r.Bytes), r.Format)
		if r.Fallback > 0 {
			fmt.Fprintf(ew, "  %s not in the %s format, scanned as text\n", plural(r.Fallback, "line"), r.Format)
		}
		if r.LongLines > 0 {
			fmt.Fprintf(ew, "  %s too long to scan (%s), lines %s\n", plural(r.LongLines, "line"), humanBytes(logs.DefaultMaxLineSize), lineList(r.LongLineSamples, r.LongLines))
		}
		if len(r.Findings) == 0 {
			fmt.Fprintln(ew, "  no identifiers found")
			continue
		}
		fmt.Fprintln(ew)
		cw := len("COUNT")
		for _, f := range r.Findings {
			cw = max(cw, len(strconv.FormatInt(f.Count, 10)))
		}
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  TYPE\tFIELD\t%*s\tFIRST LINES\n", cw, "COUNT")
		for _, f := range r.Findings {
			fmt.Fprintf(tw, "  %s\t%s\t%*d\t%s\n", f.Kind, f.Field, cw, f.Count, lineList(f.Lines, f.Count))
		}
		tw.Flush()
	}
	if len(reports) > 1 {
		totals := map[string]int64{}
		var kinds []string
		for _, r := range reports {
			for _, t := range r.Totals() {
				if _, ok := totals[t.Kind]; !ok {
					kinds = append(kinds, t.Kind)
				}
				totals[t.Kind] += t.Count
			}
		}
		fmt.Fprintf(ew, "\nall %d files:\n", len(reports))
		if len(kinds) == 0 {
			fmt.Fprintln(ew, "  no identifiers found")
		}
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		for _, k := range kinds {
			fmt.Fprintf(tw, "  %s\t%d\n", k, totals[k])
		}
		tw.Flush()
	}
	return ew.err
}

// lineList formats sample line numbers, with "…" when there are more.
func lineList(lines []int64, count int64) string {
	if len(lines) == 0 {
		return "-"
	}
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = strconv.FormatInt(l, 10)
	}
	s := strings.Join(parts, ", ")
	if count > int64(len(lines)) {
		s += ", …"
	}
	return s
}

// errWriter keeps the first write error, so that a table can be written
// without checking each line.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
