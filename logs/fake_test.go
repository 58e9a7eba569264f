package logs

import (
	"bytes"
	"fmt"
	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/redact"
	"hash/fnv"
	"net/netip"
	"regexp"
	"strings"
	"testing"
)

// fakeEngine stands in for redact.Redactor: every parseable address
// becomes "GB", dotted quads and emails in text become tags.
type fakeEngine struct{}

// findQuad finds the first dotted quad in b: what the regexp
// \b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b matches, written out because
// the regexp is too slow for the race detector.
func findQuad(b []byte) (int, int) {
	for i := 0; i < len(b); i++ {
		if !isDigit(b[i]) || (i > 0 && isWord(b[i-1])) {
			continue
		}
		j := i
		ok := true
		for g := 0; g < 4 && ok; g++ {
			k := j
			for k < len(b) && k-j < 3 && isDigit(b[k]) {
				k++
			}
			switch {
			case k == j || (k < len(b) && isDigit(b[k])):
				ok = false
			case g < 3 && (k == len(b) || b[k] != '.'):
				ok = false
			case g < 3:
				j = k + 1
			case k < len(b) && isWord(b[k]):
				ok = false
			default:
				j = k
			}
		}
		if ok {
			return i, j
		}
	}
	return -1, -1
}

// findEmail finds the first match of
// [A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}.
func findEmail(b []byte) (int, int) {
	for at := bytes.IndexByte(b, '@'); at >= 0; {
		start := at
		for start > 0 && isLocal(b[start-1]) {
			start--
		}
		end := at + 1
		for end < len(b) && isDomain(b[end]) {
			end++
		}
		if start < at {
			// The longest domain ending in a dot and two or more letters.
			for d := end - 1; d > at+1; d-- {
				if b[d] != '.' {
					continue
				}
				e := d + 1
				for e < end && isLetter(b[e]) {
					e++
				}
				if e-d-1 >= 2 {
					return start, e
				}
			}
		}
		next := bytes.IndexByte(b[at+1:], '@')
		if next < 0 {
			break
		}
		at += 1 + next
	}
	return -1, -1
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isWord(c byte) bool   { return isDigit(c) || isLetter(c) || c == '_' }
func isLocal(c byte) bool  { return isWord(c) || strings.IndexByte(".%+-", c) >= 0 }
func isDomain(c byte) bool { return isDigit(c) || isLetter(c) || c == '.' || c == '-' }

// replaceAll replaces every match of find in src with tag.
func replaceAll(dst, src []byte, find func([]byte) (int, int), tag string) []byte {
	for {
		i, j := find(src)
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(append(dst, src[:i]...), tag...)
		src = src[j:]
	}
}

func countAll(src []byte, find func([]byte) (int, int)) int {
	n := 0
	for {
		_, j := find(src)
		if j < 0 {
			return n
		}
		n++
		src = src[j:]
	}
}

func (fakeEngine) AppendIP(dst, src []byte) []byte {
	for i, part := range bytes.Split(src, []byte(",")) {
		if i > 0 {
			dst = append(dst, ',')
		}
		s := strings.TrimSpace(string(part))
		_, err1 := netip.ParseAddr(s)
		_, err2 := netip.ParseAddrPort(s)
		if err1 == nil || err2 == nil {
			dst = append(dst, "GB"...)
		} else {
			dst = append(dst, "unknown"...)
		}
	}
	return dst
}

func (fakeEngine) AppendForwarded(dst, src []byte) []byte {
	return append(dst, "for=GB"...)
}

func (e fakeEngine) AppendURL(dst, src []byte) []byte {
	if i := bytes.IndexByte(src, '?'); i >= 0 {
		dst = e.AppendText(dst, src[:i])
		return append(dst, "?[query]"...)
	}
	return e.AppendText(dst, src)
}

func (fakeEngine) AppendUserAgent(dst, src []byte) []byte {
	if bytes.Contains(src, []byte("Chrome/")) {
		return append(dst, "Chrome"...)
	}
	return append(dst, "Other"...)
}

func (fakeEngine) AppendText(dst, src []byte) []byte {
	if i, _ := findQuad(src); i >= 0 {
		src = replaceAll(nil, src, findQuad, "[ipv4]")
	}
	return replaceAll(dst, src, findEmail, "[email]")
}

func (fakeEngine) AppendPseudonym(dst, src []byte) []byte {
	h := fnv.New32a()
	h.Write(src)
	return fmt.Appendf(dst, "ps%08x", h.Sum32())
}

// defaultRules is the rule table of the default policy, which the fake
// engines share with the real one.
var defaultRules = redact.NewRules(config.Default())

func (fakeEngine) Rules() *redact.Rules { return defaultRules }

func (e fakeEngine) AppendRule(dst []byte, rl redact.Rule, src []byte) []byte {
	return appendByRule(e, dst, rl, src)
}

// engineMethods are the methods the fake engines have, one per rule.
type engineMethods interface {
	AppendIP(dst, src []byte) []byte
	AppendForwarded(dst, src []byte) []byte
	AppendURL(dst, src []byte) []byte
	AppendUserAgent(dst, src []byte) []byte
	AppendText(dst, src []byte) []byte
	AppendPseudonym(dst, src []byte) []byte
}

func appendByRule(e engineMethods, dst []byte, rl redact.Rule, src []byte) []byte {
	switch rl {
	case redact.RuleDrop:
		return dst
	case redact.RuleKeep:
		return append(dst, src...)
	case redact.RuleIP:
		return e.AppendIP(dst, src)
	case redact.RuleForwarded:
		return e.AppendForwarded(dst, src)
	case redact.RuleURL:
		return e.AppendURL(dst, src)
	case redact.RuleUserAgent:
		return e.AppendUserAgent(dst, src)
	case redact.RulePseudonym:
		return e.AppendPseudonym(dst, src)
	}
	return e.AppendText(dst, src)
}

// fakeAuditor finds what fakeEngine redacts.
type fakeAuditor struct{}

func (fakeAuditor) Scan(src []byte, fn func(kind string)) {
	for range countAll(src, findQuad) {
		fn("ipv4")
	}
	for range countAll(src, findEmail) {
		fn("email")
	}
}

// cheapEngine does the least an engine can (copies, fixed tags), so that
// benchmarks measure this package rather than the engine.
type cheapEngine struct{}

func (cheapEngine) AppendIP(dst, src []byte) []byte        { return append(dst, "GB"...) }
func (cheapEngine) AppendForwarded(dst, src []byte) []byte { return append(dst, "for=GB"...) }
func (cheapEngine) AppendURL(dst, src []byte) []byte {
	if i := bytes.IndexByte(src, '?'); i >= 0 {
		src = src[:i]
	}
	return append(dst, src...)
}
func (cheapEngine) AppendUserAgent(dst, src []byte) []byte {
	return append(dst, "Chrome/120 (Windows)"...)
}
func (cheapEngine) AppendText(dst, src []byte) []byte      { return append(dst, src...) }
func (cheapEngine) AppendPseudonym(dst, src []byte) []byte { return append(dst, "ps0000"...) }
func (cheapEngine) Rules() *redact.Rules                   { return defaultRules }
func (e cheapEngine) AppendRule(dst []byte, rl redact.Rule, src []byte) []byte {
	return appendByRule(e, dst, rl, src)
}

// TestFakeMatchers checks the written-out matchers against the regexps
// they stand for.
func TestFakeMatchers(t *testing.T) {
	quadRE := regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)
	emailRE := regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	inputs := []string{
		"", "1.2.3.4", "a1.2.3.4", "1.2.3.4a", "1234.1.1.1", "1.2.3.4567", "x 10.0.0.1:80", "1.2.3.4.5",
		"1.22.333.4444 5.6.7.8", "_1.2.3.4", "1.2.3", "a@b.co", "a@b.c", "@b.co", "a@", "x.y+z@sub.dom-ain.example.",
		"a@b@c.de", "a@1.2.3.4", "me@host.ab1", "a@b.cd.e", "mail a@b.example, c@d.example", "a@.co", "a@b..co",
	}
	for _, in := range inputs {
		i, j := findQuad([]byte(in))
		if loc := quadRE.FindStringIndex(in); (loc == nil) != (i < 0) || (loc != nil && (loc[0] != i || loc[1] != j)) {
			t.Errorf("findQuad(%q) = %d, %d; regexp %v", in, i, j, loc)
		}
		i, j = findEmail([]byte(in))
		if loc := emailRE.FindStringIndex(in); (loc == nil) != (i < 0) || (loc != nil && (loc[0] != i || loc[1] != j)) {
			t.Errorf("findEmail(%q) = %d, %d; regexp %v", in, i, j, loc)
		}
	}
}
