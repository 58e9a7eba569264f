package scrub

import (
	"bytes"
	"strings"
)

// maxUserAgent is the longest User-Agent that is classified; longer ones,
// which no real client sends, become "Other".
const maxUserAgent = 2048

// A uaRule maps a token, found case-insensitively, to a name.
type uaRule struct {
	token string // lower case
	name  string
}

// botRules name the crawlers and link-preview fetchers worth telling
// apart; any other automated client is "Other (bot)". Checked first, as
// crawlers often claim to be a browser too.
var botRules = []uaRule{
	{"googlebot", "Googlebot"},
	{"adsbot-google", "Google"},
	{"mediapartners-google", "Google"},
	{"feedfetcher-google", "Google"},
	{"google-inspectiontool", "Google"},
	{"storebot-google", "Google"},
	{"googleother", "Google"},
	{"apis-google", "Google"},
	{"bingbot", "Bingbot"},
	{"msnbot", "Bingbot"},
	{"bingpreview", "Bingbot"},
	{"adidxbot", "Bingbot"},
	{"yandexbot", "YandexBot"},
	{"yandeximages", "YandexBot"},
	{"yandex.com/bots", "YandexBot"},
	{"baiduspider", "Baiduspider"},
	{"duckduckbot", "DuckDuckBot"},
	{"duckassistbot", "DuckDuckBot"},
	{"applebot", "Applebot"},
	{"slurp", "Yahoo Slurp"},
	{"facebookexternalhit", "Facebook"},
	{"facebookcatalog", "Facebook"},
	{"meta-externalagent", "Facebook"},
	{"meta-externalfetcher", "Facebook"},
	{"twitterbot", "Twitterbot"},
	{"linkedinbot", "LinkedInBot"},
	{"slackbot", "Slackbot"},
	{"slack-imgproxy", "Slackbot"},
	{"discordbot", "Discordbot"},
	{"telegrambot", "TelegramBot"},
	{"whatsapp/", "WhatsApp"},
	{"ahrefsbot", "AhrefsBot"},
	{"ahrefssiteaudit", "AhrefsBot"},
	{"semrushbot", "SemrushBot"},
	{"mj12bot", "MJ12bot"},
	{"dotbot", "DotBot"},
	{"petalbot", "PetalBot"},
	{"gptbot", "OpenAI"},
	{"chatgpt-user", "OpenAI"},
	{"oai-searchbot", "OpenAI"},
	{"claudebot", "Anthropic"},
	{"claude-web", "Anthropic"},
	{"claude-user", "Anthropic"},
	{"anthropic-ai", "Anthropic"},
	{"perplexitybot", "Perplexity"},
	{"perplexity-user", "Perplexity"},
	{"ccbot", "CCBot"},
	{"bytespider", "Bytespider"},
	{"amazonbot", "Amazonbot"},
	{"archive.org_bot", "Internet Archive"},
	{"ia_archiver", "Internet Archive"},
	{"uptimerobot", "UptimeRobot"},
	// Feed readers poll on a schedule; one family is enough.
	{"feedparser", "Feed reader"},
	{"tiny tiny rss", "Feed reader"},
	{"feedburner", "Feed reader"},
	{"feedbin", "Feed reader"},
	{"feedly", "Feed reader"},
	{"newsblur", "Feed reader"},
	{"inoreader", "Feed reader"},
}

// toolRules name HTTP libraries, command-line clients and headless
// browsers.
var toolRules = []uaRule{
	{"curl/", "curl"},
	{"wget/", "Wget"},
	{"python-requests", "python-requests"},
	{"python-urllib", "Python-urllib"},
	{"python-httpx", "python-httpx"},
	{"aiohttp", "aiohttp"},
	{"scrapy", "Scrapy"},
	{"go-http-client", "Go-http-client"},
	{"okhttp", "okhttp"},
	{"apache-httpclient", "Apache-HttpClient"},
	{"java/", "Java"},
	{"axios/", "axios"},
	{"node-fetch", "node-fetch"},
	{"undici", "undici"},
	{"postmanruntime", "PostmanRuntime"},
	{"insomnia/", "Insomnia"},
	{"httpie", "HTTPie"},
	{"libwww-perl", "libwww-perl"},
	{"lwp::", "libwww-perl"},
	{"guzzlehttp", "Guzzle"},
	{"faraday", "Faraday"},
	{"rest-client", "rest-client"},
	{"chef client", "Chef"}, // before ruby: it names its Ruby version
	{"ruby", "Ruby"},
	{"dart/", "Dart"},
	{"reqwest", "reqwest"},
	{"powershell", "PowerShell"},
	{"headlesschrome", "HeadlessChrome"},
	{"phantomjs", "PhantomJS"},
}

