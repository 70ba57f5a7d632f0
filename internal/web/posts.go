package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/publish"
	"github.com/vigie-project/vigie/internal/store"
)

// The posts to publish (issue 13): the list by status, the composer (new
// and edit), a post's page with its workflow's actions, and its live
// state while it is published.

// postTabs are the posts page's tabs, in order, and the statuses each
// shows.
var postTabs = []struct {
	Name     string
	Statuses []vigie.PostStatus
}{
	{"pending_approval", []vigie.PostStatus{vigie.PostPendingApproval}},
	{"scheduled", []vigie.PostStatus{vigie.PostScheduled, vigie.PostPublishing}},
	{"draft", []vigie.PostStatus{vigie.PostDraft}},
	{"changes_requested", []vigie.PostStatus{vigie.PostChangesAsked}},
	{"published", []vigie.PostStatus{vigie.PostPublished}},
	{"failed", []vigie.PostStatus{vigie.PostFailed}},
}

// postLanguages are the composer's languages, the workspace's usual ones
// first.
var postLanguages = []string{"fr", "de", "en", "it", "rm", "es", "pt", "nl", "ar", "zh", "ja"}

// uploadLimit bounds a composer's body: 4 images of 8 MB and the text.
const uploadLimit = publish.MaxMedia*publish.MaxImageBytes + 1<<20

// composerUpload reports whether path takes the composer's multipart
// form (a new post with its images).
func composerUpload(path string) bool {
	rest, ok := strings.CutPrefix(path, "/w/")
	if !ok {
		return false
	}
	_, tail, ok := strings.Cut(rest, "/")
	return ok && tail == "posts"
}

type postRow struct {
	P        vigie.Publication
	When     string
	Accounts string
}

func (w *Web) postRows(v *visit, list []vigie.Publication) []postRow {
	loc := workspaceZone(v.Workspace)
	rows := make([]postRow, len(list))
	for i, p := range list {
		rows[i] = postRow{P: p, When: postTime(p).In(loc).Format("2006-01-02 15:04")}
		if p.ScheduledAt.IsZero() && p.Status != vigie.PostPublished {
			rows[i].When = v.T("posts.asap")
		}
		var hs []string
		for _, t := range p.Targets {
			hs = append(hs, t.Handle)
		}
		rows[i].Accounts = strings.Join(hs, ", ")
	}
	return rows
}

// postTime is when a post is (to be) published: its first target's
// publication, else its schedule, else its creation.
func postTime(p vigie.Publication) time.Time {
	for _, t := range p.Targets {
		if !t.PublishedAt.IsZero() {
			return t.PublishedAt
		}
	}
	if !p.ScheduledAt.IsZero() {
		return p.ScheduledAt
	}
	return p.CreatedAt
}

func (w *Web) postsPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	tab := r.URL.Query().Get("status")
	f := store.PublicationFilter{WorkspaceID: v.Workspace.ID, Limit: 200}
	found := false
	for _, t := range postTabs {
		if t.Name == tab {
			f.Statuses, found = t.Statuses, true
		}
	}
	if !found {
		tab = ""
	}
	list, err := w.Store.FindPublications(r.Context(), f)
	if err != nil {
		return err
	}
	tabs := make([]string, len(postTabs))
	for i, t := range postTabs {
		tabs[i] = t.Name
	}
	return w.render(rw, v, http.StatusOK, "posts", map[string]any{"Posts": w.postRows(v, list), "Tab": tab, "Tabs": tabs,
		"CanWrite": v.Can(account.Publish), "CanSettings": true})
}

// composeForm is the composer's state: what the user wrote, kept when
// the post is refused.
type composeForm struct {
	ID             int64 // 0 for a new post
	Accounts       []vigie.Account
	Selected       []int64
	Text           string
	Variants       map[int64]string
	ContentWarning string
	Language       string
	When           string // datetime-local in the workspace's time zone
	Languages      []string
	Error          string
	NeedsApproval  bool
	Zone           string
	Images         bool // new posts take images
	MaxMedia       int
	HadImages      bool
	Snippets       []vigie.Snippet // saved texts the composer inserts
}

func (f *composeForm) IsSelected(id int64) bool { return slices.Contains(f.Selected, id) }
func (f *composeForm) Variant(id int64) string  { return f.Variants[id] }

