package beacon

import (
	"bytes"
	"encoding/base64"
)

// Mixpanel's endpoints.
const (
	epMixpanelTrack endpoint = iota
	epMixpanelProfile
	epMixpanelRecord
)

// mixpanelVendor is Mixpanel's ingestion API as mixpanel-browser 2.x sends
// it with api_host pointed at the site: api_host + "/track/" and the
// like, the events as data=<base64 JSON> (api_payload_format "base64", the
// default for a host that is not mixpanel.com) or data=<JSON> ("json"),
// POSTed as a form (text/plain under sendBeacon) or, without XHR, in a
// GET query.
//
// People (/engage) and group (/groups) profiles are stored under the
// distinct id, which after identify() is the user id: a profile is a
// record of the person, and one kept under a rotating pseudonym would be
// a new empty profile every day. They are answered locally and never
// forwarded. So are session replays (/record), rrweb recordings of the
// page the gateway cannot de-identify.
var mixpanelVendor = &vendor{
	name: "mixpanel",
	paths: []vendorPath{
		{path: "/track/"}, {path: "/track"},
		{path: "/engage/", kind: epMixpanelProfile, use: useLocal}, {path: "/engage", kind: epMixpanelProfile, use: useLocal},
		{path: "/groups/", kind: epMixpanelProfile, use: useLocal}, {path: "/groups", kind: epMixpanelProfile, use: useLocal},
		{path: "/record/", kind: epMixpanelRecord, use: useLocal}, {path: "/record", kind: epMixpanelRecord, use: useLocal},
	},
	table: mixpanelQuery,
	userIDs: []string{
		"properties.$user_id", "properties.$anon_distinct_id", "properties.$distinct_id_before_identity",
	},
	sanitize: func(s *Sanitizer, st *state, _ endpoint) error { return s.sanitizeMixpanel(st) },
	answer:   mixpanelAnswer,
}

// mixpanelAnswer gives what Mixpanel answers: 1 or, with verbose=1,
// {"status":1,"error":null}; 0 or {"status":0,…} for a malformed request,
// with 400, which the SDK drops without retrying (it retries only 5xx,
// 429 and network errors). An img=1 request gets the GIF. Session
// replay uploads read a JSON body.
func mixpanelAnswer(in *Input, ep endpoint, ok bool) Answer {
	if queryValue(in.Query, "img") == "1" {
		return Answer{Status: 200, ContentType: "image/gif", Body: transparentGIF}
	}
	verbose := queryValue(in.Query, "verbose") == "1" || ep == epMixpanelRecord
	switch {
	case ok && verbose:
		return jsonAnswer(200, `{"status":1,"error":null}`)
	case ok:
		return Answer{Status: 200, ContentType: "text/plain; charset=utf-8", Body: []byte("1")}
	case verbose:
		return jsonAnswer(400, `{"status":0,"error":"data, missing or empty"}`)
	}
	return Answer{Status: 400, ContentType: "text/plain; charset=utf-8", Body: []byte("0")}
}

// mixpanelQuery is the query of a /track request. ip is decided by
// sanitizeMixpanel, data is the payload.
var mixpanelQuery = newTable(&paramTable{exact: map[string]rule{
	"verbose": {act: aFlag},
	"img":     {act: aFlag},
	"test":    {act: aFlag},
	"_":       {act: aNumber},
	"ip":      {act: aDrop},
	"data":    {act: aDrop},
	// callback (JSONP, for browsers without XHR) is dropped.
}})

