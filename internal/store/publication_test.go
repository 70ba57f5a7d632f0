package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/secret"
)

func testAccount(ws int64, handle string) vigie.Account {
	return vigie.Account{WorkspaceID: ws, Network: vigie.NetworkMastodon, ServerURL: "https://social.example", RemoteID: "id-" + handle, Handle: handle,
		Limits: vigie.AccountLimits{MaxChars: 500, MaxMedia: 4, URLChars: 23}, Secrets: vigie.AccountSecrets{AccessToken: "token-secret-" + handle + "-WXYZ"}}
}

func TestAccountsAreSealedAndScoped(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		a := must(s.CreateAccount(ctx, testAccount(f.ws.ID, "@uni@social.example")))(t)
		if a.Secrets.AccessToken != "token-secret-@uni@social.example-WXYZ" || a.Credential != secret.Mask("token-secret-@uni@social.example-WXYZ") || !strings.HasSuffix(a.Credential, "WXYZ") || a.PublishRole != "editor" || a.Status != vigie.AccountOK {
			t.Fatalf("created %+v", a)
		}
		var raw string
		if err := s.db.QueryRowContext(ctx, s.q("SELECT secrets FROM social_accounts WHERE id = ?"), a.ID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(raw, "token-secret") {
			t.Errorf("the token is in clear: %s", raw)
		}
		if _, err := s.CreateAccount(ctx, testAccount(f.ws.ID, "@uni@social.example")); !errors.Is(err, vigie.ErrConflict) {
			t.Errorf("the same account twice: %v", err)
		}
		if _, err := s.FindAccount(ctx, f.other.ID, a.ID); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("another workspace found the account: %v", err)
		}
		if err := s.DeleteAccount(ctx, f.other.ID, a.ID); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("another workspace deleted the account: %v", err)
		}
		// A transient error keeps the account ok; a refusal marks it.
		must(0, s.AccountHealth(ctx, f.ws.ID, a.ID, time.Now(), false, errors.New("timeout"), false))(t)
		if got := must(s.FindAccount(ctx, f.ws.ID, a.ID))(t); got.Status != vigie.AccountOK || got.LastError != "timeout" {
			t.Errorf("after a transient error: %+v", got)
		}
		must(0, s.AccountHealth(ctx, f.ws.ID, a.ID, time.Now(), false, errors.New("refused"), true))(t)
		if got := must(s.FindAccount(ctx, f.ws.ID, a.ID))(t); got.Status != vigie.AccountAuth {
			t.Errorf("after a refusal: %+v", got)
		}
		// A post cannot name another workspace's account.
		b := must(s.CreateAccount(ctx, testAccount(f.other.ID, "@other@social.example")))(t)
		_, err := s.CreatePublication(ctx, NewPublication{Publication: vigie.Publication{WorkspaceID: f.ws.ID, Kind: vigie.PostKindPost, Status: vigie.PostScheduled,
			Text: "hello", Targets: []vigie.PostTarget{{AccountID: b.ID}}}})
		if !errors.Is(err, vigie.ErrInvalid) {
			t.Errorf("a post on another workspace's account: %v", err)
		}
	})
}

