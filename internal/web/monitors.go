package web

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/chart"
	"github.com/vigie-project/vigie/internal/monitor"
	"github.com/vigie-project/vigie/internal/recent"
	"github.com/vigie-project/vigie/internal/store"
)

// monitorForm is the editor's state: what was typed and what is wrong.
type monitorForm struct {
	ID, Name, Kind, Query string
	Error                 string // the query's error, without its column
	Column                int    // 1-based column of the error in Query
	Problem               string // another problem (name, kind)
	New                   bool
}

func (w *Web) monitorsPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	ms, err := w.Store.FindMonitors(r.Context(), v.Workspace.ID)
	if err != nil {
		return err
	}
	feeds, err := w.Store.FeedTokens(r.Context(), v.Workspace.ID, v.User.ID)
	if err != nil {
		return err
	}
	// Monitors whose mentions of the stored posts are still coming in.
	backfills, err := w.Store.FindBackfills(r.Context(), v.Workspace.ID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, m := range ms {
		names[m.ID] = cmpOr(m.Name, m.ID)
	}
	rows, err := w.monitorRows(r, v, ms)
	if err != nil {
		return err
	}
	return w.render(rw, v, http.StatusOK, "monitors", map[string]any{"Monitors": rows, "Feeds": feeds, "Names": names, "Backfills": backfills})
}

// monitorRow is a monitor as the monitors page lists it: with its volume
// over the last 24 hours and 7 days, a sparkline of those 7 days (6-hour
// steps) and when it was last mentioned.
type monitorRow struct {
	vigie.MonitorRecord
	Day, Week int
	Spark     template.HTML
	Last      string // "3 h ago"; "" when never
	LastAt    string // the time of the last mention, for its title
}

func (w *Web) monitorRows(r *http.Request, v *visit, ms []vigie.MonitorRecord) ([]monitorRow, error) {
	rows := make([]monitorRow, len(ms))
	for i, m := range ms {
		rows[i].MonitorRecord = m
	}
	if len(ms) == 0 {
		return rows, nil
	}
	now := w.Now().UTC()
	to := now.Truncate(time.Hour).Add(time.Hour)
	ov, err := w.Store.Overview(r.Context(), vigie.OverviewFilter{WorkspaceID: v.Workspace.ID, From: to.Add(-7 * 24 * time.Hour), To: to,
		Bucket: time.Hour, SeriesOnly: true})
	if err != nil {
		return nil, err
	}
	series := map[string]vigie.MonitorSeries{}
	for _, s := range ov.Volume {
		series[s.ID] = s
	}
	last, err := w.Store.LastMentions(r.Context(), v.Workspace.ID)
	if err != nil {
		return nil, err
	}
	loc := workspaceZone(v.Workspace)
	for i := range rows {
		s := series[rows[i].ID]
		bins := make([]int, 0, 28)
		for j, p := range s.Points {
			if j%6 == 0 {
				bins = append(bins, 0)
			}
			bins[len(bins)-1] += p.Count
			if j >= len(s.Points)-24 {
				rows[i].Day += p.Count
			}
		}
		rows[i].Week = s.Total
		rows[i].Spark = chart.Sparkline(bins, v.T("monitors.sparklabel", rows[i].Week))
		if at, ok := last[rows[i].ID]; ok {
			rows[i].Last = ago(v, now.Sub(at))
			rows[i].LastAt = at.In(loc).Format("2006-01-02 15:04 MST")
		}
	}
	return rows, nil
}

// workspaceMonitor finds a monitor of the visit's workspace; another
// workspace's monitor does not exist here.
func (w *Web) workspaceMonitor(r *http.Request, v *visit) (vigie.MonitorRecord, error) {
	return w.Store.FindMonitorByID(r.Context(), v.Workspace.ID, r.PathValue("id"))
}

func (w *Web) monitorEditor(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.EditMonitors) {
		return errForbidden
	}
	// A new monitor is a keyword: the share of voice compares only what
	// the team marks as brand or competitor.
	f := monitorForm{New: true, Kind: string(vigie.KindKeyword)}
	if id := r.PathValue("id"); id != "" {
		m, err := w.workspaceMonitor(r, v)
		if err != nil {
			return err
		}
		f = monitorForm{ID: m.ID, Name: m.Name, Kind: string(m.Kind), Query: m.Query}
	}
	return w.renderEditor(rw, v, http.StatusOK, f)
}