func (w *Web) newComposeForm(r *http.Request, v *visit) (*composeForm, error) {
	all, err := w.Store.FindAccounts(r.Context(), v.Workspace.ID)
	if err != nil {
		return nil, err
	}
	// Only the accounts this member may publish with (an account kept to
	// administrators is not offered to editors).
	var accounts []vigie.Account
	for _, a := range all {
		if publish.AtLeast(v.Role, a.PublishRole) {
			accounts = append(accounts, a)
		}
	}
	settings, err := w.Store.PublishSettings(r.Context(), v.Workspace.ID)
	if err != nil {
		return nil, err
	}
	steps := settings.Steps()
	approver := publish.AtLeast(v.Role, settings.ApproverRole)
	snippets, err := w.Store.FindSnippets(r.Context(), v.Workspace.ID, "")
	if err != nil {
		return nil, err
	}
	return &composeForm{Accounts: accounts, Variants: map[int64]string{}, Languages: postLanguages,
		NeedsApproval: !(steps == 0 || (approver && steps == 1)), Zone: workspaceZone(v.Workspace).String(), Images: true, MaxMedia: publish.MaxMedia,
		Snippets: snippets}, nil
}

// composer shows the form for a new post; ?quote=<mention id> begins it
// with that mention's address.
func (w *Web) composer(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.Publish) {
		return errForbidden
	}
	f, err := w.newComposeForm(r, v)
	if err != nil {
		return err
	}
	if q := r.URL.Query().Get("quote"); q != "" {
		id, err := strconv.ParseInt(q, 10, 64)
		if err != nil {
			return errNotFound
		}
		m, err := w.Store.FindMention(r.Context(), v.Workspace.ID, id)
		if err != nil {
			return err
		}
		f.Text = "\n\n" + m.Post.URL
	}
	if len(f.Accounts) == 1 {
		f.Selected = []int64{f.Accounts[0].ID}
	}
	return w.render(rw, v, http.StatusOK, "compose", map[string]any{"F": f})
}

// readCompose reads the composer's fields into f.
func readCompose(r *http.Request, f *composeForm) {
	f.Text = r.PostFormValue("text")
	f.ContentWarning = strings.TrimSpace(r.PostFormValue("content_warning"))
	f.Language = strings.TrimSpace(r.PostFormValue("language"))
	f.When = strings.TrimSpace(r.PostFormValue("scheduled_at"))
	f.Selected = nil
	for _, s := range r.PostForm["account"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && !slices.Contains(f.Selected, id) {
			f.Selected = append(f.Selected, id)
		}
	}
	for _, id := range f.Selected {
		if s := strings.TrimSpace(r.PostFormValue(fmt.Sprintf("variant-%d", id))); s != "" {
			f.Variants[id] = s
		}
	}
}

// readWhen reads a datetime-local field in the workspace's time zone.
func readWhen(v *visit, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	loc := workspaceZone(v.Workspace)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New(v.T("compose.badtime", s))
}

// readImages reads the composer's images, each with its required
// alternative text.
func readImages(r *http.Request, v *visit) ([]store.NewMedia, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []store.NewMedia
	for i := 1; i <= publish.MaxMedia+1; i++ {
		files := r.MultipartForm.File[fmt.Sprintf("image%d", i)]
		if len(files) == 0 || files[0].Size == 0 {
			continue
		}
		if i > publish.MaxMedia {
			return nil, errors.New(v.T("compose.toomanyimages", publish.MaxMedia))
		}
		fh := files[0]
		if fh.Size > publish.MaxImageBytes {
			return nil, errors.New(v.T("compose.imagetoolarge", i, publish.MaxImageBytes>>20))
		}
		alt := strings.TrimSpace(r.PostFormValue(fmt.Sprintf("alt%d", i)))
		if alt == "" {
			return nil, errors.New(v.T("compose.altneeded", i))
		}
		file, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(file, publish.MaxImageBytes+1))
		file.Close()
		if err != nil {
			return nil, err
		}
		mime := http.DetectContentType(data)
		if !slices.Contains([]string{"image/png", "image/jpeg", "image/gif", "image/webp"}, mime) {
			return nil, errors.New(v.T("compose.imagetype", i))
		}
		out = append(out, store.NewMedia{MIME: mime, Alt: alt, Data: data})
	}
	return out, nil
}

