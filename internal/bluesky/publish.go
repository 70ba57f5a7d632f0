package bluesky

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/netguard"
)

// Publishing with an organisation's own Bluesky account, logged in with
// an app password, and its notifications for the shared inbox. Every call
// goes to the account's PDS (or the entryway, https://bsky.social), which
// serves com.atproto.* itself and proxies app.bsky.* to the AppView
// (lexicons in bluesky-social/atproto, lexicons/com/atproto and
// lexicons/app/bsky).

// DefaultServer is where an account logs in when its link names none.
const DefaultServer = "https://bsky.social"

// Limits are Bluesky's for one post: 300 graphemes and 3,000 bytes of
// text, 3 languages (app/bsky/feed/post.json), 4 images of at most
// 1,000,000 bytes each (app/bsky/embed/images.json, maxSize).
var Limits = vigie.AccountLimits{
	MaxChars:      300,
	Graphemes:     true,
	MaxBytes:      3000,
	MaxMedia:      4,
	MaxImageBytes: 1_000_000,
	MaxLanguages:  3,
}

// Bounds of the client's work.
const (
	notificationLimit = 50
	// notificationPages bounds the pages one call of Notifications
	// reads; the next call goes on from its cursor.
	notificationPages = 20
)

// Publisher publishes with a connected Bluesky account and reads its
// notifications. Client carries Vigie's fetch policy; every call goes
// through it. Now is the clock (time.Now when nil).
//
// Session: the account's session (link.Secrets.AccessToken and
// RefreshToken, the access and refresh JWTs) is made with the app
// password when there is none (com.atproto.server.createSession); when
// the PDS says the access token expired, it is refreshed
// (com.atproto.server.refreshSession) and the call made once more; when
// the refresh is refused, a new session is made with the app password;
// only when that is refused is the error a *connector.AuthError. Every
// method may so change link.Secrets (and set link.RemoteID to the DID):
// the caller must save them when they changed. A network failure or a 5xx
// during any of this is a transient error, never an AuthError.
//
// Errors, as Mastodon's: 401/403 and refused logins *connector.AuthError;
// 429 a *connector.RateLimitError until ratelimit-reset (Unix seconds) or
// Retry-After; connector.Permanent is true for the PDS's refusals (400
// InvalidRequest, with its message) and drafts the client refuses itself
// (wrapping vigie.ErrInvalid: over Limits), false for 5xx and network
// failures, which may be retried with the same Draft.
type Publisher struct {
	Client *http.Client
	Now    func() time.Time
}

func (p *Publisher) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Publisher) client() *http.Client {
	if p.Client != nil {
		return p.Client
	}
	return http.DefaultClient
}

// session is one account's PDS, with its link (whose secrets it updates).
type session struct {
	p    *Publisher
	base *url.URL
	host string
	link *vigie.AccountLink
}

func (p *Publisher) session(link *vigie.AccountLink) (*session, error) {
	raw := strings.TrimSpace(link.ServerURL)
	if raw == "" {
		raw = DefaultServer
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || (u.Scheme != "https" && !(u.Scheme == "http" && netguard.LoopbackHost(u.Hostname()))) {
		return nil, fmt.Errorf("%w: %q is not a Bluesky server's address; give https://bsky.social or the account's PDS", vigie.ErrInvalid, link.ServerURL)
	}
	u.Path, u.RawQuery, u.Fragment = "", "", ""
	return &session{p: p, base: u, host: u.Hostname(), link: link}, nil
}

// xrpc sends one XRPC call with bearer (none when ""), and decodes its
// JSON answer into out (when not nil).
func (s *session) xrpc(ctx context.Context, method, nsid string, q url.Values, body io.Reader, contentType, bearer string, out any) error {
	u := *s.base
	u.Path = "/xrpc/" + nsid
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("%s: %w", s.host, err)
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := connector.Do(s.p.client(), s.host, req, s.p.now())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, connector.MaxBody+1))
	if err != nil {
		return connector.Plain(s.host, fmt.Errorf("reading the answer: %w", err))
	}
	if len(data) > connector.MaxBody {
		return fmt.Errorf("%s: the answer is over %d MB; not read", s.host, connector.MaxBody>>20)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s: the answer to %s is not the JSON expected (%v)", s.host, nsid, err)
		}
	}
	return nil
}

