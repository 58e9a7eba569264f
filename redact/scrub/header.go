package scrub

import (
	"strings"

	"github.com/caddy-privacy/caddy-privacy/config"
)

// ClientIPHeaders are the request headers, in canonical form, that carry a
// client's address: set by the client itself, by proxies, load balancers
// and CDNs (Cloudflare, Fastly, Akamai, CloudFront, Azure Front Door,
// Google App Engine and Cloud, Envoy, Vercel, Netlify, Fly.io, Imperva,
// Sucuri, Alibaba Cloud, DigitalOcean, Oracle WebLogic). They are removed
// before a request goes upstream and transformed in logs. Via is not among
// them: it names proxies, not clients, and RFC 9110 asks proxies to keep
// it for loop detection. Do not modify.
var ClientIPHeaders = []string{
	"X-Forwarded-For",
	"X-Real-Ip",
	"Forwarded",
	"True-Client-Ip",
	"Cf-Connecting-Ip",
	"Cf-Connecting-Ipv6",
	"Cf-Pseudo-Ipv4",
	"Fastly-Client-Ip",
	"X-Client-Ip",
	"X-Cluster-Client-Ip",
	"X-Forwarded",
	"Forwarded-For",
	"X-Original-Forwarded-For",
	"X-Forwarded-For-Original",
	"X-Envoy-External-Address",
	"X-Appengine-User-Ip",
	"X-Azure-Clientip",
	"X-Azure-Socketip",
	"Client-Ip",
	"X-Proxyuser-Ip",
	"X-Originating-Ip",
	"X-Remote-Ip",
	"X-Remote-Addr",
	"Wl-Proxy-Client-Ip",
	"Proxy-Client-Ip",
	"X-Vercel-Forwarded-For",
	"X-Nf-Client-Connection-Ip",
	"Fly-Client-Ip",
	"Incap-Client-Ip",
	"X-Sucuri-Clientip",
	"Ali-Cdn-Real-Ip",
	"Do-Connecting-Ip",
	"Cloudfront-Viewer-Address",
}

// DropHeaders are the headers, in canonical form, that carry credentials
// or identify a person: cookies, authorization and API keys, CSRF tokens,
// the identity headers of authenticating proxies (oauth2-proxy, Cloudflare
// Access, AWS ALB, Azure App Service, Google IAP), client certificates,
// the From header (an e-mail address) and the subscriber ids some mobile
// carriers inject. They are removed from logs and beacons. Do not modify.
var DropHeaders = []string{
	"Cookie",
	"Set-Cookie",
	"Authorization",
	"Proxy-Authorization",
	"X-Api-Key",
	"X-Apikey",
	"Api-Key",
	"X-Auth-Token",
	"X-Access-Token",
	"X-Refresh-Token",
	"X-Id-Token",
	"X-Session-Id",
	"X-Session-Token",
	"X-Csrf-Token",
	"X-Xsrf-Token",
	"X-Csrftoken",
	"X-Amz-Security-Token",
	"X-Goog-Api-Key",
	"X-Goog-Iap-Jwt-Assertion",
	"X-Amzn-Oidc-Data",
	"X-Amzn-Oidc-Accesstoken",
	"X-Amzn-Oidc-Identity",
	"X-Ms-Client-Principal",
	"X-Ms-Client-Principal-Id",
	"X-Ms-Client-Principal-Name",
	"X-Ms-Token-Aad-Access-Token",
	"X-Ms-Token-Aad-Id-Token",
	"Cf-Access-Jwt-Assertion",
	"Cf-Access-Authenticated-User-Email",
	"X-Forwarded-User",
	"X-Forwarded-Email",
	"X-Forwarded-Preferred-Username",
	"X-Forwarded-Access-Token",
	"X-Auth-Request-User",
	"X-Auth-Request-Email",
	"X-Auth-Request-Preferred-Username",
	"X-Auth-Request-Access-Token",
	"Remote-User",
	"X-Remote-User",
	"X-Webauth-User",
	"Ocp-Apim-Subscription-Key",
	"Private-Token",
	"Dpop",
	"X-Forwarded-Client-Cert",
	"X-Ssl-Client-Cert",
	"Ssl-Client-Cert",
	"X-Client-Cert",
	"Client-Cert",
	"Client-Cert-Chain",
	"From",
	"X-Msisdn",
	"X-Up-Calling-Line-Id",
	"X-Uidh",
	"X-Acr",
}

