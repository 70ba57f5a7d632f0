package publish

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/mastodon"
	"github.com/vigie-project/vigie/internal/mastodon/mastodontest"
)

func TestThread(t *testing.T) {
	srv := mastodontest.New(t)
	_, status := srv.AddMention("alice", "a question")
	clients := map[vigie.Network]Client{vigie.NetworkMastodon: mastodonClient{&mastodon.Publisher{Client: &http.Client{Timeout: 5 * time.Second}}},
		vigie.NetworkBluesky: counter{}}
	a := &vigie.Account{ID: 7, Network: vigie.NetworkMastodon, ServerURL: srv.URL, RemoteID: srv.AccountID, Secrets: vigie.AccountSecrets{AccessToken: mastodontest.DefaultToken}}
	it := vigie.InboxItem{ID: 1, AccountID: 7, Ref: vigie.RemoteRef{ID: status}}
	got, changed, err := Thread(context.Background(), clients, a, it)
	if err != nil || changed || len(got) != 1 || got[0].RemoteID != status {
		t.Fatalf("thread: %+v, %v, %v", got, changed, err)
	}
	for name, c := range map[string]struct {
		a  *vigie.Account
		it vigie.InboxItem
	}{
		"listening":       {a, vigie.InboxItem{ID: 2, MentionID: 5}},
		"another account": {a, vigie.InboxItem{ID: 3, AccountID: 8, Ref: it.Ref}},
		"no account":      {nil, it},
		"no threads":      {&vigie.Account{ID: 7, Network: vigie.NetworkBluesky}, it},
	} {
		if _, _, err := Thread(context.Background(), clients, c.a, c.it); !errors.Is(err, ErrNoThread) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
