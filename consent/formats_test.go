package consent

import (
	"strings"
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
)

type cookieCase struct {
	name  string
	value string
	want  Set
	ok    bool
}

func runCookieCases(t *testing.T, d *Decider, cases []cookieCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := d.DecideCookie(tt.value)
			if got != tt.want || ok != tt.ok {
				t.Errorf("DecideCookie(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.ok)
			}
		})
	}
}

var (
	functional = Only.With(Functional)
	analytics  = Only.With(Analytics)
	marketing  = Only.With(Marketing)
)

func TestCookieYes(t *testing.T) {
	d := mustDecider(t, config.ConsentPolicy{Format: config.ConsentCookieYes})
	runCookieCases(t, d, []cookieCase{
		{"accept all", cookieYesAll, All, true},
		{"functional only", cookieYesSome, functional, true},
		{"reject all", cookieYesReject, Only, true},
		{"defaults before the visitor answers", cookieYesDefaults, Only, true},
		{"with lastRenewedDate", "consentid:SlExQWtpV0lESUdEVllGbUcyTzJJMk5ZQUtNWElQZlA,consent:yes,action:yes,necessary:yes,functional:no,analytics:yes,performance:yes,advertisement:no,other:yes,lastRenewedDate:1710054739000", analytics, true},
		{"without performance and other", "consentid:S2k4RFFzdHlnUEoxSWlCNUFEc05Jb0dWaHBaNnY1NTk,consent:yes,action:yes,necessary:yes,functional:yes,analytics:yes,performance:yes,advertisement:yes", All, true},
		{"analytics needs performance too", "consent:yes,action:yes,analytics:yes,performance:no,advertisement:yes", marketing, true},
		{"performance alone grants analytics", "consent:yes,action:yes,performance:yes", analytics, true},
		{"advertisement", "consent:yes,action:yes,advertisement:yes", marketing, true},
		{"percent-encoded", "consentid%3Aabc%2Cconsent%3Ayes%2Caction%3Ayes%2Cfunctional%3Ayes%2Canalytics%3Ano", functional, true},
		{"spaces", "consent: yes, action :yes, functional : yes", functional, true},
		{"consent no", "consent:no,action:yes,functional:yes,analytics:yes,advertisement:yes", Only, true},
		{"no action", "consent:yes,functional:yes", Only, true},
		{"no consent key", "action:yes,functional:yes", Only, false},
		{"repeated key, one no", "consent:yes,action:yes,advertisement:yes,advertisement:no", Only, false},
		// A key answered both ways denies every category, not only its own.
		{"conflicting duplicate key", "consentid:abc,consent:yes,action:yes,necessary:yes,functional:yes,analytics:yes,performance:yes,advertisement:yes,analytics:no", Only, false},
		{"same key, same answer twice", "consent:yes,action:yes,functional:yes,functional:yes", functional, true},
		{"repeated action, one no", "consent:yes,action:yes,action:no,functional:yes", Only, true},
		{"consent key twice", "consent:yes,consent:yes,action:yes,functional:yes", functional, true},
		{"unknown key", "consent:yes,action:yes,social:yes,functional:yes", functional, true},
		{"trailing comma", "consent:yes,action:yes,functional:yes,", functional, true},

		{"bad value", "consent:yes,action:yes,analytics:maybe", Only, false},
		{"pair without colon", "consent:yes,action:yes,analytics", Only, false},
		{"garbage", "hello", Only, false},
		{"empty", "", Only, false},
		{"truncated escape", "consent:yes,action:yes,analytics:yes%2", Only, false},
		{"bad escape", "consent:yes%zz", Only, false},
		{"json", `{"analytics":true}`, Only, false},
		{"kv", "consent=yes&action=yes", Only, false},
	})

	custom := mustDecider(t, config.ConsentPolicy{Format: config.ConsentCookieYes, Fields: map[string]string{"social": "marketing", "performance": "necessary"}})
	runCookieCases(t, custom, []cookieCase{
		{"custom category", "consent:yes,action:yes,social:no,advertisement:yes", Only, true},
		{"custom category yes", "consent:yes,action:yes,social:yes,advertisement:yes", marketing, true},
		{"performance ignored", "consent:yes,action:yes,analytics:yes,performance:no", analytics, true},
	})
}

