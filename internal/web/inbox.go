package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/publish"
	"github.com/vigie-project/vigie/internal/store"
)

// The shared inbox (issue 13): what is said to the organisation's
// accounts, and the listening mentions the team sends to it. The list,
// with its tabs, filters, bulk actions and live rows; an item with its
// thread, its handling (status, assignee, tags, notes) and the reply box;
// the saved replies.

// registerInbox adds the inbox's routes.
func (w *Web) registerInbox(page func(string, handler)) {
	page("GET /w/{ws}/inbox", w.inboxPage)
	page("GET /w/{ws}/inbox/live", w.inboxLive)
	page("POST /w/{ws}/inbox/bulk", w.bulkInbox)
	page("GET /w/{ws}/inbox/{id}", w.inboxItemPage)
	page("POST /w/{ws}/inbox/{id}", w.changeInboxItem)
	page("POST /w/{ws}/inbox/{id}/reply", w.replyInboxItem)
	page("POST /w/{ws}/snippets", w.saveSnippet)
	page("POST /w/{ws}/snippets/{id}", w.saveSnippet)
	page("POST /w/{ws}/snippets/{id}/delete", w.deleteSnippet)
	page("POST /w/{ws}/mentions/{id}/inbox", w.mentionToInbox)
}

// CanInbox: editors and administrators handle the inbox's items (assign,
// tag, note, answer) and its saved replies.
func (v *visit) CanInbox() bool { return v.Role.Can(account.HandleInbox) }

// CanDraftPost: the role may write posts (the composer).
func (v *visit) CanDraftPost() bool { return v.Role.Can(account.Publish) }

// The inbox's tabs: the open items (new, assigned, waiting), then each status.
const tabOpen = "open"

var (
	inboxTabs     = []string{tabOpen, vigie.InboxNew, vigie.InboxAssigned, vigie.InboxWaiting, vigie.InboxDone}
	inboxStatuses = []string{vigie.InboxNew, vigie.InboxAssigned, vigie.InboxWaiting, vigie.InboxDone}
)

// inboxPageSize is the items a page of the list shows.
const inboxPageSize = 50

// inboxFilter is the list's tab and filters, from the URL.
type inboxFilter struct {
	Status   string // a tab
	Assignee string // me, nobody, "" (anyone)
	Account  int64
	Tag      string
	Before   int64
}

func readInboxFilter(r *http.Request) inboxFilter {
	q := r.URL.Query()
	f := inboxFilter{Status: q.Get("status"), Assignee: q.Get("assignee"), Tag: strings.TrimSpace(q.Get("tag"))}
	if !slices.Contains(inboxTabs, f.Status) {
		f.Status = tabOpen
	}
	if f.Assignee != "me" && f.Assignee != "nobody" {
		f.Assignee = ""
	}
	f.Account, _ = strconv.ParseInt(q.Get("account"), 10, 64)
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	if (store.InboxChange{AddTags: []string{f.Tag}}).Validate() != nil {
		f.Tag = ""
	}
	return f
}

// values are the filters as URL parameters (the tab apart).
func (f inboxFilter) values() url.Values {
	v := url.Values{}
	if f.Assignee != "" {
		v.Set("assignee", f.Assignee)
	}
	if f.Account > 0 {
		v.Set("account", strconv.FormatInt(f.Account, 10))
	}
	if f.Tag != "" {
		v.Set("tag", f.Tag)
	}
	return v
}

// Query is the filters and the tab as a URL query.
func (f inboxFilter) Query() string {
	v := f.values()
	v.Set("status", f.Status)
	return v.Encode()
}

// TabQuery is the query of another tab with the same filters.
func (f inboxFilter) TabQuery(tab string) string {
	v := f.values()
	v.Set("status", tab)
	return v.Encode()
}

// TabHref is the link to another tab: a relative URL of its query,
// already encoded (inserted after a "?" in a template, html/template
// would escape its = and & again).
func (f inboxFilter) TabHref(tab string) template.URL {
	return template.URL("?" + f.TabQuery(tab))
}

func (f inboxFilter) store(v *visit) store.InboxFilter {
	sf := store.InboxFilter{WorkspaceID: v.Workspace.ID, AccountID: f.Account, Tag: f.Tag, Limit: inboxPageSize, BeforeID: f.Before}
	if f.Status == tabOpen {
		sf.Statuses = []string{vigie.InboxNew, vigie.InboxAssigned, vigie.InboxWaiting}
	} else {
		sf.Statuses = []string{f.Status}
	}
	switch f.Assignee {
	case "me":
		sf.AssigneeID = v.User.ID
	case "nobody":
		sf.AssigneeID = -1
	}
	return sf
}

