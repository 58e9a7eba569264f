package beacon

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSegmentBatching: analytics-next's batching mode (/v1/b), as
// @segment/analytics-next 1.84.3 sent it in Chromium (beacon/sdk-e2e).
func TestSegmentBatching(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "segment"})
	body, err := os.ReadFile("testdata/segment-batch.json")
	if err != nil {
		t.Fatal(err)
	}
	out, err := sanitize(t, s, &Input{Method: "POST", Path: "/v1/b", ContentType: "text/plain", Body: body, Consent: analyticsOnly})
	if err != nil {
		t.Fatal(err)
	}
	var in, got struct {
		WriteKey string           `json:"writeKey"`
		Batch    []map[string]any `json:"batch"`
	}
	json.Unmarshal(body, &in)
	if err := json.Unmarshal(out.Body, &got); err != nil {
		t.Fatal(err)
	}
	if got.WriteKey != in.WriteKey || len(got.Batch) == 0 {
		t.Fatalf("got %s", out.Body)
	}
	// Every run of 7 hex digits of the SDK's ids: messageId overlaps
	// anonymousId (and earlier messageIds) by runs of 7 to 15.
	var raw []string
	hex7 := regexp.MustCompile(`[0-9a-f]{7,}`)
	for _, m := range in.Batch {
		for _, k := range []string{"anonymousId", "messageId", "userId"} {
			if v, ok := m[k].(string); ok {
				for _, run := range hex7.FindAllString(strings.ReplaceAll(v, "-", ""), -1) {
					for i := 0; i+7 <= len(run); i++ {
						raw = append(raw, run[i:i+7])
					}
				}
				raw = append(raw, v)
			}
		}
	}
	mustNotContain(t, string(out.Body), raw...)
	var events []string
	for _, m := range got.Batch {
		events = append(events, m["type"].(string)+":"+firstString(m["event"], m["name"]))
	}
	t.Logf("events: %v", events)
	if !strings.Contains(strings.Join(events, ","), "track:Checkout Started") {
		t.Errorf("events %v", events)
	}
}

func firstString(vs ...any) string {
	for _, v := range vs {
		if s, ok := v.(string); ok {
			return s
		}
	}
	return ""
}

// TestSegmentLocalPaths: the SDK's metrics, group and alias calls are
// answered as Segment does and never forwarded, with or without consent.
func TestSegmentLocalPaths(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "segment"})
	for _, p := range []string{"/v1/m", "/v1/g", "/v1/a", "/v1/alias", "/v1/group"} {
		in := &Input{Method: "POST", Path: p, Body: []byte(`{"series":[]}`), Consent: everything}
		if _, err := sanitize(t, s, in); ReasonOf(err) != Local {
			t.Errorf("%s: err %v, want local", p, err)
		}
		if a := s.Answer(in, Local); a.Status != 200 || string(a.Body) != `{"success":true}` {
			t.Errorf("%s: answer %d %s", p, a.Status, a.Body)
		}
	}
}

// TestDropEnvelopeMembers: the configured Drop applies to a batch's own
// members (writeKey, sentAt) as to its events'.
func TestDropEnvelopeMembers(t *testing.T) {
	s, _ := newTestSanitizer(t, Config{Vendor: "segment", Drop: []string{"writeKey", "sentAt"}})
	body := `{"writeKey":"wk-1","sentAt":"2026-12-04T10:00:00.000Z","batch":[{"type":"track","event":"e","anonymousId":"a1b2c3d4e5f6"}]}`
	out, err := sanitize(t, s, &Input{Method: "POST", Path: "/v1/batch", ContentType: "application/json", Body: []byte(body), Consent: analyticsOnly})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out.Body); strings.Contains(got, "writeKey") || strings.Contains(got, "sentAt") || !strings.Contains(got, `"event":"e"`) {
		t.Errorf("got %s", got)
	}
}
