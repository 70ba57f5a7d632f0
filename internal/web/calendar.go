package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/store"
)

// The publishing calendar (issue 13): a week or a month of posts in the
// workspace's time zone, each at its scheduled (or published) time; a
// post dragged to another day or hour is rescheduled (its approvals
// kept). A private iCal link gives the same calendar to other apps.

// calendarStatuses are the posts the calendar shows (not the drafts).
var calendarStatuses = []vigie.PostStatus{vigie.PostPendingApproval, vigie.PostChangesAsked, vigie.PostScheduled, vigie.PostPublishing,
	vigie.PostPublished, vigie.PostFailed}

type calPost struct {
	P         vigie.Publication
	Time      string // HH:MM in the workspace's zone
	Draggable bool
}

type calDay struct {
	Date    string // YYYY-MM-DD
	Label   string
	Day     int
	Outside bool // of another month (month view)
	Today   bool
	Posts   []calPost
	Hours   [24][]calPost // week view
}

func (w *Web) calendarPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	return w.renderCalendar(rw, r, v, http.StatusOK, "")
}

func (w *Web) renderCalendar(rw http.ResponseWriter, r *http.Request, v *visit, status int, newLink string) error {
	loc := workspaceZone(v.Workspace)
	now := w.Now().In(loc)
	q := r.URL.Query()
	view := q.Get("view")
	if view != "week" {
		view = "month"
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if d := q.Get("date"); d != "" {
		if t, err := time.ParseInLocation("2006-01-02", d, loc); err == nil {
			day = t
		}
	}
	monday := func(t time.Time) time.Time {
		off := (int(t.Weekday()) + 6) % 7
		return time.Date(t.Year(), t.Month(), t.Day()-off, 0, 0, 0, 0, loc)
	}
	var from, to, prev, next time.Time
	var title string
	if view == "week" {
		from = monday(day)
		to = from.AddDate(0, 0, 7)
		prev, next = from.AddDate(0, 0, -7), to
		title = v.T("calendar.weekof", from.Format("2006-01-02"))
	} else {
		first := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, loc)
		from = monday(first)
		end := first.AddDate(0, 1, 0)
		to = monday(end.AddDate(0, 0, 6))
		prev, next = first.AddDate(0, -1, 0), end
		title = v.T("month."+strings.ToLower(first.Month().String())) + " " + fmt.Sprint(first.Year())
	}
	list, err := w.Store.FindPublications(r.Context(), store.PublicationFilter{WorkspaceID: v.Workspace.ID, Statuses: calendarStatuses,
		From: from.UTC(), To: to.UTC(), Limit: 500})
	if err != nil {
		return err
	}
	var days []calDay
	index := map[string]int{}
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		key := d.Format("2006-01-02")
		index[key] = len(days)
		days = append(days, calDay{Date: key, Day: d.Day(), Label: v.T("weekday."+strings.ToLower(d.Weekday().String())[:3]) + " " + fmt.Sprint(d.Day()),
			Outside: view == "month" && d.Month() != day.Month(), Today: key == now.Format("2006-01-02")})
	}
	write := v.Can(account.Publish)
	for _, p := range list {
		at := postTime(p).In(loc)
		i, ok := index[at.Format("2006-01-02")]
		if !ok {
			continue
		}
		cp := calPost{P: p, Time: at.Format("15:04"), Draggable: write && !locked(p) && p.Status != vigie.PostFailed}
		days[i].Posts = append(days[i].Posts, cp)
		days[i].Hours[at.Hour()] = append(days[i].Hours[at.Hour()], cp)
	}
	var weeks [][]calDay
	for i := 0; i < len(days); i += 7 {
		weeks = append(weeks, days[i:min(i+7, len(days))])
	}
	data := map[string]any{"View": view, "Title": title, "Weeks": weeks, "Days": days, "Prev": prev.Format("2006-01-02"), "Next": next.Format("2006-01-02"),
		"Date": day.Format("2006-01-02"), "Zone": loc.String(), "CanWrite": write, "NewLink": newLink, "Hours": hours()}
	if write {
		links, err := w.Store.CalendarTokens(r.Context(), v.Workspace.ID)
		if err != nil {
			return err
		}
		data["Links"] = links
	}
	return w.render(rw, v, status, "calendar", data)
}

func hours() []int {
	out := make([]int, 24)
	for i := range out {
		out[i] = i
	}
	return out
}

// createCalendarLink makes a private iCal link to the workspace's
// calendar, shown once.
func (w *Web) createCalendarLink(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.Publish) {
		return errForbidden
	}
	tok, hash, err := account.NewToken("vgc_")
	if err != nil {
		return err
	}
	if err := w.Store.CreateCalendarToken(r.Context(), hash, v.Workspace.ID, v.User.ID); err != nil {
		return err
	}
	return w.renderCalendar(rw, r, v, http.StatusCreated, w.publicBase(r)+"/calendar/"+tok+".ics")
}

func (w *Web) revokeCalendarLink(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.Publish) {
		return errForbidden
	}
	if err := w.Store.RevokeCalendarToken(r.Context(), v.Workspace.ID, r.PathValue("ref")); err != nil {
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "calendar"), http.StatusSeeOther)
	return nil
}

// serveICal writes the calendar a private link opens: the workspace's
// scheduled and published posts from 30 days ago to 180 days ahead.
func (w *Web) serveICal(rw http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok || !strings.HasPrefix(tok, "vgc_") || len(tok) > 200 {
		http.NotFound(rw, r)
		return
	}
	ws, err := w.Store.CalendarWorkspace(r.Context(), account.HashToken(tok))
	if err != nil {
		http.NotFound(rw, r)
		return
	}
	now := w.Now().UTC()
	list, err := w.Store.FindPublications(r.Context(), store.PublicationFilter{WorkspaceID: ws.ID,
		Statuses: []vigie.PostStatus{vigie.PostScheduled, vigie.PostPublishing, vigie.PostPublished},
		From:     now.AddDate(0, 0, -30), To: now.AddDate(0, 0, 180), Limit: 500})
	if err != nil {
		w.Log.Error("web", "path", "/calendar", "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	base := w.publicBase(r)
	events := make([]icalEvent, 0, len(list))
	for _, p := range list {
		var hs []string
		for _, t := range p.Targets {
			hs = append(hs, t.Handle+" ("+string(t.Network)+")")
		}
		summary := strings.Join(strings.Fields(p.Text), " ")
		if rs := []rune(summary); len(rs) > 60 {
			summary = string(rs[:60]) + "…"
		}
		events = append(events, icalEvent{UID: fmt.Sprintf("post-%d@vigie", p.ID), Stamp: p.UpdatedAt, Start: postTime(p), Summary: summary,
			Description: "Accounts: " + strings.Join(hs, ", ") + "\nStatus: " + string(p.Status) + "\n\n" + p.Text,
			URL:         base + workspacePath(&ws, fmt.Sprintf("posts/%d", p.ID))})
	}
	var buf bytes.Buffer
	if err := writeICal(&buf, ws.Name+" · Vigie", events); err != nil {
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	rw.Header().Set("Cache-Control", "private, max-age=300")
	rw.Write(buf.Bytes())
}
