package beacon

import (
	"bytes"
	"strings"
)

// JSON-only actions.
const (
	aObject        action = iota + 100 // an object, by its fields
	aArray                             // an array, each element by elem
	aBool                              // true or false
	aBrand                             // a client-hint brand name
	aCategoryPrefs                     // Segment's consent.categoryPreferences
	aPropsJSON                         // Plausible props: an object, or a string holding one
)

// jsonField says what happens to one JSON member.
type jsonField struct {
	act   action
	pf    pseudoFormat
	ident bool
	// eventID marks an identifier each event has its own of (a uuid, a
	// message or insert id): pseudonymised, but not searched for in
	// free text (see addID).
	eventID bool
	max     uint16
	// from names a sibling member whose value is used instead, when it
	// is a non-empty string: PostHog's distinct_id is pseudonymised
	// from $device_id, so that an identified user's id never leaves.
	from string
	// literals are strings kept as they are, such as "$direct".
	literals []string
	fields   map[string]*jsonField // aObject
	other    *jsonField            // aObject: members not in fields
	elem     *jsonField            // aArray
}

// jsonSchema is a vendor's JSON document.
type jsonSchema struct {
	fields map[string]*jsonField
	// required are top-level members at least one of which must be
	// present.
	required []string
	// generic holds the generic vendor's field lists instead.
	generic *genericRules
}

func jf(a action) *jsonField { return &jsonField{act: a} }

func jtok(n uint16) *jsonField { return &jsonField{act: aToken, max: n} }

func jobj(f map[string]*jsonField) *jsonField { return &jsonField{act: aObject, fields: f} }

var (
	jText      = jf(aText)
	jURL       = jf(aURL)
	jReferrer  = jf(aReferrer)
	jNum       = jf(aNumber)
	jBoolean   = jf(aBool)
	jDrop      = jf(aDrop)
	jFree      = jf(aFreeText)
	jIdent     = &jsonField{act: aDrop, ident: true}
	jUserAgent = jf(aUserAgent)
	jLanguage  = jf(aLanguage)
	jIP        = jf(aIP)
)

// uaDataFields are navigator.userAgentData and its high-entropy values:
// brands keep their major versions, the platform its major version, and
// the model, architecture, bitness and full versions are dropped.
var uaDataFields = map[string]*jsonField{
	"brands":          {act: aArray, elem: jobj(brandFields)},
	"fullVersionList": {act: aArray, elem: jobj(brandFields)},
	"mobile":          jBoolean,
	"platform":        jf(aPlatform),
	"platformVersion": jf(aMajor),
}

var brandFields = map[string]*jsonField{
	"brand":   jf(aBrand),
	"version": jf(aMajor),
}

// parseJSONObject parses the request body, which must be a JSON object
// sent as JSON or text, and returns it with the body's media type.
func (st *state) parseJSONObject() (root *jvalue, mediaTyp string, err error) {
	mt, err := mediaType(st.in.ContentType, "application/json", "text/plain")
	if err != nil {
		return nil, "", err
	}
	if root, err = st.js.parse(st.in.Body); err != nil {
		return nil, "", err
	}
	if root.kind != jObject {
		return nil, "", errorf(Malformed, "body: not a JSON object")
	}
	return root, mt, nil
}

// writeListed writes the members of obj that fields lists and does not
// drop, each by its rule; a member whose value writes nothing is left out.
func (s *Sanitizer) writeListed(st *state, w *jsonWriter, obj *jvalue, fields map[string]*jsonField) {
	for i := range obj.members {
		m := &obj.members[i]
		f := fields[string(m.key)]
		if f == nil || f.act == aDrop || s.drop.match(m.key) {
			continue
		}
		mark := w.mark()
		w.keyBytes(m.key)
		if !s.applyValue(st, w, &m.val, f, m.key) {
			w.rewind(mark)
		}
	}
}

