package beacon

import (
	"bytes"
)

var matomoVendor = &vendor{
	name:     "matomo",
	paths:    []vendorPath{{path: "/matomo.php"}, {path: "/piwik.php"}},
	table:    matomoTable,
	schema:   matomoBulkSchema,
	userIDs:  []string{"uid", "cid", "token_auth"},
	sanitize: func(s *Sanitizer, st *state, _ endpoint) error { return s.sanitizeMatomo(st) },
	answer: func(in *Input, _ endpoint, ok bool) Answer {
		switch {
		case !ok:
			return Answer{Status: 400, ContentType: "text/plain; charset=utf-8", Body: []byte("Bad request\n")}
		case sendImage(in):
			return Answer{Status: 200, ContentType: "image/gif", Body: transparentGIF}
		}
		return answerNoContent
	},
}

// matomoTable is Matomo's tracking HTTP API (matomo.php, piwik.php).
var matomoTable = newTable(&paramTable{
	exact: map[string]rule{
		// Request.
		"idsite": num, "rec": flag, "r": tokN(32), "apiv": num, "send_image": flag, "ping": num,
		"ca": flag, "bots": flag, "new_visit": flag, "pv_id": tokN(16), "h": num, "m": num, "s": num,
		// Page and action.
		"url": {act: aURL}, "urlref": {act: aReferrer}, "action_name": text, "link": {act: aURL},
		"download": {act: aURL}, "search": text, "search_cat": text, "search_count": num,
		"e_c": text, "e_a": text, "e_n": text, "e_v": num,
		"c_n": text, "c_p": text, "c_t": {act: aURL}, "c_i": text,
		"idgoal": num, "revenue": num, "ec_id": text, "ec_items": text, "ec_st": num, "ec_tx": num,
		"ec_sh": num, "ec_dt": num, "cvar": text, "_cvar": text, "_rcn": text, "_rck": text,
		"gt_ms": num, "pf_net": num, "pf_srv": num, "pf_tfr": num, "pf_dm1": num, "pf_dm2": num,
		"pf_onl": num,
		// Media analytics.
		"ma_id": tokN(64), "ma_ti": text, "ma_re": {act: aURL}, "ma_mt": tokN(16), "ma_pn": tokN(32),
		"ma_st": num, "ma_le": num, "ma_ps": num, "ma_ttp": num, "ma_w": num, "ma_h": num,
		"ma_fs": flag, "ma_se": tokN(64),
		// Browser.
		"res": tokN(16), "cookie": flag, "fla": flag, "java": flag, "dir": flag, "qt": flag,
		"realp": flag, "pdf": flag, "wma": flag, "gears": flag, "ag": flag, "lang": {act: aLanguage},
		"ua": {act: aUserAgent}, "uadata": {act: aUAData},
		// Visitor.
		"_id":     {act: aPseudonym, pf: pfHex16, ident: true},
		"_idn":    flag,
		"uid":     ident,
		"cid":     ident,
		"_idts":   ident,
		"_viewts": ident,
		"_ects":   ident,
		"_idvc":   drop,
		// Parameters that need token_auth, which a browser must not hold,
		// and the token itself.
		"token_auth": ident, "cdt": drop, "country": drop, "region": drop, "city": drop,
		"lat": drop, "long": drop,
		// IP.
		"cip": {act: aIP},
	},
	prefixes: []prefixRule{
		{"dimension", restDigits, text},
	},
	required: []string{"idsite"},
	ipName:   "cip",
})

// sanitizeMatomo handles Matomo's GET and POST hits and its bulk JSON. A
// POST body is a form, merged with the query as PHP merges $_GET and
// $_POST, or, when it starts with '{', a bulk request:
// {"requests": ["?idsite=1&…", …], "send_image": 0}.
func (s *Sanitizer) sanitizeMatomo(st *state) error {
	in, out, t := st.in, st.out, s.query
	body := bytes.TrimSpace(in.Body)
	if len(body) > 0 && body[0] == '{' {
		return s.sanitizeMatomoBulk(st, body)
	}
	var mt string
	if len(body) > 0 {
		var err error
		if mt, err = mediaType(in.ContentType, "application/x-www-form-urlencoded", "text/plain"); err != nil {
			return err
		}
	}
	st.collectIDs(t, in.Query)
	st.collectIDs(t, body)
	st.resetHit()
	st.required = false
	out.Query = st.appendHit(out.Query, in.Query, t, len(body) == 0)
	if len(body) > 0 {
		// PHP would merge both; a parameter in both keeps the query's.
		out.Body = st.appendHit(out.Body, body, t, true)
		out.ContentType = contentTypeOut(mt)
		if mt == "" {
			out.ContentType = "application/x-www-form-urlencoded;charset=UTF-8"
		}
	}
	if !st.required {
		return errorf(Malformed, "no idsite parameter")
	}
	out.Events = 1
	return nil
}

