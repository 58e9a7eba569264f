package beacon

import (
	"bytes"
	"fmt"
	"strings"
)

// genericVendor has no tables or paths of its own: Config.Fields and
// Config.Paths give them.
var genericVendor = &vendor{
	name:     "generic",
	sanitize: func(s *Sanitizer, st *state, _ endpoint) error { return s.sanitizeGeneric(st) },
	answer: func(_ *Input, _ endpoint, ok bool) Answer {
		if !ok {
			return answerBadRequest
		}
		return answerNoContent
	},
}

// genericRules are the generic vendor's field lists, compiled.
type genericRules struct {
	lists []genericList
	// roots are the configured names without a trailing "*", so that a
	// JSON walk descends into an object only when some field lies in it.
	roots []string
}

type genericList struct {
	names nameList
	act   action
}

// genericTables compiles Fields into a parameter table for queries and
// forms and rules for JSON.
func genericTables(f *Fields) (*paramTable, *jsonSchema, error) {
	lists := []struct {
		field string
		names []string
		act   action
	}{
		{"fields.keep", f.Keep, aKeep},
		{"fields.text", f.Text, aText},
		{"fields.url", f.URL, aURL},
		{"fields.referrer", f.Referrer, aReferrer},
		{"fields.pseudonym", f.Pseudonym, aPseudonym},
		{"fields.user_agent", f.UserAgent, aUserAgent},
		{"fields.ip", f.IP, aIP},
		{"fields.drop", f.Drop, aDrop},
	}
	t := &paramTable{exact: map[string]rule{}, ipInPlace: true}
	g := &genericRules{}
	seen := map[string]string{}
	total := 0
	for _, l := range lists {
		if err := checkNames(l.field, l.names); err != nil {
			return nil, nil, err
		}
		for _, n := range l.names {
			if prev, dup := seen[n]; dup {
				return nil, nil, fmt.Errorf("%s: %q is also in %s; a field takes one treatment", l.field, n, prev)
			}
			seen[n] = l.field
			total++
			r := rule{act: l.act, ident: l.act == aPseudonym}
			if p, ok := strings.CutSuffix(n, "*"); ok {
				t.prefixes = append(t.prefixes, prefixRule{prefix: p, rest: restAny, rule: r})
			} else {
				t.exact[n] = r
			}
			g.roots = append(g.roots, strings.TrimSuffix(n, "*"))
		}
		g.lists = append(g.lists, genericList{newNameList(l.names), l.act})
	}
	if total-len(f.Drop) == 0 {
		return nil, nil, fmt.Errorf("fields: no field is kept; list fields under keep, text, url, referrer, pseudonym, user_agent or ip")
	}
	if len(t.exact) > 255 {
		return nil, nil, fmt.Errorf("fields: %d exact names; at most 255", len(t.exact))
	}
	// Prefixes are matched longest first, so "a.b*" wins over "a*".
	for i := 1; i < len(t.prefixes); i++ {
		for j := i; j > 0 && len(t.prefixes[j].prefix) > len(t.prefixes[j-1].prefix); j-- {
			t.prefixes[j], t.prefixes[j-1] = t.prefixes[j-1], t.prefixes[j]
		}
	}
	return newTable(t), &jsonSchema{generic: g}, nil
}

// lookup returns the action for a dotted path: an exact name first, then
// the longest prefix.
func (g *genericRules) lookup(path []byte) (action, bool) {
	for _, l := range g.lists {
		if l.names.exact[string(path)] {
			return l.act, true
		}
	}
	best, bestLen, found := aDrop, -1, false
	for _, l := range g.lists {
		for _, p := range l.names.prefixes {
			if len(p) > bestLen && bytes.HasPrefix(path, []byte(p)) {
				best, bestLen, found = l.act, len(p), true
			}
		}
	}
	return best, found
}

// descends reports whether some configured field lies inside path.
func (g *genericRules) descends(path []byte) bool {
	for _, r := range g.roots {
		if len(r) > len(path) && strings.HasPrefix(r, string(path)) && r[len(path)] == '.' {
			return true
		}
	}
	return false
}

