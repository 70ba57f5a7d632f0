package mastodon

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/vigie-project/vigie"
)

// Resolve finds a post heard elsewhere — by its ActivityPub URI (the id
// listening stores) or its page — on the account's own instance, which
// fetches it from its server if it must (GET /api/v2/search with
// resolve=true, which needs the account's token), so that the account
// can answer it: replies name the status by its id on the replying
// account's instance.
func (p *Publisher) Resolve(ctx context.Context, link *vigie.AccountLink, id, pageURL string) (vigie.RemoteRef, error) {
	t, err := readTarget(link, true)
	if err != nil {
		return vigie.RemoteRef{}, err
	}
	for _, q := range []string{id, pageURL} {
		if !strings.HasPrefix(q, "https://") && !strings.HasPrefix(q, "http://") {
			continue
		}
		var res struct {
			Statuses []status `json:"statuses"`
		}
		_, _, err := p.call(ctx, t, http.MethodGet, "/api/v2/search", url.Values{"q": {q}, "type": {"statuses"}, "resolve": {"true"}, "limit": {"1"}},
			nil, "", nil, &res)
		if err != nil {
			return vigie.RemoteRef{}, refused(err, "search")
		}
		if len(res.Statuses) > 0 && res.Statuses[0].ID != "" {
			st := res.Statuses[0]
			return vigie.RemoteRef{ID: st.ID, URI: st.URI}, nil
		}
	}
	return vigie.RemoteRef{}, fmt.Errorf("%w: %s could not find this post (deleted, private, or from a server it does not reach)", vigie.ErrInvalid, t.host)
}
