package vigie

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Organisation is the top of the tenancy: a university, a company, a public
// body. It owns workspaces.
type Organisation struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Slug      string    `json:"slug"`
	CreatedAt time.Time `json:"created_at"`
}

// DefaultOrganisation is the slug of the organisation that workspaces join
// when none is named (single-organisation installs).
const DefaultOrganisation = "default"

// Workspace is a team's space inside an organisation (a faculty, a
// department, a brand): it owns monitors, sources and mentions.
type Workspace struct {
	ID             int64     `json:"id"`
	OrganisationID int64     `json:"organisation_id"`
	Name           string    `json:"name"`
	Slug           string    `json:"slug"`
	TimeZone       string    `json:"time_zone"` // IANA name; times are stored in UTC
	CreatedAt      time.Time `json:"created_at"`
}

// MaxSlugLen bounds a workspace's slug, which is part of its URLs.
const MaxSlugLen = 40

// ValidateSlug checks a workspace slug: 1 to MaxSlugLen lower-case ASCII
// letters, digits and '-', starting with a letter or a digit (it names the
// workspace in URLs and on the command line).
func ValidateSlug(slug string) error {
	if slug == "" {
		return fmt.Errorf("%w: no slug", ErrInvalid)
	}
	if len(slug) > MaxSlugLen {
		return fmt.Errorf("%w: slug %.50q is longer than %d characters", ErrInvalid, slug, MaxSlugLen)
	}
	for i, c := range []byte(slug) {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0
		if !ok {
			return fmt.Errorf("%w: slug %q: use lower-case letters, digits and '-' (not first), e.g. \"faculty-of-science\"", ErrInvalid, slug)
		}
	}
	return nil
}

// MaxWorkspaceNameLen bounds a workspace's name, in characters.
const MaxWorkspaceNameLen = 100

// ValidateWorkspaceName checks a workspace's display name.
func ValidateWorkspaceName(name string) error {
	switch n := len([]rune(strings.TrimSpace(name))); {
	case n == 0:
		return fmt.Errorf("%w: the workspace needs a name", ErrInvalid)
	case n > MaxWorkspaceNameLen:
		return fmt.Errorf("%w: a workspace name has at most %d characters", ErrInvalid, MaxWorkspaceNameLen)
	}
	return nil
}

// ValidateTimeZone checks an IANA time zone name ("Europe/Zurich").
func ValidateTimeZone(tz string) error {
	if tz == "" || tz == "Local" {
		return fmt.Errorf("%w: time zone %q: give an IANA name such as Europe/Zurich or UTC", ErrInvalid, tz)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return fmt.Errorf("%w: unknown time zone %q: give an IANA name such as Europe/Zurich or UTC", ErrInvalid, tz)
	}
	return nil
}

