package beacon

var umamiVendor = &vendor{
	name:    "umami",
	paths:   []vendorPath{{path: "/api/send", postOnly: true}},
	schema:  umamiSchema,
	userIDs: []string{"payload.id"},
	sanitize: func(s *Sanitizer, st *state, _ endpoint) error {
		return s.sanitizeJSONEvent(st, umamiSchema, umamiIdentifySchema)
	},
	answer: func(_ *Input, _ endpoint, ok bool) Answer {
		if !ok {
			return Answer{Status: 400, ContentType: "text/plain; charset=utf-8", Body: []byte("Bad Request")}
		}
		// What Umami answers when it records nothing (a bot).
		return jsonAnswer(200, `{"beep":"boop"}`)
	},
}

// umamiPayload is the payload of Umami's POST /api/send.
var umamiPayload = map[string]*jsonField{
	"website": jtok(64), "hostname": jtok(255), "language": jLanguage, "screen": jtok(16),
	"title": jText, "url": jURL, "referrer": jReferrer, "name": jText, "tag": jText,
	"data": jFree, "timestamp": jNum,
	"id": jIdent, "ip": jIP, "userAgent": jUserAgent,
}

var umamiSchema = &jsonSchema{
	fields: map[string]*jsonField{
		"type":    jtok(16),
		"payload": jobj(umamiPayload),
	},
	required: []string{"payload"},
}

// umamiIdentifySchema drops the session data an identify call attaches to
// the visitor: it is a profile of the person.
var umamiIdentifySchema = func() *jsonSchema {
	p := make(map[string]*jsonField, len(umamiPayload))
	for k, v := range umamiPayload {
		p[k] = v
	}
	p["data"] = jDrop
	return &jsonSchema{fields: map[string]*jsonField{"type": jtok(16), "payload": jobj(p)}, required: []string{"payload"}}
}()
