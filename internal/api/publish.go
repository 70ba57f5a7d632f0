package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/alert"
	"github.com/vigie-project/vigie/internal/publish"
	"github.com/vigie-project/vigie/internal/store"
)

// Connected accounts, posts to publish and the shared inbox (issue 13).

func (a *API) registerPublishing(route func(string, account.Action, func(http.ResponseWriter, *http.Request) error)) {
	if a.Publishing == nil {
		return
	}
	read, post, accounts, inbox := account.Read, account.Publish, account.ManageAccounts, account.HandleInbox
	route("GET /api/v1/accounts", read, a.listAccounts)
	route("POST /api/v1/accounts", accounts, a.connectAccount)
	route("GET /api/v1/accounts/{id}", read, a.getAccount)
	route("PATCH /api/v1/accounts/{id}", accounts, a.updateAccount)
	route("POST /api/v1/accounts/{id}/check", accounts, a.checkAccount)
	route("DELETE /api/v1/accounts/{id}", accounts, a.deleteAccount)
	route("GET /api/v1/posts", read, a.listPosts)
	route("POST /api/v1/posts", post, a.createPost)
	route("GET /api/v1/posts/{id}", read, a.getPost)
	route("PATCH /api/v1/posts/{id}", post, a.updatePost)
	route("DELETE /api/v1/posts/{id}", post, a.deletePost)
	route("POST /api/v1/posts/{id}/submit", post, a.postAction("submit"))
	route("POST /api/v1/posts/{id}/approve", post, a.postAction("approve"))
	route("POST /api/v1/posts/{id}/request-changes", post, a.postAction("request-changes"))
	route("POST /api/v1/posts/{id}/retry", post, a.postAction("retry"))
	route("GET /api/v1/publishing/settings", read, a.getPublishSettings)
	route("PUT /api/v1/publishing/settings", account.ManageMembers, a.setPublishSettings)
	route("GET /api/v1/inbox", read, a.listInbox)
	route("GET /api/v1/inbox/{id}", read, a.getInboxItem)
	route("PATCH /api/v1/inbox/{id}", inbox, a.changeInboxItem)
	route("POST /api/v1/inbox/bulk", inbox, a.bulkInbox)
	route("POST /api/v1/inbox/{id}/reply", inbox, a.replyInbox)
	route("POST /api/v1/mentions/{id}/inbox", inbox, a.mentionToInbox)
	route("GET /api/v1/members", read, a.listMembers)
}

// member is a member of the workspace as the API shows it: who an inbox
// item can be assigned to (assignee_id).
type member struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

func (a *API) listMembers(w http.ResponseWriter, r *http.Request) error {
	ms, err := a.Store.WorkspaceMembers(r.Context(), workspace(r))
	if err != nil {
		return err
	}
	out := make([]member, 0, len(ms))
	for _, m := range ms {
		// Names only: a read token does not learn colleagues' addresses.
		out = append(out, member{ID: m.User.ID, Name: m.User.Name, Role: m.Role})
	}
	writeJSON(w, http.StatusOK, map[string]any{"members": out})
	return nil
}

// publishActor is the token as the publishing workflow sees it.
func publishActor(r *http.Request) publish.Actor {
	p, _ := PrincipalFrom(r.Context())
	return publish.Actor{Name: "token:" + p.Name, Role: p.Role}
}

