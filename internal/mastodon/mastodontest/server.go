// Package mastodontest is a Mastodon instance for tests: an httptest
// server that speaks, in the JSON shapes of the real API, the endpoints
// Vigie publishes and reads its inbox with, for one account. It is small
// and in memory; it is safe for concurrent use; it can run beside a child
// process (it never calls into the test's goroutine).
//
// What it follows, from docs.joinmastodon.org:
//   - GET /api/v2/instance, /api/v1/instance (methods/instance.md,
//     entities/Instance.md: configuration.statuses.max_characters,
//     max_media_attachments, characters_reserved_per_url,
//     configuration.media_attachments.image_size_limit);
//   - GET /api/v1/accounts/verify_credentials, /api/v1/accounts/:id/statuses
//     (methods/accounts.md);
//   - POST /api/v1/statuses with Idempotency-Key, kept one hour per account
//     (methods/statuses.md); 422 {"error":"Validation failed: …"} for a
//     text over the limit (entities/Error.md);
//   - POST /api/v2/media (200, or 202 while processing), GET /api/v1/media/:id
//     (206 while processing, then 200) (methods/media.md);
//   - GET /api/v1/notifications with types[], since_id, min_id, max_id,
//     limit and a Link header (methods/notifications.md);
//   - GET /api/v1/statuses/:id and /api/v1/statuses/:id/context
//     (methods/statuses.md; thread.go);
//   - POST /api/v1/apps, GET /oauth/authorize (approved at once: it
//     redirects to redirect_uri with code and state), POST /oauth/token
//     with the PKCE S256 verifier checked (methods/apps.md, oauth.md).
//
// Every /api call but instance and apps needs the bearer token (401
// {"error":"The access token is invalid"} otherwise).
package mastodontest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// IdempotencyWindow is how long the instance remembers an Idempotency-Key.
const IdempotencyWindow = time.Hour

// DefaultToken is the account's valid access token until SetToken.
const DefaultToken = "mastodontest-token"

// Server is a fake instance with one account, @vigie.
type Server struct {
	URL       string
	Domain    string // the instance's domain, 127.0.0.1 (its accounts' handles)
	AccountID string // the account's id

	srv *httptest.Server

	mu            sync.Mutex
	now           func() time.Time
	tokens        map[string]bool
	maxChars      int
	maxMedia      int
	asyncPolls    int
	nextID        int64
	statuses      []*status            // every status the instance knows, own and others'
	streams       map[chan []byte]bool // the user:notification streams open
	closing       chan struct{}
	keys          map[string]keyEntry
	media         map[string]*media
	notifications []*notification
	apps          map[string]string // client_id → client_secret
	grants        map[string]grant
	fails         []failure
	hold          *holdState
	noV2          bool
}

type keyEntry struct {
	statusID string
	at       time.Time
}

type grant struct {
	clientID, redirectURI, challenge string
}

type failure struct {
	status  int
	headers map[string]string
	body    string
}

type holdState struct {
	held    chan struct{} // closed when a call is held
	release chan struct{}
	once    sync.Once
	taken   bool
}

type media struct {
	id          string
	description string
	mime        string
	pending     int // GETs answered 206 before it is processed
	used        bool
}

type status struct {
	ID, Key, Text, SpoilerText, Language, InReplyToID, InReplyToAccountID string
	MediaIDs                                                              []string
	CreatedAt                                                             time.Time
	Author                                                                author
}

type author struct{ ID, Username, Domain string }

type notification struct {
	id     string
	at     time.Time
	status *status
}

// Post is a status the instance stores.
type Post struct {
	ID             string
	Key            string // its Idempotency-Key, "" if none
	Text           string
	SpoilerText    string
	Language       string
	InReplyToID    string
	MediaIDs       []string
	AuthorUsername string
	CreatedAt      time.Time
}

// New starts a fake instance, closed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		AccountID: "109000000000000001",
		now:       time.Now,
		tokens:    map[string]bool{DefaultToken: true},
		maxChars:  500,
		maxMedia:  4,
		nextID:    110000000000000000,
		keys:      map[string]keyEntry{},
		media:     map[string]*media{},
		apps:      map[string]string{},
		grants:    map[string]grant{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	u, _ := url.Parse(s.URL)
	s.Domain = u.Hostname()
	s.closing = make(chan struct{})
	t.Cleanup(func() {
		s.mu.Lock()
		if h := s.hold; h != nil {
			h.once.Do(func() { close(h.release) })
		}
		s.mu.Unlock()
		close(s.closing) // open streams end, or Close would wait for them
		s.srv.Close()
	})
	return s
}

