package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/vigie-project/vigie"
)

// workspaceRow is a workspace of the organisations the user administers.
type workspaceRow struct {
	W      vigie.Workspace
	Member bool // the user may open it
}

func (w *Web) workspacesPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	return w.renderWorkspaces(rw, r, v, http.StatusOK, nil)
}

// renderWorkspaces lists the workspaces of the organisations the user
// administers, with the forms that create and rename them; to anyone else
// it is forbidden.
func (w *Web) renderWorkspaces(rw http.ResponseWriter, r *http.Request, v *visit, status int, extra map[string]any) error {
	if !v.CanManageWorkspaces() {
		return errForbidden
	}
	all, err := w.Store.FindWorkspaces(r.Context())
	if err != nil {
		return err
	}
	var rows []workspaceRow
	for _, ws := range all {
		if slices.Contains(v.OrgAdmin, ws.OrganisationID) {
			rows = append(rows, workspaceRow{W: ws, Member: slices.ContainsFunc(v.Memberships, func(m vigie.Membership) bool { return m.WorkspaceID == ws.ID })})
		}
	}
	data := map[string]any{"Rows": rows, "TimeZone": "UTC"}
	for k, x := range extra {
		data[k] = x
	}
	return w.render(rw, v, status, "workspaces", data)
}

// createWorkspace adds a workspace to the organisation the user
// administers; the user becomes its administrator and lands on it.
func (w *Web) createWorkspace(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.CanManageWorkspaces() {
		return errForbidden
	}
	ws := vigie.Workspace{
		OrganisationID: v.OrgAdmin[0],
		Slug:           strings.TrimSpace(r.PostFormValue("slug")),
		Name:           strings.TrimSpace(r.PostFormValue("name")),
		TimeZone:       strings.TrimSpace(r.PostFormValue("time_zone")),
	}
	if ws.TimeZone == "" {
		ws.TimeZone = "UTC"
	}
	again := func(status int, key string) error {
		return w.renderWorkspaces(rw, r, v, status, map[string]any{"Error": v.T(key), "Slug": ws.Slug, "Name": ws.Name, "TimeZone": ws.TimeZone})
	}
	switch {
	case vigie.ValidateSlug(ws.Slug) != nil:
		return again(http.StatusBadRequest, "workspaces.badslug")
	case vigie.ValidateWorkspaceName(ws.Name) != nil:
		return again(http.StatusBadRequest, "workspaces.badname")
	case vigie.ValidateTimeZone(ws.TimeZone) != nil:
		return again(http.StatusBadRequest, "workspaces.badzone")
	}
	created, err := w.Store.CreateWorkspace(r.Context(), ws, v.User.ID)
	switch {
	case errors.Is(err, vigie.ErrConflict):
		return again(http.StatusConflict, "workspaces.taken")
	case err != nil:
		return err
	}
	w.Log.Info("workspace created", "workspace", created.Slug, "by", v.User.Email)
	http.Redirect(rw, r, workspacePath(&created, ""), http.StatusSeeOther)
	return nil
}

// renameWorkspace renames a workspace of an organisation the user
// administers; any other workspace does not exist for them.
func (w *Web) renameWorkspace(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.CanManageWorkspaces() {
		return errForbidden
	}
	ws, err := w.Store.FindWorkspaceBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	if !slices.Contains(v.OrgAdmin, ws.OrganisationID) {
		return errNotFound
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	if vigie.ValidateWorkspaceName(name) != nil {
		return w.renderWorkspaces(rw, r, v, http.StatusBadRequest, map[string]any{"Error": v.T("workspaces.badname")})
	}
	if _, err := w.Store.RenameWorkspace(r.Context(), ws.ID, name); err != nil {
		return err
	}
	w.Log.Info("workspace renamed", "workspace", ws.Slug, "by", v.User.Email)
	http.Redirect(rw, r, "/workspaces", http.StatusSeeOther)
	return nil
}