// MonitorRecord is a stored monitor: the monitor and its bookkeeping.
//
// ID is unique in its workspace only (two workspaces may both have
// "brand"); Key is unique across workspaces and is what the matching
// engine, mentions, monitor sets and jobs know the monitor by. Users and
// the API never see Key: every request names a monitor by its workspace
// and ID.
type MonitorRecord struct {
	Monitor
	Key         string    `json:"-"`
	WorkspaceID int64     `json:"workspace_id"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// MaxMonitorID bounds the length of a monitor id.
const MaxMonitorID = 64

// ValidMonitorID checks a new monitor id: ASCII letters, digits, '-', '_',
// '.' and ':', starting with a letter or a digit, at most MaxMonitorID
// bytes. Ids travel in URL paths, query strings, file names and exports:
// "..", "a/b", "?x#y", spaces and control characters would be read as
// something else there. Monitors stored before the rule keep their ids
// (they are read and deleted as before); only new ids are checked.
func ValidMonitorID(id string) error {
	const rule = "use ASCII letters, digits, '-', '_', '.' and ':', starting with a letter or a digit"
	switch {
	case id == "":
		return fmt.Errorf("%w: monitor has no id", ErrInvalid)
	case len(id) > MaxMonitorID:
		return fmt.Errorf("%w: monitor id %.20q… is %d characters long; at most %d", ErrInvalid, id, len(id), MaxMonitorID)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if alnum || i > 0 && (c == '-' || c == '_' || c == '.' || c == ':') {
			continue
		}
		what := fmt.Sprintf("%q", rune(c))
		if c >= 0x80 {
			what = "a non-ASCII character"
		}
		return fmt.Errorf("%w: monitor id %q: %s at position %d is not allowed (%s)", ErrInvalid, id, what, i+1, rule)
	}
	return nil
}

// Validate checks the fields that do not need the query parser, the id
// with ValidMonitorID: it is for monitors being created or replaced.
func (m *Monitor) Validate() error {
	if err := ValidMonitorID(m.ID); err != nil {
		return err
	}
	if err := ValidName("monitor name", m.Name); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(m.Query) == "":
		return fmt.Errorf("%w: monitor %q has no query", ErrInvalid, m.ID)
	case strings.ContainsRune(m.Query, 0):
		return fmt.Errorf("%w: monitor %q: the query holds a NUL character", ErrInvalid, m.ID)
	case m.Kind != "" && !m.Kind.Valid():
		return fmt.Errorf("%w: monitor %q: unknown kind %q (one of %v)", ErrInvalid, m.ID, m.Kind, MonitorKinds)
	}
	return nil
}

// MaxNameLength caps the names people give things (monitors, sources,
// tokens, workspaces): every page that lists them shows them whole.
const MaxNameLength = 200

// Nth names the i-th (from 0) of n things of a kind in an error message:
// `monitor 3 of 120 ("x")`, or `monitor "x"` when it is the only one.
func Nth(kind string, i, n int, id string) string {
	if n == 1 {
		return fmt.Sprintf("%s %q", kind, id)
	}
	return fmt.Sprintf("%s %d of %d (%q)", kind, i+1, n, id)
}

// ValidName checks a name given to something: at most MaxNameLength
// characters, no control characters (a line break or a NUL has no place in
// a name, and PostgreSQL refuses NUL).
func ValidName(what, name string) error {
	if !utf8.ValidString(name) {
		return fmt.Errorf("%w: the %s is not valid UTF-8 text", ErrInvalid, what)
	}
	if n := utf8.RuneCountInString(name); n > MaxNameLength {
		return fmt.Errorf("%w: the %s is %d characters long; at most %d", ErrInvalid, what, n, MaxNameLength)
	}
	for i, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: the %s has a control character (%U) at byte %d; use plain text", ErrInvalid, what, r, i)
		}
	}
	return nil
}

// SourceKind names a connector.
type SourceKind string

// Source kinds: each is a connector package (internal/<kind>), but for
// imports.
const (
	SourceRSS        SourceKind = "rss"
	SourceImport     SourceKind = "import"
	SourceSimulator  SourceKind = "simulator"
	SourceBluesky    SourceKind = "bluesky"
	SourceMastodon   SourceKind = "mastodon"
	SourceHackerNews SourceKind = "hackernews"
	SourceReddit     SourceKind = "reddit"
	SourceYouTube    SourceKind = "youtube"
	SourceLemmy      SourceKind = "lemmy"
	SourceDiscourse  SourceKind = "discourse"
	SourceWebhook    SourceKind = "webhook"
)

// SecretSetting reports whether a source setting holds a credential
// (token, key, secret, password): such settings are encrypted at rest,
// shown back only by their last characters, and kept out of logs.
func SecretSetting(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"token", "secret", "password", "key"} {
		if n == s || strings.HasSuffix(n, "_"+s) {
			return true
		}
	}
	return false
}

// Authoritative reports whether the connector of this kind gets its posts
// from the network that numbers them (a Bluesky at-URI, a Mastodon status
// URI, a Hacker News id), so that the same id from two sources is the same
// post. Feeds, imports, webhooks and the simulator are not: anyone can
// publish any id in them, so their posts are known by their source too
// (architecture.md, tenancy). No connector of this version is.
func (k SourceKind) Authoritative() bool {
	return false
}

// KnownByURL reports whether a source of this kind is known by the address
// it follows (NormalSourceURL), so that a workspace follows an address once
// whatever the sources' names; the others (an import, the simulator) are
// known by their name. A connector whose address alone does not say what it
// follows (one instance, several hashtags) is known by its name.
func (k SourceKind) KnownByURL() bool {
	return k == SourceRSS
}

// NormalSourceURL returns a source's address in the form that is its
// identity: scheme and host in lower case, without the scheme's default
// port or a fragment (never sent to the server). Nothing else changes: a
// path is case-sensitive and a server may read its query's order. The host
// is lowered as url.URL.String writes it, ASCII only (escapes included), as
// migration 0020_source_url does in SQL for the addresses stored before:
// change both together.
func NormalSourceURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("%w: %q is not an address", ErrInvalid, raw)
	}
	u.Fragment, u.RawFragment = "", ""
	if p := u.Port(); u.Scheme == "http" && p == "80" || u.Scheme == "https" && p == "443" {
		u.Host = strings.TrimSuffix(u.Host, ":"+p)
	}
	// Spaces around the address are dropped on the way in: drop those
	// String leaves at its end (an empty query's), or the normal form
	// would not be its own.
	s := strings.TrimSpace(u.String())
	if u.Host == "" {
		return s, nil
	}
	// The authority follows the first "//"; its userinfo, if any, ends at
	// its only "@" (String escapes the others).
	start := strings.Index(s, "//") + 2
	end := len(s)
	if i := strings.IndexAny(s[start:], "/?#"); i >= 0 {
		end = start + i
	}
	if i := strings.IndexByte(s[start:end], '@'); i >= 0 {
		start += i + 1
	}
	return s[:start] + asciiLower(s[start:end]) + s[end:], nil
}

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// Source is a place posts come from, with its schedule and health. The
// database is the schedule: due sources have NextCheckAt in the past.
type Source struct {
	ID          int64             `json:"id"`
	WorkspaceID int64             `json:"workspace_id"`
	Kind        SourceKind        `json:"kind"`
	Name        string            `json:"name"`
	URL         string            `json:"url,omitempty"`
	Settings    map[string]string `json:"settings,omitempty"`
	Interval    time.Duration     `json:"interval"`
	Enabled     bool              `json:"enabled"`
	// Shared sources (set by an administrator of the organisation) feed
	// the monitors of every workspace of the organisation; the others only
	// their own workspace's.
	Shared    bool      `json:"shared"`
	CreatedAt time.Time `json:"created_at"`
	// UndecryptableSettings names the credentials (SecretSetting) stored
	// encrypted that could not be decrypted: the secret key changed. They
	// read as empty, and the source fails with CredentialError until they
	// are entered again.
	UndecryptableSettings []string `json:"undecryptable_settings,omitempty"`
	SourceState
}

// CredentialError says which of the source's credentials could not be
// decrypted (UndecryptableSettings), or is nil.
func (s *Source) CredentialError() error {
	switch len(s.UndecryptableSettings) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("the credential %q cannot be decrypted: the secret key changed; enter it again", s.UndecryptableSettings[0])
	}
	return fmt.Errorf("the credentials %s cannot be decrypted: the secret key changed; enter them again", quoteList(s.UndecryptableSettings))
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// SourceState is what a source's runs change: cursor and health.
type SourceState struct {
	Cursor        string    `json:"cursor,omitempty"` // connector-specific resume point
	ETag          string    `json:"etag,omitempty"`
	LastModified  string    `json:"last_modified,omitempty"`
	NextCheckAt   time.Time `json:"next_check_at"`
	LastSuccessAt time.Time `json:"last_success_at,omitzero"`
	LastErrorAt   time.Time `json:"last_error_at,omitzero"`
	LastError     string    `json:"last_error,omitempty"` // in plain words, for the team
	ErrorCount    int       `json:"error_count"`
	PostsSeen     int64     `json:"posts_seen"`
	// Streams: Connected says the stream was open at the last save
	// (ConnectedAt), and Lag how far behind the network's clock its last
	// event was, in seconds.
	Connected   bool      `json:"connected"`
	ConnectedAt time.Time `json:"connected_at,omitzero"`
	Lag         float64   `json:"lag_seconds,omitempty"`
	// RateLimit is the network's rate limit or quota, in plain words
	// ("287 of 300 requests left until 14:05 UTC").
	RateLimit string `json:"rate_limit,omitempty"`
}

// Failing reports whether the last run of the source failed.
func (s *SourceState) Failing() bool { return s.ErrorCount > 0 }

// Sentiment of a post, from enrichment or a correction.
type Sentiment struct {
	Label string  `json:"label,omitempty"` // positive, neutral or negative
	Score float64 `json:"score"`           // -1 … 1
}

// Entities are what a post names, kept for aggregation (top hashtags,
// domains, who is mentioned).
type Entities struct {
	Hashtags []string `json:"hashtags,omitempty"` // folded body, without '#'
	Mentions []string `json:"mentions,omitempty"` // folded handle without '@'; "user@host" on the fediverse
	Links    []string `json:"links,omitempty"`    // canonical URLs (tracking parameters dropped)
	Domains  []string `json:"domains,omitempty"`  // registrable domain of each link
}

// Mention is a stored post that matched at least one monitor.
type Mention struct {
	ID         int64     `json:"id"` // stored post id, stable, used by cursors
	SourceID   int64     `json:"source_id"`
	Post       Post      `json:"post"`
	MonitorIDs []string  `json:"monitors"`
	StoredAt   time.Time `json:"stored_at"`
	// Simhash of the post's words (16 hex digits), and the id of the earlier
	// stored post it nearly duplicates, so that copies fold into one story.
	Simhash         string   `json:"simhash,omitempty"`
	NearDuplicateOf int64    `json:"near_duplicate_of,omitempty"`
	Entities        Entities `json:"entities,omitzero"`
	// Post.Lang is the language in effect (detected, or corrected);
	// DeclaredLang is what the source said.
	DeclaredLang string       `json:"declared_lang,omitempty"`
	Sentiment    Sentiment    `json:"sentiment,omitzero"`
	Corrections  []Correction `json:"corrections,omitempty"`
	Tags         []string     `json:"tags,omitempty"` // the workspace's tags ("irrelevant" hides it)
	// TextClipped and TitleClipped say that a list cut Post.Text or
	// Post.Title to its first ListTextChars or ListTitleChars characters
	// (ClipForList).
	TextClipped  bool `json:"text_clipped,omitempty"`
	TitleClipped bool `json:"title_clipped,omitempty"`
}

// What a list of mentions shows of each post, in characters: a long
// article's first screens, where a list of posts of a megabyte each would
// weigh megabytes. The web's lists and the API's agree; the whole post stays
// in the archive, on its own page and in GET /api/v1/mentions/{id}.
const (
	ListTextChars  = 3000
	ListTitleChars = 300
)

// ClipForList cuts the post's text and title to what a list shows, and
// says which it cut.
func (m *Mention) ClipForList() {
	m.Post.Text, m.TextClipped = ClipRunes(m.Post.Text, ListTextChars)
	m.Post.Title, m.TitleClipped = ClipRunes(m.Post.Title, ListTitleChars)
}

// ClipRunes returns the first n characters of s, and whether it cut.
func ClipRunes(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for i := range s {
		if n == 0 {
			return s[:i], true
		}
		n--
	}
	return s, false
}

// Sentiment labels.
const (
	Positive = "positive"
	Neutral  = "neutral"
	Negative = "negative"
)

// ValidSentiment reports whether label is a sentiment label.
func ValidSentiment(label string) bool {
	return label == Positive || label == Neutral || label == Negative
}

// Correction is the team's correction of one enrichment field of a post
// ("lang" or "sentiment"); re-enrichment never overwrites it.
type Correction struct {
	Field       string    `json:"field"`
	Value       string    `json:"value"`
	Machine     string    `json:"machine"` // what enrichment had said
	CorrectedBy string    `json:"corrected_by"`
	CorrectedAt time.Time `json:"corrected_at"`
}

// MentionFilter selects mentions in the archive. Zero fields do not filter.
type MentionFilter struct {
	WorkspaceID int64
	MonitorID   string
	Query       string // the monitor query language, checked by the exact verifier
	Source      string // source kind (rss, mastodon, …)
	SourceID    int64
	Lang        string    // language in effect (detected or corrected); FilterNone: none known
	Country     string    // ISO 3166-1 alpha-2, lower case; FilterNone: none known
	Sentiment   string    // positive, neutral or negative
	From, To    time.Time // published_at in [From, To)
	Limit       int
	Cursor      string // opaque, from MentionPage.NextCursor
	Tag         string // only mentions with this tag
	// HideIrrelevant leaves out the mentions tagged irrelevant.
	HideIrrelevant bool
	// NoCount skips Total and PerDay (the caller counts otherwise, e.g.
	// from the dashboard's rollups); only the page is read.
	NoCount bool
}

// FilterNone as MentionFilter.Lang or Country selects the mentions whose
// post has none (the dashboard's "unknown" bars link there).
const FilterNone = "none"

// MentionPage is one page of mentions, newest first.
type MentionPage struct {
	Mentions   []Mention  `json:"mentions"`
	Total      int        `json:"total"`
	NextCursor string     `json:"next_cursor"`
	PerDay     []DayCount `json:"per_day,omitempty"`
	// Approximate is set when Total and PerDay are estimated from a
	// verified sample (searches with very many candidates); the page
	// itself is always exact.
	Approximate bool `json:"approximate,omitempty"`
}

// DayCount is the number of mentions published on one UTC day.
type DayCount struct {
	Day   string `json:"day"` // 2006-01-02
	Count int    `json:"count"`
}

// APIToken is a bearer token for the API; only its hash is stored. It
// works on one workspace with one role (admin, editor or viewer), until
// ExpiresAt if set.
type APIToken struct {
	ID          int64     `json:"id"`
	WorkspaceID int64     `json:"workspace_id"`
	Name        string    `json:"name"`
	Role        string    `json:"role"`
	CreatedAt   time.Time `json:"created_at"`
	LastUsedAt  time.Time `json:"last_used_at,omitzero"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"` // zero: never
}

