package embeds

import (
	"crypto/sha256"
	"encoding/base64"
)

func cspHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}
