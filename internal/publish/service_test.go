package publish

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/apptest"
	"github.com/vigie-project/vigie/internal/secret"
	"github.com/vigie-project/vigie/internal/store"
)

var dialects = []string{store.SQLite, store.Postgres}

var testKey = make([]byte, secret.KeySize)

func openURL(tb testing.TB, u string) *store.Store {
	tb.Helper()
	box, err := secret.New(testKey)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := store.Open(context.Background(), u, store.WithSecrets(box))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func must[T any](v T, err error) func(tb testing.TB) T {
	return func(tb testing.TB) T {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return v
	}
}

type world struct {
	st      *store.Store
	svc     *Service
	ws      vigie.Workspace
	other   vigie.Workspace
	masto   vigie.Account
	adminAc vigie.Account // publish_role admin
	// Members of the workspace.
	ed, ada, alan, viola Actor
}

func newWorld(t *testing.T, dialect string) *world { return newWorldAt(t, testURLFor(t, dialect)) }

func testURLFor(t testing.TB, dialect string) string { return apptest.DatabaseURL(t, dialect) }

func newWorldAt(t *testing.T, u string) *world {
	ctx := context.Background()
	st := openURL(t, u)
	w := &world{st: st, svc: &Service{Store: st, Clients: map[vigie.Network]Client{}}}
	w.ws = must(st.CreateWorkspace(ctx, vigie.Workspace{Name: "Uni", Slug: "uni"}))(t)
	w.other = must(st.CreateWorkspace(ctx, vigie.Workspace{Name: "Other", Slug: "other"}))(t)
	w.masto = must(st.CreateAccount(ctx, vigie.Account{WorkspaceID: w.ws.ID, Network: vigie.NetworkMastodon, ServerURL: "https://social.example",
		RemoteID: "1", Handle: "@uni@social.example", Limits: vigie.AccountLimits{MaxChars: 50, URLChars: 23, MaxMedia: 4},
		Secrets: vigie.AccountSecrets{AccessToken: "tok"}}))(t)
	w.adminAc = must(st.CreateAccount(ctx, vigie.Account{WorkspaceID: w.ws.ID, Network: vigie.NetworkMastodon, ServerURL: "https://social.example",
		RemoteID: "2", Handle: "@rector@social.example", PublishRole: "admin", Limits: vigie.AccountLimits{MaxChars: 500},
		Secrets: vigie.AccountSecrets{AccessToken: "tok2"}}))(t)
	w.ed, w.ada = Actor{Name: "Ed", Role: account.Editor}, Actor{Name: "Ada", Role: account.Admin}
	w.alan, w.viola = Actor{Name: "Alan", Role: account.Admin}, Actor{Name: "Viola", Role: account.Viewer}
	for _, a := range []*Actor{&w.ed, &w.ada, &w.alan, &w.viola} {
		u := must(st.CreateUser(ctx, vigie.User{Email: a.Name + "@uni.example", Name: a.Name}, "", []vigie.Membership{{WorkspaceID: w.ws.ID, Role: string(a.Role)}}))(t)
		a.UserID = u.ID
	}
	return w
}

func TestApprovalWorkflow(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			w := newWorld(t, d)
			when := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
			compose := Compose{Accounts: []int64{w.masto.ID}, Text: "Open day on Saturday", ScheduledAt: when}

			// Default: an editor's post waits for an admin.
			p := must(w.svc.Create(ctx, w.ws.ID, w.ed, compose))(t)
			if p.Status != vigie.PostPendingApproval || p.Steps != 1 || len(p.Approvals) != 0 {
				t.Fatalf("editor's post: %+v", p)
			}
			if _, err := w.svc.Approve(ctx, w.ws.ID, p.ID, w.ed, "", 0); !IsForbidden(err) {
				t.Errorf("an editor approved: %v", err)
			}
			if _, err := w.svc.Approve(ctx, w.other.ID, p.ID, w.ada, "", 0); !errors.Is(err, vigie.ErrNotFound) {
				t.Errorf("another workspace approved: %v", err)
			}
			p = must(w.svc.Approve(ctx, w.ws.ID, p.ID, w.ada, "fine", 0))(t)
			if p.Status != vigie.PostScheduled || p.Targets[0].State != vigie.TargetDue {
				t.Fatalf("approved: %+v", p)
			}
			// Moving it in the calendar keeps the approval; changing its
			// text sends it back.
			later := when.Add(time.Hour)
			p = must(w.svc.Update(ctx, w.ws.ID, p.ID, w.ed, Edit{ScheduledAt: &later}))(t)
			if p.Status != vigie.PostScheduled || !p.ScheduledAt.Equal(later) || !p.Targets[0].NextTryAt.Equal(later) {
				t.Fatalf("rescheduled: %+v", p)
			}
			text := "Open day on Saturday, 10:00"
			p = must(w.svc.Update(ctx, w.ws.ID, p.ID, w.ed, Edit{Text: &text}))(t)
			if p.Status != vigie.PostPendingApproval || p.Version != 2 || p.Targets[0].State != vigie.TargetWaiting {
				t.Fatalf("changed after approval: %+v", p)
			}
			p = must(w.svc.RequestChanges(ctx, w.ws.ID, p.ID, w.ada, "say where", 0))(t)
			if p.Status != vigie.PostChangesAsked {
				t.Fatalf("changes asked: %+v", p)
			}
			p = must(w.svc.Submit(ctx, w.ws.ID, p.ID, w.ed))(t)
			if p.Status != vigie.PostPendingApproval {
				t.Fatalf("resubmitted: %+v", p)
			}
			kinds := []string{}
			for _, e := range must(w.st.FindPublication(ctx, w.ws.ID, p.ID))(t).Events {
				kinds = append(kinds, e.Kind)
			}
			if want := []string{"submitted", "approved", "rescheduled", "edited", "changes_requested", "submitted"}; !equal(kinds, want) {
				t.Errorf("history %v, want %v", kinds, want)
			}

			// An admin's own post needs no other approval in one step.
			if p := must(w.svc.Create(ctx, w.ws.ID, w.ada, compose))(t); p.Status != vigie.PostScheduled {
				t.Errorf("admin's post: %s", p.Status)
			}
			// Replies need none by default.
			reply := compose
			reply.Reply = &vigie.RemoteRef{ID: "99"}
			if p := must(w.svc.Create(ctx, w.ws.ID, w.ed, reply))(t); p.Status != vigie.PostScheduled || p.Kind != vigie.PostKindReply {
				t.Errorf("editor's reply: %+v", p)
			}
			// Drafts stay drafts.
			draft := compose
			draft.Draft = true
			if p := must(w.svc.Create(ctx, w.ws.ID, w.ed, draft))(t); p.Status != vigie.PostDraft || p.Targets[0].State != vigie.TargetWaiting {
				t.Errorf("draft: %+v", p)
			}

			// Two steps: two different approvers.
			must(0, w.st.SetPublishSettings(ctx, w.ws.ID, vigie.PublishSettings{Approval: vigie.ApprovalTwo, ApproverRole: "admin"}))(t)
			p = must(w.svc.Create(ctx, w.ws.ID, w.ada, compose))(t)
			if p.Status != vigie.PostPendingApproval || len(p.Approvals) != 1 || p.Steps != 2 {
				t.Fatalf("two steps, admin author: %+v", p)
			}
			if _, err := w.svc.Approve(ctx, w.ws.ID, p.ID, w.ada, "", 0); !errors.Is(err, vigie.ErrConflict) {
				t.Errorf("the author approved twice: %v", err)
			}
			if p = must(w.svc.Approve(ctx, w.ws.ID, p.ID, w.alan, "", 0))(t); p.Status != vigie.PostScheduled {
				t.Errorf("second approval: %+v", p)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type counter struct{}

func (counter) Verify(context.Context, *vigie.AccountLink) (vigie.Profile, error) {
	return vigie.Profile{}, nil
}
func (counter) Publish(context.Context, *vigie.AccountLink, vigie.Draft) (vigie.RemotePost, error) {
	return vigie.RemotePost{}, nil
}
func (counter) Lookup(context.Context, *vigie.AccountLink, vigie.Draft) (vigie.RemotePost, bool, error) {
	return vigie.RemotePost{}, false, nil
}
func (counter) Notifications(context.Context, *vigie.AccountLink, string) ([]vigie.Notification, string, error) {
	return nil, "", nil
}
func (counter) Length(text string, _ vigie.AccountLimits) int { return len([]rune(text)) }

func TestComposeChecks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, store.SQLite)
	w.svc.Clients[vigie.NetworkMastodon] = counter{}
	base := Compose{Accounts: []int64{w.masto.ID}, Text: "hello"}
	cases := []struct {
		name  string
		who   Actor
		edit  func(c *Compose)
		check func(error) bool
	}{
		{"viewer", w.viola, func(*Compose) {}, IsForbidden},
		{"editor on an admin's account", w.ed, func(c *Compose) { c.Accounts = []int64{w.adminAc.ID} }, IsForbidden},
		{"too long", w.ed, func(c *Compose) { c.Text = "0123456789012345678901234567890123456789012345678901" }, isInvalid},
		{"too long variant", w.ed, func(c *Compose) {
			c.Variants = map[int64]string{w.masto.ID: "0123456789012345678901234567890123456789012345678901"}
		}, isInvalid},
		{"no account", w.ed, func(c *Compose) { c.Accounts = nil }, isInvalid},
		{"another workspace's account", w.ed, func(c *Compose) { c.Accounts = []int64{999} }, isInvalid},
		{"empty", w.ed, func(c *Compose) { c.Text = "  " }, isInvalid},
		{"bad image", w.ed, func(c *Compose) { c.Media = []store.NewMedia{{MIME: "text/html", Data: []byte("<p>")}} }, isInvalid},
		{"html said png", w.ed, func(c *Compose) {
			c.Media = []store.NewMedia{{MIME: "image/png", Data: []byte("<html><script>x</script>")}}
		}, isInvalid},
		{"empty image", w.ed, func(c *Compose) { c.Media = []store.NewMedia{{MIME: "image/png"}} }, isInvalid},
		{"NUL", w.ed, func(c *Compose) { c.Text = "a\x00b" }, isInvalid},
		{"NUL in a variant", w.ed, func(c *Compose) { c.Variants = map[int64]string{w.masto.ID: "a\x00b"} }, isInvalid},
		{"variant for an account not named", w.ed, func(c *Compose) { c.Variants = map[int64]string{w.adminAc.ID: "x"} }, isInvalid},
	}
	for _, tc := range cases {
		c := base
		tc.edit(&c)
		if _, err := w.svc.Create(ctx, w.ws.ID, tc.who, c); !tc.check(err) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, err := w.svc.Create(ctx, w.ws.ID, w.ada, Compose{Accounts: []int64{w.adminAc.ID}, Text: "from the rector"}); err != nil {
		t.Errorf("an admin on an admin's account: %v", err)
	}
}

func isInvalid(err error) bool { return errors.Is(err, vigie.ErrInvalid) }

func TestScheduledTimeChecked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, store.SQLite)
	for _, at := range []time.Time{time.Now().Add(-time.Hour), time.Now().AddDate(3, 0, 0)} {
		if _, err := w.svc.Create(ctx, w.ws.ID, w.ada, Compose{Accounts: []int64{w.masto.ID}, Text: "x", ScheduledAt: at}); !isInvalid(err) {
			t.Errorf("%v: %v", at, err)
		}
	}
	p := must(w.svc.Create(ctx, w.ws.ID, w.ada, Compose{Accounts: []int64{w.masto.ID}, Text: "x", ScheduledAt: time.Now().Add(time.Hour)}))(t)
	past := time.Now().Add(-2 * time.Hour)
	if _, err := w.svc.Update(ctx, w.ws.ID, p.ID, w.ada, Edit{ScheduledAt: &past}); !isInvalid(err) {
		t.Errorf("rescheduled to the past: %v", err)
	}
}

