// Package consent decides, for one request, which consent categories the
// visitor has granted, from Sec-GPC, DNT and a consent cookie.
//
// The default is strict and fails closed: no signal, or a signal that
// cannot be read, grants only Necessary. A consent cookie grants what the
// visitor chose; Sec-GPC: 1 and DNT: 1 then deny the categories the policy
// names for them (analytics and marketing by default; GPC always denies
// marketing), whatever the cookie says.
//
// Consent cookie formats and how they map to categories:
//
//	format     cookie             functional       analytics                  marketing
//	cookieyes  cookieyes-consent  functional       analytics and performance  advertisement
//	cookiebot  CookieConsent      preferences      statistics                 marketing
//	onetrust   OptanonConsent     C0003            C0002                      C0004 and C0005
//	tcf        euconsent-v2       purposes 1 5 6   purposes 1 8               purposes 1 2 3 4 7
//	gpp        __gpp              tcfeuv2 as tcf; US sections grant functional and analytics,
//	                              marketing unless an opt-out was used or lacked its notice
//	json, kv   consent            functional       analytics                  marketing
//
// A category mapped from several keys or purposes needs all of them. A
// CookieYes cookie grants nothing until the visitor has answered the
// banner (action:yes), a Cookiebot cookie nothing unless its consent method
// is 'explicit', a OneTrust cookie nothing while interactionCount is 0, and
// a TC string nothing without purpose 1 or with PurposeOneTreatment set.
// The readers' doc comments give the reasons and sources.
package consent

import "github.com/caddy-privacy/caddy-privacy/config"

// Category is a consent category. Necessary is always granted.
type Category uint8

// The categories, in increasing order of intrusiveness.
const (
	Necessary Category = iota
	Functional
	Analytics
	Marketing
	numCategories
)

// String returns the category's name as the policy spells it.
func (c Category) String() string {
	if c < numCategories {
		return config.Categories[c]
	}
	return "unknown"
}

// ParseCategory parses a category name as the policy spells it.
func ParseCategory(s string) (Category, bool) {
	for i, name := range config.Categories {
		if s == name {
			return Category(i), true
		}
	}
	return 0, false
}

// Set is a set of categories. The zero Set grants nothing; Decide always
// adds Necessary.
type Set uint8

// Only is the set that grants just Necessary: the strict default.
const Only = Set(1 << Necessary)

// All grants every category.
const All = Set(1<<numCategories - 1)

// With returns s with c added.
func (s Set) With(c Category) Set { return s | 1<<c }

// Without returns s with c removed; Necessary cannot be removed.
func (s Set) Without(c Category) Set {
	if c == Necessary {
		return s
	}
	return s &^ (1 << c)
}

// Has reports whether s grants c. Necessary is always granted.
func (s Set) Has(c Category) bool { return c == Necessary || s&(1<<c) != 0 }

// String lists the categories s grants, comma-separated in increasing order
// of intrusiveness, such as "necessary,analytics". Necessary is listed only
// when its bit is set, so the zero Set prints as "".
func (s Set) String() string {
	var b []byte
	for c := Necessary; c < numCategories; c++ {
		if s&(1<<c) == 0 {
			continue
		}
		if len(b) > 0 {
			b = append(b, ',')
		}
		b = append(b, c.String()...)
	}
	return string(b)
}
