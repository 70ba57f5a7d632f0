package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/store"
)

// tokenRow is an API token as the tokens page shows it.
type tokenRow struct {
	T                            vigie.APIToken
	Created, LastUsed, ExpiresAt string
	Expired                      bool
}

func (w *Web) tokensPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	return w.renderTokens(rw, r, v, http.StatusOK, nil)
}

// renderTokens shows the workspace's API tokens, to its administrators only.
func (w *Web) renderTokens(rw http.ResponseWriter, r *http.Request, v *visit, status int, extra map[string]any) error {
	if !v.Can(account.ManageMembers) {
		return errForbidden
	}
	toks, err := w.Store.FindTokens(r.Context(), v.Workspace.ID)
	if err != nil {
		return err
	}
	loc := workspaceZone(v.Workspace)
	at := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04 MST") }
	now := w.Now()
	rows := make([]tokenRow, 0, len(toks))
	for _, t := range toks {
		row := tokenRow{T: t, Created: at(t.CreatedAt), LastUsed: v.T("tokens.notused"), ExpiresAt: v.T("tokens.never"), Expired: t.Expired(now)}
		if !t.LastUsedAt.IsZero() {
			row.LastUsed = ago(v, now.Sub(t.LastUsedAt))
		}
		if !t.ExpiresAt.IsZero() {
			row.ExpiresAt = at(t.ExpiresAt)
		}
		rows = append(rows, row)
	}
	data := map[string]any{"Tokens": rows, "Roles": account.Roles}
	for k, x := range extra {
		data[k] = x
	}
	return w.render(rw, v, status, "tokens", data)
}

// createToken makes an API token of the workspace; its secret is shown
// once, on the page that answers.
func (w *Web) createToken(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.ManageMembers) {
		return errForbidden
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	form := map[string]any{"Name": name, "Expires": r.PostFormValue("expires"), "Role": r.PostFormValue("role")}
	again := func(key string) error {
		form["Error"] = v.T(key)
		return w.renderTokens(rw, r, v, http.StatusBadRequest, form)
	}
	if name == "" || len([]rune(name)) > store.MaxTokenNameLen {
		return again("tokens.badname")
	}
	role, err := account.ParseRole(r.PostFormValue("role"))
	if err != nil {
		return again("members.badrole")
	}
	exp, err := account.ParseExpiry(r.PostFormValue("expires"), w.Now(), workspaceZone(v.Workspace))
	if err != nil {
		return again("tokens.badexpiry")
	}
	secret, tok, err := w.Store.CreateToken(r.Context(), store.TokenSpec{Name: name, WorkspaceID: v.Workspace.ID, Role: role, ExpiresAt: exp})
	if errors.Is(err, vigie.ErrInvalid) {
		return again("tokens.badexpiry") // the expiry passed while the form was read
	}
	if err != nil {
		return err
	}
	w.Log.Info("api token created", "workspace", v.Workspace.Slug, "token_id", tok.ID, "role", tok.Role, "by", v.User.Email)
	return w.renderTokens(rw, r, v, http.StatusCreated, map[string]any{"Notice": v.T("tokens.done", tok.Name), "Secret": secret})
}

// revokeToken deletes one of the workspace's tokens; another workspace's
// id is not found.
func (w *Web) revokeToken(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.ManageMembers) {
		return errForbidden
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := w.Store.DeleteToken(r.Context(), v.Workspace.ID, id); err != nil {
		return err
	}
	w.Log.Info("api token revoked", "workspace", v.Workspace.Slug, "token_id", id, "by", v.User.Email)
	http.Redirect(rw, r, workspacePath(v.Workspace, "tokens"), http.StatusSeeOther)
	return nil
}

// workspaceZone is the workspace's time zone, UTC if unknown. Zones are
// loaded once each: time.LoadLocation reads the zone database every call,
// and a dashboard asks several times a page.
func workspaceZone(ws *vigie.Workspace) *time.Location {
	if loc, ok := zones.Load(ws.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(ws.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	zones.Store(ws.TimeZone, loc)
	return loc
}

var zones sync.Map // zone name → *time.Location