// Expired reports whether the token has expired at now.
func (t *APIToken) Expired(now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}

// Influence is an author's influence over the mentions of a workspace in a
// period, with everything it was computed from, so that the team can see
// why an author ranks where it does (influence.Score has the formula).
type Influence struct {
	Source string          `json:"source"` // source kind the author posts on
	Author Author          `json:"author"`
	Score  float64         `json:"score"` // 0 … 100
	Inputs InfluenceInputs `json:"inputs"`
	// Parts of the score, each 0 … 1 before its weight.
	Parts InfluenceParts `json:"parts"`
}

// InfluenceInputs are what an author's influence is computed from.
type InfluenceInputs struct {
	Followers  int64 `json:"followers"`
	Mentions   int   `json:"mentions"`   // the period's mentions they wrote
	Engagement int64 `json:"engagement"` // likes + reposts + replies on those
}

// InfluenceParts are the normalised parts of an influence score.
type InfluenceParts struct {
	Reach      float64 `json:"reach"`      // from followers
	Engagement float64 `json:"engagement"` // from engagement per mention
	Activity   float64 `json:"activity"`   // from the number of mentions
}

// OverviewFilter selects the dashboard's figures: a workspace's mentions
// (of some of its monitors) in a period cut into buckets, compared with the
// period of the same length just before it.
type OverviewFilter struct {
	WorkspaceID int64
	MonitorIDs  []string // empty: all the workspace's monitors
	// From and To bound the period [From, To). From is rounded down to the
	// hour; buckets run from it, and To is rounded up to the end of the
	// last bucket. Day buckets are 24 hours from From: from a UTC midnight
	// they are UTC days, from a local midnight the workspace's days.
	From, To time.Time
	Bucket   time.Duration // time.Hour or 24 * time.Hour
	Limit    int           // entries of the top lists (hashtags, domains, rising); 0: 10
	// SeriesOnly fills the monitors' series (Volume, with each total the
	// sum of its points) and the workspace's sentiment and previous
	// volume per bucket, and nothing else: what a list of monitors needs.
	SeriesOnly bool
}

