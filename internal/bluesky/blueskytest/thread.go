package blueskytest

import (
	"net/http"
	"strconv"
	"strings"
)

// app.bsky.feed.getPostThread {uri, depth (default 6), parentHeight
// (default 80)} → {thread: app.bsky.feed.defs#threadViewPost {post,
// parent, replies}}, as the PDS proxies it to the AppView; a post it does
// not know is 400 NotFound. Replies are in the order they were posted.

// getPostThread answers the call, under the lock.
func (s *Server) getPostThread(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	depth, parents := 6, 80
	if n, err := strconv.Atoi(q.Get("depth")); err == nil && n >= 0 && n <= 1000 {
		depth = n
	}
	if n, err := strconv.Atoi(q.Get("parentHeight")); err == nil && n >= 0 && n <= 1000 {
		parents = n
	}
	p := s.find(q.Get("uri"))
	if p == nil || !strings.Contains(p.URI, "/app.bsky.feed.post/") {
		xrpcError(w, http.StatusBadRequest, "NotFound", "Post not found: "+q.Get("uri"))
		return
	}
	node := s.threadNode(p, depth)
	cur := node
	for up, n := s.find(p.ReplyParent), 0; up != nil && n < parents; up, n = s.find(up.ReplyParent), n+1 {
		parent := s.threadNode(up, 0)
		delete(parent, "replies")
		cur["parent"] = parent
		cur = parent
	}
	writeJSON(w, http.StatusOK, map[string]any{"thread": node})
}

// threadNode is p's threadViewPost with its replies depth levels down.
func (s *Server) threadNode(p *Post, depth int) map[string]any {
	n := map[string]any{"$type": "app.bsky.feed.defs#threadViewPost", "post": s.postView(p)}
	if depth > 0 {
		replies := []any{}
		for _, c := range s.posts {
			if c.ReplyParent == p.URI {
				replies = append(replies, s.threadNode(c, depth-1))
			}
		}
		n["replies"] = replies
	}
	return n
}

// postView is app.bsky.feed.defs#postView.
func (s *Server) postView(p *Post) map[string]any {
	handle := "handle.invalid"
	for h, did := range s.handles {
		if did == p.Repo {
			handle = h
		}
	}
	name := strings.SplitN(handle, ".", 2)[0]
	return map[string]any{
		"uri": p.URI, "cid": p.CID,
		"author": map[string]any{"did": p.Repo, "handle": handle, "displayName": strings.ToUpper(name[:1]) + name[1:], "labels": []any{},
			"createdAt": "2024-01-01T00:00:00.000Z"},
		"record": p.Record, "replyCount": 0, "repostCount": 0, "likeCount": 0, "quoteCount": 0,
		"indexedAt": p.CreatedAt, "labels": []any{},
	}
}
