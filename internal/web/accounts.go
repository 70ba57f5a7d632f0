package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/mastodon"
	"github.com/vigie-project/vigie/internal/publish"
	"github.com/vigie-project/vigie/internal/store"
)

// The connected accounts page (issue 13): everyone reads the workspace's
// accounts; administrators connect them (a Mastodon access token pasted,
// Mastodon's authorisation page, a Bluesky app password), check them,
// choose who may publish with them and disconnect them.

// oauthLife is how long a Mastodon connection under way waits for the
// user to come back from the instance.
const oauthLife = 10 * time.Minute

// accountForm is what the connect forms were given, kept when one is
// refused.
type accountForm struct {
	Network, Instance, Identifier, PDS, PublishRole string
	Error                                           string
}

func (w *Web) accountsPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	return w.renderAccounts(rw, r, v, http.StatusOK, &accountForm{})
}

func (w *Web) renderAccounts(rw http.ResponseWriter, r *http.Request, v *visit, status int, f *accountForm) error {
	list, err := w.Store.FindAccounts(r.Context(), v.Workspace.ID)
	if err != nil {
		return err
	}
	loc := workspaceZone(v.Workspace)
	when := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format("2006-01-02 15:04")
	}
	rows := make([]map[string]any, len(list))
	for i, a := range list {
		rows[i] = map[string]any{"A": a, "LastPublish": when(a.LastPublishAt), "LastErrorAt": when(a.LastErrorAt), "Checked": when(a.CheckedAt)}
	}
	notice := ""
	if n := r.URL.Query().Get("notice"); strings.HasPrefix(n, "accounts.") {
		notice = v.T(n)
	}
	return w.render(rw, v, status, "accounts", map[string]any{"Accounts": rows, "F": f, "Notice": notice,
		"CanConnect": v.Can(account.ManageAccounts)})
}

// connectAccount connects an account with a pasted credential: a
// Mastodon access token, or a Bluesky handle and app password.
func (w *Web) connectAccount(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.ManageAccounts) || w.Publishing == nil {
		return errForbidden
	}
	p := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := &accountForm{Network: p("network"), Instance: p("instance_url"), Identifier: p("identifier"), PDS: p("pds_url"), PublishRole: p("publish_role")}
	c := publish.Connect{Network: vigie.Network(f.Network), PublishRole: f.PublishRole}
	switch c.Network {
	case vigie.NetworkMastodon:
		c.InstanceURL, c.AccessToken = f.Instance, p("access_token")
	case vigie.NetworkBluesky:
		c.InstanceURL, c.Identifier, c.AppPassword = f.PDS, f.Identifier, p("app_password")
	}
	if c.InstanceURL != "" && strings.Contains(c.InstanceURL, "://") {
		if err := w.FetchPolicy.CheckURL(c.InstanceURL); err != nil {
			f.Error = v.T("accounts.refusedaddress", err.Error())
			return w.renderAccounts(rw, r, v, http.StatusBadRequest, f)
		}
	}
	if _, err := w.Publishing.ConnectAccount(r.Context(), v.Workspace.ID, c); err != nil {
		if isInvalid(err) || errors.Is(err, vigie.ErrConflict) {
			f.Error = publicError(err)
			return w.renderAccounts(rw, r, v, http.StatusBadRequest, f)
		}
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "accounts")+"?notice=accounts.connected", http.StatusSeeOther)
	return nil
}

func accountID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// checkAccount verifies an account's credentials again.
func (w *Web) checkAccount(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.ManageAccounts) || w.Publishing == nil {
		return errForbidden
	}
	id, err := accountID(r)
	if err != nil {
		return err
	}
	a, err := w.Publishing.CheckAccount(r.Context(), v.Workspace.ID, id)
	if err != nil && !isInvalid(err) {
		return err
	}
	notice := "accounts.checked"
	if err != nil || a.Status != vigie.AccountOK {
		notice = "accounts.checkfailed"
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "accounts")+"?notice="+notice, http.StatusSeeOther)
	return nil
}

// setAccountRole sets the least role that may publish with an account.
func (w *Web) setAccountRole(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.ManageAccounts) {
		return errForbidden
	}
	id, err := accountID(r)
	if err != nil {
		return err
	}
	role := r.PostFormValue("publish_role")
	if role != string(account.Editor) && role != string(account.Admin) {
		return &pageError{http.StatusBadRequest, "error.badrequest"}
	}
	if _, err := w.Store.UpdateAccount(r.Context(), v.Workspace.ID, id, store.AccountUpdate{PublishRole: role}); err != nil {
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "accounts")+"?notice=accounts.saved", http.StatusSeeOther)
	return nil
}

// disconnectAccount disconnects an account (its posts' targets go too).
func (w *Web) disconnectAccount(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.ManageAccounts) {
		return errForbidden
	}
	id, err := accountID(r)
	if err != nil {
		return err
	}
	if err := w.Store.DeleteAccount(r.Context(), v.Workspace.ID, id); err != nil {
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "accounts")+"?notice=accounts.disconnected", http.StatusSeeOther)
	return nil
}

// mastodonApps is the Mastodon client that registers Vigie on an
// instance and exchanges codes, through the fetch policy.
func (w *Web) mastodonApps() *mastodon.Publisher {
	return &mastodon.Publisher{Client: w.FetchPolicy.Client(30 * time.Second), Now: w.Now}
}

