package publish

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/alert"
	"github.com/vigie-project/vigie/internal/mastodon"
	"github.com/vigie-project/vigie/internal/mastodon/mastodontest"
	"github.com/vigie-project/vigie/internal/store"
)

// mastodonClient adapts the real client (cmd wires the same).
type mastodonClient struct{ *mastodon.Publisher }

func (mastodonClient) Length(text string, lim vigie.AccountLimits) int {
	return mastodon.Length(text, lim)
}

// clock is a settable clock for the publisher (the network's own answers
// use real time).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

type pubWorld struct {
	*world
	m     *mastodontest.Server
	clk   *clock
	pub   *Publisher
	inbox *Inbox
	acc   vigie.Account
}

func newPubWorld(t *testing.T, dialect string) *pubWorld {
	return newPubWorldAt(t, testURLFor(t, dialect))
}

func newPubWorldAt(t *testing.T, u string) *pubWorld {
	ctx := context.Background()
	// The clock starts a second ahead of the store's, which stamps what is
	// due "now".
	w := &pubWorld{world: newWorldAt(t, u), m: mastodontest.New(t), clk: &clock{t: time.Now().UTC().Add(time.Second)}}
	for _, id := range []int64{w.masto.ID, w.adminAc.ID} { // their servers do not exist
		if err := w.st.DeleteAccount(ctx, w.ws.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	clients := map[vigie.Network]Client{vigie.NetworkMastodon: mastodonClient{&mastodon.Publisher{Client: &http.Client{Timeout: 10 * time.Second}}}}
	w.svc.Clients, w.svc.Now = clients, w.clk.now
	w.pub = &Publisher{Store: w.st, Clients: clients, Now: w.clk.now, Owner: "p1"}
	w.inbox = &Inbox{Store: w.st, Clients: clients, Now: w.clk.now, Owner: "i1"}
	w.acc = must(w.svc.ConnectAccount(ctx, w.ws.ID, Connect{Network: vigie.NetworkMastodon, InstanceURL: w.m.URL, AccessToken: mastodontest.DefaultToken}))(t)
	return w
}

func (w *pubWorld) post(t *testing.T, text string) vigie.Publication {
	t.Helper()
	return must(w.svc.Create(context.Background(), w.ws.ID, w.ada, Compose{Accounts: []int64{w.acc.ID}, Text: text}))(t)
}

func (w *pubWorld) find(t *testing.T, id int64) vigie.Publication {
	t.Helper()
	return must(w.st.FindPublication(context.Background(), w.ws.ID, id))(t)
}

func TestPublishOutcomes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newPubWorld(t, store.SQLite)
	if w.acc.Handle == "" || w.acc.Limits.MaxChars != 500 || w.acc.Credential == "" || strings.Contains(w.acc.Credential, mastodontest.DefaultToken) {
		t.Fatalf("connected %+v", w.acc)
	}

	// Published once, with its URL, its account's last publish.
	p := w.post(t, "Hello from the university")
	if n := must(w.pub.PublishDue(ctx))(t); n != 1 {
		t.Fatalf("published %d", n)
	}
	got := w.find(t, p.ID)
	if got.Status != vigie.PostPublished || got.URL == "" || got.Targets[0].Remote.ID == "" {
		t.Fatalf("after publishing: %+v", got)
	}
	if posts := w.m.Posts(); len(posts) != 1 || posts[0].Key == "" || posts[0].Text != "Hello from the university" {
		t.Fatalf("the instance has %+v", posts)
	}

	// 5xx: retried later with the same key; the account stays ok.
	p = w.post(t, "Second post")
	w.m.Fail(1, http.StatusBadGateway, nil, "<html>bad gateway</html>")
	must(w.pub.PublishDue(ctx))(t)
	got = w.find(t, p.ID)
	if got.Status != vigie.PostPublishing || got.Targets[0].LastError == "" || !got.Targets[0].NextTryAt.After(w.clk.now()) {
		t.Fatalf("after a 502: %+v", got.Targets[0])
	}
	if a := must(w.st.FindAccount(ctx, w.ws.ID, w.acc.ID))(t); a.Status != vigie.AccountOK {
		t.Errorf("a 502 marked the account %s", a.Status)
	}
	if n := must(w.pub.PublishDue(ctx))(t); n != 0 {
		t.Fatalf("retried before its time: %d", n)
	}
	w.clk.add(time.Minute)
	must(w.pub.PublishDue(ctx))(t)
	if got = w.find(t, p.ID); got.Status != vigie.PostPublished {
		t.Fatalf("after the retry: %+v", got)
	}

	// 429 with Mastodon's reset header: retried at that time.
	p = w.post(t, "Third post")
	reset := w.clk.now().Add(3 * time.Minute).Truncate(time.Second)
	w.m.Fail(1, http.StatusTooManyRequests, map[string]string{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
		"X-RateLimit-Reset": reset.Format(time.RFC3339)}, `{"error":"Too many requests"}`)
	must(w.pub.PublishDue(ctx))(t)
	got = w.find(t, p.ID)
	if got.Status != vigie.PostPublishing || !got.Targets[0].NextTryAt.Equal(reset) {
		t.Fatalf("after a 429: next %v, want %v (%+v)", got.Targets[0].NextTryAt, reset, got.Targets[0])
	}
	w.clk.add(3 * time.Minute)
	must(w.pub.PublishDue(ctx))(t)
	if got = w.find(t, p.ID); got.Status != vigie.PostPublished {
		t.Fatalf("after the rate limit: %+v", got)
	}

	// 422: failed at once with the instance's words, and the bell rings.
	p = w.post(t, "Fourth post")
	w.m.Fail(1, http.StatusUnprocessableEntity, nil, `{"error":"Validation failed: Text character limit of 500 exceeded"}`)
	must(w.pub.PublishDue(ctx))(t)
	got = w.find(t, p.ID)
	if got.Status != vigie.PostFailed || !strings.Contains(got.Targets[0].LastError, "character limit of 500") {
		t.Fatalf("after a 422: %+v", got.Targets[0])
	}
	alerts := must(w.st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: w.ws.ID}))(t)
	if len(alerts) != 1 || !strings.Contains(alerts[0].Text, "character limit") {
		t.Errorf("the failure's notification: %+v", alerts)
	}
	// Retry publishes it.
	must(w.svc.Retry(ctx, w.ws.ID, p.ID, w.ed))(t)
	must(w.pub.PublishDue(ctx))(t)
	if got = w.find(t, p.ID); got.Status != vigie.PostPublished {
		t.Fatalf("after Retry: %+v", got)
	}

	// 401: the post fails saying to reconnect; the account is marked, not
	// removed.
	p = w.post(t, "Fifth post")
	w.m.SetToken("another-token")
	must(w.pub.PublishDue(ctx))(t)
	got = w.find(t, p.ID)
	if got.Status != vigie.PostFailed || !strings.Contains(got.Targets[0].LastError, "connect the account again") {
		t.Fatalf("after a 401: %+v", got.Targets[0])
	}
	if a := must(w.st.FindAccount(ctx, w.ws.ID, w.acc.ID))(t); a.Status != vigie.AccountAuth {
		t.Errorf("after a 401 the account is %s", a.Status)
	}
	if n := len(w.m.Posts()); n != 4 {
		t.Errorf("the instance has %d posts, want 4", n)
	}
}

