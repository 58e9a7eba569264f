package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/logs"
)

var sanitizeCmd = command{
	name:     "sanitize",
	synopsis: "[-format FORMAT] [-policy FILE] [-geoip-db FILE] [-j N] [-o FILE] [FILE ...]",
	about: `Removes personal data from log lines as the policy says: client addresses
become country codes, identifiers are removed or replaced by tags such as
[email], user agents are generalized. Reads each FILE in turn, or standard
input when there is none or FILE is -, and writes one line for every line
read, to standard output or to the -o file. The -o file is replaced only
when all input was read and written. Line endings (LF or CRLF) are kept.
The country database is -geoip-db, else the policy's geoip.database, else
$CADDY_PRIVACY_GEOIP_DB, else the one 'make run' fetched into the user's
cache; set geoip.off in the policy to truncate addresses without one.
Pseudonym keys are the run's own unless the policy names a shared store:
with "keys": {"store": "redis", "address": "host:port"} the run uses the
key Caddy nodes on that Redis use, so a backfill gives a visitor the
pseudonym the live nodes give them.`,
	aliases: map[string]string{"j": "jobs"},
}

func (a *app) sanitize(ctx context.Context, args []string) int {
	c := sanitizeCmd
	fs := newFlagSet(c.name)
	var ff fileFlags
	ff.register(fs, "sanitize")
	geoipDB := fs.String("geoip-db", "", "country database `FILE`, overriding the policy's geoip.database")
	out := fs.String("o", "", "write to `FILE` instead of standard output")
	inputs, code := a.parse(c, fs, args)
	if code >= 0 {
		return code
	}
	f, jobs, code := ff.check(a, c)
	if code >= 0 {
		return code
	}
	inputs, total, p, code := a.openPolicyAndInputs(c, ff.policy, inputs)
	if code >= 0 {
		return code
	}
	if *geoipDB != "" {
		p.GeoIP.Database = *geoipDB
	}
	eng, _, err := a.newEngine(engineOptions{Policy: p})
	if err != nil {
		return a.fail(c, err)
	}
	defer closeEngine(eng)

	dst, err := a.createOutput(*out)
	if err != nil {
		return a.fail(c, err)
	}
	defer dst.abort()

	var bar *progressBar
	if total > 0 && a.isTerminal(a.stderr) && (*out != "" || !a.isTerminal(a.stdout)) {
		bar = newProgressBar(a.stderr, "sanitize", total)
	}
	var notes []string
	var base int64
	for i, name := range inputs {
		if i > 0 && dst.n > 0 && dst.last != '\n' {
			// Keep the last line of one file and the first of the next
			// apart.
			if _, err := dst.Write([]byte{'\n'}); err != nil {
				return a.fail(c, err)
			}
		}
		r, err := a.openInput(name)
		if err != nil {
			return a.fail(c, err)
		}
		opts := logs.FilterOptions{Workers: jobs}
		if bar != nil {
			opts.Progress = func(n int64) { bar.update(base + n) }
		}
		st, err := logs.Filter(ctx, dst, r, logs.NewSanitizer(eng, f), opts)
		r.Close()
		base += st.BytesIn
		if err != nil {
			bar.clear()
			if ctx.Err() != nil {
				err = errors.New("interrupted")
			}
			return a.fail(c, err)
		}
		if st.Fallback > 0 && st.Format != logs.FormatText {
			notes = append(notes, fmt.Sprintf("%s: %d of %d lines were not in the %s format and were sanitized as text",
				displayName(name), st.Fallback, st.Lines, st.Format))
		}
		if st.LongLines > 0 {
			notes = append(notes, fmt.Sprintf("%s: %s longer than %s replaced by %q",
				displayName(name), plural(st.LongLines, "line"), humanBytes(logs.DefaultMaxLineSize), logs.LongLineTag))
		}
	}
	bar.clear()
	if err := dst.commit(); err != nil {
		return a.fail(c, err)
	}
	for _, n := range notes {
		fmt.Fprintf(a.stderr, "caddy-privacy %s: %s\n", c.name, n)
	}
	return exitOK
}

// checkInputs opens every named file before any work is done, so that a
// mistyped last name does not cost a run over the others, and returns
// their total size, or 0 when it is unknown (standard input, pipes).
// fileFlags are the flags of the commands that read log files.
type fileFlags struct {
	format, policy string
	jobs           int
}

