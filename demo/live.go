package demo

import (
	"encoding/json"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// longPoll is how long a state request waits for news.
const longPoll = 25 * time.Second

// live serves the live page and its API:
//
//	GET  /api/state?since=<seq>&n=<count>  the records, once newer than seq
//	POST /api/clear                        forget every record
//	POST /api/visitor {"country":"GB","gpc":true}  the visitor to play
//
// POSTs must be JSON, which a page on another origin cannot send without
// the live page's permission.
func (d *Demo) live() (http.Handler, error) {
	page, err := template.ParseFS(assets, "live/index.html")
	if err != nil {
		return nil, err
	}
	static, err := fs.Sub(assets, "live")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		countries := make([]string, 0, len(SampleVisitors))
		for c := range SampleVisitors {
			countries = append(countries, c)
		}
		sort.Strings(countries)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		err := page.Execute(w, struct {
			SiteURL   string
			Countries []string
			Samples   map[string]string
			AccessLog string
		}{d.cfg.SiteURL, countries, SampleVisitors, d.cfg.AccessLog})
		if err != nil {
			d.logf("live page: %v", err)
		}
	})
	mux.Handle("GET /static/", http.StripPrefix("/static/", noStore(http.FileServerFS(static))))
	mux.HandleFunc("GET /api/state", func(w http.ResponseWriter, r *http.Request) {
		since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		st, changed := d.hub.Snapshot(n)
		if r.URL.Query().Has("since") && st.Seq <= since {
			t := time.NewTimer(longPoll)
			select {
			case <-changed:
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
			t.Stop()
			st, _ = d.hub.Snapshot(n)
		}
		writeJSON(w, st)
	})
	mux.HandleFunc("POST /api/clear", func(w http.ResponseWriter, r *http.Request) {
		if !isJSON(r) {
			http.Error(w, "send Content-Type: application/json", http.StatusUnsupportedMediaType)
			return
		}
		d.hub.Clear()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /api/visitor", func(w http.ResponseWriter, r *http.Request) {
		var v Visitor
		if !isJSON(r) {
			http.Error(w, "send Content-Type: application/json", http.StatusUnsupportedMediaType)
			return
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&v); err != nil {
			http.Error(w, `want {"country":"GB","gpc":true}`, http.StatusBadRequest)
			return
		}
		if _, ok := SampleVisitors[v.Country]; !ok && v.Country != "" {
			http.Error(w, "country: not one of the sample visitors' countries", http.StatusBadRequest)
			return
		}
		d.hub.SetVisitor(v)
		w.WriteHeader(http.StatusNoContent)
	})
	return mux, nil
}

func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}