// sanitizeJSONEvent handles a beacon of one JSON event, such as
// Plausible's and Umami's. An identify call (type "identify") follows
// identify[0] when it is given.
func (s *Sanitizer) sanitizeJSONEvent(st *state, schema *jsonSchema, identify ...*jsonSchema) error {
	out := st.out
	root, mt, err := st.parseJSONObject()
	if err != nil {
		return err
	}
	if len(identify) > 0 {
		if t := root.member("type"); t != nil && t.kind == jString && string(t.str) == "identify" {
			schema = identify[0]
		}
	}
	if err := checkRequired(root, schema); err != nil {
		return err
	}
	st.collectJSONIDs(root, schema.fields)
	w := &jsonWriter{buf: out.Body[:0]}
	s.applyObject(st, w, root, schema.fields, nil)
	out.Body = w.buf
	out.Events = 1
	out.ContentType = jsonContentType(mt)
	return nil
}

func jsonContentType(mt string) string {
	if mt == "" {
		return "application/json"
	}
	return contentTypeOut(mt)
}

func checkRequired(root *jvalue, schema *jsonSchema) error {
	if len(schema.required) == 0 {
		return nil
	}
	for _, r := range schema.required {
		if root.member(r) != nil {
			return nil
		}
	}
	return errorf(Malformed, "body: no %s member", strings.Join(schema.required, " or "))
}

// collectJSONIDs records the identifying values of a document.
func (st *state) collectJSONIDs(v *jvalue, fields map[string]*jsonField) {
	if v.kind != jObject {
		return
	}
	for i := range v.members {
		m := &v.members[i]
		f := fields[string(m.key)]
		if f == nil {
			continue
		}
		switch {
		case f.eventID:
		case f.ident && (m.val.kind == jString || m.val.kind == jNumber):
			st.addID(m.val.str)
		case f.act == aObject && f.fields != nil:
			st.collectJSONIDs(&m.val, f.fields)
		}
	}
}

// applyObject writes obj's members that the schema knows, each as its
// field says. path is the dotted path of obj, for Allow and Drop.
func (s *Sanitizer) applyObject(st *state, w *jsonWriter, obj *jvalue, fields map[string]*jsonField, path []byte) bool {
	return s.applyObjectWith(st, w, obj, fields, nil, path)
}

func (s *Sanitizer) applyObjectWith(st *state, w *jsonWriter, obj *jvalue, fields map[string]*jsonField, other *jsonField, path []byte) bool {
	if obj.kind != jObject {
		return false
	}
	w.openObject()
	var freeKeys [][]byte
	for i := range obj.members {
		m := &obj.members[i]
		p := m.key
		if len(path) > 0 {
			// The member's path, built in st.path. path may be a
			// prefix of st.path itself: nested calls only write past
			// the paths they are given, so it is still intact here.
			st.path = append(append(append(st.path[:0], path...), '.'), m.key...)
			p = st.path
		}
		f := fields[string(m.key)]
		if f == nil {
			if isIdentifyingName(m.key) {
				// A field the schema does not list, named for an
				// identifier (properties.user_id), is one whatever its
				// value looks like; Allow cannot bring it back.
				continue
			}
			f = other
		}
		if f == nil || f.act == aDrop {
			// Allow brings back any field but the user ids.
			if s.allow.empty() || !s.allow.match(p) || s.v.isUserID(string(p)) || f != nil && f.ident {
				continue
			}
			f = jFree
		}
		if s.drop.match(p) {
			continue
		}
		v := &m.val
		if f.from != "" {
			if sib := obj.member(f.from); sib != nil && sib.kind == jString && len(sib.str) > 0 {
				v = sib
			}
		}
		key := m.key
		if fields[string(m.key)] == nil {
			// A name the schema does not list is the site's, and may
			// itself be an e-mail or an id: written as free text.
			var ok bool
			if key, ok = st.freeKey(&freeKeys, m.key); !ok {
				continue
			}
		}
		mark := w.mark()
		w.keyBytes(key)
		if !s.applyValue(st, w, v, f, p) {
			w.rewind(mark)
		}
	}
	w.closeObject()
	return true
}

