package vigie

import (
	"time"
)

// Publishing and the shared inbox (issue 13): the organisation's own
// accounts on the networks, what is published with them, and what is said
// to them. The network clients (internal/mastodon, internal/bluesky) speak
// in these types; internal/publish and the store use them too.

// Network names a network an organisation publishes on.
type Network string

// Networks Vigie publishes on.
const (
	NetworkMastodon Network = "mastodon"
	NetworkBluesky  Network = "bluesky"
)

// Networks lists the networks, in the order forms give them.
var Networks = []Network{NetworkMastodon, NetworkBluesky}

// AccountSecrets are a connected account's credentials, sealed at rest
// and never shown back in full. A client may change them (a Bluesky
// session refreshed); the caller then saves them.
type AccountSecrets struct {
	AccessToken  string `json:"access_token,omitempty"`  // Mastodon's token; Bluesky's session access JWT
	RefreshToken string `json:"refresh_token,omitempty"` // Bluesky's session refresh JWT
	AppPassword  string `json:"app_password,omitempty"`  // Bluesky
	ClientID     string `json:"client_id,omitempty"`     // Mastodon app registered by Vigie (OAuth)
	ClientSecret string `json:"client_secret,omitempty"` // idem
}

// AccountLink is how a client reaches a connected account.
type AccountLink struct {
	Network Network
	// ServerURL is the Mastodon instance's base URL, or the Bluesky PDS
	// (or entryway, https://bsky.social) the account logs in to.
	ServerURL string
	// Identifier is the Bluesky handle, DID or e-mail the account logs in
	// with; empty for Mastodon.
	Identifier string
	// RemoteID is the account's id on the network once known: Mastodon's
	// account id, the Bluesky DID.
	RemoteID string
	Secrets  AccountSecrets
}

// AccountLimits are what the network accepts in one post, read from the
// network where it says (Mastodon's instance configuration).
type AccountLimits struct {
	MaxChars int `json:"max_chars"`
	// Graphemes: MaxChars counts user-perceived characters (Bluesky);
	// else Mastodon's counting (a URL is URLChars, a mention its local
	// part).
	Graphemes     bool  `json:"graphemes,omitempty"`
	MaxBytes      int   `json:"max_bytes,omitempty"` // Bluesky: 3,000 bytes of UTF-8
	URLChars      int   `json:"url_chars,omitempty"` // Mastodon: 23
	MaxMedia      int   `json:"max_media"`
	MaxImageBytes int64 `json:"max_image_bytes,omitempty"`
	MaxLanguages  int   `json:"max_languages,omitempty"` // Bluesky: 3
}

// Profile is a connected account as the network describes it.
type Profile struct {
	RemoteID    string // Mastodon account id, Bluesky DID
	Handle      string // "@name@instance", "name.bsky.social"
	DisplayName string
	URL         string // the profile's page
	Limits      AccountLimits
}

// Media is an image to attach, with its alternative text.
type Media struct {
	Data []byte
	MIME string // image/png, image/jpeg, image/gif, image/webp
	Alt  string
}

// RemoteRef points at a post on a network, to reply to it: Mastodon's
// status id on the account's instance; Bluesky's at-URI and CID, and its
// thread's root.
type RemoteRef struct {
	ID      string `json:"id,omitempty"`
	URI     string `json:"uri,omitempty"`
	CID     string `json:"cid,omitempty"`
	RootURI string `json:"root_uri,omitempty"`
	RootCID string `json:"root_cid,omitempty"`
}

// Draft is one post to publish with one account.
type Draft struct {
	// Key is the idempotency key of (post, account), the same on every
	// attempt: Mastodon's Idempotency-Key; for Bluesky, the record key is
	// derived from it, so a retry cannot create a second record.
	Key string
	// CreatedAt is when the post was first attempted; Bluesky's createdAt
	// and, for a retry after a crash, where to look for it.
	CreatedAt      time.Time
	Text           string
	Language       string // BCP 47, "" if unknown
	ContentWarning string // Mastodon spoiler_text; Bluesky: a self-label is not sent
	ReplyTo        *RemoteRef
	Media          []Media
}

// RemotePost is a post as published: what to link to and reply to.
type RemotePost struct {
	ID  string `json:"id,omitempty"`  // Mastodon status id
	URI string `json:"uri,omitempty"` // ActivityPub URI; Bluesky at-URI
	CID string `json:"cid,omitempty"` // Bluesky
	URL string `json:"url,omitempty"` // the web page
}

// NotificationKind is why a notification is in the inbox.
type NotificationKind string