// keeps reports whether an item passes the filters (for live rows).
func (f inboxFilter) keeps(v *visit, it *vigie.InboxItem) bool {
	sf := f.store(v)
	switch {
	case !slices.Contains(sf.Statuses, it.Status),
		sf.AccountID > 0 && it.AccountID != sf.AccountID,
		sf.Tag != "" && !slices.Contains(it.Tags, sf.Tag),
		sf.AssigneeID > 0 && it.AssigneeID != sf.AssigneeID,
		sf.AssigneeID < 0 && it.AssigneeID != 0:
		return false
	}
	return true
}

// slaClock is an item's first-response clock: the time since it was
// received against the workspace's target, stopped at the first response.
type slaClock struct {
	Received string // RFC 3339, for the script that ticks it
	Minutes  int    // the target; 0 for none
	Stopped  bool
	Late     bool
	Text     string
}

func (w *Web) slaOf(v *visit, it *vigie.InboxItem, slaMinutes int) slaClock {
	c := slaClock{Received: it.ReceivedAt.UTC().Format(time.RFC3339), Minutes: slaMinutes}
	target := time.Duration(slaMinutes) * time.Minute
	if !it.FirstResponseAt.IsZero() {
		took := it.FirstResponseAt.Sub(it.ReceivedAt)
		c.Stopped, c.Late = true, target > 0 && took > target
		c.Text = v.T("inbox.sla.answered", duration(v, max(took, 0)))
		return c
	}
	if it.Status == vigie.InboxDone {
		c.Stopped, c.Text = true, v.T("inbox.sla.closed")
		return c
	}
	since := w.Now().Sub(it.ReceivedAt)
	switch {
	case target == 0:
		c.Text = v.T("inbox.sla.waiting", duration(v, max(since, 0)))
	case since > target:
		c.Late, c.Text = true, v.T("inbox.sla.late", duration(v, since-target))
	default:
		c.Text = v.T("inbox.sla.left", duration(v, target-since))
	}
	return c
}

// inboxRow is one line of the list.
type inboxRow struct {
	I      vigie.InboxItem
	Text   string
	Ago    string
	When   string
	Clock  slaClock
	Status string
}

func (w *Web) inboxRows(v *visit, items []vigie.InboxItem, sla int) []inboxRow {
	now, loc := w.Now(), workspaceZone(v.Workspace)
	rows := make([]inboxRow, len(items))
	for i := range items {
		it := &items[i]
		rows[i] = inboxRow{I: *it, Text: clipText(strings.Join(strings.Fields(it.Text), " "), 280), Ago: ago(v, now.Sub(it.PostedAt)),
			When: it.PostedAt.In(loc).Format("2006-01-02 15:04"), Clock: w.slaOf(v, it, sla), Status: v.T("inbox.status." + it.Status)}
	}
	return rows
}

// inboxTab is a tab with its count.
type inboxTab struct {
	Key, Label string
	Count      int
}

func (w *Web) inboxPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	f := readInboxFilter(r)
	ctx := r.Context()
	settings, err := w.Store.PublishSettings(ctx, v.Workspace.ID)
	if err != nil {
		return err
	}
	counts, late, err := w.Store.InboxCounts(ctx, v.Workspace.ID, w.Now(), time.Duration(settings.SLAMinutes)*time.Minute)
	if err != nil {
		return err
	}
	tabs := make([]inboxTab, len(inboxTabs))
	for i, t := range inboxTabs {
		n := counts[t]
		if t == tabOpen {
			n = counts[vigie.InboxNew] + counts[vigie.InboxAssigned] + counts[vigie.InboxWaiting]
		}
		tabs[i] = inboxTab{Key: t, Label: v.T("inbox.tab." + t), Count: n}
	}
	items, err := w.Store.FindInbox(ctx, f.store(v))
	if err != nil {
		return err
	}
	accounts, err := w.Store.FindAccounts(ctx, v.Workspace.ID)
	if err != nil {
		return err
	}
	// The live stream follows the items after the newest there is.
	newest, err := w.Store.FindInbox(ctx, store.InboxFilter{WorkspaceID: v.Workspace.ID, Limit: 1})
	if err != nil {
		return err
	}
	var last int64
	if len(newest) > 0 {
		last = newest[0].ID
	}
	data := map[string]any{"F": f, "Tabs": tabs, "Late": late, "SLA": settings.SLAMinutes, "Accounts": accounts,
		"Rows": w.inboxRows(v, items, settings.SLAMinutes), "Back": r.URL.RequestURI(), "Notice": inboxNotice(r)}
	if len(items) == inboxPageSize {
		q := f.values()
		q.Set("status", f.Status)
		q.Set("before", strconv.FormatInt(items[len(items)-1].ID, 10))
		data["Next"] = "?" + q.Encode()
	}
	if f.Before == 0 {
		live := f.values()
		live.Set("status", f.Status)
		live.Set("after", strconv.FormatInt(last, 10))
		data["LiveURL"] = workspacePath(v.Workspace, "inbox/live") + "?" + live.Encode()
	}
	if v.CanInbox() {
		if data["Snippets"], err = w.Store.FindSnippets(ctx, v.Workspace.ID, vigie.SnippetReply); err != nil {
			return err
		}
	}
	return w.render(rw, v, http.StatusOK, "inbox", data)
}

