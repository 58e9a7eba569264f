package beacon

import (
	"strconv"
)

// Amplitude's endpoints.
const (
	epAmplitudeUpload endpoint = iota
	epAmplitudeConfig
)

// amplitudeVendor is Amplitude's HTTP API v2 as @amplitude/analytics-browser
// 2.x sends it (serverUrl pointed at the site), and the SDK's remote
// configuration (remoteConfig.serverUrl pointed at the site's /config).
var amplitudeVendor = &vendor{
	name: "amplitude",
	paths: []vendorPath{
		{path: "/2/httpapi", postOnly: true},
		{path: "/batch", postOnly: true},
		// GET <remoteConfig.serverUrl>/<api key>?config_group=browser.
		{path: "/config/*", kind: epAmplitudeConfig, use: useConsented},
	},
	table:  amplitudeConfigTable,
	schema: amplitudeSchema,
	userIDs: []string{
		"events.user_id", "events.user_properties", "events.groups", "events.group_properties",
	},
	sanitize: (*Sanitizer).sanitizeAmplitude,
	answer:   amplitudeAnswer,
}

// amplitudeAnswer gives what Amplitude answers. The SDK reads the JSON
// body's code, not the HTTP status: a 2xx code fulfils the events; a 400
// naming a missing_field drops them, where any other 400 would have them
// retried.
func amplitudeAnswer(_ *Input, ep endpoint, ok bool) Answer {
	if ep == epAmplitudeConfig {
		if !ok {
			return jsonAnswer(400, `{"error":"invalid request"}`)
		}
		// No remote settings: the SDK keeps its local configuration.
		return jsonAnswer(200, `{"configs":{}}`)
	}
	if !ok {
		return jsonAnswer(400, `{"code":400,"error":"Invalid request body","missing_field":"events"}`)
	}
	return jsonAnswer(200, `{"code":200,"events_ingested":0,"payload_size_bytes":0,"server_upload_time":0}`)
}

// amplitudeConfigTable is the remote configuration request's query.
var amplitudeConfigTable = newTable(&paramTable{exact: map[string]rule{
	"config_group": {act: aToken, maxLen: 32},
}})

// amplitudePageProps are the URL and text members of Amplitude's
// autocapture properties; other event properties are free text.
var amplitudePageProps = map[string]*jsonField{
	"[Amplitude] Page Location":          jURL,
	"[Amplitude] Page URL":               jURL,
	"[Amplitude] Page Path":              jURL,
	"[Amplitude] Previous Page Location": jURL,
	"[Amplitude] Element Href":           jURL,
	"[Amplitude] URL":                    jURL,
	"[Amplitude] URL Query":              jURL,
	"[Amplitude] Filename":               jURL,
	"[Amplitude] Referrer":               jReferrer,
	"[Amplitude] Page Domain":            jText, // a host name, or an address
	"[Amplitude] Page Title":             jText,
	// The replay id is "<device_id>/<session_id>"; replays do not go
	// through the gateway, so it joins nothing.
	"[Amplitude] Session Replay ID": jIdent,
	// Network capture: headers and bodies carry cookies, tokens and form
	// contents.
	"[Amplitude] Request Headers":  jDrop,
	"[Amplitude] Request Body":     jDrop,
	"[Amplitude] Response Headers": jDrop,
	"[Amplitude] Response Body":    jDrop,
}

