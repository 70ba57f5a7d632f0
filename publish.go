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
