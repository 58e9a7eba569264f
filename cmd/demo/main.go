// Command demo runs the demo `make run` starts around the example
// Caddyfile: the shop's front door, the app behind Caddy, a stand-in
// analytics vendor that receives the beacons privacy_beacon forwards, a
// stand-in ads vendor, and a live page that shows side by side what each
// of them received. Caddy itself is started separately, with the example
// Caddyfile; see the Makefile's run target.
//
// Usage:
//
//	demo [-front 127.0.0.1:8080] [-caddy 127.0.0.1:8081] [-app 127.0.0.1:9081]
//	     [-collector 127.0.0.1:9082] [-ads 127.0.0.1:9083] [-live 127.0.0.1:9090]
//	     [-access-log FILE]
//
// It stops cleanly on SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/caddy-privacy/caddy-privacy/demo"
)

func main() {
	var c demo.Config
	flag.StringVar(&c.Front, "front", "127.0.0.1:8080", "`address` where visitors connect: the shop's front door, which forwards to Caddy")
	flag.StringVar(&c.Caddy, "caddy", "127.0.0.1:8081", "`address` of Caddy's site")
	flag.StringVar(&c.App, "app", "127.0.0.1:9081", "`address` of the app, Caddy's upstream")
	flag.StringVar(&c.Collector, "collector", "127.0.0.1:9082", "`address` of the analytics vendor, where Caddy forwards beacons")
	flag.StringVar(&c.Ads, "ads", "127.0.0.1:9083", "`address` of the ads vendor")
	flag.StringVar(&c.Live, "live", "127.0.0.1:9090", "`address` of the live page")
	flag.StringVar(&c.SiteURL, "site-url", "", "the shop's `URL` as visitors type it (default http://localhost:<front port>/)")
	flag.StringVar(&c.AccessLog, "access-log", "", "Caddy's sanitised access log `file`, shown on the live page")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "demo: unexpected argument %q\n", flag.Arg(0))
		flag.Usage()
		os.Exit(2)
	}
	c.Logger = log.New(os.Stderr, "demo: ", 0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := demo.New(c).Run(ctx); err != nil {
		c.Logger.Fatal(err)
	}
}