// The same words given again (a form sends every field) keep the
// approvals; only a real change sends the post back.
func TestUnchangedEditKeepsApproval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, store.SQLite)
	p := must(w.svc.Create(ctx, w.ws.ID, w.ed, Compose{Accounts: []int64{w.masto.ID}, Text: "Same words", Variants: map[int64]string{w.masto.ID: "Short"}}))(t)
	p = must(w.svc.Approve(ctx, w.ws.ID, p.ID, w.ada, "", 0))(t)
	same, short := "Same words", "Short"
	later := time.Now().Add(3 * time.Hour)
	p = must(w.svc.Update(ctx, w.ws.ID, p.ID, w.ed, Edit{Text: &same, Variants: map[int64]string{w.masto.ID: short}, ScheduledAt: &later}))(t)
	if p.Status != vigie.PostScheduled || p.Version != 1 {
		t.Fatalf("an unchanged edit: %s, version %d", p.Status, p.Version)
	}
	other := "Other words"
	if p = must(w.svc.Update(ctx, w.ws.ID, p.ID, w.ed, Edit{Text: &other}))(t); p.Status != vigie.PostPendingApproval || p.Version != 2 {
		t.Fatalf("a changed edit: %s, version %d", p.Status, p.Version)
	}
}

// What the attacker trial found: an approval goes to the version read; an
// editor cannot move an approved post sooner without approval again, nor
// touch the posts of an account only admins publish with; with two steps,
// tokens (which name no one) do not approve.
func TestReviewRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, store.SQLite)
	at := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	p := must(w.svc.Create(ctx, w.ws.ID, w.ed, Compose{Accounts: []int64{w.masto.ID}, Text: "harmless text", ScheduledAt: at}))(t)
	evil := "EVIL TEXT"
	must(w.svc.Update(ctx, w.ws.ID, p.ID, w.ed, Edit{Text: &evil}))(t)
	if _, err := w.svc.Approve(ctx, w.ws.ID, p.ID, w.ada, "looked at harmless text", 1); !errors.Is(err, vigie.ErrConflict) {
		t.Fatalf("approved a version not read: %v", err)
	}
	p = must(w.svc.Approve(ctx, w.ws.ID, p.ID, w.ada, "", 2))(t)
	if p.Status != vigie.PostScheduled {
		t.Fatalf("approved: %+v", p)
	}
	// Sooner, by an editor: back to approval; later keeps it.
	later := at.Add(time.Hour)
	if p = must(w.svc.Update(ctx, w.ws.ID, p.ID, w.ed, Edit{ScheduledAt: &later}))(t); p.Status != vigie.PostScheduled {
		t.Fatalf("moved later: %s", p.Status)
	}
	now := time.Time{}
	if p = must(w.svc.Update(ctx, w.ws.ID, p.ID, w.ed, Edit{ScheduledAt: &now}))(t); p.Status != vigie.PostPendingApproval || len(p.Approvals) != 0 {
		t.Fatalf("moved to now by an editor: %s %v", p.Status, p.Approvals)
	}
	// An admin's account: its posts are the admins'.
	q := must(w.svc.Create(ctx, w.ws.ID, w.ada, Compose{Accounts: []int64{w.adminAc.ID}, Text: "embargoed statement", ScheduledAt: at}))(t)
	if _, err := w.svc.Update(ctx, w.ws.ID, q.ID, w.ed, Edit{ScheduledAt: &now}); !IsForbidden(err) {
		t.Errorf("an editor moved the rector's post: %v", err)
	}
	if err := w.svc.Delete(ctx, w.ws.ID, q.ID, w.ed); !IsForbidden(err) {
		t.Errorf("an editor deleted the rector's post: %v", err)
	}
	// Two steps: a token does not approve.
	must(0, w.st.SetPublishSettings(ctx, w.ws.ID, vigie.PublishSettings{Approval: vigie.ApprovalTwo, ApproverRole: "admin"}))(t)
	r := must(w.svc.Create(ctx, w.ws.ID, w.ed, Compose{Accounts: []int64{w.masto.ID}, Text: "two steps", ScheduledAt: at}))(t)
	token := Actor{Name: "token:ci", Role: "admin"}
	if _, err := w.svc.Approve(ctx, w.ws.ID, r.ID, token, "", 0); !IsForbidden(err) {
		t.Errorf("a token approved with two steps: %v", err)
	}
	// Nor does a token's own post count as its first step.
	if own := must(w.svc.Create(ctx, w.ws.ID, token, Compose{Accounts: []int64{w.masto.ID}, Text: "by a token", ScheduledAt: at}))(t); len(own.Approvals) != 0 {
		t.Errorf("a token's post counts its author: %v", own.Approvals)
	}
}