// createPost saves the composer's post: a draft, submitted, or given the
// next free slot of the queue.
func (w *Web) createPost(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.Publish) || w.Publishing == nil {
		return errForbidden
	}
	f, err := w.newComposeForm(r, v)
	if err != nil {
		return err
	}
	readCompose(r, f)
	refuse := func(msg string) error {
		f.Error = msg
		f.HadImages = r.MultipartForm != nil && len(r.MultipartForm.File) > 0
		return w.render(rw, v, http.StatusBadRequest, "compose", map[string]any{"F": f})
	}
	media, err := readImages(r, v)
	if err != nil {
		return refuse(err.Error())
	}
	at, err := readWhen(v, f.When)
	if err != nil {
		return refuse(err.Error())
	}
	action := r.PostFormValue("action")
	if action == "queue" {
		slot, ok, err := publish.QueueSlot(r.Context(), w.Store, v.Workspace.ID, workspaceZone(v.Workspace), w.Now(), f.Selected)
		if err != nil {
			return err
		}
		if !ok {
			return refuse(v.T("compose.noslot"))
		}
		at = slot
		f.When = slot.In(workspaceZone(v.Workspace)).Format("2006-01-02T15:04")
	}
	if len(f.Selected) == 0 {
		return refuse(v.T("compose.noaccount"))
	}
	c := publish.Compose{Accounts: f.Selected, Text: f.Text, Variants: f.Variants, Language: f.Language, ContentWarning: f.ContentWarning,
		ScheduledAt: at, Draft: action == "draft", Media: media}
	p, err := w.Publishing.Create(r.Context(), v.Workspace.ID, publishActor(v), c)
	if err != nil {
		if isInvalid(err) {
			return refuse(publicError(err))
		}
		return publishFail(err)
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, fmt.Sprintf("posts/%d", p.ID)), http.StatusSeeOther)
	return nil
}

func (w *Web) findPost(r *http.Request, v *visit) (vigie.Publication, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return vigie.Publication{}, errNotFound
	}
	return w.Store.FindPublication(r.Context(), v.Workspace.ID, id)
}

// locked reports whether a post began to be published.
func locked(p vigie.Publication) bool {
	if p.Status == vigie.PostPublishing || p.Status == vigie.PostPublished {
		return true
	}
	for _, t := range p.Targets {
		if t.State == vigie.TargetPublishing || t.State == vigie.TargetPublished {
			return true
		}
	}
	return false
}

// editPage shows the composer on a post not yet being published.
func (w *Web) editPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.Publish) {
		return errForbidden
	}
	p, err := w.findPost(r, v)
	if err != nil {
		return err
	}
	f, err := w.newComposeForm(r, v)
	if err != nil {
		return err
	}
	f.ID, f.Text, f.ContentWarning, f.Language, f.Images = p.ID, p.Text, p.ContentWarning, p.Language, false
	if !p.ScheduledAt.IsZero() {
		f.When = p.ScheduledAt.In(workspaceZone(v.Workspace)).Format("2006-01-02T15:04")
	}
	for _, t := range p.Targets {
		f.Selected = append(f.Selected, t.AccountID)
		if t.Text != "" {
			f.Variants[t.AccountID] = t.Text
		}
	}
	if locked(p) {
		return w.renderPost(rw, r, v, http.StatusConflict, p, v.T("post.locked"))
	}
	return w.render(rw, v, http.StatusOK, "compose", map[string]any{"F": f})
}

// updatePost saves the composer's changes to a post: its texts, language,
// content warning and time (its accounts and images stay).
func (w *Web) updatePost(rw http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.Can(account.Publish) || w.Publishing == nil {
		return errForbidden
	}
	p, err := w.findPost(r, v)
	if err != nil {
		return err
	}
	f, err := w.newComposeForm(r, v)
	if err != nil {
		return err
	}
	f.ID, f.Images = p.ID, false
	readCompose(r, f)
	f.Selected = nil
	for _, t := range p.Targets {
		f.Selected = append(f.Selected, t.AccountID)
		if s := strings.TrimSpace(r.PostFormValue(fmt.Sprintf("variant-%d", t.AccountID))); s != "" {
			f.Variants[t.AccountID] = s
		} else {
			f.Variants[t.AccountID] = ""
		}
	}
	refuse := func(msg string) error {
		f.Error = msg
		return w.render(rw, v, http.StatusBadRequest, "compose", map[string]any{"F": f})
	}
	at, err := readWhen(v, f.When)
	if err != nil {
		return refuse(err.Error())
	}
	e := publish.Edit{Text: &f.Text, Variants: f.Variants, Language: &f.Language, ContentWarning: &f.ContentWarning, ScheduledAt: &at}
	if _, err := w.Publishing.Update(r.Context(), v.Workspace.ID, p.ID, publishActor(v), e); err != nil {
		switch {
		case isInvalid(err):
			return refuse(publicError(err))
		case errors.Is(err, vigie.ErrConflict):
			return w.renderPost(rw, r, v, http.StatusConflict, p, publicError(err))
		}
		return publishFail(err)
	}
	if r.PostFormValue("action") == "submit" {
		if cur, err := w.Store.FindPublication(r.Context(), v.Workspace.ID, p.ID); err == nil && (cur.Status == vigie.PostDraft || cur.Status == vigie.PostChangesAsked) {
			if _, err := w.Publishing.Submit(r.Context(), v.Workspace.ID, p.ID, publishActor(v)); err != nil {
				return w.postFail(rw, r, v, p, err)
			}
		}
	}
	http.Redirect(rw, r, workspacePath(v.Workspace, fmt.Sprintf("posts/%d", p.ID)), http.StatusSeeOther)
	return nil
}

