// Package consent decides, for one request, which consent categories the
// visitor has granted, from Sec-GPC, DNT and a consent cookie.
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
