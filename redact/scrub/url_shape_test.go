package scrub

import (
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
)

// fakePhone stands in for the detectors with a phone detector: fakeText,
// then every run of 10 to 15 digits, perhaps after a '+' and grouped by
// single spaces, becomes "[phone]".
func fakePhone(dst, src []byte) []byte {
	var buf [512]byte
	src = fakeText(buf[:0], src)
	for i := 0; i < len(src); {
		start := i
		if src[i] == '+' {
			i++
		}
		if i == len(src) || src[i] < '0' || src[i] > '9' {
			dst = append(dst, src[start])
			i = start + 1
			continue
		}
		digits, end := 0, i
		for j := i; j < len(src); j++ {
			if c := src[j]; '0' <= c && c <= '9' {
				digits++
				end = j + 1
			} else if c != ' ' || j+1 >= len(src) || src[j+1] < '0' || src[j+1] > '9' {
				break
			}
		}
		if digits >= 10 && digits <= 15 && (start == 0 || src[start-1] < '0' || src[start-1] > '9') {
			dst = append(dst, "[phone]"...)
			i = end
			continue
		}
		dst = append(dst, src[start])
		i = start + 1
	}
	return dst
}

func checkURL(t *testing.T, u *URL, tests []struct{ in, want string }) {
	t.Helper()
	for _, tt := range tests {
		got := string(u.Append(nil, []byte(tt.in)))
		if got != tt.want {
			t.Errorf("Append(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		if again := string(u.Append(nil, []byte(got))); again != got {
			t.Errorf("Append(%q) is not idempotent: %q -> %q", tt.in, got, again)
		}
	}
}

func TestURLPathIDs(t *testing.T) {
	checkURL(t, mustURL(t, config.URLPolicy{}), []struct{ in, want string }{
		// The routes of the issue.
		{"/api/v1/users/48213377/enrolments", "/api/v1/users/{id}/enrolments"},
		{"/members/2461685a-80c9-4d9e-85e9-a3b0e9e3ea84/settings", "/members/{id}/settings"},
		{"/members/2461685A-80C9-4D9E-85E9-A3B0E9E3EA84", "/members/{id}"},
		{"/members/%7B2461685a-80c9-4d9e-85e9-a3b0e9e3ea84%7D/settings", "/members/{id}/settings"},
		// Hex, tokens, ULIDs, numbers in slugs.
		{"/commits/917574d74039578a86be6e83719012a47692f107", "/commits/{id}"},
		{"/s/K3mfESnO6G", "/s/{id}"},
		{"/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV/items/3", "/orders/{id}/items/3"},
		{"/products/red-wool-jumper-48213377", "/products/{id}"},
		{"/u/48213377/", "/u/{id}/"},
		{"https://example.com/invoices/48213377.pdf?download=1", "https://example.com/invoices/{id}.pdf?download=1"},
		{"/fonts/PRmiXeptR36kaC0GEAetxp_TkvowlIOtbR7ePgFOpF4.ttf", "/fonts/{id}.ttf"},
		{"/a/48213377.backup-copy", "/a/{id}"},
		// Percent-decoded before judging.
		{"/u/%34%38%32%31%33%33%37%37", "/u/{id}"},
		// E-mail addresses by shape and by detector.
		{"/users/jane@example.com/profile", "/users/[email]/profile"},
		// Free text in a segment keeps its words.
		{"/notes/order%2048213377%20shipped", "/notes/order%20{id}%20shipped"},
		// The harmless stays.
		{"/", "/"},
		{"/api/v1/users/me/enrolments", "/api/v1/users/me/enrolments"},
		{"/blog/2024-01-05/red-wool-jumper", "/blog/2024-01-05/red-wool-jumper"},
		{"/blog/20070617/navmacro.c", "/blog/20070617/navmacro.c"},
		{"/questions/113901/control-keyboard", "/questions/113901/control-keyboard"},
		{"/dl/logstash-1.1.0-monolithic.jar", "/dl/logstash-1.1.0-monolithic.jar"},
		{"/en-GB/page/2", "/en-GB/page/2"},
		{"/files/Baked%20Spaghetti.doc", "/files/Baked%20Spaghetti.doc"},
		// Hosts are not judged.
		{"https://a3b0e9e3ea84.cdn.example.com/x", "https://a3b0e9e3ea84.cdn.example.com/x"},
		// Fragments kept are judged like paths.
		{"/p#/users/48213377", "/p"},
		// Matrix parameters too.
		{"/a;v=48213377/b", "/a;{id}/b"},
		// Scrubbing again keeps the tags.
		{"/u/{id}/x/{id}.pdf/[email]", "/u/{id}/x/{id}.pdf/[email]"},
	})
	checkURL(t, mustURL(t, config.URLPolicy{KeepFragment: true}), []struct{ in, want string }{
		{"/p#/users/48213377/edit", "/p#/users/{id}/edit"},
	})
	checkURL(t, mustURL(t, config.URLPolicy{PathIDs: config.PathIDsKeep}), []struct{ in, want string }{
		{"/api/v1/users/48213377/enrolments", "/api/v1/users/48213377/enrolments"},
		{"/users/jane@example.com/profile", "/users/[email]/profile"}, // the detectors still run
		{"/reset?reset=Gq2xK9mPqRt4LwZ8", "/reset?reset=[redacted]"},  // queries are still judged
	})
}

func TestURLQueryValues(t *testing.T) {
	checkURL(t, mustURL(t, config.URLPolicy{}), []struct{ in, want string }{
		// (a) Identifiers and tokens, whatever the name.
		{"/password/reset/confirm?reset=Gq2xK9mPqRt4LwZ8", "/password/reset/confirm?reset=[redacted]"},
		{"/confirm?t=Gq2xK9mPqRt4LwZ8&lang=en", "/confirm?t=[redacted]&lang=en"},
		{"/p?ref=48213377", "/p?ref=[redacted]"},
		{"/p?member=2461685a-80c9-4d9e-85e9-a3b0e9e3ea84", "/p?member=[redacted]"},
		{"/p?h=917574d74039578a86be6e83719012a47692f107", "/p?h=[redacted]"},
		{"/p?b=AbC%2BdEf%2FGhI%2BjKl%2FMnO%2BpQr%3D", "/p?b=[redacted]"},
		{"/p?b=AbC+dEf/GhI+jKl/MnO+pQr=", "/p?b=[redacted]"}, // a raw '+' in base64 is not a space
		{"/p?j=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "/p?j=[redacted]"},
		{"/p?to=bob@example.org", "/p?to=[email]"},
		{"/confirm?Gq2xK9mPqRt4LwZ8", "/confirm?[redacted]"}, // a value without a name
		{"/p?q=order+48213377+late", "/p?q=order+[redacted]+late"},
		{"/p?q=order%2048213377%20late", "/p?q=order+[redacted]+late"},
		// (b) Credential-like names, whatever the value.
		{"/p?reset_code=123456&resetKey=abc", "/p?reset_code=[redacted]&resetKey=[redacted]"},
		{"/p?X-Api-Key=z&accessKey=y", "/p?X-Api-Key=[redacted]&accessKey=[redacted]"},
		{"/p?sig2=0kEyRPUIuCxfyyYZxyM-NQ", "/p?sig2=[redacted]"},
		{"/p?oauth_verifier=hunter2&otp_code=123456", "/p?oauth_verifier=[redacted]&otp_code=[redacted]"},
		{"/p?userPass=summer&login_pwd=hunter2&pass_phrase=x", "/p?userPass=[redacted]&login_pwd=[redacted]&pass_phrase=[redacted]"},
		{"/p?csrfmiddlewaretoken=b&XSRFToken=a&tokenId=c", "/p?tokenId=[redacted]"}, // the first two are denied names
		{"/p?mySessionKey=1&magic_link_sig=2", "/p?mySessionKey=[redacted]&magic_link_sig=[redacted]"},
		{"/p?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE", "/p"}, // on the deny list: removed as before
		{"/p?verification%5Fcode=1", "/p?verification%5Fcode=[redacted]"},
		{"/p?reset=", "/p?reset="},                                 // nothing to hide
		{"/p?reset", "/p?reset"},                                   // a word without a value
		{"/p?[jwt]=2&[credential]=3", "/p?[jwt]=2&[credential]=3"}, // detector tags, not names
		// Near misses of (b) stay.
		{"/p?keyword=wool&keywords=red", "/p?keyword=wool&keywords=red"},
		{"/p?passenger=2&passengers=3", "/p?passenger=2&passengers=3"},
		{"/p?authors=tolstoy&author=tolstoy", "/p?authors=tolstoy&author=tolstoy"},
		{"/p?country_code=GB&countryCode=GB&currency_code=EUR&status_code=404", "/p?country_code=GB&countryCode=GB&currency_code=EUR&status_code=404"},
		{"/p?sort_key=price&barcode=5012345678900", "/p?sort_key=price&barcode=[redacted]"}, // a 13-digit barcode is an id by shape
		{"/p?monkey=1&turkey=2&hockey=3&design=4&signal=5&signup=6", "/p?monkey=1&turkey=2&hockey=3&design=4&signal=5&signup=6"},
		{"/p?preset=warm&inside=1&bypass=0&compass=n", "/p?preset=warm&inside=1&bypass=0&compass=n"},
		{"/p?tokens_left=3&sessions=4", "/p?tokens_left=3&sessions=4"},
		{"/p?unicode=1&encode=utf8", "/p?unicode=1&encode=utf8"},
		// (c) The harmless stays.
		{"/p?page=2&sort=price_asc&lang=en-GB", "/p?page=2&sort=price_asc&lang=en-GB"},
		{"/p?utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale-2024", "/p?utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale-2024"},
		{"/p?from=2024-01-05&to=2024-02-05T10:00:00Z", "/p?from=2024-01-05&to=2024-02-05T10:00:00Z"},
		{"/p?v=1.2.3&size=XL&colour=navy&qty=12&price=19.99", "/p?v=1.2.3&size=XL&colour=navy&qty=12&price=19.99"},
		{"/p?q=red+wool+jumper&id=42", "/p?q=red+wool+jumper&id=42"},
		{"/p?file=logo.png&w=1280&h=720", "/p?file=logo.png&w=1280&h=720"},
		// URLs in values keep their shape: their ids are tagged.
		{"/go?url=https%3A%2F%2Fx.example%2Fu%2F48213377", "/go?url=https://x.example/u/{id}"},
		{"/login?next=/account/48213377/orders", "/login?next=/account/{id}/orders"},
		{"/login?next=%2Freset%3Freset%3DGq2xK9mPqRt4LwZ8", "/login?next=/reset?reset%3D[redacted]"},
	})
}

func TestURLFormDecoding(t *testing.T) {
	u, err := NewURL(config.URLPolicy{}, fakePhone)
	if err != nil {
		t.Fatal(err)
	}
	checkURL(t, u, []struct{ in, want string }{
		{"/contact?msg=call+me+on+07700+900123", "/contact?msg=call+me+on+[phone]"},
		{"/contact?msg=call%20me%20on%2007700%20900123", "/contact?msg=call+me+on+[phone]"},
		{"/contact?msg=call%20me%20on%2007700%20900123%21", "/contact?msg=call+me+on+[phone]!"},
		// A '+' that form decoding made a space is given back to the
		// detectors.
		{"/p?n=+447700900123", "/p?n=[phone]"},
		{"/p?n=%2B447700900123", "/p?n=[phone]"},
		{"/p?n=+44+7700+900123", "/p?n=[phone]"},
		{"/p?n=%20447700900123", "/p?n=[phone]"},
		{"/p?tel=+447700900123&n=1", "/p?n=1"}, // tel is a denied name
		// Not a number of international length: left as it was.
		{"/p?n=+42", "/p?n=+42"},
		{"/p?n=+123456", "/p?n=+123456"},
	})
}

// TestURLKeepValues relaxes the rules per site.
func TestURLKeepValues(t *testing.T) {
	checkURL(t, mustURL(t, config.URLPolicy{KeepValues: []string{"sku", "ref_*", "code", "token"}}), []struct{ in, want string }{
		{"/p?sku=48213377&ref_a=Gq2xK9mPqRt4LwZ8&ref=48213377", "/p?sku=48213377&ref_a=Gq2xK9mPqRt4LwZ8&ref=[redacted]"},
		{"/p?code=SUMMER24", "/p"},                    // code is denied: keep_values does not bring it back
		{"/p?sku=jane@example.com", "/p?sku=[email]"}, // the detectors still run
		{"/p?SKU=48213377", "/p?SKU=48213377"},        // names match without case
		{"/p?Gq2xK9mPqRt4LwZ8", "/p?[redacted]"},
	})
	// In allow mode, an allowed name is exempt from the name rule only.
	checkURL(t, mustURL(t, config.URLPolicy{Query: config.QueryAllow, Allow: []string{"promo_code", "reset"}}), []struct{ in, want string }{
		{"/p?promo_code=SUMMER24&page=2", "/p?promo_code=SUMMER24&page=2"},
		{"/p?reset=Gq2xK9mPqRt4LwZ8", "/p?reset=[redacted]"},
		{"/p?page=48213377", "/p?page=[redacted]"},
	})
}

func TestURLFreeTextHook(t *testing.T) {
	upper := func(dst, src []byte) []byte {
		for _, c := range src {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
		}
		return dst
	}
	u, err := NewURL(config.URLPolicy{}, fakeText, WithFreeText(upper))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ in, want string }{
		{"/s?q=morwenna+tregothnan", "/s?q=MORWENNA+TREGOTHNAN"},
		{"/s?q=order+48213377+late", "/s?q=ORDER+[REDACTED]+LATE"},
		{"/s?q=single", "/s?q=single"}, // one word is not free text
		{"/s/two%20words", "/s/TWO%20WORDS"},
	} {
		if got := string(u.Append(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("Append(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCredentialName(t *testing.T) {
	for name, want := range map[string]bool{
		"password": true, "passwd": true, "pass": true, "pwd": true, "secret": true,
		"token": true, "key": true, "auth": true, "code": true, "reset": true,
		"sig": true, "otp": true, "nonce": true, "session": true, "sid": true,
		"user[password]": true, "resetToken": true, "reset_token": true, "resettoken": true,
		"api_key": true, "apiKey": true, "APIKey": true, "X-Api-Key": true, "accesskey": true,
		"AWSAccessKeyId": true, "X-Amz-Signature": true, "sig2": true, "key1": true,
		"oauth_verifier": true, "otp_code": true, "authcode": true, "verification_code": true,
		"clientSecret": true, "client_secret": true, "newPassword": true, "userpass": true,
		"sessionId": true, "PHPSESSID": true, "jsessionid": true, "XSRFToken": true,
		"csrfmiddlewaretoken": true, "tokenId": true, "passcode": true, "zip_code": true,
		"promo_code": true, "sms-code": true, "pin": true, "mfa": true, "jwt": true,
		"keyword": false, "keywords": false, "keyboard": false, "passenger": false,
		"passage": false, "passport": false, "authors": false, "author": false,
		"authority": false, "zipcode": false, "postcode": false, "barcode": false,
		"unicode": false, "encode": false, "country_code": false, "countryCode": false,
		"currency_code": false, "status_code": false, "sort_key": false, "monkey": false,
		"turkey": false, "hockey": false, "design": false, "signal": false, "signup": false,
		"preset": false, "inside": false, "bypass": false, "compass": false,
		"tokens_left": false, "tokens": false, "sessions": false, "ssid": false,
		"spin": false, "page": false, "q": false, "utm_source": false, "": false,
		"[jwt]": false, "[credential]": false, "[email:3xT9q2Lw0aKd]": false,
	} {
		if got := credentialName([]byte(name)); got != want {
			t.Errorf("credentialName(%q) = %v, want %v", name, got, want)
		}
		var buf [maxName]byte
		if n, _ := decodeName(&buf, name); want && !maybeCredential(buf[:n]) {
			t.Errorf("maybeCredential(%q) = false", name)
		}
	}
}

func TestURLShapeAllocs(t *testing.T) {
	u := mustURL(t, config.URLPolicy{})
	for _, in := range []string{
		"/api/v1/users/48213377/enrolments?reset=Gq2xK9mPqRt4LwZ8&page=2",
		"/members/2461685a-80c9-4d9e-85e9-a3b0e9e3ea84/settings?resetToken=abc",
		"/p?q=order+48213377+late&b=AbC+dEf/GhI+jKl/MnO+pQr=&tel=+447700900123",
		"/invoices/48213377.pdf?next=/account/48213377/orders",
	} {
		dst := make([]byte, 0, 4096)
		src := []byte(in)
		if n := testing.AllocsPerRun(100, func() { u.Append(dst, src) }); n != 0 {
			t.Errorf("Append(%q) allocates %v times, want 0", in, n)
		}
	}
}

// FuzzCredentialName checks that the quick first test never rejects a
// credential-like name.
func FuzzCredentialName(f *testing.F) {
	for _, s := range []string{"resetToken", "sig2", "X-Api-Key", "page", "PHPSESSID", "user[password]", "ñtoken", "pw"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		var buf [maxName]byte
		n, ok := decodeName(&buf, name)
		if !ok {
			return
		}
		u := mustURL(t, config.URLPolicy{})
		if u.credentialName([]byte(name)) && !maybeCredential(buf[:n]) {
			t.Fatalf("maybeCredential(%q) = false for a credential-like name", buf[:n])
		}
	})
}

// TestUnencodedPlusBeforeDigits: a client that did not encode the '+' of an
// international number wrote "on++44+…"; the detectors still see "+44".
func TestUnencodedPlusBeforeDigits(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"on++44+7700+900123", "on +44 7700 900123"},
		{"a+b", "a b"},
		{"a++b", "a  b"},
		{"++1", " +1"},
		{"x%2B1", "x+1"},
	} {
		got, ok := appendUnescape(nil, []byte(tt.in), true)
		if !ok || string(got) != tt.want {
			t.Errorf("appendUnescape(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}