// SetNow sets the instance's clock (time.Now by default): the hour of an
// Idempotency-Key, the dates of statuses.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetToken makes tok the only valid access token ("" for none): the old
// one is revoked.
func (s *Server) SetToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]bool{}
	if tok != "" {
		s.tokens[tok] = true
	}
}

// ValidToken reports whether tok is a valid access token (one exchanged
// with /oauth/token is).
func (s *Server) ValidToken(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[tok]
}

// SetLimits sets configuration.statuses.max_characters and
// max_media_attachments (500 and 4 by default).
func (s *Server) SetLimits(maxChars, maxMedia int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxChars, s.maxMedia = maxChars, maxMedia
}

// OnlyV1 makes /api/v2/instance answer 404, as servers before Mastodon 4.0.
func (s *Server) OnlyV1() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noV2 = true
}

// AsyncMedia makes the next uploads answer 202 and be processed after
// polls checks of GET /api/v1/media/:id (answered 206 until then).
func (s *Server) AsyncMedia(polls int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asyncPolls = polls
}

// Fail makes the next n write calls (POST /api/v1/statuses and
// /api/v2/media) answer status, with headers and body, creating nothing.
func (s *Server) Fail(n int, status int, headers map[string]string, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fails = append(s.fails, failure{status, headers, body})
	}
}

// Hold makes the next POST /api/v1/statuses store its status and then
// wait, before answering, until release is called or the client goes
// away: a test can stop the publisher while the instance answers. Held is
// closed once the status is stored.
func (s *Server) Hold() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := &holdState{held: make(chan struct{}), release: make(chan struct{})}
	s.hold = h
	return func() { h.once.Do(func() { close(h.release) }) }
}

// Held is closed when the call of the last Hold is held (its status
// stored); nil without Hold.
func (s *Server) Held() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold == nil {
		return nil
	}
	return s.hold.held
}

// ForgetKeys forgets every Idempotency-Key, as when the hour has passed.
func (s *Server) ForgetKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = map[string]keyEntry{}
}

// Posts returns the account's statuses, oldest first.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Post
	for _, st := range s.statuses {
		if st.Author.ID != s.AccountID {
			continue
		}
		out = append(out, Post{ID: st.ID, Key: st.Key, Text: st.Text, SpoilerText: st.SpoilerText, Language: st.Language,
			InReplyToID: st.InReplyToID, MediaIDs: slices.Clone(st.MediaIDs), AuthorUsername: st.Author.Username, CreatedAt: st.CreatedAt})
	}
	return out
}

// AddMention puts a status of @from@example.org mentioning the account in
// its notifications, and returns the notification's id and the status's.
func (s *Server) AddMention(from, text string) (notificationID, statusID string) {
	return s.addNotification(from, text, "")
}

// AddReply is AddMention for a reply to the account's status inReplyTo.
func (s *Server) AddReply(from, text, inReplyTo string) (notificationID, statusID string) {
	return s.addNotification(from, text, inReplyTo)
}

func (s *Server) addNotification(from, text, inReplyTo string) (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &status{
		ID:          s.id(),
		Text:        "@vigie " + text,
		Language:    "en",
		InReplyToID: inReplyTo,
		CreatedAt:   s.now().UTC(),
		Author:      author{ID: s.authorID(from), Username: from, Domain: "example.org"},
	}
	if inReplyTo != "" {
		if p := s.find(inReplyTo); p != nil {
			st.InReplyToAccountID = p.Author.ID
		}
	}
	s.statuses = append(s.statuses, st)
	n := &notification{id: s.id(), at: st.CreatedAt, status: st}
	s.notifications = append(s.notifications, n)
	s.pushNotification(n)
	return n.id, st.ID
}

// authorID is the local id of the remote account @from@example.org.
func (s *Server) authorID(from string) string {
	for _, st := range s.statuses {
		if st.Author.Username == from && st.Author.Domain != "" {
			return st.Author.ID
		}
	}
	return s.id()
}

// id gives the next id: increasing numbers, as Mastodon's.
func (s *Server) id() string {
	s.nextID++
	return strconv.FormatInt(s.nextID, 10)
}

