package web

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/chart"
	"github.com/vigie-project/vigie/internal/store"
)

// The incidents (issue 12): the list, the war room of one, and its
// post-mortem report once closed.

type incidentRow struct {
	I                vigie.Incident
	Monitor, Opened  string
	Duration, Status string
}

func (w *Web) incidentsPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	list, err := w.Store.FindIncidents(r.Context(), store.IncidentFilter{WorkspaceID: v.Workspace.ID})
	if err != nil {
		return err
	}
	names, ms, err := w.monitorNames(r, v)
	if err != nil {
		return err
	}
	now, loc := w.Now(), workspaceZone(v.Workspace)
	rows := make([]incidentRow, len(list))
	for i, in := range list {
		end := cmp.Or(in.ClosedAt, now)
		rows[i] = incidentRow{I: in, Monitor: cmp.Or(names[in.Monitor], in.Monitor), Opened: in.OpenedAt.In(loc).Format("2006-01-02 15:04"),
			Duration: duration(v, end.Sub(in.OpenedAt)), Status: v.T("incident.status." + string(in.Status))}
	}
	checklist, err := w.Store.Checklist(r.Context(), v.Workspace.ID)
	if err != nil {
		return err
	}
	return w.render(rw, v, http.StatusOK, "incidents", map[string]any{"Incidents": rows, "Monitors": ms, "Checklist": strings.Join(checklist, "\n"),
		"Saved": r.URL.Query().Get("saved") != ""})
}

// setChecklist sets the workspace's crisis checklist (administrators):
// one item per line.
func (w *Web) setChecklist(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.ManageMembers) {
		return errForbidden
	}
	if _, err := w.Store.SetChecklist(r.Context(), v.Workspace.ID, strings.Split(r.PostFormValue("items"), "\n")); err != nil {
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "incidents")+"?saved=1", http.StatusSeeOther)
	return nil
}

// duration says a length of time in hours and minutes.
func duration(v *visit, d time.Duration) string {
	if d < time.Hour {
		return v.T("duration.minutes", int(d.Minutes()))
	}
	return v.T("duration.hours", int(d.Hours()), int(d.Minutes())%60)
}

func (w *Web) openIncident(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.HandleIncidents) {
		return errForbidden
	}
	in, err := w.Store.OpenIncident(r.Context(), v.Workspace.ID, strings.TrimSpace(r.PostFormValue("title")), r.PostFormValue("monitor"), userName(v))
	if err != nil {
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, fmt.Sprintf("incidents/%d", in.ID)), http.StatusSeeOther)
	return nil
}

func (w *Web) findIncident(r *http.Request, v *visit) (vigie.Incident, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return vigie.Incident{}, errNotFound
	}
	return w.Store.FindIncident(r.Context(), v.Workspace.ID, id)
}

// warRoom is what the incident page and its report show.
type warRoom struct {
	I                        vigie.Incident
	MonitorName              string
	From, To                 time.Time
	Since                    time.Time // the figures count from then
	Bucket                   time.Duration
	Total, Baseline          int
	Peak                     int
	PeakAt                   string
	Negative, BaseNegative   string
	Authors                  int
	Reach                    string
	FirstResponse            string
	Duration                 string
	Chart                    template.HTML
	TopPosts                 []vigie.Mention
	TopAuthors               []vigie.Influence
	BySource, ByLang, Rising []vigie.KeyCount
	Sampled                  int // mentions the breakdowns are read from
	Timeline                 []timelineRow
	Statements               []timelineRow
	Alerts                   []vigie.Alert
	Members                  []store.Member
	Opened, Closed           string
}

type timelineRow struct {
	When, Kind, Label, By, Text string
}

