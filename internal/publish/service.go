// Package publish is the organisation's publishing: connected accounts,
// posts through their approval workflow, the publisher that sends each
// post exactly once, and the shared inbox's reading of the accounts'
// notifications. The web app and the API both go through Service; the
// network clients plug in through Client (wired by cmd, like connectors).
package publish

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/netguard"
	"github.com/vigie-project/vigie/internal/store"
)

// Client is a network's publishing API (internal/mastodon, internal/
// bluesky). A client may change link.Secrets (a refreshed session); the
// caller saves them.
type Client interface {
	// Verify checks the credentials and describes the account.
	Verify(ctx context.Context, link *vigie.AccountLink) (vigie.Profile, error)
	// Publish sends d, with its idempotency key, and returns the post.
	Publish(ctx context.Context, link *vigie.AccountLink, d vigie.Draft) (vigie.RemotePost, error)
	// Lookup finds d if an earlier attempt published it (ok false: not).
	Lookup(ctx context.Context, link *vigie.AccountLink, d vigie.Draft) (vigie.RemotePost, bool, error)
	// Notifications reads what was said to the account since cursor,
	// oldest first, and the cursor after them.
	Notifications(ctx context.Context, link *vigie.AccountLink, cursor string) ([]vigie.Notification, string, error)
	// Length counts text as the network does against lim.MaxChars.
	Length(text string, lim vigie.AccountLimits) int
}

// Actor is who asks: a member of the workspace or an API token.
type Actor struct {
	UserID int64
	Name   string
	Role   account.Role
}

// Service is the publishing workflow over the store.
type Service struct {
	Store   *store.Store
	Clients map[vigie.Network]Client
	// Wake tells the publisher that a post may be due now.
	Wake func()
	Now  func() time.Time
}

func (s *Service) now() time.Time { return utcNow(s.Now) }

func (s *Service) wake() {
	if s.Wake != nil {
		s.Wake()
	}
}

// rank orders roles: a role may do what needs a role of lower or equal rank.
func rank(r account.Role) int {
	switch r {
	case account.Admin:
		return 3
	case account.Editor:
		return 2
	case account.Viewer:
		return 1
	}
	return 0
}

func atLeast(r account.Role, min string) bool { return rank(r) >= rank(account.Role(min)) }

// AtLeast reports whether role r is min or above (admin > editor >
// viewer): who may approve, who may publish with an account.
func AtLeast(r account.Role, min string) bool { return atLeast(r, min) }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{vigie.ErrInvalid}, args...)...)
}

// Connect is a request to connect an account.
type Connect struct {
	Network vigie.Network `json:"network"`
	// InstanceURL is the Mastodon server, or the Bluesky PDS (default
	// https://bsky.social).
	InstanceURL string `json:"instance_url"`
	AccessToken string `json:"access_token"` // Mastodon
	Identifier  string `json:"identifier"`   // Bluesky handle or DID
	AppPassword string `json:"app_password"` // Bluesky
	PublishRole string `json:"publish_role"` // editor (default) or admin
}

// maxCredential bounds a pasted credential.
const maxCredential = 4096

