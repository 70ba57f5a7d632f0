package web

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/secret"
	"github.com/vigie-project/vigie/internal/store"
)

// sourceRow is a source with its health in words.
type sourceRow struct {
	S      vigie.Source
	Health string // ok, failing, waiting, connected, reconnecting
	// Stream is set for a source kept connected: how far behind the
	// network it reads ("2 s"), when connected.
	Stream                 bool
	Behind                 string
	LastSuccess, NextCheck string
	LastError              string
	Interval               string
	Elsewhere              bool // another workspace's, shared with this one
	// Settings are the source's settings by name, credentials shown only
	// by their last characters (secret.Mask).
	Settings []shownSetting
}

type shownSetting struct{ Name, Value string }

// shownSettings are a source's settings as the page shows them, by name.
func shownSettings(s vigie.Source) []shownSetting {
	masked := secret.MaskSettings(s.Settings)
	out := make([]shownSetting, 0, len(masked))
	for _, k := range slices.Sorted(maps.Keys(masked)) {
		out = append(out, shownSetting{Name: k, Value: masked[k]})
	}
	return out
}

func (w *Web) sourcesPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	return w.renderSources(rw, r, v, http.StatusOK, nil)
}

// renderSources shows the sources page with a message (added, skipped…).
func (w *Web) renderSources(rw http.ResponseWriter, r *http.Request, v *visit, status int, extra map[string]any) error {
	srcs, err := w.Store.FindSources(r.Context(), v.Workspace.ID)
	if err != nil {
		return err
	}
	// Other workspaces' sources shared with this one: their posts feed its
	// monitors, so the team sees where its mentions come from.
	shared, err := w.Store.FindSharedSources(r.Context(), v.Workspace.ID)
	if err != nil {
		return err
	}
	srcs = append(srcs, shared...)
	now := w.Now()
	var rows []sourceRow
	for _, s := range srcs {
		row := sourceRow{S: s, Health: "ok", Interval: s.Interval.String(), Elsewhere: s.WorkspaceID != v.Workspace.ID, Settings: shownSettings(s)}
		// A feed is stopped when it is not read any more: migration
		// 0020 stops the later copies of a feed followed twice, saying why.
		stopped := !s.Enabled && s.Kind.KnownByURL()
		row.Stream = w.Feeds != nil && w.Feeds.Streamed(&s)
		switch {
		case stopped:
			row.Health = "stopped"
		case s.Failing() && row.Stream && s.Enabled && s.ErrorCount <= 3 && len(s.UndecryptableSettings) == 0:
			// A stream that dropped reconnects within seconds: not
			// failing yet.
			row.Health = "reconnecting"
		case s.Failing():
			row.Health = "failing"
		case row.Stream && s.Connected && s.Enabled:
			// A stream saves its health at least every heartbeat; one
			// not heard of for a minute is not connected any more (its
			// process stopped).
			row.Health = "connected"
			if heard := s.LastSuccessAt; now.Sub(later(heard, s.ConnectedAt)) > 2*time.Minute && now.After(s.NextCheckAt) {
				row.Health = "reconnecting"
			}
			row.Behind = (time.Duration(s.Lag * float64(time.Second))).Round(time.Second).String()
		case s.LastSuccessAt.IsZero():
			row.Health = "waiting"
		}
		if !s.LastSuccessAt.IsZero() {
			row.LastSuccess = ago(v, now.Sub(s.LastSuccessAt))
		}
		if s.Failing() || stopped {
			row.LastError = s.LastError
		}
		if len(s.UndecryptableSettings) > 0 {
			// Said before its next run fails for it.
			row.Health = "failing"
			row.LastError = v.T("sources.undecryptable", strings.Join(s.UndecryptableSettings, ", "))
		}
		if stopped || row.Health == "connected" {
			row.NextCheck = "—"
		} else if d := s.NextCheckAt.Sub(now); d > 0 {
			row.NextCheck = v.T("sources.in", d.Round(time.Second).String())
		} else {
			row.NextCheck = v.T("sources.due")
		}
		rows = append(rows, row)
	}
	data := map[string]any{"Sources": rows, "Demo": w.TriggerCrisis != nil && v.Workspace.ID == w.DemoWorkspaceID, "Crises": w.Crises,
		"NoNetwork": noNetwork(srcs), "Forms": offeredForms()}
	// The add form shows the kind asked for (?add=bluesky), feeds first.
	if f, ok := formOf(vigie.SourceKind(r.URL.Query().Get("add"))); ok {
		data["Add"] = &addForm{Form: f, Values: map[string]string{}}
	} else if f, ok := formOf(vigie.SourceRSS); ok {
		data["Add"] = &addForm{Form: f, Values: map[string]string{}}
	}
	if id, err := strconv.ParseInt(r.URL.Query().Get("added"), 10, 64); err == nil && r.Method == http.MethodGet {
		for _, s := range srcs {
			if s.ID == id && s.WorkspaceID == v.Workspace.ID {
				data["Notice"] = v.T("sources.added", s.Name)
			}
		}
	}
	for k, x := range extra {
		data[k] = x
	}
	return w.render(rw, v, status, "sources", data)
}

// noNetwork is the number of feeds when every one of them (two or more)
// fails: then the machine's connection is the likelier fault than each
// address, and the page says so once rather than N times.
func noNetwork(srcs []vigie.Source) int {
	feeds, failing := 0, 0
	for _, s := range srcs {
		if s.Enabled && s.Kind.KnownByURL() {
			feeds++
			if s.Failing() {
				failing++
			}
		}
	}
	if feeds >= 2 && failing == feeds {
		return feeds
	}
	return 0
}