// call is xrpc with the account's session: made when there is none,
// refreshed (or made again) once when the PDS says it expired.
func (s *session) call(ctx context.Context, method, nsid string, q url.Values, body []byte, contentType string, out any) error {
	if s.link.Secrets.AccessToken == "" {
		if err := s.login(ctx); err != nil {
			return err
		}
	}
	send := func() error {
		var r io.Reader
		if body != nil {
			r = bytes.NewReader(body)
		}
		return s.xrpc(ctx, method, nsid, q, r, contentType, s.link.Secrets.AccessToken, out)
	}
	err := send()
	if !expired(err) {
		return err
	}
	if err := s.renew(ctx); err != nil {
		return err
	}
	return send()
}

// expired reports an answer saying the access token is no longer good:
// 400 ExpiredToken (what the reference PDS sends) or InvalidToken, or a
// 401.
func expired(err error) bool {
	switch connector.StatusOf(err) {
	case http.StatusUnauthorized:
		return true
	case http.StatusBadRequest:
		c := connector.ErrorCode(err)
		return c == "ExpiredToken" || c == "InvalidToken"
	}
	return false
}

// sessionAnswer is createSession's and refreshSession's output
// (com/atproto/server/createSession.json, refreshSession.json).
type sessionAnswer struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	Handle     string `json:"handle"`
	Did        string `json:"did"`
}

func (s *session) keep(a *sessionAnswer) error {
	if a.AccessJwt == "" || a.RefreshJwt == "" || !strings.HasPrefix(a.Did, "did:") {
		return fmt.Errorf("%s: the session's answer has no tokens or DID", s.host)
	}
	s.link.Secrets.AccessToken, s.link.Secrets.RefreshToken = a.AccessJwt, a.RefreshJwt
	s.link.RemoteID = a.Did
	return nil
}

// renew refreshes the session, else makes a new one.
func (s *session) renew(ctx context.Context) error {
	if rt := s.link.Secrets.RefreshToken; rt != "" {
		var a sessionAnswer
		err := s.xrpc(ctx, http.MethodPost, "com.atproto.server.refreshSession", nil, nil, "", rt, &a)
		if err == nil {
			return s.keep(&a)
		}
		if !expired(err) && !connector.IsAuth(err) {
			return err // transient, or a rate limit: not a refusal
		}
	}
	return s.login(ctx)
}

// login makes a session with the app password.
func (s *session) login(ctx context.Context) error {
	id, pw := strings.TrimSpace(s.link.Identifier), s.link.Secrets.AppPassword
	if id == "" {
		id = s.link.RemoteID
	}
	if id == "" || pw == "" {
		return &connector.AuthError{Network: s.host, Detail: "the account has no handle or app password; connect it again"}
	}
	body, _ := json.Marshal(map[string]string{"identifier": id, "password": pw})
	var a sessionAnswer
	err := s.xrpc(ctx, http.MethodPost, "com.atproto.server.createSession", nil, bytes.NewReader(body), "application/json", "", &a)
	var se *connector.StatusError
	if errors.As(err, &se) && se.Status == http.StatusBadRequest {
		// AccountTakedown, InvalidRequest…: these credentials cannot log in.
		return &connector.AuthError{Network: s.host, Status: se.Status, Detail: se.Detail, Code: se.Code}
	}
	if err != nil {
		return err
	}
	s.link.Secrets.AccessToken, s.link.Secrets.RefreshToken = "", ""
	return s.keep(&a)
}