// inboxNotice is the key of a message a redirect asks the list to show.
func inboxNotice(r *http.Request) string {
	switch n := r.URL.Query().Get("done"); n {
	case "bulk", "snippet", "snippetdeleted":
		return "inbox.notice." + n
	}
	return ""
}

// inboxLive streams the rows of new items that pass the list's filters,
// as Server-Sent Events carrying rendered HTML ("items"), and the tabs'
// counts ("counts", JSON) when they change.
func (w *Web) inboxLive(rw http.ResponseWriter, r *http.Request, v *visit) error {
	f := readInboxFilter(r)
	f.Before = 0
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if id, err := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64); err == nil && id > after {
		after = id
	}
	t := w.pages["inbox"]
	back := workspacePath(v.Workspace, "inbox") + "?" + f.Query()
	lastCounts := ""
	return w.liveStream(rw, r, v, 3*time.Second, func(ctx context.Context) (bool, error) {
		settings, err := w.Store.PublishSettings(ctx, v.Workspace.ID)
		if err != nil {
			return false, err
		}
		// The newest items: those after the last one sent, oldest first.
		items, err := w.Store.FindInbox(ctx, store.InboxFilter{WorkspaceID: v.Workspace.ID, Limit: liveMaxBatch})
		if err != nil {
			return false, err
		}
		var fresh []vigie.InboxItem
		top := after
		for i := range items {
			if items[i].ID <= after {
				break
			}
			top = max(top, items[i].ID)
			if f.keeps(v, &items[i]) {
				fresh = append(fresh, items[i])
			}
		}
		after = top
		if len(fresh) > 0 {
			var buf bytes.Buffer
			if err := t.ExecuteTemplate(&buf, "inboxrows", map[string]any{"V": v, "Rows": w.inboxRows(v, fresh, settings.SLAMinutes), "Back": back}); err != nil {
				return false, err
			}
			writeEvent(rw, after, "items", buf.String())
		}
		counts, late, err := w.Store.InboxCounts(ctx, v.Workspace.ID, w.Now(), time.Duration(settings.SLAMinutes)*time.Minute)
		if err != nil {
			return false, err
		}
		open := counts[vigie.InboxNew] + counts[vigie.InboxAssigned] + counts[vigie.InboxWaiting]
		c := fmt.Sprintf(`{"open":%d,"new":%d,"assigned":%d,"waiting":%d,"done":%d,"late":%d}`, open, counts[vigie.InboxNew],
			counts[vigie.InboxAssigned], counts[vigie.InboxWaiting], counts[vigie.InboxDone], late)
		if c != lastCounts {
			fmt.Fprintf(rw, "event: counts\ndata: %s\n\n", c)
			lastCounts = c
		}
		return false, nil
	})
}