// amplitudeEvent is one event of the upload's events array.
var amplitudeEvent = map[string]*jsonField{
	"event_type": jText,
	"user_id":    jIdent,
	"device_id":  {act: aPseudonym, pf: pfRaw, ident: true},
	// session_id and time arrive rewritten by amplitudeEventValue: the
	// pseudonym of the session and the shifted time.
	"session_id": jNum,
	"time":       jNum,
	// insert_id is Amplitude's deduplication key; its pseudonym is as
	// stable as the id, so a retried upload still deduplicates.
	"insert_id": {act: aPseudonym, pf: pfRaw, ident: true},
	// event_id counts every event the browser has sent since the SDK
	// first ran (lastEventId lives in the AMP_ cookie for a year): it
	// would join the device's pseudonyms across key rotations.
	"event_id":           jDrop,
	"platform":           jtok(32),
	"os_name":            jText,
	"os_version":         jf(aMajor),
	"language":           jLanguage,
	"ip":                 jIP,
	"user_agent":         jUserAgent,
	"library":            jText,
	"app_version":        jtok(64),
	"version_name":       jtok(64),
	"event_properties":   {act: aObject, fields: amplitudePageProps, other: jFree},
	"user_properties":    jIdent,
	"groups":             jIdent,
	"group_properties":   jIdent,
	"partner_id":         jDrop,
	"price":              jNum,
	"quantity":           jNum,
	"revenue":            jNum,
	"productId":          jText,
	"revenueType":        jText,
	"currency":           jtok(8),
	"plan":               jobj(map[string]*jsonField{"branch": jText, "source": jText, "version": jtok(64), "versionId": jtok(64)}),
	"ingestion_metadata": jobj(map[string]*jsonField{"source_name": jText, "source_version": jtok(64)}),
	// Dropped: device_model, device_manufacturer, device_brand, carrier,
	// country, region, city, dma, location_lat, location_lng, idfa,
	// idfv, adid, android_id, extra.
}

var amplitudeSchema = &jsonSchema{
	fields: map[string]*jsonField{
		"api_key": jtok(64),
		"events":  jDrop, // handled by sanitizeAmplitude
		"options": jobj(map[string]*jsonField{"min_id_length": jNum}),
		// client_upload_time is dropped: against the shifted event times
		// it would give the shift, hence the session id, back.
		// request_metadata (the SDK's own diagnostics) is dropped.
	},
	required: []string{"events"},
}

// amplitudeProfileEvents update the user's or a group's profile and carry
// nothing else; with user_properties gone they would be empty, so they
// are not forwarded.
var amplitudeProfileEvents = map[string]bool{"$identify": true, "$groupidentify": true}

// sanitizeAmplitude handles an upload (POST /2/httpapi or /batch) and the
// remote configuration request.
//
// The session id is the time the session began, in milliseconds, and the
// SDK stamps session_start with exactly that time: a pseudonymised
// session_id next to the raw times would give the id back. So every time
// of a session is moved forward by the same keyed offset of 1 to 999 ms
// (drawn from the key and the session id, so all batches of a session
// agree and order within it is kept), and client_upload_time, which
// against the moved times would give the offset away, is dropped. The
// vendor can still place a session's start by when its first batch
// arrives, within the flush delay and network jitter; what it no longer
// has is the exact value that the AMP_ cookie, a session replay or the
// site's own logs hold, to join on.
func (s *Sanitizer) sanitizeAmplitude(st *state, ep endpoint) error {
	in, out := st.in, st.out
	if ep == epAmplitudeConfig {
		if len(in.Body) > 0 {
			return errorf(Malformed, "remote configuration request with a body")
		}
		st.resetHit()
		out.Query = st.appendHit(out.Query, in.Query, s.query, false)
		return nil
	}
	root, mt, err := st.parseJSONObject()
	if err != nil {
		return err
	}
	events := root.member("events")
	if events == nil || events.kind != jArray {
		return errorf(Malformed, "body: events is not an array")
	}
	if len(events.items) > s.maxEvents {
		return errorf(Oversized, "%d events; the limit is %d", len(events.items), s.maxEvents)
	}
	for i := range events.items {
		ev := &events.items[i]
		if ev.kind != jObject {
			return errorf(Malformed, "body: events[%d] is not an object", i)
		}
	}
	amplitudeIDs(st, events)
	w := &jsonWriter{buf: out.Body[:0]}
	w.openObject()
	w.key("events")
	w.openArray()
	for i := range events.items {
		ev := &events.items[i]
		if t := ev.member("event_type"); t != nil && t.kind == jString && amplitudeProfileEvents[string(t.str)] {
			continue
		}
		rewritten := s.amplitudeEventValue(st, ev)
		s.applyValue(st, w, &rewritten, &jsonField{act: aObject, fields: amplitudeEvent}, []byte("events"))
		out.Events++
	}
	w.closeArray()
	s.writeListed(st, w, root, amplitudeSchema.fields)
	w.closeObject()
	if out.Events == 0 {
		// Only profile updates: nothing to send, and the SDK must not
		// retry them.
		return errorf(Local, "no event left to forward")
	}
	out.Body = w.buf
	out.ContentType = jsonContentType(mt)
	return nil
}

