package bluesky

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/vigie-project/vigie"
)

// Resolve reads a post heard by listening (its at-URI, the id listening
// stores) through the account's session (app.bsky.feed.getPosts), for
// what a reply must name: its CID, and its thread's root.
func (p *Publisher) Resolve(ctx context.Context, link *vigie.AccountLink, id, _ string) (vigie.RemoteRef, error) {
	if _, _, ok := postURI(id); !ok {
		return vigie.RemoteRef{}, fmt.Errorf("%w: %q is not the at:// address of a Bluesky post", vigie.ErrInvalid, id)
	}
	s, err := p.session(link)
	if err != nil {
		return vigie.RemoteRef{}, err
	}
	var out struct {
		Posts []struct {
			URI    string      `json:"uri"`
			CID    string      `json:"cid"`
			Record inboxRecord `json:"record"`
		} `json:"posts"`
	}
	if err := s.call(ctx, http.MethodGet, "app.bsky.feed.getPosts", url.Values{"uris": {id}}, nil, "", &out); err != nil {
		return vigie.RemoteRef{}, refused(err)
	}
	if len(out.Posts) == 0 || out.Posts[0].CID == "" {
		return vigie.RemoteRef{}, fmt.Errorf("%w: Bluesky has no post %s any more (deleted, or its author's account is gone)", vigie.ErrInvalid, id)
	}
	post := out.Posts[0]
	ref := vigie.RemoteRef{URI: post.URI, CID: post.CID, RootURI: post.URI, RootCID: post.CID}
	if r := post.Record.Reply; r != nil && r.Root.URI != "" && r.Root.CID != "" {
		ref.RootURI, ref.RootCID = r.Root.URI, r.Root.CID
	}
	return ref, nil
}