// applyValue writes v as f says, and returns false, having written
// nothing, when v is to be dropped.
func (s *Sanitizer) applyValue(st *state, w *jsonWriter, v *jvalue, f *jsonField, path []byte) bool {
	switch f.act {
	case aObject:
		return s.applyObjectWith(st, w, v, f.fields, f.other, path)
	case aArray:
		if v.kind != jArray {
			return false
		}
		w.openArray()
		for i := range v.items {
			mark := w.mark()
			if !s.applyValue(st, w, &v.items[i], f.elem, path) {
				w.rewind(mark)
			}
		}
		w.closeArray()
		return true
	case aFreeText:
		return s.freeText(st, w, v)
	case aPropsJSON:
		return s.props(st, w, v)
	case aCategoryPrefs:
		return s.categoryPrefs(st, w, v)
	case aBool:
		if v.kind == jTrue || v.kind == jFalse {
			w.raw(literal(v.kind))
			return true
		}
		return false
	case aBrand:
		if v.kind != jString || len(v.str) == 0 || len(v.str) > 64 {
			return false
		}
		for _, c := range v.str {
			if c < 0x20 || c > 0x7e {
				return false
			}
		}
		w.string(v.str)
		return true
	case aIP:
		a := s.StandInFor(st.in)
		if !a.IsValid() {
			return false
		}
		var buf [64]byte
		w.string(a.AppendTo(buf[:0]))
		return true
	}
	if v.kind == jString {
		for _, l := range f.literals {
			if string(v.str) == l {
				w.string(v.str)
				return true
			}
		}
	}
	// Scalars, through the query-format rules.
	switch v.kind {
	case jNull:
		if f.act == aText || f.act == aReferrer || f.act == aURL || f.act == aKeep {
			w.raw(literal(jNull))
			return true
		}
		return false
	case jTrue, jFalse:
		switch f.act {
		case aFlag, aText, aKeep:
			w.raw(literal(v.kind))
			return true
		}
		return false
	case jNumber:
		switch f.act {
		case aNumber, aText, aToken, aKeep:
			writeNumber(st, w, v.str)
			return true
		case aFlag:
			if string(v.str) == "0" || string(v.str) == "1" {
				w.raw(v.str)
				return true
			}
			return false
		case aPseudonym:
			// A number used as an id stays a number, so the vendor
			// still accepts it.
			st.res = st.pseudonym(st.res[:0], pfDecimal, v.str)
			w.raw(st.res)
			return true
		default:
			return false
		}
	case jString:
	default:
		return false
	}
	r := rule{act: f.act, pf: f.pf, maxLen: f.max}
	res, keep := st.value(st.res[:0], r, v.str)
	st.res = res
	if !keep {
		return false
	}
	// A number sent as a string stays a string.
	w.string(res)
	return true
}

// writeNumber writes a number, or null when it is one of the beacon's
// identifiers (a session id copied into a property): free text has such
// strings redacted, and a number cannot hold "[redacted]".
func writeNumber(st *state, w *jsonWriter, n []byte) {
	if st.hasID(n) {
		w.raw(literal(jNull))
		return
	}
	w.raw(n)
}

func literal(k jsonKind) []byte {
	switch k {
	case jTrue:
		return []byte("true")
	case jFalse:
		return []byte("false")
	}
	return []byte("null")
}

// freeKey returns an object key as free text is written (through the
// detectors and the beacon's ids), and false when an earlier key of the
// same object, in written, came out the same. A key that redaction leaves
// as it is is not copied.
func (st *state) freeKey(written *[][]byte, key []byte) ([]byte, bool) {
	st.keyBuf = st.text(st.keyBuf[:0], key)
	k := key
	if string(st.keyBuf) != string(key) {
		k = bytes.Clone(st.keyBuf)
	}
	for _, prev := range *written {
		if string(prev) == string(k) {
			return nil, false
		}
	}
	*written = append(*written, k)
	return k, true
}

// freeText writes a value of any shape with every string and key run
// through the detectors. Keys that become equal after redaction keep only
// the first.
func (s *Sanitizer) freeText(st *state, w *jsonWriter, v *jvalue) bool {
	switch v.kind {
	case jNull, jTrue, jFalse:
		w.raw(literal(v.kind))
	case jNumber:
		writeNumber(st, w, v.str)
	case jString:
		st.res = st.text(st.res[:0], v.str)
		w.string(st.res)
	case jArray:
		w.openArray()
		for i := range v.items {
			s.freeText(st, w, &v.items[i])
		}
		w.closeArray()
	case jObject:
		w.openObject()
		var keys [][]byte
		for i := range v.members {
			m := &v.members[i]
			if isIdentifyingName(m.key) {
				continue
			}
			if k, ok := st.freeKey(&keys, m.key); ok {
				w.keyBytes(k)
				s.freeText(st, w, &m.val)
			}
		}
		w.closeObject()
	}
	return true
}