// postFail shows a workflow's refusal on the post's page: a conflict or
// an invalid request with its message, a role's refusal as 403.
func (w *Web) postFail(rw http.ResponseWriter, r *http.Request, v *visit, p vigie.Publication, err error) error {
	if errors.Is(err, vigie.ErrConflict) || isInvalid(err) {
		status := http.StatusConflict
		if isInvalid(err) {
			status = http.StatusBadRequest
		}
		if cur, ferr := w.Store.FindPublication(r.Context(), v.Workspace.ID, p.ID); ferr == nil {
			p = cur
		}
		return w.renderPost(rw, r, v, status, p, publicError(err))
	}
	return publishFail(err)
}

// targetRow is a post's target as its page shows it.
type targetRow struct {
	T         vigie.PostTarget
	Published string
	NextTry   string
}

func (w *Web) postPage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	p, err := w.findPost(r, v)
	if err != nil {
		return err
	}
	notice := ""
	if n := r.URL.Query().Get("notice"); strings.HasPrefix(n, "post.") {
		notice = v.T(n)
	}
	return w.renderPostNotice(rw, r, v, http.StatusOK, p, "", notice)
}

func (w *Web) renderPost(rw http.ResponseWriter, r *http.Request, v *visit, status int, p vigie.Publication, msg string) error {
	return w.renderPostNotice(rw, r, v, status, p, msg, "")
}

func (w *Web) renderPostNotice(rw http.ResponseWriter, r *http.Request, v *visit, status int, p vigie.Publication, msg, notice string) error {
	settings, err := w.Store.PublishSettings(r.Context(), v.Workspace.ID)
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
	targets := make([]targetRow, len(p.Targets))
	for i, t := range p.Targets {
		targets[i] = targetRow{T: t, Published: when(t.PublishedAt), NextTry: when(t.NextTryAt)}
	}
	events := make([]timelineRow, len(p.Events))
	for i, e := range p.Events {
		events[i] = timelineRow{When: when(e.At), Kind: e.Kind, Label: eventLabel(v, e.Kind), By: e.By, Text: e.Body}
	}
	write := v.Can(account.Publish)
	// An account kept to administrators keeps its posts to them too.
	for _, t := range p.Targets {
		if a, err := w.Store.FindAccount(r.Context(), v.Workspace.ID, t.AccountID); err == nil && !publish.AtLeast(v.Role, a.PublishRole) {
			write = false
		}
	}
	approver := publish.AtLeast(v.Role, settings.ApproverRole)
	isLocked := locked(p)
	whenField := ""
	if !p.ScheduledAt.IsZero() {
		whenField = p.ScheduledAt.In(loc).Format("2006-01-02T15:04")
	}
	return w.render(rw, v, status, "post", map[string]any{
		"P": p, "Targets": targets, "Events": events, "Error": msg, "Notice": notice,
		"Scheduled": when(p.ScheduledAt), "WhenField": whenField, "Zone": loc.String(), "Created": when(p.CreatedAt),
		"CanEdit":    write && !isLocked,
		"CanSubmit":  write && (p.Status == vigie.PostDraft || p.Status == vigie.PostChangesAsked),
		"CanApprove": write && approver && p.Status == vigie.PostPendingApproval,
		"CanReview":  write && approver && (p.Status == vigie.PostPendingApproval || p.Status == vigie.PostScheduled) && !isLocked,
		"CanRetry":   write && p.Status == vigie.PostFailed,
		"CanDelete":  write && !isLocked,
		"Live":       p.Status == vigie.PostScheduled || p.Status == vigie.PostPublishing,
		"Signature":  postSignature(p),
	})
}

// postSignature changes when anything the post's page shows of its state
// does.
func postSignature(p vigie.Publication) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s.%d.%d.%d", p.Status, p.Version, len(p.Approvals), len(p.Events))
	for _, t := range p.Targets {
		fmt.Fprintf(&b, ".%s%d", t.State, t.Attempts)
	}
	return b.String()
}