// did is the account's DID, logging in to learn it if needed.
func (s *session) did(ctx context.Context) (string, error) {
	if strings.HasPrefix(s.link.RemoteID, "did:") {
		return s.link.RemoteID, nil
	}
	if err := s.login(ctx); err != nil {
		return "", err
	}
	return s.link.RemoteID, nil
}

// Verify logs in (when the link has no session) and reads the account's
// profile (app.bsky.actor.getProfile). It sets link.RemoteID to the DID.
func (p *Publisher) Verify(ctx context.Context, link *vigie.AccountLink) (vigie.Profile, error) {
	s, err := p.session(link)
	if err != nil {
		return vigie.Profile{}, err
	}
	if link.Secrets.AccessToken == "" || !strings.HasPrefix(link.RemoteID, "did:") {
		if err := s.login(ctx); err != nil {
			return vigie.Profile{}, err
		}
	}
	var prof struct {
		Did         string `json:"did"`
		Handle      string `json:"handle"`
		DisplayName string `json:"displayName"`
	}
	if err := s.call(ctx, http.MethodGet, "app.bsky.actor.getProfile", url.Values{"actor": {link.RemoteID}}, nil, "", &prof); err != nil {
		return vigie.Profile{}, err
	}
	if prof.Handle == "" {
		return vigie.Profile{}, fmt.Errorf("%s: the profile has no handle", s.host)
	}
	return vigie.Profile{
		RemoteID:    link.RemoteID,
		Handle:      prof.Handle,
		DisplayName: strings.TrimSpace(prof.DisplayName),
		URL:         "https://bsky.app/profile/" + prof.Handle,
		Limits:      Limits,
	}, nil
}

// RecordKey is the record key of the post of a draft: a TID
// (atproto.com/specs/tid: 64 bits, the top one 0, then 53 bits of
// microseconds since 1970, then a 10-bit clock id; 13 characters of
// base32-sortable) made from the draft alone, so that every attempt of one
// draft writes at the same key and a retry cannot make a second post. Its
// time is createdAt's second, plus, for its microseconds, 20 bits of the
// SHA-256 of key (mod 1,000,000); its clock id is 10 more bits of that
// hash. A store that keeps createdAt to the second keeps the key.
func RecordKey(key string, createdAt time.Time) (string, error) {
	if strings.TrimSpace(key) == "" {
		return "", fmt.Errorf("%w: the draft has no idempotency key", vigie.ErrInvalid)
	}
	sec := createdAt.Unix()
	if createdAt.IsZero() || sec < 0 || sec > (1<<53)/1_000_000 {
		return "", fmt.Errorf("%w: the draft has no creation time", vigie.ErrInvalid)
	}
	sum := sha256.Sum256([]byte(key))
	h := binary.BigEndian.Uint64(sum[:8])
	micros := uint64(sec)*1_000_000 + (h>>44)%1_000_000
	clock := h & 0x3ff
	return tid(micros<<10 | clock), nil
}

const base32Sortable = "234567abcdefghijklmnopqrstuvwxyz"

func tid(v uint64) string {
	v &^= 1 << 63
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = base32Sortable[v&31]
		v >>= 5
	}
	return string(b[:])
}

// validTID reports whether s has a TID's syntax.
func validTID(s string) bool {
	if len(s) != 13 || strings.IndexByte("234567abcdefghij", s[0]) < 0 {
		return false
	}
	for i := 1; i < len(s); i++ {
		if strings.IndexByte(base32Sortable, s[i]) < 0 {
			return false
		}
	}
	return true
}

// strongRef is com.atproto.repo.strongRef.
type strongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

type replyRef struct {
	Root   strongRef `json:"root"`
	Parent strongRef `json:"parent"`
}

type imageEmbed struct {
	Alt   string          `json:"alt"`
	Image json.RawMessage `json:"image"` // the blob, as uploadBlob gave it
}

type embedImages struct {
	Type   string       `json:"$type"`
	Images []imageEmbed `json:"images"`
}

