package beacon

import "bytes"

// Shorthands for the tables.
var (
	tok   = rule{act: aToken}
	num   = rule{act: aNumber}
	flag  = rule{act: aFlag}
	text  = rule{act: aText}
	drop  = rule{act: aDrop}
	ident = rule{act: aDrop, ident: true}
)

func tokN(n uint16) rule { return rule{act: aToken, maxLen: n} }

// Google's endpoints: UA's /batch takes several hits.
const epUABatch endpoint = 1

// google-analytics.com answers its collection paths with success whatever
// it receives: 204 for GA4, the 1×1 GIF for Universal Analytics.
var ga4Vendor = &vendor{
	name:       "ga4",
	paths:      []vendorPath{{path: "/g/collect"}},
	table:      ga4Table,
	userIDs:    []string{"uid", "_fplc", "em"},
	cookieless: true,
	sanitize:   func(s *Sanitizer, st *state, ep endpoint) error { return s.sanitizeGoogle(st, ep, true) },
	answer:     func(*Input, endpoint, bool) Answer { return answerNoContent },
}

var uaVendor = &vendor{
	name: "ua",
	paths: []vendorPath{
		{path: "/collect"}, {path: "/j/collect"}, {path: "/r/collect"},
		{path: "/batch", kind: epUABatch, postOnly: true},
	},
	table:    uaTable,
	userIDs:  []string{"uid", "_fplc", "em"},
	sanitize: func(s *Sanitizer, st *state, ep endpoint) error { return s.sanitizeGoogle(st, ep, false) },
	answer: func(*Input, endpoint, bool) Answer {
		return Answer{Status: 200, ContentType: "image/gif", Body: transparentGIF}
	},
}

// ga4Table is GA4's /g/collect as gtag.js sends it. The README's table is
// written from it.
var ga4Table = newTable(&paramTable{
	exact: map[string]rule{
		// Protocol and tag.
		"v": tokN(8), "tid": tokN(32), "gtm": tokN(128), "_p": tokN(32), "tag_exp": tok,
		"gdid": tokN(128), "_eu": tokN(32), "_gaz": flag, "are": flag, "frm": flag,
		"pscdl": tokN(32), "_dbg": flag, "ir": flag, "richsstsse": tokN(8), "_s": num,
		"_et": num, "tfd": num, "_ee": tokN(8), "_c": tokN(8),
		// Session state, derived from the visitor's cookie.
		"_fv": tokN(8), "_nsi": tokN(8), "_ss": tokN(8), "seg": flag,
		"sct": {act: aNumber, user: true},
		// Browser and client hints.
		"ul": {act: aLanguage}, "sr": tokN(16), "uamb": flag, "uap": {act: aPlatform},
		"uapv": {act: aMajor}, "uafvl": {act: aBrandList},
		"uaa": drop, "uab": drop, "uam": drop, "uaw": drop,
		// Page and event.
		"dl": {act: aURL}, "dr": {act: aReferrer}, "dt": text, "en": text, "cu": tokN(8),
		"ur": tokN(8),
		// Identifiers.
		"cid":   {act: aPseudonym, pf: pfGAClient, ident: true},
		"sid":   {act: aPseudonym, pf: pfDecimal, ident: true},
		"uid":   ident,
		"_fplc": ident,
		"ecid":  ident,
		"em":    ident,
		"gclid": drop, "dclid": drop, "gclsrc": drop, "_gl": drop,
		// Consent.
		"gcs": {act: aGCS}, "gcd": {act: aGCD}, "npa": {act: aNPA}, "dma": flag,
		"gpp": {act: aGPP}, "gpp_sid": {act: aGPPSID},
		"dma_cps": tokN(16),
		// IP override.
		"_uip": {act: aIP}, "uip": {act: aIP},
	},
	prefixes: []prefixRule{
		{"ep.", restIdent, text},
		{"epn.", restIdent, num},
		{"up.", restIdent, rule{act: aText, user: true}},
		{"upn.", restIdent, rule{act: aNumber, user: true}},
		{"pr", restDigits, text},
	},
	required: []string{"tid"},
	ipName:   "_uip",
	consent:  true,
})