func (w *Web) renderEditor(rw http.ResponseWriter, v *visit, status int, f monitorForm) error {
	return w.render(rw, v, status, "monitor", map[string]any{"F": f, "Kinds": vigie.MonitorKinds})
}

// saveMonitor creates or updates a monitor from the editor's form; an
// invalid query comes back to the editor with its column shown.
func (w *Web) saveMonitor(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.EditMonitors) {
		return errForbidden
	}
	f := monitorForm{ID: r.PathValue("id"), Name: strings.TrimSpace(r.PostFormValue("name")),
		Kind: r.PostFormValue("kind"), Query: r.PostFormValue("query"), New: r.PathValue("id") == ""}
	if f.Name == "" {
		f.Problem = v.T("monitor.noname")
		return w.renderEditor(rw, v, http.StatusBadRequest, f)
	}
	if !vigie.MonitorKind(f.Kind).Valid() {
		f.Problem = v.T("monitor.badkind")
		return w.renderEditor(rw, v, http.StatusBadRequest, f)
	}
	if _, err := monitor.Check("", f.Query); err != nil {
		var qe *monitor.QueryError
		if errors.As(err, &qe) {
			f.Error, f.Column = v.queryError(qe.Err), qe.Err.Column
			return w.renderEditor(rw, v, http.StatusBadRequest, f)
		}
		return err
	}
	var err error
	if f.New {
		_, err = w.Monitors.Create(r.Context(), vigie.MonitorRecord{WorkspaceID: v.Workspace.ID,
			Monitor: vigie.Monitor{Name: f.Name, Kind: vigie.MonitorKind(f.Kind), Query: f.Query}})
	} else {
		if _, err := w.workspaceMonitor(r, v); err != nil {
			return err
		}
		_, err = w.Monitors.Update(r.Context(), v.Workspace.ID, f.ID, store.MonitorUpdate{Name: &f.Name, Kind: &f.Kind, Query: &f.Query})
	}
	if err != nil {
		if errors.Is(err, vigie.ErrInvalid) || errors.Is(err, vigie.ErrConflict) {
			f.Problem = w.publicMessage(r, err)
			return w.renderEditor(rw, v, http.StatusBadRequest, f)
		}
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "monitors"), http.StatusSeeOther)
	return nil
}

func (w *Web) deleteMonitor(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.EditMonitors) {
		return errForbidden
	}
	m, err := w.workspaceMonitor(r, v)
	if err != nil {
		return err
	}
	if err := w.Monitors.Delete(r.Context(), v.Workspace.ID, m.ID); err != nil {
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "monitors"), http.StatusSeeOther)
	return nil
}

// checkResult is the editor's live answer about a query being typed.
type checkResult struct {
	OK       bool           `json:"ok"`
	Column   int            `json:"column,omitempty"`
	Message  string         `json:"message,omitempty"`
	Warnings []checkWarning `json:"warnings,omitempty"`
	// With test=1: what the query would have matched over the last 7 days
	// (or the recent window, when shorter): among the workspace's stored
	// mentions and the posts kept in the recent window (recent.Try).
	Tested bool `json:"tested,omitempty"`
	// Total is Stored plus Kept.
	Total  int     `json:"total"`
	Stored int     `json:"stored"`
	Kept   int     `json:"kept"`
	PerDay float64 `json:"per_day"`
	// Received is how many posts the test looked at.
	Received int `json:"received"`
	// Hours is the span of publication the test covered: 7 days, or less
	// on an archive younger than that; From is where it begins. Partial
	// says the kept posts of the span could not all be read in time: the
	// figures are then lower bounds. Summary says it all in words.
	Hours   int           `json:"hours"`
	From    time.Time     `json:"from,omitzero"`
	Partial bool          `json:"partial"`
	Summary string        `json:"summary,omitempty"`
	Samples []checkSample `json:"samples,omitempty"`
}

type checkWarning struct {
	Column  int    `json:"column"`
	Message string `json:"message"`
}

type checkSample struct {
	Source string `json:"source"`
	Author string `json:"author"`
	Text   string `json:"text"`
	When   string `json:"when"`
}

// testWindow is the past a query is tried on (at most the recent window,
// when that is shorter).
const testWindow = 7 * 24 * time.Hour

// testBudget is how long a test may read kept posts, newest first: past
// it, its figures are lower bounds (recent.Tried.Partial).
const testBudget = 1500 * time.Millisecond