func (s *Server) find(id string) *status {
	for _, st := range s.statuses {
		if st.ID == id {
			return st
		}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func (s *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && s.tokens[tok]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	s.mu.Lock()
	switch {
	case r.Method == http.MethodPost && path == "/api/v1/statuses":
		s.createStatus(w, r) // unlocks
		return
	case r.Method == http.MethodGet && (path == "/api/v2/instance" || path == "/api/v1/instance"):
		s.instance(w, path)
	case r.Method == http.MethodPost && path == "/api/v1/apps":
		s.registerApp(w, r)
	case r.Method == http.MethodGet && path == "/oauth/authorize":
		s.authorize(w, r)
	case r.Method == http.MethodPost && path == "/oauth/token":
		s.token(w, r)
	case !strings.HasPrefix(path, "/api/"):
		http.NotFound(w, r)
	case !s.authorized(r):
		writeError(w, http.StatusUnauthorized, "The access token is invalid")
	case r.Method == http.MethodGet && path == "/api/v1/accounts/verify_credentials":
		writeJSON(w, http.StatusOK, s.account(author{ID: s.AccountID, Username: "vigie"}, true))
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/api/v1/accounts/") && strings.HasSuffix(path, "/statuses"):
		s.accountStatuses(w, r)
	case r.Method == http.MethodPost && path == "/api/v2/media":
		s.upload(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/api/v1/media/"):
		s.getMedia(w, strings.TrimPrefix(path, "/api/v1/media/"))
	case r.Method == http.MethodGet && path == "/api/v1/notifications":
		s.listNotifications(w, r)
	case r.Method == http.MethodGet && path == "/api/v1/streaming/user/notification":
		s.streamNotifications(w, r) // unlocks
		return
	case r.Method == http.MethodGet && path == "/api/v2/search":
		s.search(w, r)
	case s.threadRoute(w, r): // thread.go
	default:
		writeError(w, http.StatusNotFound, "Record not found")
	}
	s.mu.Unlock()
}

// failNext answers the next failure set with Fail, if any.
func (s *Server) failNext(w http.ResponseWriter) bool {
	if len(s.fails) == 0 {
		return false
	}
	f := s.fails[0]
	s.fails = s.fails[1:]
	for k, v := range f.headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(f.status)
	io.WriteString(w, f.body)
	return true
}

func (s *Server) instance(w http.ResponseWriter, path string) {
	statuses := map[string]any{
		"max_characters":              s.maxChars,
		"max_media_attachments":       s.maxMedia,
		"characters_reserved_per_url": 23,
	}
	mediaConf := map[string]any{
		"supported_mime_types":   []string{"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"},
		"image_size_limit":       16777216,
		"image_matrix_limit":     33177600,
		"video_size_limit":       103809024,
		"video_frame_rate_limit": 120,
		"video_matrix_limit":     8294400,
	}
	if path == "/api/v1/instance" {
		writeJSON(w, http.StatusOK, map[string]any{
			"uri": s.Domain, "title": "Mastodon test", "version": "3.5.3", "max_toot_chars": s.maxChars,
			"configuration": map[string]any{"statuses": statuses, "media_attachments": mediaConf},
		})
		return
	}
	if s.noV2 {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"domain":      s.Domain,
		"title":       "Mastodon test",
		"version":     "4.3.0",
		"source_url":  "https://github.com/mastodon/mastodon",
		"description": "A fake instance for Vigie's tests",
		"usage":       map[string]any{"users": map[string]any{"active_month": 1}},
		"languages":   []string{"en"},
		"configuration": map[string]any{
			"urls":              map[string]any{"streaming": strings.Replace(s.URL, "http", "ws", 1)},
			"accounts":          map[string]any{"max_featured_tags": 10, "max_pinned_statuses": 5},
			"statuses":          statuses,
			"media_attachments": mediaConf,
			"polls":             map[string]any{"max_options": 4, "max_characters_per_option": 50, "min_expiration": 300, "max_expiration": 2629746},
			"translation":       map[string]any{"enabled": false},
		},
		"registrations": map[string]any{"enabled": false, "approval_required": false, "message": nil},
	})
}

func (s *Server) account(a author, credential bool) map[string]any {
	acct := a.Username
	host := s.Domain
	if a.Domain != "" {
		acct += "@" + a.Domain
		host = a.Domain
	}
	web := "https://" + host + "/@" + a.Username
	if a.Domain == "" {
		web = s.URL + "/@" + a.Username
	}
	out := map[string]any{
		"id": a.ID, "username": a.Username, "acct": acct, "display_name": strings.ToUpper(a.Username[:1]) + a.Username[1:],
		"locked": false, "bot": false, "discoverable": true, "group": false,
		"created_at": "2022-11-01T00:00:00.000Z", "note": "", "url": web, "uri": web,
		"avatar": "", "avatar_static": "", "header": "", "header_static": "",
		"followers_count": 10, "following_count": 5, "statuses_count": 0, "last_status_at": nil,
		"emojis": []any{}, "fields": []any{},
	}
	if credential {
		out["source"] = map[string]any{"privacy": "public", "sensitive": false, "language": "", "note": "", "fields": []any{}, "follow_requests_count": 0}
		out["role"] = map[string]any{"id": "-99", "name": "", "permissions": "0", "color": "", "highlighted": false}
	}
	return out
}

var (
	urlRE     = regexp.MustCompile(`https?://[^\s<>"]+`)
	mentionRE = regexp.MustCompile(`(^|[^\w/@])@(\w+)(?:@([\w.-]+\.\w+))?`)
)

// length counts as Mastodon's StatusLengthValidator: a URL 23, a mention
// its local part.
func length(text string) int {
	t := urlRE.ReplaceAllString(text, strings.Repeat("x", 23))
	t = mentionRE.ReplaceAllString(t, "$1@$2")
	return utf8.RuneCountInString(t)
}

// contentHTML renders a text as Mastodon's formatter does (roughly):
// paragraphs, line breaks, links with their invisible parts, mentions as
// h-cards showing @user.
func (s *Server) contentHTML(text string) string {
	var paras []string
	for _, p := range strings.Split(text, "\n\n") {
		var lines []string
		for _, l := range strings.Split(p, "\n") {
			lines = append(lines, s.linkify(l))
		}
		paras = append(paras, "<p>"+strings.Join(lines, "<br />")+"</p>")
	}
	return strings.Join(paras, "")
}

func (s *Server) linkify(line string) string {
	var b strings.Builder
	last := 0
	for _, m := range urlRE.FindAllStringIndex(line, -1) {
		b.WriteString(s.mentions(line[last:m[0]]))
		u := line[m[0]:m[1]]
		scheme, rest, _ := strings.Cut(u, "://")
		visible, hidden := rest, ""
		if len(rest) > 30 {
			visible, hidden = rest[:30], rest[30:]
		}
		fmt.Fprintf(&b, `<a href="%s" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">%s://</span><span class="ellipsis">%s</span><span class="invisible">%s</span></a>`,
			html.EscapeString(u), scheme, html.EscapeString(visible), html.EscapeString(hidden))
		last = m[1]
	}
	b.WriteString(s.mentions(line[last:]))
	return b.String()
}

func (s *Server) mentions(t string) string {
	var b strings.Builder
	last := 0
	for _, m := range mentionRE.FindAllStringSubmatchIndex(t, -1) {
		b.WriteString(html.EscapeString(t[last:m[3]]))
		user := t[m[4]:m[5]]
		host := s.Domain
		if m[6] >= 0 {
			host = t[m[6]:m[7]]
		}
		fmt.Fprintf(&b, `<span class="h-card" translate="no"><a href="https://%s/@%s" class="u-url mention">@<span>%s</span></a></span>`,
			html.EscapeString(host), html.EscapeString(user), html.EscapeString(user))
		last = m[1]
	}
	b.WriteString(html.EscapeString(t[last:]))
	return b.String()
}

// statusJSON is a Status entity (entities/Status.md).
func (s *Server) statusJSON(st *status) map[string]any {
	web := s.URL + "/@" + st.Author.Username + "/" + st.ID
	uri := s.URL + "/users/" + st.Author.Username + "/statuses/" + st.ID
	if st.Author.Domain != "" {
		web = "https://" + st.Author.Domain + "/@" + st.Author.Username + "/" + st.ID
		uri = "https://" + st.Author.Domain + "/users/" + st.Author.Username + "/statuses/" + st.ID
	}
	var atts []any
	for _, id := range st.MediaIDs {
		atts = append(atts, s.mediaJSON(s.media[id]))
	}
	if atts == nil {
		atts = []any{}
	}
	nullable := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	return map[string]any{
		"id": st.ID, "created_at": st.CreatedAt.Format("2006-01-02T15:04:05.000Z"),
		"in_reply_to_id": nullable(st.InReplyToID), "in_reply_to_account_id": nullable(st.InReplyToAccountID),
		"sensitive": st.SpoilerText != "", "spoiler_text": st.SpoilerText, "visibility": "public",
		"language": nullable(st.Language), "uri": uri, "url": web,
		"replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "edited_at": nil,
		"favourited": false, "reblogged": false, "muted": false, "bookmarked": false, "pinned": false,
		"content": s.contentHTML(st.Text), "filtered": []any{}, "reblog": nil,
		"application": map[string]any{"name": "Vigie", "website": nil},
		"account":     s.account(st.Author, false), "media_attachments": atts,
		"mentions": []any{}, "tags": []any{}, "emojis": []any{}, "card": nil, "poll": nil,
	}
}

func (s *Server) mediaJSON(m *media) map[string]any {
	var u any
	if m.pending == 0 {
		u = s.URL + "/system/media_attachments/files/" + m.id + "/original/image"
	}
	return map[string]any{
		"id": m.id, "type": "image", "url": u, "preview_url": s.URL + "/system/media_attachments/files/" + m.id + "/small/image",
		"remote_url": nil, "text_url": nil, "meta": map[string]any{}, "description": m.description, "blurhash": "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}",
	}
}

func (s *Server) createStatus(w http.ResponseWriter, r *http.Request) {
	unlocked := false
	defer func() {
		if !unlocked {
			s.mu.Unlock()
		}
	}()
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized, "The access token is invalid")
		return
	}
	if s.failNext(w) {
		return
	}
	key := r.Header.Get("Idempotency-Key")
	now := s.now()
	if e, ok := s.keys[key]; key != "" && ok && now.Sub(e.at) < IdempotencyWindow {
		writeJSON(w, http.StatusOK, s.statusJSON(s.find(e.statusID)))
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid form")
		return
	}
	text := r.PostForm.Get("status")
	ids := r.PostForm["media_ids[]"]
	switch {
	case strings.TrimSpace(text) == "" && len(ids) == 0:
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Text can't be blank")
		return
	case length(text) > s.maxChars:
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: Text character limit of %d exceeded", s.maxChars))
		return
	case len(ids) > s.maxMedia:
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Media attachments are limited to "+strconv.Itoa(s.maxMedia))
		return
	}
	for _, id := range ids {
		m := s.media[id]
		if m == nil || m.used {
			writeError(w, http.StatusUnprocessableEntity, "Validation failed: Media attachments is invalid")
			return
		}
		if m.pending > 0 {
			writeError(w, http.StatusUnprocessableEntity, "Cannot attach files that have not finished processing. Try again in a moment!")
			return
		}
	}
	st := &status{
		ID: s.id(), Key: key, Text: text, SpoilerText: r.PostForm.Get("spoiler_text"), Language: r.PostForm.Get("language"),
		MediaIDs: ids, CreatedAt: now.UTC(), Author: author{ID: s.AccountID, Username: "vigie"},
	}
	if rid := r.PostForm.Get("in_reply_to_id"); rid != "" {
		parent := s.find(rid)
		if parent == nil {
			writeError(w, http.StatusNotFound, "The post you are trying to reply to does not appear to exist.")
			return
		}
		st.InReplyToID, st.InReplyToAccountID = rid, parent.Author.ID
	}
	for _, id := range ids {
		s.media[id].used = true
	}
	s.statuses = append(s.statuses, st)
	if key != "" {
		s.keys[key] = keyEntry{statusID: st.ID, at: now}
	}
	body := s.statusJSON(st)
	if h := s.hold; h != nil && !h.taken {
		h.taken = true
		close(h.held)
		s.mu.Unlock()
		unlocked = true
		select {
		case <-h.release:
		case <-r.Context().Done():
			return
		}
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) accountStatuses(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v1/accounts/"), "/statuses")
	limit := 20
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n > 0 {
		limit = min(n, 40)
	}
	out := []any{}
	for i := len(s.statuses) - 1; i >= 0 && len(out) < limit; i-- {
		if s.statuses[i].Author.ID == id {
			out = append(out, s.statusJSON(s.statuses[i]))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	if s.failNext(w) {
		return
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: File can't be blank")
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: File can't be blank")
		return
	}
	defer f.Close()
	data, _ := io.ReadAll(f)
	mime := hdr.Header.Get("Content-Type")
	switch {
	case !strings.HasPrefix(mime, "image/"):
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: File content type is invalid")
		return
	case len(data) > 16777216:
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: File file size must be less than 16 MB")
		return
	}
	m := &media{id: s.id(), description: r.FormValue("description"), mime: mime, pending: s.asyncPolls}
	s.media[m.id] = m
	code := http.StatusOK
	if m.pending > 0 {
		code = http.StatusAccepted
	}
	writeJSON(w, code, s.mediaJSON(m))
}

func (s *Server) getMedia(w http.ResponseWriter, id string) {
	m := s.media[id]
	if m == nil {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	if m.pending > 0 {
		m.pending--
		if m.pending > 0 {
			writeJSON(w, http.StatusPartialContent, s.mediaJSON(m))
			return
		}
	}
	writeJSON(w, http.StatusOK, s.mediaJSON(m))
}

func less(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 40
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, 80)
	}
	types := q["types[]"]
	sinceID, minID, maxID := q.Get("since_id"), q.Get("min_id"), q.Get("max_id")
	var sel []*notification // oldest first
	for _, n := range s.notifications {
		if len(types) > 0 && !slices.Contains(types, "mention") {
			continue
		}
		if maxID != "" && !less(n.id, maxID) || sinceID != "" && !less(sinceID, n.id) || minID != "" && !less(minID, n.id) {
			continue
		}
		sel = append(sel, n)
	}
	if minID != "" {
		sel = sel[:min(limit, len(sel))] // the page just after min_id
	} else {
		sel = sel[max(0, len(sel)-limit):] // the newest page
	}
	out := []any{}
	for i := len(sel) - 1; i >= 0; i-- {
		n := sel[i]
		out = append(out, map[string]any{
			"id": n.id, "type": "mention", "group_key": "ungrouped-" + n.id, "created_at": n.at.Format("2006-01-02T15:04:05.000Z"),
			"account": s.account(n.status.Author, false), "status": s.statusJSON(n.status),
		})
	}
	if len(sel) > 0 {
		base := s.URL + "/api/v1/notifications?limit=" + strconv.Itoa(limit)
		for _, t := range types {
			base += "&types%5B%5D=" + url.QueryEscape(t)
		}
		w.Header().Set("Link", fmt.Sprintf(`<%s&max_id=%s>; rel="next", <%s&min_id=%s>; rel="prev"`, base, sel[0].id, base, sel[len(sel)-1].id))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) registerApp(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	name, redirect, scopes := r.FormValue("client_name"), r.FormValue("redirect_uris"), r.FormValue("scopes")
	switch {
	case name == "":
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Application name can't be blank")
		return
	case redirect == "":
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Redirect URI can't be blank")
		return
	}
	if scopes == "" {
		scopes = "read"
	}
	id, secret := random(), random()
	s.apps[id] = secret
	writeJSON(w, http.StatusOK, map[string]any{
		"id": s.id(), "name": name, "website": r.FormValue("website"), "scopes": strings.Fields(scopes),
		"redirect_uri": redirect, "redirect_uris": strings.Fields(redirect),
		"client_id": id, "client_secret": secret, "client_secret_expires_at": 0,
	})
}

// authorize approves at once, as a user who clicks "Authorize": a 302 to
// redirect_uri with code and state.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id := q.Get("client_id")
	if _, ok := s.apps[id]; !ok || q.Get("response_type") != "code" {
		http.Error(w, "The client identifier provided is invalid.", http.StatusBadRequest)
		return
	}
	if q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256" {
		http.Error(w, "The code challenge method must be S256.", http.StatusBadRequest)
		return
	}
	code := random()
	s.grants[code] = grant{clientID: id, redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge")}
	u, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	v := u.Query()
	v.Set("code", code)
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	u.RawQuery = v.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	invalidGrant := func() {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant",
			"error_description": "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."})
	}
	if want, ok := s.apps[id]; !ok || want != secret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client",
			"error_description": "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."})
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	code := r.PostForm.Get("code")
	g, ok := s.grants[code]
	if !ok || g.clientID != id || g.redirectURI != r.PostForm.Get("redirect_uri") {
		invalidGrant()
		return
	}
	if g.challenge != "" {
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			invalidGrant()
			return
		}
	}
	delete(s.grants, code)
	tok := random()
	s.tokens[tok] = true
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "scope": "read write", "created_at": s.now().Unix()})
}

func random() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
