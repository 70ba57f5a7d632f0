package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/store"
)

// The authorisation matrix's rows for the web app's publishing pages:
// connected accounts, posts, the calendar and its iCal links, the
// publishing settings.

func publishWebRoutes() []route {
	const ok, created, seeOther, bad = http.StatusOK, http.StatusCreated, http.StatusSeeOther, http.StatusBadRequest
	read, publishing, accounts, manage := account.Read, account.Publish, account.ManageAccounts, account.ManageMembers
	a := func(rest string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string { return "/w/" + f.a.Slug + rest }
	}
	b := func(rest string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string { return "/w/" + f.b.Slug + rest }
	}
	freshAccount := func(suffix string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string {
			return fmt.Sprintf("/w/%s/accounts/%d%s", f.a.Slug, f.account(f.a.ID, fmt.Sprintf("@webtmp%d@127.0.0.1", f.next())), suffix)
		}
	}
	accountB := func(suffix string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string {
			return fmt.Sprintf("/w/%s/accounts/%d%s", f.a.Slug, f.accountB, suffix)
		}
	}
	freshPost := func(status vigie.PostStatus, suffix string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string {
			return "/w/" + f.a.Slug + "/posts/" + f.freshPub(status) + suffix
		}
	}
	postB := func(suffix string) func(*matrixFixture, principal) string {
		return func(f *matrixFixture, _ principal) string {
			return fmt.Sprintf("/w/%s/posts/%d%s", f.a.Slug, f.pubB, suffix)
		}
	}
	// Approving is the workspace's rule (an admin, by default), asked of
	// the workflow once the post is found.
	approver := func(ok int) func(p principal, other bool) int {
		return func(p principal, other bool) int {
			switch {
			case !p.session():
				return http.StatusUnauthorized
			case !p.role.Can(account.Publish):
				return http.StatusForbidden
			case other:
				return http.StatusNotFound
			case p.role != account.Admin:
				return http.StatusForbidden
			}
			return ok
		}
	}
	return []route{
		{pattern: "GET /w/{ws}/accounts", kind: webPage, action: read, method: "GET", own: a("/accounts"), other: b("/accounts"), otherWS: true, ok: ok},
		// The matrix's instance refuses loopback addresses: the form comes
		// back saying so.
		{pattern: "POST /w/{ws}/accounts", kind: webPage, action: accounts, method: "POST", own: a("/accounts"), other: b("/accounts"), otherWS: true, ok: bad,
			body: formBody(url.Values{"network": {"mastodon"}, "instance_url": {"https://127.0.0.1:1"}, "access_token": {"matrix"}})},
		{pattern: "POST /w/{ws}/accounts/oauth", kind: webPage, action: accounts, method: "POST", own: a("/accounts/oauth"), other: b("/accounts/oauth"), otherWS: true, ok: bad,
			body: formBody(url.Values{"instance_url": {"https://127.0.0.1:1"}})},
		// A state no one began.
		{pattern: "GET /oauth/mastodon/callback", kind: webPage, action: read, method: "GET", own: path("/oauth/mastodon/callback?state=nope&code=x"), ok: bad},
		{pattern: "POST /w/{ws}/accounts/{id}/check", kind: webPage, action: accounts, method: "POST", own: freshAccount("/check"), other: accountB("/check"), ok: seeOther},
		{pattern: "POST /w/{ws}/accounts/{id}/role", kind: webPage, action: accounts, method: "POST", own: freshAccount("/role"), other: accountB("/role"), ok: seeOther,
			body: formBody(url.Values{"publish_role": {"admin"}})},
		{pattern: "POST /w/{ws}/accounts/{id}/delete", kind: webPage, action: accounts, method: "POST", own: freshAccount("/delete"), other: accountB("/delete"), ok: seeOther},
		{pattern: "GET /w/{ws}/posts", kind: webPage, action: read, method: "GET", own: a("/posts"), other: b("/posts"), otherWS: true, ok: ok},
		{pattern: "GET /w/{ws}/posts/new", kind: webPage, action: publishing, method: "GET", own: a("/posts/new"), other: b("/posts/new"), otherWS: true, ok: ok},
		{pattern: "GET /w/{ws}/posts/preview", kind: webPage, action: read, method: "GET", own: a("/posts/preview?url=https://127.0.0.1:1/"),
			other: b("/posts/preview?url=https://127.0.0.1:1/"), otherWS: true, ok: ok},
		{pattern: "POST /w/{ws}/posts", kind: webPage, action: publishing, method: "POST", own: a("/posts"), other: b("/posts"), otherWS: true, ok: seeOther,
			body: func(f *matrixFixture) (string, []byte) {
				return formBody(url.Values{"account": {strconv.FormatInt(f.accountA, 10)}, "text": {fmt.Sprintf("Alpha web post %d", f.next())}, "action": {"draft"}})(f)
			}},
		{pattern: "GET /w/{ws}/posts/{id}", kind: webPage, action: read, method: "GET", own: freshPost(vigie.PostDraft, ""), other: postB(""), ok: ok},
		{pattern: "GET /w/{ws}/posts/{id}/edit", kind: webPage, action: publishing, method: "GET", own: freshPost(vigie.PostDraft, "/edit"), other: postB("/edit"), ok: ok},
		{pattern: "GET /w/{ws}/posts/{id}/live", kind: webPage, action: read, method: "GET", own: freshPost(vigie.PostScheduled, "/live"), other: postB("/live"), ok: ok, sse: true},
		{pattern: "GET /w/{ws}/posts/{id}/media/{media}", kind: webPage, action: read, method: "GET",
			own: func(f *matrixFixture, _ principal) string { return f.postWithImage() }, other: postB("/media/1"), ok: ok},
		{pattern: "POST /w/{ws}/posts/{id}", kind: webPage, action: publishing, method: "POST", own: freshPost(vigie.PostDraft, ""), other: postB(""), ok: seeOther,
			body: formBody(url.Values{"text": {"Alpha post, edited on the web"}})},
		{pattern: "POST /w/{ws}/posts/{id}/submit", kind: webPage, action: publishing, method: "POST", own: freshPost(vigie.PostDraft, "/submit"), other: postB("/submit"), ok: seeOther},
		{pattern: "POST /w/{ws}/posts/{id}/approve", kind: webPage, action: publishing, method: "POST", own: freshPost(vigie.PostPendingApproval, "/approve"), other: postB("/approve"),
			want: approver(seeOther)},
		{pattern: "POST /w/{ws}/posts/{id}/request-changes", kind: webPage, action: publishing, method: "POST", own: freshPost(vigie.PostPendingApproval, "/request-changes"),
			other: postB("/request-changes"), want: approver(seeOther), body: formBody(url.Values{"comment": {"Shorter, please"}})},
		{pattern: "POST /w/{ws}/posts/{id}/retry", kind: webPage, action: publishing, method: "POST", own: freshPost(vigie.PostFailed, "/retry"), other: postB("/retry"), ok: seeOther},
		{pattern: "POST /w/{ws}/posts/{id}/reschedule", kind: webPage, action: publishing, method: "POST", own: freshPost(vigie.PostDraft, "/reschedule"), other: postB("/reschedule"), ok: seeOther,
			body: func(f *matrixFixture) (string, []byte) {
				return formBody(url.Values{"scheduled_at": {time.Now().Add(48 * time.Hour).Format("2006-01-02T15:04")}})(f)
			}},
		{pattern: "POST /w/{ws}/posts/{id}/delete", kind: webPage, action: publishing, method: "POST", own: freshPost(vigie.PostDraft, "/delete"), other: postB("/delete"), ok: seeOther},
		{pattern: "GET /w/{ws}/calendar", kind: webPage, action: read, method: "GET", own: a("/calendar"), other: b("/calendar"), otherWS: true, ok: ok},
		{pattern: "GET /w/{ws}/calendar", kind: webPage, action: read, method: "GET", own: a("/calendar?view=week&date=2030-01-07"), other: b("/calendar?view=week"), otherWS: true, ok: ok},
		{pattern: "POST /w/{ws}/calendar/links", kind: webPage, action: publishing, method: "POST", own: a("/calendar/links"), other: b("/calendar/links"), otherWS: true, ok: created},
		{pattern: "POST /w/{ws}/calendar/links/{ref}/revoke", kind: webPage, action: publishing, method: "POST",
			own: func(f *matrixFixture, _ principal) string {
				_, ref := f.calendarLink(f.a.ID, f.adminA().ID)
				return a("/calendar/links/"+ref+"/revoke")(f, principal{})
			},
			other: func(f *matrixFixture, _ principal) string {
				_, ref := f.calendarLink(f.b.ID, f.adminB.ID)
				return a("/calendar/links/"+ref+"/revoke")(f, principal{})
			}, ok: seeOther},
		{pattern: "GET /calendar/{file}", kind: anyone, method: "GET",
			own: func(f *matrixFixture, _ principal) string {
				tok, _ := f.calendarLink(f.a.ID, f.adminA().ID)
				return "/calendar/" + tok + ".ics"
			},
			other: path("/calendar/vgc_unknown.ics"), ok: ok, otherWant: http.StatusNotFound},
		{pattern: "GET /w/{ws}/settings/publishing", kind: webPage, action: read, method: "GET", own: a("/settings/publishing"), other: b("/settings/publishing"), otherWS: true, ok: ok},
		{pattern: "POST /w/{ws}/settings/publishing", kind: webPage, action: manage, method: "POST", own: a("/settings/publishing"), other: b("/settings/publishing"), otherWS: true, ok: seeOther,
			body: formBody(url.Values{"approval": {"one"}, "approver_role": {"admin"}, "sla_minutes": {"240"}, "slots": {"09:00 12:30 17:00"}})},
	}
}

