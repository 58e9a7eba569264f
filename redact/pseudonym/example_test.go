package pseudonym_test

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym"
)

func ExampleKeyRing() {
	// Two instances sharing a store share keys, hence pseudonyms.
	store := new(pseudonym.MemoryStore)
	a := pseudonym.NewKeyRing(store, 24*time.Hour, 24*time.Hour)
	b := pseudonym.NewKeyRing(store, 24*time.Hour, 24*time.Hour)
	now := time.Now()
	for _, r := range []*pseudonym.KeyRing{a, b} {
		if err := r.Refresh(context.Background(), now); err != nil {
			fmt.Println(err)
			return
		}
	}
	// In a server, go a.Run(ctx) keeps the ring rotating.

	client := netip.MustParseAddr("203.0.113.7")
	pa := a.AppendAddr(nil, client)
	pb := b.AppendAddr(nil, netip.MustParseAddr("::ffff:203.0.113.7"))
	fmt.Println(len(pa), bytes.Equal(pa, pb), bytes.Contains(pa, []byte("203")))

	// A new period brings a new key: the same client is no longer linkable.
	if err := a.Refresh(context.Background(), now.Add(24*time.Hour)); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(bytes.Equal(pa, a.AppendAddr(nil, client)))
	// Output:
	// 12 true false
	// false
}
