package caddymodule

// Fleets: several Caddy processes that share one key store (a Redis
// server, or one file_system storage directory) give a visitor one
// pseudonym, in the {http.privacy.pseudonym} placeholder and in logs
// written by the privacy log encoder, and so does the log CLI.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddy-privacy/caddy-privacy/internal/redistest"
)

// fleetNode is a Caddyfile for one node: a page and a GA4 beacon gateway
// behind the privacy handler, or a page alone, with an access log written
// by the privacy encoder. keys is the policy's keys line
// (empty for Caddy's storage), storage the global storage line (empty for
// Caddy's data directory, which startCaddy makes per process). With
// handler, the privacy handler passes the pseudonym upstream; without it,
// the node only logs through the privacy encoder, so nothing but the log
// module itself can tell it where the keys are.
func fleetNode(storage, keys, logPath, up string, handler bool) string {
	route := "respond \"ok\""
	if handler {
		route = fmt.Sprintf(`privacy {
		geoip off
		ip pseudonym
		consent json consent
		%[1]s
	}
	handle /g/collect {
		privacy_beacon ga4 {
			%[1]s
		}
		reverse_proxy %[2]s
	}
	handle {
		request_header X-Pseudonym {http.privacy.pseudonym}
		reverse_proxy %[2]s
	}`, keys, up)
	}
	return fmt.Sprintf(`{
	admin off
	auto_https off
	%s
	servers {
		trusted_proxies static 127.0.0.0/8
		client_ip_headers X-Forwarded-For
	}
}
http://127.0.0.1:{PORT} {
	log {
		output file %s
		format privacy {
			geoip off
			ip pseudonym
			%s
		}
	}
	%s
}
`, storage, logPath, keys, route)
}

// loggedVisitor waits for the access log at path to hold entries entries
// and returns what the last one's X-Visitor request header became: the
// visitor's address goes through the encoder's detectors and IP transform
// there on every node (with the privacy handler in front, client_ip is
// already the handler's pseudonym, which the encoder cannot read).
func loggedVisitor(t *testing.T, path string, entries int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got []string
		if f, err := os.Open(path); err == nil {
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				var e struct {
					Request struct {
						Headers map[string][]string `json:"headers"`
					} `json:"request"`
				}
				if json.Unmarshal(sc.Bytes(), &e) == nil && len(e.Request.Headers["X-Visitor"]) == 1 {
					got = append(got, e.Request.Headers["X-Visitor"][0])
				}
			}
			f.Close()
		}
		if len(got) >= entries {
			return got[len(got)-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d access log entries after 10s; want %d", path, len(got), entries)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fleet is a set of nodes with their logs.
type fleet struct {
	up    *upstream
	nodes []*caddyProcess
	logs  []string
	sent  []int // requests sent per node
}

func startFleet(t *testing.T, storage, keys string, handlers ...bool) *fleet {
	t.Helper()
	f := &fleet{up: newUpstream(t)}
	dir := t.TempDir()
	for i, h := range handlers {
		log := filepath.Join(dir, fmt.Sprintf("access-%d.log", i))
		f.nodes = append(f.nodes, startCaddy(t, fleetNode(storage, keys, log, f.up.URL, h)))
		f.logs = append(f.logs, log)
		f.sent = append(f.sent, 0)
	}
	return f
}

// visit sends a request from client through node i and returns the
// pseudonym it logged and, for nodes with the handler, the one it sent
// upstream.
func (f *fleet) visit(t *testing.T, i int, client string) (logged, upstream string) {
	t.Helper()
	resp := f.nodes[i].get(t, "/", map[string]string{"X-Forwarded-For": client, "X-Visitor": client})
	if resp.StatusCode != 200 {
		t.Fatalf("node %d answered %d", i, resp.StatusCode)
	}
	f.sent[i]++
	logged = loggedVisitor(t, f.logs[i], f.sent[i])
	if f.up.count() > 0 {
		upstream = f.up.last(t).Header.Get("X-Pseudonym")
	}
	return logged, upstream
}

// checkAgree sends one visitor through every node: the pseudonym must be
// the same everywhere (logs and upstream header), and another visitor's
// different.
func (f *fleet) checkAgree(t *testing.T, handlers []bool) string {
	t.Helper()
	const visitor = "81.2.69.160"
	var want string
	for i := range f.nodes {
		logged, sent := f.visit(t, i, visitor)
		if len(logged) != 12 || strings.Contains(logged, "81.2") {
			t.Fatalf("node %d logged the visitor as %q; want a pseudonym", i, logged)
		}
		if want == "" {
			want = logged
		}
		if logged != want {
			t.Errorf("node %d logged the visitor as %q; node 0 as %q", i, logged, want)
		}
		if handlers[i] && sent != want {
			t.Errorf("node %d sent {http.privacy.pseudonym} %q upstream; the fleet's logs say %q", i, sent, want)
		}
	}
	if other, _ := f.visit(t, 0, "81.2.69.161"); other == want {
		t.Errorf("two visitors share the pseudonym %q", want)
	}
	// The beacon gateways: the visitor's GA client id becomes one
	// pseudonym whichever node forwards it.
	var cid string
	for i, n := range f.nodes {
		if !handlers[i] {
			continue
		}
		got := f.beaconCID(t, n)
		if got == "" || strings.Contains(got, "602849859") {
			t.Fatalf("node %d forwarded cid %q; want a pseudonym", i, got)
		}
		if cid == "" {
			cid = got
		}
		if got != cid {
			t.Errorf("node %d forwarded the GA client id as %q; another node as %q", i, got, cid)
		}
	}
	return want
}

// beaconCID sends a consented GA4 beacon through n and returns the client
// id the collector received.
func (f *fleet) beaconCID(t *testing.T, n *caddyProcess) string {
	t.Helper()
	before := f.up.count()
	req, err := http.NewRequest(http.MethodPost, n.URL+"/g/collect?v=2&tid=G-TEST1&cid=602849859.1754048070&en=page_view", strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", `consent={"analytics":true,"marketing":false}`)
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if f.up.count() != before+1 {
		t.Fatalf("the beacon was not forwarded (status %d)", resp.StatusCode)
	}
	u, err := url.ParseRequestURI(f.up.last(t).RequestURI)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("cid")
}

// TestIntegrationFleetSharedStorage: nodes sharing a file_system storage
// directory agree, log encoders included, whether or not the config has a
// privacy handler. Before the log modules waited for the configured
// storage they used each node's own data directory, and the logs of two
// nodes disagreed.
func TestIntegrationFleetSharedStorage(t *testing.T) {
	storage := "storage file_system " + filepath.Join(t.TempDir(), "shared")
	handlers := []bool{true, true, false}
	f := startFleet(t, storage, "", handlers...)
	f.checkAgree(t, handlers)
	keys, _ := filepath.Glob(filepath.Join(strings.TrimPrefix(storage, "storage file_system "), "caddy-privacy", "pseudonym-keys", "*"))
	if len(keys) != 1 {
		t.Fatalf("%d keys in the shared storage; want the current one", len(keys))
	}
}

var (
	cliBinOnce sync.Once
	cliBin     string
	cliBinErr  error
)

// cliBinary builds cmd/caddy-privacy once per test run.
func cliBinary(t *testing.T) string {
	t.Helper()
	cliBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "caddy-privacy-cli")
		if err != nil {
			cliBinErr = err
			return
		}
		cliBin = filepath.Join(dir, "caddy-privacy")
		if out, err := exec.Command("go", "build", "-o", cliBin, "../cmd/caddy-privacy").CombinedOutput(); err != nil {
			cliBinErr = fmt.Errorf("building cmd/caddy-privacy: %v\n%s", err, out)
		}
	})
	if cliBinErr != nil {
		t.Fatal(cliBinErr)
	}
	return cliBin
}