// mixpanelProps are an event's properties (mixpanelProperties writes
// them); others are free text. Of an event, only event (text) and
// properties are kept.
var mixpanelProps = map[string]*jsonField{
	"token":                        jtok(64), // the project token, public
	"time":                         jNum,
	"$insert_id":                   {act: aPseudonym, pf: pfHex16, ident: true}, // Mixpanel wants [0-9A-Za-z-]{1,36}
	"$device_id":                   {act: aPseudonym, pf: pfRaw, ident: true},
	"distinct_id":                  jf(aKeep), // rewritten by mixpanelProperties
	"$user_id":                     jIdent,
	"$anon_distinct_id":            jIdent,
	"$distinct_id_before_identity": jIdent,
	"$mp_replay_id":                jIdent, // replays are not forwarded
	"mp_lib":                       jtok(32),
	"$lib_version":                 jtok(32),
	"mp_sent_by_lib_version":       jtok(32),
	"$os":                          jText,
	"$browser":                     jText,
	"$browser_version":             jNum,
	"$device":                      jText,
	"$screen_height":               jNum,
	"$screen_width":                jNum,
	"$current_url":                 jURL,
	"current_url_path":             jURL,
	"current_url_search":           jURL,
	"current_url_protocol":         jtok(8),
	"current_domain":               jText,
	"current_page_title":           jText,
	"$referrer":                    jReferrer,
	"$initial_referrer":            jReferrer,
	"$referring_domain":            jText,
	"$initial_referring_domain":    jText,
	"$search_engine":               jtok(64),
	"mp_keyword":                   jText,
	"$mp_autocapture":              jBoolean,
	"$duration":                    jNum,
	// Dropped, where unlisted properties are free text: the device model
	// and a location the page may have set.
	"$model":                     jDrop,
	"$city":                      jDrop,
	"$region":                    jDrop,
	"mp_country_code":            jDrop,
	"$had_persisted_distinct_id": jDrop,
}

// mixpanelLinkEvents join a device's events to a user id or another
// distinct id; with the ids pseudonymised or dropped they would link
// nothing, so they are not forwarded.
var mixpanelLinkEvents = map[string]bool{"$identify": true, "$create_alias": true, "$merge": true}

// sanitizeMixpanel handles /track: data from the form body (POST) or the
// query (GET), decoded from base64 or taken as JSON, each event
// sanitised, written back in the encoding it came in.
//
// distinct_id is the device's ($device:<id>) until identify() makes it
// the user id. It is written as $device:<pseudonym of $device_id>, the
// value Mixpanel's ID merge gives an anonymous device, so a device's
// events hang together under the day's key whether or not the user had
// logged in; without a $device_id, only a $device: distinct id is
// pseudonymised and any other dropped, as it may be the user id.
//
// Mixpanel geolocates from the request's address when the query says
// ip=1, and from an ip property when there is one: with a stand-in, the
// query says ip=1 and each event gets ip=<stand-in>; without one, or when
// the site turned geolocation off (ip=0), the query says ip=0.
func (s *Sanitizer) sanitizeMixpanel(st *state) error {
	in, out := st.in, st.out
	var mt string
	form := in.Query
	inQuery := len(in.Body) == 0
	if !inQuery {
		var err error
		if mt, err = mediaType(in.ContentType, "application/x-www-form-urlencoded", "text/plain"); err != nil {
			return err
		}
		form = in.Body
	}
	data, _, err := formParam(nil, form, "data")
	if err != nil {
		return err
	}
	if len(data) == 0 {
		return errorf(Malformed, "no data parameter")
	}
	doc, wasBase64, err := decodeMixpanelData(data)
	if err != nil {
		return err
	}
	root, err := st.js.parse(doc)
	if err != nil {
		return err
	}
	var events []jvalue
	switch root.kind {
	case jArray:
		events = root.items
	case jObject:
		events = []jvalue{*root}
	default:
		return errorf(Malformed, "data: not an event or an array of events")
	}
	if len(events) > s.maxEvents {
		return errorf(Oversized, "%d events; the limit is %d", len(events), s.maxEvents)
	}
	for i := range events {
		if events[i].kind != jObject {
			return errorf(Malformed, "data[%d] is not an object", i)
		}
	}
	mixpanelIDs(st, events)
	geo := queryValue(in.Query, "ip") != "0" && s.StandInFor(in).IsValid()

	w := &jsonWriter{}
	w.openArray()
	for i := range events {
		ev := &events[i]
		if e := ev.member("event"); e != nil && e.kind == jString && mixpanelLinkEvents[string(e.str)] {
			continue
		}
		w.openObject()
		for j := range ev.members {
			m := &ev.members[j]
			switch string(m.key) {
			case "event":
				mark := w.mark()
				w.key("event")
				if !s.applyValue(st, w, &m.val, jText, m.key) {
					w.rewind(mark)
				}
			case "properties":
				if m.val.kind == jObject {
					w.key("properties")
					s.mixpanelProperties(st, w, &m.val, geo)
				}
			}
		}
		w.closeObject()
		out.Events++
	}
	w.closeArray()
	if out.Events == 0 {
		return errorf(Local, "no event left to forward")
	}

	// The query's parameters, then the payload where it came from.
	st.resetHit()
	q := st.appendHit(out.Query, in.Query, s.query, false)
	q = append(sep(q, 0), "ip="...)
	q = append(q, digit(geo))
	payload := w.buf
	if wasBase64 {
		payload = base64.StdEncoding.AppendEncode(nil, w.buf)
	}
	if inQuery {
		q = append(sep(q, 0), "data="...)
		q = appendEscaped(q, payload)
	} else {
		out.Body = appendEscaped(append(out.Body[:0], "data="...), payload)
		out.ContentType = contentTypeOut(mt)
		if mt == "" {
			out.ContentType = "application/x-www-form-urlencoded;charset=UTF-8"
		}
	}
	out.Query = q
	return nil
}