// genericBotTokens mark automated clients: browsers never carry a URL or
// an e-mail address in their User-Agent, crawlers conventionally do.
var genericBotTokens = []string{"bot", "spider", "crawl", "archiver", "http://", "https://", "www.", "@"}

// browserRule finds a browser by token and reads its major version after
// the token, or after verToken if set.
type browserRule struct {
	token    string
	name     string
	verToken string
}

// browserRules are in order: a UA names every engine it is compatible
// with, so Edge, Opera and Samsung Internet also say Chrome, and Chrome
// also says Safari.
var browserRules = []browserRule{
	{"fbav/", "Facebook", ""},
	{"fban/", "Facebook", "fbav/"},
	{"instagram ", "Instagram", ""},
	{"samsungbrowser/", "Samsung Internet", ""},
	{"edga/", "Edge", ""},
	{"edgios/", "Edge", ""},
	{"edg/", "Edge", ""},
	{"edge/", "Edge", ""},
	{"opr/", "Opera", ""},
	{"opios/", "Opera", ""},
	{"opt/", "Opera", ""},
	{"opera mini/", "Opera", ""},
	{"opera", "Opera", "version/"},
	{"yabrowser/", "Yandex", ""},
	{"vivaldi/", "Vivaldi", ""},
	{"ucbrowser/", "UC Browser", ""},
	{"duckduckgo/", "DuckDuckGo", ""},
	{"crios/", "Chrome", ""},
	{"fxios/", "Firefox", ""},
	{"chromium/", "Chromium", ""},
	{"chrome/", "Chrome", ""},
	{"firefox/", "Firefox", ""},
	{"msie ", "IE", ""},
	{"trident/", "IE", "rv:"},
}

// osRules are in order: Windows Phone also says Windows (and Android and
// iPhone), iOS says "like Mac OS X", Android and ChromeOS say Linux.
var osRules = []uaRule{
	{"windows phone", "Windows Phone"},
	{"windows", "Windows"},
	{"win64", "Windows"},
	{"win32", "Windows"},
	{"winnt", "Windows"},
	{"iphone", "iOS"},
	{"ipad", "iOS"},
	{"ipod", "iOS"},
	{"android", "Android"},
	{"cros ", "ChromeOS"},
	{"macintosh", "macOS"},
	{"mac os x", "macOS"},
	{"mac_powerpc", "macOS"},
	{"kaios", "KaiOS"},
	{"tizen", "Tizen"},
	{"freebsd", "BSD"},
	{"openbsd", "BSD"},
	{"netbsd", "BSD"},
	{"linux", "Linux"},
	{"x11", "Linux"},
	{"ubuntu", "Linux"},
}

// AppendUserAgent appends a generalized form of a User-Agent to dst and
// returns the extended buffer: the browser family and major version and
// the OS family, such as "Chrome/120 (Windows)", "Safari/17 (iOS)",
// "Samsung Internet/23 (Android)" or "Firefox/121 (Linux)"; a named
// crawler, such as "Googlebot (bot)", or "Other (bot)"; a named HTTP
// library or command-line client, such as "curl (tool)"; or "Other" with
// the OS family if known. The output is built only from a fixed set of
// names and at most four digits, so it never echoes the rarer tokens of
// the input (device models, build ids, locales, extensions) that make a
// User-Agent identifying. It is at most 48 bytes long.
//
// An empty User-Agent appends nothing and "-" appends "-". One longer than
// 2048 bytes is "Other". Nothing is allocated when dst has room.
//
// The families are Chrome, Chromium, Edge, Firefox, Safari, Opera,
// Samsung Internet, Yandex, Vivaldi, UC Browser, DuckDuckGo, IE, Android
// Browser, Facebook and Instagram (in-app browsers) and Other; the OS
// families Windows, Windows Phone, macOS, iOS, Android, ChromeOS, Linux,
// BSD, KaiOS and Tizen.
func AppendUserAgent(dst, ua []byte) []byte {
	ua = trimOWS(ua)
	switch {
	case len(ua) == 0:
		return dst
	case len(ua) == 1 && ua[0] == '-':
		return append(dst, '-')
	case len(ua) > maxUserAgent:
		return append(dst, "Other"...)
	}
	found := uaTokens.scan(ua)
	for i, r := range botRules {
		if found.has(botIDs[i]) {
			return append(append(dst, r.name...), " (bot)"...)
		}
	}
	for i, r := range toolRules {
		if found.has(toolIDs[i]) {
			return append(append(dst, r.name...), " (tool)"...)
		}
	}
	for _, id := range genericBotIDs {
		if found.has(id) {
			return append(dst, "Other (bot)"...)
		}
	}

	name, ver := browserOf(ua, &found)
	dst = append(dst, name...)
	if len(ver) > 0 {
		dst = append(dst, '/')
		dst = append(dst, ver...)
	}
	for i, r := range osRules {
		if found.has(osIDs[i]) {
			dst = append(dst, " ("...)
			dst = append(dst, r.name...)
			dst = append(dst, ')')
			break
		}
	}
	return dst
}

