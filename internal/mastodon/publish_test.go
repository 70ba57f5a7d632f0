package mastodon_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/mastodon"
	"github.com/vigie-project/vigie/internal/mastodon/mastodontest"
)

func setup(t *testing.T) (*mastodontest.Server, *mastodon.Publisher, *vigie.AccountLink) {
	t.Helper()
	srv := mastodontest.New(t)
	p := &mastodon.Publisher{Client: &http.Client{Timeout: 10 * time.Second}}
	link := &vigie.AccountLink{Network: vigie.NetworkMastodon, ServerURL: srv.URL, Secrets: vigie.AccountSecrets{AccessToken: mastodontest.DefaultToken}}
	return srv, p, link
}

func draft(key, text string) vigie.Draft {
	return vigie.Draft{Key: key, CreatedAt: time.Now(), Text: text, Language: "en"}
}

func TestVerify(t *testing.T) {
	srv, p, link := setup(t)
	srv.SetLimits(1000, 6)
	prof, err := p.Verify(context.Background(), link)
	if err != nil {
		t.Fatal(err)
	}
	want := vigie.Profile{RemoteID: srv.AccountID, Handle: "@vigie@" + srv.Domain, DisplayName: "Vigie", URL: srv.URL + "/@vigie",
		Limits: vigie.AccountLimits{MaxChars: 1000, MaxMedia: 6, URLChars: 23, MaxImageBytes: 16777216}}
	if prof != want {
		t.Errorf("profile\n got %+v\nwant %+v", prof, want)
	}
	if link.RemoteID != srv.AccountID {
		t.Errorf("link.RemoteID = %q", link.RemoteID)
	}

	srv.OnlyV1()
	srv.SetLimits(5000, 4)
	prof, err = p.Verify(context.Background(), link)
	if err != nil || prof.Limits.MaxChars != 5000 || prof.Handle != "@vigie@"+srv.Domain {
		t.Errorf("v1 instance: %+v, %v", prof, err)
	}

	srv.SetToken("another")
	_, err = p.Verify(context.Background(), link)
	if !connector.IsAuth(err) {
		t.Errorf("revoked token: %v, want an AuthError", err)
	}
	_, err = p.Verify(context.Background(), &vigie.AccountLink{ServerURL: srv.URL})
	if !connector.IsAuth(err) {
		t.Errorf("no token: %v, want an AuthError", err)
	}
}

func TestVerifyDefaults(t *testing.T) {
	// A server with neither instance endpoint: Mastodon's defaults.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/accounts/verify_credentials", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"id":"7","username":"org","acct":"org","display_name":"","url":"https://social.example/@org"}`)
	})
	srv := httptestServer(t, mux)
	p := &mastodon.Publisher{Client: http.DefaultClient}
	prof, err := p.Verify(context.Background(), &vigie.AccountLink{ServerURL: srv, Secrets: vigie.AccountSecrets{AccessToken: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if prof.Limits != (vigie.AccountLimits{MaxChars: 500, MaxMedia: 4, URLChars: 23}) || !strings.HasPrefix(prof.Handle, "@org@127.0.0.1") {
		t.Errorf("profile %+v", prof)
	}
}

func TestPublishErrors(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
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
		{name: "server error", status: 500, body: `<html>oops</html>`},
		{name: "bad gateway", status: 502},
		{name: "rate limit reset", status: 429, headers: map[string]string{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2026-12-01T10:04:30.123456Z"},
			body: `{"error":"Too many requests"}`, until: time.Date(2026, 12, 1, 10, 4, 30, 123456000, time.UTC)},
		{name: "rate limit retry-after", status: 429, headers: map[string]string{"Retry-After": "90"}, until: now.Add(90 * time.Second)},
		{name: "token revoked", status: 401, body: `{"error":"The access token was revoked"}`, auth: true},
		{name: "forbidden", status: 403, body: `{"error":"Your login is currently disabled"}`, auth: true},
		{name: "validation", status: 422, body: `{"error":"Validation failed: Text character limit of 500 exceeded"}`, permanent: true,
			message: "refused the post (HTTP 422): Validation failed: Text character limit of 500 exceeded"},
		{name: "reply to a deleted status", status: 404, body: `{"error":"Record not found"}`, permanent: true, message: "Record not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, p, link := setup(t)
			p.Now = func() time.Time { return now }
			srv.Fail(1, c.status, c.headers, c.body)
			_, err := p.Publish(context.Background(), link, draft("k1", "hello"))
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
				t.Errorf("message %q, want it to say %q", err, c.message)
			}
			if len(srv.Posts()) != 0 {
				t.Error("a failed call created a post")
			}
			// The failure was the next call's only: the retry works.
			if _, err := p.Publish(context.Background(), link, draft("k1", "hello")); err != nil {
				t.Errorf("retry: %v", err)
			}
		})
	}
}

