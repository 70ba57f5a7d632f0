package mastodon

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// maxThread bounds the statuses a thread shows: the ancestors nearest the
// status and the first descendants.
const maxThread = 200

// threadContext is GET /api/v1/statuses/:id/context's answer
// (entities/Context.md): the statuses above it, parents first from the
// thread's root, and those below it, depth first.
type threadContext struct {
	Ancestors   []status `json:"ancestors"`
	Descendants []status `json:"descendants"`
}

// Thread reads the conversation of the account's instance's status ref.ID
// (GET /api/v1/statuses/:id and /context, methods/statuses.md): its
// ancestors from the root, the status itself, then its descendants, each
// as a Notification (Kind empty). A status of the account has AuthorID =
// the account's id (link.RemoteID). At most 200 statuses: the nearest
// ancestors and the first descendants.
func (p *Publisher) Thread(ctx context.Context, link *vigie.AccountLink, ref vigie.RemoteRef) ([]vigie.Notification, error) {
	t, err := readTarget(link, true)
	if err != nil {
		return nil, err
	}
	if !validID(ref.ID) {
		return nil, fmt.Errorf("%w: %q is not a status id", vigie.ErrInvalid, clip(ref.ID))
	}
	id := url.PathEscape(ref.ID)
	var st status
	if _, _, err := p.call(ctx, t, http.MethodGet, "/api/v1/statuses/"+id, nil, nil, "", nil, &st); err != nil {
		return nil, refused(err, "status")
	}
	var c threadContext
	if _, _, err := p.call(ctx, t, http.MethodGet, "/api/v1/statuses/"+id+"/context", nil, nil, "", nil, &c); err != nil {
		return nil, refused(err, "status")
	}
	m := &mapper{host: t.host}
	anc := c.Ancestors
	if len(anc) > maxThread/2 {
		anc = anc[len(anc)-maxThread/2:]
	}
	out := make([]vigie.Notification, 0, len(anc)+1+min(len(c.Descendants), maxThread))
	for i := range anc {
		if n, ok := threadItem(m, &anc[i]); ok {
			out = append(out, n)
		}
	}
	if n, ok := threadItem(m, &st); ok {
		out = append(out, n)
	}
	for i := range c.Descendants {
		if len(out) >= maxThread {
			break
		}
		if n, ok := threadItem(m, &c.Descendants[i]); ok {
			out = append(out, n)
		}
	}
	return out, nil
}

// threadItem maps one status of a thread; ok is false for one without an
// id or a date.
func threadItem(m *mapper, st *status) (vigie.Notification, bool) {
	if st.ID == "" || !validID(st.ID) {
		return vigie.Notification{}, false
	}
	at, ok := parseTime(st.CreatedAt)
	if !ok {
		return vigie.Notification{}, false
	}
	return m.notification(st, at), true
}

// notification maps a status to the inbox's terms (Kind and RemoteID are
// the caller's: a notification's, or a thread's status).
func (m *mapper) notification(st *status, at time.Time) vigie.Notification {
	author := m.author(&st.Account)
	return vigie.Notification{
		RemoteID:     st.ID,
		Post:         vigie.RemoteRef{ID: st.ID, URI: st.URI},
		URL:          webURL(st.URL, st.URI),
		AuthorID:     strings.TrimSpace(st.Account.ID),
		AuthorName:   author.Name,
		AuthorHandle: author.Handle,
		AuthorURL:    author.URL,
		Text:         connector.ClipText(body(st)),
		Language:     strings.TrimSpace(st.Language),
		CreatedAt:    at,
		InReplyTo:    st.InReplyToID,
	}
}
