package redisstore_test

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddy-privacy/caddy-privacy/internal/redistest"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym/redisstore"
)

var visitor = netip.MustParseAddr("203.0.113.7")

// node is one instance: its own Redis connection and key ring, as a Caddy
// node or a CLI run has.
type node struct {
	store *redisstore.Store
	keys  *pseudonym.OutageReporter
	ring  *pseudonym.KeyRing

	mu         sync.Mutex
	downs, ups int
	lastErr    error
}

func newNode(t *testing.T, addr string, rotate, retention time.Duration) *node {
	t.Helper()
	s, err := redisstore.New(redisstore.Options{Address: addr, Rotate: rotate, Retention: retention})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	n := &node{store: s}
	n.keys = &pseudonym.OutageReporter{
		Store: s,
		Down: func(err error) {
			n.mu.Lock()
			n.downs++
			n.lastErr = err
			n.mu.Unlock()
		},
		Up: func() { n.mu.Lock(); n.ups++; n.mu.Unlock() },
	}
	n.ring = pseudonym.NewKeyRing(n.keys, rotate, retention)
	return n
}

func (n *node) pseudonym() string { return string(n.ring.AppendAddr(nil, visitor)) }

func refresh(t *testing.T, n *node, now time.Time) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return n.ring.Refresh(ctx, now)
}