func TestCookiebot(t *testing.T) {
	d := mustDecider(t, config.ConsentPolicy{Format: config.ConsentCookiebot})
	runCookieCases(t, d, []cookieCase{
		{"preferences only", cookiebotSome, functional, true},
		{"accept all with TCF string", cookiebotAll, All, true},
		{"decoded", "{stamp:'mQ4yA0i5Ew==',necessary:true,preferences:false,statistics:true,marketing:false,method:'explicit',ver:1,utc:1700000000000,region:'gb'}", analytics, true},
		{"reject all", "{stamp:%27abc%27%2Cnecessary:true%2Cpreferences:false%2Cstatistics:false%2Cmarketing:false%2Cmethod:%27explicit%27%2Cver:1%2Cutc:1700000000000%2Cregion:%27fr%27}", Only, true},
		{"double quotes", `{"stamp":"abc","necessary":true,"preferences":true,"statistics":true,"marketing":true,"method":"explicit"}`, All, true},
		{"spaces", "{ stamp : 'a' , marketing : true , method : 'explicit' }", marketing, true},
		{"escaped quote in stamp", `{stamp:'a\'b',statistics:true,method:'explicit'}`, analytics, true},
		{"implied", "{stamp:'abc',necessary:true,preferences:true,statistics:true,marketing:true,method:'implied',ver:1}", Only, true},
		{"no method", "{stamp:'abc',necessary:true,preferences:true,statistics:true,marketing:true,ver:1}", Only, true},
		{"method twice, one implied", "{statistics:true,method:'explicit',method:'implied'}", Only, true},
		{"repeated key, one false", "{statistics:true,statistics:false,method:'explicit'}", Only, false},
		{"conflicting duplicate key", "{stamp:'x',necessary:true,preferences:true,statistics:true,marketing:true,method:'explicit',statistics:false}", Only, false},
		{"same key, same answer twice", "{preferences:true,preferences:true,method:'explicit'}", functional, true},
		{"only necessary", "0", Only, true},
		{"empty object", "{}", Only, true},
		{"unknown key", "{statistics:true,unclassified:true,method:'explicit'}", analytics, true},

		{"outside region -1", "-1", Only, false},
		{"no consent needed -2", "-2", Only, false},
		{"other number", "1", Only, false},
		{"category string value", "{statistics:'true',method:'explicit'}", Only, false},
		{"nested object", "{statistics:true,gacm:{a:1},method:'explicit'}", Only, false},
		{"unterminated string", "{stamp:'abc,statistics:true}", Only, false},
		{"missing brace", "{statistics:true,method:'explicit'", Only, false},
		{"missing colon", "{statistics true}", Only, false},
		{"missing comma", "{statistics:true marketing:true}", Only, false},
		{"double comma", "{statistics:true,,marketing:true}", Only, false},
		{"truncated escape", "{stamp:%27abc%27%2", Only, false},
		{"garbage", "%00%ff", Only, false},
	})
}

func TestOneTrust(t *testing.T) {
	d := mustDecider(t, config.ConsentPolicy{Format: config.ConsentOneTrust})
	runCookieCases(t, d, []cookieCase{
		{"functional only", oneTrustSome, functional, true},
		{"accept all with stack", oneTrustAll, All, true},
		{"reject all, groups out of order", "isGpcEnabled=0&datestamp=Wed+Jan+29+2025+10%3A05%3A33+GMT%2B0400+(Gulf+Standard+Time)&version=202409.1.0&browserGpcFlag=0&isIABGlobal=false&hosts=&consentId=9fddc8b1-c479-4b4f-a520-f5cab70c6cd6&interactionCount=1&isAnonUser=1&landingPath=NotLandingPage&groups=C0003%3A0%2CC0004%3A0%2CC0002%3A0%2CC0001%3A1", Only, true},
		{"social media refused", "interactionCount=18&groups=C0001%3A1%2CC0002%3A1%2CC0003%3A1%2CC0004%3A1%2CC0005%3A0%2CV2STACK42%3A0&genVendors=V2%3A0%2CV1%3A0%2C", Only.With(Functional).With(Analytics), true},
		{"no interactionCount", "isGpcEnabled=0&version=202303.2.0&hosts=&landingPath=NotLandingPage&groups=C0002%3A1%2CC0003%3A1%2CC0004%3A1%2CC0001%3A1", All, true},
		{"not answered yet", "interactionCount=0&groups=C0001%3A1%2CC0002%3A1%2CC0003%3A1%2CC0004%3A1", Only, true},
		{"unencoded groups", "interactionCount=1&groups=C0001:1,C0002:1", analytics, true},
		{"landingPath cannot forge groups", "interactionCount=1&landingPath=https%3A%2F%2Fexample.com%2F%3Fx%3D1%26groups%3DC0004%253A1&groups=C0001%3A1%2CC0004%3A0", Only, true},
		{"groups twice, conflicting", "groups=C0002%3A1&groups=C0002%3A0", Only, false},
		{"conflicting duplicate group", "interactionCount=1&groups=C0001%3A1%2CC0002%3A1%2CC0003%3A1%2CC0004%3A1%2CC0002%3A0", Only, false},
		{"same group, same answer twice", "interactionCount=1&groups=C0003%3A1%2CC0003%3A1", functional, true},
		{"empty groups", "interactionCount=1&groups=", Only, true},
		{"custom group ids ignored", "interactionCount=1&groups=2%3A1%2C3%3A1%2C1%3A1%2C4%3A1", Only, true},

		{"no groups", "isGpcEnabled=0&datestamp=Tue+Nov+21+2023&version=202310.1.0", Only, false},
		{"groups without =", "interactionCount=1&groups", Only, false},
		{"bad group value", "groups=C0001%3A1%2CC0002%3Ayes", Only, false},
		{"group value 2", "groups=C0002%3A2", Only, false},
		{"group without value", "groups=C0001%3A1%2CC0002", Only, false},
		{"bad escape in groups", "groups=C0002%3A1%2", Only, false},
		{"garbage", "\x00\x01", Only, false},
	})

	custom := mustDecider(t, config.ConsentPolicy{Format: config.ConsentOneTrust, Fields: map[string]string{
		"1": "necessary", "2": "analytics", "3": "functional", "4": "marketing", "C0005": "necessary",
	}})
	runCookieCases(t, custom, []cookieCase{
		{"site's own group ids", "interactionCount=1&groups=2%3A1%2C3%3A1%2C1%3A1%2C4%3A1%2CV2STACK42%3A1", All, true},
		{"defaults still apply", "groups=C0002%3A1%2C2%3A0", Only, true},
		{"remapped C0005 ignored", "groups=C0004%3A1%2CC0005%3A0", marketing, true},
	})
}