func TestInboxAndReplyInThread(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newPubWorld(t, store.SQLite)
	_, status := w.m.AddMention("alice", "when does the open day start?")
	if n := must(w.inbox.PollDue(ctx))(t); n != 1 {
		t.Fatalf("polled %d inboxes", n)
	}
	items := must(w.st.FindInbox(ctx, store.InboxFilter{WorkspaceID: w.ws.ID}))(t)
	if len(items) != 1 || !strings.Contains(items[0].Text, "open day") || items[0].Ref.ID != status || items[0].AccountID != w.acc.ID {
		t.Fatalf("inbox %+v", items)
	}
	// Read again (the same cursor after a crash, or a later poll): once.
	w.clk.add(time.Minute)
	must(w.inbox.PollDue(ctx))(t)
	if items := must(w.st.FindInbox(ctx, store.InboxFilter{WorkspaceID: w.ws.ID}))(t); len(items) != 1 {
		t.Fatalf("inbox after a second read: %d items", len(items))
	}
	// The reply goes out through the outbox, in the thread, without
	// approval (the default for replies), and stops the SLA clock.
	reply := must(w.svc.Reply(ctx, w.ws.ID, items[0].ID, w.ed, "At 10:00, in the main hall.", 0))(t)
	if reply.Status != vigie.PostScheduled || reply.Kind != vigie.PostKindReply {
		t.Fatalf("reply %+v", reply)
	}
	must(w.pub.PublishDue(ctx))(t)
	posts := w.m.Posts()
	if len(posts) != 1 || posts[0].InReplyToID != status {
		t.Fatalf("the instance has %+v; want a reply to %s", posts, status)
	}
	it := must(w.st.FindInboxItem(ctx, w.ws.ID, items[0].ID))(t)
	if it.FirstResponseAt.IsZero() {
		t.Errorf("the reply did not stop the SLA clock: %+v", it)
	}
}

