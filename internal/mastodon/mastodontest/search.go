package mastodontest

import (
	"net/http"
	"strings"
)

// AddRemoteStatus stores a status of @from@example.org that does not
// mention the account (a post heard by listening elsewhere), and returns
// its ActivityPub URI and its id on this instance.
func (s *Server) AddRemoteStatus(from, text string) (uri, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &status{ID: s.id(), Text: text, Language: "en", CreatedAt: s.now().UTC(), Author: author{ID: s.authorID(from), Username: from, Domain: "example.org"}}
	s.statuses = append(s.statuses, st)
	return s.statusJSON(st)["uri"].(string), st.ID
}

// search answers GET /api/v2/search for statuses (methods/search.md): a
// q that is a known status's URI or URL finds it (resolve=true fetching
// remote ones is what the instance does; here they are known already).
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	statuses := []any{}
	if t := r.URL.Query().Get("type"); t == "" || t == "statuses" {
		for _, st := range s.statuses {
			j := s.statusJSON(st)
			if q != "" && (j["uri"] == q || j["url"] == q) {
				statuses = append(statuses, j)
				break
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": []any{}, "statuses": statuses, "hashtags": []any{}})
}
