package detect

// digits handles a word that starts with a digit at src[i]. The whole digit
// run is read once and classified by what ends it: a letter makes it part
// of an alphanumeric token (hash, UUID, id) and the token is skipped; '.'
// and a digit make a dotted run (address or version); one space or '-' and
// a digit make grouped numbers (card, NHS, phone); ')' after '(' makes an
// area code. Anything else is a lone number, which only a card, NHS
// number or phone can be when it is long enough.
func (s *Scanner) digits(src []byte, i, floor int) (Match, int) {
	n := len(src)
	j := i + 1
	for j < n && isDigit(src[j]) {
		j++
	}
	if j == n {
		return s.lone(src, i, j, floor), j
	}
	switch c := src[j]; {
	case isWord[c] || c == '_':
		if j-i == 6 {
			if m := s.spacedNINO(src, i, floor); m.End > 0 {
				return m, m.End // AB 123456C
			}
		}
		if src[i] == '0' && j == i+1 && i >= 4 && (src[i-1] == ' ' || src[i-1] == '+') && equalFold(src[i-4:i-1], "gir") &&
			s.on[Postcode] && i-4 >= floor && (i == 4 || !isWord[src[i-5]]) {
			if e := postcode(src, i-4, i-1); e > 0 {
				return Match{Kind: Postcode, Start: i - 4, End: e}, e
			}
		}
		// 550e8400, 10_9_1: part of an identifier or version.
		for j++; j < n && (isWord[src[j]] || src[j] == '_'); j++ {
		}
		return Match{}, j
	case c == '.':
		if j+1 < n && isDigit(src[j+1]) {
			// Versions (537.36, 32.0.1700.77) are most dotted runs: read
			// the run in one loop, and look closer only if it has the
			// dots of an address.
			k, dots := j+1, 1
			for k < n && isDigitDot[src[k]] != 0 {
				dots += int(isDigitDot[src[k]] >> 1)
				k++
			}
			if dots >= 3 {
				if m, e := s.dotted(src, i, j); m.End > 0 || !s.on[Phone] || src[i] != '0' {
					return m, e
				}
			}
			if s.on[Phone] && (src[i] == '0' || j-i == 3 && dots == 2) {
				if m := s.dottedPhone(src, i); m.End > 0 {
					return m, m.End // 07700.900456, 415.555.2671
				}
			}
			if k < n && isWord[src[k]] && src[k-1] != '.' {
				return Match{}, skipWord(src, k) // 5.0b1
			}
			return Match{}, k
		}
	case c == '/' && j-i == 2:
		// Apache and nginx time stamps, [17/May/2015:10:05:03 +0000],
		// are in every line; skip them whole.
		if e := skipCLFTime(src, i); e > 0 {
			return Match{}, e
		}
	case c == ' ' && j-i == 3 && i >= 2 && src[i-1] == ' ' && src[i-2] == '"':
		// The status and size of the Common Log Format, "GET / HTTP/1.1"
		// 200 5120: skipped whole, as they are in every line.
		if e := skipCLFStatus(src, i); e > 0 {
			return Match{}, e
		}
		if j+1 < n && isDigit(src[j+1]) {
			return s.grouped(src, i, j), j
		}
	case c == ' ' || c == '-' || c == '+':
		// '+' is a space in a form-encoded query: ni=ab+12+34+56+c.
		if j-i == 2 || j-i == 6 {
			if m := s.spacedNINO(src, i, floor); m.End > 0 {
				return m, m.End // AB 12 34 56 C, AB 123456 C
			}
		}
		if j-i == 3 && s.on[VAT] {
			if m := s.vatAt(src, i, floor); m.End > 0 {
				return m, m.End // GB 123 4567 89
			}
		}
		if j+1 < n && isDigit(src[j+1]) && j-i <= 6 && !zeroPadded(src, i, j) {
			return s.grouped(src, i, j), j
		}
	case c == ')':
		if i > floor && src[i-1] == '(' && s.on[Phone] {
			if m := s.parenPhone(src, i-1, j); m.End > 0 {
				return m, j
			}
		}
	}
	if j-i >= 9 {
		return s.lone(src, i, j, floor), j
	}
	return Match{}, j
}