// Voice is one part of the share of voice: the brands (Key VoiceBrand),
// a competitor monitor (Key its id), or mentions of several (VoiceSeveral).
type Voice struct {
	Key   string `json:"key"`
	Name  string `json:"name,omitempty"` // a competitor's name
	Count int    `json:"count"`
	Prev  int    `json:"prev"`
}

// The keys of the share of voice's brands and mentions of several.
const (
	VoiceBrand   = "brand"
	VoiceSeveral = "several"
)

// MaxOverviewBuckets bounds the buckets of an overview.
const MaxOverviewBuckets = 1000

// Validate checks the filter.
func (f *OverviewFilter) Validate() error {
	switch {
	case f.WorkspaceID == 0:
		return fmt.Errorf("%w: overview: no workspace", ErrInvalid)
	case f.Bucket != time.Hour && f.Bucket != 24*time.Hour:
		return fmt.Errorf("%w: overview: bucket %v must be an hour or a day (24h)", ErrInvalid, f.Bucket)
	case f.From.IsZero() || f.To.IsZero():
		return fmt.Errorf("%w: overview: the period needs a start and an end", ErrInvalid)
	case !f.From.Before(f.To):
		return fmt.Errorf("%w: overview: the period's start %s is not before its end %s", ErrInvalid,
			f.From.UTC().Format(time.RFC3339), f.To.UTC().Format(time.RFC3339))
	case f.From.UTC().Year() < 1000 || f.To.UTC().Year() > 9999:
		return fmt.Errorf("%w: overview: the period must lie between the years 1000 and 9999", ErrInvalid)
	case f.Limit < 0:
		return fmt.Errorf("%w: overview: negative limit %d", ErrInvalid, f.Limit)
	}
	if n := f.To.Sub(f.From.Truncate(time.Hour)); n > MaxOverviewBuckets*f.Bucket {
		return fmt.Errorf("%w: overview: %s in buckets of %s makes more than %d buckets", ErrInvalid, n, f.Bucket, MaxOverviewBuckets)
	}
	return nil
}

