package beacon

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
