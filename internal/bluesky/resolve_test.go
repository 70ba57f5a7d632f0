package bluesky_test

import (
	"context"
	"errors"
	"testing"

	"github.com/vigie-project/vigie"
)

func TestResolve(t *testing.T) {
	srv, p, link := setup(t)
	ctx := context.Background()
	rootURI, rootCID := srv.AddMention("alice.test", "a question")
	replyURI, replyCID := srv.AddReply("bob.test", "a follow-up", rootURI)
	ref, err := p.Resolve(ctx, link, replyURI, "")
	if err != nil {
		t.Fatal(err)
	}
	if ref.URI != replyURI || ref.CID != replyCID || ref.RootURI != rootURI || ref.RootCID != rootCID {
		t.Errorf("resolved %+v; want the reply %s/%s in the thread of %s/%s", ref, replyURI, replyCID, rootURI, rootCID)
	}
	if ref, err := p.Resolve(ctx, link, rootURI, ""); err != nil || ref.RootURI != rootURI || ref.CID != rootCID {
		t.Errorf("a thread's root: %+v %v", ref, err)
	}
	for _, id := range []string{"at://did:plc:nobody/app.bsky.feed.post/3kzzzzzzzzz22", "https://bsky.app/profile/x/post/1", ""} {
		if _, err := p.Resolve(ctx, link, id, ""); !errors.Is(err, vigie.ErrInvalid) {
			t.Errorf("%q: %v", id, err)
		}
	}
}
