package beacon

import (
	"strings"
)

// vendor is one analytics wire format: everything the gateway knows of
// it. Each vendor's file defines one, with its tables; vendors lists
// them. Adding a vendor means one file, its test and a line in vendors.
type vendor struct {
	// name is the vendor as the configuration spells it, such as "ga4";
	// it is also its metrics label and part of its pseudonyms' key.
	name string
	// paths are the vendor's collection paths.
	paths []vendorPath
	// table is the query and form parameter table, schema the JSON
	// body's; either may be nil.
	table  *paramTable
	schema *jsonSchema
	// userIDs are the names of user ids, which Allow cannot bring back.
	userIDs []string
	// cookieless says the vendor has consent-denied pings.
	cookieless bool
	// sanitize rewrites a beacon that arrived on a path of kind ep.
	sanitize func(s *Sanitizer, st *state, ep endpoint) error
	// answer is what the vendor answers a request that is not forwarded:
	// ok for one held for lack of consent or answered locally (the
	// vendor's normal success), !ok for a malformed one.
	answer func(in *Input, ep endpoint, ok bool) Answer
}

// vendors are the vendors in the order they are documented.
var vendors = []*vendor{ga4Vendor, uaVendor, matomoVendor, plausibleVendor, umamiVendor, segmentVendor, posthogVendor, amplitudeVendor, mixpanelVendor, genericVendor}

func vendorNamed(name string) *vendor {
	for _, v := range vendors {
		if v.name == name {
			return v
		}
	}
	return nil
}

// IsVendor reports whether name is a vendor: ga4, ua, matomo, plausible,
// umami, segment, amplitude, mixpanel or generic.
func IsVendor(name string) bool { return vendorNamed(name) != nil }

// VendorNames lists the vendor names in the order they are documented.
func VendorNames() []string {
	out := make([]string, len(vendors))
	for i, v := range vendors {
		out[i] = v.name
	}
	return out
}

// isUserID reports whether name is one of the vendor's user ids.
func (v *vendor) isUserID(name string) bool {
	for _, n := range v.userIDs {
		if n == name {
			return true
		}
	}
	return false
}

// endpoint is what a collection path is for; each vendor numbers its
// own, from epDefault.
type endpoint uint8

const epDefault endpoint = 0

// pathUse is how the gateway treats requests on a path.
type pathUse uint8

const (
	// useCollect: beacons, forwarded with analytics consent.
	useCollect pathUse = iota
	// useConsented: requests the SDK needs to work (feature flags,
	// remote configuration), forwarded de-identified with analytics
	// consent and otherwise answered locally with a valid empty answer.
	useConsented
	// useLocal: always answered locally, never forwarded (the SDK's own
	// telemetry).
	useLocal
)

// vendorPath is one of a vendor's paths.
type vendorPath struct {
	// path is the request path; a "*" segment matches any one segment
	// of letters, digits, '_' and '-', such as a project token.
	path string
	kind endpoint
	// postOnly refuses GET.
	postOnly bool
	use      pathUse
}

// match reports whether p is the path.
func (vp *vendorPath) match(p string) bool {
	pat := vp.path
	if !strings.Contains(pat, "*") {
		return p == pat
	}
	for pat != "" {
		i := strings.IndexByte(pat, '*')
		if i < 0 {
			return p == pat
		}
		if !strings.HasPrefix(p, pat[:i]) {
			return false
		}
		p, pat = p[i:], pat[i+1:]
		n := 0
		for n < len(p) && n < 128 && (isLetter(p[n]) || isDigit(p[n]) || p[n] == '_' || p[n] == '-') {
			n++
		}
		if n == 0 {
			return false
		}
		p = p[n:]
	}
	return p == ""
}

// Answers common to vendors.
var (
	answerNoContent  = Answer{Status: 204}
	answerBadRequest = Answer{Status: 400, ContentType: "text/plain; charset=utf-8", Body: []byte("bad request\n")}
)

func jsonAnswer(status int, body string) Answer {
	return Answer{Status: status, ContentType: "application/json", Body: []byte(body)}
}