// Two publishers on one database (two processes) publish each post once,
// to each of its two accounts, and every post ends published (on
// PostgreSQL two targets finishing at once each saw the other still
// publishing, and the post stayed so).
func TestTwoPublishersPublishOnce(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			u := testURLFor(t, d)
			w := newPubWorldAt(t, u)
			m2 := mastodontest.New(t)
			acc2 := must(w.svc.ConnectAccount(ctx, w.ws.ID, Connect{Network: vigie.NetworkMastodon, InstanceURL: m2.URL, AccessToken: mastodontest.DefaultToken}))(t)
			const n = 30
			at := w.clk.now().Add(time.Minute)
			for i := range n {
				must(w.svc.Create(ctx, w.ws.ID, w.ada, Compose{Accounts: []int64{w.acc.ID, acc2.ID}, Text: fmt.Sprintf("Post number %d", i), ScheduledAt: at}))(t)
			}
			w.clk.add(2 * time.Minute)
			second := openURL(t, u)
			p2 := &Publisher{Store: second, Clients: w.pub.Clients, Now: w.clk.now, Owner: "p2"}
			// Each publisher as Run works: claims as many as it has room for
			// and publishes them at once.
			var wg sync.WaitGroup
			for _, p := range []*Publisher{w.pub, p2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var calls sync.WaitGroup
					sem := make(chan struct{}, concurrency)
					for {
						n, err := p.Once(ctx, sem, &calls)
						if err != nil {
							t.Error(err)
							break
						}
						if n > 0 {
							continue
						}
						calls.Wait() // nothing to claim, or no room: let the calls end
						if n, _ = p.Once(ctx, sem, &calls); n == 0 {
							break
						}
					}
					calls.Wait()
				}()
			}
			wg.Wait()
			for _, srv := range []*mastodontest.Server{w.m, m2} {
				posts := srv.Posts()
				keys := map[string]bool{}
				for _, p := range posts {
					if keys[p.Key] {
						t.Errorf("key %s published twice", p.Key)
					}
					keys[p.Key] = true
				}
				if len(posts) != n {
					t.Errorf("an instance has %d posts, want %d", len(posts), n)
				}
			}
			list := must(w.st.FindPublications(ctx, store.PublicationFilter{WorkspaceID: w.ws.ID}))(t)
			for _, p := range list {
				if p.Status != vigie.PostPublished {
					t.Errorf("post %d is %s, its targets %s and %s", p.ID, p.Status, p.Targets[0].State, p.Targets[1].State)
				}
			}
		})
	}
}

