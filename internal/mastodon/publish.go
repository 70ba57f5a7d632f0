package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/text"
)

// Publishing with an organisation's own Mastodon account, and its
// notifications for the shared inbox (docs.joinmastodon.org: methods/
// statuses.md, media.md, notifications.md, instance.md, accounts.md,
// apps.md, oauth.md).

// Defaults of an instance that does not say its limits
// (entities/Instance.md: configuration.statuses).
const (
	DefaultMaxChars = 500
	DefaultMaxMedia = 4
	DefaultURLChars = 23
)

// Bounds of the client's work.
const (
	// notificationPages is the most pages of 40 notifications one call
	// of Notifications reads; the next call goes on from its cursor.
	notificationPages = 5
	notificationLimit = 40
	// lookupWindow is how long before a draft's CreatedAt a status may
	// have been created and still be taken for it (clocks differ).
	lookupWindow = time.Minute
	// mediaPolls bounds the checks of an attachment still processing.
	mediaPolls = 10
)

// mediaWait is the wait before the n-th check (from 1) of an attachment
// the instance is still processing; tests shorten it.
var mediaWait = func(n int) time.Duration { return time.Duration(n) * 500 * time.Millisecond }

// Publisher publishes with a connected Mastodon account and reads its
// notifications. Client carries Vigie's fetch policy; every call goes
// through it. Now is the clock (time.Now when nil).
//
// Errors: a refusal of the token (HTTP 401, 403) is a
// *connector.AuthError; a rate limit (429, with X-RateLimit-Reset or
// Retry-After) a *connector.RateLimitError whose Until says when to try
// again; callers tell the other failures apart with connector.Permanent:
// true for the instance's refusals (422 "Validation failed: …", 404 for a
// reply to a deleted status, …), whose message says why in the instance's
// words, and for a draft the client refuses itself (wrapping
// vigie.ErrInvalid); false for 5xx answers and network failures, which
// may be retried with the same Draft.Key.
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

// target is an account's instance, read from its link.
type target struct {
	base  *url.URL
	host  string
	token string
}

func readTarget(link *vigie.AccountLink, needToken bool) (*target, error) {
	base, err := instanceURL(link.ServerURL)
	if err != nil {
		return nil, err
	}
	t := &target{base: base, host: base.Hostname(), token: strings.TrimSpace(link.Secrets.AccessToken)}
	if needToken && t.token == "" {
		return nil, &connector.AuthError{Network: t.host, Detail: "the account has no access token; connect it again"}
	}
	return t, nil
}

func (t *target) url(path string, q url.Values) string {
	u := *t.base
	u.Path = path
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// call sends one request to the instance with the account's token and
// decodes its JSON answer into out (when not nil). It returns the answer's
// status and headers.
func (p *Publisher) call(ctx context.Context, t *target, method, path string, q url.Values, body io.Reader, contentType string, header http.Header, out any) (int, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, t.url(path, q), body)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", t.host, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if t.token != "" {
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	resp, err := connector.Do(p.client(), t.host, req, p.now())
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, connector.MaxBody+1))
	if err != nil {
		return resp.StatusCode, resp.Header, connector.Plain(t.host, fmt.Errorf("reading the answer: %w", err))
	}
	if len(data) > connector.MaxBody {
		return resp.StatusCode, resp.Header, fmt.Errorf("%s: the answer is over %d MB; not read", t.host, connector.MaxBody>>20)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, resp.Header, fmt.Errorf("%s: the answer is not the JSON expected (%v); is this a Mastodon instance?", t.host, err)
		}
	}
	return resp.StatusCode, resp.Header, nil
}

// RefusedError is a request the instance turned down for good (an HTTP
// 4xx but 401, 403, 408 and 429), in its own words.
type RefusedError struct {
	What string // "post", "image"
	Err  *connector.StatusError
}

func (e *RefusedError) Error() string {
	msg := fmt.Sprintf("%s refused the %s (HTTP %d)", e.Err.Network, e.What, e.Err.Status)
	if e.Err.Detail != "" {
		msg += ": " + e.Err.Detail
	}
	return msg
}

func (e *RefusedError) Unwrap() error { return e.Err }

// refused words a permanent refusal as a RefusedError; other errors come
// back as they are.
func refused(err error, what string) error {
	var s *connector.StatusError
	if connector.Permanent(err) && errors.As(err, &s) {
		return &RefusedError{What: what, Err: s}
	}
	return err
}

