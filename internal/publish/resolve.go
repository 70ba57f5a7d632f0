package publish

import (
	"context"
	"fmt"

	"github.com/vigie-project/vigie"
)

// Resolver is a client that can find, from an account, a post heard by
// listening (its id and page as stored), for a reply to name it: a
// Mastodon status is known by a different id on each instance; a Bluesky
// reply needs the post's CID and its thread's root.
type Resolver interface {
	Resolve(ctx context.Context, link *vigie.AccountLink, id, pageURL string) (vigie.RemoteRef, error)
}

// replyToMention resolves the listening mention of an inbox item from an
// account of the mention's network: the one given, else the workspace's
// only one of that network.
func (s *Service) replyToMention(ctx context.Context, workspaceID int64, it vigie.InboxItem, accountID int64) (vigie.RemoteRef, int64, error) {
	m, err := s.Store.FindMention(ctx, workspaceID, it.MentionID)
	if err != nil {
		return vigie.RemoteRef{}, 0, err
	}
	network := vigie.Network(m.Post.Source)
	client, ok := s.Clients[network].(Resolver)
	if !ok {
		return vigie.RemoteRef{}, 0, invalid("this mention comes from %s, where Vigie does not publish: answer it there (%s)", m.Post.Source, m.Post.URL)
	}
	if accountID == 0 {
		accounts, err := s.Store.FindAccounts(ctx, workspaceID)
		if err != nil {
			return vigie.RemoteRef{}, 0, err
		}
		for _, a := range accounts {
			if a.Network != network {
				continue
			}
			if accountID != 0 {
				return vigie.RemoteRef{}, 0, invalid("several %s accounts could answer: choose one (account_id)", network)
			}
			accountID = a.ID
		}
		if accountID == 0 {
			return vigie.RemoteRef{}, 0, invalid("no %s account is connected to this workspace to answer this mention", network)
		}
	}
	a, err := s.Store.FindAccount(ctx, workspaceID, accountID)
	if err != nil {
		return vigie.RemoteRef{}, 0, invalid("account %d is not connected to this workspace", accountID)
	}
	if a.Network != network {
		return vigie.RemoteRef{}, 0, invalid("this mention comes from %s: answer it from a %s account, not %s", network, network, a.Handle)
	}
	link := a.Link()
	ref, err := client.Resolve(ctx, &link, m.Post.ID, m.Post.URL)
	if link.Secrets != a.Secrets {
		if serr := s.Store.SaveAccountSecrets(ctx, workspaceID, a.ID, link.Secrets); serr != nil {
			return vigie.RemoteRef{}, 0, serr
		}
	}
	if err != nil {
		return vigie.RemoteRef{}, 0, fmt.Errorf("%w: finding the post from %s: %v", vigie.ErrInvalid, a.Handle, err)
	}
	return ref, a.ID, nil
}