// TestIntegrationFleetRedis: nodes sharing one Redis agree, log-only nodes
// included, and so does `caddy-privacy sanitize` with the same keys. Redis
// going down does not stop pages being served; its outage is logged once
// and names no address; a node that started during the outage joins the
// fleet's key once Redis is back.
func TestIntegrationFleetRedis(t *testing.T) {
	caddyBinary(t) // skips in -short before Redis starts
	srv := redistest.Start(t)
	keys := "keys redis " + srv.Addr
	handlers := []bool{true, true, false}
	f := startFleet(t, "", keys, handlers...)
	want := f.checkAgree(t, handlers)

	// The CLI, backfilling an old log with the same policy.
	dir := t.TempDir()
	policy := filepath.Join(dir, "policy.json")
	os.WriteFile(policy, []byte(fmt.Sprintf(`{"ip": {"transform": "pseudonym"}, "geoip": {"off": true}, "keys": {"store": "redis", "address": %q}}`, srv.Addr)), 0o600)
	cmd := exec.Command(cliBinary(t), "sanitize", "-policy", policy)
	cmd.Stdin = strings.NewReader(`81.2.69.160 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.1" 200 5` + "\n")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("caddy-privacy sanitize: %v\n%s", err, stderr.String())
	}
	if host, _, _ := strings.Cut(out.String(), " "); host != want {
		t.Fatalf("the CLI wrote the visitor as %q; the fleet as %q", host, want)
	}

	// Redis goes down: pages are served, with the key held in memory.
	srv.Stop()
	for range 3 {
		if logged, sent := f.visit(t, 0, "81.2.69.160"); logged != want || sent != want {
			t.Fatalf("during the outage node 0 gave %q / %q; want the held key's %q", logged, sent, want)
		}
	}
	// A node that starts during the outage serves too.
	late := startCaddy(t, fleetNode("", keys, filepath.Join(dir, "late.log"), f.up.URL, true))
	late.get(t, "/", map[string]string{"X-Forwarded-For": "81.2.69.160"})
	if got := f.up.last(t).Header.Get("X-Pseudonym"); len(got) != 12 {
		t.Fatalf("a node started with Redis down sent %q upstream", got)
	}
	time.Sleep(3 * time.Second) // a few retries
	srv.Restart()
	deadline := time.Now().Add(30 * time.Second)
	for {
		late.get(t, "/", map[string]string{"X-Forwarded-For": "81.2.69.160"})
		if f.up.last(t).Header.Get("X-Pseudonym") == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the node started during the outage did not adopt the fleet's key within 30s of Redis's return")
		}
		time.Sleep(200 * time.Millisecond)
	}
	out2 := late.stderr.String()
	if n := strings.Count(out2, "pseudonym key store unavailable"); n != 1 {
		t.Errorf("the outage was reported %d times; want once:\n%s", n, out2)
	}
	if !strings.Contains(out2, "pseudonym key store available again") {
		t.Errorf("the end of the outage was not reported:\n%s", out2)
	}
	for _, n := range append(f.nodes, late) {
		if s := n.stderr.String(); strings.Contains(s, srv.Addr) || strings.Contains(s, "81.2.69.16") {
			t.Errorf("a node's log names Redis's or a visitor's address:\n%s", s)
		}
	}
}