// Overview is the dashboard of a workspace for a period and the previous
// period of the same length, [PrevFrom, From).
//
// A post matching several of the selected monitors counts once in the
// workspace-wide figures (Total, Sentiment, the breakdowns and the top
// lists) and once per monitor in the per-monitor ones (Volume, ByKind: the
// share of voice), which may therefore add up to more than Total.
type Overview struct {
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	PrevFrom time.Time     `json:"prev_from"`
	Bucket   time.Duration `json:"bucket"`

	Total     int `json:"total"` // mentions (posts) in the period
	PrevTotal int `json:"prev_total"`

	// Volume is each selected monitor's mentions per bucket, in monitor id
	// order (monitors without mentions included).
	Volume []MonitorSeries `json:"volume"`
	// ByKind sums Volume's totals per monitor kind ("" for monitors
	// without a kind); a mention of two monitors counts for both.
	ByKind []KeyCount `json:"by_kind"`
	// ShareOfVoice compares the organisation's brand monitors, together,
	// with each competitor monitor, counting each mention once: a mention
	// of one of them counts for it, one of several for VoiceSeveral. Its
	// counts add up to the mentions of brands and competitors. Empty when
	// the selected monitors have no brand or competitor.
	ShareOfVoice []Voice `json:"share_of_voice"`

	Sentiment []SentimentBucket `json:"sentiment"` // every bucket, zeros included
	// PrevVolume is the previous period's mentions per bucket (At in that
	// period), for comparing the two periods' curves.
	PrevVolume         []BucketCount   `json:"prev_volume"`
	SentimentTotal     SentimentCounts `json:"sentiment_total"`
	PrevSentimentTotal SentimentCounts `json:"prev_sentiment_total"`

	// Breakdowns, every key seen in either period, by count then key. An
	// empty key is unknown (no language detected, no country given).
	BySource  []KeyCount `json:"by_source"`
	ByLang    []KeyCount `json:"by_lang"`
	ByCountry []KeyCount `json:"by_country"`

	// The period's most frequent hashtags and link domains (posts naming
	// them), at most the filter's limit.
	TopHashtags []KeyCount `json:"top_hashtags"`
	TopDomains  []KeyCount `json:"top_domains"`
	// Rising are the hashtags that grew most against the previous period,
	// among those of at least RisingMinCount posts in the period.
	Rising []KeyCount `json:"rising"`
}

