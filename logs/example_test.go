package logs_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/logs"
	"github.com/caddy-privacy/caddy-privacy/redact"
)

// tagEngine is a toy Engine with the default policy's rule table: a real
// program uses *redact.Redactor.
type tagEngine struct{}

var rules = redact.NewRules(config.Default())

func (tagEngine) Rules() *redact.Rules { return rules }

func (tagEngine) AppendRule(dst []byte, rl redact.Rule, src []byte) []byte {
	switch rl {
	case redact.RuleDrop:
		return dst
	case redact.RuleIP:
		return append(dst, "GB"...)
	case redact.RuleURL:
		if i := bytes.IndexByte(src, '?'); i >= 0 {
			src = src[:i]
		}
		return append(dst, src...)
	case redact.RuleUserAgent:
		return append(dst, "Firefox/128 (Linux)"...)
	case redact.RulePseudonym:
		return append(dst, "u7Hq2"...)
	}
	return append(dst, bytes.ReplaceAll(src, []byte("bob@example.com"), []byte("[email]"))...)
}

func ExampleSanitizer_AppendLine() {
	s := logs.NewSanitizer(tagEngine{}, logs.FormatCaddyJSON)
	line := `{"msg":"handled request","request":{"remote_ip":"203.0.113.9","remote_port":"52114",` +
		`"uri":"/login?session=abc","headers":{"Cookie":["sid=1"],"X-Forwarded-For":["203.0.113.9"]}},` +
		`"user_id":"bob","status":200}`
	fmt.Printf("%s\n", s.AppendLine(nil, []byte(line)))
	// Output:
	// {"msg":"handled request","request":{"remote_ip":"GB","uri":"/login","headers":{"X-Forwarded-For":["GB"]}},"user_id":"u7Hq2","status":200}
}

func ExampleFilter() {
	in := strings.NewReader(
		`203.0.113.9 - bob [10/Oct/2000:13:55:36 -0700] "GET /a?id=7 HTTP/1.1" 200 2326 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"` + "\n" +
			"a line that is not in the combined format, from bob@example.com\n")
	s := logs.NewSanitizer(tagEngine{}, logs.FormatAuto)
	stats, err := logs.Filter(context.Background(), os.Stdout, in, s, logs.FilterOptions{})
	if err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%d lines read as %v, %d as text\n", stats.Lines, stats.Format, stats.Fallback)
	// Output:
	// GB - u7Hq2 [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 2326 "-" "Firefox/128 (Linux)"
	// a line that is not in the combined format, from [email]
	// 2 lines read as combined, 1 as text
}