// uaTable is Universal Analytics' Measurement Protocol v1, as analytics.js
// sends it.
var uaTable = newTable(&paramTable{
	exact: map[string]rule{
		// Protocol and hit.
		"v": tokN(8), "tid": tokN(32), "t": tokN(16), "ds": tokN(32), "qt": num, "z": tokN(32),
		"_v": tokN(32), "_s": num, "_u": tokN(32), "a": num, "ni": flag, "gtm": tokN(128),
		"_r": flag, "_gaz": flag,
		// Browser.
		"je": flag, "fl": tokN(32), "de": tokN(16), "sd": tokN(16), "sr": tokN(16), "vp": tokN(16),
		"ul": {act: aLanguage}, "ua": {act: aUserAgent},
		// Page.
		"dl": {act: aURL}, "dp": {act: aURL}, "dh": tokN(255), "dr": {act: aReferrer},
		"dt": text, "cd": text, "linkid": text,
		// Events, timing, exceptions, social.
		"ec": text, "ea": text, "el": text, "ev": num,
		"utc": text, "utv": text, "utt": num, "utl": text,
		"plt": num, "dns": num, "pdt": num, "rrt": num, "tcp": num, "srt": num, "dit": num, "clt": num,
		"exd": text, "exf": flag, "sn": text, "sa": text, "st": text,
		// Campaign.
		"cn": text, "cs": text, "cm": text, "ck": text, "cc": text, "ci": text,
		// E-commerce.
		"ti": text, "ta": text, "tr": num, "ts": num, "tt": num, "tcc": text, "cu": tokN(8),
		"in": text, "ip": num, "iq": num, "ic": text, "iv": text,
		"pa": tokN(16), "pal": text, "cos": num, "col": text, "promoa": tokN(16),
		"xid": tokN(64), "xvar": tokN(64),
		// Identifiers.
		"cid":   {act: aPseudonym, pf: pfGAClient, ident: true},
		"uid":   ident,
		"_gid":  ident,
		"_fplc": ident,
		"jid":   ident,
		"gjid":  ident,
		"gclid": drop, "dclid": drop, "gclsrc": drop, "_gl": drop,
		// Consent.
		"gcs": {act: aGCS}, "gcd": {act: aGCD}, "npa": {act: aNPA},
		// IP.
		"uip": {act: aIP}, "aip": {act: aAIP},
	},
	prefixes: []prefixRule{
		{"cd", restDigits, text},
		{"cm", restDigits, num},
		{"cg", restDigits, text},
		{"pr", restAlnum, text},
		{"il", restAlnum, text},
		{"promo", restAlnum, text},
	},
	required: []string{"tid"},
	ipName:   "uip",
	aip:      true,
	consent:  true,
})

// sanitizeGoogle handles GA4 and Universal Analytics.
//
// GA4 (gtag.js) sends the parameters shared by a page's events in the
// query, and either one event in the query too or, in a POST body, one
// event per line. The added parameters (_uip, gcs, npa) go in the query.
//
// Universal Analytics sends one hit in the query (GET) or body (POST), or
// on /batch one complete hit per line; each hit gets its own additions.
func (s *Sanitizer) sanitizeGoogle(st *state, ep endpoint, ga4 bool) error {
	in, out, t := st.in, st.out, s.query
	var mt string
	if len(in.Body) > 0 {
		var err error
		if mt, err = mediaType(in.ContentType, "text/plain", "application/x-www-form-urlencoded"); err != nil {
			return err
		}
	}
	st.collectIDs(t, in.Query)
	if ga4 {
		// gpp and gpp_sid are judged together, whatever their order; a
		// gpp or gpp_sid anywhere in the beacon goes on only if it is the
		// pair judged here (aGPP, aGPPSID).
		st.gpp, _, _ = formParam(st.gpp, in.Query, "gpp")
		st.gppSID, _, _ = formParam(st.gppSID, in.Query, "gpp_sid")
		st.gppOK = st.keepGPP(st.gpp, st.gppSID)
	}
	for rest := in.Body; len(rest) > 0; {
		var line []byte
		line, rest = cutLine(rest)
		st.collectIDs(t, line)
	}

	batch := ga4 || ep == epUABatch
	st.resetHit()
	st.required = false
	out.Query = st.appendHit(out.Query, in.Query, t, ga4 || len(in.Body) == 0)
	queryRequired := st.required
	if !batch {
		// One UA hit, split between query and body.
		if len(in.Body) > 0 {
			body := bytes.TrimRight(in.Body, "\r\n")
			if bytes.IndexByte(body, '\n') >= 0 {
				return errorf(Malformed, "body: more than one hit outside /batch")
			}
			out.Body = st.appendHit(out.Body, body, t, true)
		}
		if !st.required {
			return errorf(Malformed, "no tid parameter")
		}
		out.Events = 1
		out.ContentType = contentTypeOut(mt)
		return nil
	}
	if ga4 && !queryRequired {
		return errorf(Malformed, "query: no tid parameter")
	}
	for rest := in.Body; len(rest) > 0; {
		var line []byte
		line, rest = cutLine(rest)
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		out.Events++
		if out.Events > s.maxEvents {
			return errorf(Oversized, "more than %d events", s.maxEvents)
		}
		st.resetHit()
		st.required = false
		n := len(out.Body)
		if n > 0 {
			out.Body = append(out.Body, '\r', '\n')
		}
		m := len(out.Body)
		out.Body = st.appendHit(out.Body, line, t, !ga4)
		if !ga4 && !st.required {
			return errorf(Malformed, "body: event %d has no tid parameter", out.Events)
		}
		if len(out.Body) == m {
			out.Body = out.Body[:n] // nothing of the event survived
		}
	}
	if out.Events == 0 {
		if !ga4 {
			return errorf(Malformed, "body: an empty batch")
		}
		out.Events = 1 // the event is in the query
	}
	out.ContentType = contentTypeOut(mt)
	return nil
}

// cutLine splits s after the first line, which loses its \n or \r\n.
func cutLine(s []byte) (line, rest []byte) {
	line, rest = cutByte(s, '\n')
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}