// ConnectAccount checks the credentials against the network and connects
// the account to the workspace.
func (s *Service) ConnectAccount(ctx context.Context, workspaceID int64, c Connect) (vigie.Account, error) {
	client, ok := s.Clients[c.Network]
	if !ok {
		return vigie.Account{}, invalid("network %q: Vigie publishes on mastodon and bluesky", c.Network)
	}
	if c.Network == vigie.NetworkBluesky && c.InstanceURL == "" {
		c.InstanceURL = "https://bsky.social"
	}
	server, err := serverURL(c.InstanceURL)
	if err != nil {
		return vigie.Account{}, err
	}
	role := c.PublishRole
	if role == "" {
		role = string(account.Editor)
	}
	if role != string(account.Editor) && role != string(account.Admin) {
		return vigie.Account{}, invalid("publish_role %q must be editor or admin", role)
	}
	link := vigie.AccountLink{Network: c.Network, ServerURL: server}
	switch c.Network {
	case vigie.NetworkMastodon:
		if strings.TrimSpace(c.AccessToken) == "" {
			return vigie.Account{}, invalid("access_token is missing: create one in Mastodon (Preferences → Development → New application, scopes read and write) and paste it")
		}
		link.Secrets.AccessToken = strings.TrimSpace(c.AccessToken)
	case vigie.NetworkBluesky:
		if strings.TrimSpace(c.Identifier) == "" || strings.TrimSpace(c.AppPassword) == "" {
			return vigie.Account{}, invalid("identifier and app_password are needed: create an app password in Bluesky (Settings → Privacy and security → App passwords)")
		}
		link.Identifier, link.Secrets.AppPassword = strings.TrimSpace(c.Identifier), strings.TrimSpace(c.AppPassword)
	}
	if len(link.Secrets.AccessToken) > maxCredential || len(link.Secrets.AppPassword) > maxCredential || len(link.Identifier) > 300 {
		return vigie.Account{}, invalid("a credential of more than %d bytes is not one", maxCredential)
	}
	prof, err := client.Verify(ctx, &link)
	if err != nil {
		if IsAuth(err) {
			return vigie.Account{}, fmt.Errorf("%w: %s refused the credentials: %v", vigie.ErrInvalid, c.Network, err)
		}
		return vigie.Account{}, fmt.Errorf("%w: could not check the account with %s: %v (is the address right, and can this Vigie reach it?)", vigie.ErrInvalid, server, err)
	}
	// Connecting an account that is connected already gives it the new
	// credentials ("connect it again" after a refusal): its posts and
	// inbox stay.
	if old, err := s.Store.FindAccountByRemote(ctx, workspaceID, c.Network, server, prof.RemoteID); err == nil {
		return s.Store.UpdateAccount(ctx, workspaceID, old.ID, store.AccountUpdate{Secrets: &link.Secrets, Profile: &prof, PublishRole: c.PublishRole})
	} else if !errors.Is(err, vigie.ErrNotFound) {
		return vigie.Account{}, err
	}
	return s.Store.CreateAccount(ctx, vigie.Account{WorkspaceID: workspaceID, Network: c.Network, ServerURL: server, Identifier: link.Identifier,
		RemoteID: prof.RemoteID, Handle: prof.Handle, DisplayName: prof.DisplayName, ProfileURL: prof.URL, Limits: prof.Limits,
		PublishRole: role, Secrets: link.Secrets})
}

// CheckAccount verifies an account's credentials again and refreshes its
// description and limits; a refusal marks it, a transient error does not.
func (s *Service) CheckAccount(ctx context.Context, workspaceID, id int64) (vigie.Account, error) {
	a, err := s.Store.FindAccount(ctx, workspaceID, id)
	if err != nil {
		return a, err
	}
	client, ok := s.Clients[a.Network]
	if !ok {
		return a, invalid("network %q is not compiled in", a.Network)
	}
	link := a.Link()
	prof, err := client.Verify(ctx, &link)
	if link.Secrets != a.Secrets {
		if err := s.Store.SaveAccountSecrets(ctx, workspaceID, id, link.Secrets); err != nil {
			return a, err
		}
	}
	if err != nil {
		if herr := s.Store.AccountHealth(ctx, workspaceID, id, s.now(), false, err, IsAuth(err)); herr != nil {
			return a, herr
		}
		return s.Store.FindAccount(ctx, workspaceID, id)
	}
	return s.Store.UpdateAccount(ctx, workspaceID, id, store.AccountUpdate{Profile: &prof})
}

// serverURL checks a server's address: https (http only for loopback,
// which the fetch policy still has to allow), no credentials, no query.
func serverURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", invalid("instance_url is missing: the address of the account's server, such as https://mastodon.social")
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", invalid("instance_url %q is not a server's address (such as https://mastodon.social)", raw)
	}
	if u.Scheme == "http" && !netguard.LoopbackHost(u.Hostname()) {
		return "", invalid("instance_url %q: credentials go over https only", raw)
	}
	return u.Scheme + "://" + u.Host + strings.TrimSuffix(u.Path, "/"), nil
}

// Compose is a post as written in the composer or sent to the API.
type Compose struct {
	Accounts []int64 `json:"accounts"`
	Text     string  `json:"text"`
	// Variants are per-account texts (account id → text); an account
	// without one publishes Text.
	Variants       map[int64]string `json:"variants,omitempty"`
	Language       string           `json:"language,omitempty"`
	ContentWarning string           `json:"content_warning,omitempty"`
	ScheduledAt    time.Time        `json:"scheduled_at,omitzero"`
	// Draft keeps the post as a draft: not submitted for approval.
	Draft bool             `json:"draft,omitempty"`
	Media []store.NewMedia `json:"-"`
	Reply *vigie.RemoteRef `json:"-"`
	Inbox int64            `json:"-"`
}