// register adds -format, -policy and -jobs (-j) to fs; verb says what the
// jobs do.
func (ff *fileFlags) register(fs *flag.FlagSet, verb string) {
	fs.StringVar(&ff.format, "format", "auto", "log `FORMAT`: auto, caddy-json, combined, common or text")
	fs.StringVar(&ff.policy, "policy", "", "policy `FILE` (JSON); without it, the built-in strict policy")
	fs.IntVar(&ff.jobs, "jobs", 0, verb+" on `N` goroutines (default: one per CPU)")
	fs.IntVar(&ff.jobs, "j", 0, "")
}

// check validates the flags once parsed. It returns the format and the
// number of jobs, and an exit code, or -1 to go on.
func (ff *fileFlags) check(a *app, c command) (logs.Format, int, int) {
	f, err := logs.ParseFormat(ff.format)
	if err != nil {
		return 0, 0, a.usageError(c, "-format: %v", err)
	}
	if ff.jobs < 0 {
		return 0, 0, a.usageError(c, "-jobs: %d is not a number of goroutines; want 1 or more, or 0 for one per CPU", ff.jobs)
	}
	return f, ff.jobs, -1
}

// openPolicyAndInputs checks that every input can be read (standard input
// when there is none) and loads the policy. It returns the inputs, their
// total size (0 when unknown), the policy and an exit code, or -1 to go on.
func (a *app) openPolicyAndInputs(c command, policyFile string, inputs []string) ([]string, int64, config.Policy, int) {
	if len(inputs) == 0 {
		inputs = []string{"-"}
	}
	total, err := checkInputs(inputs)
	if err != nil {
		return nil, 0, config.Policy{}, a.fail(c, err)
	}
	p, err := loadPolicy(policyFile)
	if err != nil {
		return nil, 0, config.Policy{}, a.fail(c, err)
	}
	return inputs, total, p, -1
}

func checkInputs(names []string) (int64, error) {
	var total int64
	known := true
	for _, name := range names {
		if name == "-" {
			known = false
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			return 0, err
		}
		fi, err := f.Stat()
		f.Close()
		if err != nil {
			return 0, err
		}
		if fi.IsDir() {
			return 0, fmt.Errorf("%s is a directory; want a log file", name)
		}
		if !fi.Mode().IsRegular() {
			known = false
		}
		total += fi.Size()
	}
	if !known {
		return 0, nil
	}
	return total, nil
}

// openInput opens a named input; its read errors name it.
func (a *app) openInput(name string) (io.ReadCloser, error) {
	if name == "-" {
		return namedReader{r: a.stdin, name: displayName(name)}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	return namedReader{r: f, name: name, c: f}, nil
}

func displayName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}

// namedReader adds the input's name to its read errors.
type namedReader struct {
	r    io.Reader
	name string
	c    io.Closer
}

func (r namedReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = &fs.PathError{Op: "read", Path: r.name, Err: unwrapPathError(err)}
	}
	return n, err
}

func (r namedReader) Close() error {
	if r.c != nil {
		return r.c.Close()
	}
	return nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// output is where results go: standard output, or a temporary file
// renamed over the -o file on commit and removed on abort.
type output struct {
	w    io.Writer
	name string
	tmp  outFile
	dst  string
	n    int64
	last byte
	done bool
}

func (a *app) createOutput(path string) (*output, error) {
	if path == "" {
		return &output{w: a.stdout, name: "standard output"}, nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("-o %s is a directory; want a file name", path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := a.createTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("-o %s: cannot create a file beside it: %w", path, unwrapPathError(err))
	}
	return &output{w: tmp, name: path, tmp: tmp, dst: path}, nil
}

func (o *output) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	o.n += int64(n)
	if n > 0 {
		o.last = p[n-1]
	}
	if err != nil {
		err = &fs.PathError{Op: "write", Path: o.name, Err: unwrapPathError(err)}
	}
	return n, err
}

// commit puts a temporary file in place, with the mode of the file it
// replaces, or 0644.
func (o *output) commit() error {
	if o.tmp == nil {
		return nil
	}
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(o.dst); err == nil {
		mode = fi.Mode().Perm()
	}
	err := o.tmp.Chmod(mode)
	if err == nil {
		err = o.tmp.Sync()
	}
	if cerr := o.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(o.tmp.Name(), o.dst)
	}
	if err != nil {
		os.Remove(o.tmp.Name())
		o.done = true
		return fmt.Errorf("writing %s: %w", o.dst, err)
	}
	o.done = true
	return nil
}

// abort removes the temporary file unless it was committed.
func (o *output) abort() {
	if o.tmp == nil || o.done {
		return
	}
	o.done = true
	o.tmp.Close()
	os.Remove(o.tmp.Name())
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
