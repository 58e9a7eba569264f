package beacon

import (
	"strings"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// Segment's endpoints.
const (
	epSegmentMessage endpoint = iota
	epSegmentBatch
)

var segmentVendor = &vendor{
	name: "segment",
	paths: []vendorPath{
		{path: "/v1/t", postOnly: true}, {path: "/v1/track", postOnly: true},
		{path: "/v1/p", postOnly: true}, {path: "/v1/page", postOnly: true},
		{path: "/v1/i", postOnly: true}, {path: "/v1/identify", postOnly: true},
		{path: "/v1/batch", kind: epSegmentBatch, postOnly: true},
		// analytics-next's batching delivery strategy.
		{path: "/v1/b", kind: epSegmentBatch, postOnly: true},
		// Its own usage metrics, and group and alias calls, which join
		// the visitor's ids to a company's or another id: answered
		// here, never forwarded.
		{path: "/v1/m", postOnly: true, use: useLocal},
		{path: "/v1/g", postOnly: true, use: useLocal}, {path: "/v1/group", postOnly: true, use: useLocal},
		{path: "/v1/a", postOnly: true, use: useLocal}, {path: "/v1/alias", postOnly: true, use: useLocal},
	},
	schema:   segmentSchema,
	userIDs:  []string{"userId", "traits", "traits.email", "context.traits", "previousId"},
	sanitize: (*Sanitizer).sanitizeSegment,
	answer: func(_ *Input, _ endpoint, ok bool) Answer {
		if !ok {
			return jsonAnswer(400, `{"success":false,"message":"invalid request"}`)
		}
		return jsonAnswer(200, `{"success":true}`)
	},
}

var segmentPage = map[string]*jsonField{
	"path": jURL, "referrer": jReferrer, "search": jURL, "title": jText, "url": jURL,
}

var segmentContext = map[string]*jsonField{
	"ip":            jIP,
	"userAgent":     jUserAgent,
	"userAgentData": jobj(uaDataFields),
	"library":       jobj(map[string]*jsonField{"name": jText, "version": jtok(32)}),
	"page":          jobj(segmentPage),
	"locale":        jLanguage,
	"timezone":      jText,
	"screen": jobj(map[string]*jsonField{
		"width": jNum, "height": jNum, "density": jNum, "innerWidth": jNum, "innerHeight": jNum,
	}),
	"campaign": jobj(map[string]*jsonField{
		"name": jText, "source": jText, "medium": jText, "term": jText, "content": jText,
	}),
	"os":      jobj(map[string]*jsonField{"name": jText, "version": jf(aMajor)}),
	"app":     jobj(map[string]*jsonField{"name": jText, "version": jtok(32), "build": jtok(32), "namespace": jtok(128)}),
	"consent": jobj(map[string]*jsonField{"categoryPreferences": jf(aCategoryPrefs)}),
	"traits":  jIdent,
	// Dropped: device (advertising and device ids), network, location,
	// groupId, instanceId and sessionId.
}

var segmentProperties = &jsonField{act: aObject, fields: segmentPage, other: jFree}

var segmentMessage = map[string]*jsonField{
	"type":        jtok(16),
	"anonymousId": {act: aPseudonym, pf: pfRaw, ident: true},
	"userId":      jIdent,
	"previousId":  jIdent,
	"groupId":     jIdent,
	"traits":      jIdent,
	// analytics-next draws messageId and anonymousId from one random
	// buffer, a byte apart: the raw messageId would give anonymousId
	// back. Its pseudonym is as stable as the id, so retries still
	// deduplicate.
	"messageId":         {act: aPseudonym, pf: pfRaw, ident: true, eventID: true},
	"timestamp":         jtok(64),
	"sentAt":            jtok(64),
	"originalTimestamp": jtok(64),
	"event":             jText,
	"name":              jText,
	"category":          jText,
	"properties":        segmentProperties,
	"context":           jobj(segmentContext),
	"integrations":      {act: aObject, fields: map[string]*jsonField{}, other: jBoolean},
	"writeKey":          jtok(128),
	"_metadata":         jFree,
}

var segmentSchema = &jsonSchema{fields: segmentMessage}

var segmentBatchSchema = &jsonSchema{
	fields: map[string]*jsonField{
		"batch":        jDrop, // handled by sanitizeSegment
		"sentAt":       jtok(64),
		"writeKey":     jtok(128),
		"context":      jobj(segmentContext),
		"integrations": {act: aObject, fields: map[string]*jsonField{}, other: jBoolean},
		"_metadata":    jFree,
	},
	required: []string{"batch"},
}

// segmentTypes are the message types forwarded; alias and group, which
// join ids and profiles, are dropped from batches.
var segmentTypes = map[string]bool{"track": true, "page": true, "screen": true, "identify": true}

// sanitizeSegment handles Segment's single calls and batches.
func (s *Sanitizer) sanitizeSegment(st *state, ep endpoint) error {
	out := st.out
	root, mt, err := st.parseJSONObject()
	if err != nil {
		return err
	}
	w := &jsonWriter{buf: out.Body[:0]}
	out.ContentType = jsonContentType(mt)
	if ep != epSegmentBatch {
		st.collectJSONIDs(root, segmentMessage)
		s.applyObject(st, w, root, segmentMessage, nil)
		out.Body = w.buf
		out.Events = 1
		return nil
	}
	batch := root.member("batch")
	if batch == nil || batch.kind != jArray {
		return errorf(Malformed, "body: batch is not an array")
	}
	if len(batch.items) > s.maxEvents {
		return errorf(Oversized, "%d messages; the limit is %d", len(batch.items), s.maxEvents)
	}
	for i := range batch.items {
		if m := &batch.items[i]; m.kind == jObject {
			st.collectJSONIDs(m, segmentMessage)
		}
	}
	w.openObject()
	w.key("batch")
	w.openArray()
	for i := range batch.items {
		m := &batch.items[i]
		if m.kind != jObject {
			return errorf(Malformed, "body: batch[%d] is not an object", i)
		}
		t := m.member("type")
		if t == nil || t.kind != jString || !segmentTypes[string(t.str)] {
			continue // alias, group, or not a message
		}
		s.applyValue(st, w, m, &jsonField{act: aObject, fields: segmentMessage}, nil)
		out.Events++
	}
	w.closeArray()
	// The batch's other members, written after it.
	s.writeListed(st, w, root, segmentBatchSchema.fields)
	w.closeObject()
	out.Body = w.buf
	return nil
}

// categoryPrefs lowers Segment's consent.categoryPreferences to the
// decision: a category the site names is mapped to ours by its name, and
// a true is kept only if the request grants that category. Names that
// match none count as marketing, the strictest.
func (s *Sanitizer) categoryPrefs(st *state, w *jsonWriter, v *jvalue) bool {
	if v.kind != jObject {
		return false
	}
	w.openObject()
	for i := range v.members {
		m := &v.members[i]
		if m.val.kind != jTrue && m.val.kind != jFalse {
			continue
		}
		if len(m.key) > 64 || !isToken(m.key, 64) && !isPlainName(m.key) {
			continue
		}
		val := m.val.kind
		if val == jTrue && !st.granted(categoryOf(string(m.key))) {
			val = jFalse
		}
		w.keyBytes(m.key)
		w.raw(literal(val))
	}
	w.closeObject()
	return true
}

func isPlainName(b []byte) bool {
	for _, c := range b {
		if !isLetter(c) && !isDigit(c) && c != ' ' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// categoryOf maps a consent-manager category name to ours.
func categoryOf(name string) consent.Category {
	n := strings.ToLower(name)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(n, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("necessary", "essential", "strict", "required"):
		return consent.Necessary
	case has("advert", "marketing", "target", "ads", "social", "sale"):
		return consent.Marketing
	case has("analytic", "performance", "statistic", "measure"):
		return consent.Analytics
	case has("function", "preference", "personaliz", "personalis"):
		return consent.Functional
	}
	return consent.Marketing
}
