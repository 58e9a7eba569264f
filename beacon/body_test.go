package beacon

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/caddy-privacy/caddy-privacy/internal/percent"
)

// bodyMarker is planted in test payloads; no error may repeat it.
const bodyMarker = "MARKERBODY77"

// postHogBatch returns a JSON batch as posthog-js sends it, of at least
// size bytes, with non-ASCII text.
func postHogBatch(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"api_key":"phc_x","batch":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"event":"$pageview","properties":{"$current_url":"https://shop.example/p/%d?q=caf\u00e9","distinct_id":"%s-%d","$lib":"web","title":"Caf\u00e9 \ud83d\ude00","$el_text":">>>???"},"timestamp":"2026-12-04T04:00:%02d.000Z"}`, i, bodyMarker, i, i%60)
	}
	b.WriteString(`],"sent_at":"2026-12-04T04:01:00.000Z"}`)
	return b.Bytes()
}

// encode applies one content coding.
func encode(t testing.TB, coding string, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "zlib":
		w = zlib.NewWriter(&b)
	case "raw":
		w, _ = flate.NewWriter(&b, flate.DefaultCompression)
	case "br":
		w = brotli.NewWriter(&b)
	default:
		t.Fatalf("coding %q", coding)
	}
	if _, err := w.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// checkBodyError checks that err is an *Error with Reason r whose Detail
// starts with prefix and holds no body bytes.
func checkBodyError(t *testing.T, err error, r Reason, prefix string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if e.Reason != r || !strings.HasPrefix(e.Detail, prefix) {
		t.Fatalf("error %q, want %v starting %q", err, r, prefix)
	}
	if strings.Contains(err.Error(), bodyMarker) || strings.Contains(err.Error(), "pageview") {
		t.Fatalf("error holds body bytes: %q", err)
	}
}

func TestDecodeBodyRoundTrip(t *testing.T) {
	payload := postHogBatch(20 << 10)
	for _, tc := range []struct {
		header string
		steps  []string // applied in order
	}{
		{"", nil},
		{"identity", nil},
		{"gzip", []string{"gzip"}},
		{"x-gzip", []string{"gzip"}},
		{"GZip", []string{"gzip"}},
		{"deflate", []string{"zlib"}},
		{"deflate", []string{"raw"}},
		{"br", []string{"br"}},
		{"gzip, br", []string{"gzip", "br"}},
		{"br,gzip", []string{"br", "gzip"}},
		{"gzip, gzip", []string{"gzip", "gzip"}},
		{"deflate, br", []string{"zlib", "br"}},
		{"br, deflate", []string{"br", "raw"}},
		{" identity , gzip ,, identity", []string{"gzip"}},
	} {
		t.Run(tc.header+"/"+strings.Join(tc.steps, "+"), func(t *testing.T) {
			body := payload
			for _, s := range tc.steps {
				body = encode(t, s, body)
			}
			orig := bytes.Clone(body)
			out, err := DecodeBody([]byte("prefix:"), tc.header, body, 1<<20, 100)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, append([]byte("prefix:"), payload...)) {
				t.Fatalf("decoded %d bytes, want %d", len(out)-7, len(payload))
			}
			if !bytes.Equal(body, orig) {
				t.Fatal("body modified")
			}
		})
	}
}

func TestDecodeBodyMultiMemberGzip(t *testing.T) {
	a, b := postHogBatch(1000), []byte(`{"second":"member"}`)
	body := append(encode(t, "gzip", a), encode(t, "gzip", b)...)
	out, err := DecodeBody(nil, "gzip", body, 1<<20, 100)
	if err != nil || !bytes.Equal(out, append(bytes.Clone(a), b...)) {
		t.Fatalf("%v: %q", err, out)
	}
}

func TestDecodeBodyEmpty(t *testing.T) {
	for _, h := range []string{"", "identity", "gzip", "deflate", "br", "gzip, br"} {
		out, err := DecodeBody([]byte("x"), h, nil, 100, 100)
		if err != nil || string(out) != "x" {
			t.Errorf("%q: %v %q", h, err, out)
		}
	}
}

func TestDecodeBodyErrors(t *testing.T) {
	payload := postHogBatch(4 << 10)
	gz, zl, raw, br := encode(t, "gzip", payload), encode(t, "zlib", payload), encode(t, "raw", payload), encode(t, "br", payload)
	badSum := bytes.Clone(zl)
	badSum[len(badSum)-1] ^= 1
	badCRC := bytes.Clone(gz)
	badCRC[len(badCRC)-8] ^= 1
	dict := []byte{0x78, 0xbb, 0, 0, 0, 1} // FDICT set
	for _, tc := range []struct {
		name, header string
		body         []byte
		reason       Reason
		detail       string
	}{
		{"unknown", "zstd", gz, Malformed, `body: content coding is not gzip, deflate, br or identity`},
		{"unknown unquoted", "gzip;q=1 " + bodyMarker, gz, Malformed, "body: content coding is not gzip"},
		{"three layers", "gzip, gzip, gzip", gz, Malformed, "body: more than 2 content codings"},
		{"not gzip", "gzip", payload, Malformed, "body: gzip: invalid header"},
		{"gzip truncated in header", "gzip", gz[:5], Malformed, "body: gzip: unexpected EOF"},
		{"gzip truncated", "gzip", gz[:len(gz)/2], Malformed, "body: gzip: unexpected EOF"},
		{"gzip without trailer", "gzip", gz[:len(gz)-8], Malformed, "body: gzip: unexpected EOF"},
		{"gzip bad crc", "gzip", badCRC, Malformed, "body: gzip: invalid checksum"},
		{"gzip trailing garbage", "gzip", append(bytes.Clone(gz), bodyMarker+"garbage"...), Malformed, "body: gzip: data after the end of the stream"},
		{"gzip trailing short", "gzip", append(bytes.Clone(gz), 'x'), Malformed, "body: gzip: unexpected EOF"},
		{"zlib truncated", "deflate", zl[:len(zl)/2], Malformed, "body: deflate: unexpected EOF"},
		{"zlib without checksum", "deflate", zl[:len(zl)-2], Malformed, "body: deflate: unexpected EOF"},
		{"zlib bad checksum", "deflate", badSum, Malformed, "body: deflate: invalid checksum"},
		{"zlib trailing", "deflate", append(bytes.Clone(zl), 0), Malformed, "body: deflate: data after the end of the stream"},
		{"zlib dictionary", "deflate", dict, Malformed, "body: deflate: preset dictionary"},
		{"raw truncated", "deflate", raw[:len(raw)/2], Malformed, "body: deflate: unexpected EOF"},
		{"raw trailing", "deflate", append(bytes.Clone(raw), "x"...), Malformed, "body: deflate: data after the end of the stream"},
		{"deflate garbage", "deflate", []byte(bodyMarker), Malformed, "body: deflate: corrupt input"},
		{"br truncated", "br", br[:len(br)/2], Malformed, "body: br: unexpected EOF"},
		{"br trailing", "br", append(bytes.Clone(br), "x"...), Malformed, "body: br: corrupt input"},
		{"br garbage", "br", payload, Malformed, "body: br: corrupt input"},
		{"outer layer bad", "gzip, br", gz, Malformed, "body: br: "},
		{"inner layer bad", "gzip, br", encode(t, "br", payload), Malformed, "body: gzip: invalid header"},
		{"identity too big", "identity", payload, Oversized, "body: more than 100 bytes"},
		{"too big", "gzip", gz, Oversized, "body: more than 100 bytes once decompressed"},
		{"ratio", "gzip", encode(t, "gzip", make([]byte, 1<<16)), Oversized, "body: more than 10 times its size once decompressed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			max, ratio := 1<<20, 0
			if strings.Contains(tc.detail, "100 bytes") {
				max = 100
			}
			if strings.Contains(tc.detail, "times its size") {
				ratio = 10
			}
			dst := []byte("keep")
			out, err := DecodeBody(dst, tc.header, tc.body, max, ratio)
			checkBodyError(t, err, tc.reason, tc.detail)
			if string(out) != "keep" {
				t.Fatalf("dst not returned as it was: %q", out)
			}
		})
	}
}

// zeros is an endless source of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

var (
	bombOnce sync.Once
	bomb     []byte
)

// raceEnabled reports a test binary built with -race.
func raceEnabled() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}

// gzipBomb returns 1 GB of zeros gzipped (about 1.3 MB), made once by
// streaming the zeros through a gzip.Writer; 64 MB under -race, where
// compressing is fifty times slower.
func gzipBomb(t *testing.T) []byte {
	if testing.Short() {
		t.Skip("builds a 1 GB gzip stream")
	}
	size := int64(1 << 30)
	if raceEnabled() {
		size = 64 << 20
	}
	bombOnce.Do(func() {
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
		if _, err := io.CopyN(w, zeros{}, size); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		bomb = b.Bytes()
	})
	return bomb
}

func TestDecodeBodyBomb(t *testing.T) {
	b := gzipBomb(t)
	t.Logf("zeros in %d bytes", len(b))
	for _, tc := range []struct {
		name, header string
		body         []byte
		max, ratio   int
		detail       string
	}{
		{"max", "gzip", b, 1 << 20, 0, "body: more than 1048576 bytes once decompressed"},
		{"ratio", "gzip", b, 1 << 31, 5, "body: more than 5 times its size once decompressed"},
		{"double max", "gzip, gzip", encode(t, "gzip", b), 1 << 20, 0, "body: more than 1048576 bytes once decompressed"},
		{"double ratio", "gzip, gzip", encode(t, "gzip", b), 1 << 31, 100, "body: more than 100 times its size once decompressed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := DecodeBody(nil, tc.header, tc.body, tc.max, tc.ratio)
			checkBodyError(t, err, Oversized, tc.detail)
			if len(out) != 0 {
				t.Fatalf("%d bytes returned", len(out))
			}
		})
	}
	// Up to the limits, the same stream decodes.
	out, err := DecodeBody(nil, "gzip", encode(t, "gzip", make([]byte, 1<<20)), 1<<20, 0)
	if err != nil || len(out) != 1<<20 {
		t.Fatalf("at the limit: %v, %d bytes", err, len(out))
	}
}

func TestDecodeBodyAllocs(t *testing.T) {
	if raceEnabled() {
		t.Skip("sync.Pool drops items at random under -race")
	}
	payload := postHogBatch(20 << 10)
	// brotli allocates its context maps per stream, inside the library.
	budget := map[string]float64{"gzip": 0, "deflate": 0, "br": 3, "gzip, gzip": 0}
	for h, want := range budget {
		body := payload
		for _, s := range strings.Split(h, ", ") {
			if s == "deflate" {
				s = "zlib"
			}
			body = encode(t, s, body)
		}
		dst := make([]byte, 0, 64<<10)
		if _, err := DecodeBody(dst, h, body, 1<<20, 100); err != nil { // warm the pool
			t.Fatal(err)
		}
		n := testing.AllocsPerRun(50, func() {
			if _, err := DecodeBody(dst, h, body, 1<<20, 100); err != nil {
				t.Fatal(err)
			}
		})
		if n > want {
			t.Errorf("%s: %.1f allocations per call, want %.0f", h, n, want)
		}
	}
}

// encodeURIComponent escapes as JavaScript's encodeURIComponent.
func encodeURIComponent(s []byte) []byte {
	safe := percent.Safe("-_.!~*'()")
	return percent.AppendEncode(nil, s, &safe, false)
}

func TestDecodePostHog(t *testing.T) {
	payload := postHogBatch(2000)
	gz := encode(t, "gzip", payload)
	b64 := []byte(base64.StdEncoding.EncodeToString(payload))
	if !bytes.Contains(b64, []byte("+")) || !bytes.Contains(b64, []byte("/")) {
		t.Fatal("the base64 test payload should hold '+' and '/'")
	}
	// posthog-js: "data=" + encodeURIComponent(btoa(UTF-8 of the JSON)).
	form := append([]byte("data="), encodeURIComponent(b64)...)
	const formCT = "application/x-www-form-urlencoded"
	for _, tc := range []struct {
		name, query, ct string
		body            []byte
	}{
		{"gzip, posthog-js today", "ver=1.449.2&_=1764820000000", "text/plain", gz},
		{"gzip-js query", "compression=gzip-js&ver=1.100.0", "text/plain", gz},
		{"gzip query", "ip=0&compression=gzip", "text/plain;charset=UTF-8", gz},
		{"base64 form", "compression=base64&ver=1.449.2", formCT, form},
		{"base64 form as text/plain", "compression=base64", "text/plain", form},
		{"base64 form, no parameter", "", formCT, form},
		{"base64 form, field", "", formCT, append([]byte("compression=base64&"), form...)},
		{"base64 form, unescaped +", "compression=base64", formCT, append([]byte("data="), b64...)},
		{"base64 form, unpadded", "compression=base64", formCT, append([]byte("data="), encodeURIComponent(bytes.TrimRight(b64, "="))...)},
		{"JSON form", "", formCT, append([]byte("data="), encodeURIComponent(payload)...)},
		{"JSON form, query says base64", "compression=base64", formCT, append([]byte("data="), encodeURIComponent(payload)...)},
		{"base64 body", "compression=base64", "text/plain", b64},
		{"JSON", "", "application/json", payload},
		{"JSON with white space", "compression=", "application/json", append([]byte("\n "), payload...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := DecodePostHog([]byte("p:"), []byte(tc.query), tc.ct, tc.body, 1<<20, 100)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(bytes.TrimLeft(out[2:], "\n "), payload) || string(out[:2]) != "p:" {
				t.Fatalf("got %.80q…", out)
			}
		})
	}
}

func TestDecodePostHogEmpty(t *testing.T) {
	out, err := DecodePostHog(nil, []byte("compression=gzip-js"), "text/plain", nil, 100, 100)
	if err != nil || len(out) != 0 {
		t.Fatalf("%v %q", err, out)
	}
}

func TestDecodePostHogErrors(t *testing.T) {
	payload := postHogBatch(2000)
	b64 := base64.StdEncoding.EncodeToString(payload)
	form := "data=" + string(encodeURIComponent([]byte(b64)))
	const formCT = "application/x-www-form-urlencoded"
	for _, tc := range []struct {
		name, query, ct, body string
		reason                Reason
		detail                string
	}{
		{"lz64", "compression=lz64", formCT, "data=N4Ig" + bodyMarker, Malformed, "body: compression lz64 (lz-string"},
		{"unknown", "compression=zstd", "text/plain", bodyMarker, Malformed, "body: compression is not gzip-js"},
		{"twice", "compression=base64&compression=gzip-js", "text/plain", bodyMarker, Malformed, "body: compression given twice"},
		{"bad escape", "compression=%zz", "text/plain", bodyMarker, Malformed, "body: compression has a malformed percent-escape"},
		{"disagree", "compression=base64", formCT, "compression=lz64&" + form, Malformed, "body: compression lz64"},
		{"disagree known", "compression=gzip-js", formCT, "compression=base64&" + form, Malformed, "body: the form's compression is not the query's"},
		{"gzip form", "compression=gzip-js", formCT, form, Malformed, "body: compression gzip-js with a form body"},
		{"no data", "", formCT, "x=" + bodyMarker, Malformed, "body: form without a data field"},
		{"data twice", "", formCT, form + "&" + form, Malformed, "body: data given twice"},
		{"data bad escape", "", formCT, "data=%4" + bodyMarker, Malformed, "body: data has a malformed percent-escape"},
		{"bad base64", "", formCT, "data=" + bodyMarker + "*!", Malformed, "body: base64: corrupt input"},
		{"gzip-js not gzip", "compression=gzip-js", "text/plain", bodyMarker, Malformed, "body: compression gzip-js but the body is not gzip"},
		{"nothing known", "", "text/plain", bodyMarker, Malformed, "body: neither JSON, gzip nor base64"},
		{"truncated gzip", "", "text/plain", string(encode(t, "gzip", payload)[:100]), Malformed, "body: gzip: unexpected EOF"},
		{"gzip too big", "", "text/plain", string(encode(t, "gzip", payload)), Oversized, "body: more than 1000 bytes once decompressed"},
		{"base64 too big", "", formCT, form, Oversized, "body: more than 1000 bytes once decoded"},
		{"JSON too big", "", "application/json", string(payload), Oversized, "body: more than 1000 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := DecodePostHog([]byte("keep"), []byte(tc.query), tc.ct, []byte(tc.body), 1000, 100)
			checkBodyError(t, err, tc.reason, tc.detail)
			if string(out) != "keep" {
				t.Fatalf("dst not returned as it was: %q", out)
			}
		})
	}
}

func TestDecodePostHogBomb(t *testing.T) {
	out, err := DecodePostHog(nil, []byte("compression=gzip-js"), "text/plain", gzipBomb(t), 1<<20, 100)
	checkBodyError(t, err, Oversized, "body: more than 1048576 bytes once decompressed")
	if len(out) != 0 {
		t.Fatalf("%d bytes returned", len(out))
	}
	out, err = DecodePostHog(nil, []byte("compression=gzip-js"), "text/plain", gzipBomb(t), 1<<31, 10)
	checkBodyError(t, err, Oversized, "body: more than 10 times its size once decompressed")
	if len(out) != 0 {
		t.Fatalf("%d bytes returned", len(out))
	}
}

func FuzzDecodeBody(f *testing.F) {
	payload := postHogBatch(300)
	for _, c := range []struct{ header, coding string }{{"gzip", "gzip"}, {"deflate", "zlib"}, {"deflate", "raw"}, {"br", "br"}} {
		f.Add(c.header, encode(f, c.coding, payload), uint16(4096), uint8(100))
		f.Add(c.header, encode(f, c.coding, make([]byte, 5000)), uint16(4096), uint8(3))
	}
	f.Add("gzip, gzip", encode(f, "gzip", encode(f, "gzip", payload)), uint16(1000), uint8(0))
	f.Add("br, identity, gzip", encode(f, "gzip", encode(f, "br", payload)), uint16(2000), uint8(10))
	f.Add("identity", payload, uint16(100), uint8(1))
	f.Add("gZip", []byte{}, uint16(3999), uint8('d'))
	f.Fuzz(func(t *testing.T, header string, body []byte, max uint16, ratio uint8) {
		orig := bytes.Clone(body)
		out, err := DecodeBody([]byte("dst"), header, body, int(max), int(ratio))
		if !bytes.Equal(body, orig) {
			t.Fatal("body modified")
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || (e.Reason != Malformed && e.Reason != Oversized) || !strings.HasPrefix(e.Detail, "body: ") {
				t.Fatalf("error %v (%T)", err, err)
			}
			if string(out) != "dst" {
				t.Fatalf("dst changed on error: %q", out)
			}
			if e.Reason == Malformed && isGzipHeader(header) && len(body) > 0 {
				if r, err := gzip.NewReader(bytes.NewReader(body)); err == nil {
					if got, err := io.ReadAll(io.LimitReader(r, int64(max)+1)); err == nil && len(got) <= int(max) {
						t.Fatalf("refused what compress/gzip accepts: %v", e)
					}
				}
			}
			return
		}
		if len(out)-3 > int(max) {
			t.Fatalf("%d bytes decoded, max %d", len(out)-3, max)
		}
		if ratio > 0 && len(body) > 0 && len(out)-3 > int(ratio)*len(body) && strings.TrimSpace(header) != "" {
			// identity-only headers copy the body; ratio bounds decoding.
			if codings, n, _ := parseContentEncoding(header); n > 0 {
				t.Fatalf("%d bytes from %d with ratio %d (%v)", len(out)-3, len(body), ratio, codings)
			}
		}
		// Cross-check gzip with the standard library's reader. An empty
		// body is an empty result whatever its coding.
		if isGzipHeader(header) && len(body) > 0 {
			r, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("accepted what gzip refuses: %v", err)
			}
			want, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
			if err != nil || !bytes.Equal(want, out[3:]) {
				t.Fatalf("differs from compress/gzip: %v", err)
			}
		}
	})
}

// isGzipHeader reports a Content-Encoding of gzip alone.
func isGzipHeader(h string) bool { return strings.EqualFold(strings.TrimSpace(h), "gzip") }

func FuzzDecodePostHog(f *testing.F) {
	payload := postHogBatch(300)
	b64 := base64.StdEncoding.EncodeToString(payload)
	f.Add("compression=gzip-js", "text/plain", encode(f, "gzip", payload))
	f.Add("compression=base64", "application/x-www-form-urlencoded", append([]byte("data="), encodeURIComponent([]byte(b64))...))
	f.Add("", "application/x-www-form-urlencoded", []byte("compression=base64&data="+b64))
	f.Add("", "application/json", payload)
	f.Fuzz(func(t *testing.T, query, ct string, body []byte) {
		orig := bytes.Clone(body)
		out, err := DecodePostHog([]byte("dst"), []byte(query), ct, body, 2000, 50)
		if !bytes.Equal(body, orig) {
			t.Fatal("body modified")
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || (e.Reason != Malformed && e.Reason != Oversized) || !strings.HasPrefix(e.Detail, "body: ") {
				t.Fatalf("error %v (%T)", err, err)
			}
			if string(out) != "dst" {
				t.Fatalf("dst changed on error: %q", out)
			}
			return
		}
		if len(out)-3 > 2000 {
			t.Fatalf("%d bytes decoded", len(out)-3)
		}
	})
}

// BenchmarkDecodeBody inflates a 20 KB posthog-js batch in each coding.
func BenchmarkDecodeBody(b *testing.B) {
	payload := postHogBatch(20 << 10)
	for _, coding := range []string{"gzip", "br"} {
		b.Run(coding, func(b *testing.B) {
			body := encode(b, coding, payload)
			dst := make([]byte, 0, 64<<10)
			b.SetBytes(int64(len(payload)))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if dst, err = DecodeBody(dst[:0], coding, body, 1<<20, 100); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodePostHogBase64(b *testing.B) {
	payload := postHogBatch(20 << 10)
	body := append([]byte("data="), encodeURIComponent([]byte(base64.StdEncoding.EncodeToString(payload)))...)
	dst := make([]byte, 0, 64<<10)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = DecodePostHog(dst[:0], []byte("compression=base64"), "application/x-www-form-urlencoded", body, 1<<20, 100); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleDecodePostHog() {
	// posthog-js under sendBeacon, when the page closes.
	json := `{"event":"$pageleave"}`
	body := "data=" + url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(json)))
	out, err := DecodePostHog(nil, []byte("compression=base64&ver=1.449.2"), "application/x-www-form-urlencoded", []byte(body), 1<<20, 100)
	fmt.Println(string(out), err)

	_, err = DecodeBody(nil, "zstd", []byte{0x28, 0xb5, 0x2f, 0xfd}, 1<<20, 100)
	fmt.Println(err)
	// Output:
	// {"event":"$pageleave"} <nil>
	// beacon malformed: body: content coding is not gzip, deflate, br or identity
}