// bulkInbox applies one action to the items checked in the list.
func (w *Web) bulkInbox(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.CanInbox() {
		return errForbidden
	}
	if err := r.ParseForm(); err != nil {
		return &pageError{http.StatusBadRequest, "error.badrequest"}
	}
	var ids []int64
	for _, s := range r.PostForm["ids"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return &pageError{http.StatusBadRequest, "error.badrequest"}
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || len(ids) > 500 {
		return &pageError{http.StatusBadRequest, "inbox.bulk.none"}
	}
	c := store.InboxChange{By: userName(v)}
	switch r.PostFormValue("action") {
	case "assign-me":
		c.AssigneeID = &v.User.ID
	case "unassign":
		var nobody int64
		c.AssigneeID = &nobody
	case vigie.InboxNew, vigie.InboxAssigned, vigie.InboxWaiting, vigie.InboxDone:
		c.Status = r.PostFormValue("action")
	case "tag":
		t := strings.TrimSpace(r.PostFormValue("tag"))
		if t == "" {
			return &pageError{http.StatusBadRequest, "inbox.badtag"}
		}
		c.AddTags = []string{t}
	default:
		return &pageError{http.StatusBadRequest, "error.badrequest"}
	}
	if err := w.Store.ChangeInbox(r.Context(), v.Workspace.ID, ids, c); err != nil {
		if errors.Is(err, vigie.ErrInvalid) {
			return &pageError{http.StatusBadRequest, "inbox.badtag"}
		}
		return err
	}
	next := safeNext(r.PostFormValue("next"))
	if !strings.HasPrefix(next, workspacePath(v.Workspace, "inbox")) {
		next = workspacePath(v.Workspace, "inbox")
	}
	http.Redirect(rw, r, withParam(next, "done", "bulk"), http.StatusSeeOther)
	return nil
}

// withParam sets a parameter of a local URL.
func withParam(u, k, val string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := p.Query()
	q.Set(k, val)
	p.RawQuery = q.Encode()
	return p.String()
}

func (w *Web) findInboxItem(r *http.Request, v *visit) (vigie.InboxItem, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return vigie.InboxItem{}, errNotFound
	}
	return w.Store.FindInboxItem(r.Context(), v.Workspace.ID, id)
}

// threadRow is a post of an item's thread.
type threadRow struct {
	N     vigie.Notification
	Self  bool // the item itself
	Ours  bool // a post of the account
	Ago   string
	When  string
	Class string // ancestor, self, reply
}

// noteRow is a line of an item's history.
type noteRow struct {
	N    vigie.InboxNote
	When string
}

// replyRow is a reply written from the item.
type replyRow struct {
	P      vigie.Publication
	Status string
}

// itemForm is what the item page's forms bring back after a refusal.
type itemForm struct {
	Error string // the refusal, in words
	Text  string // the reply's text, kept
}

func (w *Web) inboxItemPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	it, err := w.findInboxItem(r, v)
	if err != nil {
		return err
	}
	return w.renderItem(rw, r, v, it, http.StatusOK, itemForm{})
}

func (w *Web) renderItem(rw http.ResponseWriter, r *http.Request, v *visit, it vigie.InboxItem, status int, form itemForm) error {
	ctx := r.Context()
	settings, err := w.Store.PublishSettings(ctx, v.Workspace.ID)
	if err != nil {
		return err
	}
	loc, now := workspaceZone(v.Workspace), w.Now()
	data := map[string]any{"I": it, "Form": form, "Clock": w.slaOf(v, &it, settings.SLAMinutes), "Status": v.T("inbox.status." + it.Status),
		"Statuses": inboxStatuses, "When": it.PostedAt.In(loc).Format("2006-01-02 15:04"), "Ago": ago(v, now.Sub(it.PostedAt)),
		"Done": r.URL.Query().Get("done")}
	// The thread, read from the network: a failure is a note, not the
	// page's failure.
	var acct *vigie.Account
	if it.AccountID != 0 {
		a, err := w.Store.FindAccount(ctx, v.Workspace.ID, it.AccountID)
		if err != nil && !errors.Is(err, vigie.ErrNotFound) {
			return err
		}
		if err == nil {
			acct = &a
			data["Account"] = a
		}
	}
	if it.MentionID != 0 {
		data["Listening"] = true
		// A listening mention is answered from one of the workspace's
		// accounts on its network (the service checks which).
		accounts, err := w.Store.FindAccounts(ctx, v.Workspace.ID)
		if err != nil {
			return err
		}
		// Only an account of the mention's own network can answer it.
		var network vigie.Network
		if m, err := w.Store.FindMention(ctx, v.Workspace.ID, it.MentionID); err == nil {
			network = vigie.Network(m.Post.Source)
		}
		var able []vigie.Account
		for _, a := range accounts {
			if a.Network == network {
				able = append(able, a)
			}
		}
		data["ReplyAccounts"] = able
	} else if w.Publishing != nil && acct != nil {
		before := acct.Secrets
		thread, changed, err := publish.Thread(ctx, w.Publishing.Clients, acct, it)
		if changed && acct.Secrets != before {
			if serr := w.Store.SaveAccountSecrets(ctx, v.Workspace.ID, acct.ID, acct.Secrets); serr != nil {
				w.Log.Error("inbox: save refreshed credentials", "account", acct.Handle, "err", serr)
			}
		}
		switch {
		case errors.Is(err, publish.ErrNoThread):
		case err != nil:
			w.Log.Info("inbox: thread", "item", it.ID, "err", err)
			data["ThreadError"] = true
		default:
			data["Thread"] = threadRows(v, thread, it, acct, now, loc)
		}
	}
	notes := make([]noteRow, len(it.Notes))
	for i, n := range it.Notes {
		notes[len(it.Notes)-1-i] = noteRow{N: n, When: n.At.In(loc).Format("2006-01-02 15:04")} // newest first
	}
	data["Notes"] = notes
	replies, err := w.Store.InboxReplies(ctx, v.Workspace.ID, it.ID)
	if err != nil {
		return err
	}
	rows := make([]replyRow, len(replies))
	for i, p := range replies {
		rows[i] = replyRow{P: p, Status: v.T("inbox.post." + string(p.Status))}
	}
	data["Replies"] = rows
	if v.CanInbox() {
		if data["Members"], err = w.Store.WorkspaceMembers(ctx, v.Workspace.ID); err != nil {
			return err
		}
		if data["Snippets"], err = w.Store.FindSnippets(ctx, v.Workspace.ID, vigie.SnippetReply); err != nil {
			return err
		}
	}
	return w.render(rw, v, status, "inboxitem", data)
}

