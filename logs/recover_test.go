package logs

import (
	"strings"
	"testing"
)

// TestRecoveredJSON: a JSON line that does not parse keeps the rules of its
// keys. Before recovery such lines went through the detectors only, and
// kept passwords, user ids and cookies.
func TestRecoveredJSON(t *testing.T) {
	runLineTests(t, fakeEngine{}, FormatCaddyJSON, []lineTest{
		{
			name:     "truncated uri",
			in:       `{"level":"info","request":{"remote_ip":"192.0.2.1","uri":"/login?username=jane&password=hunter2`,
			want:     `{"level":"info","request":{"remote_ip":"GB","uri":"/login?[query]`,
			fallback: true,
		},
		{
			name:     "two lines glued",
			in:       `{"user_id":"jane","status":200}{"request":{"remote_ip":"192.0.2.1"}}`,
			want:     `{"user_id":"` + pseudo("jane") + `","status":200}{"request":{"remote_ip":"GB"}}`,
			fallback: true,
		},
		{
			name:     "cut in a header map",
			in:       `{"request":{"headers":{"Cookie":["session=abc"],"X-Forwarded-For":["192.0.2.1`,
			want:     `{"request":{"headers":{"Cookie":[""],"X-Forwarded-For":["GB`,
			fallback: true,
		},
		{
			name:     "stray bytes",
			in:       `{"user_id":"jane" @@ 192.0.2.9 a@b.example "uri":"/x?y=1"}`,
			want:     `{"user_id":"` + pseudo("jane") + `" @@ [ipv4] [email] "uri":"/x?[query]"}`,
			fallback: true,
		},
		{
			name:     "numbers under strict keys",
			in:       `{"user_id":48213377,"size":12,"remote_ip":[3232235777,`,
			want:     `{"user_id":` + pseudo("48213377") + `,"size":12,"remote_ip":[unknown,`,
			fallback: true,
		},
	})
}

// TestBrokenNCSAKeepsFieldRules: an NCSA line cut after its date keeps
// the rules of its host and user fields.
func TestBrokenNCSAKeepsFieldRules(t *testing.T) {
	s := NewSanitizer(fakeEngine{}, FormatCombined)
	got := string(s.AppendLine(nil, []byte(`192.0.2.1 - jane [17/May/2015:10:05:03 +0000] "GET /a?x=1`)))
	if strings.Contains(got, "jane") || strings.Contains(got, "192.0.2.1") {
		t.Errorf("broken line kept its user or host: %s", got)
	}
	if !strings.HasPrefix(got, "GB - "+pseudo("jane")+" [17/May") {
		t.Errorf("got %s", got)
	}
}