func TestJSON(t *testing.T) {
	d := mustDecider(t, config.ConsentPolicy{Format: config.ConsentJSON})
	runCookieCases(t, d, []cookieCase{
		{"plain", `{"analytics":true,"marketing":false}`, analytics, true},
		{"percent-encoded", `%7B%22analytics%22%3Atrue%2C%22marketing%22%3Afalse%7D`, analytics, true},
		{"all", `{"necessary":true,"functional":true,"analytics":true,"marketing":true}`, All, true},
		{"strings", `{"functional":"yes","analytics":"granted","marketing":"no"}`, Only.With(Functional).With(Analytics), true},
		{"numbers", `{"analytics":1,"marketing":0}`, analytics, true},
		{"string numbers", `{"analytics":"1","marketing":"0"}`, analytics, true},
		{"upper case values", `{"analytics":"YES","marketing":"Granted"}`, Only.With(Analytics).With(Marketing), true},
		{"whitespace", " {\n\t\"analytics\" : true ,\r\n \"marketing\":false } ", analytics, true},
		{"escaped key", `{"analytic\u0073":true}`, analytics, true},
		{"escaped value", `{"analytics":"gr\u0061nted"}`, analytics, true},
		{"repeated key, one false", `{"analytics":true,"analytics":false}`, Only, false},
		{"conflicting duplicate key", `{"functional":true,"analytics":true,"marketing":true,"analytics":false}`, Only, false},
		{"conflicting duplicate key, escaped", `{"functional":true,"analytics":true,"analytic\u0073":"no"}`, Only, false},
		{"same key, same answer twice", `{"functional":true,"functional":"yes"}`, functional, true},
		{"unknown keys of any type", `{"v":2,"ts":1700000000,"id":"a\"b","x":null,"nested":{"analytics":true,"l":[1,2,{"a":[]}]},"analytics":true}`, analytics, true},
		{"empty object", `{}`, Only, true},
		{"necessary false is ignored", `{"necessary":false,"analytics":true}`, analytics, true},
		{"case-sensitive keys", `{"Analytics":true}`, Only, true},

		{"null value", `{"analytics":null}`, Only, false},
		{"2 is not a choice", `{"analytics":2}`, Only, false},
		{"1.0 is not a choice", `{"analytics":1.0}`, Only, false},
		{"unknown string", `{"analytics":"maybe"}`, Only, false},
		{"object value", `{"analytics":{"granted":true}}`, Only, false},
		{"trailing comma", `{"analytics":true,}`, Only, false},
		{"single quotes", `{'analytics':true}`, Only, false},
		{"bare key", `{analytics:true}`, Only, false},
		{"array", `[{"analytics":true}]`, Only, false},
		{"two objects", `{"analytics":true}{}`, Only, false},
		{"unterminated", `{"analytics":true`, Only, false},
		{"unterminated string", `{"analytics`, Only, false},
		{"bad escape", `{"analytics\q":true}`, Only, false},
		{"short unicode escape", `{"a\u00":true}`, Only, false},
		{"control character", "{\"a\nb\":true}", Only, false},
		{"bad number", `{"x":01,"analytics":true}`, Only, false},
		{"bad literal", `{"x":tru,"analytics":true}`, Only, false},
		{"too deep", `{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `,"analytics":true}`, Only, false},
		{"bad percent escape", `%7B%22analytics%22%3Atrue%7`, Only, false},
		{"empty", ``, Only, false},
	})

	mode := mustDecider(t, config.ConsentPolicy{Format: config.ConsentJSON, Fields: map[string]string{
		"ad_storage": "marketing", "analytics_storage": "analytics", "functionality_storage": "functional", "marketing": "necessary",
	}})
	runCookieCases(t, mode, []cookieCase{
		{"consent mode keys", `{"ad_storage":"granted","analytics_storage":"denied","functionality_storage":"granted"}`, Only.With(Marketing).With(Functional), true},
		{"defaults extended", `{"analytics":true,"analytics_storage":"granted"}`, analytics, true},
		{"remapped default ignored", `{"marketing":"maybe"}`, Only, true},
	})
}

func TestKV(t *testing.T) {
	d := mustDecider(t, config.ConsentPolicy{Format: config.ConsentKV})
	runCookieCases(t, d, []cookieCase{
		{"query style", "analytics=1&marketing=0", analytics, true},
		{"colon and comma", "analytics:yes,marketing:no", analytics, true},
		{"pipes", "functional=true|analytics=false|marketing=true", Only.With(Functional).With(Marketing), true},
		{"mixed", "functional:granted&analytics=denied|marketing:1", Only.With(Functional).With(Marketing), true},
		{"percent-encoded", "analytics%3D1%26marketing%3D1", Only.With(Analytics).With(Marketing), true},
		{"spaces", " analytics = 1 , marketing = 0 ", analytics, true},
		{"unknown keys", "v=2&ts=1700000000&analytics=1&id=", analytics, true},
		{"empty pairs", "&&analytics=1&&", analytics, true},
		{"repeated, one no", "analytics=1&analytics=0", Only, false},
		{"conflicting duplicate key", "functional=1&analytics=1&marketing=1&analytics=0", Only, false},
		{"same key, same answer twice", "functional=yes&functional=1", functional, true},
		{"empty", "", Only, false},

		{"bad value", "analytics=maybe", Only, false},
		{"empty value", "analytics=", Only, false},
		{"key only", "analytics", Only, false},
		{"garbage", "hello world", Only, false},
		{"truncated escape", "analytics=1%", Only, false},
		{"json", `{"analytics":true}`, Only, false},
	})

	custom := mustDecider(t, config.ConsentPolicy{Format: config.ConsentKV, Fields: map[string]string{"stats": "analytics", "ads": "marketing"}})
	runCookieCases(t, custom, []cookieCase{
		{"custom keys", "stats=1&ads=1", Only.With(Analytics).With(Marketing), true},
		{"custom and default keys agree", "stats=1&analytics=1", analytics, true},
		{"custom and default keys disagree", "stats=1&analytics=0", Only, true},
	})
}

func TestFormatNone(t *testing.T) {
	d := mustDecider(t, config.ConsentPolicy{Format: config.ConsentNone})
	if got, ok := d.DecideCookie("analytics=1"); got != Only || ok {
		t.Errorf("DecideCookie = %v, %v; want necessary, false", got, ok)
	}
}

func TestAppendUnescape(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"", "", true},
		{"abc", "abc", true},
		{"a%2Cb", "a,b", true},
		{"a%2cb", "a,b", true},
		{"a+b", "a+b", true},
		{"%00", "\x00", true},
		{"%ff%FF", "\xff\xff", true},
		{"%252C", "%2C", true},
		{"%", "", false},
		{"%4", "", false},
		{"a%4", "", false},
		{"%zz", "", false},
		{"%4g", "", false},
	}
	for _, tt := range tests {
		got, ok := appendUnescape(nil, tt.in)
		if ok != tt.ok || (ok && string(got) != tt.want) {
			t.Errorf("appendUnescape(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseChoice(t *testing.T) {
	yes := []string{"1", "true", "TRUE", "yes", "Yes", "granted", "GRANTED"}
	no := []string{"0", "false", "no", "NO", "denied", "Denied"}
	bad := []string{"", "2", "01", "y", "n", "on", "off", "truee", "grant", " yes", "null"}
	for _, s := range yes {
		if g, ok := parseChoice([]byte(s)); !g || !ok {
			t.Errorf("parseChoice(%q) = %v, %v; want yes", s, g, ok)
		}
	}
	for _, s := range no {
		if g, ok := parseChoice([]byte(s)); g || !ok {
			t.Errorf("parseChoice(%q) = %v, %v; want no", s, g, ok)
		}
	}
	for _, s := range bad {
		if _, ok := parseChoice([]byte(s)); ok {
			t.Errorf("parseChoice(%q) is readable", s)
		}
	}
}
