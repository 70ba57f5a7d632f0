package main

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/mastodon/mastodontest"
)

// TestMastodonOAuthFromTheWeb: an administrator connects a Mastodon
// account through the instance's authorisation page (authorization code
// with PKCE): Vigie registers its app, the instance sends the user back
// with a code and the state, and the account is connected with the token
// the code is exchanged for. The state works once, and only for the user
// who began.
func TestMastodonOAuthFromTheWeb(t *testing.T) {
	in, srv, _ := privateInstance(t)
	masto := mastodontest.New(t)
	masto.SetToken("") // only a token from the exchange works
	ctx := context.Background()
	admin := addMember(t, in, "oauth-admin@uval.example", in.app.workspace, "admin")
	other := addMember(t, in, "oauth-other@uval.example", in.app.workspace, "admin")
	session := func(u vigie.User) (*http.Client, string) {
		tok, hash, _ := account.NewToken("vgs_")
		csrf, _, _ := account.NewToken("")
		if err := in.app.store.CreateSession(ctx, hash, vigie.Session{UserID: u.ID, CSRF: csrf, ExpiresAt: time.Now().Add(time.Hour)}, "test", "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
		jar, _ := cookiejar.New(nil)
		base, _ := url.Parse(srv.URL)
		jar.SetCookies(base, []*http.Cookie{{Name: "vigie_session", Value: tok}})
		return &http.Client{Jar: jar}, csrf
	}
	c, csrf := session(admin)
	// Stop at the instance's redirect back, to replay it.
	var back string
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.Path, "/oauth/mastodon/callback") {
			back = req.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := c.PostForm(srv.URL+"/w/"+in.app.workspace.Slug+"/accounts/oauth", url.Values{"csrf": {csrf}, "instance_url": {masto.URL}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if back == "" || !strings.Contains(back, "code=") || !strings.Contains(back, "state=") {
		t.Fatalf("the instance did not send the user back: %d %q", resp.StatusCode, back)
	}
	// Another user cannot use the state.
	c2, _ := session(other)
	resp, err = c2.Get(back)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("another user's callback: %d", resp.StatusCode)
	}
	c.CheckRedirect = nil
	resp, err = c.Get(back)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasSuffix(resp.Request.URL.Path, "/accounts") {
		t.Fatalf("the callback ends at %s with %d", resp.Request.URL, resp.StatusCode)
	}
	accounts, err := in.app.store.FindAccounts(ctx, in.app.workspace.ID)
	if err != nil || len(accounts) != 1 || accounts[0].Network != vigie.NetworkMastodon || !masto.ValidToken(accounts[0].Secrets.AccessToken) {
		t.Fatalf("accounts after the callback: %+v %v", accounts, err)
	}
	// The state was used: once more is refused.
	resp, err = c.Get(back)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("the state used twice: %d", resp.StatusCode)
	}
}