// Limits on a post, besides each network's.
const (
	MaxMedia      = 4
	MaxImageBytes = 8 << 20
	maxText       = 20000
)

// check validates c against the accounts it names (which it returns).
func (s *Service) check(ctx context.Context, workspaceID int64, actor Actor, c *Compose) ([]vigie.Account, error) {
	if len(c.Accounts) == 0 {
		return nil, invalid("accounts is empty: name one or more connected accounts (GET /api/v1/accounts)")
	}
	if len(c.Accounts) > 20 {
		return nil, invalid("a post goes to at most 20 accounts")
	}
	c.Text = strings.TrimSpace(c.Text)
	if c.Text == "" && len(c.Media) == 0 {
		return nil, invalid("text is empty")
	}
	if !utf8.ValidString(c.Text) || len(c.Text) > maxText || !utf8.ValidString(c.ContentWarning) || len(c.ContentWarning) > 1000 {
		return nil, invalid("text must be UTF-8, at most %d bytes (a content warning at most 1,000)", maxText)
	}
	if strings.Contains(c.Text, "\x00") || strings.Contains(c.ContentWarning, "\x00") {
		return nil, invalid("the text holds a NUL character (\\u0000), which no network takes: remove it")
	}
	for id, v := range c.Variants {
		if !utf8.ValidString(v) || len(v) > maxText || strings.Contains(v, "\x00") {
			return nil, invalid("the variant for account %d must be UTF-8 without NUL characters, at most %d bytes", id, maxText)
		}
	}
	if c.Language != "" && (len(c.Language) > 35 || strings.ContainsAny(c.Language, " ,;\t\n\x00") || !utf8.ValidString(c.Language)) {
		return nil, invalid("language %q is not a language tag (such as fr or de-CH)", c.Language)
	}
	if len(c.Media) > MaxMedia {
		return nil, invalid("at most %d images", MaxMedia)
	}
	for i, m := range c.Media {
		if !slices.Contains([]string{"image/png", "image/jpeg", "image/gif", "image/webp"}, m.MIME) {
			return nil, invalid("image %d is %s: png, jpeg, gif or webp", i+1, m.MIME)
		}
		if len(m.Data) > MaxImageBytes {
			return nil, invalid("image %d has %d bytes; at most %d", i+1, len(m.Data), MaxImageBytes)
		}
		if sniffed := http.DetectContentType(m.Data); sniffed != m.MIME {
			return nil, invalid("image %d is declared %s but its bytes are %s: send the image itself", i+1, m.MIME, sniffed)
		}
		if !utf8.ValidString(m.Alt) || len(m.Alt) > 1500 || strings.Contains(m.Alt, "\x00") {
			return nil, invalid("image %d: alternative text must be UTF-8, at most 1,500 bytes", i+1)
		}
	}
	for id := range c.Variants {
		if !slices.Contains(c.Accounts, id) {
			return nil, invalid("a variant for account %d, which the post does not go to", id)
		}
	}
	var out []vigie.Account
	seen := map[int64]bool{}
	for _, id := range c.Accounts {
		if seen[id] {
			return nil, invalid("account %d is named twice", id)
		}
		seen[id] = true
		a, err := s.Store.FindAccount(ctx, workspaceID, id)
		if errors.Is(err, vigie.ErrNotFound) {
			return nil, invalid("account %d is not connected to this workspace (GET /api/v1/accounts lists them)", id)
		}
		if err != nil {
			return nil, err
		}
		if !atLeast(actor.Role, a.PublishRole) {
			return nil, fmt.Errorf("%w: only an %s may publish with %s", errForbidden, a.PublishRole, a.Handle)
		}
		text := c.Text
		if v := strings.TrimSpace(c.Variants[id]); v != "" {
			text = v
		}
		if err := fits(s.Clients[a.Network], a, text, len(c.Media)); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// fits checks text against an account's limits.
func fits(client Client, a vigie.Account, text string, media int) error {
	lim := a.Limits
	if client != nil && lim.MaxChars > 0 {
		if n := client.Length(text, lim); n > lim.MaxChars {
			return invalid("the text for %s has %d characters as %s counts them; at most %d", a.Handle, n, a.Network, lim.MaxChars)
		}
	}
	if lim.MaxBytes > 0 && len(text) > lim.MaxBytes {
		return invalid("the text for %s has %d bytes; %s takes at most %d", a.Handle, len(text), a.Network, lim.MaxBytes)
	}
	if lim.MaxMedia > 0 && media > lim.MaxMedia {
		return invalid("%s takes at most %d images", a.Handle, lim.MaxMedia)
	}
	return nil
}

// errForbidden is a role that may not do what it asks.
var errForbidden = errors.New("forbidden")

// IsForbidden reports whether err is a refusal for the asker's role.
func IsForbidden(err error) bool { return errors.Is(err, errForbidden) }

// Create stores a new post: a draft, or submitted — waiting for approval,
// or scheduled when the workspace's rules need none from its author.
func (s *Service) Create(ctx context.Context, workspaceID int64, actor Actor, c Compose) (vigie.Publication, error) {
	if actor.Role == account.Viewer || actor.Role == "" {
		return vigie.Publication{}, fmt.Errorf("%w: a viewer may not write posts", errForbidden)
	}
	accounts, err := s.check(ctx, workspaceID, actor, &c)
	if err != nil {
		return vigie.Publication{}, err
	}
	if err := s.checkTime(c.ScheduledAt); err != nil {
		return vigie.Publication{}, err
	}
	settings, err := s.Store.PublishSettings(ctx, workspaceID)
	if err != nil {
		return vigie.Publication{}, err
	}
	p := vigie.Publication{WorkspaceID: workspaceID, Kind: vigie.PostKindPost, Text: c.Text, Language: c.Language, ContentWarning: c.ContentWarning,
		ScheduledAt: c.ScheduledAt.UTC(), AuthorID: actor.UserID, AuthorName: actor.Name, AuthorRole: string(actor.Role), InboxItem: c.Inbox}
	if c.Reply != nil {
		p.Kind = vigie.PostKindReply
	}
	for _, a := range accounts {
		p.Targets = append(p.Targets, vigie.PostTarget{AccountID: a.ID, Text: strings.TrimSpace(c.Variants[a.ID]), ReplyTo: c.Reply})
	}
	event := vigie.PostEvent{Kind: "created", By: actor.Name}
	if c.Draft {
		p.Status = vigie.PostDraft
	} else {
		event = s.submit(&p, settings, actor)
	}
	out, err := s.Store.CreatePublication(ctx, store.NewPublication{Publication: p, Media: c.Media, Event: event})
	s.after(ctx, out, err, actor)
	return out, err
}

// after tells whoever must act on a post's new status: the publisher when
// it is scheduled, the approvers (the workspace's bell) when it waits for
// them. A failed notification does not undo the change.
func (s *Service) after(ctx context.Context, p vigie.Publication, err error, actor Actor) {
	if err != nil {
		return
	}
	if p.Status != vigie.PostPendingApproval {
		// Nobody is waited for any more: the bell's "waits for approval"
		// of this post is settled.
		_ = s.Store.SettlePostAlerts(ctx, p.WorkspaceID, p.ID, "approval", actor.Name)
	}
	switch p.Status {
	case vigie.PostScheduled:
		s.wake()
	case vigie.PostPendingApproval:
		_ = s.Store.NotifyPost(ctx, p.WorkspaceID, p.ID, "approval", fmt.Sprintf("Post %d waits for approval", p.ID),
			fmt.Sprintf("%s: %q (%d of %d approvals)", actor.Name, clip(p.Text), len(p.Approvals), p.Steps))
	case vigie.PostChangesAsked:
		_ = s.Store.NotifyPost(ctx, p.WorkspaceID, p.ID, "changes", fmt.Sprintf("Post %d: changes asked by %s", p.ID, actor.Name),
			fmt.Sprintf("for %s: %q", p.AuthorName, clip(p.Text)))
	}
}

// clip is the start of a post's text, for a notification.
func clip(s string) string {
	if c, cut := vigie.ClipRunes(s, 140); cut {
		return c + "…"
	}
	return s
}

// checkTime refuses a time to publish at that has passed (a minute's
// grace for clocks and forms) or is absurdly far.
func (s *Service) checkTime(at time.Time) error {
	if at.IsZero() {
		return nil
	}
	now := s.now()
	if at.Before(now.Add(-time.Minute)) {
		return invalid("scheduled_at %s has passed (it is %s): give a time to come, or none to publish as soon as approved", at.UTC().Format(time.RFC3339), now.Format(time.RFC3339))
	}
	if at.After(now.AddDate(2, 0, 0)) {
		return invalid("scheduled_at %s is more than two years ahead", at.UTC().Format(time.RFC3339))
	}
	return nil
}

// submit puts p in the approval workflow: the steps it needs, its
// author's approval when the author may approve, and its status.
func (s *Service) submit(p *vigie.Publication, settings vigie.PublishSettings, actor Actor) vigie.PostEvent {
	p.Steps = settings.Steps()
	if p.Kind == vigie.PostKindReply && !settings.RepliesNeedApproval {
		p.Steps = 0
	}
	p.Approvals = nil
	// The author who may approve counts as the first step; with two steps,
	// only a signed-in person does (a token names no one).
	if p.Steps > 0 && atLeast(actor.Role, settings.ApproverRole) && (p.Steps == 1 || actor.UserID != 0) {
		p.Approvals = []string{approver(actor)}
	}
	if len(p.Approvals) >= p.Steps {
		p.Status = vigie.PostScheduled
		ev := vigie.PostEvent{Kind: "scheduled", By: actor.Name, Body: schedule(p.ScheduledAt)}
		s.dueNow(p)
		return ev
	}
	p.Status = vigie.PostPendingApproval
	return vigie.PostEvent{Kind: "submitted", By: actor.Name, Body: fmt.Sprintf("waits for %d more approval(s) of %d", p.Steps-len(p.Approvals), p.Steps)}
}

// dueNow gives a post to publish as soon as it may its time: now, so that
// the calendar shows it where it went out.
func (s *Service) dueNow(p *vigie.Publication) {
	if p.ScheduledAt.IsZero() {
		p.ScheduledAt = s.now().Truncate(time.Second)
	}
}

func schedule(at time.Time) string {
	if at.IsZero() {
		return "to publish now"
	}
	return "for " + at.UTC().Format(time.RFC3339)
}

// approver names an approval: the user id keeps two people's apart when
// they have the same name.
func approver(a Actor) string {
	if a.UserID != 0 {
		return fmt.Sprintf("%s (#%d)", a.Name, a.UserID)
	}
	return a.Name
}

// editable refuses a change to a post that began to be published.
func editable(p *vigie.Publication) error {
	for _, t := range p.Targets {
		if t.State == vigie.TargetPublishing || t.State == vigie.TargetPublished {
			return fmt.Errorf("%w: %w", vigie.ErrConflict, store.ErrPostLocked)
		}
	}
	return nil
}

// Submit sends a draft (or a post whose changes were asked) to approval.
func (s *Service) Submit(ctx context.Context, workspaceID, id int64, actor Actor) (vigie.Publication, error) {
	settings, err := s.Store.PublishSettings(ctx, workspaceID)
	if err != nil {
		return vigie.Publication{}, err
	}
	out, err := s.Store.ChangePublication(ctx, workspaceID, id, func(p *vigie.Publication) (vigie.PostEvent, error) {
		if p.Status != vigie.PostDraft && p.Status != vigie.PostChangesAsked {
			return vigie.PostEvent{}, fmt.Errorf("%w: the post is %s, not a draft", vigie.ErrConflict, p.Status)
		}
		if err := s.mayEdit(actor, p); err != nil {
			return vigie.PostEvent{}, err
		}
		if err := s.mayPublish(ctx, workspaceID, actor, p); err != nil {
			return vigie.PostEvent{}, err
		}
		return s.submit(p, settings, actor), nil
	})
	s.after(ctx, out, err, actor)
	return out, err
}

// mayEdit: the author, or whoever may approve, changes a post.
func (s *Service) mayEdit(actor Actor, p *vigie.Publication) error {
	if actor.Role == account.Admin || (actor.UserID != 0 && actor.UserID == p.AuthorID) || (actor.UserID == 0 && actor.Name == p.AuthorName) {
		return nil
	}
	if actor.Role == account.Editor {
		return nil // editors work on each other's posts; approval guards publishing
	}
	return fmt.Errorf("%w: a viewer may not change posts", errForbidden)
}

// Approve approves the post's current version; the last approval needed
// schedules it. One person approves one step.
//
// version is the version the approver read (0: not said, as older API
// clients do): a post changed since is refused, so that an approval never
// goes to words its approver did not see.
func (s *Service) Approve(ctx context.Context, workspaceID, id int64, actor Actor, comment string, version int) (vigie.Publication, error) {
	settings, err := s.Store.PublishSettings(ctx, workspaceID)
	if err != nil {
		return vigie.Publication{}, err
	}
	if !atLeast(actor.Role, settings.ApproverRole) {
		return vigie.Publication{}, fmt.Errorf("%w: only an %s approves posts in this workspace", errForbidden, settings.ApproverRole)
	}
	if err := checkComment(comment); err != nil {
		return vigie.Publication{}, err
	}
	out, err := s.Store.ChangePublication(ctx, workspaceID, id, func(p *vigie.Publication) (vigie.PostEvent, error) {
		if p.Status != vigie.PostPendingApproval {
			return vigie.PostEvent{}, fmt.Errorf("%w: the post is %s, not waiting for approval", vigie.ErrConflict, p.Status)
		}
		if err := sameVersion(p, version); err != nil {
			return vigie.PostEvent{}, err
		}
		if p.Steps > 1 && actor.UserID == 0 {
			return vigie.PostEvent{}, fmt.Errorf("%w: with two approval steps, approvals are given by signed-in people, so that they are two (a token names no one)", errForbidden)
		}
		who := approver(actor)
		if slices.Contains(p.Approvals, who) {
			return vigie.PostEvent{}, fmt.Errorf("%w: you approved this version already; another person gives the next approval", vigie.ErrConflict)
		}
		p.Approvals = append(p.Approvals, who)
		body := fmt.Sprintf("step %d of %d", len(p.Approvals), p.Steps)
		if comment != "" {
			body += ": " + comment
		}
		if len(p.Approvals) >= p.Steps {
			p.Status = vigie.PostScheduled
			s.dueNow(p)
		}
		return vigie.PostEvent{Kind: "approved", By: actor.Name, Body: body}, nil
	})
	s.after(ctx, out, err, actor) // scheduled: the publisher; else the next step's approvers
	return out, err
}

// sameVersion refuses a review of another version than the one read.
func sameVersion(p *vigie.Publication, version int) error {
	if version != 0 && version != p.Version {
		return fmt.Errorf("%w: the post changed since you read it (you read version %d; it is at version %d): read it again", vigie.ErrConflict, version, p.Version)
	}
	return nil
}

// mayPublish refuses a change to a post by someone who may not publish
// with all its accounts (an account only admins publish with: its posts'
// time, retry and deletion are theirs too).
func (s *Service) mayPublish(ctx context.Context, workspaceID int64, actor Actor, p *vigie.Publication) error {
	for _, t := range p.Targets {
		a, err := s.Store.FindAccount(ctx, workspaceID, t.AccountID)
		if err != nil {
			return err
		}
		if !atLeast(actor.Role, a.PublishRole) {
			return fmt.Errorf("%w: only an %s may publish with %s", errForbidden, a.PublishRole, a.Handle)
		}
	}
	return nil
}

func checkComment(c string) error {
	if !utf8.ValidString(c) || len(c) > 5000 || strings.Contains(c, "\x00") {
		return invalid("a comment is UTF-8 text of at most 5,000 bytes")
	}
	return nil
}

// RequestChanges sends the post back to its author with a comment.
func (s *Service) RequestChanges(ctx context.Context, workspaceID, id int64, actor Actor, comment string, version int) (vigie.Publication, error) {
	settings, err := s.Store.PublishSettings(ctx, workspaceID)
	if err != nil {
		return vigie.Publication{}, err
	}
	if !atLeast(actor.Role, settings.ApproverRole) {
		return vigie.Publication{}, fmt.Errorf("%w: only an %s reviews posts in this workspace", errForbidden, settings.ApproverRole)
	}
	if strings.TrimSpace(comment) == "" {
		return vigie.Publication{}, invalid("say what to change: the comment is empty")
	}
	if err := checkComment(comment); err != nil {
		return vigie.Publication{}, err
	}
	out, err := s.Store.ChangePublication(ctx, workspaceID, id, func(p *vigie.Publication) (vigie.PostEvent, error) {
		if p.Status != vigie.PostPendingApproval && p.Status != vigie.PostScheduled {
			return vigie.PostEvent{}, fmt.Errorf("%w: the post is %s", vigie.ErrConflict, p.Status)
		}
		if err := sameVersion(p, version); err != nil {
			return vigie.PostEvent{}, err
		}
		if err := editable(p); err != nil {
			return vigie.PostEvent{}, err
		}
		p.Status, p.Approvals = vigie.PostChangesAsked, nil
		return vigie.PostEvent{Kind: "changes_requested", By: actor.Name, Body: comment}, nil
	})
	s.after(ctx, out, err, actor)
	return out, err
}

// Edit is a change of a post's content or time (the fields that are set).
type Edit struct {
	Text           *string          `json:"text,omitempty"`
	Variants       map[int64]string `json:"variants,omitempty"`
	Language       *string          `json:"language,omitempty"`
	ContentWarning *string          `json:"content_warning,omitempty"`
	ScheduledAt    *time.Time       `json:"scheduled_at,omitempty"`
}

// Update changes a post not yet being published. A change of content
// after approval sends it back to approval; a change of time alone (the
// calendar's drag) keeps its approvals.
func (s *Service) Update(ctx context.Context, workspaceID, id int64, actor Actor, e Edit) (vigie.Publication, error) {
	settings, err := s.Store.PublishSettings(ctx, workspaceID)
	if err != nil {
		return vigie.Publication{}, err
	}
	out, err := s.Store.ChangePublication(ctx, workspaceID, id, func(p *vigie.Publication) (vigie.PostEvent, error) {
		if err := editable(p); err != nil {
			return vigie.PostEvent{}, err
		}
		if err := s.mayEdit(actor, p); err != nil {
			return vigie.PostEvent{}, err
		}
		if err := s.mayPublish(ctx, workspaceID, actor, p); err != nil {
			return vigie.PostEvent{}, err
		}
		content := e.Text != nil || e.Variants != nil || e.Language != nil || e.ContentWarning != nil
		earlier := false
		if e.ScheduledAt != nil {
			if err := s.checkTime(*e.ScheduledAt); err != nil {
				return vigie.PostEvent{}, err
			}
			at := e.ScheduledAt.UTC()
			// Sooner than approved (an embargo): the approvers decide again,
			// unless the one moving it is one of them.
			earlier = !p.ScheduledAt.IsZero() && (at.IsZero() || at.Before(p.ScheduledAt))
			p.ScheduledAt = at
		}
		if !content {
			if earlier && p.Status == vigie.PostScheduled && p.Steps > 0 && !atLeast(actor.Role, settings.ApproverRole) {
				p.Status, p.Approvals = vigie.PostPendingApproval, nil
				return vigie.PostEvent{Kind: "rescheduled", By: actor.Name, Body: "sooner than approved, " + schedule(p.ScheduledAt) + ": approval needed again"}, nil
			}
			return vigie.PostEvent{Kind: "rescheduled", By: actor.Name, Body: schedule(p.ScheduledAt)}, nil
		}
		c := Compose{Text: p.Text, Language: p.Language, ContentWarning: p.ContentWarning, Variants: map[int64]string{}}
		for _, t := range p.Targets {
			c.Accounts = append(c.Accounts, t.AccountID)
			if t.Text != "" {
				c.Variants[t.AccountID] = t.Text
			}
		}
		if e.Text != nil {
			c.Text = *e.Text
		}
		if e.Language != nil {
			c.Language = *e.Language
		}
		if e.ContentWarning != nil {
			c.ContentWarning = *e.ContentWarning
		}
		for k, v := range e.Variants {
			c.Variants[k] = v
		}
		if _, err := s.check(ctx, workspaceID, actor, &c); err != nil {
			return vigie.PostEvent{}, err
		}
		changed := p.Text != c.Text || p.Language != c.Language || p.ContentWarning != c.ContentWarning
		for i := range p.Targets {
			v := strings.TrimSpace(c.Variants[p.Targets[i].AccountID])
			changed = changed || p.Targets[i].Text != v
			p.Targets[i].Text = v
		}
		p.Text, p.Language, p.ContentWarning = c.Text, c.Language, c.ContentWarning
		if !changed {
			// The same words given again (a form sends every field): only
			// the time may have moved, and the approvals stand.
			return vigie.PostEvent{Kind: "rescheduled", By: actor.Name, Body: schedule(p.ScheduledAt)}, nil
		}
		p.Version++
		if p.Status == vigie.PostDraft || p.Status == vigie.PostChangesAsked {
			return vigie.PostEvent{Kind: "edited", By: actor.Name}, nil
		}
		ev := s.submit(p, settings, actor)
		ev.Kind, ev.Body = "edited", "version "+fmt.Sprint(p.Version)+": "+string(p.Status)
		return ev, nil
	})
	s.after(ctx, out, err, actor)
	return out, err
}

// Retry sends a failed post's failed targets again.
func (s *Service) Retry(ctx context.Context, workspaceID, id int64, actor Actor) (vigie.Publication, error) {
	out, err := s.Store.ChangePublication(ctx, workspaceID, id, func(p *vigie.Publication) (vigie.PostEvent, error) {
		if p.Status != vigie.PostFailed {
			return vigie.PostEvent{}, fmt.Errorf("%w: the post is %s, not failed", vigie.ErrConflict, p.Status)
		}
		if err := s.mayEdit(actor, p); err != nil {
			return vigie.PostEvent{}, err
		}
		if err := s.mayPublish(ctx, workspaceID, actor, p); err != nil {
			return vigie.PostEvent{}, err
		}
		p.Status = vigie.PostScheduled
		if p.ScheduledAt.After(s.now()) {
			p.ScheduledAt = time.Time{}
		}
		return vigie.PostEvent{Kind: "retried", By: actor.Name}, nil
	})
	if err == nil {
		s.wake()
	}
	return out, err
}

// Delete deletes a post not yet being published.
func (s *Service) Delete(ctx context.Context, workspaceID, id int64, actor Actor) error {
	p, err := s.Store.FindPublication(ctx, workspaceID, id)
	if err != nil {
		return err
	}
	if err := s.mayEdit(actor, &p); err != nil {
		return err
	}
	if err := s.mayPublish(ctx, workspaceID, actor, &p); err != nil {
		return err
	}
	if err := s.Store.DeletePublication(ctx, workspaceID, id); errors.Is(err, store.ErrPostLocked) {
		return fmt.Errorf("%w: %w", vigie.ErrConflict, err)
	} else if err != nil {
		return err
	}
	return nil
}

// Reply answers an inbox item from the account that received it, through
// the same outbox; by default replies need no approval.
func (s *Service) Reply(ctx context.Context, workspaceID, itemID int64, actor Actor, text string, accountID int64) (vigie.Publication, error) {
	it, err := s.Store.FindInboxItem(ctx, workspaceID, itemID)
	if err != nil {
		return vigie.Publication{}, err
	}
	ref := it.Ref
	if it.MentionID != 0 {
		if ref, accountID, err = s.replyToMention(ctx, workspaceID, it, accountID); err != nil {
			return vigie.Publication{}, err
		}
	} else {
		if accountID == 0 {
			accountID = it.AccountID
		}
		if accountID != it.AccountID {
			return vigie.Publication{}, invalid("item %d was said to account %d: answer from that account", itemID, it.AccountID)
		}
	}
	return s.Create(ctx, workspaceID, actor, Compose{Accounts: []int64{accountID}, Text: text, Language: it.Language, Reply: &ref, Inbox: itemID})
}

// CheckSettings validates a workspace's publishing settings.
func CheckSettings(s *vigie.PublishSettings) error {
	if s.Approval == "" {
		s.Approval = vigie.ApprovalOne
	}
	if !slices.Contains([]string{vigie.ApprovalNone, vigie.ApprovalOne, vigie.ApprovalTwo}, s.Approval) {
		return invalid("approval %q must be none, one or two", s.Approval)
	}
	if s.ApproverRole == "" {
		s.ApproverRole = string(account.Admin)
	}
	if s.ApproverRole != string(account.Admin) && s.ApproverRole != string(account.Editor) {
		return invalid("approver_role %q must be admin or editor", s.ApproverRole)
	}
	if s.SLAMinutes < 0 || s.SLAMinutes > 30*24*60 {
		return invalid("sla_minutes is from 0 (none) to 43,200 (30 days)")
	}
	if len(s.Slots) > 24 {
		return invalid("at most 24 time slots a day")
	}
	for _, sl := range s.Slots {
		if _, err := time.Parse("15:04", sl); err != nil || len(sl) != 5 {
			return invalid("time slot %q is not a time of day such as 09:30", sl)
		}
	}
	slices.Sort(s.Slots)
	s.Slots = slices.Compact(s.Slots)
	if len(s.Channels) > 10 {
		return invalid("at most 10 channels")
	}
	for i := range s.Channels {
		if err := s.Channels[i].Validate(); err != nil {
			return err
		}
	}
	return nil
}
