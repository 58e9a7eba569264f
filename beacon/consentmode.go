package beacon

import "github.com/caddy-privacy/caddy-privacy/consent"

// gcs lowers a Google consent state, G1 followed by the ad_storage and
// analytics_storage digits, to the request's decision. A malformed one
// is replaced by the decision.
func (st *state) gcs(dst, v []byte) []byte {
	mkt, ana := st.granted(consent.Marketing), st.granted(consent.Analytics)
	if len(v) != 4 || v[0] != 'G' || v[1] != '1' || !gcsDigit(v[2]) || !gcsDigit(v[3]) {
		return append(dst, 'G', '1', digit(mkt), digit(ana))
	}
	ad, an := v[2], v[3]
	if !mkt {
		ad = '0'
	}
	if !ana {
		an = '0'
	}
	return append(dst, 'G', '1', ad, an)
}

func gcsDigit(c byte) bool { return c == '0' || c == '1' || c == '-' }

// gcd lowers Google's consent defaults and updates string: two
// characters, then a letter and a digit for each of ad_storage,
// analytics_storage, ad_user_data and ad_personalization, then flags.
// Letters that end granted (t, r, n, v) become their denied counterpart
// (p, q, m, u) where the decision denies the category; any other letter
// there (l, not set, which vendors treat as granted) becomes q. A
// malformed string is dropped; gcs still carries the decision.
func (st *state) gcd(dst, v []byte) ([]byte, bool) {
	if len(v) < 10 || len(v) > 32 {
		return dst, false
	}
	for _, c := range v {
		if !isLetter(c) && !isDigit(c) {
			return dst, false
		}
	}
	n := len(dst)
	dst = append(dst, v...)
	g := dst[n:]
	cats := [4]consent.Category{consent.Marketing, consent.Analytics, consent.Marketing, consent.Marketing}
	for i, c := range cats {
		pos := 2 + 2*i
		if !isLetter(g[pos]) {
			return dst[:n], false
		}
		if st.granted(c) {
			continue
		}
		switch g[pos] {
		case 'p', 'q', 'm', 'u':
		case 't':
			g[pos] = 'p'
		case 'n':
			g[pos] = 'm'
		case 'v':
			g[pos] = 'u'
		default: // r, l and anything unknown
			g[pos] = 'q'
		}
	}
	return dst, true
}