// spacedNINO matches a National Insurance number whose prefix is separated
// by a space, '-' or '+' from its digits, the first of which are at src[i].
func (s *Scanner) spacedNINO(src []byte, i, floor int) Match {
	if i < 3 || i-3 < floor || (src[i-1] != ' ' && src[i-1] != '-' && src[i-1] != '+') || !s.on[NINO] ||
		!isLetter(src[i-2]) || !isLetter(src[i-3]) || (i > 3 && isWord[src[i-4]]) {
		return Match{}
	}
	if e := nino(src, i-3); e > 0 {
		return Match{Kind: NINO, Start: i - 3, End: e}
	}
	return Match{}
}

// skipCLFStatus returns the end of the status code and size at src[i], as
// in the Common Log Format after the request, or 0 if they are not there.
// The size is a byte count, or '-'; a longer number than a byte count can be
// is left to the detectors.
func skipCLFStatus(src []byte, i int) int {
	if src[i] < '1' || src[i] > '5' {
		return 0
	}
	k := i + 4
	if k < len(src) && src[k] == '-' {
		k++
	} else {
		for k < len(src) && isDigit(src[k]) && k-i < 4+12 {
			k++
		}
		if k == i+4 || k-i == 4+12 {
			return 0
		}
	}
	// What follows is the end, or a space and no more digits: the size of
	// 200 4111 1111 1111 1111 is not 4111.
	if k < len(src) && (src[k] != ' ' || k+1 < len(src) && isDigit(src[k+1])) {
		return 0
	}
	return k
}

// isDigitDot is 1 for digits and 2 for '.'.
var isDigitDot = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = 1
	}
	t['.'] = 2
	return t
}()

// skipCLFTime returns the end of the Common Log Format time stamp
// dd/Mon/yyyy:hh:mm:ss +zzzz at src[i], or 0 if there is none.
func skipCLFTime(src []byte, i int) int {
	const l = len("17/May/2015:10:05:03 +0000")
	if len(src)-i < l {
		return 0
	}
	b := src[i : i+l]
	if b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' || b[20] != ' ' ||
		(b[21] != '+' && b[21] != '-') || !isUpper(b[3]) || !isLower(b[4]) || !isLower(b[5]) {
		return 0
	}
	for _, k := range [...]int{7, 8, 9, 10, 12, 13, 15, 16, 18, 19, 22, 23, 24, 25} {
		if !isDigit(b[k]) {
			return 0
		}
	}
	if l < len(src)-i && isWord[src[i+l]] {
		return 0
	}
	return i + l
}

// dotted handles a run of digit groups separated by single dots, the first
// of which is src[i:j]. Exactly four octets make an IPv4 address unless the
// context says version number (see IPv4); any other run is skipped whole.
func (s *Scanner) dotted(src []byte, i, j int) (Match, int) {
	n := len(src)
	groups := 1
	ok := octet(src[i:j])
	k := j
	for k+1 < n && src[k] == '.' && isDigit(src[k+1]) {
		st := k + 1
		k = st + 1
		for k < n && isDigit(src[k]) {
			k++
		}
		groups++
		if !octet(src[st:k]) {
			ok = false
		}
	}
	if k < n && (isWord[src[k]] || src[k] == '_') {
		// 1.2.3.4b, 5.0b1: a version or an identifier of some kind.
		return Match{}, skipWord(src, k)
	}
	if !ok || groups != 4 || !s.on[IPv4] || !ipv4Context(src, i) || fileVersion(src, i, k) {
		return Match{}, k
	}
	return Match{Kind: IPv4, Start: i, End: k}, k
}

// octet reports whether b is a decimal number from 0 to 255 of at most
// three digits. Leading zeros are allowed: some logs pad addresses.
func octet(b []byte) bool {
	switch len(b) {
	case 1, 2:
		return true
	case 3:
		return b[0] < '2' || (b[0] == '2' && (b[1] < '5' || (b[1] == '5' && b[2] <= '5')))
	}
	return false
}