// room gathers the incident's figures: its monitor's mentions from an
// hour before it opened to now (or its close), against the same hours a
// week before, and what drove them.
func (w *Web) room(r *http.Request, v *visit, in vigie.Incident) (*warRoom, error) {
	ctx := r.Context()
	now, loc := w.Now().UTC(), workspaceZone(v.Workspace)
	// The chart runs from an hour before the incident opened (the calm
	// before, for comparison) to its close, or to the last whole interval
	// (a filling one would read as a collapse). The figures count from a
	// quarter of an hour before it opened (the crisis, not the hour of
	// normal traffic before it) to its close or now.
	end := cmp.Or(in.ClosedAt, now)
	d := &warRoom{I: in, From: in.OpenedAt.Add(-time.Hour).Truncate(5 * time.Minute), Bucket: 5 * time.Minute}
	d.Since = in.OpenedAt.Add(-15 * time.Minute)
	if end.Sub(d.From) > 12*time.Hour {
		d.From, d.Bucket = d.From.Truncate(time.Hour), time.Hour
	}
	if end.Sub(d.From) > 60*24*time.Hour {
		d.From = end.Add(-60 * 24 * time.Hour).Truncate(time.Hour) // the chart's last 60 days
	}
	d.To = end.Truncate(d.Bucket)
	if !in.ClosedAt.IsZero() {
		d.To = in.ClosedAt // the last interval ends at the close, and stays as it was
	}
	if !d.To.After(d.From) {
		d.To = d.From.Add(d.Bucket)
	}
	key := ""
	if in.Monitor != "" {
		m, err := w.Store.FindMonitorByID(ctx, v.Workspace.ID, in.Monitor)
		if err != nil {
			return nil, err
		}
		key, d.MonitorName = m.Key, cmp.Or(m.Name, m.ID)
	}
	n, _, err := w.Store.MentionCounts(ctx, v.Workspace.ID, key, d.From, d.To, d.Bucket, false)
	if err != nil {
		return nil, err
	}
	week := 7 * 24 * time.Hour
	bn, _, err := w.Store.MentionCounts(ctx, v.Workspace.ID, key, d.From.Add(-week), d.To.Add(-week), d.Bucket, false)
	if err != nil {
		return nil, err
	}
	var cur, base chart.Series
	cur.Name, base.Name, base.Dashed, base.Slot = v.T("incident.mentions"), v.T("incident.lastweek"), true, 2
	for i := range n {
		at := d.From.Add(time.Duration(i) * d.Bucket)
		cur.Points = append(cur.Points, chart.Point{X: at, Y: float64(n[i])})
		base.Points = append(base.Points, chart.Point{X: at, Y: float64(bn[i])})
		if n[i] > d.Peak {
			d.Peak, d.PeakAt = n[i], at.In(loc).Format("2006-01-02 15:04")
		}
	}
	// The figures: since the crisis began, against the same span a week
	// before.
	tot, neg, err := w.Store.MentionCounts(ctx, v.Workspace.ID, key, d.Since, end, end.Sub(d.Since)+time.Nanosecond, true)
	if err != nil {
		return nil, err
	}
	btot, bneg, err := w.Store.MentionCounts(ctx, v.Workspace.ID, key, d.Since.Add(-week), end.Add(-week), end.Sub(d.Since)+time.Nanosecond, true)
	if err != nil {
		return nil, err
	}
	d.Total, d.Baseline = tot[0], btot[0]
	totalNeg, baseNeg := neg[0], bneg[0]
	share := func(a, b int) string {
		if b == 0 {
			return "–"
		}
		return chart.Percent(float64(a) / float64(b))
	}
	d.Negative, d.BaseNegative = share(totalNeg, d.Total), share(baseNeg, d.Baseline)
	fmtTime := func(t time.Time) string { return t.In(loc).Format("15:04") }
	if d.Bucket == time.Hour {
		fmtTime = func(t time.Time) string { return t.In(loc).Format("Jan 2 15:04") }
	}
	d.Chart = chart.TimeChart{Series: []chart.Series{cur, base}, From: d.From, To: d.To, Step: d.Bucket, Width: 640, Height: 220,
		Label: v.T("incident.chart"), Empty: v.T("dashboard.nomentions"), YLabel: v.T("dashboard.mentions"), XLabel: loc.String(),
		FormatTime: fmtTime, FormatTick: chart.Compact}.Lines()
	authors, reach, err := w.Store.Audience(ctx, v.Workspace.ID, key, d.Since, end)
	if err != nil {
		return nil, err
	}
	d.Authors, d.Reach = authors, chart.Compact(float64(reach))
	// What drives it: the most engaging posts among the latest, the most
	// influential authors, sources, languages, rising words.
	// What drives it, among the latest 500 mentions since it began: the
	// most engaging posts, their sources and languages; the most
	// influential voices and the hashtags over the whole span.
	page, err := w.Store.FindMentions(ctx, vigie.MentionFilter{WorkspaceID: v.Workspace.ID, MonitorID: in.Monitor, From: d.Since, To: end,
		Limit: 500, NoCount: true, HideIrrelevant: true})
	if err != nil {
		return nil, err
	}
	posts := page.Mentions
	d.Sampled = len(posts)
	src, lang := map[string]int{}, map[string]int{}
	for i := range posts {
		src[posts[i].Post.Source]++
		lang[posts[i].Post.Lang]++
	}
	d.BySource, d.ByLang = topKeys(src, 6), topKeys(lang, 6)
	weight := func(m *vigie.Mention) int64 {
		mt := m.Post.Metrics
		return mt.Likes + 2*mt.Reposts + mt.Replies + m.Post.Author.Followers/100
	}
	slices.SortStableFunc(posts, func(a, b vigie.Mention) int { return cmp.Compare(weight(&b), weight(&a)) })
	d.TopPosts = posts[:min(len(posts), 5)]
	for i := range d.TopPosts {
		d.TopPosts[i].ClipForList()
	}
	if d.TopAuthors, err = w.Store.TopAuthors(ctx, vigie.MentionFilter{WorkspaceID: v.Workspace.ID, MonitorID: in.Monitor, From: d.Since, To: end, Limit: 6}); err != nil {
		return nil, err
	}
	f := vigie.OverviewFilter{WorkspaceID: v.Workspace.ID, From: d.Since.Truncate(time.Hour), To: end.Truncate(time.Hour).Add(time.Hour), Bucket: time.Hour, Limit: 20}
	if in.Monitor != "" {
		f.MonitorIDs = []string{in.Monitor}
	}
	if f.To.Sub(f.From) <= vigie.MaxOverviewBuckets*time.Hour {
		ov, err := w.Store.Overview(ctx, f)
		if err != nil {
			return nil, err
		}
		// The most used hashtags, by count.
		d.Rising = slices.Clone(ov.TopHashtags)
		slices.SortStableFunc(d.Rising, func(a, b vigie.KeyCount) int { return cmp.Compare(b.Count, a.Count) })
		d.Rising = d.Rising[:min(len(d.Rising), 8)]
	}
	for _, e := range in.Timeline {
		row := timelineRow{When: e.At.In(loc).Format("2006-01-02 15:04"), Kind: e.Kind, Label: v.T("timeline." + e.Kind), By: e.By, Text: e.Text}
		d.Timeline = append(d.Timeline, row)
		if e.Kind == "statement" {
			d.Statements = append(d.Statements, row)
		}
	}
	if d.Alerts, err = w.Store.FindAlerts(ctx, store.AlertFilter{WorkspaceID: v.Workspace.ID, IncidentID: in.ID, Limit: 100}); err != nil {
		return nil, err
	}
	for i := range d.Alerts {
		d.Alerts[i] = localize(v, d.Alerts[i])
	}
	// The default checklist's steps in the visit's language (a workspace's
	// own steps are shown as written).
	for i := range d.I.Checklist {
		if j := slices.Index(vigie.DefaultChecklist, d.I.Checklist[i].Label); j >= 0 {
			d.I.Checklist[i].Label = v.T(fmt.Sprintf("checklist.default.%d", j))
		}
	}
	if d.Members, err = w.Store.WorkspaceMembers(ctx, v.Workspace.ID); err != nil {
		return nil, err
	}
	d.Opened = in.OpenedAt.In(loc).Format("2006-01-02 15:04")
	if !in.ClosedAt.IsZero() {
		d.Closed = in.ClosedAt.In(loc).Format("2006-01-02 15:04")
	}
	d.Duration = duration(v, cmp.Or(in.ClosedAt, now).Sub(in.OpenedAt))
	d.FirstResponse = v.T("incident.noresponse")
	if !in.FirstResponseAt.IsZero() {
		d.FirstResponse = duration(v, in.FirstResponseAt.Sub(in.OpenedAt))
	}
	return d, nil
}

