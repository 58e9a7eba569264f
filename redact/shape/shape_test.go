package shape

import (
	"bytes"
	"math"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/internal/corpustest"
)

func TestOf(t *testing.T) {
	tests := []struct {
		in   string
		want Class
	}{
		// Numbers: six digits or fewer are counts, pages, years, prices.
		{"", Harmless},
		{"2", Harmless},
		{"42", Harmless},
		{"2024", Harmless},
		{"113901", Harmless},
		{"000123", Harmless},
		{"-0.1278", Harmless},
		{"51.5074", Harmless},
		{"19.99", Harmless},
		{"1280x720", Harmless},
		// Longer digit runs are identifiers.
		{"1029027", ID},
		{"48213377", ID},
		{"0012345", ID},
		{"447700900123", ID},
		{"+447700900123", ID},
		{"1391904000000", ID}, // a millisecond timestamp, unique per request
		{"2.1280852788913944", ID},
		{"u48213377", ID},
		{"order-48213377", ID},
		{"Q_26206381.html", ID},
		{"red-wool-jumper-48213377", ID},
		// Compact dates and date-times are dates.
		{"20070617", Harmless},
		{"20110811235550", Harmless},
		{"202401051030", Harmless},
		{"fex-20070729.tar.gz", Harmless},
		{"release20240105", Harmless},
		{"20241305", ID}, // month 13
		{"30070617", ID}, // year 3007
		// ISO dates and times, versions, language tags, enums.
		{"2024-01-05", Harmless},
		{"2024-01-05T10:20:30Z", Harmless},
		{"2024-01-05T10:20:30.123+01:00", Harmless},
		{"10:30", Harmless},
		{"1.2.3", Harmless},
		{"v1.2.3", Harmless},
		{"4.1.0.22", Harmless},
		{"1.1.0beta6", Harmless},
		{"3.9.1+20230105114512", Harmless},
		{"en-GB", Harmless},
		{"pt-BR", Harmless},
		{"zh-Hant-TW", Harmless},
		{"asc", Harmless},
		{"price_asc", Harmless},
		{"ASC", Harmless},
		{"UTF-8", Harmless},
		{"true", Harmless},
		// Words, slugs, file names.
		{"users", Harmless},
		{"enrolments", Harmless},
		{"settings", Harmless},
		{"red-wool-jumper", Harmless},
		{"how-to-send-keystrokes-f5-from-terminal-to-a-process", Harmless},
		{"269270-how-can-i-pull-cpu-temperature-through-powershell-scripting", Harmless},
		{"keynav-mouseless-navigation-for-x11-545038", Harmless},
		{"logo.png", Harmless},
		{"logo@2x.png", Harmless},
		{"icon@1.5x.png", Harmless},
		{"apple-touch-icon-120x120-precomposed.png", Harmless},
		{"ui-bg_highlight-soft_25_327E04_1x100.png", Harmless},
		{"lumberjack_0.0.24_amd64.deb", Harmless},
		{"setup-4.1.0.22.exe", Harmless},
		{"xdotool-2.20101014.3063.tar.gz", Harmless},
		{"1983_delorean_dmc-12-pic-38289.jpeg", Harmless},
		{"ahhh___rage_face_by_samusmmx-d5g5zap.png", Harmless},
		{"TransportMasterNodeOperationAction.html", Harmless},
		{"getElementById", Harmless},
		{"XMLHttpRequest", Harmless},
		{"MacBookPro2019", Harmless},
		{"iPhone6sPlus", Harmless},
		{"OAuth2Client", Harmless},
		{"WiFiSettings", Harmless},
		{"LD_PRELOAD_notes", Harmless},
		{"ZqFLOSS", Harmless},
		{"ms-android-americamovil-mx", Harmless},
		{"ec2-reserved-instances-大降价了", Harmless},
		{"café", Harmless},
		{"internationalization", Harmless},
		{"callforcallforpostings", Harmless},
		{"strengths", Harmless},
		{"ff00ff", Harmless},
		{"327E04", Harmless},
		{"a1b2c3", Harmless},         // too short to tell
		{"60.191.124.236", Harmless}, // addresses are the detectors' job
		{"{id}", Harmless},
		{"[redacted]", Harmless},
		{"[email]", Harmless},
		{"{id}.ttf", Harmless},
		{"[email:3xT9q2Lw0aKd]", Harmless}, // a detector's pseudonym
		{"[phone]", Harmless},
		{"[x:48213377]", ID},      // too short for a pseudonym
		{"[Jane:K3mfESnO6G]", ID}, // not a tag name
		// Hex, UUIDs, ULIDs.
		{"a3b0e9e3ea84", ID},
		{"acfee44f6d894c9390329497014f22b7", ID},
		{"6A2C8FC5EA5CF191D6C8D1AB8712BB717B8C5AA0", ID},
		{"917574d74039578a86be6e83719012a47692f107", ID},
		{"2461685a-80c9-4d9e-85e9-a3b0e9e3ea84", ID},
		{"{2461685A-80C9-4D9E-85E9-A3B0E9E3EA84}", ID},
		{"abcdefab-cdef-abcd-efab-cdefabcdefab", ID},
		{"01ARZ3NDEKTSV4RRFFQ69G5FAV", ID},
		{"01arz3ndektsv4rrffq69g5fav", ID},
		// Random tokens, short and long.
		{"K3mfESnO6G", ID},
		{"P6vw4TTqWs", ID},
		{"IhBOsaO4IbjvoM", ID},
		{"xGrm1wO4I4EDhM", ID},
		{"KxqZPbTwLmRvNc", ID},
		{"a3f9k2m8q1", ID},
		{"Gq2xK9mPqRt4LwZ8", ID},
		{"0kEyRPUIuCxfyyYZxyM-NQ", ID},
		{"I9__5-dK8L9HK8LEUwnopw", ID},
		{"AFQjCNE0UZAUuE3sP-0T7iwCaHL4h23xiA", ID},
		{"__Hd81OLlbSuIVvLzPBN6CABGyApY=", ID},
		{"AbC+dEf/GhI+jKl/MnO+pQr=", ID},
		{"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", ID},
		{"PRmiXeptR36kaC0GEAetxp_TkvowlIOtbR7ePgFOpF4.ttf", ID},
		{"JBSWY3DPEHPK3PXP", ID},
		{"QWERTPLKJHGFDSZXCVBNM", ID},
		{"017877223933725188677:ueztpza4fok", ID},
		// E-mail addresses.
		{"jane@example.com", Email},
		{"Jane.Doe+news@mail.example.co.uk", Email},
		{"jane@localhost", Harmless},
		{"@handle", Harmless},
		{"a@b@c.com", Harmless},
		// Free text.
		{"call me on 07700 900123", Text},
		{"hope is not a strategy", Text},
		{" 447700900123", ID}, // leading spaces do not make text
		{"  ", Harmless},
	}
	for _, tt := range tests {
		if got := Of([]byte(tt.in)); got != tt.want {
			t.Errorf("Of(%q) = %v, want %v", tt.in, got, tt.want)
		}
		if got := IsID([]byte(tt.in)); got != (tt.want == ID) {
			t.Errorf("IsID(%q) = %v", tt.in, got)
		}
	}
}

func TestWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"red wool jumper", ""},
		{"order 48213377 shipped", "<id:48213377>"},
		{"  reset Gq2xK9mPqRt4LwZ8 for jane@example.com  ", "<id:Gq2xK9mPqRt4LwZ8><email:jane@example.com>"},
	}
	for _, tt := range tests {
		var got strings.Builder
		Words([]byte(tt.in), func(i, j int, c Class) {
			got.WriteString("<" + c.String() + ":" + tt.in[i:j] + ">")
		})
		if got.String() != tt.want {
			t.Errorf("Words(%q) = %q, want %q", tt.in, got.String(), tt.want)
		}
	}
}

func TestClassString(t *testing.T) {
	for c, want := range map[Class]string{Harmless: "harmless", Text: "text", ID: "id", Email: "email", 9: "invalid"} {
		if c.String() != want {
			t.Errorf("Class(%d).String() = %q, want %q", c, c.String(), want)
		}
	}
}

func TestEntropy(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want float64
	}{
		{"", 0}, {"aaaa", 0}, {"ab", 1}, {"abcd", 2}, {"0123456789abcdef", 4},
	} {
		if got := Entropy([]byte(tt.in)); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Entropy(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	// The thresholds meet detect-secrets' at full length.
	if got := entropyThreshold(100, 64); got != 4.5 {
		t.Errorf("base64 threshold = %v, want 4.5", got)
	}
	if got := entropyThreshold(100, 16); got != 3.0 {
		t.Errorf("hex threshold = %v, want 3.0", got)
	}
}

func TestOfAllocs(t *testing.T) {
	for _, in := range []string{"red-wool-jumper", "K3mfESnO6G", "jane@example.com", "AbC+dEf/GhI+jKl/MnO+pQr="} {
		b := []byte(in)
		if n := testing.AllocsPerRun(100, func() { Of(b) }); n != 0 {
			t.Errorf("Of(%q) allocates %v times", in, n)
		}
	}
}

// TestDictionary runs the system word list, and camel-case, slug and
// run-together combinations of its words, through Of: words are not
// identifiers. It skips where there is no word list.
func TestDictionary(t *testing.T) {
	data, err := os.ReadFile("/usr/share/dict/words")
	if err != nil {
		t.Skip("no /usr/share/dict/words")
	}
	var words []string
	for _, w := range strings.Split(string(data), "\n") {
		if w != "" && !strings.Contains(w, "'") {
			words = append(words, w)
		}
	}
	title := func(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
	total, flagged := 0, 0
	check := func(v string) {
		total++
		if c := Of([]byte(v)); c != Harmless {
			flagged++
			if flagged <= 20 {
				t.Logf("%s: %q", c, v)
			}
		}
	}
	for _, w := range words {
		check(w)
		check(strings.ToUpper(w))
		check(title(w))
	}
	for i := 0; i+3 < len(words); i += 3 {
		a, b, c := words[i], words[i+1], words[i+2]
		check(a + title(b) + title(c))
		check(title(a) + title(b))
		check(a + "-" + b + "-" + c)
		check(a + "_" + strings.ToUpper(b))
		check(strings.ToLower(a + b + c))
	}
	t.Logf("%d of %d dictionary values judged not harmless", flagged, total)
	if flagged*10000 > total { // 0.01%
		t.Errorf("%d of %d dictionary values judged not harmless; want at most 0.01%%", flagged, total)
	}
}

// TestCorpusSegments judges every path segment of the request targets and
// referrers in the shared Apache log and lists those that are not
// harmless. Every one of them must be a real identifier: question and
// article numbers, short-link ids, content hashes.
func TestCorpusSegments(t *testing.T) {
	seen := map[string]bool{}
	for _, u := range corpustest.URLs(t, true) {
		if i := strings.Index(u, "://"); i >= 0 {
			u = u[i+3:]
			if j := strings.IndexByte(u, '/'); j >= 0 {
				u = u[j:]
			} else {
				u = ""
			}
		}
		u, _, _ = strings.Cut(u, "?")
		u, _, _ = strings.Cut(u, "#")
		for _, seg := range strings.Split(u, "/") {
			if dec, err := url.PathUnescape(seg); err == nil {
				seen[dec] = true
			}
		}
	}
	// The identifiers in the corpus: Stack Exchange question and
	// experts-exchange numbers, t.co short links and Google Fonts file
	// hashes.
	want := map[string]bool{
		"1029027": true, "13041511": true, "14181488": true, "14656615": true,
		"14941534": true, "16122196": true, "17083473": true, "3585871": true,
		"3983946": true, "5194484": true, "5203419": true, "6038427": true,
		"6287926": true, "6391705": true, "7023942": true, "7312527": true,
		"8028503": true, "8979332": true, "K3mfESnO6G": true, "P6vw4TTqWs": true,
		"Q_26206381.html": true,
		"PRmiXeptR36kaC0GEAetxp_TkvowlIOtbR7ePgFOpF4.ttf": true,
		"cJZKeOuBrn4kERxqtaUH3aCWcynf_cDxXwCLxiixG1c.ttf": true,
		"k3k702ZOKiLJc3WVjuplzInF5uFdDttMLvmWuJdhhgs.ttf": true,
		"xjAJXh38I15wypJXxuGMBp0EAVxt0G0biEntp43Qt6E.ttf": true,
	}
	var ids []string
	for seg := range seen {
		switch Of([]byte(seg)) {
		case ID, Email:
			ids = append(ids, seg)
			if !want[seg] {
				t.Errorf("segment %q is judged an identifier", seg)
			}
		}
	}
	sort.Strings(ids)
	for _, seg := range ids {
		t.Logf("identifier: %s", seg)
	}
	for seg := range want {
		if !bytes.Contains([]byte(strings.Join(ids, "\n")+"\n"), []byte(seg+"\n")) {
			t.Errorf("identifier %q is not judged one", seg)
		}
	}
	t.Logf("%d distinct segments, %d identifiers", len(seen), len(ids))
}

func FuzzOf(f *testing.F) {
	for _, s := range []string{"", "48213377", "red-wool-jumper", "K3mfESnO6G", "jane@example.com", "logo@2x.png",
		"2461685a-80c9-4d9e-85e9-a3b0e9e3ea84", "AbC+dEf/GhI+jKl/MnO+pQr=", "call me", "\xff\xfe@", "20240105"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := []byte(s)
		c := Of(b)
		if c > Email {
			t.Fatalf("Of(%q) = %d", s, c)
		}
		if !bytes.Equal(b, []byte(s)) {
			t.Fatalf("Of changed its input")
		}
		// Surrounding spaces never change the judgement.
		if c2 := Of([]byte(" " + s + " ")); c2 != c {
			t.Fatalf("Of(%q) = %v but with spaces around %v", s, c, c2)
		}
		// The fast path for whole paths never calls harmless what Of
		// would not.
		if Plain(b) {
			for _, piece := range bytes.Split(b, []byte("/")) {
				if c := Of(piece); c != Harmless {
					t.Fatalf("Plain(%q) but Of(%q) = %v", s, piece, c)
				}
			}
		}
		// The tags the scrubbers write are harmless, so that scrubbing
		// twice changes nothing.
		if c == Harmless || c == Text {
			return
		}
		for _, tag := range []string{"{id}", "[redacted]", "[email]"} {
			if Of([]byte(tag)) != Harmless {
				t.Fatalf("tag %s is not harmless", tag)
			}
		}
		Words(b, func(i, j int, c Class) {
			if i < 0 || j > len(b) || i >= j {
				t.Fatalf("Words(%q) reported %d:%d", s, i, j)
			}
		})
	})
}

func BenchmarkOf(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"word", "enrolments"},
		{"slug", "how-to-send-keystrokes-f5-from-terminal-to-a-process"},
		{"number", "48213377"},
		{"token", "AFQjCNE0UZAUuE3sP-0T7iwCaHL4h23xiA"},
		{"file", "kibana-dashboard3.png"},
	} {
		in := []byte(bc.in)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				Of(in)
			}
		})
	}
}

