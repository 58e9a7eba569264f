package main

import (
	"fmt"
	"net/netip"
	"text/tabwriter"

	"github.com/caddy-privacy/caddy-privacy/redact/country"
)

var (
	geoipCmd = command{
		name:     "geoip",
		synopsis: "lookup|info [flags] [ADDRESS ...]",
		about: `Looks addresses up in the country database the policy names (geoip.database)
or -geoip-db names:

  caddy-privacy geoip lookup [-geoip-db FILE] [-policy FILE] ADDRESS ...
  caddy-privacy geoip info [-geoip-db FILE] [-policy FILE]`,
	}
	geoipLookupCmd = command{
		name:     "geoip lookup",
		synopsis: "[-geoip-db FILE] [-policy FILE] ADDRESS ...",
		about: `Prints the country code of each IPv4 or IPv6 ADDRESS, as the country
transform would: the policy's geoip.unknown code (ZZ by default) for private,
reserved and unlisted addresses.`,
	}
	geoipInfoCmd = command{
		name:     "geoip info",
		synopsis: "[-geoip-db FILE] [-policy FILE]",
		about:    `Describes the country database: its type, when it was built, its size.`,
	}
)

func (a *app) geoip(args []string) int {
	if len(args) == 0 {
		return a.usageError(geoipCmd, "missing subcommand; want lookup or info")
	}
	switch args[0] {
	case "lookup":
		return a.geoipRun(geoipLookupCmd, args[1:])
	case "info":
		return a.geoipRun(geoipInfoCmd, args[1:])
	case "-h", "-help", "--help", "help":
		geoipCmd.usage(a.stdout, newFlagSet("geoip"))
		return exitOK
	}
	return a.usageError(geoipCmd, "unknown subcommand %q; want lookup or info", args[0])
}

func (a *app) geoipRun(c command, args []string) int {
	fs := newFlagSet(c.name)
	db := fs.String("geoip-db", "", "country database `FILE`, overriding the policy's geoip.database")
	policyFile := fs.String("policy", "", "policy `FILE` (JSON) for geoip.database and geoip.unknown")
	operands, code := a.parse(c, fs, args)
	if code >= 0 {
		return code
	}
	lookup := c.name == geoipLookupCmd.name
	var addrs []netip.Addr
	if lookup {
		if len(operands) == 0 {
			return a.usageError(c, "no ADDRESS given")
		}
		for i, s := range operands {
			addr, err := netip.ParseAddr(s)
			if err != nil {
				// The argument is not echoed: it may be personal data.
				return a.usageError(c, "argument %d is not an IPv4 or IPv6 address", i+1)
			}
			addrs = append(addrs, addr)
		}
	} else if len(operands) > 0 {
		return a.usageError(c, "unexpected argument %d; info takes none", 1)
	}
	p, err := loadPolicy(*policyFile)
	if err != nil {
		return a.fail(c, err)
	}
	if *db != "" {
		p.GeoIP.Database = *db
	}
	if p.GeoIP.Database == "" {
		return a.usageError(c, "no country database; give -geoip-db FILE or set geoip.database in the -policy file")
	}
	g, err := a.openGeoDB(engineOptions{Policy: p})
	if err != nil {
		return a.fail(c, err)
	}
	defer g.Close()

	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	if lookup {
		for i, addr := range addrs {
			fmt.Fprintf(tw, "%s\t%s\n", operands[i], g.Country(addr))
		}
	} else {
		info := g.Info()
		fmt.Fprintf(tw, "file:\t%s\n", info.Path)
		if info.Size > 0 {
			fmt.Fprintf(tw, "size:\t%s\n", humanBytes(int64(info.Size)))
		}
		fmt.Fprintf(tw, "type:\t%s\n", info.Type)
		if info.Kind != "" {
			fmt.Fprintf(tw, "records:\t%s\n", info.Kind)
		}
		if info.Description != "" {
			fmt.Fprintf(tw, "description:\t%s\n", info.Description)
		}
		if !info.Built.IsZero() {
			fmt.Fprintf(tw, "built:\t%s\n", info.Built.UTC().Format("2006-01-02 15:04:05 UTC"))
		}
		fmt.Fprintf(tw, "ip version:\t%d\n", info.IPVersion)
		fmt.Fprintf(tw, "nodes:\t%d\n", info.Nodes)
		fmt.Fprintf(tw, "record size:\t%d bits\n", info.RecordSize)
	}
	if err := tw.Flush(); err != nil {
		return a.fail(c, fmt.Errorf("write standard output: %w", err))
	}
	return exitOK
}

// openCountryDB opens a country database, with an error that says what to
// do when the file is missing or unusable.
func openCountryDB(path string) (*country.DB, error) {
	db, err := country.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w\n  give -geoip-db the path of a GeoLite2/GeoIP2 Country or City file or of the ip-location-db country MMDB "+
			"(`make geoip` fetches the CC BY 4.0 one into ~/.cache/caddy-privacy), or set geoip.off in the -policy file to truncate addresses instead", err)
	}
	return db, nil
}