// ipv4Context reports whether a dotted quad at src[i] stands where an
// address can: not after a '.', not as the version of a product token
// (Chrome/1.0.154.53: a '/' after a name that starts the text or follows
// a space, parenthesis, ';', ',', quote or '['), and not as one of the
// other versions found in user agents (rv:1.9.0.19, Linux 2.6.32.59).
func ipv4Context(src []byte, i int) bool {
	if i == 0 {
		return true
	}
	switch src[i-1] {
	case '.', '_':
		return false
	case ':':
		// Gecko's revision in user agents: rv:1.9.0.19.
		return !(i >= 3 && src[i-2]|0x20 == 'v' && src[i-3]|0x20 == 'r' && (i == 3 || !isWord[src[i-4]]))
	case ' ':
		// A kernel version in user agents: Linux 2.6.32.59.
		return !(i >= 6 && equalFold(src[i-6:i-1], "linux") && (i == 6 || !isWord[src[i-7]]))
	case '/':
		k := i - 1
		for k > 0 && i-1-k < 64 && isNameByte(src[k-1]) {
			k--
		}
		if k == i-1 {
			return true // no name: //10.0.0.1, GET /10.0.0.1
		}
		if k == 0 {
			return false
		}
		// A product token starts after the separators of user agents;
		// after anything else (/lookup/8.8.8.8, host:8080/8.8.8.8) the
		// name is part of a path.
		switch src[k-1] {
		case ' ', '\t', '(', ')', ';', ',', '"', '\'', '[':
			return false
		}
	}
	return true
}

// fileVersion reports whether the dotted quad src[i:k] is the version in
// the name of a download: after a name and '-' and before the extension of
// an installer, package or archive (setup-4.1.0.22.exe,
// tool-1.2.3.4.tar.gz). Other extensions are left alone, because files are
// also named after addresses (access-10.0.0.1.log).
func fileVersion(src []byte, i, k int) bool {
	n := len(src)
	if i < 2 || src[i-1] != '-' || !isWord[src[i-2]] || k+2 >= n || src[k] != '.' {
		return false
	}
	e := k + 1
	for e < n && e-k <= 6 && isWord[src[e]] {
		e++
	}
	ext := src[k+1 : e]
	if equalFold(ext, "tar") && e+1 < n && src[e] == '.' {
		// .tar.gz: the extension is the second.
		k, e = e, e+1
		for e < n && e-k <= 6 && isWord[src[e]] {
			e++
		}
		ext = src[k+1 : e]
	}
	if e < n && (isWord[src[e]] || src[e] == '.' || src[e] == '-' || src[e] == '_') {
		return false
	}
	for _, x := range [...]string{"exe", "msi", "msix", "appx", "dmg", "pkg", "zip", "tar", "tgz", "gz", "bz2", "xz",
		"zst", "7z", "rar", "jar", "war", "apk", "aab", "ipa", "deb", "rpm", "whl", "gem", "nupkg", "iso", "crx", "xpi"} {
		if equalFold(ext, x) {
			return true
		}
	}
	return false
}

func isNameByte(c byte) bool {
	return isWord[c] || c == '.' || c == '-' || c == '_' || c == '+'
}

// parseIPv4 parses a dotted quad as dotted accepts it.
func parseIPv4(b []byte) (a [4]byte, ok bool) {
	k, v, digits := 0, 0, 0
	for _, c := range b {
		switch {
		case isDigit(c):
			v = v*10 + int(c-'0')
			digits++
			if digits > 3 || v > 255 {
				return a, false
			}
		case c == '.' && digits > 0 && k < 3:
			a[k] = byte(v)
			k, v, digits = k+1, 0, 0
		default:
			return a, false
		}
	}
	if k != 3 || digits == 0 {
		return a, false
	}
	a[3] = byte(v)
	return a, true
}

