package web

import (
	"encoding/json"
	"html"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// The composer's link preview: the first address of the text, shown as a
// card with its page's og:title and og:description, fetched through the
// fetch policy (no private address unless allowed), 5 seconds, 512 KB,
// HTML only.

const (
	previewTimeout = 5 * time.Second
	previewMax     = 512 << 10
)

var (
	metaRE  = regexp.MustCompile(`(?is)<meta\s[^>]*>`)
	attrRE  = regexp.MustCompile(`(?is)(property|name|content)\s*=\s*("([^"]*)"|'([^']*)')`)
	titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
)

type linkPreview struct {
	URL         string `json:"url"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Site        string `json:"site,omitempty"`
}

// parsePreview reads a page's Open Graph title and description (else its
// <title> and description).
func parsePreview(page string) linkPreview {
	var p linkPreview
	meta := map[string]string{}
	for _, tag := range metaRE.FindAllString(page, -1) {
		var key, content string
		for _, m := range attrRE.FindAllStringSubmatch(tag, -1) {
			val := m[3] + m[4]
			switch strings.ToLower(m[1]) {
			case "property", "name":
				key = strings.ToLower(val)
			case "content":
				content = val
			}
		}
		if key != "" && content != "" {
			if _, seen := meta[key]; !seen {
				meta[key] = clean(content, 300)
			}
		}
	}
	p.Title = meta["og:title"]
	if p.Title == "" {
		if m := titleRE.FindStringSubmatch(page); m != nil {
			p.Title = clean(m[1], 300)
		}
	}
	p.Description = meta["og:description"]
	if p.Description == "" {
		p.Description = meta["description"]
	}
	p.Site = meta["og:site_name"]
	return p
}

func clean(s string, n int) string {
	s = strings.Join(strings.Fields(html.UnescapeString(strings.ToValidUTF8(s, ""))), " ")
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return s
}

func (w *Web) linkPreview(rw http.ResponseWriter, r *http.Request, v *visit) error {
	raw := strings.TrimSpace(r.URL.Query().Get("url"))
	if raw == "" || len(raw) > 2000 || (!strings.HasPrefix(raw, "https://") && !strings.HasPrefix(raw, "http://")) {
		return &pageError{http.StatusBadRequest, "error.badrequest"}
	}
	out := linkPreview{URL: raw}
	if err := w.FetchPolicy.CheckURL(raw); err == nil {
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, raw, nil)
		if err == nil {
			req.Header.Set("Accept", "text/html")
			req.Header.Set("User-Agent", "Vigie link preview")
			if resp, err := w.FetchPolicy.Client(previewTimeout).Do(req); err == nil {
				ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
				if resp.StatusCode == http.StatusOK && (ct == "text/html" || ct == "application/xhtml+xml") {
					b, _ := io.ReadAll(io.LimitReader(resp.Body, previewMax))
					p := parsePreview(string(b))
					p.URL = raw
					out = p
				}
				resp.Body.Close()
			}
		}
	}
	rw.Header().Set("Content-Type", "application/json")
	rw.Header().Set("Cache-Control", "private, max-age=600")
	return json.NewEncoder(rw).Encode(out)
}