// calendarLink makes a private calendar link of ws for user; it returns
// the token and its reference.
func (f *matrixFixture) calendarLink(ws, user int64) (tok, ref string) {
	f.t.Helper()
	tok, hash, err := account.NewToken("vgc_")
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.in.app.store.CreateCalendarToken(context.Background(), hash, ws, user); err != nil {
		f.t.Fatal(err)
	}
	return tok, hash[:16]
}

// postWithImage is the address of the image of a fresh post of A.
func (f *matrixFixture) postWithImage() string {
	f.t.Helper()
	ctx := context.Background()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
	p, err := f.in.app.store.CreatePublication(ctx, store.NewPublication{Publication: vigie.Publication{WorkspaceID: f.a.ID, Kind: vigie.PostKindPost,
		Status: vigie.PostDraft, Text: fmt.Sprintf("Alpha picture %d", f.next()), Targets: []vigie.PostTarget{{AccountID: f.accountA}}},
		Media: []store.NewMedia{{MIME: "image/png", Alt: "A dot", Data: png}}})
	if err != nil {
		f.t.Fatal(err)
	}
	if len(p.Media) == 0 {
		f.t.Fatal("the post has no image")
	}
	return fmt.Sprintf("/w/%s/posts/%d/media/%d", f.a.Slug, p.ID, p.Media[0].ID)
}