// threadRows places the item in its thread: what came before, the item,
// what came after; the account's posts marked.
func threadRows(v *visit, thread []vigie.Notification, it vigie.InboxItem, acct *vigie.Account, now time.Time, loc *time.Location) []threadRow {
	rows := make([]threadRow, 0, len(thread))
	seen := false
	for _, n := range thread {
		self := (it.Ref.ID != "" && n.Post.ID == it.Ref.ID) || (it.Ref.URI != "" && n.Post.URI == it.Ref.URI)
		row := threadRow{N: n, Self: self, Ours: acct.RemoteID != "" && n.AuthorID == acct.RemoteID, Ago: ago(v, now.Sub(n.CreatedAt)),
			When: n.CreatedAt.In(loc).Format("2006-01-02 15:04"), Class: "ancestor"}
		switch {
		case self:
			row.Class, seen = "self", true
		case seen:
			row.Class = "reply"
		}
		rows = append(rows, row)
	}
	return rows
}

// changeInboxItem applies one change from the item page's forms: status,
// assignee, a tag added or removed, a note.
func (w *Web) changeInboxItem(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.CanInbox() {
		return errForbidden
	}
	it, err := w.findInboxItem(r, v)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &pageError{http.StatusBadRequest, "error.badrequest"}
	}
	c := store.InboxChange{By: userName(v), Status: r.PostFormValue("status"), Note: strings.TrimSpace(r.PostFormValue("note"))}
	if c.Status != "" && !slices.Contains(inboxStatuses, c.Status) {
		return &pageError{http.StatusBadRequest, "error.badrequest"}
	}
	if as, ok := r.PostForm["assignee"]; ok {
		// The "assign to me" button comes with the select's value.
		pick := as[0]
		if slices.Contains(as, "me") {
			pick = "me"
		}
		var id int64
		switch s := strings.TrimSpace(pick); s {
		case "", "0":
		case "me":
			id = v.User.ID
		default:
			if id, err = strconv.ParseInt(s, 10, 64); err != nil || id < 0 {
				return &pageError{http.StatusBadRequest, "error.badrequest"}
			}
		}
		c.AssigneeID = &id
	}
	if t := strings.TrimSpace(r.PostFormValue("add_tag")); t != "" {
		c.AddTags = []string{t}
	}
	if t := r.PostFormValue("remove_tag"); t != "" {
		c.RemoveTags = []string{t}
	}
	if c.Status == "" && c.AssigneeID == nil && len(c.AddTags)+len(c.RemoveTags) == 0 && c.Note == "" {
		return &pageError{http.StatusBadRequest, "error.badrequest"}
	}
	if err := w.Store.ChangeInbox(r.Context(), v.Workspace.ID, []int64{it.ID}, c); err != nil {
		if errors.Is(err, vigie.ErrInvalid) {
			return w.renderItem(rw, r, v, it, http.StatusBadRequest, itemForm{Error: publicError(err)})
		}
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, fmt.Sprintf("inbox/%d", it.ID)), http.StatusSeeOther)
	return nil
}