// LocationHeaders are the headers, in canonical form, in which CDNs pass
// on a client's location finer than its country (city, region, postal
// code, coordinates, time zone, network): Cloudflare's visitor location
// headers, CloudFront's viewer headers, Vercel's, Akamai EdgeScape and
// Google App Engine's. Country-level ones such as Cf-Ipcountry are not
// among them. Like client addresses, they should be removed before a
// request goes upstream and from logs: the country header replaces them.
// Do not modify.
var LocationHeaders = []string{
	"Cf-Ipcity",
	"Cf-Iplatitude",
	"Cf-Iplongitude",
	"Cf-Postal-Code",
	"Cf-Metro-Code",
	"Cf-Region",
	"Cf-Region-Code",
	"Cf-Timezone",
	"Cloudfront-Viewer-City",
	"Cloudfront-Viewer-Country-Region",
	"Cloudfront-Viewer-Country-Region-Name",
	"Cloudfront-Viewer-Latitude",
	"Cloudfront-Viewer-Longitude",
	"Cloudfront-Viewer-Metro-Code",
	"Cloudfront-Viewer-Postal-Code",
	"Cloudfront-Viewer-Time-Zone",
	"Cloudfront-Viewer-Asn",
	"X-Vercel-Ip-City",
	"X-Vercel-Ip-Country-Region",
	"X-Vercel-Ip-Latitude",
	"X-Vercel-Ip-Longitude",
	"X-Vercel-Ip-Postal-Code",
	"X-Vercel-Ip-Timezone",
	"X-Akamai-Edgescape",
	"X-Appengine-City",
	"X-Appengine-Citylatlong",
	"X-Appengine-Region",
	"X-Client-Geo-Location",
}

// Headers answers which request headers carry client addresses, precise
// locations or credentials: the built-in lists plus the policy's. It is
// safe for concurrent use.
type Headers struct {
	clientIP headerSet
	drop     headerSet
	location headerSet
}

// NewHeaders returns the header lists for the policy: ClientIPHeaders plus
// p.ClientIP, DropHeaders plus p.Drop, and LocationHeaders. Sec-GPC is
// never treated as a client address header, even if p.ClientIP names it,
// because the GPC specification forbids intermediaries to remove it.
// Names that are not header names never match.
func NewHeaders(p config.HeaderPolicy) *Headers {
	h := new(Headers)
	h.clientIP.add(ClientIPHeaders...)
	for _, n := range p.ClientIP {
		if !strings.EqualFold(n, "Sec-Gpc") {
			h.clientIP.add(n)
		}
	}
	h.drop.add(DropHeaders...)
	h.drop.add(p.Drop...)
	h.location.add(LocationHeaders...)
	return h
}

// IsClientIP reports whether the header name, in any case, carries a
// client address. It allocates nothing.
func (h *Headers) IsClientIP(name string) bool { return h.clientIP.has(name) }

// IsDrop reports whether the header name, in any case, carries credentials
// or identifies a person. It allocates nothing.
func (h *Headers) IsDrop(name string) bool { return h.drop.has(name) }

// IsLocation reports whether the header name, in any case, carries a
// client location finer than its country. It allocates nothing.
func (h *Headers) IsLocation(name string) bool { return h.location.has(name) }

// headerSet is a set of header names keyed by their lower-case form.
type headerSet struct {
	m    map[string]struct{}
	long []string // names too long for lookup's buffer
}

// maxHeaderName is the length up to which names are looked up in the map;
// longer ones, which no real header has, are compared one by one.
const maxHeaderName = 64

func (s *headerSet) add(names ...string) {
	if s.m == nil {
		s.m = make(map[string]struct{})
	}
	for _, n := range names {
		if len(n) > maxHeaderName {
			s.long = append(s.long, n)
			continue
		}
		s.m[lowerASCII(n)] = struct{}{}
	}
}

func (s *headerSet) has(name string) bool {
	if len(name) > maxHeaderName {
		for _, n := range s.long {
			if strings.EqualFold(n, name) {
				return true
			}
		}
		return false
	}
	var buf [maxHeaderName]byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	_, ok := s.m[string(buf[:len(name)])]
	return ok
}
