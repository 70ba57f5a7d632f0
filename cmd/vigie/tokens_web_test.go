package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
)

// pageOf fetches a page as c, returning its status, body and CSRF token.
func pageOf(t *testing.T, c *http.Client, u string) (int, string, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	csrf := ""
	if m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(b); m != nil {
		csrf = string(m[1])
	}
	return resp.StatusCode, string(b), csrf
}

func postForm(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// addMember makes a user with a role in one workspace.
func addMember(t *testing.T, in *instance, email string, ws vigie.Workspace, role string) vigie.User {
	t.Helper()
	hash, err := account.HashPassword("trois petits chats")
	if err != nil {
		t.Fatal(err)
	}
	u, err := in.app.store.CreateUser(context.Background(), vigie.User{Email: email}, hash, []vigie.Membership{{WorkspaceID: ws.ID, Role: role}})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestTokensPage: a workspace's administrators list, create and revoke its
// API tokens in the web app; its editors and viewers are refused, and an
// administrator of another workspace can neither see nor revoke them.
func TestTokensPage(t *testing.T) {
	in, srv, _ := testInstance(t, false)
	ctx := context.Background()
	main := in.app.workspace
	sci, err := in.app.store.CreateWorkspace(ctx, vigie.Workspace{Slug: "science", Name: "Science"})
	if err != nil {
		t.Fatal(err)
	}
	addMember(t, in, "ad@uval.example", main, "admin")
	addMember(t, in, "ed@uval.example", main, "editor")
	addMember(t, in, "vi@uval.example", main, "viewer")
	addMember(t, in, "sci@uval.example", sci, "admin")
	base := srv.URL + "/w/" + main.Slug
	ad := webClient(t, srv.URL, "ad@uval.example")

	code, page, csrf := pageOf(t, ad, base+"/tokens")
	if code != 200 || !strings.Contains(page, `href="/w/`+main.Slug+`/tokens"`) {
		t.Fatalf("admin's tokens page: %d", code)
	}
	code, page = postForm(t, ad, base+"/tokens", url.Values{"csrf": {csrf}, "name": {"dash-board-7"}, "role": {"viewer"}, "expires": {"90d"}})
	secret := regexp.MustCompile(`vgt_[A-Za-z0-9_-]{43}`).FindString(page)
	if code != 201 || secret == "" || !strings.Contains(page, "dash-board-7") {
		t.Fatalf("create a token: %d\n%s", code, page)
	}
	tok, err := in.app.store.Authenticate(ctx, secret)
	if err != nil || tok.WorkspaceID != main.ID || tok.Role != "viewer" || tok.ExpiresAt.IsZero() {
		t.Fatalf("the token made on the page: %+v %v", tok, err)
	}
	api := client{t: t, base: srv.URL, token: secret}
	if code, body := api.do("GET", "/api/v1/monitors", nil); code != 200 {
		t.Fatalf("the page's token on the API: %d %v", code, body)
	}
	if _, page, _ := pageOf(t, ad, base+"/tokens"); strings.Contains(page, secret) || !strings.Contains(page, "dash-board-7") {
		t.Fatal("the list shows the secret again, or not the token")
	}
	for _, tt := range []struct {
		name string
		form url.Values
	}{
		{"no name", url.Values{"name": {" "}, "role": {"viewer"}}},
		{"unknown role", url.Values{"name": {"x"}, "role": {"owner"}}},
		{"bad expiry", url.Values{"name": {"x"}, "role": {"viewer"}, "expires": {"soon"}}},
		{"past expiry", url.Values{"name": {"x"}, "role": {"viewer"}, "expires": {"2020-01-01"}}},
	} {
		tt.form.Set("csrf", csrf)
		if code, page := postForm(t, ad, base+"/tokens", tt.form); code != 400 || strings.Contains(page, "vgt_") {
			t.Errorf("%s: %d, want 400 without a token", tt.name, code)
		}
	}
	if code, _ := postForm(t, ad, base+"/tokens", url.Values{"name": {"x"}, "role": {"admin"}}); code != 403 {
		t.Errorf("create without CSRF: %d, want 403", code)
	}
	revoke := base + "/tokens/" + strconv.FormatInt(tok.ID, 10) + "/revoke"

	// Editors and viewers of the workspace: 403 on every tokens route.
	for _, email := range []string{"ed@uval.example", "vi@uval.example"} {
		c := webClient(t, srv.URL, email)
		_, _, ccsrf := pageOf(t, c, base+"/sources")
		if code, _, _ := pageOf(t, c, base+"/tokens"); code != 403 {
			t.Errorf("%s sees the tokens page: %d", email, code)
		}
		if code, page := postForm(t, c, base+"/tokens", url.Values{"csrf": {ccsrf}, "name": {"mine"}, "role": {"admin"}}); code != 403 || strings.Contains(page, "vgt_") {
			t.Errorf("%s creates a token: %d", email, code)
		}
		if code, _ := postForm(t, c, revoke, url.Values{"csrf": {ccsrf}}); code != 403 {
			t.Errorf("%s revokes a token: %d", email, code)
		}
		if _, page, _ := pageOf(t, c, base+"/sources"); strings.Contains(page, "/tokens") {
			t.Errorf("%s is offered the tokens page", email)
		}
	}

	// An administrator of another workspace: this one does not exist for
	// them, and its token ids are not found from theirs.
	other := webClient(t, srv.URL, "sci@uval.example")
	_, _, ocsrf := pageOf(t, other, srv.URL+"/w/science/tokens")
	if code, page, _ := pageOf(t, other, base+"/tokens"); code != 404 || strings.Contains(page, "dash-board-7") {
		t.Errorf("another workspace's admin opens this one's tokens: %d", code)
	}
	if code, page, _ := pageOf(t, other, srv.URL+"/w/science/tokens"); code != 200 || strings.Contains(page, "dash-board-7") {
		t.Errorf("another workspace's tokens page: %d, lists this one's token: %v", code, strings.Contains(page, "dash-board-7"))
	}
	for _, u := range []string{revoke, srv.URL + "/w/science/tokens/" + strconv.FormatInt(tok.ID, 10) + "/revoke"} {
		if code, _ := postForm(t, other, u, url.Values{"csrf": {ocsrf}}); code != 404 {
			t.Errorf("another workspace's admin revokes via %s: %d, want 404", u, code)
		}
	}
	if code, _ := api.do("GET", "/api/v1/monitors", nil); code != 200 {
		t.Fatalf("the token stopped working after refused revocations: %d", code)
	}

	// The workspace's admin revokes it: refused at once.
	if code, _ := postForm(t, ad, revoke, url.Values{"csrf": {csrf}}); code != 303 {
		t.Fatalf("revoke: %d", code)
	}
	if code, _ := api.do("GET", "/api/v1/monitors", nil); code != 401 {
		t.Errorf("revoked token: %d, want 401", code)
	}
	if code, _ := postForm(t, ad, revoke, url.Values{"csrf": {csrf}}); code != 404 {
		t.Errorf("revoke twice: %d, want 404", code)
	}
}

// TestWorkspacesPage: administrators of the organisation create and rename
// workspaces from the web app; anyone else is refused.
func TestWorkspacesPage(t *testing.T) {
	in, srv, _ := testInstance(t, false)
	ctx := context.Background()
	main := in.app.workspace
	dean := addMember(t, in, "dean@uval.example", main, "viewer")
	addMember(t, in, "ad@uval.example", main, "admin")
	if err := in.app.store.SetOrganisationAdmin(ctx, main.OrganisationID, dean.ID); err != nil {
		t.Fatal(err)
	}
	// A workspace of another organisation: not the dean's to rename.
	org, err := in.app.store.CreateOrganisation(ctx, vigie.Organisation{Name: "Other", Slug: "other-org"})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := in.app.store.CreateWorkspace(ctx, vigie.Workspace{OrganisationID: org.ID, Slug: "foreign", Name: "Foreign"})
	if err != nil {
		t.Fatal(err)
	}

	// A workspace admin who does not administer the organisation.
	ad := webClient(t, srv.URL, "ad@uval.example")
	_, page, acsrf := pageOf(t, ad, srv.URL+"/w/"+main.Slug+"/sources")
	if strings.Contains(page, `href="/workspaces"`) {
		t.Error("a workspace admin is offered the workspaces page")
	}
	if code, _, _ := pageOf(t, ad, srv.URL+"/workspaces"); code != 403 {
		t.Errorf("workspace admin opens /workspaces: %d", code)
	}
	if code, _ := postForm(t, ad, srv.URL+"/workspaces", url.Values{"csrf": {acsrf}, "slug": {"mine"}, "name": {"Mine"}}); code != 403 {
		t.Errorf("workspace admin creates a workspace: %d", code)
	}
	if code, _ := postForm(t, ad, srv.URL+"/workspaces/"+main.Slug+"/rename", url.Values{"csrf": {acsrf}, "name": {"Hijacked"}}); code != 403 {
		t.Errorf("workspace admin renames a workspace: %d", code)
	}
	if _, err := in.app.store.FindWorkspaceBySlug(ctx, "mine"); err == nil {
		t.Error("the refused workspace exists")
	}

	// The organisation's administrator.
	dc := webClient(t, srv.URL, "dean@uval.example")
	code, page, csrf := pageOf(t, dc, srv.URL+"/workspaces")
	if code != 200 || !strings.Contains(page, `href="/workspaces"`) || !strings.Contains(page, main.Name) || strings.Contains(page, "Foreign") {
		t.Fatalf("the organisation admin's workspaces page: %d\n%s", code, page)
	}
	for _, tt := range []struct {
		name string
		form url.Values
		code int
	}{
		{"bad slug", url.Values{"slug": {"Law/x"}, "name": {"Law"}}, 400},
		{"no name", url.Values{"slug": {"law"}, "name": {" "}}, 400},
		{"bad zone", url.Values{"slug": {"law"}, "name": {"Law"}, "time_zone": {"Mars/Olympus"}}, 400},
		{"taken", url.Values{"slug": {main.Slug}, "name": {"Again"}}, 409},
	} {
		tt.form.Set("csrf", csrf)
		if code, _ := postForm(t, dc, srv.URL+"/workspaces", tt.form); code != tt.code {
			t.Errorf("%s: %d, want %d", tt.name, code, tt.code)
		}
	}
	if code, _ := postForm(t, dc, srv.URL+"/workspaces", url.Values{"csrf": {csrf}, "slug": {"law"}, "name": {"Faculty of Law"}, "time_zone": {"Europe/Zurich"}}); code != 303 {
		t.Fatalf("create: %d", code)
	}
	law, err := in.app.store.FindWorkspaceBySlug(ctx, "law")
	if err != nil || law.Name != "Faculty of Law" || law.TimeZone != "Europe/Zurich" || law.OrganisationID != main.OrganisationID {
		t.Fatalf("created %+v %v", law, err)
	}
	// The creator administers it; the switcher offers it.
	if code, page, _ := pageOf(t, dc, srv.URL+"/w/law/members"); code != 200 || !strings.Contains(page, `value="/w/law/"`) {
		t.Errorf("the creator on the new workspace's members page: %d", code)
	}
	if code, _ := postForm(t, dc, srv.URL+"/workspaces/law/rename", url.Values{"csrf": {csrf}, "name": {"Law School"}}); code != 303 {
		t.Fatalf("rename: %d", code)
	}
	if w, _ := in.app.store.FindWorkspaceBySlug(ctx, "law"); w.Name != "Law School" {
		t.Errorf("after rename: %+v", w)
	}
	if code, _ := postForm(t, dc, srv.URL+"/workspaces/law/rename", url.Values{"csrf": {csrf}, "name": {""}}); code != 400 {
		t.Errorf("blank rename: %d", code)
	}
	if code, _ := postForm(t, dc, srv.URL+"/workspaces/foreign/rename", url.Values{"csrf": {csrf}, "name": {"Mine now"}}); code != 404 {
		t.Errorf("rename another organisation's workspace: %d, want 404", code)
	}
	if w, _ := in.app.store.FindWorkspaceBySlug(ctx, "foreign"); w.Name != foreign.Name {
		t.Errorf("another organisation's workspace renamed: %+v", w)
	}
}