// mixpanelProperties writes an event's properties.
func (s *Sanitizer) mixpanelProperties(st *state, w *jsonWriter, props *jvalue, geo bool) {
	var device []byte
	if d := props.member("$device_id"); d != nil && d.kind == jString && len(d.str) > 0 {
		device = d.str
	}
	w.openObject()
	path := make([]byte, 0, 64)
	for i := range props.members {
		m := &props.members[i]
		path = append(append(path[:0], "properties."...), m.key...)
		if s.drop.match(path) {
			continue
		}
		key := string(m.key)
		switch key {
		case "distinct_id":
			id := device
			if id == nil && m.val.kind == jString && bytes.HasPrefix(m.val.str, []byte("$device:")) && len(m.val.str) > len("$device:") {
				id = m.val.str[len("$device:"):]
			}
			if id == nil {
				continue // may be the user id
			}
			w.key("distinct_id")
			w.string(st.pseudonym(append(st.res[:0], "$device:"...), pfRaw, id))
			continue
		case "ip":
			continue // added below
		case "$referrer", "$initial_referrer", "$referring_domain", "$initial_referring_domain":
			// The SDK's word for no referrer.
			if m.val.kind == jString && string(m.val.str) == "$direct" {
				w.keyBytes(m.key)
				w.string(m.val.str)
				continue
			}
		}
		f := mixpanelProps[key]
		if f == nil {
			if isIdentifyingName(m.key) {
				continue
			}
			f = jFree
		}
		if f.act == aDrop {
			if s.allow.empty() || !s.allow.match(path) || s.v.isUserID(string(path)) || f.ident {
				continue
			}
			f = jFree
		}
		mark := w.mark()
		w.keyBytes(m.key)
		if !s.applyValue(st, w, &m.val, f, path) {
			w.rewind(mark)
		}
	}
	if geo {
		var buf [64]byte
		w.key("ip")
		w.string(s.StandInFor(st.in).AppendTo(buf[:0]))
	}
	w.closeObject()
}

// mixpanelIDs records the events' device, user and distinct ids
// ($insert_id is per event, see addID).
func mixpanelIDs(st *state, events []jvalue) {
	for i := range events {
		props := events[i].member("properties")
		if props == nil || props.kind != jObject {
			continue
		}
		for _, n := range []string{"$device_id", "$user_id", "distinct_id", "$anon_distinct_id"} {
			if v := props.member(n); v != nil && v.kind == jString {
				id, _ := bytes.CutPrefix(v.str, []byte("$device:"))
				st.addID(id)
			}
		}
	}
}

// decodeMixpanelData decodes the data parameter: JSON as it is, or
// base64 in the standard or URL alphabet, padded or not. A '+' that the
// form decoding made a space is put back.
func decodeMixpanelData(v []byte) (doc []byte, wasBase64 bool, err error) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && (v[0] == '[' || v[0] == '{') {
		return v, false, nil
	}
	b := bytes.ReplaceAll(v, []byte(" "), []byte("+"))
	b = bytes.TrimRight(b, "=")
	enc := base64.RawStdEncoding
	if bytes.ContainsAny(b, "-_") {
		enc = base64.RawURLEncoding
	}
	doc, err = enc.AppendDecode(nil, b)
	if err != nil {
		return nil, false, errorf(Malformed, "data: neither JSON nor base64")
	}
	return doc, true, nil
}

// queryValue returns the decoded value of a query parameter, or "" when
// it is absent, given twice or malformed.
func queryValue(q []byte, name string) string {
	v, _, err := formParam(nil, q, name)
	if err != nil {
		return ""
	}
	return string(v)
}
