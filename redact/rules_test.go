package redact_test

import (
	"testing"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/redact"
)

func TestRules(t *testing.T) {
	def := config.Default()
	strict := config.Default()
	strict.IP.Transform = config.TransformDrop
	strict.UserAgent = "drop"
	strict.Headers.ClientIP = []string{"X-Visitor", "Sec-Gpc"}
	strict.Headers.Drop = []string{"X-Api-Secret"}
	rules, strictRules := redact.NewRules(def), redact.NewRules(strict)
	for _, tt := range []struct {
		rules  *redact.Rules
		header bool
		name   string
		want   redact.Rule
	}{
		{rules, false, "remote_ip", redact.RuleIP},
		{rules, false, "remote", redact.RuleIP},
		{rules, false, "ip", redact.RuleIP},
		{rules, false, "remote_port", redact.RuleDrop},
		{rules, false, "uri", redact.RuleURL},
		{rules, false, "client_common_name", redact.RulePseudonym},
		{rules, false, "resp_headers", redact.RuleHeaders},
		{rules, false, "msg", redact.RuleText},
		{rules, false, "Remote_IP", redact.RuleText}, // field names are exact
		{rules, true, "x-forwarded-for", redact.RuleIP},
		{rules, true, "FORWARDED", redact.RuleForwarded},
		{rules, true, "Cookie", redact.RuleDrop},
		{rules, true, "Cf-Ipcity", redact.RuleDrop},
		{rules, true, "Referer", redact.RuleURL},
		{rules, true, "Sec-Ch-Ua", redact.RuleHintUA},
		{rules, true, "Sec-Ch-Ua-Platform", redact.RuleHintPlatform},
		{rules, true, "Sec-Ch-Ua-Model", redact.RuleDrop},
		{rules, true, "Content-Security-Policy", redact.RuleKeep},
		{rules, true, "Traceparent", redact.RuleTrace},
		{rules, true, "X-Something-Else", redact.RuleText},
		{rules, true, string(make([]byte, 100)), redact.RuleText},
		{strictRules, false, "client_ip", redact.RuleDrop},
		{strictRules, false, "user_agent", redact.RuleDrop},
		{strictRules, true, "X-Visitor", redact.RuleDrop},
		{strictRules, true, "Sec-Gpc", redact.RuleText}, // never an address header
		{strictRules, true, "X-Api-Secret", redact.RuleDrop},
		{strictRules, true, "Sec-Ch-Ua", redact.RuleDrop},
	} {
		got := tt.rules.Field(tt.name)
		if tt.header {
			got = tt.rules.Header(tt.name)
			if b := tt.rules.HeaderBytes([]byte(tt.name)); b != got {
				t.Errorf("Header(%q) = %v but HeaderBytes = %v", tt.name, got, b)
			}
		} else if b := tt.rules.FieldBytes([]byte(tt.name)); b != got {
			t.Errorf("Field(%q) = %v but FieldBytes = %v", tt.name, got, b)
		}
		if got != tt.want {
			t.Errorf("rule of %q (header %v) = %v, want %v", tt.name, tt.header, got, tt.want)
		}
	}
}

// TestAttributeRules checks the semantic-convention names that the
// OpenTelemetry processor looks attributes up by.
func TestAttributeRules(t *testing.T) {
	def := config.Default()
	strict := config.Default()
	strict.IP.Transform = config.TransformDrop
	strict.UserAgent = "drop"
	rules, strictRules := redact.NewRules(def), redact.NewRules(strict)
	for _, tt := range []struct {
		rules *redact.Rules
		name  string
		want  redact.Rule
	}{
		{rules, "client.address", redact.RuleIP},
		{rules, "source.address", redact.RuleIP},
		{rules, "client.port", redact.RuleDrop},
		{rules, "url.full", redact.RuleURL},
		{rules, "url.query", redact.RuleURL},
		{rules, "url.path", redact.RuleURL},
		{rules, "http.request.header.referer", redact.RuleURL},
		{rules, "http.request.header.authorization", redact.RuleDrop},
		{rules, "http.request.header.x-forwarded-for", redact.RuleIP},
		{rules, "http.request.header.accept", redact.RuleText},
		{rules, "http.response.header.set-cookie", redact.RuleDrop},
		{rules, "user_agent.original", redact.RuleUserAgent},
		{rules, "user.id", redact.RulePseudonym},
		{rules, "enduser.id", redact.RulePseudonym},
		{rules, "http.request.method", redact.RuleText},
		{rules, "remote_ip", redact.RuleIP}, // log field names too
		{rules, "headers", redact.RuleHeaders},
		{strictRules, "client.address", redact.RuleDrop},
		{strictRules, "user_agent.original", redact.RuleDrop},
	} {
		if got := tt.rules.Attribute(tt.name); got != tt.want {
			t.Errorf("Attribute(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRulesAllocateNothing(t *testing.T) {
	rules := redact.NewRules(config.Default())
	name, field := []byte("X-Forwarded-For"), []byte("remote_ip")
	if n := testing.AllocsPerRun(100, func() {
		rules.HeaderBytes(name)
		rules.FieldBytes(field)
		rules.Header("Sec-Ch-Ua-Arch")
	}); n != 0 {
		t.Errorf("%v allocations per lookup", n)
	}
}

// TestTraceHeaders: trace ids are kept in trace headers; anything else a
// client sends there is free text.
func TestTraceHeaders(t *testing.T) {
	r := newRedactor(t, `{}`)
	for _, tt := range []struct{ in, want string }{
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
		{"b1946ac9-2f0c-4c5e-9c7e-5e2b1b0f3a11", "b1946ac9-2f0c-4c5e-9c7e-5e2b1b0f3a11"},
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"},
		{"105445aa7843bc8bf206b12000100000/1;o=1", "105445aa7843bc8bf206b12000100000/1;o=1"},
		{"8a1b2c3d4e5f6a7b-LHR", "8a1b2c3d4e5f6a7b-LHR"},
		{"jane.doe@example.com", "[email]"},
		{"session=Gq2sT9xLw0aKd8PzV4bN7mRf", ""}, // a session parameter goes whole
		{"Gq2sT9xLw0aKd8PzV4bN7mRf", "[redacted]"},
	} {
		rl := r.Rules().Header("X-Request-Id")
		if got := string(r.AppendRule(nil, rl, []byte(tt.in))); got != tt.want {
			t.Errorf("X-Request-Id %q became %q, want %q", tt.in, got, tt.want)
		}
	}
}
