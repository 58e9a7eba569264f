package caddymodule

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-privacy/caddy-privacy/beacon"
	"github.com/caddy-privacy/caddy-privacy/consent"
)

// silentVendor accepts connections, reads what is sent and never answers,
// like a collection host that has hung.
func silentVendor(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go io.Copy(io.Discard, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return l.Addr().String()
}

// proxyTo is a stand-in for reverse_proxy: it sends the request to addr
// under the request's context and, as reverse_proxy does, records 499 when
// that context is cancelled.
func proxyTo(addr string, transport *http.Transport) caddyhttp.Handler {
	return caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		out, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+addr+r.URL.RequestURI(), r.Body)
		if err != nil {
			return err
		}
		resp, err := transport.RoundTrip(out)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				w.WriteHeader(499)
				return nil
			}
			return caddyhttp.Error(http.StatusBadGateway, err)
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, err = io.Copy(w, resp.Body)
		return err
	})
}

func consentedBeacon(t testing.TB) *http.Request {
	req := httptest.NewRequest("POST", "/g/collect?v=2&tid=G-1&cid=1.2&en=page_view", strings.NewReader(""))
	vars := map[string]any{caddyhttp.ClientIPVarKey: "81.2.69.160", decisionVar: consent.All}
	ctx := context.WithValue(req.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer())
	ctx = context.WithValue(ctx, caddyhttp.VarsCtxKey, vars)
	req = req.WithContext(ctx)
	req.RemoteAddr = "81.2.69.160:51000"
	return req
}

func TestBeaconTimeoutDefaults(t *testing.T) {
	b := provisionedBeacon(t, &Beacon{Config: beacon.Config{Vendor: "ga4"}})
	if time.Duration(b.Timeout) != 10*time.Second || time.Duration(b.HeaderTimeout) != 5*time.Second {
		t.Errorf("timeouts = %s, %s; want 10s, 5s", time.Duration(b.Timeout), time.Duration(b.HeaderTimeout))
	}
}

// A vendor that never answers gets the client a 504 once header_timeout
// has passed, and leaves no goroutine behind.
func TestBeaconVendorNeverAnswers(t *testing.T) {
	vendor := silentVendor(t)
	b := provisionedBeacon(t, &Beacon{Config: beacon.Config{Vendor: "ga4"}, HeaderTimeout: caddy.Duration(200 * time.Millisecond)})
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	next := proxyTo(vendor, transport)

	// One exchange first, so lazily started runtime goroutines are counted
	// in the baseline.
	if err := b.ServeHTTP(httptest.NewRecorder(), consentedBeacon(t), next); err != nil {
		t.Fatal(err)
	}
	transport.CloseIdleConnections()
	time.Sleep(100 * time.Millisecond)
	baseline := runtime.NumGoroutine()

	const clients = 20
	start := time.Now()
	var wg sync.WaitGroup
	codes := make([]int, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			if err := b.ServeHTTP(rec, consentedBeacon(t), next); err != nil {
				t.Error(err)
			}
			codes[i] = rec.Code
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	for i, c := range codes {
		if c != http.StatusGatewayTimeout {
			t.Errorf("client %d: status %d, want 504", i, c)
		}
	}
	if elapsed > 2*time.Second {
		t.Errorf("%d clients took %s with a 200ms header_timeout", clients, elapsed)
	}
	transport.CloseIdleConnections()
	deadline := time.Now().Add(3 * time.Second)
	n := runtime.NumGoroutine()
	for n > baseline && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	t.Logf("%d clients answered in %s; goroutines: baseline %d, after %d", clients, elapsed, baseline, n)
	if n > baseline {
		t.Errorf("goroutines did not return to baseline: %d, want <= %d", n, baseline)
	}
}

// timeout bounds the whole exchange even when header_timeout is longer.
func TestBeaconTotalTimeout(t *testing.T) {
	vendor := silentVendor(t)
	b := provisionedBeacon(t, &Beacon{Config: beacon.Config{Vendor: "ga4"}, Timeout: caddy.Duration(150 * time.Millisecond), HeaderTimeout: caddy.Duration(time.Minute)})
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	rec := httptest.NewRecorder()
	start := time.Now()
	if err := b.ServeHTTP(rec, consentedBeacon(t), proxyTo(vendor, transport)); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusGatewayTimeout || time.Since(start) > time.Second {
		t.Errorf("status %d after %s; want 504 after about 150ms", rec.Code, time.Since(start))
	}
}

// A vendor that answers in time is not affected.
func TestBeaconVendorAnswersInTime(t *testing.T) {
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "x=1")
		w.WriteHeader(http.StatusNoContent)
	}))
	defer vendor.Close()
	b := provisionedBeacon(t, &Beacon{Config: beacon.Config{Vendor: "ga4"}, HeaderTimeout: caddy.Duration(time.Second)})
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	rec := httptest.NewRecorder()
	if err := b.ServeHTTP(rec, consentedBeacon(t), proxyTo(strings.TrimPrefix(vendor.URL, "http://"), transport)); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusNoContent {
		t.Errorf("status %d, want the vendor's 204", rec.Code)
	}
}