// Kinds of notifications the inbox takes.
const (
	NotifyMention NotificationKind = "mention"
	NotifyReply   NotificationKind = "reply"
	NotifyQuote   NotificationKind = "quote"
)

// Notification is something said to a connected account: a mention, a
// reply, a quote.
type Notification struct {
	RemoteID     string // the network's notification id (Mastodon) or the post's URI (Bluesky)
	Kind         NotificationKind
	Post         RemoteRef // the post itself, with its thread's root, to reply to it
	URL          string
	AuthorID     string
	AuthorName   string
	AuthorHandle string
	AuthorURL    string
	Text         string // plain text (Mastodon's HTML converted)
	Language     string
	CreatedAt    time.Time
	InReplyTo    string // the id/URI of the post it answers, if any
}

// AccountStatus is a connected account's standing.
type AccountStatus string

// An account is ok, or the network refused its credentials (a person must
// connect it again). A transient error never changes it.
const (
	AccountOK   AccountStatus = "ok"
	AccountAuth AccountStatus = "auth"
)

// Account is a connected account: one of the organisation's presences.
type Account struct {
	ID          int64         `json:"id"`
	WorkspaceID int64         `json:"-"`
	Network     Network       `json:"network"`
	ServerURL   string        `json:"server_url"`
	Identifier  string        `json:"identifier,omitempty"`
	RemoteID    string        `json:"remote_id"`
	Handle      string        `json:"handle"`
	DisplayName string        `json:"display_name,omitempty"`
	ProfileURL  string        `json:"profile_url,omitempty"`
	Limits      AccountLimits `json:"limits"`
	// PublishRole is the least role that may publish with the account:
	// "editor" (default) or "admin".
	PublishRole   string        `json:"publish_role"`
	Status        AccountStatus `json:"status"`
	LastError     string        `json:"last_error,omitempty"`
	LastErrorAt   time.Time     `json:"last_error_at,omitzero"`
	LastPublishAt time.Time     `json:"last_publish_at,omitzero"`
	CheckedAt     time.Time     `json:"checked_at,omitzero"`
	// Credential is the credentials as shown: their last characters.
	Credential string         `json:"credential"`
	Secrets    AccountSecrets `json:"-"`
	CreatedAt  time.Time      `json:"created_at"`
}

// Link is how a client reaches the account.
func (a Account) Link() AccountLink {
	return AccountLink{Network: a.Network, ServerURL: a.ServerURL, Identifier: a.Identifier, RemoteID: a.RemoteID, Secrets: a.Secrets}
}

// Approval modes of a workspace.
const (
	ApprovalNone = "none"
	ApprovalOne  = "one"
	ApprovalTwo  = "two"
)

// PublishSettings are a workspace's rules for publishing and its inbox.
type PublishSettings struct {
	// Approval is none, one (one approver) or two (two steps, two people).
	Approval string `json:"approval"`
	// ApproverRole is the least role that may approve: admin or editor.
	ApproverRole string `json:"approver_role"`
	// RepliesNeedApproval: replies (from the inbox or a mention) go
	// through approval too.
	RepliesNeedApproval bool `json:"replies_need_approval"`
	// SLAMinutes is the first-response target of the inbox; 0 for none.
	SLAMinutes int `json:"sla_minutes"`
	// Slots are the times of day ("09:00") a queued post takes, in the
	// workspace's time zone.
	Slots []string `json:"slots,omitempty"`
	// Channels also receive what the bell says of publishing (a post
	// waiting for approval, a post that failed): Slack, e-mail… as alert
	// channels are; their addresses are sealed at rest and shown masked.
	Channels []AlertChannel `json:"channels,omitempty"`
}

// DefaultPublishSettings: posts by editors need an admin's approval,
// replies don't; first response within 4 hours.
func DefaultPublishSettings() PublishSettings {
	return PublishSettings{Approval: ApprovalOne, ApproverRole: "admin", SLAMinutes: 240, Slots: []string{"09:00", "12:30", "17:00"}}
}

// Steps is how many approvals a post needs.
func (s PublishSettings) Steps() int {
	switch s.Approval {
	case ApprovalOne:
		return 1
	case ApprovalTwo:
		return 2
	}
	return 0
}

// PostStatus is where a post is in its life.
type PostStatus string

// Post statuses (the API's names).
const (
	PostDraft           PostStatus = "draft"
	PostPendingApproval PostStatus = "pending_approval"
	PostChangesAsked    PostStatus = "changes_requested"
	PostScheduled       PostStatus = "scheduled"
	PostPublishing      PostStatus = "publishing"
	PostPublished       PostStatus = "published"
	PostFailed          PostStatus = "failed"
)

