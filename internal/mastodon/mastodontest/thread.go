package mastodontest

import (
	"net/http"
	"strings"
)

// The statuses of a conversation (methods/statuses.md): GET
// /api/v1/statuses/:id, and GET /api/v1/statuses/:id/context →
// {ancestors, descendants}, ancestors from the thread's root down to the
// status's parent, descendants depth first in the order they were posted.
// A status the instance does not know is 404 {"error":"Record not found"}.

// threadRoute answers the two calls; ok is false for another path. Under
// the lock.
func (s *Server) threadRoute(w http.ResponseWriter, r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/statuses/")
	if !ok || r.Method != http.MethodGet {
		return false
	}
	id, ctx := strings.CutSuffix(rest, "/context")
	if id == "" || strings.Contains(id, "/") {
		return false
	}
	st := s.find(id)
	if st == nil {
		writeError(w, http.StatusNotFound, "Record not found")
		return true
	}
	if !ctx {
		writeJSON(w, http.StatusOK, s.statusJSON(st))
		return true
	}
	ancestors := []any{}
	var up []*status
	for p := s.find(st.InReplyToID); p != nil && len(up) < 100; p = s.find(p.InReplyToID) {
		up = append(up, p)
	}
	for i := len(up) - 1; i >= 0; i-- {
		ancestors = append(ancestors, s.statusJSON(up[i]))
	}
	descendants := []any{}
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		if depth > 100 {
			return
		}
		for _, c := range s.statuses {
			if c.InReplyToID == parent {
				descendants = append(descendants, s.statusJSON(c))
				walk(c.ID, depth+1)
			}
		}
	}
	walk(st.ID, 0)
	writeJSON(w, http.StatusOK, map[string]any{"ancestors": ancestors, "descendants": descendants})
	return true
}