// matomoBulkSchema is the bulk request's top level.
var matomoBulkSchema = &jsonSchema{fields: map[string]*jsonField{
	"requests":   {act: aDrop}, // handled by sanitizeMatomoBulk
	"send_image": {act: aNumber},
	"token_auth": {act: aDrop},
}}

func (s *Sanitizer) sanitizeMatomoBulk(st *state, body []byte) error {
	in, out, t := st.in, st.out, s.query
	if _, err := mediaType(in.ContentType, "application/json", "application/x-www-form-urlencoded", "text/plain"); err != nil {
		return err
	}
	js := &st.js
	root, err := js.parse(body)
	if err != nil {
		return err
	}
	if root.kind != jObject {
		return errorf(Malformed, "body: bulk request is not a JSON object")
	}
	reqs := root.member("requests")
	if reqs == nil || reqs.kind != jArray {
		return errorf(Malformed, "body: bulk request has no requests array")
	}
	if len(reqs.items) > s.maxEvents {
		return errorf(Oversized, "%d requests; the limit is %d", len(reqs.items), s.maxEvents)
	}
	st.collectIDs(t, in.Query)
	// Each request is a query string ("?idsite=1&…") or an object of
	// parameters; both are written as query strings.
	hits := make([][]byte, len(reqs.items))
	for i := range reqs.items {
		q, err := matomoRequestQuery(&reqs.items[i])
		if err != nil {
			return errorf(Malformed, "body: requests[%d] %s", i, err.Detail)
		}
		hits[i] = q
		st.collectIDs(t, q)
	}
	st.resetHit()
	out.Query = st.appendHit(out.Query, in.Query, t, false)
	w := &jsonWriter{buf: out.Body[:0]}
	w.openObject()
	w.key("requests")
	w.openArray()
	for i, q := range hits {
		st.resetHit()
		st.required = false
		st.hit = append(st.hit[:0], '?')
		st.hit = st.appendHit(st.hit, q, t, true)
		if !st.required {
			return errorf(Malformed, "body: requests[%d] has no idsite parameter", i)
		}
		w.string(st.hit)
	}
	w.closeArray()
	if v := root.member("send_image"); v != nil && v.kind == jNumber && (string(v.str) == "0" || string(v.str) == "1") {
		w.key("send_image")
		w.raw(v.str)
	}
	w.closeObject()
	out.Body = w.buf
	out.Events = len(hits)
	out.ContentType = "application/json"
	if len(hits) == 0 {
		return errorf(Malformed, "body: bulk request with no requests")
	}
	return nil
}

// matomoRequestQuery returns one bulk request as a query string.
func matomoRequestQuery(v *jvalue) ([]byte, *Error) {
	switch v.kind {
	case jString:
		q := v.str
		if len(q) > 0 && q[0] == '?' {
			q = q[1:]
		}
		return q, nil
	case jObject:
		var q []byte
		for _, m := range v.members {
			var val []byte
			switch m.val.kind {
			case jString, jNumber:
				val = m.val.str
			case jTrue:
				val = []byte("1")
			case jFalse:
				val = []byte("0")
			default:
				continue
			}
			if len(q) > 0 {
				q = append(q, '&')
			}
			q = appendEscaped(q, m.key)
			q = append(q, '=')
			q = appendEscaped(q, val)
		}
		return q, nil
	}
	return nil, errorf(Malformed, "is neither a query string nor an object")
}

// uaData generalises Matomo's uadata parameter, the JSON of
// navigator.userAgentData.getHighEntropyValues().
func (st *state) uaData(dst, v []byte) ([]byte, bool) {
	// The parser's arenas only grow until the beacon ends, so a tree
	// parsed before this one stays as it was.
	root, err := st.js.parse(v)
	if err != nil || root.kind != jObject {
		return dst, false
	}
	// Its own buffer: the fields are written through st.res.
	w := &jsonWriter{}
	st.s.applyObject(st, w, root, uaDataFields, nil)
	return append(dst, w.buf...), true
}
