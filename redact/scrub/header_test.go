package scrub

import (
	"net/textproto"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
)

func TestHeaderListsCanonical(t *testing.T) {
	seen := map[string]string{}
	for list, names := range map[string][]string{
		"ClientIPHeaders": ClientIPHeaders,
		"DropHeaders":     DropHeaders,
		"LocationHeaders": LocationHeaders,
	} {
		for _, n := range names {
			if c := textproto.CanonicalMIMEHeaderKey(n); c != n {
				t.Errorf("%s: %q is not canonical; want %q", list, n, c)
			}
			if other, dup := seen[n]; dup {
				t.Errorf("%q is in both %s and %s", n, other, list)
			}
			seen[n] = list
			if strings.EqualFold(n, "Sec-Gpc") {
				t.Errorf("%s holds Sec-GPC, which must never be removed", list)
			}
		}
	}
}

func TestHeaders(t *testing.T) {
	h := NewHeaders(config.HeaderPolicy{
		ClientIP: []string{"X-My-Client", "sec-gpc", strings.Repeat("X", 80)},
		Drop:     []string{"X-Tenant-Secret"},
	})
	tests := []struct {
		name                  string
		clientIP, drop, where bool
	}{
		{name: "X-Forwarded-For", clientIP: true},
		{name: "x-forwarded-for", clientIP: true},
		{name: "X-FORWARDED-FOR", clientIP: true},
		{name: "Forwarded", clientIP: true},
		{name: "CF-Connecting-IP", clientIP: true},
		{name: "True-Client-IP", clientIP: true},
		{name: "x-my-client", clientIP: true},
		{name: strings.Repeat("x", 80), clientIP: true},
		{name: "Cookie", drop: true},
		{name: "authorization", drop: true},
		{name: "X-Api-Key", drop: true},
		{name: "x-tenant-secret", drop: true},
		{name: "Cf-Iplatitude", where: true},
		{name: "cloudfront-viewer-city", where: true},
		// Near misses.
		{name: "X-Forwarded-Fo"},
		{name: "X-Forwarded-Forx"},
		{name: "X-Forwarded-Proto"},
		{name: "X-Forwarded-Host"},
		{name: "Via"},
		{name: "Sec-Gpc"},
		{name: "Cf-Ipcountry"},
		{name: "User-Agent"},
		{name: ""},
		{name: strings.Repeat("x", 81)},
		{name: "Cookie2x"},
	}
	for _, tt := range tests {
		if got := h.IsClientIP(tt.name); got != tt.clientIP {
			t.Errorf("IsClientIP(%q) = %v, want %v", tt.name, got, tt.clientIP)
		}
		if got := h.IsDrop(tt.name); got != tt.drop {
			t.Errorf("IsDrop(%q) = %v, want %v", tt.name, got, tt.drop)
		}
		if got := h.IsLocation(tt.name); got != tt.where {
			t.Errorf("IsLocation(%q) = %v, want %v", tt.name, got, tt.where)
		}
	}
	// The built-in lists are all there.
	for _, n := range ClientIPHeaders {
		if !h.IsClientIP(n) {
			t.Errorf("IsClientIP(%q) = false", n)
		}
	}
	for _, n := range DropHeaders {
		if !h.IsDrop(n) {
			t.Errorf("IsDrop(%q) = false", n)
		}
	}
	if n := testing.AllocsPerRun(100, func() { h.IsClientIP("x-real-ip"); h.IsDrop("Accept-Language") }); n != 0 {
		t.Errorf("IsClientIP and IsDrop allocate %v times, want 0", n)
	}
}