// formVersion is the post's version the review form was made for.
func formVersion(r *http.Request) int {
	n, _ := strconv.Atoi(r.PostFormValue("version"))
	return n
}

// postAction runs a step of a post's workflow from its page.
func (w *Web) postAction(action string) handler {
	return func(rw http.ResponseWriter, r *http.Request, v *visit) error {
		if !v.Can(account.Publish) || w.Publishing == nil {
			return errForbidden
		}
		p, err := w.findPost(r, v)
		if err != nil {
			return err
		}
		ctx, ws, who := r.Context(), v.Workspace.ID, publishActor(v)
		notice := "post." + action + ".done"
		switch action {
		case "submit":
			_, err = w.Publishing.Submit(ctx, ws, p.ID, who)
		case "approve":
			_, err = w.Publishing.Approve(ctx, ws, p.ID, who, strings.TrimSpace(r.PostFormValue("comment")), formVersion(r))
		case "changes":
			_, err = w.Publishing.RequestChanges(ctx, ws, p.ID, who, strings.TrimSpace(r.PostFormValue("comment")), formVersion(r))
		case "retry":
			_, err = w.Publishing.Retry(ctx, ws, p.ID, who)
		case "reschedule":
			var at time.Time
			if at, err = readWhen(v, strings.TrimSpace(r.PostFormValue("scheduled_at"))); err != nil {
				return w.renderPost(rw, r, v, http.StatusBadRequest, p, err.Error())
			}
			_, err = w.Publishing.Update(ctx, ws, p.ID, who, publish.Edit{ScheduledAt: &at})
			if err == nil && r.Header.Get("Accept") == "application/json" {
				rw.Header().Set("Content-Type", "application/json")
				rw.Write([]byte(`{"ok":true}`))
				return nil
			}
		case "delete":
			if err = w.Publishing.Delete(ctx, ws, p.ID, who); err == nil {
				http.Redirect(rw, r, workspacePath(v.Workspace, "posts"), http.StatusSeeOther)
				return nil
			}
		}
		if err != nil {
			if action == "reschedule" && r.Header.Get("Accept") == "application/json" {
				status := http.StatusConflict
				if publish.IsForbidden(err) {
					status = http.StatusForbidden
				} else if isInvalid(err) {
					status = http.StatusBadRequest
				}
				http.Error(rw, publicError(err), status)
				return nil
			}
			return w.postFail(rw, r, v, p, err)
		}
		http.Redirect(rw, r, workspacePath(v.Workspace, fmt.Sprintf("posts/%d?notice=%s", p.ID, notice)), http.StatusSeeOther)
		return nil
	}
}

// postImage serves an image of a post of the workspace.
func (w *Web) postImage(rw http.ResponseWriter, r *http.Request, v *visit) error {
	p, err := w.findPost(r, v)
	if err != nil {
		return err
	}
	mid, err := strconv.ParseInt(r.PathValue("media"), 10, 64)
	if err != nil {
		return errNotFound
	}
	m, err := w.Store.PostImage(r.Context(), v.Workspace.ID, p.ID, mid)
	if err != nil {
		return err
	}
	if !slices.Contains([]string{"image/png", "image/jpeg", "image/gif", "image/webp"}, m.MIME) {
		return errNotFound
	}
	rw.Header().Set("Content-Type", m.MIME)
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	rw.Header().Set("Cache-Control", "private, max-age=3600")
	rw.Write(m.Data)
	return nil
}

// postLive streams a post's state: a "state" event with its signature at
// once and whenever it changes (the publisher's signal through the hub);
// the page then fetches itself again.
func (w *Web) postLive(rw http.ResponseWriter, r *http.Request, v *visit) error {
	p, err := w.findPost(r, v)
	if err != nil {
		return err
	}
	last := ""
	return w.liveStream(rw, r, v, 5*time.Second, func(ctx context.Context) (bool, error) {
		if last != "" { // the first state is the one just found
			if p, err = w.Store.FindPublication(ctx, v.Workspace.ID, p.ID); errors.Is(err, vigie.ErrNotFound) {
				return false, nil // deleted: the page's next load says so
			} else if err != nil {
				return false, err
			}
		}
		if sig := postSignature(p); sig != last {
			fmt.Fprintf(rw, "event: state\ndata: %s\n\n", sig)
			last = sig
		}
		return false, nil
	})
}

// eventLabel names a step of a post's history in the visit's language
// (a kind without words of its own keeps its name).
func eventLabel(v *visit, kind string) string {
	if _, ok := messages["en"]["postevent."+kind]; ok {
		return v.T("postevent." + kind)
	}
	return kind
}