// browserOf returns the browser family of a User-Agent whose tokens are
// found, and its major version, a slice of ua, if it has one.
func browserOf(ua []byte, found *tokenSet) (name string, ver []byte) {
	for i, r := range browserRules {
		if !found.has(browserIDs[i]) {
			continue
		}
		after := ua[indexFold(ua, r.token)+len(r.token):]
		if r.verToken != "" {
			if j := indexFold(ua, r.verToken); j >= 0 {
				after = ua[j+len(r.verToken):]
			} else if r.name == "Opera" && len(after) > 0 && (after[0] == '/' || after[0] == ' ') {
				// Presto Opera before 10 put its version after "Opera/".
				after = after[1:]
			} else {
				after = nil
			}
		}
		return r.name, majorVersion(after)
	}
	if found.has(idSafari) && found.has(idVersion) {
		ver = majorVersion(ua[indexFold(ua, "version/")+len("version/"):])
		if found.has(idAndroid) {
			return "Android Browser", ver
		}
		return "Safari", ver
	}
	return "Other", nil
}

// tokenIndex finds, in one pass, which of a fixed set of lower-case tokens
// a User-Agent contains, ignoring case. Scanning for each of the 140-odd
// rule tokens in turn costs several times as much (see the per_token
// benchmark).
type tokenIndex struct {
	tokens []string
	ids    map[string]int
	first  [256][]uint8   // ids of the tokens of two or more bytes, by first byte
	second [256][4]uint64 // second bytes that follow each first byte in some token
	single [256]int16     // id+1 of the one-byte token starting with a byte, or 0
}

// tokenSet is a set of token ids.
type tokenSet [4]uint64

func (s *tokenSet) has(id int) bool { return s[id>>6]&(1<<(id&63)) != 0 }

// id returns the id of tok, adding it if it is new.
func (x *tokenIndex) id(tok string) int {
	if id, ok := x.ids[tok]; ok {
		return id
	}
	if x.ids == nil {
		x.ids = make(map[string]int)
	}
	id := len(x.tokens)
	if id == 64*len(tokenSet{}) {
		panic("scrub: too many User-Agent tokens")
	}
	x.tokens = append(x.tokens, tok)
	x.ids[tok] = id
	if len(tok) == 1 {
		x.single[tok[0]] = int16(id + 1)
		return id
	}
	x.first[tok[0]] = append(x.first[tok[0]], uint8(id))
	x.second[tok[0]][tok[1]>>6] |= 1 << (tok[1] & 63)
	return id
}

// scan returns the set of tokens ua contains.
func (x *tokenIndex) scan(ua []byte) (found tokenSet) {
	for i := 0; i < len(ua); i++ {
		c := lowerTable[ua[i]]
		if id := x.single[c]; id != 0 {
			found[(id-1)>>6] |= 1 << ((id - 1) & 63)
		}
		if i+1 == len(ua) {
			break
		}
		c2 := lowerTable[ua[i+1]]
		if x.second[c][c2>>6]&(1<<(c2&63)) == 0 {
			continue
		}
		for _, id := range x.first[c] {
			tok := x.tokens[id]
			if !hasPrefixFold(ua[i:], tok) {
				continue
			}
			// CUBOT is an Android phone maker, not a crawler.
			if int(id) == idBot && i >= 2 && lowerTable[ua[i-2]] == 'c' && lowerTable[ua[i-1]] == 'u' {
				continue
			}
			found[id>>6] |= 1 << (id & 63)
		}
	}
	return found
}

// hasPrefixFold reports whether s starts with the lower-case tok, ignoring
// the case of s.
func hasPrefixFold(s []byte, tok string) bool {
	if len(s) < len(tok) {
		return false
	}
	for k := 0; k < len(tok); k++ {
		if lowerTable[s[k]] != tok[k] {
			return false
		}
	}
	return true
}

// indexFold returns the index of the first instance of the lower-case tok
// in s, ignoring the case of s, or -1.
func indexFold(s []byte, tok string) int {
	for i := 0; i+len(tok) <= len(s); i++ {
		if hasPrefixFold(s[i:], tok) {
			return i
		}
	}
	return -1
}

var lowerTable = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] = byte(i + 'a' - 'A')
		}
	}
	return t
}()

// The ids in uaTokens of the rules' tokens, index for index.
var (
	uaTokens                                          tokenIndex
	botIDs, toolIDs, osIDs, browserIDs, genericBotIDs []int
	idBot, idSafari, idVersion, idAndroid             int
)

