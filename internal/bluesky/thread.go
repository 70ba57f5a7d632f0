package bluesky

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/vigie-project/vigie"
)

// Thread bounds: the parents and reply levels asked for, and the posts
// kept.
const (
	threadParents = 20
	threadDepth   = 6
	maxThread     = 200
)

// threadNode is a union of app.bsky.feed.defs: #threadViewPost {post,
// parent, replies}, #notFoundPost and #blockedPost (skipped).
type threadNode struct {
	Type    string            `json:"$type"`
	Post    *threadPost       `json:"post"`
	Parent  json.RawMessage   `json:"parent"`
	Replies []json.RawMessage `json:"replies"`
}

// threadPost is app.bsky.feed.defs#postView, the part read.
type threadPost struct {
	URI    string `json:"uri"`
	CID    string `json:"cid"`
	Author struct {
		Did         string `json:"did"`
		Handle      string `json:"handle"`
		DisplayName string `json:"displayName"`
	} `json:"author"`
	Record    json.RawMessage `json:"record"`
	IndexedAt string          `json:"indexedAt"`
}

const threadViewPost = "app.bsky.feed.defs#threadViewPost"

func decodeNode(raw json.RawMessage) (*threadNode, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false
	}
	var n threadNode
	if json.Unmarshal(raw, &n) != nil || n.Post == nil || (n.Type != "" && n.Type != threadViewPost) {
		return nil, false
	}
	return &n, true
}

// Thread reads the conversation around the post ref.URI
// (app.bsky.feed.getPostThread with parentHeight 20 and depth 6): its
// parents from the highest read, the post itself, then its replies depth
// first, each as a Notification (Kind empty). A post of the account has
// AuthorID = its DID. Posts not found or blocked are left out; at most
// 200 posts.
func (p *Publisher) Thread(ctx context.Context, link *vigie.AccountLink, ref vigie.RemoteRef) ([]vigie.Notification, error) {
	if _, _, ok := postURI(ref.URI); !ok {
		return nil, fmt.Errorf("%w: %q is not the at-URI of a post", vigie.ErrInvalid, ref.URI)
	}
	s, err := p.session(link)
	if err != nil {
		return nil, err
	}
	q := url.Values{"uri": {ref.URI}, "depth": {fmt.Sprint(threadDepth)}, "parentHeight": {fmt.Sprint(threadParents)}}
	var out struct {
		Thread json.RawMessage `json:"thread"`
	}
	if err := s.call(ctx, http.MethodGet, "app.bsky.feed.getPostThread", q, nil, "", &out); err != nil {
		return nil, refused(err)
	}
	root, ok := decodeNode(out.Thread)
	if !ok {
		return nil, fmt.Errorf("%s: the post %s was not found or is blocked", s.host, ref.URI)
	}
	var parents []vigie.Notification
	for n, ok := decodeNode(root.Parent); ok && len(parents) < threadParents; n, ok = decodeNode(n.Parent) {
		if it, ok := threadItem(n.Post); ok {
			parents = append(parents, it)
		}
	}
	list := make([]vigie.Notification, 0, len(parents)+1)
	for i := len(parents) - 1; i >= 0; i-- {
		list = append(list, parents[i])
	}
	if it, ok := threadItem(root.Post); ok {
		list = append(list, it)
	}
	var walk func(replies []json.RawMessage, depth int)
	walk = func(replies []json.RawMessage, depth int) {
		if depth > threadDepth {
			return
		}
		for _, raw := range replies {
			if len(list) >= maxThread {
				return
			}
			n, ok := decodeNode(raw)
			if !ok {
				continue
			}
			if it, ok := threadItem(n.Post); ok {
				list = append(list, it)
			}
			walk(n.Replies, depth+1)
		}
	}
	walk(root.Replies, 1)
	return list, nil
}

// threadItem maps a post view; ok is false for one that cannot be read.
func threadItem(pv *threadPost) (vigie.Notification, bool) {
	did, rkey, ok := postURI(pv.URI)
	if !ok || pv.CID == "" || did != pv.Author.Did {
		return vigie.Notification{}, false
	}
	indexed, _ := parseTime(pv.IndexedAt)
	return postNotification(pv.URI, pv.CID, did, rkey, pv.Author.Handle, pv.Author.DisplayName, pv.Record, indexed)
}