// postRecord is an app.bsky.feed.post record (app/bsky/feed/post.json).
type postRecord struct {
	Type      string       `json:"$type"`
	Text      string       `json:"text"`
	Facets    []Facet      `json:"facets,omitempty"`
	Reply     *replyRef    `json:"reply,omitempty"`
	Embed     *embedImages `json:"embed,omitempty"`
	Langs     []string     `json:"langs,omitempty"`
	CreatedAt string       `json:"createdAt"`
}

const postType = "app.bsky.feed.post"

// check refuses a draft over Bluesky's limits, before any call.
func check(d vigie.Draft) error {
	switch {
	case strings.TrimSpace(d.Text) == "" && len(d.Media) == 0:
		return fmt.Errorf("%w: the post is empty", vigie.ErrInvalid)
	case Length(d.Text) > Limits.MaxChars:
		return fmt.Errorf("%w: the post is %d characters long; Bluesky takes %d", vigie.ErrInvalid, Length(d.Text), Limits.MaxChars)
	case len(d.Text) > Limits.MaxBytes:
		return fmt.Errorf("%w: the post is %d bytes long; Bluesky takes %d", vigie.ErrInvalid, len(d.Text), Limits.MaxBytes)
	case len(d.Media) > Limits.MaxMedia:
		return fmt.Errorf("%w: %d images; Bluesky takes %d", vigie.ErrInvalid, len(d.Media), Limits.MaxMedia)
	case d.ReplyTo != nil && (d.ReplyTo.URI == "" || d.ReplyTo.CID == ""):
		return fmt.Errorf("%w: the post it answers has no URI and CID", vigie.ErrInvalid)
	}
	for i, m := range d.Media {
		if int64(len(m.Data)) > Limits.MaxImageBytes {
			return fmt.Errorf("%w: image %d is %d bytes; Bluesky takes %d", vigie.ErrInvalid, i+1, len(m.Data), Limits.MaxImageBytes)
		}
	}
	return nil
}

