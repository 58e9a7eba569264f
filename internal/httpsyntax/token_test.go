package httpsyntax

import (
	"net/http"
	"testing"

	"golang.org/x/net/http/httpguts"
)

// TestIsTokenAgreesWithHTTPGuts compares with the x/net implementation
// net/http uses for header names.
func TestIsTokenAgreesWithHTTPGuts(t *testing.T) {
	for c := 0; c < 256; c++ {
		s := "a" + string(rune(c))
		if c >= 0x80 {
			s = "a" + string([]byte{byte(c)})
		}
		if got, want := IsToken(s), httpguts.ValidHeaderFieldName(s); got != want {
			t.Errorf("IsToken(%q) = %v, httpguts %v", s, got, want)
		}
	}
	if IsToken("") || !IsToken([]byte(http.CanonicalHeaderKey("x-forwarded-for"))) {
		t.Error("empty is a token, or a header name is not")
	}
}
