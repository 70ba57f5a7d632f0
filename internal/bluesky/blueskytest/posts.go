package blueskytest

import (
	"net/http"
	"strings"
)

// getPosts answers app.bsky.feed.getPosts (lexicons/app/bsky/feed/
// getPosts.json): the posts of uris it knows, as post views, in order;
// unknown ones are left out (as the AppView does for deleted posts).
func (s *Server) getPosts(w http.ResponseWriter, uris []string) {
	if len(uris) > 25 {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "uris must not have more than 25 elements")
		return
	}
	posts := []any{}
	for _, u := range uris {
		p := s.find(u)
		if p == nil || !strings.Contains(p.URI, "/app.bsky.feed.post/") {
			continue
		}
		handle := Handle
		for h, did := range s.handles {
			if did == p.Repo {
				handle = h
			}
		}
		posts = append(posts, map[string]any{
			"uri": p.URI, "cid": p.CID, "record": p.Record, "indexedAt": p.CreatedAt,
			"author":     map[string]any{"did": p.Repo, "handle": handle},
			"replyCount": 0, "repostCount": 0, "likeCount": 0, "quoteCount": 0, "labels": []any{},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"posts": posts})
}