func TestPublishingOutbox(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		a := must(s.CreateAccount(ctx, testAccount(f.ws.ID, "@a@social.example")))(t)
		b := must(s.CreateAccount(ctx, testAccount(f.ws.ID, "@b@social.example")))(t)
		now := time.Now().UTC().Truncate(time.Second)
		p := must(s.CreatePublication(ctx, NewPublication{
			Publication: vigie.Publication{WorkspaceID: f.ws.ID, Kind: vigie.PostKindPost, Status: vigie.PostPendingApproval, Text: "Open day on Saturday",
				ScheduledAt: now.Add(time.Hour), Steps: 1, AuthorName: "Ed", Targets: []vigie.PostTarget{{AccountID: a.ID}, {AccountID: b.ID, Text: "Open day! #uni"}}},
			Media: []NewMedia{{MIME: "image/png", Alt: "The campus", Data: []byte("png")}},
			Event: vigie.PostEvent{Kind: "created", By: "Ed"},
		}))(t)
		if p.Status != vigie.PostPendingApproval || len(p.Targets) != 2 || p.Targets[0].State != vigie.TargetWaiting || len(p.Media) != 1 || len(p.Events) != 1 {
			t.Fatalf("created %+v", p)
		}
		// Nothing is claimed before approval.
		if c := must(s.ClaimTargets(ctx, "one", now.Add(2*time.Hour), time.Minute, 10))(t); len(c) != 0 {
			t.Fatalf("claimed a post waiting for approval: %+v", c)
		}
		if _, err := s.ChangePublication(ctx, f.other.ID, p.ID, func(p *vigie.Publication) (vigie.PostEvent, error) { return vigie.PostEvent{}, nil }); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("another workspace changed the post: %v", err)
		}
		refusal := errors.New("refused by the rules")
		if _, err := s.ChangePublication(ctx, f.ws.ID, p.ID, func(p *vigie.Publication) (vigie.PostEvent, error) { return vigie.PostEvent{}, refusal }); err != refusal {
			t.Errorf("a refused change: %v", err)
		}
		p = must(s.ChangePublication(ctx, f.ws.ID, p.ID, func(p *vigie.Publication) (vigie.PostEvent, error) {
			p.Status, p.Approvals = vigie.PostScheduled, []string{"Ada"}
			return vigie.PostEvent{Kind: "approved", By: "Ada"}, nil
		}))(t)
		if p.Targets[0].State != vigie.TargetDue || !p.Targets[0].NextTryAt.Equal(now.Add(time.Hour)) {
			t.Fatalf("approved: %+v", p.Targets)
		}
		if c := must(s.ClaimTargets(ctx, "one", now, time.Minute, 10))(t); len(c) != 0 {
			t.Fatalf("claimed a post before its time: %+v", c)
		}
		at := now.Add(time.Hour)
		claims := must(s.ClaimTargets(ctx, "one", at, time.Minute, 10))(t)
		if len(claims) != 2 || claims[0].Resumed || claims[0].Draft.Key == "" || claims[0].Draft.Key == claims[1].Draft.Key ||
			claims[1].Draft.Text != "Open day! #uni" || claims[0].Draft.Text != "Open day on Saturday" || len(claims[0].Draft.Media) != 1 ||
			claims[0].Account.Secrets.AccessToken == "" {
			t.Fatalf("claims %+v", claims)
		}
		// Another process sees nothing while the lease holds, then takes
		// them over (after a crash) with the same keys, marked resumed.
		if c := must(s.ClaimTargets(ctx, "two", at.Add(30*time.Second), time.Minute, 10))(t); len(c) != 0 {
			t.Fatalf("a second owner claimed leased targets: %+v", c)
		}
		again := must(s.ClaimTargets(ctx, "two", at.Add(2*time.Minute), time.Minute, 10))(t)
		if len(again) != 2 || !again[0].Resumed || again[0].Draft.Key != claims[0].Draft.Key || again[0].Attempts != 2 || !again[0].Draft.CreatedAt.Equal(at) {
			t.Fatalf("taken over: %+v", again)
		}
		// The first owner's late failure changes nothing: it lost the lease.
		must(0, s.TargetFailed(ctx, claims[0], "one", at, errors.New("late")))(t)
		if got := must(s.FindPublication(ctx, f.ws.ID, p.ID))(t); got.Targets[0].State != vigie.TargetPublishing || got.Status != vigie.PostPublishing {
			t.Fatalf("a lost lease's failure was recorded: %+v", got)
		}
		// A change to a post being published is refused by the service;
		// the store never touches publishing targets anyway.
		must(s.TargetPublished(ctx, again[0], vigie.RemotePost{ID: "1", URL: "https://social.example/@a/1"}, at.Add(2*time.Minute)), nil)(t)
		must(0, s.TargetRetry(ctx, again[1], "two", at.Add(3*time.Minute), errors.New("HTTP 503")))(t)
		got := must(s.FindPublication(ctx, f.ws.ID, p.ID))(t)
		if got.Status != vigie.PostPublishing || got.URL != "https://social.example/@a/1" || got.Targets[1].LastError != "HTTP 503" {
			t.Fatalf("after one published, one to retry: %+v", got)
		}
		if next, ok := must2(s.NextTargetDue(ctx))(t); !ok || !next.Equal(at.Add(3*time.Minute)) {
			t.Errorf("next due %v %v", next, ok)
		}
		last := must(s.ClaimTargets(ctx, "two", at.Add(3*time.Minute), time.Minute, 10))(t)
		if len(last) != 1 || last[0].TargetID != again[1].TargetID {
			t.Fatalf("retry claims %+v", last)
		}
		must(0, s.TargetFailed(ctx, last[0], "two", at.Add(3*time.Minute), errors.New("Mastodon refused the post: Text character limit of 500 exceeded")))(t)
		got = must(s.FindPublication(ctx, f.ws.ID, p.ID))(t)
		if got.Status != vigie.PostFailed || got.Targets[1].State != vigie.TargetFailed || got.Targets[0].State != vigie.TargetPublished {
			t.Fatalf("after a failure: %+v", got)
		}
		alerts := must(s.FindAlerts(ctx, AlertFilter{WorkspaceID: f.ws.ID}))(t)
		if len(alerts) != 1 || !strings.Contains(alerts[0].Title, "not published") {
			t.Errorf("the failure rang no bell: %+v", alerts)
		}
		// Retried: the failed target only goes out again.
		got = must(s.ChangePublication(ctx, f.ws.ID, p.ID, func(p *vigie.Publication) (vigie.PostEvent, error) {
			p.Status = vigie.PostScheduled
			return vigie.PostEvent{Kind: "retried"}, nil
		}))(t)
		if got.Targets[0].State != vigie.TargetPublished || got.Targets[1].State != vigie.TargetDue {
			t.Fatalf("retried: %+v", got.Targets)
		}
		if err := s.DeletePublication(ctx, f.ws.ID, p.ID); !errors.Is(err, ErrPostLocked) {
			t.Errorf("deleted a published post: %v", err)
		}
		list := must(s.FindPublications(ctx, PublicationFilter{WorkspaceID: f.ws.ID, From: now, To: now.Add(2 * time.Hour)}))(t)
		if len(list) != 1 || len(list[0].Targets) != 2 {
			t.Errorf("calendar: %+v", list)
		}
		if l := must(s.FindPublications(ctx, PublicationFilter{WorkspaceID: f.other.ID}))(t); len(l) != 0 {
			t.Errorf("another workspace lists %+v", l)
		}
	})
}

