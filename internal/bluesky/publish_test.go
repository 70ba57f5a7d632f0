package bluesky_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/bluesky"
	"github.com/vigie-project/vigie/internal/bluesky/blueskytest"
	"github.com/vigie-project/vigie/internal/connector"
)

func setup(t *testing.T) (*blueskytest.Server, *bluesky.Publisher, *vigie.AccountLink) {
	t.Helper()
	srv := blueskytest.New(t)
	p := &bluesky.Publisher{Client: &http.Client{Timeout: 10 * time.Second}}
	link := &vigie.AccountLink{Network: vigie.NetworkBluesky, ServerURL: srv.URL, Identifier: blueskytest.Handle,
		Secrets: vigie.AccountSecrets{AppPassword: blueskytest.AppPassword}}
	return srv, p, link
}

var created = time.Date(2026, 12, 1, 9, 30, 15, 0, time.UTC)

func draft(key, text string) vigie.Draft {
	return vigie.Draft{Key: key, CreatedAt: created, Text: text, Language: "fr"}
}

func TestVerify(t *testing.T) {
	srv, p, link := setup(t)
	prof, err := p.Verify(context.Background(), link)
	if err != nil {
		t.Fatal(err)
	}
	want := vigie.Profile{RemoteID: blueskytest.DID, Handle: blueskytest.Handle, DisplayName: "Vigie Test",
		URL: "https://bsky.app/profile/" + blueskytest.Handle, Limits: bluesky.Limits}
	if prof != want {
		t.Errorf("profile\n got %+v\nwant %+v", prof, want)
	}
	if link.RemoteID != blueskytest.DID || !srv.ValidToken(link.Secrets.AccessToken) || link.Secrets.RefreshToken == "" {
		t.Errorf("link after Verify: %+v", link)
	}
	if bluesky.Limits.MaxImageBytes != 1_000_000 || bluesky.Limits.MaxChars != 300 || bluesky.Limits.MaxBytes != 3000 {
		t.Errorf("limits %+v", bluesky.Limits)
	}

	bad := *link
	bad.Secrets = vigie.AccountSecrets{AppPassword: "wrong"}
	if _, err := p.Verify(context.Background(), &bad); !connector.IsAuth(err) {
		t.Errorf("wrong app password: %v, want an AuthError", err)
	}
}

func TestSession(t *testing.T) {
	srv, p, link := setup(t)
	ctx := context.Background()
	if _, err := p.Verify(ctx, link); err != nil {
		t.Fatal(err)
	}
	logins := srv.Calls("com.atproto.server.createSession")

	// The access token expires: refreshed, once, then the call goes on.
	srv.ExpireAccess()
	old := link.Secrets
	if _, err := p.Publish(ctx, link, draft("a", "after expiry")); err != nil {
		t.Fatal(err)
	}
	if link.Secrets.AccessToken == old.AccessToken || link.Secrets.RefreshToken == old.RefreshToken ||
		srv.Calls("com.atproto.server.refreshSession") != 1 || srv.Calls("com.atproto.server.createSession") != logins {
		t.Errorf("no refresh: %d refreshes, %d logins", srv.Calls("com.atproto.server.refreshSession"), srv.Calls("com.atproto.server.createSession"))
	}

	// The refresh token is refused too: a new session with the app password.
	srv.ExpireAccess()
	srv.RevokeRefresh()
	if _, err := p.Publish(ctx, link, draft("b", "after revocation")); err != nil {
		t.Fatal(err)
	}
	if srv.Calls("com.atproto.server.createSession") != logins+1 || !srv.ValidToken(link.Secrets.AccessToken) {
		t.Errorf("no new session")
	}

	// And the app password is revoked: an AuthError, nothing posted.
	srv.ExpireAccess()
	srv.RevokeRefresh()
	srv.SetPassword("new-pass-word-0000")
	_, err := p.Publish(ctx, link, draft("c", "after the password"))
	if !connector.IsAuth(err) {
		t.Errorf("revoked app password: %v, want an AuthError", err)
	}
	if n := len(srv.Posts()); n != 2 {
		t.Errorf("%d posts", n)
	}

	// A server failing during the refresh is not an auth error.
	srv.SetPassword(blueskytest.AppPassword)
	link.Secrets.AccessToken = ""
	if _, err := p.Verify(ctx, link); err != nil {
		t.Fatal(err)
	}
	srv.ExpireAccess()
	down := *link
	down.ServerURL = "http://127.0.0.1:1"
	if _, err := p.Publish(ctx, &down, draft("d", "down")); err == nil || connector.IsAuth(err) || connector.Permanent(err) {
		t.Errorf("unreachable server: %v, want a transient error", err)
	}
}

