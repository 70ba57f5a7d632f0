package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/store"
)

func (w *Web) membersPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	return w.renderMembers(rw, r, v, http.StatusOK, nil)
}

func (w *Web) renderMembers(rw http.ResponseWriter, r *http.Request, v *visit, status int, extra map[string]any) error {
	if !v.Can(account.ManageMembers) {
		return errForbidden
	}
	ms, err := w.Store.WorkspaceMembers(r.Context(), v.Workspace.ID)
	if err != nil {
		return err
	}
	data := map[string]any{"Members": ms, "Roles": account.Roles}
	for k, x := range extra {
		data[k] = x
	}
	return w.render(rw, v, status, "members", data)
}

// addMember gives a user a role in the workspace, creating the account
// (with a password shown once) when the address is new.
func (w *Web) addMember(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.ManageMembers) {
		return errForbidden
	}
	role, err := account.ParseRole(r.PostFormValue("role"))
	if err != nil {
		return w.renderMembers(rw, r, v, http.StatusBadRequest, map[string]any{"Error": v.T("members.badrole")})
	}
	email, err := store.NormaliseEmail(r.PostFormValue("email"))
	if err != nil {
		return w.renderMembers(rw, r, v, http.StatusBadRequest, map[string]any{"Error": v.T("setup.email")})
	}
	m := vigie.Membership{WorkspaceID: v.Workspace.ID, Role: string(role)}
	u, _, err := w.Store.FindUserByEmail(r.Context(), email)
	switch {
	case err == nil:
		if err := w.Store.SetMembership(r.Context(), u.ID, m); err != nil {
			return err
		}
		return w.renderMembers(rw, r, v, http.StatusOK, map[string]any{"Notice": v.T("members.added", email)})
	case !errors.Is(err, vigie.ErrNotFound):
		return err
	}
	pw := account.GeneratePassword()
	hash, err := account.HashPassword(pw)
	if err != nil {
		return err
	}
	if _, err := w.Store.CreateUser(r.Context(), vigie.User{Email: email, Name: r.PostFormValue("name")}, hash, []vigie.Membership{m}); err != nil {
		return err
	}
	return w.renderMembers(rw, r, v, http.StatusCreated, map[string]any{"Notice": v.T("members.created", email), "Password": pw})
}

func (w *Web) memberAction(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.ManageMembers) {
		return errForbidden
	}
	uid, err := strconv.ParseInt(r.PathValue("uid"), 10, 64)
	if err != nil {
		return errNotFound
	}
	switch r.PathValue("action") {
	case "role":
		role, err := account.ParseRole(r.PostFormValue("role"))
		if err != nil {
			return w.renderMembers(rw, r, v, http.StatusBadRequest, map[string]any{"Error": v.T("members.badrole")})
		}
		err = w.Store.ChangeRole(r.Context(), v.Workspace.ID, uid, string(role))
		if errors.Is(err, vigie.ErrConflict) {
			return w.renderMembers(rw, r, v, http.StatusConflict, map[string]any{"Error": v.T("members.lastadmin")})
		}
		if err != nil {
			return err
		}
	case "remove":
		err := w.Store.RemoveMembership(r.Context(), v.Workspace.ID, uid)
		if errors.Is(err, vigie.ErrConflict) {
			return w.renderMembers(rw, r, v, http.StatusConflict, map[string]any{"Error": v.T("members.lastadmin")})
		}
		if err != nil {
			return err
		}
	default:
		return errNotFound
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "members"), http.StatusSeeOther)
	return nil
}