// A listening mention sent to the inbox is answered from the workspace's
// account on its network: the instance finds the post (search with
// resolve) and the reply names it by its id there.
func TestReplyToListeningMention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newPubWorld(t, store.SQLite)
	mon := must(w.st.CreateMonitor(ctx, vigie.MonitorRecord{Monitor: vigie.Monitor{ID: "uni", Name: "Uni", Query: "valmont"}, WorkspaceID: w.ws.ID}))(t)
	src := must(w.st.CreateSource(ctx, vigie.Source{WorkspaceID: w.ws.ID, Kind: vigie.SourceMastodon, Name: "fediverse", URL: "https://example.org", Enabled: true}))(t)
	uri, localID := w.m.AddRemoteStatus("bob", "Valmont's open day was great")
	post := vigie.Post{ID: uri, Source: "mastodon", URL: "https://example.org/@bob/1", Text: "Valmont's open day was great", PublishedAt: time.Now().UTC()}
	must(w.st.SaveBatch(ctx, src.ID, []store.Item{{Post: post, MonitorKeys: []string{mon.Key}}}, nil))(t)
	page := must(w.st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: w.ws.ID}))(t)
	if len(page.Mentions) != 1 {
		t.Fatalf("mentions %+v", page.Mentions)
	}
	it := must(w.st.SendToInbox(ctx, w.ws.ID, page.Mentions[0], "Ed"))(t)
	if again := must(w.st.SendToInbox(ctx, w.ws.ID, page.Mentions[0], "Ed"))(t); again.ID != it.ID {
		t.Errorf("sent twice: items %d and %d", it.ID, again.ID)
	}
	reply := must(w.svc.Reply(ctx, w.ws.ID, it.ID, w.ed, "Thank you, Bob!", 0))(t)
	if reply.Targets[0].ReplyTo == nil || reply.Targets[0].ReplyTo.ID != localID {
		t.Fatalf("the reply names %+v, want the instance's id %s", reply.Targets[0].ReplyTo, localID)
	}
	must(w.pub.PublishDue(ctx))(t)
	posts := w.m.Posts()
	if len(posts) != 1 || posts[0].InReplyToID != localID || posts[0].Text != "Thank you, Bob!" {
		t.Fatalf("the instance has %+v", posts)
	}
	// A mention the instance cannot find is refused with the reason.
	post.ID, post.URL = "https://example.org/users/carol/statuses/404", "https://example.org/@carol/404"
	must(w.st.SaveBatch(ctx, src.ID, []store.Item{{Post: post, MonitorKeys: []string{mon.Key}}}, nil))(t)
	page = must(w.st.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: w.ws.ID}))(t)
	it = must(w.st.SendToInbox(ctx, w.ws.ID, page.Mentions[0], "Ed"))(t)
	if _, err := w.svc.Reply(ctx, w.ws.ID, it.ID, w.ed, "Hello", 0); !isInvalid(err) || !strings.Contains(err.Error(), "could not find") {
		t.Errorf("an unknown post: %v", err)
	}
}

// The workspace's publishing channels hear what the bell hears: a post
// waiting for approval goes to its Mattermost channel through the alerts'
// outbox; the channel's address is sealed at rest.
func TestApproversNotifiedThroughChannels(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newPubWorld(t, store.SQLite)
	var got []string
	var mu sync.Mutex
	hook := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
	}))
	defer hook.Close()
	settings := vigie.DefaultPublishSettings()
	settings.Channels = []vigie.AlertChannel{{Kind: vigie.ChannelMattermost, URL: hook.URL + "/hooks/secret-path"}}
	must(0, w.st.SetPublishSettings(ctx, w.ws.ID, settings))(t)
	if back := must(w.st.PublishSettings(ctx, w.ws.ID))(t); len(back.Channels) != 1 || back.Channels[0].URL != hook.URL+"/hooks/secret-path" {
		t.Fatalf("settings read back %+v", back)
	}
	p := must(w.svc.Create(ctx, w.ws.ID, w.ed, Compose{Accounts: []int64{w.acc.ID}, Text: "Needs a look"}))(t)
	alerts := must(w.st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: w.ws.ID}))(t)
	if len(alerts) != 1 || !strings.Contains(alerts[0].Title, "waits for approval") || !alerts[0].AcknowledgedAt.IsZero() {
		t.Fatalf("the bell: %+v", alerts)
	}
	eng := &alert.Engine{Store: w.st, PublicURL: "https://vigie.example", HTTP: &alert.HTTPSender{Client: hook.Client(), Now: time.Now}}
	if err := eng.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || !strings.Contains(got[0], fmt.Sprintf("Post %d waits for approval", p.ID)) {
		t.Fatalf("Mattermost got %q", got)
	}
	// Approved, the post waits for nobody: its alert is settled.
	must(w.svc.Approve(ctx, w.ws.ID, p.ID, w.ada, "", 0))(t)
	if alerts := must(w.st.FindAlerts(ctx, store.AlertFilter{WorkspaceID: w.ws.ID}))(t); len(alerts) != 1 || alerts[0].AcknowledgedBy != "Ada" {
		t.Errorf("after approval the bell says %+v", alerts)
	}
}