// amplitudeIDs records the batch's device, user and session ids (insert
// ids are per event, see addID).
func amplitudeIDs(st *state, events *jvalue) {
	for i := range events.items {
		for _, n := range []string{"device_id", "user_id", "session_id"} {
			if v := events.items[i].member(n); v != nil && (v.kind == jString || v.kind == jNumber) && string(v.str) != "-1" {
				st.addID(v.str)
			}
		}
	}
}

// amplitudeEventValue returns a copy of ev with session_id replaced by its
// pseudonym, time shifted by the session's offset, an ip member for the
// stand-in added when there is none. Numbers equal to a session id
// elsewhere are nulled where numbers are written (see applyValue).
func (s *Sanitizer) amplitudeEventValue(st *state, ev *jvalue) jvalue {
	var sid int64 // 0: none, -1: no session
	if v := ev.member("session_id"); v != nil && v.kind == jNumber {
		if n, ok := parseMillis(v.str); ok && n > 0 {
			sid = n
		} else if string(v.str) == "-1" {
			sid = -1
		}
	}
	out := jvalue{kind: jObject, members: make([]jmember, 0, len(ev.members)+1)}
	hasIP := false
	for _, m := range ev.members {
		switch string(m.key) {
		case "session_id":
			switch {
			case sid > 0:
				m.val = jvalue{kind: jNumber, str: amplitudeSession(st, m.val.str)}
			case sid == -1:
				// Amplitude's "no session": nothing to hide.
			default:
				continue // not a session id Amplitude accepts
			}
		case "time":
			t, ok := parseMillis(m.val.str)
			if m.val.kind != jNumber || !ok {
				continue
			}
			if sid > 0 {
				t += s.amplitudeOffset(st, sid)
				if t == sid {
					// An event stamped before its session began: its
					// time would be the id itself.
					continue
				}
			}
			m.val = jvalue{kind: jNumber, str: strconv.AppendInt(nil, t, 10)}
		case "ip":
			hasIP = true
		}
		out.members = append(out.members, m)
	}
	if !hasIP {
		// Amplitude would otherwise take the address the upload came
		// from; the stand-in is what the gateway tells it.
		out.members = append(out.members, jmember{key: []byte("ip"), val: jvalue{kind: jString}})
	}
	return out
}

// amplitudeSession is the pseudonym of a session id in the form Amplitude
// documents for one, a start time in milliseconds: thirteen digits, a
// time between 2001 and 2033 that is not the session's.
func amplitudeSession(st *state, sid []byte) []byte {
	h, _ := strconv.ParseUint(string(st.pseudonym(nil, pfHex16, sid)), 16, 64)
	return strconv.AppendUint(nil, 1e12+h%1e12, 10)
}

// amplitudeOffset is the session's keyed time offset, 1 to 999 ms. It is
// drawn from a pseudonym of its own, which the output never shows.
func (s *Sanitizer) amplitudeOffset(st *state, sid int64) int64 {
	var in [24]byte
	b := append(in[:0], "offset:"...)
	b = strconv.AppendInt(b, sid, 10)
	p := st.pseudonym(nil, pfDecimal, b)
	n, _ := strconv.ParseInt(string(p), 10, 64)
	return 1 + n%999
}

// parseMillis parses a JSON number that is a whole number of
// milliseconds.
func parseMillis(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}
