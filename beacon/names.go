package beacon

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// nameList is a list of names, each exact or a prefix ending in "*".
type nameList struct {
	exact    map[string]bool
	prefixes []string
}

func newNameList(names []string) nameList {
	var l nameList
	for _, n := range names {
		if p, ok := strings.CutSuffix(n, "*"); ok {
			l.prefixes = append(l.prefixes, p)
			continue
		}
		if l.exact == nil {
			l.exact = map[string]bool{}
		}
		l.exact[n] = true
	}
	return l
}

func (l nameList) match(name []byte) bool {
	if l.exact[string(name)] {
		return true
	}
	for _, p := range l.prefixes {
		if bytes.HasPrefix(name, []byte(p)) {
			return true
		}
	}
	return false
}

func (l nameList) empty() bool { return len(l.exact) == 0 && len(l.prefixes) == 0 }

func checkNames(field string, names []string) error {
	for i, n := range names {
		// Spaces and brackets are allowed: JSON keys such as Amplitude's
		// "[Amplitude] Page Location" hold them.
		if strings.TrimSpace(strings.TrimSuffix(n, "*")) == "" || strings.ContainsAny(n, "&=#?\t\r\n") || strings.Count(n, "*") > 1 ||
			strings.Contains(strings.TrimSuffix(n, "*"), "*") || !utf8.ValidString(n) {
			return fmt.Errorf("%s[%d]: %q is not a parameter name or dotted field (a prefix ends in \"*\")", field, i, n)
		}
	}
	return nil
}

// identifyingNames are names of custom parameters and free-form fields
// that hold identifiers, compared in lower case with everything but
// letters and digits removed (so user_id, userId and User-ID match
// "userid").
var identifyingNames = map[string]bool{
	"userid": true, "uid": true, "user": true, "username": true, "customerid": true, "visitorid": true,
	"anonymousid": true, "anonid": true, "distinctid": true, "accountid": true, "personid": true, "memberid": true,
	"externalid": true, "clientid": true, "cid": true, "sessionid": true, "sid": true, "deviceid": true,
	"advertisingid": true, "idfa": true, "idfv": true, "gaid": true, "adid": true,
	"email": true, "emailaddress": true, "mail": true, "phone": true, "phonenumber": true, "telephone": true,
	"mobile": true, "ip": true, "ipaddress": true, "password": true, "passwd": true, "token": true,
	"accesstoken": true, "authtoken": true, "gclid": true, "fbclid": true, "msclkid": true, "fbp": true, "fbc": true,
}

// isIdentifyingName reports whether a parameter or field name, or its
// last dotted component (ep.user_id), names an identifier.
func isIdentifyingName(name []byte) bool {
	if i := bytes.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	var buf [32]byte
	n := 0
	for _, c := range name {
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case isLetter(c) || isDigit(c):
		default:
			continue
		}
		if n == len(buf) {
			return false
		}
		buf[n] = c
		n++
	}
	return identifyingNames[string(buf[:n])]
}