// sanitizeGeneric handles the generic vendor: a query, and a form or JSON
// body.
func (s *Sanitizer) sanitizeGeneric(st *state) error {
	in, out := st.in, st.out
	mt, err := mediaType(in.ContentType, "application/x-www-form-urlencoded", "text/plain", "application/json")
	if err != nil {
		return err
	}
	st.collectIDs(s.query, in.Query)
	body := bytes.TrimSpace(in.Body)
	isJSON := mt == "application/json" || len(body) > 0 && (body[0] == '{' || body[0] == '[')
	var root *jvalue
	if len(body) > 0 && isJSON {
		if root, err = st.js.parse(body); err != nil {
			return err
		}
		st.collectGenericIDs(root, nil)
	} else {
		st.collectIDs(s.query, body)
	}
	st.resetHit()
	out.Query = st.appendHit(out.Query, in.Query, s.query, false)
	out.Events = 1
	if len(body) == 0 {
		return nil
	}
	if !isJSON {
		st.resetHit()
		out.Body = st.appendHit(out.Body, body, s.query, false)
		out.ContentType = contentTypeOut(mt)
		if mt == "" {
			out.ContentType = "application/x-www-form-urlencoded;charset=UTF-8"
		}
		return nil
	}
	w := &jsonWriter{buf: out.Body[:0]}
	g := s.json.generic
	switch root.kind {
	case jObject:
		s.genericObject(st, w, g, root, nil)
	case jArray:
		if len(root.items) > s.maxEvents {
			return errorf(Oversized, "%d events; the limit is %d", len(root.items), s.maxEvents)
		}
		w.openArray()
		for i := range root.items {
			if root.items[i].kind != jObject {
				return errorf(Malformed, "body: element %d of the array is not an object", i)
			}
			s.genericObject(st, w, g, &root.items[i], nil)
		}
		w.closeArray()
		out.Events = len(root.items)
	default:
		return errorf(Malformed, "body: JSON is neither an object nor an array of objects")
	}
	out.Body = w.buf
	out.ContentType = jsonContentType(mt)
	return nil
}

func (st *state) collectGenericIDs(v *jvalue, path []byte) {
	g := st.s.json.generic
	switch v.kind {
	case jArray:
		for i := range v.items {
			st.collectGenericIDs(&v.items[i], path)
		}
	case jObject:
		for i := range v.members {
			m := &v.members[i]
			p := joinPath(path, m.key)
			if act, ok := g.lookup(p); ok {
				if act == aPseudonym && (m.val.kind == jString || m.val.kind == jNumber) {
					st.addID(m.val.str)
				}
				continue
			}
			st.collectGenericIDs(&m.val, p)
		}
	}
}

func joinPath(path, key []byte) []byte {
	if len(path) == 0 {
		return key
	}
	p := make([]byte, 0, len(path)+1+len(key))
	return append(append(append(p, path...), '.'), key...)
}

// genericObject writes the members of obj that the field lists name.
func (s *Sanitizer) genericObject(st *state, w *jsonWriter, g *genericRules, obj *jvalue, path []byte) {
	w.openObject()
	for i := range obj.members {
		m := &obj.members[i]
		p := joinPath(path, m.key)
		if s.drop.match(p) {
			continue
		}
		act, ok := g.lookup(p)
		if !ok && s.allow.match(p) {
			act, ok = aText, true
		}
		mark := w.mark()
		w.keyBytes(m.key)
		switch {
		case ok && act != aDrop:
			f := &jsonField{act: act}
			if act == aText && (m.val.kind == jObject || m.val.kind == jArray) {
				f.act = aFreeText
			}
			if s.applyValue(st, w, &m.val, f, p) {
				continue
			}
		case !ok && g.descends(p):
			if s.genericContainer(st, w, g, &m.val, p) {
				continue
			}
		}
		w.rewind(mark)
	}
	w.closeObject()
}

// genericContainer writes an object or array on the way to named fields.
func (s *Sanitizer) genericContainer(st *state, w *jsonWriter, g *genericRules, v *jvalue, path []byte) bool {
	switch v.kind {
	case jObject:
		s.genericObject(st, w, g, v, path)
		return true
	case jArray:
		w.openArray()
		for i := range v.items {
			if v.items[i].kind == jObject {
				s.genericObject(st, w, g, &v.items[i], path)
			}
		}
		w.closeArray()
		return true
	}
	return false
}