// Post kinds.
const (
	PostKindPost  = "post"
	PostKindReply = "reply"
)

// Publication is a post to publish (the API calls them posts) with one or more accounts.
type Publication struct {
	ID             int64      `json:"id"`
	WorkspaceID    int64      `json:"-"`
	Kind           string     `json:"kind"`
	Status         PostStatus `json:"status"`
	Text           string     `json:"text"`
	Language       string     `json:"language,omitempty"`
	ContentWarning string     `json:"content_warning,omitempty"`
	// ScheduledAt is when to publish; zero: as soon as approved.
	ScheduledAt time.Time `json:"scheduled_at,omitzero"`
	Version     int       `json:"version"`
	// Approvals are who approved this version; Steps how many it needs.
	Approvals  []string     `json:"approvals"`
	Steps      int          `json:"approvals_needed"`
	AuthorID   int64        `json:"-"`
	AuthorName string       `json:"author"`
	AuthorRole string       `json:"-"`
	InboxItem  int64        `json:"inbox_item_id,omitempty"`
	Targets    []PostTarget `json:"targets"`
	Media      []PostMedia  `json:"media,omitempty"`
	Events     []PostEvent  `json:"history,omitempty"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
	URL        string       `json:"url,omitempty"` // the first published target's
}

// Target states (post_targets.state).
const (
	TargetWaiting    = "waiting"
	TargetDue        = "due"
	TargetPublishing = "publishing"
	TargetPublished  = "published"
	TargetFailed     = "failed"
)

// PostTarget is a post for one account: its variant, and how publishing
// it went.
type PostTarget struct {
	ID          int64      `json:"id"`
	AccountID   int64      `json:"account_id"`
	Network     Network    `json:"network"`
	Handle      string     `json:"handle"`
	Text        string     `json:"text,omitempty"` // the variant; "" is the post's text
	ReplyTo     *RemoteRef `json:"reply_to,omitempty"`
	State       string     `json:"state"`
	Attempts    int        `json:"attempts"`
	NextTryAt   time.Time  `json:"next_try_at,omitzero"`
	LastError   string     `json:"last_error,omitempty"`
	Remote      RemotePost `json:"remote,omitzero"`
	URL         string     `json:"url,omitempty"`
	PublishedAt time.Time  `json:"published_at,omitzero"`
}

// PostMedia is an image of a post (its bytes are read apart).
type PostMedia struct {
	ID   int64  `json:"id"`
	MIME string `json:"mime"`
	Alt  string `json:"alt"`
	Size int    `json:"size"`
}

// PostEvent is a step of a post's history.
type PostEvent struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"`
	By   string    `json:"by,omitempty"`
	Body string    `json:"body,omitempty"`
}

// Inbox statuses.
const (
	InboxNew      = "new"
	InboxAssigned = "assigned"
	InboxWaiting  = "waiting"
	InboxDone     = "done"
)

// InboxItem is something said to the organisation, to answer.
type InboxItem struct {
	ID              int64       `json:"id"`
	WorkspaceID     int64       `json:"-"`
	AccountID       int64       `json:"account_id,omitempty"`
	AccountHandle   string      `json:"account,omitempty"`
	Network         Network     `json:"network,omitempty"`
	MentionID       int64       `json:"mention_id,omitempty"`
	Kind            string      `json:"kind"`
	Ref             RemoteRef   `json:"ref"`
	URL             string      `json:"url,omitempty"`
	Thread          string      `json:"thread,omitempty"`
	AuthorName      string      `json:"author_name,omitempty"`
	AuthorHandle    string      `json:"author_handle,omitempty"`
	AuthorURL       string      `json:"author_url,omitempty"`
	Text            string      `json:"text"`
	Language        string      `json:"language,omitempty"`
	PostedAt        time.Time   `json:"posted_at"`
	ReceivedAt      time.Time   `json:"received_at"`
	Status          string      `json:"status"`
	AssigneeID      int64       `json:"assignee_id,omitempty"`
	Assignee        string      `json:"assignee,omitempty"`
	Tags            []string    `json:"tags"`
	FirstResponseAt time.Time   `json:"first_response_at,omitzero"`
	Notes           []InboxNote `json:"notes,omitempty"`
}

// InboxNote is an internal note or a step of an item's history.
type InboxNote struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"` // note, status, assign, reply
	By   string    `json:"by,omitempty"`
	Body string    `json:"body"`
}
