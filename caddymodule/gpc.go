package caddymodule

import "net/http"

// gpcJSONPath is where a site declares that it honours Global Privacy
// Control (https://privacycg.github.io/gpc-spec/#gpc-support-resource).
const gpcJSONPath = "/.well-known/gpc.json"

func serveGPCJSON(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return nil
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=86400")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, err := w.Write([]byte(`{"gpc": true}` + "\n"))
		return err
	}
	return nil
}