// colon handles a ':' at src[i]: an Authorization header name before it,
// or an IPv6 address around it. v6done is the end of the last IPv6
// candidate: a colon before it was already part of one.
func (s *Scanner) colon(src []byte, i, floor, v6done int) (Match, int, int) {
	if s.on[Credential] && i > 0 && (src[i-1]|0x20 == 'n' || src[i-1] == '"') {
		if m := s.authorization(src, i); m.End > 0 {
			return m, i + 1, v6done
		}
	}
	if !s.on[IPv6] || i < v6done {
		return Match{}, i + 1, v6done
	}
	n := len(src)
	// Fast rejection: an address has a hex digit or a colon next to each of
	// its colons (http:, rv:, key: value all fail).
	prevOK := i > floor && isHex(src[i-1])
	nextOK := i+1 < n && (isHex(src[i+1]) || src[i+1] == ':')
	if !nextOK && !prevOK {
		return Match{}, i + 1, v6done
	}
	lo := i
	for lo > floor && i-lo < 40 && (isHex(src[lo-1]) || src[lo-1] == ':') {
		lo--
	}
	hi := i + 1
	colons := 1
	for hi < n && hi-lo < 50 {
		c := src[hi]
		if c == ':' {
			colons++
		} else if !isHex(c) && c != '.' {
			break
		}
		hi++
	}
	v6done = hi
	if colons < 2 || (lo > 0 && (isWord[src[lo-1]] || src[lo-1] == '.' || src[lo-1] == '_')) {
		return Match{}, i + 1, v6done
	}
	end := hi
	for end > lo && src[end-1] == '.' {
		end--
	}
	if end < n && (isWord[src[end]] || src[end] == '_') {
		return Match{}, i + 1, v6done
	}
	a, ok := parseIPv6(src[lo:end])
	if !ok && end-lo > 2 && src[end-1] == ':' && src[end-2] != ':' {
		// "2001:db8::1: refused": a trailing colon is punctuation.
		end--
		a, ok = parseIPv6(src[lo:end])
	}
	if !ok || end-lo == 2 {
		return Match{}, i + 1, v6done
	}
	// A zone is only meaningful on link-local and multicast addresses;
	// elsewhere a '%' is more likely an escape (::1%20).
	if end == hi && end+1 < n && src[end] == '%' && isZoneByte(src[end+1]) &&
		(a[0] == 0xff || (a[0] == 0xfe && a[1]&0xc0 == 0x80)) {
		end += 2
		for end < n && isZoneByte(src[end]) {
			end++
		}
	}
	return Match{Kind: IPv6, Start: lo, End: end}, end, v6done
}

func isZoneByte(c byte) bool {
	return isWord[c] || c == '_' || c == '-' || c == '.'
}

// parseIPv6 parses an IPv6 address without a zone, as netip.ParseAddr
// does, without allocating.
func parseIPv6(s []byte) (ip [16]byte, ok bool) {
	if len(s) < 2 {
		return ip, false
	}
	ellipsis := -1 // position in ip of the "::", if any
	i := 0
	if s[0] == ':' {
		if s[1] != ':' {
			return ip, false
		}
		ellipsis = 0
		i = 2
		if i == len(s) {
			return ip, true
		}
	}
	j := 0
	for i < len(s) {
		start := i
		var v uint32
		for i < len(s) && i-start < 5 && isHex(s[i]) {
			v = v<<4 | uint32(unhex(s[i]))
			i++
		}
		if i == start || i-start > 4 {
			return ip, false
		}
		if i < len(s) && s[i] == '.' {
			// Embedded IPv4 in the last 32 bits.
			if j > 12 || (ellipsis < 0 && j != 12) {
				return ip, false
			}
			a, ok := parseIPv4(s[start:])
			if !ok {
				return ip, false
			}
			copy(ip[j:], a[:])
			j += 4
			i = len(s)
			break
		}
		if j > 14 {
			return ip, false
		}
		ip[j] = byte(v >> 8)
		ip[j+1] = byte(v)
		j += 2
		if i == len(s) {
			break
		}
		if s[i] != ':' {
			return ip, false
		}
		i++
		if i == len(s) {
			return ip, false // one trailing colon
		}
		if s[i] == ':' {
			if ellipsis >= 0 {
				return ip, false
			}
			ellipsis = j
			i++
			if i == len(s) {
				break
			}
		}
	}
	if j < 16 {
		if ellipsis < 0 {
			return ip, false
		}
		gap := 16 - j
		copy(ip[ellipsis+gap:], ip[ellipsis:j])
		for k := ellipsis; k < ellipsis+gap; k++ {
			ip[k] = 0
		}
	} else if ellipsis >= 0 {
		return ip, false // "::" must stand for at least one group
	}
	return ip, true
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