// replyInboxItem answers the item through the publishing workflow: a
// post that the workspace's approval rule then holds or publishes.
func (w *Web) replyInboxItem(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.CanInbox() {
		return errForbidden
	}
	it, err := w.findInboxItem(r, v)
	if err != nil {
		return err
	}
	if w.Publishing == nil {
		return errNotFound
	}
	text := r.PostFormValue("text")
	var accountID int64
	if raw := r.PostFormValue("account"); raw != "" && it.MentionID != 0 {
		if accountID, err = strconv.ParseInt(raw, 10, 64); err != nil || accountID <= 0 {
			return w.renderItem(rw, r, v, it, http.StatusBadRequest, itemForm{Error: v.T("inbox.reply.account"), Text: text})
		}
	}
	actor := publish.Actor{UserID: v.User.ID, Name: userName(v), Role: v.Role}
	p, err := w.Publishing.Reply(r.Context(), v.Workspace.ID, it.ID, actor, text, accountID)
	switch {
	case publish.IsForbidden(err):
		return errForbidden
	case errors.Is(err, vigie.ErrInvalid):
		return w.renderItem(rw, r, v, it, http.StatusBadRequest, itemForm{Error: publicError(err), Text: text})
	case err != nil:
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, fmt.Sprintf("inbox/%d?done=reply&post=%d#replies", it.ID, p.ID)), http.StatusSeeOther)
	return nil
}

// saveSnippet creates a saved reply, or changes one.
func (w *Web) saveSnippet(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.CanInbox() {
		return errForbidden
	}
	name, text := r.PostFormValue("name"), r.PostFormValue("text")
	var err error
	if idp := r.PathValue("id"); idp != "" {
		id, perr := strconv.ParseInt(idp, 10, 64)
		if perr != nil {
			return errNotFound
		}
		_, err = w.Store.UpdateSnippet(r.Context(), v.Workspace.ID, id, name, text)
	} else {
		_, err = w.Store.CreateSnippet(r.Context(), vigie.Snippet{WorkspaceID: v.Workspace.ID, Kind: vigie.SnippetReply, Name: name, Text: text})
	}
	if errors.Is(err, vigie.ErrInvalid) {
		return &pageError{http.StatusBadRequest, "inbox.snippet.invalid"}
	}
	if err != nil {
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "inbox?done=snippet#snippets"), http.StatusSeeOther)
	return nil
}

func (w *Web) deleteSnippet(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.CanInbox() {
		return errForbidden
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := w.Store.DeleteSnippet(r.Context(), v.Workspace.ID, id); err != nil {
		return err
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, "inbox?done=snippetdeleted#snippets"), http.StatusSeeOther)
	return nil
}

// mentionToInbox sends a listening mention to the inbox (once), and goes
// back to the stream, which links to the item.
func (w *Web) mentionToInbox(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.CanInbox() {
		return errForbidden
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	m, err := w.Store.FindMention(r.Context(), v.Workspace.ID, id)
	if err != nil {
		return err
	}
	it, err := w.Store.SendToInbox(r.Context(), v.Workspace.ID, m, userName(v))
	if err != nil {
		return err
	}
	w.Live.Notify()
	if r.PostFormValue("then") == "reply" {
		// "Reply" on a mention: its item, with the cursor in the reply box.
		http.Redirect(rw, r, workspacePath(v.Workspace, "inbox/"+strconv.FormatInt(it.ID, 10))+"#reply", http.StatusSeeOther)
		return nil
	}
	next := safeNext(r.PostFormValue("next"))
	if !strings.HasPrefix(next, workspacePath(v.Workspace, "mentions")) {
		next = workspacePath(v.Workspace, "mentions")
	}
	next, _, _ = strings.Cut(next, "#")
	http.Redirect(rw, r, withParam(next, "inbox", strconv.FormatInt(it.ID, 10))+"#m-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// sentToInbox is the item a mention was just sent to (the stream's
// notice links to it), if the URL says one.
func sentToInbox(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.URL.Query().Get("inbox"), 10, 64)
	return max(id, 0)
}