// Publish posts the draft (com.atproto.repo.createRecord) at the record
// key RecordKey gives, after uploading its images
// (com.atproto.repo.uploadBlob) and resolving its mentions
// (com.atproto.identity.resolveHandle; a handle that does not resolve is
// left as text). When the create fails in a way that may hide a success
// (a 5xx, a lost connection, a key already taken — the reference PDS
// answers 500 for a duplicate key, bluesky-social/indigo#873), the record
// at that key is read back: if it holds the draft's text, it is the
// post, published by an earlier attempt.
func (p *Publisher) Publish(ctx context.Context, link *vigie.AccountLink, d vigie.Draft) (vigie.RemotePost, error) {
	if err := check(d); err != nil {
		return vigie.RemotePost{}, err
	}
	rkey, err := RecordKey(d.Key, d.CreatedAt)
	if err != nil {
		return vigie.RemotePost{}, err
	}
	s, err := p.session(link)
	if err != nil {
		return vigie.RemotePost{}, err
	}
	did, err := s.did(ctx)
	if err != nil {
		return vigie.RemotePost{}, err
	}
	rec := postRecord{Type: postType, Text: d.Text, CreatedAt: d.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z")}
	if d.Language != "" {
		rec.Langs = []string{d.Language}
	}
	if r := d.ReplyTo; r != nil {
		parent := strongRef{URI: r.URI, CID: r.CID}
		root := parent
		if r.RootURI != "" && r.RootCID != "" {
			root = strongRef{URI: r.RootURI, CID: r.RootCID}
		}
		rec.Reply = &replyRef{Root: root, Parent: parent}
	}
	if rec.Facets, err = s.facets(ctx, d.Text); err != nil {
		return vigie.RemotePost{}, err
	}
	for i, m := range d.Media {
		blob, err := s.upload(ctx, m)
		if err != nil {
			return vigie.RemotePost{}, fmt.Errorf("image %d: %w", i+1, err)
		}
		if rec.Embed == nil {
			rec.Embed = &embedImages{Type: "app.bsky.embed.images"}
		}
		rec.Embed.Images = append(rec.Embed.Images, imageEmbed{Alt: m.Alt, Image: blob})
	}
	input, err := json.Marshal(map[string]any{"repo": did, "collection": postType, "rkey": rkey, "record": rec})
	if err != nil {
		return vigie.RemotePost{}, err
	}
	var out strongRef
	err = s.call(ctx, http.MethodPost, "com.atproto.repo.createRecord", nil, input, "application/json", &out)
	if err == nil {
		if out.URI == "" || out.CID == "" {
			return vigie.RemotePost{}, fmt.Errorf("%s: createRecord answered without uri or cid", s.host)
		}
		return remote(did, rkey, out), nil
	}
	if mayHaveWritten(err) && ctx.Err() == nil {
		got, value, found, gerr := s.getRecord(ctx, did, rkey)
		if gerr == nil && found && value.Text == d.Text {
			return got, nil
		}
	}
	return vigie.RemotePost{}, refused(err)
}

// mayHaveWritten reports a failed create that may hide a record written:
// not a refusal of the credentials, not a rate limit.
func mayHaveWritten(err error) bool {
	if connector.IsAuth(err) || errors.Is(err, context.Canceled) {
		return false
	}
	_, limited := connector.RateLimited(err)
	return !limited
}

// RefusedError is a call the PDS turned down for good (a 4xx but 401,
// 403, 408 and 429), in its words.
type RefusedError struct{ Err *connector.StatusError }

func (e *RefusedError) Error() string {
	msg := fmt.Sprintf("%s refused the post (HTTP %d", e.Err.Network, e.Err.Status)
	if e.Err.Code != "" {
		msg += " " + e.Err.Code
	}
	msg += ")"
	if e.Err.Detail != "" && e.Err.Detail != e.Err.Code {
		msg += ": " + e.Err.Detail
	}
	return msg
}

func (e *RefusedError) Unwrap() error { return e.Err }

func refused(err error) error {
	var s *connector.StatusError
	if connector.Permanent(err) && errors.As(err, &s) {
		return &RefusedError{Err: s}
	}
	return err
}

func remote(did, rkey string, ref strongRef) vigie.RemotePost {
	return vigie.RemotePost{URI: ref.URI, CID: ref.CID, URL: "https://bsky.app/profile/" + did + "/post/" + rkey}
}

// upload sends one image and returns its blob as the PDS described it.
func (s *session) upload(ctx context.Context, m vigie.Media) (json.RawMessage, error) {
	mime := m.MIME
	if mime == "" {
		mime = http.DetectContentType(m.Data)
	}
	var out struct {
		Blob json.RawMessage `json:"blob"`
	}
	if err := s.call(ctx, http.MethodPost, "com.atproto.repo.uploadBlob", nil, m.Data, mime, &out); err != nil {
		return nil, refused(err)
	}
	if len(out.Blob) == 0 || string(out.Blob) == "null" {
		return nil, fmt.Errorf("%s: uploadBlob answered without a blob", s.host)
	}
	return out.Blob, nil
}

// facets are the text's facets, with its mentions resolved to DIDs; the
// mentions that do not resolve are dropped.
func (s *session) facets(ctx context.Context, text string) ([]Facet, error) {
	fs := Facets(text)
	out := fs[:0]
	dids := map[string]string{}
	for _, f := range fs {
		ft := &f.Features[0]
		if ft.Type == FacetMention {
			did, ok := dids[ft.Handle]
			if !ok {
				var err error
				if did, err = s.resolve(ctx, ft.Handle); err != nil {
					return nil, err
				}
				dids[ft.Handle] = did
			}
			if did == "" {
				continue
			}
			ft.DID = did
		}
		out = append(out, f)
	}
	return out, nil
}

// resolve is a handle's DID, "" when it resolves to none (a 400: the
// handle is unknown); other failures are errors.
func (s *session) resolve(ctx context.Context, handle string) (string, error) {
	var out struct {
		Did string `json:"did"`
	}
	err := s.call(ctx, http.MethodGet, "com.atproto.identity.resolveHandle", url.Values{"handle": {handle}}, nil, "", &out)
	if connector.Permanent(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(out.Did, "did:") {
		return "", nil
	}
	return out.Did, nil
}

// getRecord reads the post at rkey of the repository did; found is false
// when there is none (400 RecordNotFound).
func (s *session) getRecord(ctx context.Context, did, rkey string) (vigie.RemotePost, postRecord, bool, error) {
	var out struct {
		URI   string     `json:"uri"`
		CID   string     `json:"cid"`
		Value postRecord `json:"value"`
	}
	q := url.Values{"repo": {did}, "collection": {postType}, "rkey": {rkey}}
	err := s.call(ctx, http.MethodGet, "com.atproto.repo.getRecord", q, nil, "", &out)
	if connector.ErrorCode(err) == "RecordNotFound" || connector.StatusOf(err) == http.StatusNotFound {
		return vigie.RemotePost{}, postRecord{}, false, nil
	}
	if err != nil {
		return vigie.RemotePost{}, postRecord{}, false, err
	}
	return remote(did, rkey, strongRef{URI: out.URI, CID: out.CID}), out.Value, true, nil
}

// Lookup reads the record at the draft's key (com.atproto.repo.getRecord):
// ok is false when there is none.
func (p *Publisher) Lookup(ctx context.Context, link *vigie.AccountLink, d vigie.Draft) (vigie.RemotePost, bool, error) {
	rkey, err := RecordKey(d.Key, d.CreatedAt)
	if err != nil {
		return vigie.RemotePost{}, false, err
	}
	s, err := p.session(link)
	if err != nil {
		return vigie.RemotePost{}, false, err
	}
	did, err := s.did(ctx)
	if err != nil {
		return vigie.RemotePost{}, false, err
	}
	got, _, found, err := s.getRecord(ctx, did, rkey)
	return got, found, err
}

// notificationPage is listNotifications' output
// (app/bsky/notification/listNotifications.json).
type notificationPage struct {
	Cursor        string            `json:"cursor"`
	Notifications []json.RawMessage `json:"notifications"`
}

type notificationItem struct {
	URI    string `json:"uri"`
	CID    string `json:"cid"`
	Author struct {
		Did         string `json:"did"`
		Handle      string `json:"handle"`
		DisplayName string `json:"displayName"`
	} `json:"author"`
	Reason    string `json:"reason"`
	Record    json.RawMessage
	IndexedAt string `json:"indexedAt"`
}

type inboxRecord struct {
	Text      string   `json:"text"`
	Langs     []string `json:"langs"`
	CreatedAt string   `json:"createdAt"`
	Reply     *struct {
		Root   strongRef `json:"root"`
		Parent strongRef `json:"parent"`
	} `json:"reply"`
}

// decodeNotification reads one notification into the inbox's terms, with
// the time it was indexed at; ok is false for a reason the inbox does not
// take (likes, reposts, follows…) or a notification that cannot be read.
func decodeNotification(raw []byte) (n vigie.Notification, indexed time.Time, ok bool) {
	var it notificationItem
	if json.Unmarshal(raw, &it) != nil {
		return n, indexed, false
	}
	indexed, okTime := parseTime(it.IndexedAt)
	var kind vigie.NotificationKind
	switch it.Reason {
	case "mention":
		kind = vigie.NotifyMention
	case "reply":
		kind = vigie.NotifyReply
	case "quote":
		kind = vigie.NotifyQuote
	default:
		return n, indexed, false
	}
	did, rkey, okURI := postURI(it.URI)
	if !okURI || it.CID == "" || !okTime || did != it.Author.Did {
		return n, indexed, false
	}
	n, ok = postNotification(it.URI, it.CID, did, rkey, it.Author.Handle, it.Author.DisplayName, it.Record, indexed)
	if !ok {
		return n, indexed, false
	}
	n.Kind = kind
	return n, indexed, true
}

// postNotification maps a post (its at-URI, CID, author and record) to
// the inbox's terms; at is its time when the record gives none. ok is
// false for a record that cannot be read.
func postNotification(uri, cid, did, rkey, handle, displayName string, record json.RawMessage, at time.Time) (vigie.Notification, bool) {
	var rec inboxRecord
	if json.Unmarshal(record, &rec) != nil {
		return vigie.Notification{}, false
	}
	who := handle
	if who == "" || who == "handle.invalid" {
		who = did
	}
	n := vigie.Notification{
		RemoteID:     uri,
		Post:         vigie.RemoteRef{URI: uri, CID: cid, RootURI: uri, RootCID: cid},
		URL:          "https://bsky.app/profile/" + who + "/post/" + rkey,
		AuthorID:     did,
		AuthorName:   strings.TrimSpace(displayName),
		AuthorHandle: handle,
		AuthorURL:    "https://bsky.app/profile/" + who,
		Text:         connector.ClipText(rec.Text),
		CreatedAt:    at,
	}
	if t, ok := parseTime(rec.CreatedAt); ok {
		n.CreatedAt = t
	}
	if len(rec.Langs) > 0 {
		n.Language = rec.Langs[0]
	}
	if r := rec.Reply; r != nil && r.Root.URI != "" && r.Root.CID != "" {
		n.Post.RootURI, n.Post.RootCID = r.Root.URI, r.Root.CID
		n.InReplyTo = r.Parent.URI
	}
	return n, true
}

// postURI splits at://did/app.bsky.feed.post/rkey.
func postURI(uri string) (did, rkey string, ok bool) {
	rest, ok := strings.CutPrefix(uri, "at://")
	if !ok {
		return "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "did:") || parts[1] != postType || parts[2] == "" || len(uri) > vigie.MaxIDBytes {
		return "", "", false
	}
	return parts[0], parts[2], true
}

func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// Notifications reads the account's mentions, replies and quotes indexed
// after since (app.bsky.notification.listNotifications, 50 a page, paging
// back with its cursor until it reaches since), oldest first, and returns
// the cursor to give next time: the newest indexedAt seen (RFC 3339;
// since when nothing is new). Without since it reads the latest page
// only; after a long pause, at most 20 pages (1,000 notifications of
// every reason, likes included): older ones are skipped.
func (p *Publisher) Notifications(ctx context.Context, link *vigie.AccountLink, since string) ([]vigie.Notification, string, error) {
	var after time.Time
	if since != "" {
		t, ok := parseTime(since)
		if !ok {
			return nil, since, fmt.Errorf("%w: %q is not a notification cursor (a time)", vigie.ErrInvalid, since)
		}
		after = t
	}
	s, err := p.session(link)
	if err != nil {
		return nil, since, err
	}
	var all []vigie.Notification // newest first
	newest, newestRaw := after, since
	cursor := ""
	for page := 0; page < notificationPages; page++ {
		q := url.Values{"limit": {strconv.Itoa(notificationLimit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var pg notificationPage
		if err := s.call(ctx, http.MethodGet, "app.bsky.notification.listNotifications", q, nil, "", &pg); err != nil {
			return nil, since, err
		}
		reached := false
		for _, raw := range pg.Notifications {
			n, indexed, ok := decodeNotification(raw)
			if indexed.IsZero() {
				continue
			}
			// Items indexed at the cursor's very time are read again (two
			// can share it; the inbox stores each post once): only older
			// ones end the reading.
			if !after.IsZero() && indexed.Before(after) {
				reached = true
				continue
			}
			if indexed.After(newest) {
				newest, newestRaw = indexed, indexed.Format(time.RFC3339Nano)
			}
			if ok {
				all = append(all, n)
			}
		}
		if reached || pg.Cursor == "" || pg.Cursor == cursor || since == "" || len(pg.Notifications) == 0 {
			break
		}
		cursor = pg.Cursor
	}
	for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
		all[i], all[j] = all[j], all[i]
	}
	return all, newestRaw, nil
}