// credentialAccount is the part of verify_credentials' answer read
// (methods/accounts.md, entities/Account.md).
type credentialAccount struct {
	ID          connector.Str `json:"id"`
	Username    string        `json:"username"`
	Acct        string        `json:"acct"`
	DisplayName string        `json:"display_name"`
	URL         string        `json:"url"`
}

// instanceInfo reads both /api/v2/instance (domain, configuration) and
// /api/v1/instance (uri, configuration since 3.4.2, max_toot_chars of
// Pleroma and glitch-soc).
type instanceInfo struct {
	Domain        string        `json:"domain"`
	URI           string        `json:"uri"`
	MaxTootChars  connector.Num `json:"max_toot_chars"`
	Configuration struct {
		Statuses struct {
			MaxCharacters            connector.Num `json:"max_characters"`
			MaxMediaAttachments      connector.Num `json:"max_media_attachments"`
			CharactersReservedPerURL connector.Num `json:"characters_reserved_per_url"`
		} `json:"statuses"`
		MediaAttachments struct {
			ImageSizeLimit connector.Num `json:"image_size_limit"`
		} `json:"media_attachments"`
		URLs struct {
			Streaming string `json:"streaming"` // v2: wss://streaming.host
		} `json:"urls"`
	} `json:"configuration"`
	URLs struct {
		StreamingAPI string `json:"streaming_api"` // v1
	} `json:"urls"`
}

func (in *instanceInfo) limits() vigie.AccountLimits {
	l := vigie.AccountLimits{MaxChars: DefaultMaxChars, MaxMedia: DefaultMaxMedia, URLChars: DefaultURLChars}
	st := in.Configuration.Statuses
	switch {
	case st.MaxCharacters > 0:
		l.MaxChars = int(st.MaxCharacters)
	case in.MaxTootChars > 0:
		l.MaxChars = int(in.MaxTootChars)
	}
	if st.MaxMediaAttachments > 0 {
		l.MaxMedia = int(st.MaxMediaAttachments)
	}
	if st.CharactersReservedPerURL > 0 {
		l.URLChars = int(st.CharactersReservedPerURL)
	}
	if n := in.Configuration.MediaAttachments.ImageSizeLimit; n > 0 {
		l.MaxImageBytes = int64(n)
	}
	return l
}

// domain is the instance's own domain (its accounts' handles), which may
// differ from the host it is reached at.
func (in *instanceInfo) domain() string {
	if d := strings.TrimSpace(in.Domain); d != "" {
		return d
	}
	uri := strings.TrimSpace(in.URI)
	if u, err := url.Parse(uri); err == nil && u.Host != "" {
		return u.Hostname()
	}
	return uri
}

// Verify checks the account's token (GET /api/v1/accounts/
// verify_credentials) and reads the instance's limits (GET
// /api/v2/instance, else /api/v1/instance, else Mastodon's defaults). It
// sets link.RemoteID to the account's id. The handle is
// "@user@domain", with the instance's domain.
func (p *Publisher) Verify(ctx context.Context, link *vigie.AccountLink) (vigie.Profile, error) {
	t, err := readTarget(link, true)
	if err != nil {
		return vigie.Profile{}, err
	}
	var acct credentialAccount
	if _, _, err := p.call(ctx, t, http.MethodGet, "/api/v1/accounts/verify_credentials", nil, nil, "", nil, &acct); err != nil {
		return vigie.Profile{}, err
	}
	if acct.ID == "" {
		return vigie.Profile{}, fmt.Errorf("%s: verify_credentials gave no account id; is this a Mastodon instance?", t.host)
	}
	in, err := p.instance(ctx, t)
	if err != nil {
		return vigie.Profile{}, err
	}
	name := strings.TrimPrefix(strings.TrimSpace(acct.Acct), "@")
	if name == "" {
		name = acct.Username
	}
	if !strings.Contains(name, "@") {
		d := in.domain()
		if d == "" {
			d = t.host
		}
		name += "@" + d
	}
	link.RemoteID = string(acct.ID)
	return vigie.Profile{
		RemoteID:    string(acct.ID),
		Handle:      "@" + name,
		DisplayName: strings.TrimSpace(acct.DisplayName),
		URL:         webURL(acct.URL, ""),
		Limits:      in.limits(),
	}, nil
}

