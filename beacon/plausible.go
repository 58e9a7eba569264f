package beacon

var plausibleVendor = &vendor{
	name:     "plausible",
	paths:    []vendorPath{{path: "/api/event", postOnly: true}},
	schema:   plausibleSchema,
	sanitize: func(s *Sanitizer, st *state, _ endpoint) error { return s.sanitizeJSONEvent(st, plausibleSchema) },
	answer: func(_ *Input, _ endpoint, ok bool) Answer {
		if !ok {
			return jsonAnswer(400, `{"errors":{"request":"invalid event"}}`)
		}
		return Answer{Status: 202, ContentType: "text/plain; charset=utf-8", Body: []byte("ok")}
	},
}

// plausibleSchema is Plausible's POST /api/event, in the short names its
// script sends and the long ones its documentation uses.
var plausibleSchema = &jsonSchema{
	fields: map[string]*jsonField{
		"n": jText, "name": jText,
		"u": jURL, "url": jURL,
		"d": jtok(512), "domain": jtok(512),
		"r": jReferrer, "referrer": jReferrer,
		"w": jNum, "screen_width": jNum,
		"h": jf(aFlag), "hashMode": jf(aFlag), "hash_mode": jf(aFlag),
		"i": jBoolean, "interactive": jBoolean,
		"m": jf(aPropsJSON), "meta": jf(aPropsJSON), "p": jf(aPropsJSON), "props": jf(aPropsJSON),
		"$": jobj(revenueFields), "revenue": jobj(revenueFields),
	},
	required: []string{"n", "name"},
}

var revenueFields = map[string]*jsonField{"currency": jtok(8), "amount": jNum}

// props handles Plausible's custom properties: an object, or (from older
// scripts) a string holding the JSON of one, written back the same way.
// A string that is not a JSON object is dropped.
func (s *Sanitizer) props(st *state, w *jsonWriter, v *jvalue) bool {
	switch v.kind {
	case jObject:
		return s.freeText(st, w, v)
	case jString:
		inner, err := st.js.parse(v.str) // the outer tree stays as it was (see uaData)
		if err != nil || inner.kind != jObject {
			return false
		}
		iw := &jsonWriter{}
		s.freeText(st, iw, inner)
		w.string(iw.buf)
		return true
	case jNull:
		w.raw(literal(jNull))
		return true
	}
	return false
}