func TestPublish(t *testing.T) {
	srv, p, link := setup(t)
	ctx := context.Background()
	alice := srv.AddHandle("alice.example.com", "")
	parentURI, parentCID := srv.AddMention("alice.example.com", "une question")
	d := draft("k1", "Café ☕ avec @alice.example.com et @nobody.example.net: https://epfl.ch/fr/x #Rentrée2026")
	d.ReplyTo = &vigie.RemoteRef{URI: parentURI, CID: parentCID}
	d.Media = []vigie.Media{{Data: []byte("\x89PNG\r\n\x1a\nfake"), MIME: "image/png", Alt: "le campus"}}
	got, err := p.Publish(ctx, link, d)
	if err != nil {
		t.Fatal(err)
	}
	rkey, _ := bluesky.RecordKey(d.Key, d.CreatedAt)
	posts := srv.Posts()
	if len(posts) != 1 {
		t.Fatalf("%d posts", len(posts))
	}
	post := posts[0]
	if got.URI != "at://"+blueskytest.DID+"/app.bsky.feed.post/"+rkey || got.CID != post.CID || got.URL != "https://bsky.app/profile/"+blueskytest.DID+"/post/"+rkey {
		t.Errorf("remote post %+v", got)
	}
	if post.Rkey != rkey || post.Text != d.Text || post.ReplyParent != parentURI || post.ReplyRoot != parentURI || post.Images != 1 ||
		len(post.Langs) != 1 || post.Langs[0] != "fr" || post.CreatedAt != "2026-12-01T09:30:15.000Z" {
		t.Errorf("stored %+v", post)
	}
	rec := string(post.Record)
	for _, want := range []string{`"did":"` + alice + `"`, `"uri":"https://epfl.ch/fr/x"`, `"tag":"Rentrée2026"`, `"$type":"app.bsky.embed.images"`, `"alt":"le campus"`, `"$link":"bafkrei`} {
		if !strings.Contains(rec, want) {
			t.Errorf("record lacks %s: %s", want, rec)
		}
	}
	if strings.Count(rec, `"index"`) != 3 {
		t.Errorf("an unresolved mention got a facet: %s", rec)
	}

	// The same draft again: the same record, nothing new.
	again, err := p.Publish(ctx, link, d)
	if err != nil || again != got || len(srv.Posts()) != 1 {
		t.Errorf("again: %+v, %v, %d posts", again, err, len(srv.Posts()))
	}
	// A reply in a thread: its root stays the thread's.
	r := draft("k2", "suite")
	r.ReplyTo = &vigie.RemoteRef{URI: got.URI, CID: got.CID, RootURI: parentURI, RootCID: parentCID}
	if _, err := p.Publish(ctx, link, r); err != nil {
		t.Fatal(err)
	}
	if p := srv.Posts()[1]; p.ReplyRoot != parentURI || p.ReplyParent != got.URI {
		t.Errorf("thread reply %+v", p)
	}
}

func TestPublishErrors(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	reset := now.Add(4 * time.Minute).Unix()
	cases := []struct {
		name      string
		status    int
		headers   map[string]string
		body      string
		auth      bool
		until     time.Time
		permanent bool
		message   string
	}{
		{name: "server error", status: 500, body: `{"error":"InternalServerError","message":"Internal Server Error"}`},
		{name: "unavailable", status: 502, body: `upstream`},
		{name: "rate limit", status: 429, headers: map[string]string{"ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": strconv.FormatInt(reset, 10)},
			body: `{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}`, until: time.Unix(reset, 0)},
		{name: "forbidden", status: 403, body: `{"error":"AccountTakedown","message":"Account has been taken down"}`, auth: true},
		{name: "invalid", status: 400, body: `{"error":"InvalidRequest","message":"Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"}`,
			permanent: true, message: "refused the post (HTTP 400 InvalidRequest): Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, p, link := setup(t)
			p.Now = func() time.Time { return now }
			srv.Fail(1, c.status, c.headers, c.body)
			_, err := p.Publish(context.Background(), link, draft("e", "hello"))
			if err == nil {
				t.Fatal("no error")
			}
			rl, limited := connector.RateLimited(err)
			switch {
			case connector.IsAuth(err) != c.auth:
				t.Errorf("IsAuth(%v) = %v", err, !c.auth)
			case limited != !c.until.IsZero():
				t.Errorf("RateLimited(%v) = %v", err, limited)
			case limited && !rl.Until.Equal(c.until):
				t.Errorf("until %v, want %v", rl.Until, c.until)
			case connector.Permanent(err) != c.permanent:
				t.Errorf("Permanent(%v) = %v", err, !c.permanent)
			case c.message != "" && !strings.Contains(err.Error(), c.message):
				t.Errorf("message %q, want %q", err, c.message)
			}
			if _, err := p.Publish(context.Background(), link, draft("e", "hello")); err != nil || len(srv.Posts()) != 1 {
				t.Errorf("retry: %v, %d posts", err, len(srv.Posts()))
			}
		})
	}
}