// A post retried after a 503 is not taken for another post of the same
// words published meanwhile: within the key's hour the key answers.
func TestRetryNotTakenForTwin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newPubWorld(t, store.SQLite)
	w.m.Fail(1, http.StatusServiceUnavailable, nil, "")
	first := w.post(t, "Doors open at 10:00")
	must(w.pub.PublishDue(ctx))(t)
	twin := w.post(t, "Doors open at 10:00")
	must(w.pub.PublishDue(ctx))(t)
	w.clk.add(time.Minute)
	must(w.pub.PublishDue(ctx))(t)
	a, b := w.find(t, first.ID), w.find(t, twin.ID)
	if a.Status != vigie.PostPublished || b.Status != vigie.PostPublished || a.URL == b.URL {
		t.Fatalf("first %s %s, twin %s %s", a.Status, a.URL, b.Status, b.URL)
	}
	if n := len(w.m.Posts()); n != 2 {
		t.Errorf("the instance has %d posts, want 2", n)
	}
}

// One slow network does not hold the other accounts' inboxes: Run reads
// each account on its own, and claims again while a read hangs.
func TestSlowInboxDoesNotHoldOthers(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := newPubWorld(t, store.SQLite)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		http.Error(rw, "late", http.StatusBadGateway)
	}))
	defer slow.Close()
	defer close(release)
	must(w.st.CreateAccount(ctx, vigie.Account{WorkspaceID: w.other.ID, Network: vigie.NetworkMastodon, ServerURL: slow.URL, RemoteID: "slow",
		Handle: "@slow@127.0.0.1", Secrets: vigie.AccountSecrets{AccessToken: "t"}}))(t)
	w.inbox.Now, w.inbox.Interval = nil, 50*time.Millisecond // the real clock: Run waits on it
	done := make(chan struct{})
	go func() { w.inbox.Run(ctx); close(done) }()
	// A failure guard, not a measure: under the old reader the second
	// mention waited for the slow read to time out (the client gives up
	// after 10 s); the reader reads it within a fraction of a second.
	deadline := time.Now().Add(8 * time.Second)
	waitItems := func(n int) {
		for len(must(w.st.FindInbox(ctx, store.InboxFilter{WorkspaceID: w.ws.ID}))(t)) < n {
			if time.Now().After(deadline) {
				t.Fatalf("no %d inbox items while another account's server hangs", n)
			}
			select {
			case <-time.After(20 * time.Millisecond): // polling a condition
			case <-done:
				t.Fatal("Run stopped")
			}
		}
	}
	w.m.AddMention("alice", "are you there?")
	waitItems(1)
	w.m.AddMention("bob", "and now?")
	waitItems(2)
	cancel()
	<-done
}

// Connecting an account again (after its token was revoked) gives it the
// new credentials and keeps its posts: the refused post is retried and
// published.
func TestReconnectKeepsPosts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newPubWorld(t, store.SQLite)
	p := w.post(t, "Before the token changed")
	w.m.SetToken("new-token")
	must(w.pub.PublishDue(ctx))(t)
	if got := w.find(t, p.ID); got.Status != vigie.PostFailed {
		t.Fatalf("with a revoked token: %s", got.Status)
	}
	again := must(w.svc.ConnectAccount(ctx, w.ws.ID, Connect{Network: vigie.NetworkMastodon, InstanceURL: w.m.URL, AccessToken: "new-token"}))(t)
	if again.ID != w.acc.ID || again.Status != vigie.AccountOK {
		t.Fatalf("connected again as %+v, want account %d ok", again, w.acc.ID)
	}
	must(w.svc.Retry(ctx, w.ws.ID, p.ID, w.ada))(t)
	must(w.pub.PublishDue(ctx))(t)
	if got := w.find(t, p.ID); got.Status != vigie.PostPublished {
		t.Fatalf("after reconnecting: %s", got.Status)
	}
}

// A Mastodon mention reaches the inbox through the notification stream,
// long before the next poll (an hour away here).
func TestInboxFollowsTheStream(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := newPubWorld(t, store.SQLite)
	w.inbox.Now, w.inbox.Interval = nil, time.Hour
	done := make(chan struct{})
	go func() { w.inbox.Run(ctx); close(done) }()
	deadline := time.Now().Add(8 * time.Second) // a failure guard: the next poll is an hour away
	for w.m.Streams() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no notification stream opened")
		}
		time.Sleep(10 * time.Millisecond) // polling a condition
	}
	w.m.AddMention("alice", "hello, live?")
	for len(must(w.st.FindInbox(ctx, store.InboxFilter{WorkspaceID: w.ws.ID}))(t)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the streamed mention did not reach the inbox before the next poll")
		}
		time.Sleep(10 * time.Millisecond) // polling a condition
	}
	cancel()
	<-done
}
