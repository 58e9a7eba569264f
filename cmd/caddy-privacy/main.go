// Command caddy-privacy cleans and audits logs that already exist, with the
// same policy as the Caddy module.
//
// Usage:
//
//	caddy-privacy sanitize [-format FORMAT] [-policy FILE] [-geoip-db FILE] [-j N] [-o FILE] [FILE ...]
//	caddy-privacy audit [-format FORMAT] [-policy FILE] [-html FILE] [-samples N] [-j N] [FILE ...]
//	caddy-privacy policy [-check FILE]
//	caddy-privacy geoip lookup [-geoip-db FILE] [-policy FILE] ADDRESS ...
//	caddy-privacy geoip info [-geoip-db FILE] [-policy FILE]
//
// sanitize is a filter: it reads the files in turn, or standard input, and
// writes one line for every line read. Exit status is 0 on success, 1 on a
// runtime or I/O error and 2 on a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/logs"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run runs the command with args (without the program name) and returns
// its exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{
		stdin: stdin, stdout: stdout, stderr: stderr,
		newEngine:  newEngine,
		openGeoDB:  openGeoDB,
		createTemp: func(dir, pattern string) (outFile, error) { return os.CreateTemp(dir, pattern) },
		isTerminal: isTerminal,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal, a second one kills as usual: a read
		// from a terminal cannot be interrupted.
		<-ctx.Done()
		stop()
	}()
	return a.run(ctx, args)
}

// app is the command with its surroundings, which tests replace.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	newEngine  func(engineOptions) (logs.Engine, logs.Auditor, error)
	openGeoDB  func(engineOptions) (geoDB, error)
	createTemp func(dir, pattern string) (outFile, error)
	isTerminal func(w io.Writer) bool
}

// outFile is the temporary file an -o output is written to.
type outFile interface {
	io.Writer
	Name() string
	Sync() error
	Close() error
	Chmod(os.FileMode) error
}

const mainUsage = `usage: caddy-privacy <command> [flags] [arguments]

Cleans and audits web server logs with a caddy-privacy policy.

Commands:
  sanitize   remove personal data from log files (standard input by default)
  audit      count the personal data in log files, without changing them
  policy     print the default policy, or check a policy file
  geoip      look up addresses in the country database

Run 'caddy-privacy <command> -h' for the flags of a command.
`

func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, mainUsage)
		return exitUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "sanitize":
		return a.sanitize(ctx, rest)
	case "audit":
		return a.audit(ctx, rest)
	case "policy":
		return a.policy(rest)
	case "geoip":
		return a.geoip(rest)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(a.stdout, mainUsage)
		return exitOK
	default:
		fmt.Fprintf(a.stderr, "caddy-privacy: unknown command %q; want sanitize, audit, policy or geoip\n", cmd)
		fmt.Fprint(a.stderr, "Run 'caddy-privacy -h' for usage.\n")
		return exitUsage
	}
}

// command describes a subcommand for its -h output.
type command struct {
	name     string // "sanitize", "geoip lookup"
	synopsis string // the flags and arguments after the name
	about    string // what it does, a paragraph
	aliases  map[string]string
}

// newFlagSet returns a FlagSet that reports errors to the caller only.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args, allowing flags after operands as GNU tools do ("--"
// ends the flags). It returns the operands and an exit code, or -1 to go
// on: -h prints the usage on stdout, a bad flag a message on stderr.
func (a *app) parse(c command, fs *flag.FlagSet, args []string) ([]string, int) {
	var operands []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			c.usage(a.stdout, fs)
			return nil, exitOK
		}
		if err != nil {
			return nil, a.usageError(c, "%v", err)
		}
		rest := fs.Args()
		consumed := args[:len(args)-len(rest)]
		if len(rest) == 0 || (len(consumed) > 0 && consumed[len(consumed)-1] == "--") {
			return append(operands, rest...), -1
		}
		operands = append(operands, rest[0])
		args = rest[1:]
	}
}

// usageError reports a usage error and returns exitUsage.
func (a *app) usageError(c command, format string, args ...any) int {
	fmt.Fprintf(a.stderr, "caddy-privacy %s: %s\n", c.name, fmt.Sprintf(format, args...))
	fmt.Fprintf(a.stderr, "usage: caddy-privacy %s %s\nRun 'caddy-privacy %s -h' for more.\n", c.name, c.synopsis, c.name)
	return exitUsage
}

// fail reports a runtime error and returns exitError.
func (a *app) fail(c command, err error) int {
	fmt.Fprintf(a.stderr, "caddy-privacy %s: %s\n", c.name, strings.ReplaceAll(err.Error(), "\n", "\n  "))
	return exitError
}

// usage writes the -h text: a usage line, what the command does, and one
// line per flag.
func (c command) usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: caddy-privacy %s %s\n\n%s\n\n", c.name, c.synopsis, c.about)
	alias := map[string]string{} // long name -> short name
	for short, long := range c.aliases {
		alias[long] = short
	}
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		if _, isShort := c.aliases[f.Name]; isShort {
			return
		}
		arg, text := flag.UnquoteUsage(f)
		names := "-" + f.Name
		if s, ok := alias[f.Name]; ok {
			names = "-" + s + ", -" + f.Name
		}
		if arg != "" {
			names += " " + arg
		}
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
			text += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\n", names, text)
	})
	tw.Flush()
}

// loadPolicy reads the policy file, or returns the defaults for "".
func loadPolicy(path string) (config.Policy, error) {
	if path == "" {
		return config.Default(), nil
	}
	p, err := config.LoadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		err = fmt.Errorf("%w\n  write one to edit with `caddy-privacy policy > %s`", err, path)
	}
	return p, err
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// closeEngine closes what newEngine opened.
func closeEngine(e logs.Engine) {
	if c, ok := e.(io.Closer); ok {
		c.Close()
	}
}