func TestPlain(t *testing.T) {
	for in, want := range map[string]bool{
		"":                                 true,
		"/":                                true,
		"/api/v1/users/me/enrolments":      true,
		"/blog/2024-01-05/red-wool-jumper": true,
		"/files/fex-20070729.tar.gz":       false, // a long digit run: Of decides
		"/api/v1/users/48213377":           false,
		"/members/abcdefab-cdef-abcd-efab-cdefabcdefab/x": false,
		"/a/Upper":              false,
		"/a%20b":                false,
		"/a;v=1":                false,
		"/commits/a3b0e9e3ea84": false,
		"/internationalization": false, // 16 letters or more: Of decides
	} {
		if got := Plain([]byte(in)); got != want {
			t.Errorf("Plain(%q) = %v, want %v", in, got, want)
		}
	}
	// Plain never calls harmless what Of would not.
	for _, in := range []string{"48213377", "a3b0e9e3ea84", "abcdefab-cdef-abcd-efab-cdefabcdefab", "a3f9k2m8q1", "qzxvbnwkrtypmlkjhgfd"} {
		if Plain([]byte(in)) || Plain([]byte("/x/"+in+"/y")) {
			t.Errorf("Plain(%q) = true for an identifier", in)
		}
	}
}

func BenchmarkPlain(b *testing.B) {
	in := []byte("/presentations/logstash-monitorama-2013/images/kibana-search.png")
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		Plain(in)
	}
}
