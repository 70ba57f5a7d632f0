package bluesky_test

import (
	"context"
	"errors"
	"testing"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/bluesky/blueskytest"
	"github.com/vigie-project/vigie/internal/connector"
)

// TestThread: a mention, the account's reply, an answer to the reply:
// asked from the reply, the thread is the mention, the reply, the answer.
func TestThread(t *testing.T) {
	srv, p, link := setup(t)
	ctx := context.Background()
	first, firstCID := srv.AddMention("alice.example.org", "where is the library?")
	d := draft("k1", "On the second floor")
	d.ReplyTo = &vigie.RemoteRef{URI: first, CID: firstCID, RootURI: first, RootCID: firstCID}
	own, err := p.Publish(ctx, link, d)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := srv.AddReply("bob.example.org", "Thanks!", own.URI)
	srv.AddMention("carol.example.org", "unrelated")

	got, err := p.Thread(ctx, link, vigie.RemoteRef{URI: own.URI})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].RemoteID != first || got[1].RemoteID != own.URI || got[2].RemoteID != answer {
		t.Fatalf("thread: %+v", got)
	}
	if got[0].AuthorHandle != "alice.example.org" || got[0].Text != "@"+blueskytest.Handle+" where is the library?" || got[0].CreatedAt.IsZero() {
		t.Errorf("the mention: %+v", got[0])
	}
	if got[1].AuthorID != blueskytest.DID || got[1].InReplyTo != first || got[2].AuthorID == blueskytest.DID || got[2].InReplyTo != own.URI ||
		got[2].Post.RootURI != first {
		t.Errorf("authors and parents: %+v", got)
	}
	if got, err := p.Thread(ctx, link, vigie.RemoteRef{URI: first}); err != nil || len(got) != 3 || got[0].RemoteID != first {
		t.Errorf("from the root: %+v, %v", got, err)
	}
	if _, err := p.Thread(ctx, link, vigie.RemoteRef{URI: "at://did:plc:nobody/app.bsky.feed.post/3kabc"}); err == nil || !connector.Permanent(err) {
		t.Errorf("unknown post: %v", err)
	}
	if _, err := p.Thread(ctx, link, vigie.RemoteRef{URI: "https://bsky.app/x"}); !errors.Is(err, vigie.ErrInvalid) {
		t.Errorf("not an at-URI: %v", err)
	}
}
