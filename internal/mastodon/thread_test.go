package mastodon_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// TestThread: a mention, the account's reply to it, and a reply to that
// reply: asked from the middle, the thread is the mention, the reply (the
// account's), then the answer to it.
func TestThread(t *testing.T) {
	srv, p, link := setup(t)
	ctx := context.Background()
	_, first := srv.AddMention("alice", "Where is the library?")
	d := draft("k1", "@alice@example.org on the second floor")
	d.ReplyTo = &vigie.RemoteRef{ID: first}
	own, err := p.Publish(ctx, link, d)
	if err != nil {
		t.Fatal(err)
	}
	_, answer := srv.AddReply("bob", "Thanks!", own.ID)
	srv.AddMention("carol", "unrelated")

	got, err := p.Thread(ctx, link, vigie.RemoteRef{ID: own.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("thread of %d statuses: %+v", len(got), got)
	}
	if got[0].RemoteID != first || got[1].RemoteID != own.ID || got[2].RemoteID != answer {
		t.Errorf("order: %s %s %s, want %s %s %s", got[0].RemoteID, got[1].RemoteID, got[2].RemoteID, first, own.ID, answer)
	}
	if got[0].AuthorHandle != "@alice@example.org" || !strings.Contains(got[0].Text, "Where is the library?") || got[0].CreatedAt.IsZero() || got[0].URL == "" {
		t.Errorf("the mention: %+v", got[0])
	}
	if got[1].AuthorID != srv.AccountID || got[1].InReplyTo != first || got[2].AuthorID == srv.AccountID || got[2].InReplyTo != own.ID {
		t.Errorf("authors and parents: %+v", got)
	}

	// From the root: itself and everything below.
	if got, err := p.Thread(ctx, link, vigie.RemoteRef{ID: first}); err != nil || len(got) != 3 || got[0].RemoteID != first {
		t.Errorf("from the root: %+v, %v", got, err)
	}
	// A deleted (unknown) status is the instance's refusal; a bad id is
	// refused before any call; a revoked token is an AuthError.
	if _, err := p.Thread(ctx, link, vigie.RemoteRef{ID: "999"}); err == nil || !connector.Permanent(err) {
		t.Errorf("unknown status: %v", err)
	}
	if _, err := p.Thread(ctx, link, vigie.RemoteRef{ID: "../x"}); !errors.Is(err, vigie.ErrInvalid) {
		t.Errorf("bad id: %v", err)
	}
	srv.SetToken("another")
	if _, err := p.Thread(ctx, link, vigie.RemoteRef{ID: first}); !connector.IsAuth(err) {
		t.Errorf("revoked token: %v", err)
	}
}