func (a *API) listAccounts(w http.ResponseWriter, r *http.Request) error {
	list, err := a.Store.FindAccounts(r.Context(), workspace(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": list})
	return nil
}

func (a *API) connectAccount(w http.ResponseWriter, r *http.Request) error {
	var in publish.Connect
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.InstanceURL != "" {
		if err := a.FetchPolicy.CheckURL(in.InstanceURL); err != nil && strings.Contains(in.InstanceURL, "://") {
			return &Error{Status: http.StatusBadRequest, Message: "instance_url: " + err.Error() + " (an administrator allows private addresses with VIGIE_ALLOW_PRIVATE_FETCH)"}
		}
	}
	acc, err := a.Publishing.ConnectAccount(r.Context(), workspace(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/accounts/"+strconv.FormatInt(acc.ID, 10))
	writeJSON(w, http.StatusCreated, acc)
	return nil
}

func (a *API) getAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "account")
	if err != nil {
		return err
	}
	acc, err := a.Store.FindAccount(r.Context(), workspace(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, acc)
	return nil
}

func (a *API) updateAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "account")
	if err != nil {
		return err
	}
	var in struct {
		PublishRole string `json:"publish_role"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.PublishRole != "editor" && in.PublishRole != "admin" {
		return &Error{Status: http.StatusBadRequest, Message: `publish_role must be "editor" or "admin"`}
	}
	acc, err := a.Store.UpdateAccount(r.Context(), workspace(r), id, store.AccountUpdate{PublishRole: in.PublishRole})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, acc)
	return nil
}

func (a *API) checkAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "account")
	if err != nil {
		return err
	}
	acc, err := a.Publishing.CheckAccount(r.Context(), workspace(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, acc)
	return nil
}

func (a *API) deleteAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "account")
	if err != nil {
		return err
	}
	if err := a.Store.DeleteAccount(r.Context(), workspace(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// postInput is a post as the API takes it; images come as base64 (data).
type postInput struct {
	Accounts       []int64           `json:"accounts"`
	Text           string            `json:"text"`
	Variants       map[string]string `json:"variants"`
	Language       string            `json:"language"`
	ContentWarning string            `json:"content_warning"`
	ScheduledAt    string            `json:"scheduled_at"`
	Draft          bool              `json:"draft"`
	Media          []struct {
		MIME string `json:"mime"`
		Alt  string `json:"alt"`
		Data []byte `json:"data"`
	} `json:"media"`
}

func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("scheduled_at %q is not an RFC 3339 time, such as 2026-12-24T09:00:00+01:00", s)}
	}
	return t.UTC(), nil
}

func variants(in map[string]string) (map[int64]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[int64]string, len(in))
	for k, v := range in {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil || id <= 0 {
			return nil, &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("variants: %q is not an account id", k)}
		}
		out[id] = v
	}
	return out, nil
}

func (a *API) createPost(w http.ResponseWriter, r *http.Request) error {
	var in postInput
	if err := decodeLimit(r, &in, 48<<20); err != nil {
		return err
	}
	at, err := parseWhen(in.ScheduledAt)
	if err != nil {
		return err
	}
	vs, err := variants(in.Variants)
	if err != nil {
		return err
	}
	c := publish.Compose{Accounts: in.Accounts, Text: in.Text, Variants: vs, Language: in.Language, ContentWarning: in.ContentWarning,
		ScheduledAt: at, Draft: in.Draft}
	for _, m := range in.Media {
		c.Media = append(c.Media, store.NewMedia{MIME: m.MIME, Alt: m.Alt, Data: m.Data})
	}
	p, err := a.Publishing.Create(r.Context(), workspace(r), publishActor(r), c)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/posts/"+strconv.FormatInt(p.ID, 10))
	writeJSON(w, http.StatusCreated, p)
	return nil
}

// decodeLimit is decode for a body of up to limit bytes (a post's images).
func decodeLimit(r *http.Request, v any, limit int64) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &Error{Status: http.StatusBadRequest, Message: "invalid JSON body: " + err.Error()}
	}
	return nil
}

func (a *API) listPosts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.PublicationFilter{WorkspaceID: workspace(r)}
	for _, st := range q["status"] {
		for _, s := range strings.Split(st, ",") {
			if !slices.Contains([]vigie.PostStatus{vigie.PostDraft, vigie.PostPendingApproval, vigie.PostChangesAsked, vigie.PostScheduled,
				vigie.PostPublishing, vigie.PostPublished, vigie.PostFailed}, vigie.PostStatus(s)) {
				return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf("status %q: one of draft, pending_approval, changes_requested, scheduled, publishing, published, failed", s)}
			}
			f.Statuses = append(f.Statuses, vigie.PostStatus(s))
		}
	}
	var err error
	if f.From, err = parseWhen(q.Get("from")); err != nil {
		return err
	}
	if f.To, err = parseWhen(q.Get("to")); err != nil {
		return err
	}
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 500 {
			return &Error{Status: http.StatusBadRequest, Message: "limit is a number from 1 to 500"}
		}
	}
	list, err := a.Store.FindPublications(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"posts": list})
	return nil
}

func (a *API) getPost(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "post")
	if err != nil {
		return err
	}
	p, err := a.Store.FindPublication(r.Context(), workspace(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (a *API) updatePost(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "post")
	if err != nil {
		return err
	}
	var in struct {
		Text           *string           `json:"text"`
		Variants       map[string]string `json:"variants"`
		Language       *string           `json:"language"`
		ContentWarning *string           `json:"content_warning"`
		ScheduledAt    *string           `json:"scheduled_at"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	e := publish.Edit{Text: in.Text, Language: in.Language, ContentWarning: in.ContentWarning}
	if e.Variants, err = variants(in.Variants); err != nil {
		return err
	}
	if in.ScheduledAt != nil {
		at, err := parseWhen(*in.ScheduledAt)
		if err != nil {
			return err
		}
		e.ScheduledAt = &at
	}
	p, err := a.Publishing.Update(r.Context(), workspace(r), id, publishActor(r), e)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (a *API) deletePost(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "post")
	if err != nil {
		return err
	}
	if err := a.Publishing.Delete(r.Context(), workspace(r), id, publishActor(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// postAction runs a step of the workflow: submit, approve, request-changes
// (with a comment) or retry.
func (a *API) postAction(action string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := int64Path(r, "id", "post")
		if err != nil {
			return err
		}
		var in struct {
			Comment string `json:"comment"`
			// Version is the version the reviewer read; a post changed
			// since is refused (409). Optional.
			Version int `json:"version"`
		}
		if r.ContentLength != 0 {
			if err := decode(r, &in); err != nil {
				return err
			}
		}
		ws, who := workspace(r), publishActor(r)
		var p vigie.Publication
		switch action {
		case "submit":
			p, err = a.Publishing.Submit(r.Context(), ws, id, who)
		case "approve":
			p, err = a.Publishing.Approve(r.Context(), ws, id, who, in.Comment, in.Version)
		case "request-changes":
			p, err = a.Publishing.RequestChanges(r.Context(), ws, id, who, in.Comment, in.Version)
		case "retry":
			p, err = a.Publishing.Retry(r.Context(), ws, id, who)
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, p)
		return nil
	}
}

func (a *API) getPublishSettings(w http.ResponseWriter, r *http.Request) error {
	s, err := a.Store.PublishSettings(r.Context(), workspace(r))
	if err != nil {
		return err
	}
	s.Channels = alert.MaskChannels(s.Channels)
	writeJSON(w, http.StatusOK, s)
	return nil
}

func (a *API) setPublishSettings(w http.ResponseWriter, r *http.Request) error {
	stored, err := a.Store.PublishSettings(r.Context(), workspace(r))
	if err != nil {
		return err
	}
	// The fields given change; the others keep their values (a body with
	// only "approval" does not turn the first-response target off).
	in := stored
	in.Channels = alert.MaskChannels(stored.Channels)
	if err := decode(r, &in); err != nil {
		return err
	}
	// Credentials given back as they were shown (masked) keep their value.
	in.Channels = alert.KeepMasked(stored.Channels, in.Channels)
	if err := publish.CheckSettings(&in); err != nil {
		return err
	}
	if err := alert.CheckChannels(a.FetchPolicy, in.Channels); err != nil {
		return err
	}
	if err := a.Store.SetPublishSettings(r.Context(), workspace(r), in); err != nil {
		return err
	}
	in.Channels = alert.MaskChannels(in.Channels)
	writeJSON(w, http.StatusOK, in)
	return nil
}

func (a *API) listInbox(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.InboxFilter{WorkspaceID: workspace(r), Tag: q.Get("tag")}
	for _, st := range q["status"] {
		f.Statuses = append(f.Statuses, strings.Split(st, ",")...)
	}
	if err := (store.InboxChange{}).Validate(); err != nil {
		return err
	}
	for _, st := range f.Statuses {
		if err := (store.InboxChange{Status: st}).Validate(); err != nil {
			return err
		}
	}
	var err error
	switch v := q.Get("assignee"); v {
	case "":
	case "none":
		f.AssigneeID = -1
	default:
		if f.AssigneeID, err = strconv.ParseInt(v, 10, 64); err != nil || f.AssigneeID <= 0 {
			return &Error{Status: http.StatusBadRequest, Message: `assignee is a user id, or "none"`}
		}
	}
	if v := q.Get("account"); v != "" {
		if f.AccountID, err = strconv.ParseInt(v, 10, 64); err != nil || f.AccountID <= 0 {
			return &Error{Status: http.StatusBadRequest, Message: "account is an account id"}
		}
	}
	if v := q.Get("before"); v != "" {
		if f.BeforeID, err = strconv.ParseInt(v, 10, 64); err != nil || f.BeforeID <= 0 {
			return &Error{Status: http.StatusBadRequest, Message: "before is an item id"}
		}
	}
	items, err := a.Store.FindInbox(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (a *API) getInboxItem(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "inbox item")
	if err != nil {
		return err
	}
	it, err := a.Store.FindInboxItem(r.Context(), workspace(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, it)
	return nil
}

// inboxInput is a change to inbox items; assignee_id 0 unassigns.
type inboxInput struct {
	IDs        []int64  `json:"ids,omitempty"`
	Status     string   `json:"status"`
	AssigneeID *int64   `json:"assignee_id"`
	AddTags    []string `json:"add_tags"`
	RemoveTags []string `json:"remove_tags"`
	Note       string   `json:"note"`
}

func (in inboxInput) change(r *http.Request) store.InboxChange {
	return store.InboxChange{Status: in.Status, AssigneeID: in.AssigneeID, AddTags: in.AddTags, RemoveTags: in.RemoveTags, Note: in.Note, By: actor(r.Context())}
}

func (a *API) changeInboxItem(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "inbox item")
	if err != nil {
		return err
	}
	var in inboxInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := a.Store.ChangeInbox(r.Context(), workspace(r), []int64{id}, in.change(r)); err != nil {
		return err
	}
	return a.getInboxItem(w, r)
}

func (a *API) bulkInbox(w http.ResponseWriter, r *http.Request) error {
	var in inboxInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if len(in.IDs) == 0 || len(in.IDs) > 500 {
		return &Error{Status: http.StatusBadRequest, Message: "ids: from 1 to 500 item ids"}
	}
	if err := a.Store.ChangeInbox(r.Context(), workspace(r), in.IDs, in.change(r)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"changed": len(in.IDs)})
	return nil
}

func (a *API) replyInbox(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "inbox item")
	if err != nil {
		return err
	}
	var in struct {
		Text      string `json:"text"`
		AccountID int64  `json:"account_id"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := a.Publishing.Reply(r.Context(), workspace(r), id, publishActor(r), in.Text, in.AccountID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (a *API) mentionToInbox(w http.ResponseWriter, r *http.Request) error {
	id, err := int64Path(r, "id", "mention")
	if err != nil {
		return err
	}
	m, err := a.Store.FindMention(r.Context(), workspace(r), id)
	if err != nil {
		return err
	}
	it, err := a.Store.SendToInbox(r.Context(), workspace(r), m, actor(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, it)
	return nil
}