func init() {
	ruleIDs := func(rules []uaRule) (ids []int) {
		for _, r := range rules {
			ids = append(ids, uaTokens.id(r.token))
		}
		return ids
	}
	botIDs, toolIDs, osIDs = ruleIDs(botRules), ruleIDs(toolRules), ruleIDs(osRules)
	for _, r := range browserRules {
		browserIDs = append(browserIDs, uaTokens.id(r.token))
	}
	for _, t := range genericBotTokens {
		genericBotIDs = append(genericBotIDs, uaTokens.id(t))
	}
	idBot = uaTokens.id("bot")
	idSafari = uaTokens.id("safari/")
	idVersion = uaTokens.id("version/")
	idAndroid = uaTokens.id("android")
}

// majorVersion returns the one to four digits at the start of s, or nil.
func majorVersion(s []byte) []byte {
	n := 0
	for n < len(s) && '0' <= s[n] && s[n] <= '9' {
		n++
	}
	if n == 0 || n > 4 {
		return nil
	}
	return s[:n]
}

// User-Agent client hints (https://wicg.github.io/ua-client-hints/).
// Sec-CH-UA, Sec-CH-UA-Mobile and Sec-CH-UA-Platform are the low-entropy
// hints browsers send unasked; they say no more than AppendUserAgent
// keeps.
const (
	hintUA       = "sec-ch-ua"
	hintMobile   = "sec-ch-ua-mobile"
	hintPlatform = "sec-ch-ua-platform"
)

// KeepClientHint reports whether a client hint header is kept, in any
// case: only the low-entropy Sec-CH-UA, Sec-CH-UA-Mobile and
// Sec-CH-UA-Platform. The high-entropy ones (Sec-CH-UA-Full-Version,
// -Full-Version-List, -Model, -Platform-Version, -Arch, -Bitness, -WoW64,
// -Form-Factors) and any other header are dropped.
func KeepClientHint(name string) bool {
	return strings.EqualFold(name, hintUA) || strings.EqualFold(name, hintMobile) ||
		strings.EqualFold(name, hintPlatform)
}

// knownPlatforms are the values of Sec-CH-UA-Platform the specification
// and browsers use.
var knownPlatforms = []string{
	`"Android"`, `"Chrome OS"`, `"Chromium OS"`, `"Fuchsia"`, `"iOS"`,
	`"Linux"`, `"macOS"`, `"Windows"`, `"Unknown"`, `""`,
}

// AppendClientHint appends the value a kept client hint header may carry
// on to dst and returns the extended buffer. It appends nothing, meaning
// the header is to be dropped, for a name KeepClientHint rejects and for a
// value that is not well formed: Sec-CH-UA must be a list of at most eight
// quoted brands of up to 64 printable characters, each with a v="major"
// parameter of up to four digits, and is re-serialized as
// `"Brand";v="120", …`; Sec-CH-UA-Mobile must be ?0 or ?1;
// Sec-CH-UA-Platform must be one of the quoted platform names browsers
// send. A well-formed value in that form is appended unchanged.
func AppendClientHint(dst []byte, name string, value []byte) []byte {
	value = trimOWS(value)
	switch {
	case strings.EqualFold(name, hintUA):
		return appendBrandList(dst, value)
	case strings.EqualFold(name, hintMobile):
		if len(value) == 2 && value[0] == '?' && (value[1] == '0' || value[1] == '1') {
			return append(dst, value...)
		}
	case strings.EqualFold(name, hintPlatform):
		for _, p := range knownPlatforms {
			if string(value) == p {
				return append(dst, value...)
			}
		}
	}
	return dst
}

// appendBrandList re-serializes a Sec-CH-UA brand list, or appends nothing
// if it is malformed.
func appendBrandList(dst, v []byte) []byte {
	start := len(dst)
	for n := 0; ; n++ {
		if n == 8 {
			return dst[:start]
		}
		// "brand"
		if len(v) < 2 || v[0] != '"' {
			return dst[:start]
		}
		end := bytes.IndexByte(v[1:], '"')
		if end < 1 || end > 64 {
			return dst[:start]
		}
		brand := v[1 : 1+end]
		for _, c := range brand {
			if c < 0x20 || c > 0x7e || c == '\\' {
				return dst[:start]
			}
		}
		v = v[end+2:]
		// ;v="major"
		if !bytes.HasPrefix(v, []byte(`;v="`)) {
			return dst[:start]
		}
		v = v[4:]
		major := majorVersion(v)
		if major == nil || len(v) == len(major) || v[len(major)] != '"' {
			return dst[:start]
		}
		v = v[len(major)+1:]
		if n > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, '"')
		dst = append(dst, brand...)
		dst = append(dst, `";v="`...)
		dst = append(dst, major...)
		dst = append(dst, '"')
		v = trimOWS(v)
		if len(v) == 0 {
			return dst
		}
		if v[0] != ',' {
			return dst[:start]
		}
		v = trimOWS(v[1:])
	}
}