// RisingMinCount is the number of posts a hashtag needs in the period to
// be rising (so that 1 → 3 does not rank).
const RisingMinCount = 5

// MonitorSeries is a monitor's mentions per bucket.
type MonitorSeries struct {
	ID        string        `json:"id"`
	Name      string        `json:"name,omitempty"`
	Kind      MonitorKind   `json:"kind,omitempty"`
	Points    []BucketCount `json:"points"`
	Total     int           `json:"total"`
	PrevTotal int           `json:"prev_total"`
}

// BucketCount is a count in the bucket starting At.
type BucketCount struct {
	At    time.Time `json:"at"`
	Count int       `json:"count"`
}

// SentimentCounts counts mentions by sentiment; Unknown have none.
type SentimentCounts struct {
	Negative int `json:"negative"`
	Neutral  int `json:"neutral"`
	Positive int `json:"positive"`
	Unknown  int `json:"unknown"`
}

// Total is the sum of the counts.
func (c SentimentCounts) Total() int { return c.Negative + c.Neutral + c.Positive + c.Unknown }

// SentimentBucket is the sentiment of the mentions of the bucket starting At.
type SentimentBucket struct {
	At time.Time `json:"at"`
	SentimentCounts
}

// KeyCount is a key's count in a period and in the previous one.
type KeyCount struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
	Prev  int    `json:"prev"`
}
