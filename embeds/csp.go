package embeds

import (
	"sort"

	"github.com/caddy-privacy/caddy-privacy/consent"
)

// Needed reports whether any handled provider's category is not
// granted: when false, the response must not be touched.
func (r *Rewriter) Needed(granted consent.Set) bool {
	for i := range r.provs {
		if !granted.Has(r.provs[i].cat) {
			return true
		}
	}
	return false
}

// placeholders reports whether provider i's frames become placeholders
// (rather than nocookie or dnt frames) while it is not granted.
func (r *Rewriter) placeholders(i int) bool {
	return !(i == r.youtube && r.ytNocookie || i == r.vimeo && r.vimeoDNT)
}

// Sources returns the CSP source expressions frames and scripts may load
// from under granted.
//
// frame (frame-src): the frame origins of granted providers; while
// YouTube is not granted, https://www.youtube-nocookie.com (nocookie
// mode) and, for Vimeo in dnt mode, https://player.vimeo.com; and the
// frame origins of providers held behind placeholders, because a
// visitor's click on one loads that frame from there (no frame loads
// from them without the click: the rewriter removes them from the page).
//
// script (script-src): the script origins of granted providers, and
// ScriptHash whenever a placeholder may appear.
//
// The placeholder's <style> needs StyleHash in style-src (StyleSources).
func (r *Rewriter) Sources(granted consent.Set) (frame, script []string) {
	fs, ss := map[string]bool{}, map[string]bool{}
	hash := false
	for i := range r.provs {
		p := &r.provs[i]
		if granted.Has(p.cat) {
			for _, o := range p.frameOrigins {
				fs[o] = true
			}
			for _, o := range p.scriptOrigins {
				ss[o] = true
			}
			continue
		}
		switch {
		case i == r.youtube && r.ytNocookie:
			fs["https://www.youtube-nocookie.com"] = true
		case i == r.vimeo && r.vimeoDNT:
			fs["https://player.vimeo.com"] = true
		default:
			for _, o := range p.frameOrigins {
				fs[o] = true
			}
		}
		if r.placeholders(i) || i == r.youtube || i == r.vimeo {
			// nocookie and dnt frames that cannot be converted get a
			// placeholder too.
			hash = true
		}
	}
	if hash {
		ss[ScriptHash] = true
	}
	return sortedSet(fs), sortedSet(ss)
}

// StyleSources returns the CSP source expressions for style-src that
// the placeholders need under granted: StyleHash, or nothing when no
// placeholder can appear.
func (r *Rewriter) StyleSources(granted consent.Set) []string {
	if r.Needed(granted) {
		return []string{StyleHash}
	}
	return nil
}

// Blocked returns the origins (scheme://host, wildcards allowed) of
// providers not granted, for frame-src/script-src to exclude: their
// scripts are removed and their frames held back. A CSP built from
// Sources allows the frame origins of placeholder providers, for the
// click that loads one; leaving them out of frame-src as well makes
// that click load nothing.
func (r *Rewriter) Blocked(granted consent.Set) []string {
	set := map[string]bool{}
	for i := range r.provs {
		p := &r.provs[i]
		if granted.Has(p.cat) {
			continue
		}
		for _, o := range p.frameOrigins {
			set[o] = true
		}
		for _, o := range p.scriptOrigins {
			set[o] = true
		}
	}
	if !granted.Has(r.catOf(r.youtube)) && r.ytNocookie {
		delete(set, "https://www.youtube-nocookie.com")
	}
	if !granted.Has(r.catOf(r.vimeo)) && r.vimeoDNT {
		delete(set, "https://player.vimeo.com")
	}
	return sortedSet(set)
}

func (r *Rewriter) catOf(i int) consent.Category {
	if i < 0 {
		return consent.Necessary
	}
	return r.provs[i].cat
}

func sortedSet(m map[string]bool) []string {
	if len(m) == 0 {
		return nil
	}
	s := make([]string, 0, len(m))
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}