func (w *Web) incidentPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	in, err := w.findIncident(r, v)
	if err != nil {
		return err
	}
	d, err := w.room(r, v, in)
	if err != nil {
		return err
	}
	return w.render(rw, v, http.StatusOK, "incident", map[string]any{"D": d, "Statuses": []vigie.IncidentStatus{vigie.IncidentOpen, vigie.IncidentMonitoring, vigie.IncidentClosed}})
}

// incidentReport is the post-mortem: a page made to be printed (or saved
// as PDF from the browser's print dialog).
func (w *Web) incidentReport(rw http.ResponseWriter, r *http.Request, v *visit) error {
	in, err := w.findIncident(r, v)
	if err != nil {
		return err
	}
	d, err := w.room(r, v, in)
	if err != nil {
		return err
	}
	return w.render(rw, v, http.StatusOK, "report", map[string]any{"D": d})
}

// changeIncident applies one change from the war room's forms.
func (w *Web) changeIncident(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.HandleIncidents) {
		return errForbidden
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	c := store.IncidentChange{By: userName(v), Note: strings.TrimSpace(r.PostFormValue("note")), Statement: strings.TrimSpace(r.PostFormValue("statement"))}
	if t := strings.TrimSpace(r.PostFormValue("title")); t != "" {
		c.Title = &t
	}
	if s := r.PostFormValue("status"); s != "" {
		st := vigie.IncidentStatus(s)
		c.Status = &st
	}
	if o := r.PostFormValue("owner"); o != "" {
		n, err := strconv.ParseInt(o, 10, 64)
		if err != nil {
			return &pageError{http.StatusBadRequest, "error.badrequest"}
		}
		c.OwnerID = &n
	}
	for _, p := range []struct {
		name string
		dst  **int
	}{{"check", &c.Check}, {"uncheck", &c.Uncheck}} {
		if x := r.PostFormValue(p.name); x != "" {
			n, err := strconv.Atoi(x)
			if err != nil {
				return &pageError{http.StatusBadRequest, "error.badrequest"}
			}
			*p.dst = &n
		}
	}
	if _, err := w.Store.UpdateIncident(r.Context(), v.Workspace.ID, id, c); err != nil {
		return err
	}
	target := workspacePath(v.Workspace, fmt.Sprintf("incidents/%d", id))
	if c.Status != nil && *c.Status == vigie.IncidentClosed {
		target += "/report"
	}
	http.Redirect(rw, r, target, http.StatusSeeOther)
	return nil
}

// topKeys lists a count's keys, most first, at most n.
func topKeys(m map[string]int, n int) []vigie.KeyCount {
	out := make([]vigie.KeyCount, 0, len(m))
	for k, c := range m {
		out = append(out, vigie.KeyCount{Key: k, Count: c})
	}
	slices.SortFunc(out, func(a, b vigie.KeyCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Key, b.Key))
	})
	return out[:min(len(out), n)]
}
