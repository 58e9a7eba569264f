package redact_test

import "testing"

// TestAppendURLShape runs the URLs of issue 14 through the real detectors
// and the URL scrubber together.
func TestAppendURLShape(t *testing.T) {
	r := newRedactor(t, `{}`)
	for _, tt := range []struct{ in, want string }{
		{"/api/v1/users/48213377/enrolments", "/api/v1/users/{id}/enrolments"},
		{"/members/2461685a-80c9-4d9e-85e9-a3b0e9e3ea84/settings", "/members/{id}/settings"},
		{"/password/reset/confirm?reset=Gq2xK9mPqRt4LwZ8", "/password/reset/confirm?reset=[redacted]"},
		{"/contact?msg=call+me+on+07700+900123", "/contact?msg=call+me+on+[phone]"},
		{"/contact?msg=call%20me%20on%2007700%20900123", "/contact?msg=call+me+on+[phone]"},
		{"/p?n=+447700900123", "/p?n=[phone]"},
		{"/users/jane%40example.com/profile", "/users/[email]/profile"},
		{"/search?q=red+wool+jumper&page=2&sort=price_asc&lang=en-GB&utm_source=newsletter", "/search?q=red+wool+jumper&page=2&sort=price_asc&lang=en-GB&utm_source=newsletter"},
		{"/blog/2024-01-05/red-wool-jumper", "/blog/2024-01-05/red-wool-jumper"},
	} {
		got := string(r.AppendURL(nil, []byte(tt.in)))
		if got != tt.want {
			t.Errorf("AppendURL(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		if again := string(r.AppendURL(nil, []byte(got))); again != got {
			t.Errorf("AppendURL(%q) is not idempotent: %q -> %q", tt.in, got, again)
		}
	}
}