// refreshUntilOK retries as KeyRing.Run does: go-redis waits a moment
// before dialling again after failed dials.
func refreshUntilOK(t *testing.T, n *node, now time.Time) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := refresh(t, n, now)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("refresh after Redis came back: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Two nodes starting at once agree: SET NX lets exactly one key in.
func TestNodesAgree(t *testing.T) {
	srv := redistest.Start(t)
	for round := range 5 {
		now := time.Now().Add(time.Duration(round) * time.Hour)
		nodes := make([]*node, 4)
		var wg sync.WaitGroup
		for i := range nodes {
			nodes[i] = newNode(t, srv.Addr, time.Hour, time.Hour)
		}
		for _, n := range nodes {
			wg.Go(func() {
				if err := refresh(t, n, now); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		for i, n := range nodes[1:] {
			if got, want := n.pseudonym(), nodes[0].pseudonym(); got != want {
				t.Fatalf("round %d: node %d's pseudonym %s, node 0's %s", round, i+1, got, want)
			}
		}
	}
	// A ring with a store of its own makes other pseudonyms.
	alone := pseudonym.NewKeyRing(nil, time.Hour, time.Hour)
	alone.Refresh(context.Background(), time.Now())
	if got := string(alone.AppendAddr(nil, visitor)); got == newNodePseudonym(t, srv.Addr) {
		t.Fatal("a ring with its own memory store made the Redis pseudonym")
	}
}

func newNodePseudonym(t *testing.T, addr string) string {
	n := newNode(t, addr, time.Hour, time.Hour)
	if err := refresh(t, n, time.Now()); err != nil {
		t.Fatal(err)
	}
	return n.pseudonym()
}

// Keys carry an absolute expiry at the end of their retention, and Redis
// destroys them then.
func TestKeysExpireWithRetention(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := context.Background()

	n := newNode(t, srv.Addr, time.Hour, 3*time.Hour)
	now := time.Now()
	if err := refresh(t, n, now); err != nil {
		t.Fatal(err)
	}
	p := n.ring.Period(now)
	want := time.Unix(0, (p+1)*int64(time.Hour)).Add(3 * time.Hour)
	got, err := c.PExpireTime(ctx, n.store.Key(p)).Result()
	if err != nil {
		t.Fatal(err)
	}
	if got != time.Duration(want.UnixMilli())*time.Millisecond {
		t.Fatalf("key of period %d expires at %v; want the end of its retention, %v", p, time.UnixMilli(int64(got/time.Millisecond)), want)
	}
	if !strings.HasPrefix(n.store.Key(p), "caddy-privacy:pseudonym-keys:3600:") {
		t.Fatalf("key name %q does not carry the prefix and the rotation", n.store.Key(p))
	}

	// A 1s rotation and no retention: the key is gone within a second or so.
	short := newNode(t, srv.Addr, time.Second, 0)
	now = time.Now()
	if err := refresh(t, short, now); err != nil {
		t.Fatal(err)
	}
	key := short.store.Key(short.ring.Period(now))
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := c.Exists(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("key %s still in Redis 5s after its retention ended", key)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// DeleteBefore removes earlier periods' keys at once.
func TestDeleteBefore(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := context.Background()
	s, err := redisstore.New(redisstore.Options{Address: srv.Addr, Rotate: time.Hour, Retention: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now().Unix() / 3600
	for p := now - 3; p <= now; p++ {
		if _, err := s.LoadOrStore(ctx, p, make32(byte(p))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteBefore(ctx, now-1); err != nil {
		t.Fatal(err)
	}
	for p := now - 3; p <= now; p++ {
		n, _ := c.Exists(ctx, s.Key(p)).Result()
		if want := int64(0); p >= now-1 {
			want = 1
			if n != want {
				t.Errorf("period %d: deleted; want kept", p)
			}
		} else if n != want {
			t.Errorf("period %d: kept; want deleted", p)
		}
	}
}

func make32(b byte) []byte {
	k := make([]byte, pseudonym.KeySize)
	for i := range k {
		k[i] = b | 1
	}
	return k
}

// Redis goes away mid-run: nodes keep their key, a rotation during the
// outage gives each node a key of its own, one error is reported per
// outage and names no address, and once Redis is back the nodes adopt one
// key again.
func TestOutageAndConvergence(t *testing.T) {
	srv := redistest.Start(t)
	a := newNode(t, srv.Addr, time.Hour, time.Hour)
	b := newNode(t, srv.Addr, time.Hour, time.Hour)
	now := time.Now()
	for _, n := range []*node{a, b} {
		if err := refresh(t, n, now); err != nil {
			t.Fatal(err)
		}
	}
	before := a.pseudonym()
	if b.pseudonym() != before {
		t.Fatal("nodes disagree before the outage")
	}

	srv.Stop()
	// Same period: the shared key stays in use.
	for range 3 {
		refresh(t, a, now) // fails to delete old keys; the key is held
	}
	if a.pseudonym() != before {
		t.Fatal("node changed its key in the same period while Redis was down")
	}
	// The period ends during the outage: each node makes a key of its own.
	next := now.Add(time.Hour)
	for range 3 {
		for _, n := range []*node{a, b} {
			if err := refresh(t, n, next); err == nil {
				t.Fatal("refresh into a new period with Redis down: no error")
			}
		}
	}
	if a.pseudonym() == before {
		t.Fatal("the previous period's key is still in use after its period ended")
	}
	if a.pseudonym() == b.pseudonym() {
		t.Fatal("nodes agree during an outage; they cannot have shared a key")
	}
	for name, n := range map[string]*node{"a": a, "b": b} {
		n.mu.Lock()
		if n.downs != 1 {
			t.Errorf("node %s reported %d outages over 3 failed refreshes; want 1", name, n.downs)
		}
		_, port, _ := strings.Cut(srv.Addr, ":")
		if msg := n.lastErr.Error(); strings.Contains(msg, "127.0.0.1") || strings.Contains(msg, port) {
			t.Errorf("node %s's error names the server: %s", name, msg)
		} else {
			t.Logf("node %s: %s", name, msg)
		}
		n.mu.Unlock()
	}

	srv.Restart()
	for _, n := range []*node{b, a} {
		refreshUntilOK(t, n, next)
	}
	if a.pseudonym() != b.pseudonym() {
		t.Fatal("nodes still disagree after Redis came back")
	}
	if a.ups != 1 || b.ups != 1 {
		t.Errorf("recoveries reported: a %d, b %d; want 1 each", a.ups, b.ups)
	}
	// A node that starts now agrees with them.
	if got := newNodePseudonymAt(t, srv.Addr, next); got != a.pseudonym() {
		t.Fatalf("a new node's pseudonym %s; the fleet's %s", got, a.pseudonym())
	}
}

func newNodePseudonymAt(t *testing.T, addr string, now time.Time) string {
	n := newNode(t, addr, time.Hour, time.Hour)
	if err := refresh(t, n, now); err != nil {
		t.Fatal(err)
	}
	return n.pseudonym()
}

// Redis is down when a node starts: it still makes pseudonyms, and joins
// the fleet's key once Redis is up.
func TestDownAtStart(t *testing.T) {
	srv := redistest.Start(t)
	srv.Stop()
	a := newNode(t, srv.Addr, time.Hour, time.Hour)
	now := time.Now()
	if err := refresh(t, a, now); err == nil {
		t.Fatal("no error with Redis down")
	}
	if len(a.pseudonym()) != pseudonym.Len {
		t.Fatalf("pseudonym %q with Redis down", a.pseudonym())
	}
	srv.Restart()
	b := newNode(t, srv.Addr, time.Hour, time.Hour)
	if err := refresh(t, b, now); err != nil {
		t.Fatal(err)
	}
	refreshUntilOK(t, a, now)
	if a.pseudonym() != b.pseudonym() {
		t.Fatal("the node that started during the outage did not adopt the fleet's key")
	}
}

// The key rotates while one node is down; when it comes back it loads the
// key the others made.
func TestRotationWhileNodeDown(t *testing.T) {
	srv := redistest.Start(t)
	a := newNode(t, srv.Addr, time.Hour, time.Hour)
	b := newNode(t, srv.Addr, time.Hour, time.Hour)
	now := time.Now()
	for _, n := range []*node{a, b} {
		if err := refresh(t, n, now); err != nil {
			t.Fatal(err)
		}
	}
	old := a.pseudonym()
	// b is down across the boundary; a rotates.
	next := now.Add(time.Hour)
	if err := refresh(t, a, next); err != nil {
		t.Fatal(err)
	}
	if a.pseudonym() == old {
		t.Fatal("no rotation")
	}
	// b restarts: a new process, a new ring.
	b = newNode(t, srv.Addr, time.Hour, time.Hour)
	if err := refresh(t, b, next); err != nil {
		t.Fatal(err)
	}
	if a.pseudonym() != b.pseudonym() {
		t.Fatal("nodes disagree after a rotation one of them missed")
	}
	// The previous key is still there for the retention period.
	prev, ok := b.ring.AppendPseudonymAt(nil, []byte("x"), a.ring.Period(now))
	if want, _ := a.ring.AppendPseudonymAt(nil, []byte("x"), a.ring.Period(now)); ok && string(prev) != string(want) {
		t.Fatal("previous period's key differs")
	}
}

// Redis loses its data (restarted without persistence, or flushed): the
// first node to ask again puts the fleet's key back, so pseudonyms do not
// change; if a new node stored a key of its own first, the others adopt
// it when they recheck. Either way the nodes agree again.
func TestDataLossConverges(t *testing.T) {
	srv := redistest.Start(t)
	c := srv.Client()
	defer c.Close()
	ctx := context.Background()
	now := time.Now()
	recheck := func(n *node) *node { n.ring.Recheck = time.Minute; return n }

	a := recheck(newNode(t, srv.Addr, time.Hour, time.Hour))
	b := recheck(newNode(t, srv.Addr, time.Hour, time.Hour))
	for _, n := range []*node{a, b} {
		if err := refresh(t, n, now); err != nil {
			t.Fatal(err)
		}
	}
	fleet := a.pseudonym()

	// An old node rechecks first: the key is put back unchanged.
	if err := c.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := refresh(t, a, now); err != nil {
		t.Fatal(err)
	}
	if got := newNodePseudonymAt(t, srv.Addr, now); got != fleet || a.pseudonym() != fleet {
		t.Fatalf("after the loss: new node %q, old node %q; want the fleet's %q kept", got, a.pseudonym(), fleet)
	}

	// A new node stores a key first: the old ones adopt it on recheck.
	if err := c.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	fresh := newNodePseudonymAt(t, srv.Addr, now)
	if fresh == fleet {
		t.Fatal("the new node made the old key; the test cannot tell adoption apart")
	}
	for _, n := range []*node{a, b} {
		if err := refresh(t, n, now); err != nil {
			t.Fatal(err)
		}
		if n.pseudonym() != fresh {
			t.Fatalf("an old node kept %q after recheck; the new node uses %q", n.pseudonym(), fresh)
		}
	}

	// Without Recheck a ring never notices: the reason for the option.
	d := newNode(t, srv.Addr, time.Hour, time.Hour)
	if err := refresh(t, d, now); err != nil {
		t.Fatal(err)
	}
	c.FlushAll(ctx)
	newNodePseudonymAt(t, srv.Addr, now)
	refresh(t, d, now)
	if d.pseudonym() != fresh {
		t.Fatal("a ring without Recheck changed key")
	}
}