func (w *Web) addFeed(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.EditSources) {
		return errForbidden
	}
	src, err := w.Feeds.Add(r.Context(), v.Workspace.ID, r.PostFormValue("url"), r.PostFormValue("name"), 0)
	var followed *store.FollowedError
	switch {
	case errors.Is(err, vigie.ErrInvalid):
		return w.renderSources(rw, r, v, http.StatusBadRequest, map[string]any{"Error": w.plainError(r, err), "URL": r.PostFormValue("url"), "Name": r.PostFormValue("name")})
	case errors.As(err, &followed):
		return w.renderSources(rw, r, v, http.StatusConflict, map[string]any{"Error": v.T("sources.exists", followed.Source.Name), "URL": r.PostFormValue("url")})
	case errors.Is(err, vigie.ErrConflict):
		name := strings.TrimSpace(r.PostFormValue("name"))
		return w.renderSources(rw, r, v, http.StatusConflict, map[string]any{"Error": v.T("sources.nametaken", name), "URL": r.PostFormValue("url"), "Name": name})
	case err != nil:
		return err
	}
	if w.Wake != nil {
		w.Wake()
	}
	return w.renderSources(rw, r, v, http.StatusCreated, map[string]any{"Notice": v.T("sources.added", src.Name)})
}

// shareSource shares a source with every workspace of the organisation
// (its posts then feed their monitors too), or stops sharing it.
func (w *Web) shareSource(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.CanShareSources() {
		return errForbidden
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if _, err := w.Store.ShareSource(r.Context(), v.Workspace.ID, id, r.PostFormValue("shared") == "1"); err != nil {
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "sources"), http.StatusSeeOther)
	return nil
}

func (w *Web) importOPML(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.EditSources) {
		return errForbidden
	}
	r.Body = http.MaxBytesReader(rw, r.Body, 6<<20)
	f, _, err := r.FormFile("opml")
	if err != nil {
		return w.renderSources(rw, r, v, http.StatusBadRequest, map[string]any{"Error": v.T("sources.noopml")})
	}
	defer f.Close()
	added, skipped, err := w.Feeds.ImportOPML(r.Context(), v.Workspace.ID, f)
	if errors.Is(err, vigie.ErrInvalid) {
		return w.renderSources(rw, r, v, http.StatusBadRequest, map[string]any{"Error": w.plainError(r, err)})
	}
	if err != nil {
		return err
	}
	if w.Wake != nil && len(added) > 0 {
		w.Wake()
	}
	return w.renderSources(rw, r, v, http.StatusCreated, map[string]any{"Notice": v.T("sources.imported", len(added), len(skipped)), "Skipped": skipped})
}

func (w *Web) deleteSource(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.EditSources) {
		return errForbidden
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := w.Store.DeleteSource(r.Context(), v.Workspace.ID, id); err != nil {
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "sources"), http.StatusSeeOther)
	return nil
}

// checkSource runs a source now rather than at its next check.
func (w *Web) checkSource(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.EditSources) {
		return errForbidden
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := w.Store.CheckSourceNow(r.Context(), v.Workspace.ID, id); err != nil {
		return err
	}
	if w.Wake != nil {
		w.Wake()
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "sources")+"#s-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// deleteSources deletes the workspace's sources given (id=…, checked in the
// list): all of them, or none if one is not the workspace's.
func (w *Web) deleteSources(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.EditSources) {
		return errForbidden
	}
	if err := r.ParseForm(); err != nil {
		return &pageError{http.StatusBadRequest, "error.badrequest"}
	}
	var ids []int64
	for _, s := range r.Form["id"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return errNotFound
		}
		if _, err := w.Store.FindSourceByID(r.Context(), v.Workspace.ID, id); err != nil {
			return err
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return w.renderSources(rw, r, v, http.StatusBadRequest, map[string]any{"Error": v.T("sources.noneselected")})
	}
	for _, id := range ids {
		if err := w.Store.DeleteSource(r.Context(), v.Workspace.ID, id); err != nil {
			return err
		}
	}
	w.Log.Info("sources deleted", "workspace", v.Workspace.Slug, "sources", len(ids), "by", v.User.Email)
	http.Redirect(rw, r, workspacePath(v.Workspace, "sources"), http.StatusSeeOther)
	return nil
}

// startCrisis starts one of the simulator's crisis scenarios (demo only).
func (w *Web) startCrisis(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if w.TriggerCrisis == nil || v.Workspace.ID != w.DemoWorkspaceID {
		return errNotFound
	}
	if !v.Can(account.EditSources) {
		return errForbidden
	}
	kind := strings.TrimSpace(r.PostFormValue("kind"))
	if err := w.TriggerCrisis(kind); err != nil {
		return w.renderSources(rw, r, v, http.StatusBadRequest, map[string]any{"Error": err.Error()})
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "mentions")+"?crisis="+kind, http.StatusSeeOther)
	return nil
}

// plainError is a domain error's message for the team, without the
// "invalid:" of its kind.
func (w *Web) plainError(r *http.Request, err error) string {
	return strings.TrimPrefix(w.publicMessage(r, err), vigie.ErrInvalid.Error()+": ")
}

// publicMessage is a domain error's message without a database driver's
// text (table and constraint names are not for the page); the log keeps it.
func (w *Web) publicMessage(r *http.Request, err error) string {
	msg := store.PublicMessage(err)
	if msg != err.Error() {
		w.Log.Info("web", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	return msg
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
