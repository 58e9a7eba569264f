package caddymodule

// The integration harness: the real caddy binary built from cmd/caddy,
// started on loopback ports in front of a real upstream that records what
// it received.

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	caddyBinOnce sync.Once
	caddyBin     string
	caddyBinErr  error
)

// caddyBinary builds cmd/caddy once per test run.
func caddyBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: builds and starts the caddy binary")
	}
	caddyBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "caddy-privacy-bin")
		if err != nil {
			caddyBinErr = err
			return
		}
		caddyBin = filepath.Join(dir, "caddy")
		cmd := exec.Command("go", "build", "-o", caddyBin, "../cmd/caddy")
		if out, err := cmd.CombinedOutput(); err != nil {
			caddyBinErr = fmt.Errorf("building cmd/caddy: %v\n%s", err, out)
		}
	})
	if caddyBinErr != nil {
		t.Fatal(caddyBinErr)
	}
	return caddyBin
}

// freePort returns a loopback port nobody listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// recorded is one request as the upstream received it.
type recorded struct {
	Method     string
	RequestURI string
	Header     http.Header
	Body       []byte
}

// upstream is a real HTTP server on loopback that records every request
// and answers with the headers the test sets.
type upstream struct {
	URL      string
	mu       sync.Mutex
	requests []recorded
	respond  func(w http.ResponseWriter, r *http.Request)
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.requests = append(u.requests, recorded{r.Method, r.RequestURI, r.Header.Clone(), body})
		respond := u.respond
		u.mu.Unlock()
		if respond != nil {
			respond(w, r)
			return
		}
		io.WriteString(w, "upstream ok")
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	u.URL = l.Addr().String()
	return u
}

func (u *upstream) setResponder(f func(w http.ResponseWriter, r *http.Request)) {
	u.mu.Lock()
	u.respond = f
	u.mu.Unlock()
}

// last returns the last request received, failing the test if none came.
func (u *upstream) last(t *testing.T) recorded {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.requests) == 0 {
		t.Fatal("upstream received no request")
	}
	return u.requests[len(u.requests)-1]
}

func (u *upstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.requests)
}

// caddyProcess is a running caddy binary.
type caddyProcess struct {
	URL    string
	Port   int
	stderr *lockedBuffer
	cmd    *exec.Cmd
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startCaddy runs the binary with a Caddyfile in which {PORT} is replaced
// by a free loopback port, and waits until it serves.
func startCaddy(t *testing.T, caddyfile string) *caddyProcess {
	t.Helper()
	bin := caddyBinary(t)
	port := freePort(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "Caddyfile")
	content := strings.ReplaceAll(caddyfile, "{PORT}", fmt.Sprint(port))
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &caddyProcess{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Port: port, stderr: &lockedBuffer{}}
	p.cmd = exec.Command(bin, "run", "--config", path, "--adapter", "caddyfile")
	p.cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	p.cmd.Stdout = p.stderr
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("caddy output:\n%s", p.stderr.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("caddy exited: %v\n%s", err, p.stderr.String())
		default:
		}
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("caddy did not start listening on %d:\n%s", port, p.stderr.String())
	return nil
}

// get sends a request through caddy with the given headers.
func (p *caddyProcess) get(t *testing.T, path string, headers map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// allOf flattens a request's URI, headers and body, for "appears anywhere"
// checks. X-Forwarded-Host is left out: it is the site's own address, which
// in these tests is the loopback address clients also come from.
func (r recorded) allOf() string {
	var b strings.Builder
	b.WriteString(r.RequestURI)
	b.WriteByte('\n')
	h := r.Header.Clone()
	h.Del("X-Forwarded-Host")
	h.Write(&b)
	b.Write(r.Body)
	return b.String()
}