func TestPublishRefusedLocally(t *testing.T) {
	srv, p, link := setup(t)
	for name, d := range map[string]vigie.Draft{
		"too long":      draft("x", strings.Repeat("é", 301)),
		"too big":       {Key: "y", CreatedAt: created, Text: "x", Media: []vigie.Media{{Data: make([]byte, 1_000_001), MIME: "image/jpeg"}}},
		"no time":       {Key: "z", Text: "x"},
		"reply, no cid": {Key: "w", CreatedAt: created, Text: "x", ReplyTo: &vigie.RemoteRef{URI: "at://did:plc:x/app.bsky.feed.post/3k"}},
	} {
		if _, err := p.Publish(context.Background(), link, d); !errors.Is(err, vigie.ErrInvalid) || !connector.Permanent(err) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(srv.Posts()) != 0 || srv.Calls("com.atproto.server.createSession") != 0 {
		t.Error("a refused draft reached the server")
	}
	// 300 graphemes of e and a combining accent are 300, over 300 runes.
	if _, err := p.Publish(context.Background(), link, draft("fam", strings.Repeat("e\u0301", 300))); err != nil {
		t.Errorf("300 graphemes: %v", err)
	}
}

func TestPublishKilledWhileAnswering(t *testing.T) {
	srv, p, link := setup(t)
	release := srv.Hold()
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	d := draft("held", "held post")
	go func() {
		_, err := p.Publish(ctx, link, d)
		done <- err
	}()
	<-srv.Held()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
	// The retry meets the record at its key (the PDS answers 500 for the
	// duplicate key) and takes it as published.
	got, err := p.Publish(context.Background(), link, d)
	posts := srv.Posts()
	if err != nil || len(posts) != 1 || got.URI != posts[0].URI || got.CID != posts[0].CID {
		t.Fatalf("retry: %+v, %v, %d posts", got, err, len(posts))
	}
	// Lookup finds it as well; another draft is not there.
	found, ok, err := p.Lookup(context.Background(), link, d)
	if err != nil || !ok || found != got {
		t.Errorf("lookup: %+v %v %v", found, ok, err)
	}
	if _, ok, err := p.Lookup(context.Background(), link, draft("other", "x")); ok || err != nil {
		t.Errorf("lookup of a draft never sent: %v %v", ok, err)
	}
}

func TestNotifications(t *testing.T) {
	srv, p, link := setup(t)
	ctx := context.Background()
	own, err := p.Publish(ctx, link, draft("own", "nouvelles"))
	if err != nil {
		t.Fatal(err)
	}
	mURI, _ := srv.AddMention("alice.example.com", "bonjour")
	srv.AddLike("bob.example.com", own.URI)
	rURI, rCID := srv.AddReply("bob.example.com", "merci", own.URI)
	qURI, _ := srv.AddQuote("carol.example.com", "à lire", own.URI)
	got, cursor, err := p.Notifications(ctx, link, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].RemoteID != mURI || got[1].RemoteID != rURI || got[2].RemoteID != qURI {
		t.Fatalf("notifications %+v", got)
	}
	m, r, q := got[0], got[1], got[2]
	mRkey := mURI[strings.LastIndex(mURI, "/")+1:]
	if m.Kind != vigie.NotifyMention || m.Text != "@vigie.test bonjour" || m.AuthorHandle != "alice.example.com" || m.AuthorName != "Alice" ||
		m.URL != "https://bsky.app/profile/alice.example.com/post/"+mRkey || m.AuthorURL != "https://bsky.app/profile/alice.example.com" ||
		m.Post.RootURI != mURI || m.Language != "en" || !strings.HasPrefix(m.AuthorID, "did:plc:") || m.CreatedAt.IsZero() {
		t.Errorf("mention %+v", m)
	}
	if r.Kind != vigie.NotifyReply || r.Post.URI != rURI || r.Post.CID != rCID || r.Post.RootURI != own.URI || r.Post.RootCID != own.CID || r.InReplyTo != own.URI {
		t.Errorf("reply %+v", r)
	}
	if q.Kind != vigie.NotifyQuote {
		t.Errorf("quote %+v", q)
	}
	if _, err := time.Parse(time.RFC3339, cursor); err != nil {
		t.Fatalf("cursor %q", cursor)
	}
	// Nothing new: only what was indexed at the cursor's very time comes
	// again (the inbox stores each post once).
	again, next, err := p.Notifications(ctx, link, cursor)
	if err != nil || len(again) > 1 || next != cursor {
		t.Fatalf("nothing new: %d, %q, %v", len(again), next, err)
	}
	// 120 new ones, over three pages of 50, likes between them.
	var want []string
	for i := range 120 {
		u, _ := srv.AddMention("many.example.com", "n"+strconv.Itoa(i))
		srv.AddLike("bob.example.com", own.URI)
		want = append(want, u)
	}
	got, next, err = p.Notifications(ctx, link, cursor)
	if err != nil || next <= cursor {
		t.Fatalf("%d notifications, cursor %q, %v", len(got), next, err)
	}
	if len(got) == 121 && got[0].RemoteID == q.RemoteID { // the one at the cursor's time, again
		got = got[1:]
	}
	if len(got) != 120 {
		t.Fatalf("%d notifications, want 120", len(got))
	}
	for i, n := range got {
		if n.RemoteID != want[i] {
			t.Fatalf("notification %d is %s, want %s", i, n.RemoteID, want[i])
		}
	}
}