// checkQuery validates a query while it is typed (JSON for the editor's
// script) and, with test=1, runs it on recent stored posts.
func (w *Web) checkQuery(rw http.ResponseWriter, r *http.Request, v *visit) error {
	// Trying a query reads the posts no monitor matched: it is part of
	// editing monitors (a viewer could otherwise read those posts through
	// the samples, an outside trial found). Checking the syntax is not.
	if r.URL.Query().Get("test") == "1" && !v.Can(account.EditMonitors) {
		return errForbidden
	}
	q := r.URL.Query().Get("q")
	var res checkResult
	parsed, err := monitor.Check("", q)
	var qe *monitor.QueryError
	switch {
	case errors.As(err, &qe):
		res.Column, res.Message = qe.Err.Column, v.queryError(qe.Err)
	case err != nil:
		return err
	default:
		res.OK = true
		for _, wn := range parsed.Warnings {
			res.Warnings = append(res.Warnings, checkWarning{wn.Column, v.queryWarning(wn)})
		}
	}
	if res.OK && r.URL.Query().Get("test") == "1" {
		if err := w.testQuery(r, v, q, &res); err != nil {
			return err
		}
	}
	rw.Header().Set("Content-Type", "application/json")
	rw.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(rw).Encode(res)
}

// testQuery tries a valid query on the workspace's recent posts.
func (w *Web) testQuery(r *http.Request, v *visit, q string, res *checkResult) error {
	span, keep := testWindow, w.RecentWindow > 0
	if keep && w.RecentWindow < span {
		span = w.RecentWindow
	}
	now := w.Now().UTC()
	tr, err := recent.Try(r.Context(), w.Store, recent.TryOptions{WorkspaceID: v.Workspace.ID, Query: q, Window: span, Kept: keep,
		Budget: testBudget, Samples: 5, Now: now})
	if err != nil {
		return err
	}
	if tr.Unreadable > 0 {
		w.Log.Warn("testing a query: chunks of kept posts could not be read and were skipped", "chunks", tr.Unreadable, "err", tr.Err)
	}
	// The rate is over the span the test covered: a young archive covers
	// less than the window. A test stopped by its budget covers the whole
	// span but not every post of it: its figures are lower bounds.
	window := max(now.Sub(tr.From), time.Hour)
	res.Tested, res.Total, res.Stored, res.Kept, res.Received = true, tr.Total, tr.Stored, tr.Kept, tr.Received
	res.Hours, res.From, res.Partial = int(window.Round(time.Hour).Hours()), tr.From, tr.Partial
	res.PerDay = float64(tr.Total) / (window.Hours() / 24)
	words := v.T("monitor.testdays", int(window.Round(24*time.Hour).Hours()/24))
	if tr.Young {
		words = v.T("monitor.testhours", res.Hours)
	}
	if keep {
		res.Summary = v.T("monitor.testposts", shownCount{tr.Total, v.Locale}, words, formatFloat(v.Locale, res.PerDay), formatInt(v.Locale, tr.Received))
		if tr.Partial {
			res.Summary += " " + v.T("monitor.testpartial")
		}
		if tr.Unreadable > 0 {
			res.Summary += " " + v.T("monitor.testunreadable", tr.Unreadable)
		}
	} else {
		res.Summary = v.T("monitor.testtotal", shownCount{tr.Total, v.Locale}, words, formatFloat(v.Locale, res.PerDay)) + " " + v.T("monitor.testnokeep")
	}
	for _, p := range tr.Samples {
		// The title too: a news item often matches by it alone.
		text := p.Text
		if p.Title != "" && text != "" {
			text = p.Title + " — " + text
		} else if text == "" {
			text = p.Title
		}
		res.Samples = append(res.Samples, checkSample{Source: p.Source, Author: cmpOr(p.Author.Name, p.Author.Handle),
			Text: shorten(text, 240), When: ago(v, now.Sub(p.PublishedAt))})
	}
	return nil
}

// cmpOr returns the first non-empty string.
func cmpOr(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// shorten cuts s to at most n runes, with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// revokeFeed deletes one of the user's private feeds.
func (w *Web) revokeFeed(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if err := w.Store.RevokeFeedToken(r.Context(), v.Workspace.ID, v.User.ID, r.PathValue("ref")); err != nil {
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "monitors"), http.StatusSeeOther)
	return nil
}