// instance reads the instance's description: v2, else v1 (servers before
// Mastodon 4.0 and most others), else nothing (defaults).
func (p *Publisher) instance(ctx context.Context, t *target) (*instanceInfo, error) {
	var in instanceInfo
	_, _, err := p.call(ctx, t, http.MethodGet, "/api/v2/instance", nil, nil, "", nil, &in)
	if err == nil {
		return &in, nil
	}
	if !missing(err) {
		return nil, err
	}
	in = instanceInfo{}
	_, _, err = p.call(ctx, t, http.MethodGet, "/api/v1/instance", nil, nil, "", nil, &in)
	if err != nil && !missing(err) {
		return nil, err
	}
	return &in, nil
}

// missing reports an endpoint the server does not have.
func missing(err error) bool {
	s := connector.StatusOf(err)
	return s == http.StatusNotFound || s == http.StatusGone || s == http.StatusNotImplemented
}

// mediaAttachment is the part of a MediaAttachment read
// (entities/MediaAttachment.md); url is null while it is processed.
type mediaAttachment struct {
	ID  connector.Str `json:"id"`
	URL string        `json:"url"`
}

// Publish uploads the draft's images (POST /api/v2/media, waiting for
// those the instance processes asynchronously) and posts the status (POST
// /api/v1/statuses, public) with the header Idempotency-Key: d.Key, so
// that a retry within the hour Mastodon keeps keys returns the same status
// instead of a second one. After a longer interruption, use Lookup before
// trying again.
func (p *Publisher) Publish(ctx context.Context, link *vigie.AccountLink, d vigie.Draft) (vigie.RemotePost, error) {
	t, err := readTarget(link, true)
	if err != nil {
		return vigie.RemotePost{}, err
	}
	if strings.TrimSpace(d.Key) == "" {
		return vigie.RemotePost{}, fmt.Errorf("%w: the draft has no idempotency key", vigie.ErrInvalid)
	}
	if strings.TrimSpace(d.Text) == "" && len(d.Media) == 0 {
		return vigie.RemotePost{}, fmt.Errorf("%w: the post is empty", vigie.ErrInvalid)
	}
	form := url.Values{}
	for i, m := range d.Media {
		id, err := p.upload(ctx, t, m, i)
		if err != nil {
			return vigie.RemotePost{}, err
		}
		form.Add("media_ids[]", id)
	}
	form.Set("status", d.Text)
	form.Set("visibility", "public")
	if d.ContentWarning != "" {
		form.Set("spoiler_text", d.ContentWarning)
	}
	if d.Language != "" {
		form.Set("language", d.Language)
	}
	if d.ReplyTo != nil && d.ReplyTo.ID != "" {
		form.Set("in_reply_to_id", d.ReplyTo.ID)
	}
	var st status
	h := http.Header{"Idempotency-Key": {d.Key}}
	_, _, err = p.call(ctx, t, http.MethodPost, "/api/v1/statuses", nil, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", h, &st)
	if err != nil {
		return vigie.RemotePost{}, refused(err, "post")
	}
	if st.ID == "" {
		return vigie.RemotePost{}, fmt.Errorf("%s: the instance answered the post without a status id", t.host)
	}
	return remote(&st), nil
}

func remote(st *status) vigie.RemotePost {
	return vigie.RemotePost{ID: st.ID, URI: st.URI, URL: webURL(st.URL, st.URI)}
}

// upload sends one image and waits until the instance has processed it.
func (p *Publisher) upload(ctx context.Context, t *target, m vigie.Media, i int) (string, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	mime := m.MIME
	if mime == "" {
		mime = http.DetectContentType(m.Data)
	}
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="image%d%s"`, i+1, extension(mime)))
	hdr.Set("Content-Type", mime)
	part, err := w.CreatePart(hdr)
	if err != nil {
		return "", err
	}
	part.Write(m.Data)
	if m.Alt != "" {
		w.WriteField("description", m.Alt)
	}
	w.Close()
	var att mediaAttachment
	code, _, err := p.call(ctx, t, http.MethodPost, "/api/v2/media", nil, &body, w.FormDataContentType(), nil, &att)
	if err != nil {
		return "", refused(err, fmt.Sprintf("image %d", i+1))
	}
	if att.ID == "" {
		return "", fmt.Errorf("%s: the instance answered the upload without an id", t.host)
	}
	// 202 Accepted: processed asynchronously; GET /api/v1/media/:id
	// answers 206 until it is done, then 200 with its url.
	for n := 1; code == http.StatusAccepted || att.URL == ""; n++ {
		if n > mediaPolls {
			return "", fmt.Errorf("%s: image %d is still being processed after %d checks; try again later", t.host, i+1, mediaPolls)
		}
		timer := time.NewTimer(mediaWait(n))
		select {
		case <-ctx.Done():
			timer.Stop()
			return "", ctx.Err()
		case <-timer.C:
		}
		code, _, err = p.call(ctx, t, http.MethodGet, "/api/v1/media/"+url.PathEscape(string(att.ID)), nil, nil, "", nil, &att)
		if err != nil {
			return "", refused(err, fmt.Sprintf("image %d", i+1))
		}
		if code == http.StatusPartialContent {
			att.URL = ""
		}
	}
	return string(att.ID), nil
}

func extension(mime string) string {
	switch mime {
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	}
	return ""
}

// Lookup finds a draft's status among the account's latest 40 (GET
// /api/v1/accounts/:id/statuses), for a retry after Mastodon's hour of
// idempotency: a status created at most a minute before d.CreatedAt or
// later, answering the same status (or none), whose text is the draft's
// (compared as plain text, spaces folded, mentions by their local part
// as Mastodon shows them). ok is false when there is none.
// keyTrusted is how long after its first attempt a draft's
// Idempotency-Key is trusted to find it: Mastodon keeps keys an hour.
const keyTrusted = 50 * time.Minute

func (p *Publisher) Lookup(ctx context.Context, link *vigie.AccountLink, d vigie.Draft) (vigie.RemotePost, bool, error) {
	// Within the hour the instance keeps the Idempotency-Key, sending the
	// draft again with it is the exact answer: the instance returns the
	// status it made, if it made one. Looking by text could take another
	// post of the same words for it.
	if !d.CreatedAt.IsZero() && p.now().Sub(d.CreatedAt) < keyTrusted {
		return vigie.RemotePost{}, false, nil
	}
	t, err := readTarget(link, true)
	if err != nil {
		return vigie.RemotePost{}, false, err
	}
	id, err := p.accountID(ctx, t, link)
	if err != nil {
		return vigie.RemotePost{}, false, err
	}
	q := url.Values{"limit": {"40"}, "exclude_reblogs": {"true"}}
	var raw []json.RawMessage
	if _, _, err := p.call(ctx, t, http.MethodGet, "/api/v1/accounts/"+url.PathEscape(id)+"/statuses", q, nil, "", nil, &raw); err != nil {
		return vigie.RemotePost{}, false, err
	}
	want := comparable(d.Text)
	reply := ""
	if d.ReplyTo != nil {
		reply = d.ReplyTo.ID
	}
	from := d.CreatedAt.Add(-lookupWindow)
	for _, r := range raw {
		st, err := decodeStatus(r)
		if err != nil || st.ID == "" || st.Reblog != nil {
			continue
		}
		if at, ok := parseTime(st.CreatedAt); !ok || at.Before(from) {
			continue
		}
		if st.InReplyToID != reply || comparable(text.FromHTML(st.Content)) != want {
			continue
		}
		return remote(st), true, nil
	}
	return vigie.RemotePost{}, false, nil
}

// accountID is the account's id: link.RemoteID, else asked (and kept in
// link).
func (p *Publisher) accountID(ctx context.Context, t *target, link *vigie.AccountLink) (string, error) {
	if link.RemoteID != "" {
		return link.RemoteID, nil
	}
	var acct credentialAccount
	if _, _, err := p.call(ctx, t, http.MethodGet, "/api/v1/accounts/verify_credentials", nil, nil, "", nil, &acct); err != nil {
		return "", err
	}
	if acct.ID == "" {
		return "", fmt.Errorf("%s: verify_credentials gave no account id", t.host)
	}
	link.RemoteID = string(acct.ID)
	return link.RemoteID, nil
}

// comparable is a text as Lookup compares it.
func comparable(s string) string {
	s = mentionRE.ReplaceAllString(s, "$1@$2")
	return strings.Join(strings.Fields(s), " ")
}

// Mastodon's counting (app/validators/status_length_validator.rb): a URL
// counts characters_reserved_per_url, a mention @user@domain counts as
// @user, everything else one per character (code point).
var (
	urlRE     = regexp.MustCompile(`(?i)(^|[\s(\[{<"'])(https?://[^\s<>"]+)`)
	mentionRE = regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}_/@])@([\p{L}\p{N}_]+(?:[\p{L}\p{N}_.-]+[\p{L}\p{N}_])?)@[\p{L}\p{N}.-]+\.[\p{L}\p{N}-]+`)
)

// Length counts text as the instance does against limits.MaxChars: every
// http(s) URL as limits.URLChars (23 by default), a mention of a remote
// account (@user@domain) as its local part (@user), every other
// character (code point) as one.
func Length(text string, limits vigie.AccountLimits) int {
	per := limits.URLChars
	if per <= 0 {
		per = DefaultURLChars
	}
	n := 0
	rest := urlRE.ReplaceAllStringFunc(text, func(m string) string {
		sub := urlRE.FindStringSubmatch(m)
		u := strings.TrimRight(sub[2], ".,;:!?)")
		n += per
		return sub[1] + sub[2][len(u):]
	})
	rest = mentionRE.ReplaceAllString(rest, "$1@$2")
	return n + utf8.RuneCountInString(rest)
}

// notification is a Notification (entities/Notification.md) of type
// mention, with the part of its status read.
type notification struct {
	ID        connector.Str `json:"id"`
	Type      string        `json:"type"`
	CreatedAt string        `json:"created_at"`
	Account   account       `json:"account"`
	Status    *struct {
		status
		InReplyToAccountID connector.Str `json:"in_reply_to_account_id"`
	} `json:"status"`
}

// decodeNotifications reads a page of notifications into the inbox's
// terms, keeping mentions (replies among them: Mastodon sends a reply to
// the account as a mention) of a status that can be read. ids holds the
// id of every notification of the page, in order, for paging. self is the
// account's id, to tell replies to it from mentions.
func decodeNotifications(data []byte, host, self string) (out []vigie.Notification, ids []string, err error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, fmt.Errorf("the answer is not a list of notifications (%v); is this a Mastodon instance?", err)
	}
	m := &mapper{host: host}
	for _, r := range raw {
		var n notification
		if json.Unmarshal(r, &n) != nil || n.ID == "" || !validID(string(n.ID)) {
			continue
		}
		ids = append(ids, string(n.ID))
		if n.Type != "mention" || n.Status == nil || n.Status.ID == "" {
			continue
		}
		st := &n.Status.status
		at, ok := parseTime(st.CreatedAt)
		if !ok {
			if at, ok = parseTime(n.CreatedAt); !ok {
				continue
			}
		}
		if st.Account.ID == "" && st.Account.Acct == "" {
			st.Account = n.Account
		}
		n2 := m.notification(st, at)
		n2.RemoteID, n2.Kind = string(n.ID), vigie.NotifyMention
		if self != "" && string(n.Status.InReplyToAccountID) == self {
			n2.Kind = vigie.NotifyReply
		}
		out = append(out, n2)
	}
	return out, ids, nil
}

// Notifications reads the mentions of the account (replies to it among
// them, Kind reply) newer than the notification id since (GET
// /api/v1/notifications?types[]=mention), oldest first, and returns the
// cursor to give next time: the newest notification id seen (since when
// none). Without since, it reads the latest page only. After a long
// pause it reads at most a few pages (200 notifications) and goes on at
// the next call.
func (p *Publisher) Notifications(ctx context.Context, link *vigie.AccountLink, since string) ([]vigie.Notification, string, error) {
	t, err := readTarget(link, true)
	if err != nil {
		return nil, since, err
	}
	if since != "" && !validID(since) {
		return nil, since, fmt.Errorf("%w: %q is not a notification id", vigie.ErrInvalid, clip(since))
	}
	self, err := p.accountID(ctx, t, link)
	if err != nil {
		return nil, since, err
	}
	var all []vigie.Notification
	cursor := since
	for page := 0; page < notificationPages; page++ {
		q := url.Values{"types[]": {"mention"}, "limit": {strconv.Itoa(notificationLimit)}}
		if cursor != "" {
			// min_id: the notifications just after the cursor, so that
			// paging forward loses none (since_id gives the newest).
			q.Set("min_id", cursor)
		}
		var raw json.RawMessage
		if _, _, err := p.call(ctx, t, http.MethodGet, "/api/v1/notifications", q, nil, "", nil, &raw); err != nil {
			return nil, since, err
		}
		got, ids, err := decodeNotifications(raw, t.host, self)
		if err != nil {
			return nil, since, fmt.Errorf("%s: %w", t.host, err)
		}
		newest := cursor
		for _, id := range ids {
			if newest == "" || compareIDs(id, newest) > 0 {
				newest = id
			}
		}
		// A page is newest first: prepend it reversed after the older.
		for i := len(got) - 1; i >= 0; i-- {
			if cursor == "" || compareIDs(got[i].RemoteID, cursor) > 0 {
				all = append(all, got[i])
			}
		}
		if newest == cursor || len(ids) < notificationLimit || since == "" {
			cursor = newest
			break
		}
		cursor = newest
	}
	return all, cursor, nil
}
