package main

import (
	"encoding/json"
	"fmt"

	"github.com/caddy-privacy/caddy-privacy/config"
)

var policyCmd = command{
	name:     "policy",
	synopsis: "[-check FILE]",
	about: `Prints the default policy, every field filled in, as JSON to start a policy
file from. With -check, reads FILE, reports every field it cannot use and
exits 1 if there is one.`,
}

func (a *app) policy(args []string) int {
	c := policyCmd
	fs := newFlagSet(c.name)
	check := fs.String("check", "", "check the policy `FILE` instead")
	operands, code := a.parse(c, fs, args)
	if code >= 0 {
		return code
	}
	if len(operands) > 0 {
		return a.usageError(c, "unexpected argument %q; to check a file use -check FILE", operands[0])
	}
	if *check != "" {
		if _, err := config.LoadFile(*check); err != nil {
			return a.fail(c, err)
		}
		fmt.Fprintf(a.stdout, "%s: ok\n", *check)
		return exitOK
	}
	b, err := json.MarshalIndent(config.Default(), "", "\t")
	if err != nil {
		return a.fail(c, err)
	}
	if _, err := a.stdout.Write(append(b, '\n')); err != nil {
		return a.fail(c, fmt.Errorf("write standard output: %w", err))
	}
	return exitOK
}
