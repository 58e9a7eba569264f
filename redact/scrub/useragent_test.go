package scrub

import (
	"bufio"
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

var userAgentTests = []struct{ in, want string }{
	// Desktop browsers.
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome/120 (Windows)"},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.6167.85 Safari/537.36", "Chrome/121 (macOS)"},
	{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36", "Chrome/119 (Linux)"},
	{"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome/120 (ChromeOS)"},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91", "Edge/120 (Windows)"},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19045", "Edge/18 (Windows)"},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0", "Opera/106 (macOS)"},
	{"Opera/9.80 (X11; Linux x86_64) Presto/2.12.388 Version/12.16", "Opera/12 (Linux)"},
	{"Opera/9.64 (Windows NT 5.1; U; en) Presto/2.1.1", "Opera/9 (Windows)"},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox/121 (Windows)"},
	{"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox/121 (Linux)"},
	{"Mozilla/5.0 (X11; FreeBSD amd64; rv:109.0) Gecko/20100101 Firefox/115.0", "Firefox/115 (BSD)"},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2.1 Safari/605.1.15", "Safari/17 (macOS)"},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 YaBrowser/23.11.0.0 Safari/537.36", "Yandex/23 (Windows)"},
	{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Vivaldi/6.5.3206.48", "Vivaldi/6 (Linux)"},
	{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu Chromium/32.0.1700.102 Chrome/32.0.1700.102 Safari/537.36", "Chromium/32 (Linux)"},
	// Legacy IE.
	{"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)", "IE/6 (Windows)"},
	{"Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; WOW64; Trident/5.0; chromeframe/19.0.1084.52)", "IE/9 (Windows)"},
	{"Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; .NET4.0C; .NET4.0E; rv:11.0) like Gecko", "IE/11 (Windows)"},
	// Mobile browsers.
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_2_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1", "Safari/17 (iOS)"},
	{"Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1", "Safari/16 (iOS)"},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1", "Chrome/120 (iOS)"},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/121.0 Mobile/15E148 Safari/605.1.15", "Firefox/121 (iOS)"},
	{"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36", "Chrome/120 (Android)"},
	{"Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "Samsung Internet/23 (Android)"},
	{"Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230901.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36", "Chrome/120 (Android)"},
	{"Mozilla/5.0 (Linux; U; Android 4.0.3; de-ch; HTC Sensation Build/IML74K) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30", "Android Browser/4 (Android)"},
	{"Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0", "Firefox/121 (Android)"},
	{"Mozilla/5.0 (Linux; Android 10; HD1913) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36 EdgA/120.0.2210.115", "Edge/120 (Android)"},
	{"Mozilla/5.0 (Linux; Android 9; CUBOT X19) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.45 Mobile Safari/537.36", "Chrome/96 (Android)"},
	{"Mozilla/5.0 (Mobile; Windows Phone 8.1; Android 4.0; ARM; Trident/7.0; Touch; rv:11.0; IEMobile/11.0; NOKIA; Lumia 635) like iPhone OS 7_0_3 Mac OS X AppleWebKit/537 (KHTML, like Gecko) Mobile Safari/537", "IE/11 (Windows Phone)"},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.1.2;FBSS/3;FBID/phone;FBLC/en_GB;FBOP/5;FBRV/543260516]", "Facebook (iOS)"},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 312.0.0.32.112 (iPhone14,2; iOS 16_0; en_US; en; scale=3.00; 1170x2532; 548339486)", "Instagram/312 (iOS)"},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148", "Other (iOS)"},
	// Bots.
	{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot (bot)"},
	{"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.129 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot (bot)"},
	{"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "Bingbot (bot)"},
	{"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.0; +https://openai.com/gptbot)", "OpenAI (bot)"},
	{"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "Facebook (bot)"},
	{"Feedfetcher-Google; (+http://www.google.com/feedfetcher.html; 22 subscribers; feed-id=8321906634162087507)", "Google (bot)"},
	{"UniversalFeedParser/4.2-pre-314-svn +http://feedparser.org/", "Feed reader (bot)"},
	{"Mozilla/5.0 (compatible; Ezooms/1.0; help@moz.com)", "Other (bot)"},
	{"SomeCrawler/3.1 (https://example.com/crawler)", "Other (bot)"},
	// Tools.
	{"curl/8.4.0", "curl (tool)"},
	{"Wget/1.21.4", "Wget (tool)"},
	{"python-requests/2.31.0", "python-requests (tool)"},
	{"Go-http-client/2.0", "Go-http-client (tool)"},
	{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.28 Safari/537.36", "HeadlessChrome (tool)"},
	{"Chef Client/10.18.2 (ruby-1.9.3-p327; ohai-6.16.0; x86_64-linux; +http://opscode.com)", "Chef (tool)"},
	{"Ruby", "Ruby (tool)"},
	// Unknown, empty, garbage.
	{"", ""},
	{"-", "-"},
	{"  ", ""},
	{"Mozilla/4.0 (compatible;)", "Other"},
	{"Mozilla/5.0 (Windows NT 10.0) MyOwnApp/3.2 (jane@example.com; build 7781; de-DE)", "Other (bot)"},
	{"Mozilla/5.0 (Windows NT 10.0) ZzBrowser/3.2 build-7781 de-DE", "Other (Windows)"},
	{"Chrome/123456789", "Chrome"},
	{"\x00\xff\xfe", "Other"},
	{strings.Repeat("Chrome/1", maxUserAgent), "Other"},
}

func TestAppendUserAgent(t *testing.T) {
	for _, tt := range userAgentTests {
		if got := string(AppendUserAgent(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("AppendUserAgent(%.90q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
	if got := string(AppendUserAgent([]byte("ua="), []byte("curl/8.0"))); got != "ua=curl (tool)" {
		t.Errorf("AppendUserAgent with a prefix = %q", got)
	}
	garbage := make([]byte, 1<<20)
	for i := range garbage {
		garbage[i] = byte(i*7 + i>>8)
	}
	if got := string(AppendUserAgent(nil, garbage)); got != "Other" {
		t.Errorf("AppendUserAgent(1 MB of garbage) = %q, want Other", got)
	}
}

// uaOutput is the shape of every generalized User-Agent.
var uaOutput = regexp.MustCompile(`^(-|[A-Za-z][A-Za-z0-9 -]*(/[0-9]{1,4})?( \([A-Za-z ]+\))?)?$`)

// TestUserAgentCorpus generalizes every User-Agent in the shared Apache
// log: all outputs have the family shape, and there are far fewer of them
// than inputs.
func TestUserAgentCorpus(t *testing.T) {
	f, err := os.Open(corpusPath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inputs, outputs := map[string]bool{}, map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), `"`)
		if len(fields) < 6 {
			continue
		}
		ua := fields[5]
		inputs[ua] = true
		out := string(AppendUserAgent(nil, []byte(ua)))
		if !uaOutput.MatchString(out) || len(out) > 48 {
			t.Errorf("AppendUserAgent(%q) = %q: not a family", ua, out)
		}
		outputs[out]++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(inputs) < 500 {
		t.Fatalf("read %d distinct User-Agents, want about 560", len(inputs))
	}
	// The 2015 corpus spans a decade of browser versions, so the major
	// version keeps a fair number of outputs apart.
	if len(outputs)*3 > len(inputs) {
		t.Errorf("%d distinct outputs for %d distinct inputs; want under a third", len(outputs), len(inputs))
	}
	if outputs["Chrome/32 (Windows)"] < 1000 || outputs["Googlebot (bot)"] < 500 || outputs["Firefox/27 (Linux)"] < 400 {
		t.Errorf("the corpus' main families are miscounted: %v", outputs)
	}
	t.Logf("%d distinct User-Agents -> %d distinct outputs", len(inputs), len(outputs))
}

func TestAppendUserAgentAllocs(t *testing.T) {
	dst := make([]byte, 0, 64)
	ua := []byte(userAgentTests[0].in)
	if n := testing.AllocsPerRun(100, func() { AppendUserAgent(dst, ua) }); n != 0 {
		t.Errorf("AppendUserAgent allocates %v times, want 0", n)
	}
}

func TestClientHints(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Sec-CH-UA", `"Not_A Brand";v="8", "Chromium";v="120", "Google Chrome";v="120"`, `"Not_A Brand";v="8", "Chromium";v="120", "Google Chrome";v="120"`},
		{"sec-ch-ua", ` "Chromium";v="120" ,"Google Chrome";v="120" `, `"Chromium";v="120", "Google Chrome";v="120"`},
		{"Sec-CH-UA", `"Not/A)Brand";v="99"`, `"Not/A)Brand";v="99"`},
		{"Sec-CH-UA", `"Chromium";v="120.0.6099.129"`, ``}, // a full version is not a major
		{"Sec-CH-UA", `"Chromium"`, ``},
		{"Sec-CH-UA", `"Chromium";v="120";x=1`, ``},
		{"Sec-CH-UA", `"Chro\"mium";v="120"`, ``},
		{"Sec-CH-UA", `"Chromium";v="120",`, ``},
		{"Sec-CH-UA", `"Chromium";v=""`, ``},
		{"Sec-CH-UA", `""`, ``},
		{"Sec-CH-UA", strings.Repeat(`"a";v="1", `, 8) + `"a";v="1"`, ``},
		{"Sec-CH-UA", `"` + strings.Repeat("a", 65) + `";v="1"`, ``},
		{"Sec-CH-UA-Mobile", "?0", "?0"},
		{"sec-ch-ua-mobile", " ?1 ", "?1"},
		{"Sec-CH-UA-Mobile", "?2", ""},
		{"Sec-CH-UA-Platform", `"Windows"`, `"Windows"`},
		{"Sec-CH-UA-Platform", `"macOS"`, `"macOS"`},
		{"Sec-CH-UA-Platform", `"Haiku"`, ``},
		{"Sec-CH-UA-Platform", `Windows`, ``},
		{"Sec-CH-UA-Platform-Version", `"15.0.0"`, ``},
		{"Sec-CH-UA-Full-Version-List", `"Chromium";v="120.0.6099.129"`, ``},
		{"Sec-CH-UA-Model", `"Pixel 7"`, ``},
		{"Sec-CH-UA-Arch", `"x86"`, ``},
		{"Sec-CH-UA-Bitness", `"64"`, ``},
		{"Sec-CH-UA-WoW64", `?0`, ``},
		{"Sec-CH-UA-Full-Version", `"120.0.6099.129"`, ``},
		{"Sec-CH-Prefers-Color-Scheme", `"dark"`, ``},
		{"User-Agent", `curl/8`, ``},
	}
	for _, tt := range tests {
		if got := string(AppendClientHint(nil, tt.name, []byte(tt.in))); got != tt.want {
			t.Errorf("AppendClientHint(%s, %q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
		if keep := KeepClientHint(tt.name); keep != (tt.name == "Sec-CH-UA" || strings.EqualFold(tt.name, "sec-ch-ua") ||
			strings.EqualFold(tt.name, "Sec-CH-UA-Mobile") || strings.EqualFold(tt.name, "Sec-CH-UA-Platform")) {
			t.Errorf("KeepClientHint(%s) = %v", tt.name, keep)
		}
	}
	if got := string(AppendClientHint([]byte("x"), "Sec-CH-UA", []byte(`"a";v="1", bad`))); got != "x" {
		t.Errorf("a malformed list left %q in dst, want it as it was", got)
	}
}

func FuzzAppendUserAgent(f *testing.F) {
	for _, tt := range userAgentTests[:len(userAgentTests)-1] {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, ua string) {
		out := AppendUserAgent([]byte("x"), []byte(ua))[1:]
		if len(out) > 48 {
			t.Fatalf("AppendUserAgent(%q) = %q: %d bytes, want at most 48", ua, out, len(out))
		}
		if !uaOutput.Match(out) {
			t.Fatalf("AppendUserAgent(%q) = %q: not a family", ua, out)
		}
		for _, name := range []string{"Sec-CH-UA", "Sec-CH-UA-Mobile", "Sec-CH-UA-Platform"} {
			hint := AppendClientHint(nil, name, []byte(ua))
			if len(hint) > len(ua)+16 {
				t.Fatalf("AppendClientHint(%s, %q) = %q: longer than its input", name, ua, hint)
			}
			if again := AppendClientHint(nil, name, hint); string(again) != string(hint) {
				t.Fatalf("AppendClientHint(%s) not idempotent: %q -> %q -> %q", name, ua, hint, again)
			}
		}
	})
}

func BenchmarkAppendUserAgent(b *testing.B) {
	dst := make([]byte, 0, 64)
	for _, bc := range []struct{ name, ua string }{
		{"chrome_windows", userAgentTests[0].in},
		{"samsung_android", "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36"},
		{"googlebot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
	} {
		ua := []byte(bc.ua)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(ua)))
			for b.Loop() {
				dst = AppendUserAgent(dst[:0], ua)
			}
		})
		// The cost of finding the same tokens one at a time, with a
		// lower-cased copy and bytes.Index, as a first version did.
		b.Run(bc.name+"/per_token", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(ua)))
			toks := make([][]byte, len(uaTokens.tokens))
			for i, t := range uaTokens.tokens {
				toks[i] = []byte(t)
			}
			for b.Loop() {
				var buf [maxUserAgent]byte
				lower := buf[:len(ua)]
				for i, c := range ua {
					lower[i] = lowerTable[c]
				}
				var found tokenSet
				for id, t := range toks {
					if bytes.Contains(lower, t) {
						found[id>>6] |= 1 << (id & 63)
					}
				}
				sink = found
			}
		})
	}
}

var sink tokenSet