// publicBase is where the user's browser reaches Vigie: VIGIE_PUBLIC_URL,
// else the request's host, over https when the request came so (or a
// trusted proxy says it did).
func (w *Web) publicBase(r *http.Request) string {
	if w.PublicURL != "" {
		return strings.TrimRight(w.PublicURL, "/")
	}
	scheme := "http"
	if w.secure(r) {
		scheme = "https"
	} else if p := r.Header.Get("X-Forwarded-Proto"); p == "https" && w.fromTrustedProxy(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (w *Web) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err == nil && w.trusted(a)
}

// oauthStart begins connecting a Mastodon account through the instance's
// authorisation page: Vigie registers its app there, keeps the state and
// the PKCE verifier, and sends the user to the instance.
func (w *Web) oauthStart(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.ManageAccounts) || w.Publishing == nil {
		return errForbidden
	}
	f := &accountForm{Network: "mastodon-oauth", Instance: strings.TrimSpace(r.PostFormValue("instance_url")), PublishRole: r.PostFormValue("publish_role")}
	instance := f.Instance
	if instance != "" && !strings.Contains(instance, "://") {
		instance = "https://" + instance
	}
	if instance == "" {
		f.Error = v.T("accounts.noinstance")
		return w.renderAccounts(rw, r, v, http.StatusBadRequest, f)
	}
	if err := w.FetchPolicy.CheckURL(instance); err != nil {
		f.Error = v.T("accounts.refusedaddress", err.Error())
		return w.renderAccounts(rw, r, v, http.StatusBadRequest, f)
	}
	role := f.PublishRole
	if role != string(account.Admin) {
		role = string(account.Editor)
	}
	redirect := w.publicBase(r) + "/oauth/mastodon/callback"
	apps := w.mastodonApps()
	id, secret, err := apps.RegisterApp(r.Context(), instance, redirect, "Vigie", w.publicBase(r))
	if err != nil {
		f.Error = v.T("accounts.registerfailed", err.Error())
		return w.renderAccounts(rw, r, v, http.StatusBadGateway, f)
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	state := base64.RawURLEncoding.EncodeToString(b[:])
	verifier := oauth2.GenerateVerifier()
	if err := w.Store.CreateOAuthState(r.Context(), store.OAuthState{Hash: account.HashToken(state), WorkspaceID: v.Workspace.ID, UserID: v.User.ID,
		Instance: instance, ClientID: id, ClientSecret: secret, Verifier: verifier, PublishRole: role, ExpiresAt: w.Now().Add(oauthLife)}); err != nil {
		return err
	}
	to := mastodon.AuthCodeURL(instance, id, redirect, state, verifier)
	if to == "" {
		f.Error = v.T("accounts.noinstance")
		return w.renderAccounts(rw, r, v, http.StatusBadRequest, f)
	}
	http.Redirect(rw, r, to, http.StatusSeeOther)
	return nil
}

// oauthCallback is where the instance sends the user back: the state must
// be one this user began, unused and alive, and the user must still
// administer its workspace; the code is exchanged for the account's token,
// and the account connected.
func (w *Web) oauthCallback(rw http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	if q.Get("state") == "" {
		return errNotFound
	}
	st, err := w.Store.TakeOAuthState(r.Context(), account.HashToken(q.Get("state")), v.User.ID)
	if errors.Is(err, vigie.ErrNotFound) {
		return &pageError{http.StatusBadRequest, "accounts.oauthexpired"}
	}
	if err != nil {
		return err
	}
	var ws *vigie.Workspace
	for i := range v.Workspaces {
		if v.Workspaces[i].ID == st.WorkspaceID {
			ws = &v.Workspaces[i]
		}
	}
	if ws == nil {
		return errNotFound
	}
	if err := w.enterWorkspace(v, ws.Slug); err != nil {
		return err
	}
	if !v.Can(account.ManageAccounts) || w.Publishing == nil {
		return errForbidden
	}
	f := &accountForm{Network: "mastodon-oauth", Instance: st.Instance, PublishRole: st.PublishRole}
	if e := q.Get("error"); e != "" {
		f.Error = v.T("accounts.oauthdenied", e+" "+q.Get("error_description"))
		return w.renderAccounts(rw, r, v, http.StatusBadRequest, f)
	}
	redirect := w.publicBase(r) + "/oauth/mastodon/callback"
	token, err := w.mastodonApps().Exchange(r.Context(), st.Instance, st.ClientID, st.ClientSecret, redirect, q.Get("code"), st.Verifier)
	if err != nil {
		f.Error = v.T("accounts.exchangefailed", err.Error())
		return w.renderAccounts(rw, r, v, http.StatusBadGateway, f)
	}
	if _, err := w.Publishing.ConnectAccount(r.Context(), ws.ID, publish.Connect{Network: vigie.NetworkMastodon, InstanceURL: st.Instance,
		AccessToken: token, PublishRole: st.PublishRole}); err != nil {
		if isInvalid(err) || errors.Is(err, vigie.ErrConflict) {
			f.Error = publicError(err)
			return w.renderAccounts(rw, r, v, http.StatusBadRequest, f)
		}
		return err
	}
	http.Redirect(rw, r, workspacePath(ws, "accounts")+"?notice=accounts.connected", http.StatusSeeOther)
	return nil
}

// publishActor is the visit as the publishing workflow sees it.
func publishActor(v *visit) publish.Actor {
	return publish.Actor{UserID: v.User.ID, Name: userName(v), Role: v.Role}
}

// publishFail turns the workflow's refusals into pages: a role that may
// not is 403.
func publishFail(err error) error {
	if publish.IsForbidden(err) {
		return errForbidden
	}
	return err
}
