package beacon

import (
	"strings"
)

// PostHog's endpoints.
const (
	epPostHogEvents endpoint = iota
	epPostHogFlags
	epPostHogConfig   // /array/<token>/config: JSON
	epPostHogConfigJS // /array/<token>/config.js: a script
	epPostHogRecording
)

// posthogVendor is posthog-js. Events go to /e/ (also /i/v0/e/, /batch/,
// /capture/), gzip-compressed by default; feature flags to /flags/ and
// the older /decide/; the remote configuration to /array/<token>/config
// and config.js. Session recordings (/s/) are answered locally and never
// forwarded: they are the page's DOM and the visitor's input, which no
// field rule can de-identify.
var posthogVendor = &vendor{
	name: "posthog",
	paths: []vendorPath{
		{path: "/e/"}, {path: "/e"}, {path: "/i/v0/e/"}, {path: "/i/v0/e"},
		{path: "/batch/"}, {path: "/batch"}, {path: "/capture/"}, {path: "/capture"},
		{path: "/track/"}, {path: "/engage/"},
		{path: "/flags/", kind: epPostHogFlags, use: useConsented}, {path: "/flags", kind: epPostHogFlags, use: useConsented},
		{path: "/decide/", kind: epPostHogFlags, use: useConsented}, {path: "/decide", kind: epPostHogFlags, use: useConsented},
		{path: "/array/*/config", kind: epPostHogConfig, use: useConsented},
		{path: "/array/*/config.js", kind: epPostHogConfigJS, use: useConsented},
		{path: "/s/", kind: epPostHogRecording, use: useLocal}, {path: "/s", kind: epPostHogRecording, use: useLocal},
	},
	table:    posthogQuery,
	schema:   &jsonSchema{fields: posthogEvent},
	userIDs:  []string{"$user_id", "$set", "$set_once", "person_properties", "properties.$user_id", "properties.$set", "properties.$set_once"},
	sanitize: (*Sanitizer).sanitizePostHog,
	answer:   posthogAnswer,
}

// posthogQuery is the query posthog-js adds. compression goes: the body
// is sent on uncompressed.
var posthogQuery = newTable(&paramTable{
	exact: map[string]rule{
		"ver": tokN(32), "_": num, "v": num, "ip": flag, "retry_count": num, "beacon": flag,
		"config": tokN(8), "compression": drop,
	},
})

// posthogLinkEvents only join the visitor to the site's user id, another
// id or a group, and update profiles, which never leave (identify(),
// alias(), group()).
var posthogLinkEvents = map[string]bool{"$identify": true, "$create_alias": true, "$groupidentify": true}

// posthogID is a PostHog id (UUIDv7 form), pseudonymised in the same form;
// posthogEventID one that each event or page view has its own of.
var (
	posthogID      = &jsonField{act: aPseudonym, pf: pfUUID, ident: true}
	posthogEventID = &jsonField{act: aPseudonym, pf: pfUUID, ident: true, eventID: true}
)

// posthog-js writes "$direct" for a visit without a referrer.
var (
	posthogReferrer = &jsonField{act: aReferrer, literals: []string{"$direct"}}
	posthogDomain   = &jsonField{act: aText, literals: []string{"$direct"}}
)