func TestPublishTooLong(t *testing.T) {
	srv, p, link := setup(t)
	_, err := p.Publish(context.Background(), link, draft("k", strings.Repeat("é", 501)))
	var ref *mastodon.RefusedError
	if !connector.Permanent(err) || !errors.As(err, &ref) || !strings.Contains(err.Error(), "Text character limit of 500 exceeded") {
		t.Errorf("error %v", err)
	}
	// A URL counts 23 and a mention its local part: this one fits.
	long := strings.Repeat("a", 440) + " https://example.com/" + strings.Repeat("x", 200) + " @someone@example.social"
	if _, err := p.Publish(context.Background(), link, draft("k2", long)); err != nil {
		t.Errorf("a text of %d characters by Mastodon's count: %v", mastodon.Length(long, vigie.AccountLimits{}), err)
	}
	if n := len(srv.Posts()); n != 1 {
		t.Errorf("%d posts", n)
	}
}

func TestPublishIdempotent(t *testing.T) {
	srv, p, link := setup(t)
	d := draft("draft-7:account-2", "Open day on Saturday")
	d.ContentWarning = "event"
	a, err := p.Publish(context.Background(), link, d)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Publish(context.Background(), link, d)
	if err != nil {
		t.Fatal(err)
	}
	posts := srv.Posts()
	if a != b || len(posts) != 1 || a.ID != posts[0].ID {
		t.Fatalf("twice the same draft: %+v and %+v, %d posts", a, b, len(posts))
	}
	if p := posts[0]; p.Key != d.Key || p.Text != d.Text || p.SpoilerText != "event" || p.Language != "en" {
		t.Errorf("stored %+v", p)
	}
	if a.URL == "" || a.URI == "" {
		t.Errorf("remote post %+v", a)
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
	cancel() // the publisher dies while the instance answers
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
	if n := len(srv.Posts()); n != 1 {
		t.Fatalf("%d posts stored", n)
	}
	// Within the hour, the retry gets the same status.
	got, err := p.Publish(context.Background(), link, d)
	if err != nil || got.ID != srv.Posts()[0].ID || len(srv.Posts()) != 1 {
		t.Fatalf("retry: %+v, %v; %d posts", got, err, len(srv.Posts()))
	}
}

func TestPublishMediaAndReply(t *testing.T) {
	defer mastodon.ShortMediaWait()()
	srv, p, link := setup(t)
	srv.AsyncMedia(2)
	_, parent := srv.AddMention("alice", "what time?")
	d := draft("reply-1", "@alice@example.org at ten")
	d.ReplyTo = &vigie.RemoteRef{ID: parent}
	d.Media = []vigie.Media{
		{Data: []byte("\x89PNG\r\n\x1a\n...."), MIME: "image/png", Alt: "the map"},
		{Data: []byte("\xff\xd8\xff...."), MIME: "image/jpeg", Alt: "the hall"},
	}
	if _, err := p.Publish(context.Background(), link, d); err != nil {
		t.Fatal(err)
	}
	posts := srv.Posts()
	if len(posts) != 1 || posts[0].InReplyToID != parent || len(posts[0].MediaIDs) != 2 {
		t.Fatalf("posts %+v", posts)
	}
	d.Key, d.ReplyTo = "reply-2", &vigie.RemoteRef{ID: "999"}
	d.Media = nil
	if _, err := p.Publish(context.Background(), link, d); !connector.Permanent(err) {
		t.Errorf("a reply to a status that is gone: %v, want a permanent error", err)
	}
}

func TestLookup(t *testing.T) {
	srv, p, link := setup(t)
	text := "Rentrée 2026 👋 programme: https://www.example.edu/rentree/2026/programme-complet-des-journees\n\nmerci @alice@example.org et #EPFL"
	d := draft("k-lookup", text)
	pub, err := p.Publish(context.Background(), link, d)
	if err != nil {
		t.Fatal(err)
	}
	// Within the key's hour, the key answers: no lookup by text (another
	// post of the same words would be taken for this one).
	if _, ok, err := p.Lookup(context.Background(), link, d); ok || err != nil {
		t.Fatalf("looked up within the key's hour: %v %v", ok, err)
	}
	srv.ForgetKeys() // the hour has passed
	p.Now = func() time.Time { return time.Now().Add(time.Hour) }
	link.RemoteID = ""
	got, ok, err := p.Lookup(context.Background(), link, d)
	if err != nil || !ok || got != pub {
		t.Fatalf("lookup: %+v %v %v, want %+v", got, ok, err, pub)
	}
	other := d
	other.Text = "something else"
	if _, ok, err := p.Lookup(context.Background(), link, other); ok || err != nil {
		t.Errorf("another text found: %v %v", ok, err)
	}
	later := d
	later.CreatedAt = time.Now().Add(10 * time.Minute)
	if _, ok, _ := p.Lookup(context.Background(), link, later); ok {
		t.Error("a status older than the draft was taken for it")
	}
	reply := d
	reply.ReplyTo = &vigie.RemoteRef{ID: "123"}
	if _, ok, _ := p.Lookup(context.Background(), link, reply); ok {
		t.Error("a status answering nothing was taken for a reply")
	}
}

func TestNotifications(t *testing.T) {
	srv, p, link := setup(t)
	own, err := p.Publish(context.Background(), link, draft("own", "our news"))
	if err != nil {
		t.Fatal(err)
	}
	n1, s1 := srv.AddMention("alice", "hello <b>there</b> & welcome")
	n2, s2 := srv.AddReply("bob", "thanks!", own.ID)
	got, cursor, err := p.Notifications(context.Background(), link, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || cursor != n2 {
		t.Fatalf("%d notifications, cursor %q (want %q)", len(got), cursor, n2)
	}
	a, b := got[0], got[1]
	if a.RemoteID != n1 || a.Kind != vigie.NotifyMention || a.Post.ID != s1 || a.Text != "@vigie hello <b>there</b> & welcome" ||
		a.AuthorHandle != "@alice@example.org" || a.AuthorURL != "https://example.org/@alice" || a.Language != "en" || a.CreatedAt.IsZero() ||
		a.URL != "https://example.org/@alice/"+s1 || a.Post.URI == "" {
		t.Errorf("mention %+v", a)
	}
	if b.RemoteID != n2 || b.Kind != vigie.NotifyReply || b.Post.ID != s2 || b.InReplyTo != own.ID || b.AuthorName != "Bob" {
		t.Errorf("reply %+v", b)
	}
	got, next, err := p.Notifications(context.Background(), link, cursor)
	if err != nil || len(got) != 0 || next != cursor {
		t.Fatalf("nothing new: %d, %q, %v", len(got), next, err)
	}
	// 90 new ones: three pages after the cursor, oldest first.
	var want []string
	for i := range 90 {
		id, _ := srv.AddMention(fmt.Sprintf("user%d", i), "hi")
		want = append(want, id)
	}
	got, next, err = p.Notifications(context.Background(), link, cursor)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 90 || next != want[89] {
		t.Fatalf("%d notifications, cursor %q", len(got), next)
	}
	for i, n := range got {
		if n.RemoteID != want[i] {
			t.Fatalf("notification %d is %s, want %s", i, n.RemoteID, want[i])
		}
	}
	// More than 5 pages: the rest comes at the next call, none lost.
	for range 230 {
		srv.AddMention("many", "hi")
	}
	first, c1, err := p.Notifications(context.Background(), link, next)
	if err != nil || len(first) != 200 {
		t.Fatalf("first call: %d, %v", len(first), err)
	}
	rest, _, err := p.Notifications(context.Background(), link, c1)
	if err != nil || len(rest) != 30 {
		t.Fatalf("second call: %d, %v", len(rest), err)
	}
}

func TestLength(t *testing.T) {
	lim := vigie.AccountLimits{URLChars: 23}
	cases := []struct {
		text string
		want int
	}{
		{"", 0},
		{"héllo 👋", 7},
		{"see https://example.com/a/very/long/path/that/goes/on?x=1", 4 + 23},
		{"see https://example.com.", 4 + 23 + 1},
		{"(http://a.example)", 1 + 23 + 1},
		{"hi @alice@mastodon.social!", 3 + 6 + 1},
		{"hi @alice", 9},
		{"mail me at bob@example.org", 26},
		{"two https://a.example https://b.example", 4 + 23 + 1 + 23},
	}
	for _, c := range cases {
		if got := mastodon.Length(c.text, lim); got != c.want {
			t.Errorf("Length(%q) = %d, want %d", c.text, got, c.want)
		}
	}
}

func TestOAuth(t *testing.T) {
	srv, p, _ := setup(t)
	ctx := context.Background()
	id, secret, err := p.RegisterApp(ctx, srv.URL, "https://vigie.example/oauth/mastodon", "Vigie", "https://vigie.example")
	if err != nil {
		t.Fatal(err)
	}
	verifier := oauth2.GenerateVerifier()
	auth := mastodon.AuthCodeURL(srv.URL, id, "https://vigie.example/oauth/mastodon", "st4te", verifier)
	u, _ := url.Parse(auth)
	if q := u.Query(); u.Path != "/oauth/authorize" || q.Get("code_challenge_method") != "S256" || q.Get("scope") != "read write" || q.Get("state") != "st4te" {
		t.Fatalf("authorisation URL %s", auth)
	}
	code := approve(t, auth)
	if _, err := p.Exchange(ctx, srv.URL, id, secret, "https://vigie.example/oauth/mastodon", code, oauth2.GenerateVerifier()); !connector.IsAuth(err) {
		t.Errorf("another verifier: %v, want an AuthError", err)
	}
	code = approve(t, auth)
	tok, err := p.Exchange(ctx, srv.URL, id, secret, "https://vigie.example/oauth/mastodon", code, verifier)
	if err != nil || !srv.ValidToken(tok) {
		t.Fatalf("token %q, %v", tok, err)
	}
	if _, err := p.Exchange(ctx, srv.URL, id, secret, "https://vigie.example/oauth/mastodon", code, verifier); !connector.IsAuth(err) {
		t.Errorf("a code used twice: %v", err)
	}
	if _, _, err := p.RegisterApp(ctx, srv.URL, "", "Vigie", ""); !connector.Permanent(err) {
		t.Errorf("no redirect URI: %v", err)
	}
}

// approve follows the authorisation URL as a user who allows Vigie, and
// returns the code the instance sends back.
func approve(t *testing.T, auth string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(auth)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || loc.Query().Get("state") != "st4te" {
		t.Fatalf("authorize answered %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}