func TestInbox(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		a := must(s.CreateAccount(ctx, testAccount(f.ws.ID, "@a@social.example")))(t)
		now := time.Now().UTC()
		polls := must(s.ClaimInboxPolls(ctx, "one", now, time.Minute, 10))(t)
		if len(polls) != 1 || polls[0].Account.ID != a.ID || polls[0].Cursor != "" {
			t.Fatalf("polls %+v", polls)
		}
		if again := must(s.ClaimInboxPolls(ctx, "two", now, time.Minute, 10))(t); len(again) != 0 {
			t.Fatalf("two owners poll one inbox: %+v", again)
		}
		n := vigie.Notification{RemoteID: "n1", Kind: vigie.NotifyMention, Post: vigie.RemoteRef{ID: "109", URI: "https://x.example/statuses/109"},
			AuthorHandle: "@al@x.example", Text: "@a when is the open day?", CreatedAt: now}
		// A NUL from outside (PostgreSQL's text refuses it) does not stop
		// the page: it is dropped.
		nul := vigie.Notification{RemoteID: "n0", Kind: vigie.NotifyMention, Post: vigie.RemoteRef{ID: "108", URI: "https://x.example/statuses/108"},
			AuthorName: "Eve\x00", Text: "hello\x00world", CreatedAt: now}
		added := must(s.InboxPolled(ctx, polls[0], "one", "n1", now.Add(30*time.Second), []vigie.Notification{nul, n, n}))(t)
		if added != 2 {
			t.Errorf("added %d, want 2", added)
		}
		// Read again after a crash: nothing doubles.
		polls = must(s.ClaimInboxPolls(ctx, "two", now.Add(time.Minute), time.Minute, 10))(t)
		if len(polls) != 1 || polls[0].Cursor != "n1" {
			t.Fatalf("polls %+v", polls)
		}
		if added := must(s.InboxPolled(ctx, polls[0], "two", "n1", now.Add(2*time.Minute), []vigie.Notification{n}))(t); added != 0 {
			t.Errorf("re-read added %d", added)
		}
		items := must(s.FindInbox(ctx, InboxFilter{WorkspaceID: f.ws.ID}))(t)
		if len(items) != 2 || items[1].Text != "helloworld" {
			t.Fatalf("inbox %+v", items)
		}
		items = items[:1]
		if items[0].AccountHandle != "@a@social.example" || items[0].Status != vigie.InboxNew || items[0].Ref.ID != "109" {
			t.Fatalf("inbox %+v", items)
		}
		id := items[0].ID
		if err := s.ChangeInbox(ctx, f.other.ID, []int64{id}, InboxChange{Status: vigie.InboxDone}); !errors.Is(err, vigie.ErrNotFound) {
			t.Errorf("another workspace changed the item: %v", err)
		}
		if err := s.ChangeInbox(ctx, f.ws.ID, []int64{id}, InboxChange{Status: "bogus"}); !errors.Is(err, vigie.ErrInvalid) {
			t.Errorf("a bad status: %v", err)
		}
		must(0, s.ChangeInbox(ctx, f.ws.ID, []int64{id}, InboxChange{Status: vigie.InboxWaiting, AddTags: []string{"open-day"}, Note: "ask the events team", By: "Ed"}))(t)
		it := must(s.FindInboxItem(ctx, f.ws.ID, id))(t)
		if it.Status != vigie.InboxWaiting || len(it.Tags) != 1 || len(it.Notes) != 2 {
			t.Errorf("changed %+v", it)
		}
		if l := must(s.FindInbox(ctx, InboxFilter{WorkspaceID: f.ws.ID, Tag: "open-day"}))(t); len(l) != 1 {
			t.Errorf("by tag: %d", len(l))
		}
		if l := must(s.FindInbox(ctx, InboxFilter{WorkspaceID: f.other.ID}))(t); len(l) != 0 {
			t.Errorf("another workspace's inbox: %+v", l)
		}
		counts, late, err := s.InboxCounts(ctx, f.ws.ID, now.Add(5*time.Hour), 4*time.Hour)
		if err != nil || counts[vigie.InboxWaiting] != 1 || counts[vigie.InboxNew] != 1 || late != 2 {
			t.Errorf("counts %v late %d %v", counts, late, err)
		}
	})
}
