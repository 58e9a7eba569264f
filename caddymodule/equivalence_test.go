package caddymodule

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/caddy-privacy/caddy-privacy/logs"
)

// fixedClock makes the time stamps of two loggers agree.
type fixedClock struct{}

func (fixedClock) Now() time.Time                         { return time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) }
func (fixedClock) NewTicker(d time.Duration) *time.Ticker { return time.NewTicker(d) }

// equivalenceEntries are log entries as Caddy's modules write them: access
// entries with every kind of header, error entries, entries of other
// modules. Each writes one entry to logger.
var equivalenceEntries = map[string]func(logger *zap.Logger){
	"access": func(l *zap.Logger) { logAccess(l, visitorRequest()) },
	"access with every header": func(l *zap.Logger) {
		req := visitorRequest()
		for name, v := range map[string]string{
			"Forwarded":                   `for=81.2.69.160;proto=https, for="[2001:db8::7]:4711"`,
			"X-Real-Ip":                   "81.2.69.160",
			"Cf-Connecting-Ip":            "81.2.69.160",
			"Cf-Ipcity":                   "Cambridge",
			"Cf-Iplatitude":               "52.2",
			"X-Appengine-Citylatlong":     "52.2,0.12",
			"Sec-Ch-Ua":                   `"Chromium";v="120", "Not?A_Brand";v="24"`,
			"Sec-Ch-Ua-Platform":          `"Windows"`,
			"Sec-Ch-Ua-Mobile":            "?0",
			"Sec-Ch-Ua-Full-Version-List": `"Chromium";v="120.0.6099.109"`,
			"Sec-Ch-Ua-Model":             `"Pixel 8"`,
			"Origin":                      "https://shop.example",
			"X-Request-Id":                "b1946ac9-2f0c-4c5e-9c7e-5e2b1b0f3a11",
			"X-Debug-Contact":             "jane.doe@example.com, +44 7700 900123",
			"X-Unknown-Token":             "Gq2sT9xLw0aKd8PzV4bN7mRf",
			"Dnt":                         "1",
			"Sec-Gpc":                     "1",
		} {
			req.Header.Set(name, v)
		}
		req.TLS = &tls.ConnectionState{
			Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256, ServerName: "shop.example",
			PeerCertificates: []*x509.Certificate{{
				Subject:      pkix.Name{CommonName: "jane.doe@example.com"},
				SerialNumber: big.NewInt(987654321012345),
			}},
		}
		request, fields := accessEntry(req)
		fields[len(fields)-1] = zap.Object("resp_headers", caddyhttp.LoggableHTTPHeader{
			Header: http.Header{
				"Content-Security-Policy": {"default-src 'self'; connect-src 'self' http://127.0.0.1:9082"},
				"Location":                {"https://shop.example/welcome?email=jane.doe@example.com&reset=Gq2sT9xLw0aKd8PzV4bN7mRf"},
				"Set-Cookie":              {"_ga=GA1.1.1.1; Path=/"},
			},
			ShouldLogCredentials: true,
		})
		l.With(request).Info("handled request", fields...)
	},
	"proxy error": func(l *zap.Logger) {
		request, _ := accessEntry(visitorRequest())
		l.With(request).Error("aborting with incomplete response",
			zap.String("upstream", "127.0.0.1:9081"),
			zap.Duration("duration", 3*time.Millisecond),
			zap.Error(errors.New(`dial tcp 127.0.0.1:9081: connect: connection refused for GET https://shop.example/reset?email=jane.doe@example.com&token=abc123def456ghi789 from 81.2.69.160`)))
	},
	"free text": func(l *zap.Logger) {
		l.Warn("client 81.2.69.160 (jane.doe@example.com) called /api/v1/users/48213377/enrolments?reset=Gq2sT9xLw0aKd8PzV4bN7mRf",
			zap.String("remote", "81.2.69.160:51234"),
			zap.String("ip", "2001:db8::7"),
			zap.Strings("emails", []string{"jane.doe@example.com", "j@example.org"}),
			zap.Int64("user_id", 48213377),
			zap.String("url", "https://shop.example/members/7f1c9a2e-3b4d-4e5f-8a6b-1c2d3e4f5a6b/settings?sort=asc"))
	},
	"unmatched host": func(l *zap.Logger) {
		request, _ := accessEntry(visitorRequest())
		l.With(request).Debug("no matching routes", zap.String("host", "81.2.69.160"))
	},
}

// TestEncoderMatchesSanitize runs the same entries through the privacy log
// encoder and through Caddy's json encoder followed by the log CLI's
// sanitizer, with one engine: both front ends read the engine's one rule
// table, so their lines must be identical.
func TestEncoderMatchesSanitize(t *testing.T) {
	e := provisionedEncoder(t, new(LogEncoder), nil)
	sanitizer := logs.NewSanitizer(e.engine.Redactor, logs.FormatCaddyJSON)
	for name, write := range equivalenceEntries {
		t.Run(name, func(t *testing.T) {
			private, privateBuf := loggerOverAt(e, fixedClock{})
			raw, rawBuf := loggerOverAt(caddyJSON(t), fixedClock{})
			write(private.Named("http.log.error"))
			write(raw.Named("http.log.error"))

			encoded := strings.TrimSuffix(privateBuf.String(), "\n")
			rawLine := strings.TrimSuffix(rawBuf.String(), "\n")
			sanitized := string(sanitizer.AppendLine(nil, []byte(rawLine)))
			// Header maps are logged in Go's random map order: compare
			// values, not bytes, where the lines differ.
			if encoded != sanitized && !sameJSON(t, encoded, sanitized) {
				t.Errorf("the encoder and sanitize disagree\nraw:       %s\nencoder:   %s\nsanitize:  %s", rawLine, encoded, sanitized)
			}
			if name == "access with every header" && !strings.Contains(encoded, "connect-src 'self' http://127.0.0.1:9082") {
				t.Errorf("the site's own CSP was rewritten: %s", encoded)
			}
			for _, leak := range append(leaks, "48213377", "jane.doe", "Cambridge", "Gq2sT9xLw0aKd8PzV4bN7mRf", "Pixel", "987654321012345") {
				if strings.Contains(encoded, leak) {
					t.Errorf("%q survived: %s", leak, encoded)
				}
			}
		})
	}
}

// loggerOverAt is loggerOver with a clock.
func loggerOverAt(enc zapcore.Encoder, clock zapcore.Clock) (*zap.Logger, *syncBuffer) {
	buf := new(syncBuffer)
	return zap.New(zapcore.NewCore(enc, buf, zapcore.DebugLevel), zap.WithClock(clock)), buf
}

// sameJSON reports whether two JSON lines hold the same values.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("not JSON: %v: %s", err, a)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return reflect.DeepEqual(va, vb)
}