// posthogProperties are an event's properties: posthog-js's own, then the
// site's (other), as free text with identifier-named fields dropped.
var posthogProperties = &jsonField{act: aObject, other: jFree, fields: map[string]*jsonField{
	// Ids. distinct_id is the visitor's id, or after identify() the
	// site's user id: it becomes the pseudonym of the device id.
	"distinct_id":       {act: aPseudonym, pf: pfUUID, ident: true, from: "$device_id"},
	"$device_id":        posthogID,
	"$session_id":       posthogID,
	"$window_id":        posthogID,
	"$pageview_id":      posthogEventID,
	"$prev_pageview_id": posthogEventID,
	"$insert_id":        {act: aPseudonym, pf: pfRaw, ident: true, eventID: true},
	"$user_id":          jIdent,
	"$anon_distinct_id": jIdent,
	"$set":              jIdent,
	"$set_once":         jIdent,
	"$groups":           jIdent,
	"$ip":               jIP,
	"token":             jtok(128),

	// Page and referrer.
	"$current_url": jURL, "$pathname": jURL, "$host": jText,
	"$referrer": posthogReferrer, "$referring_domain": posthogDomain,
	"$session_entry_url": jURL, "$session_entry_pathname": jURL, "$session_entry_host": jText,
	"$session_entry_referrer": posthogReferrer, "$session_entry_referring_domain": posthogDomain,
	"$prev_pageview_pathname": jURL, "title": jText,

	// Device and library.
	"$raw_user_agent": jUserAgent, "$os": jText, "$os_version": jf(aMajor), "$browser": jText,
	"$browser_version": jNum, "$device_type": jText, "$device": jText,
	"$browser_language": jLanguage, "$browser_language_prefix": jtok(8),
	"$timezone": jtok(64), "$timezone_offset": jNum,
	"$screen_height": jNum, "$screen_width": jNum, "$viewport_height": jNum, "$viewport_width": jNum,
	"$lib": jtok(32), "$lib_version": jtok(32), "$lib_custom_api_host": jDrop,
	"$sdk_dist_channel": jtok(32), "$config_defaults": jtok(32), "$recording_status": jtok(32),
	"$is_identified": jBoolean, "$process_person_profile": jBoolean,
	"$time": jNum, "$initialization_time": jtok(64), "$configured_session_timeout_ms": jNum,
	"$lib_rate_limit_remaining_tokens": jNum, "$sdk_debug_retry_queue_size": jNum,
	"$sdk_debug_extensions_init_method": jtok(32), "$sdk_debug_extensions_init_time_ms": jNum,
	"$event_type": jtok(32), "$pageview_id_source": jtok(32),
	"$prev_pageview_duration": jNum, "$prev_pageview_last_scroll": jNum, "$prev_pageview_last_scroll_percentage": jNum,
	"$prev_pageview_max_scroll": jNum, "$prev_pageview_max_scroll_percentage": jNum,
	"$prev_pageview_last_content": jNum, "$prev_pageview_last_content_percentage": jNum,
	"$prev_pageview_max_content": jNum, "$prev_pageview_max_content_percentage": jNum,
}}

// posthogEvent is one event of a batch, or a single event.
var posthogEvent = map[string]*jsonField{
	"uuid":       posthogEventID,
	"event":      jText,
	"properties": posthogProperties,
	"timestamp":  jtok(64),
	"offset":     jNum,
	"$set":       jIdent,
	"$set_once":  jIdent,
	// Top-level forms of the ids, in older clients.
	"distinct_id": {act: aPseudonym, pf: pfUUID, ident: true},
	"api_key":     jtok(128),
	"token":       jtok(128),
}

// posthogBatch is the envelope of a batch.
var posthogBatch = map[string]*jsonField{
	"api_key": jtok(128),
	"sent_at": jtok(64),
	"batch":   jDrop, // handled by sanitizePostHog
}

// posthogFlags is a /flags/ or /decide/ request: the ids the flags are
// computed for, pseudonymised as on events. The person's properties and
// groups go: they are a profile.
var posthogFlags = map[string]*jsonField{
	"token":             jtok(128),
	"api_key":           jtok(128),
	"distinct_id":       {act: aPseudonym, pf: pfUUID, ident: true, from: "$device_id"},
	"$device_id":        posthogID,
	"$anon_distinct_id": jIdent,
	"person_properties": jIdent,
	"groups":            jIdent,
	"group_properties":  jIdent,
	"timezone":          jtok(64),
	"sent_at":           jtok(64),
	"disable_flags":     jBoolean,
}

