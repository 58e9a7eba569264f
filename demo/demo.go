// Package demo is the demo `make run` starts around the example
// Caddyfile: a small site behind caddy-privacy, the third parties it
// talks to, and a live page that shows, side by side, what each of them
// received.
//
// Four parties, each on its own loopback address:
//
//	browser ─▶ front door ─▶ Caddy (privacy, privacy_beacon, log) ─▶ app
//	                                       └─ /g/collect ─▶ analytics collector
//	browser ─▶ analytics vendor's tag, ads vendor's pixel (when the CSP allows)
//
// The front door passes requests to Caddy unchanged and records them, so
// the live page can show the raw request; it can also play a visitor from
// another country or with Global Privacy Control on. The app is a small
// tea shop whose URLs carry identifiers. The collector stands in for a
// third-party analytics vendor behind privacy_beacon ga4. Everything the
// demo records is kept in memory, bounded, and written nowhere.
package demo

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

//go:embed site live
var assets embed.FS

// Config says where each part of the demo listens. Every address is a
// host:port; use loopback addresses.
type Config struct {
	// Front is where visitors connect: the site's front door. Default:
	// 127.0.0.1:8080.
	Front string
	// Caddy is Caddy's site address, where the front door forwards.
	// Default: 127.0.0.1:8081.
	Caddy string
	// App is the app's address, Caddy's upstream. Default: 127.0.0.1:9081.
	App string
	// Collector is the analytics vendor's address, where Caddy sends the
	// beacons and the browser fetches the vendor's tag. Default:
	// 127.0.0.1:9082.
	Collector string
	// Ads is the advertising vendor's address. Default: 127.0.0.1:9083.
	Ads string
	// Live is the live page's address. Default: 127.0.0.1:9090.
	Live string
	// SiteURL is the site's URL as visitors type it, which the live page
	// links to. Default: http://localhost:<Front's port>/.
	SiteURL string
	// AccessLog is the file Caddy writes the sanitised access log to; the
	// live page shows its new lines. Default: none.
	AccessLog string
	// Logger receives the demo's own messages. Default: log.Default().
	Logger *log.Logger
}

// Defaults fills in the zero fields of c.
func (c *Config) Defaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Front, "127.0.0.1:8080")
	def(&c.Caddy, "127.0.0.1:8081")
	def(&c.App, "127.0.0.1:9081")
	def(&c.Collector, "127.0.0.1:9082")
	def(&c.Ads, "127.0.0.1:9083")
	def(&c.Live, "127.0.0.1:9090")
	if c.SiteURL == "" {
		_, port, _ := net.SplitHostPort(c.Front)
		c.SiteURL = "http://localhost:" + port + "/"
	}
	if c.Logger == nil {
		c.Logger = log.Default()
	}
}

// Demo is a running demo.
type Demo struct {
	cfg                        Config
	hub                        *Hub
	analyticsOrigin, adsOrigin string
}

// New returns a demo for c, with its defaults filled in.
func New(c Config) *Demo {
	c.Defaults()
	return &Demo{
		cfg:             c,
		hub:             NewHub(),
		analyticsOrigin: "http://" + c.Collector,
		adsOrigin:       "http://" + c.Ads,
	}
}

func (d *Demo) logf(format string, args ...any) {
	d.cfg.Logger.Printf(format, args...)
}

// Run serves every part of the demo until ctx ends, then shuts them down.
// It fails at once if an address cannot be listened on.
func (d *Demo) Run(ctx context.Context) error {
	caddy, err := url.Parse("http://" + d.cfg.Caddy)
	if err != nil || caddy.Host == "" {
		return fmt.Errorf("caddy address %q is not a host:port such as 127.0.0.1:8081", d.cfg.Caddy)
	}
	a, err := newApp(d)
	if err != nil {
		return err
	}
	live, err := d.live()
	if err != nil {
		return err
	}
	parts := []struct {
		name, addr string
		h          http.Handler
	}{
		{"front door", d.cfg.Front, d.front(caddy)},
		{"app", d.cfg.App, a},
		{"analytics collector", d.cfg.Collector, d.collector()},
		{"ads vendor", d.cfg.Ads, d.ads()},
		{"live page", d.cfg.Live, live},
	}
	var servers []*http.Server
	var listeners []net.Listener
	for _, p := range parts {
		l, err := net.Listen("tcp", p.addr)
		if err != nil {
			for _, l := range listeners {
				l.Close()
			}
			return fmt.Errorf("%s: %v", p.name, err)
		}
		listeners = append(listeners, l)
	}
	// The live page embeds the shop, so it is opened on the same site:
	// localhost, like the shop.
	_, livePort, _ := net.SplitHostPort(d.cfg.Live)
	d.logf("the shop: %s  live page: http://localhost:%s/", d.cfg.SiteURL, livePort)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, p := range parts {
		servers = append(servers, &http.Server{
			Handler:           p.h,
			ReadHeaderTimeout: 10 * time.Second,
			// Requests end with the demo: the live page's long polls
			// do not hold up the shutdown.
			BaseContext: func(net.Listener) context.Context { return ctx },
		})
	}
	errs := make(chan error, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Serve(listeners[i]); !errors.Is(err, http.ErrServerClosed) {
				errs <- fmt.Errorf("%s: %v", parts[i].name, err)
			}
		}()
	}
	if d.cfg.AccessLog != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.followLog(ctx, d.cfg.AccessLog)
		}()
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errs:
	}
	cancel()
	shutdown, done := context.WithTimeout(context.Background(), 3*time.Second)
	defer done()
	for _, s := range servers {
		s.Shutdown(shutdown)
	}
	wg.Wait()
	return runErr
}
