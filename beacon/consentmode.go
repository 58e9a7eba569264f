package beacon

import "github.com/caddy-privacy/caddy-privacy/consent"

// Google Consent Mode parameters (gcs, gcd) lowered to the request's
// consent decision: a claim is never raised, and never left above what the
// visitor granted. Google does not document either parameter; the layouts
// below are those the practitioners' references agree on (README, "Google
// Consent Mode", lists them).
//
// The consent types map to categories as Google describes them
// (https://support.google.com/analytics/answer/12334711): ad_storage,
// ad_user_data and ad_personalization are marketing, analytics_storage is
// analytics.

// gcs lowers a Google consent state, G1 followed by the ad_storage and
// analytics_storage digits, to the request's decision. A malformed one
// is replaced by the decision.
func (st *state) gcs(dst, v []byte) []byte {
	return lowerGCS(dst, v, st.granted(consent.Marketing), st.granted(consent.Analytics))
}

// gcd lowers Google's consent defaults and updates string to the request's
// decision; false means the value is malformed and is dropped (gcs still
// carries the decision).
func (st *state) gcd(dst, v []byte) ([]byte, bool) {
	return lowerGCD(dst, v, st.granted(consent.Marketing), st.granted(consent.Analytics))
}

// lowerGCS appends gcs value v, "G1" then a character each for ad_storage
// and analytics_storage: '1' granted, '0' denied ('-', not set, is also
// seen). A type the decision denies becomes '0'; one it grants keeps the
// beacon's character. A malformed value is replaced by the decision.
func lowerGCS(dst, v []byte, marketing, analytics bool) []byte {
	if len(v) != 4 || v[0] != 'G' || v[1] != '1' || !gcsDigit(v[2]) || !gcsDigit(v[3]) {
		return append(dst, 'G', '1', digit(marketing), digit(analytics))
	}
	ad, an := v[2], v[3]
	if !marketing {
		ad = '0'
	}
	if !analytics {
		an = '0'
	}
	return append(dst, 'G', '1', ad, an)
}

func gcsDigit(c byte) bool { return c == '0' || c == '1' || c == '-' }

// gcd layout: two digits, then for each of ad_storage, analytics_storage,
// ad_user_data and ad_personalization a letter and a digit, the last
// digit closing the four ("13t3t3t3t5"), then optional characters
// ("l1"). Each letter is a character of the base64url-like alphabet
// 0-9a-zA-Z-_ whose value is 16 + 4×default + update, with 1 not set,
// 2 denied and 3 granted:
//
//	letter  default  update    state      letter  default  update    state
//	l       not set  not set   not set    r       denied   granted   granted
//	m       not set  denied    denied     t       granted  not set   granted
//	n       not set  granted   granted    u       granted  denied    denied
//	p       denied   not set   denied     v       granted  granted   granted
//	q       denied   denied    denied
//
// The state is the update where there is one, else the default. Not set
// means no consent mode for that type, which Google's tags treat as
// granted. Where the decision denies a type, a letter whose state is not
// denied becomes a denied one: t → p, n → m, v → u, and r and l → q. The
// rest is kept.
const (
	gcdMinLen = 10
	gcdMaxLen = 32
)

// gcdTypes are the categories of the four letters, in order.
var gcdTypes = [4]consent.Category{consent.Marketing, consent.Analytics, consent.Marketing, consent.Marketing}

// gcdDenied maps each letter to its denied counterpart (itself when
// already denied); 0 for characters that are not gcd letters.
var gcdDenied = [256]byte{
	'l': 'q', 'm': 'm', 'n': 'm', 'p': 'p', 'q': 'q', 'r': 'q', 't': 'p', 'u': 'u', 'v': 'u',
}

// lowerGCD appends gcd value v lowered to the decision (marketing for the
// three ad types, analytics for analytics_storage). It reports false, and
// appends nothing, when v is malformed: not 10 to 32 letters and digits,
// digits missing where the layout has them, or a consent position that
// does not hold one of the nine letters.
func lowerGCD(dst, v []byte, marketing, analytics bool) ([]byte, bool) {
	if len(v) < gcdMinLen || len(v) > gcdMaxLen {
		return dst, false
	}
	for i, c := range v {
		if !isLetter(c) && !isDigit(c) {
			return dst, false
		}
		if (i < 2 || i%2 == 1) && i < gcdMinLen && !isDigit(c) {
			return dst, false
		}
	}
	for i := range gcdTypes {
		if gcdDenied[v[2+2*i]] == 0 {
			return dst, false
		}
	}
	n := len(dst)
	dst = append(dst, v...)
	g := dst[n:]
	for i, c := range gcdTypes {
		if c == consent.Analytics && analytics || c == consent.Marketing && marketing {
			continue
		}
		g[2+2*i] = gcdDenied[g[2+2*i]]
	}
	return dst, true
}

// keepGPP reports whether a beacon's gpp and gpp_sid parameters (an IAB
// Global Privacy Platform string and its applicable section ids, which
// gtag.js adds when the page's CMP offers one) may be forwarded under the
// request's decision. See keepGPPUnder.
func (st *state) keepGPP(gpp, sid []byte) bool {
	return keepGPPUnder(gpp, sid, st.granted(consent.Functional), st.granted(consent.Analytics), st.granted(consent.Marketing))
}

// keepGPPUnder reports whether a GPP string may be forwarded under a
// decision granting the given categories. A GPP string cannot be lowered
// the way gcs and gcd are without re-encoding the CMP's record, so it is
// kept only when it can be read (consent.ReadGPP: every section known and
// intact, GPC sub-sections denying analytics and marketing) and grants
// nothing the decision denies; otherwise gpp and gpp_sid are both dropped,
// and gcs, gcd and npa carry the decision. A gpp_sid without a gpp is
// dropped too: it means nothing alone.
func keepGPPUnder(gpp, sid []byte, functional, analytics, marketing bool) bool {
	if len(gpp) == 0 {
		return false
	}
	s, ok := consent.ReadGPP(string(gpp), string(sid))
	return ok &&
		(functional || !s.Has(consent.Functional)) &&
		(analytics || !s.Has(consent.Analytics)) &&
		(marketing || !s.Has(consent.Marketing))
}