// sanitizePostHog handles posthog-js: events (one, a list, or a batch
// envelope), flag requests and the remote configuration.
func (s *Sanitizer) sanitizePostHog(st *state, ep endpoint) error {
	in, out := st.in, st.out
	out.Events = 1
	st.collectIDs(posthogQuery, in.Query)
	st.resetHit()
	out.Query = st.appendHit(out.Query, in.Query, posthogQuery, false)
	if ep == epPostHogConfig || ep == epPostHogConfigJS {
		if len(in.Body) > 0 {
			return errorf(Malformed, "body: the remote configuration takes none")
		}
		return nil
	}
	body, err := DecodePostHog(st.body[:0], in.Query, in.ContentType, in.Body, in.maxBody(), maxCompressionRatio)
	st.body = body
	if err != nil {
		return err
	}
	root, err := st.js.parse(body)
	if err != nil {
		return err
	}
	w := &jsonWriter{buf: out.Body[:0]}
	out.ContentType = "application/json"
	if ep == epPostHogFlags {
		if root.kind != jObject {
			return errorf(Malformed, "body: not a JSON object")
		}
		st.collectJSONIDs(root, posthogFlags)
		s.applyObject(st, w, root, posthogFlags, nil)
		out.Body = w.buf
		return nil
	}
	var events []jvalue
	switch {
	case root.kind == jArray:
		events = root.items
	case root.kind == jObject && root.member("batch") != nil:
		b := root.member("batch")
		if b.kind != jArray {
			return errorf(Malformed, "body: batch is not an array")
		}
		events = b.items
	case root.kind == jObject:
		events = []jvalue{*root}
	default:
		return errorf(Malformed, "body: neither an event, a list of events nor a batch")
	}
	if len(events) > s.maxEvents {
		return errorf(Oversized, "%d events; the limit is %d", len(events), s.maxEvents)
	}
	for i := range events {
		e := &events[i]
		if e.kind != jObject || e.member("event") == nil {
			return errorf(Malformed, "body: event %d is not an object with an event name", i)
		}
		st.collectJSONIDs(e, posthogEvent)
	}
	writeEvents := func() {
		w.openArray()
		out.Events = 0
		for i := range events {
			if ev := events[i].member("event"); ev.kind == jString && posthogLinkEvents[string(ev.str)] {
				continue
			}
			s.applyObject(st, w, &events[i], posthogEvent, nil)
			out.Events++
		}
		w.closeArray()
	}
	if root.kind != jObject || root.member("batch") == nil {
		writeEvents()
		out.Body = w.buf
		return nil
	}
	w.openObject()
	w.key("batch")
	writeEvents()
	s.writeListed(st, w, root, posthogBatch)
	w.closeObject()
	out.Body = w.buf
	return nil
}

// posthogAnswer is what PostHog answers. Without consent, flags are all
// off and the remote configuration turns off what needs the vendor
// (recordings, surveys, autocapture of exceptions), so the SDK carries on
// without retrying.
func posthogAnswer(in *Input, ep endpoint, ok bool) Answer {
	if !ok {
		return jsonAnswer(400, `{"type":"validation_error","code":"invalid_payload","detail":"Malformed request data"}`)
	}
	switch ep {
	case epPostHogFlags:
		return jsonAnswer(200, `{"flags":{},"featureFlags":{},"featureFlagPayloads":{},"errorsWhileComputingFlags":false,`+
			`"sessionRecording":false,"supportedCompression":["gzip","gzip-js"],"config":{"enable_collect_everything":false}}`)
	case epPostHogConfig:
		return jsonAnswer(200, posthogConfig(in.Path))
	case epPostHogConfigJS:
		var b strings.Builder
		b.WriteString(`(function(){window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{};window._POSTHOG_REMOTE_CONFIG[`)
		b.WriteString(`"` + posthogToken(in.Path) + `"]={config:`)
		b.WriteString(posthogConfig(in.Path))
		b.WriteString(`,siteApps:[]}})();`)
		return Answer{Status: 200, ContentType: "application/javascript", Body: []byte(b.String())}
	}
	return jsonAnswer(200, `{"status":1}`)
}

// posthogConfig is a remote configuration with every feature that talks
// to PostHog off.
func posthogConfig(path string) string {
	return `{"token":"` + posthogToken(path) + `","supportedCompression":["gzip","gzip-js"],"hasFeatureFlags":false,` +
		`"captureDeadClicks":false,"capturePerformance":false,"autocapture_opt_out":true,"autocaptureExceptions":false,` +
		`"analytics":{"endpoint":"/e/"},"elementsChainAsString":true,"sessionRecording":false,"heatmaps":false,"surveys":false,"defaultIdentifiedOnly":true}`
}

// posthogToken is the project token in /array/<token>/config[.js], which
// the path pattern has limited to letters, digits, '_' and '-'.
func posthogToken(path string) string {
	i := strings.Index(path, "/array/")
	if i < 0 {
		return ""
	}
	t, _, _ := strings.Cut(path[i+len("/array/"):], "/")
	return t
}
