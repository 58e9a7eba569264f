package embeds

import (
	"strings"
)

// nocookieURL returns the www.youtube-nocookie.com embed URL for a
// YouTube frame URL, keeping the video (or playlist) and only the player
// parameters that share nothing; ok is false when t is no embeddable
// video, and the frame then gets a placeholder.
//
// Kept, when their values have the expected shape: start, end (t= of
// youtu.be links becomes start), autoplay, mute, controls, loop,
// playlist (video ids), list (a playlist id) with listType=playlist,
// rel, modestbranding, cc_load_policy, cc_lang_pref, hl, iv_load_policy,
// fs, color, disablekb, playsinline, and enablejsapi: it lets the page
// control the player through postMessage, which tells YouTube nothing
// new. Dropped: origin and widget_referrer (they name the embedding
// page), si, feature, pp and anything else.
func nocookieURL(t target) (string, bool) {
	host, path := t.host, t.path
	var id string
	switch {
	case host == "youtu.be":
		id = strings.Trim(path, "/")
	case hasPrefixFold(path, "/embed/"):
		id = path[len("/embed/"):]
	case strings.EqualFold(path, "/embed") || strings.EqualFold(path, "/embed/"):
		id = ""
	case hasPrefixFold(path, "/v/"):
		id = path[len("/v/"):]
	case strings.EqualFold(path, "/watch"):
		id = queryValue(t.query, "v")
	default:
		return "", false
	}
	id = strings.TrimSuffix(id, "/")
	var q []string
	hasList := false
	start := ""
	for _, kv := range strings.Split(t.query, "&") {
		k, v, _ := cut(kv, '=')
		ok := false
		switch k {
		case "start", "end":
			ok = isDigits(v, 7)
		case "t":
			if host == "youtu.be" || strings.EqualFold(path, "/watch") {
				start = seconds(v)
			}
		case "autoplay", "mute", "controls", "loop", "rel", "modestbranding", "cc_load_policy",
			"iv_load_policy", "fs", "disablekb", "playsinline", "enablejsapi":
			ok = isDigits(v, 1)
		case "cc_lang_pref", "hl":
			ok = isIDShaped(v, 1, 16)
		case "color":
			ok = v == "red" || v == "white"
		case "playlist":
			ok = v != ""
			for _, p := range strings.Split(v, ",") {
				ok = ok && isIDShaped(p, 11, 11)
			}
		case "list":
			ok = isIDShaped(v, 2, 64)
			hasList = hasList || ok
		case "listType":
			ok = v == "playlist"
		}
		if ok {
			q = append(q, k+"="+v)
		}
	}
	if start != "" && queryValue(t.query, "start") == "" {
		q = append(q, "start="+start)
	}
	switch {
	case id == "videoseries" || id == "":
		if !hasList {
			return "", false
		}
	case isIDShaped(id, 11, 11):
	default:
		return "", false
	}
	u := "https://www.youtube-nocookie.com/embed"
	if id != "" {
		u += "/" + id
	}
	if len(q) > 0 {
		u += "?" + strings.Join(q, "&")
	}
	return u, true
}

func queryValue(query, key string) string {
	for _, kv := range strings.Split(query, "&") {
		if k, v, _ := cut(kv, '='); k == key {
			return v
		}
	}
	return ""
}

func isDigits(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isIDShaped accepts what YouTube ids and language tags are made of.
func isIDShaped(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// seconds reads a youtu.be t= value (90, 90s, 1m30s, 1h2m3s) as seconds.
func seconds(v string) string {
	if isDigits(v, 7) {
		return v
	}
	total, n, any := 0, 0, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case '0' <= c && c <= '9' && n < 100000:
			n = n*10 + int(c-'0')
			any = true
			continue
		case c == 'h' && any:
			total += n * 3600
		case c == 'm' && any:
			total += n * 60
		case c == 's' && any:
			total += n
		default:
			return ""
		}
		n, any = 0, false
	}
	if any || total == 0 {
		return ""
	}
	return itoa(total)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// dntURL returns a Vimeo player URL with dnt=1 for a player.vimeo.com
// video URL; ok is false for any other Vimeo frame.
func dntURL(t target) (string, bool) {
	if t.host != "player.vimeo.com" || !hasPrefixFold(t.path, "/video/") {
		return "", false
	}
	id := t.path[len("/video/"):]
	if !isDigits(strings.TrimSuffix(id, "/"), 15) {
		return "", false
	}
	u := "https://player.vimeo.com/video/" + strings.TrimSuffix(id, "/") + "?"
	for _, kv := range strings.Split(t.query, "&") {
		if kv == "" || strings.HasPrefix(kv, "dnt=") {
			continue
		}
		u += kv + "&"
	}
	return u + "dnt=1", true
}
