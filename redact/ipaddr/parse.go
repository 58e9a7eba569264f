// Package ipaddr parses client addresses in the forms real headers and logs
// hold them, and applies the policy's IP transform to them: country code,
// truncation to a network prefix, keyed pseudonym, or nothing at all.
package ipaddr

import "net/netip"

// text is what the parsers accept, so that Parse and ParseString share one
// allocation-free implementation.
type text interface{ ~string | ~[]byte }

// Parse parses one address as headers and logs hold it:
//
//	1.2.3.4               1.2.3.4:80
//	2001:db8::1           [2001:db8::1]   [2001:db8::1]:443
//	fe80::1%eth0          (the zone is dropped)
//	::ffff:1.2.3.4        (IPv4-mapped addresses are unmapped)
//	"[2001:db8::1]:4711"  (an RFC 7239 node, quotes and spaces around it tolerated)
//
// A port may be digits or an RFC 7239 obfuscated port ("_x1"); it is
// ignored. It reports false for anything else, including the RFC 7239
// nodes "unknown" and "_obfuscated", host names, IPv4 fields with leading
// zeros (ambiguous: octal to some parsers) and addresses in brackets that
// are not IPv6. It allocates nothing.
func Parse(b []byte) (netip.Addr, bool) { return parse(b) }

// ParseString is Parse for a string.
func ParseString(s string) (netip.Addr, bool) { return parse(s) }

func parse[T text](s T) (netip.Addr, bool) {
	s = trimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = trimSpace(s[1 : len(s)-1])
	}
	if len(s) == 0 {
		return netip.Addr{}, false
	}
	if s[0] == '[' {
		end := indexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		if rest := s[end+1:]; len(rest) > 0 && (rest[0] != ':' || !isPort(rest[1:])) {
			return netip.Addr{}, false
		}
		a, ok := parse6(s[1:end])
		return a.Unmap(), ok
	}
	// The first separator decides the family, as in netip.ParseAddr.
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '.':
			a, n, ok := parse4(s)
			if !ok {
				return netip.Addr{}, false
			}
			if n < len(s) && (s[n] != ':' || !isPort(s[n+1:])) {
				return netip.Addr{}, false
			}
			return a, true
		case ':':
			a, ok := parse6(s)
			return a.Unmap(), ok
		}
	}
	return netip.Addr{}, false
}

// parseAddr parses a bare address as netip.ParseAddr does, without the zone
// and without allocating. It exists for the differential tests.
func parseAddr[T text](s T) (netip.Addr, bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '.':
			a, n, ok := parse4(s)
			return a, ok && n == len(s)
		case ':':
			return parse6(s)
		}
	}
	return netip.Addr{}, false
}

// parse4 parses the dotted-quad IPv4 address that s starts with and
// returns how many bytes it took. Fields with leading zeros are refused,
// as by netip.
func parse4[T text](s T) (netip.Addr, int, bool) {
	var ip [4]byte
	i := 0
	for field := range 4 {
		if field > 0 {
			if i >= len(s) || s[i] != '.' {
				return netip.Addr{}, 0, false
			}
			i++
		}
		start, v := i, 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' && i-start < 3 {
			v = v*10 + int(s[i]-'0')
			i++
		}
		n := i - start
		if n == 0 || v > 255 || (n > 1 && s[start] == '0') {
			return netip.Addr{}, 0, false
		}
		if i < len(s) && s[i] >= '0' && s[i] <= '9' { // a fourth digit
			return netip.Addr{}, 0, false
		}
		ip[field] = byte(v)
	}
	return netip.AddrFrom4(ip), i, true
}

// parse6 parses an IPv6 address, dropping any zone. It follows
// netip.parseAddr6 rule for rule.
func parse6[T text](s T) (netip.Addr, bool) {
	if z := indexByte(s, '%'); z >= 0 {
		if z == len(s)-1 {
			return netip.Addr{}, false // empty zone
		}
		s = s[:z]
	}
	var ip [16]byte
	ellipsis := -1
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis = 0
		s = s[2:]
		if len(s) == 0 {
			return netip.IPv6Unspecified(), true
		}
	}
	i := 0
	for i < 16 {
		off, acc := 0, uint32(0)
		for ; off < len(s); off++ {
			d := unhex(s[off])
			if d < 0 {
				break
			}
			if off > 3 {
				return netip.Addr{}, false // more than 4 hex digits
			}
			acc = acc<<4 | uint32(d)
		}
		if off == 0 {
			return netip.Addr{}, false
		}
		if off < len(s) && s[off] == '.' {
			// An embedded IPv4 address must fill the last 32 bits.
			if ellipsis < 0 && i != 12 || i+4 > 16 {
				return netip.Addr{}, false
			}
			a4, n, ok := parse4(s)
			if !ok || n != len(s) {
				return netip.Addr{}, false
			}
			b := a4.As4()
			copy(ip[i:], b[:])
			i += 4
			s = s[len(s):]
			break
		}
		ip[i], ip[i+1] = byte(acc>>8), byte(acc)
		i += 2
		s = s[off:]
		if len(s) == 0 {
			break
		}
		if s[0] != ':' || len(s) == 1 {
			return netip.Addr{}, false
		}
		s = s[1:]
		if s[0] == ':' {
			if ellipsis >= 0 {
				return netip.Addr{}, false // a second ::
			}
			ellipsis = i
			s = s[1:]
			if len(s) == 0 {
				break
			}
		}
	}
	if len(s) != 0 {
		return netip.Addr{}, false
	}
	if i < 16 {
		if ellipsis < 0 {
			return netip.Addr{}, false
		}
		n := 16 - i
		for j := i - 1; j >= ellipsis; j-- {
			ip[j+n] = ip[j]
		}
		clear(ip[ellipsis : ellipsis+n])
	} else if ellipsis >= 0 {
		return netip.Addr{}, false // :: must stand for at least one field
	}
	return netip.AddrFrom16(ip), true
}

// isPort reports whether s is a port: 1 to 5 digits, or an RFC 7239
// obfuscated port, "_" followed by letters, digits, ".", "_" or "-".
func isPort[T text](s T) bool {
	if len(s) == 0 {
		return false
	}
	if s[0] == '_' {
		if len(s) == 1 {
			return false
		}
		for i := 1; i < len(s); i++ {
			c := s[i]
			if !isAlnum(c) && c != '.' && c != '_' && c != '-' {
				return false
			}
		}
		return true
	}
	if len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func trimSpace[T text](s T) T {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func indexByte[T text](s T, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}
