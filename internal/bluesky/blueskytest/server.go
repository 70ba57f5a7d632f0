// Package blueskytest is a Bluesky PDS for tests: an httptest server that
// speaks, in the JSON shapes of the real XRPC API, the calls Vigie
// publishes and reads its inbox with, for one account (and the other
// accounts that mention it). It is small and in memory, safe for
// concurrent use, and usable beside a child process.
//
// What it follows (bluesky-social/atproto lexicons, and the reference PDS
// where the lexicons say nothing):
//   - com.atproto.server.createSession {identifier, password} →
//     {did, handle, accessJwt, refreshJwt, active}; a wrong password is
//     401 AuthenticationRequired "Invalid identifier or password";
//   - com.atproto.server.refreshSession with the refresh token as bearer,
//     which it rotates; a revoked one is 400 ExpiredToken;
//   - an access token past its lifetime is 400 {"error":"ExpiredToken",
//     "message":"Token has expired"}, as the reference PDS answers; an
//     unknown one 401 InvalidToken;
//   - com.atproto.repo.createRecord {repo, collection, rkey, record} →
//     {uri, cid, commit, validationStatus}; a post over 300 graphemes or
//     3,000 bytes, or with an image over 1,000,000 bytes, is 400
//     InvalidRequest; a record key already used is 500 InternalServerError,
//     as the reference PDS's repository answers (its MST throws "There is
//     already a value at key"; bluesky-social/indigo#873);
//   - com.atproto.repo.getRecord → {uri, cid, value}, else 400
//     RecordNotFound; com.atproto.repo.uploadBlob (raw bytes) →
//     {blob: {$type: blob, ref: {$link}, mimeType, size}};
//   - com.atproto.identity.resolveHandle → {did}, else 400 InvalidRequest
//     "Unable to resolve handle";
//   - app.bsky.actor.getProfile, app.bsky.notification.listNotifications
//     (newest first, 50 a page, cursor), app.bsky.feed.getPostThread
//     (thread.go), as the PDS proxies them to the AppView;
//   - rate-limit headers ratelimit-limit, -remaining, -reset (Unix
//     seconds), -policy on every answer.
package blueskytest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// The account's identity.
const (
	DID         = "did:plc:vigietest2k7fqxjsn5mdhu4"
	Handle      = "vigie.test"
	AppPassword = "abcd-efgh-ijkl-mnop"
)

// Post is a record of app.bsky.feed.post the PDS stores.
type Post struct {
	URI, CID, Rkey, Repo string
	Text                 string
	Langs                []string
	ReplyParent          string // the URI of the post it answers
	ReplyRoot            string
	Images               int
	Record               json.RawMessage
	CreatedAt            string
}

// Server is a fake PDS.
type Server struct {
	URL string

	srv *httptest.Server

	mu            sync.Mutex
	now           func() time.Time
	lifetime      time.Duration
	password      string
	access        map[string]time.Time // token → expiry
	refresh       map[string]bool
	handles       map[string]string // handle → DID
	posts         []*Post
	notifications []notification
	blobs         map[string]int // cid → size
	fails         []failure
	hold          *holdState
	seq           int
	calls         map[string]int
}

type notification struct {
	post      *Post
	author    string // handle
	reason    string
	indexedAt time.Time
}

type failure struct {
	status  int
	headers map[string]string
	body    string
}

type holdState struct {
	held, release chan struct{}
	once          sync.Once
	taken         bool
}

// New starts a fake PDS, closed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		now:      time.Now,
		lifetime: 2 * time.Hour,
		password: AppPassword,
		access:   map[string]time.Time{},
		refresh:  map[string]bool{},
		handles:  map[string]string{Handle: DID},
		blobs:    map[string]int{},
		calls:    map[string]int{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(func() {
		s.mu.Lock()
		if h := s.hold; h != nil {
			h.once.Do(func() { close(h.release) })
		}
		s.mu.Unlock()
		s.srv.Close()
	})
	return s
}

// SetNow sets the PDS's clock (time.Now by default).
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetAccessLifetime sets how long the access tokens made from now on are
// good for (2 hours by default, as the reference PDS).
func (s *Server) SetAccessLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// ExpireAccess makes every access token given so far expired.
func (s *Server) ExpireAccess() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.access {
		s.access[k] = time.Time{}
	}
}

// RevokeRefresh makes every refresh token given so far refused.
func (s *Server) RevokeRefresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh = map[string]bool{}
}

// SetPassword changes the app password (revoking the old one).
func (s *Server) SetPassword(pw string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.password = pw
}

// ValidToken reports whether tok is a valid, unexpired access token.
func (s *Server) ValidToken(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.access[tok]
	return ok && s.now().Before(exp)
}

// Calls counts the calls of an XRPC method (its NSID) so far.
func (s *Server) Calls(nsid string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[nsid]
}

// AddHandle makes handle resolve to did (did:plc:… made from the handle
// when ""), and returns the DID.
func (s *Server) AddHandle(handle, did string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addHandle(handle, did)
}

func (s *Server) addHandle(handle, did string) string {
	if d, ok := s.handles[handle]; ok && did == "" {
		return d
	}
	if did == "" {
		sum := sha256.Sum256([]byte(handle))
		did = "did:plc:" + strings.ToLower(base32.StdEncoding.EncodeToString(sum[:15]))
	}
	s.handles[handle] = did
	return did
}

// Fail makes the next n write calls (createRecord, uploadBlob) answer
// status, with headers and body, writing nothing.
func (s *Server) Fail(n int, status int, headers map[string]string, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fails = append(s.fails, failure{status, headers, body})
	}
}

// Hold makes the next createRecord store its record and then wait, before
// answering, until release is called or the client goes away. Held is
// closed once the record is stored.
func (s *Server) Hold() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := &holdState{held: make(chan struct{}), release: make(chan struct{})}
	s.hold = h
	return func() { h.once.Do(func() { close(h.release) }) }
}

// Held is closed when the call of the last Hold is held; nil without Hold.
func (s *Server) Held() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold == nil {
		return nil
	}
	return s.hold.held
}

// Posts returns the account's posts, oldest first.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Post
	for _, p := range s.posts {
		if p.Repo == DID {
			out = append(out, *p)
		}
	}
	return out
}

// AddMention puts a post of fromHandle mentioning the account in its
// notifications, and returns the post's URI and CID.
func (s *Server) AddMention(fromHandle, text string) (uri, cid string) {
	return s.addNotification(fromHandle, "@"+Handle+" "+text, "mention", "")
}

// AddReply puts fromHandle's reply to parentURI (a post of the account,
// or of a thread it is in) in the account's notifications.
func (s *Server) AddReply(fromHandle, text, parentURI string) (uri, cid string) {
	return s.addNotification(fromHandle, text, "reply", parentURI)
}

// AddQuote puts fromHandle's quote of quotedURI in the notifications.
func (s *Server) AddQuote(fromHandle, text, quotedURI string) (uri, cid string) {
	return s.addNotification(fromHandle, text, "quote", quotedURI)
}

// AddLike puts a like of fromHandle in the notifications (which the inbox
// skips).
func (s *Server) AddLike(fromHandle, likedURI string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	did := s.addHandle(fromHandle, "")
	now := s.tick()
	rkey := s.rkey(now)
	p := &Post{URI: "at://" + did + "/app.bsky.feed.like/" + rkey, Rkey: rkey, Repo: did, CreatedAt: now.Format(time.RFC3339Nano)}
	p.Record, _ = json.Marshal(map[string]any{"$type": "app.bsky.feed.like", "subject": map[string]string{"uri": likedURI, "cid": "bafyreilike"}, "createdAt": p.CreatedAt})
	p.CID = cidOf(p.Record)
	s.notifications = append(s.notifications, notification{post: p, author: fromHandle, reason: "like", indexedAt: now})
}

// tick is now, later than every indexedAt so far (notifications are
// ordered by it).
func (s *Server) tick() time.Time {
	now := s.now().UTC().Truncate(time.Millisecond)
	if n := len(s.notifications); n > 0 && !now.After(s.notifications[n-1].indexedAt) {
		now = s.notifications[n-1].indexedAt.Add(time.Millisecond)
	}
	return now
}

func (s *Server) rkey(t time.Time) string {
	s.seq++
	v := uint64(t.UnixMicro())<<10 | uint64(s.seq&0x3ff)
	const alphabet = "234567abcdefghijklmnopqrstuvwxyz"
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = alphabet[v&31]
		v >>= 5
	}
	return string(b[:])
}

func (s *Server) addNotification(fromHandle, text, reason, subject string) (string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	did := s.addHandle(fromHandle, "")
	now := s.tick()
	rkey := s.rkey(now)
	rec := map[string]any{"$type": "app.bsky.feed.post", "text": text, "langs": []string{"en"}, "createdAt": now.Format("2006-01-02T15:04:05.000Z")}
	p := &Post{URI: "at://" + did + "/app.bsky.feed.post/" + rkey, Rkey: rkey, Repo: did, Text: text, Langs: []string{"en"}, CreatedAt: rec["createdAt"].(string)}
	switch reason {
	case "mention":
		rec["facets"] = []any{map[string]any{"index": map[string]int{"byteStart": 0, "byteEnd": 1 + len(Handle)},
			"features": []any{map[string]string{"$type": "app.bsky.richtext.facet#mention", "did": DID}}}}
	case "reply":
		parent := s.find(subject)
		pref := map[string]string{"uri": subject, "cid": "bafyreiunknownparent"}
		root := pref
		if parent != nil {
			pref["cid"] = parent.CID
			root = map[string]string{"uri": parent.URI, "cid": parent.CID}
			if parent.ReplyRoot != "" {
				if r := s.find(parent.ReplyRoot); r != nil {
					root = map[string]string{"uri": r.URI, "cid": r.CID}
				}
			}
		}
		rec["reply"] = map[string]any{"root": root, "parent": pref}
		p.ReplyParent, p.ReplyRoot = subject, root["uri"]
	case "quote":
		cid := "bafyreiunknownquoted"
		if q := s.find(subject); q != nil {
			cid = q.CID
		}
		rec["embed"] = map[string]any{"$type": "app.bsky.embed.record", "record": map[string]string{"uri": subject, "cid": cid}}
	}
	p.Record, _ = json.Marshal(rec)
	p.CID = cidOf(p.Record)
	s.posts = append(s.posts, p)
	s.notifications = append(s.notifications, notification{post: p, author: fromHandle, reason: reason, indexedAt: now})
	return p.URI, p.CID
}

func (s *Server) find(uri string) *Post {
	for _, p := range s.posts {
		if p.URI == uri {
			return p
		}
	}
	return nil
}

// cidOf is a CID-looking name of data (base32 "bafyrei…"); not a real
// CID, which the client never checks.
func cidOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "bafyrei" + strings.ToLower(strings.TrimRight(base32.StdEncoding.EncodeToString(sum[:]), "="))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func xrpcError(w http.ResponseWriter, code int, name, msg string) {
	writeJSON(w, code, map[string]string{"error": name, "message": msg})
}

func newToken(prefix string) string {
	b := make([]byte, 18)
	rand.Read(b)
	return prefix + strings.TrimRight(base32.StdEncoding.EncodeToString(b), "=")
}

// bearer checks the access token: false when it is not good (and it
// answered).
func (s *Server) bearer(w http.ResponseWriter, r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		xrpcError(w, http.StatusUnauthorized, "AuthMissing", "Authentication Required")
		return false
	}
	if s.refresh[tok] {
		xrpcError(w, http.StatusBadRequest, "InvalidToken", "Bad token scope")
		return false
	}
	exp, known := s.access[tok]
	switch {
	case !known:
		xrpcError(w, http.StatusUnauthorized, "InvalidToken", "Token could not be verified")
		return false
	case !s.now().Before(exp):
		xrpcError(w, http.StatusBadRequest, "ExpiredToken", "Token has expired")
		return false
	}
	return true
}

func (s *Server) newSession() map[string]any {
	a, r := newToken("acc-"), newToken("ref-")
	s.access[a] = s.now().Add(s.lifetime)
	s.refresh[r] = true
	return map[string]any{"did": DID, "handle": Handle, "email": "vigie@example.org", "emailConfirmed": true,
		"accessJwt": a, "refreshJwt": r, "active": true,
		"didDoc": map[string]any{"id": DID, "alsoKnownAs": []string{"at://" + Handle}}}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	nsid, ok := strings.CutPrefix(r.URL.Path, "/xrpc/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.calls[nsid]++
	reset := s.now().Add(5 * time.Minute).Unix()
	w.Header().Set("ratelimit-limit", "3000")
	w.Header().Set("ratelimit-remaining", strconv.Itoa(max(0, 3000-s.calls[nsid])))
	w.Header().Set("ratelimit-reset", strconv.FormatInt(reset, 10))
	w.Header().Set("ratelimit-policy", "3000;w=300")
	if nsid == "com.atproto.repo.createRecord" && r.Method == http.MethodPost {
		s.createRecord(w, r) // unlocks
		return
	}
	defer s.mu.Unlock()
	q := r.URL.Query()
	switch {
	case nsid == "com.atproto.server.createSession" && r.Method == http.MethodPost:
		var in struct{ Identifier, Password string }
		json.NewDecoder(r.Body).Decode(&in)
		id := strings.TrimPrefix(strings.ToLower(in.Identifier), "@")
		if id == "" || in.Password == "" {
			xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Input must have the properties \"identifier\", \"password\"")
			return
		}
		if (id != Handle && id != DID && id != "vigie@example.org") || in.Password != s.password {
			xrpcError(w, http.StatusUnauthorized, "AuthenticationRequired", "Invalid identifier or password")
			return
		}
		writeJSON(w, http.StatusOK, s.newSession())
	case nsid == "com.atproto.server.refreshSession" && r.Method == http.MethodPost:
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !s.refresh[tok] {
			if _, isAccess := s.access[tok]; isAccess {
				xrpcError(w, http.StatusBadRequest, "InvalidToken", "Bad token scope")
				return
			}
			xrpcError(w, http.StatusBadRequest, "ExpiredToken", "Token has been revoked")
			return
		}
		delete(s.refresh, tok) // rotated
		sess := s.newSession()
		delete(sess, "email")
		delete(sess, "emailConfirmed")
		writeJSON(w, http.StatusOK, sess)
	case nsid == "com.atproto.identity.resolveHandle" && r.Method == http.MethodGet:
		did, ok := s.handles[strings.ToLower(q.Get("handle"))]
		if !ok {
			xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Unable to resolve handle")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"did": did})
	case nsid == "com.atproto.repo.getRecord" && r.Method == http.MethodGet:
		uri := "at://" + q.Get("repo") + "/" + q.Get("collection") + "/" + q.Get("rkey")
		p := s.find(uri)
		if p == nil {
			xrpcError(w, http.StatusBadRequest, "RecordNotFound", "Could not locate record: "+uri)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"uri": p.URI, "cid": p.CID, "value": p.Record})
	case !s.bearer(w, r):
	case nsid == "com.atproto.repo.uploadBlob" && r.Method == http.MethodPost:
		if s.failNext(w) {
			return
		}
		data, _ := io.ReadAll(io.LimitReader(r.Body, 60<<20))
		ct := r.Header.Get("Content-Type")
		if ct == "" {
			ct = "application/octet-stream"
		}
		cid := "bafkrei" + cidOf(data)[7:]
		s.blobs[cid] = len(data)
		writeJSON(w, http.StatusOK, map[string]any{"blob": map[string]any{"$type": "blob", "ref": map[string]string{"$link": cid}, "mimeType": ct, "size": len(data)}})
	case nsid == "app.bsky.feed.getPosts" && r.Method == http.MethodGet:
		s.getPosts(w, q["uris"])
	case nsid == "app.bsky.actor.getProfile" && r.Method == http.MethodGet:
		actor := q.Get("actor")
		if actor != DID && actor != Handle {
			xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Profile not found")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"did": DID, "handle": Handle, "displayName": "Vigie Test", "description": "",
			"followersCount": 12, "followsCount": 3, "postsCount": len(s.own()), "indexedAt": "2025-01-01T00:00:00.000Z",
			"createdAt": "2024-06-01T00:00:00.000Z", "labels": []any{}, "associated": map[string]any{"lists": 0, "feedgens": 0}})
	case nsid == "app.bsky.notification.listNotifications" && r.Method == http.MethodGet:
		s.listNotifications(w, r)
	case nsid == "app.bsky.feed.getPostThread" && r.Method == http.MethodGet:
		s.getPostThread(w, r) // thread.go
	default:
		xrpcError(w, http.StatusNotImplemented, "MethodNotImplemented", "Method Not Implemented")
	}
}

// own is the account's posts, under the lock.
func (s *Server) own() []*Post {
	var out []*Post
	for _, p := range s.posts {
		if p.Repo == DID {
			out = append(out, p)
		}
	}
	return out
}

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

var tidRE = regexp.MustCompile(`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`)

func (s *Server) createRecord(w http.ResponseWriter, r *http.Request) {
	unlocked := false
	defer func() {
		if !unlocked {
			s.mu.Unlock()
		}
	}()
	if !s.bearer(w, r) || s.failNext(w) {
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var in struct {
		Repo       string          `json:"repo"`
		Collection string          `json:"collection"`
		Rkey       string          `json:"rkey"`
		Record     json.RawMessage `json:"record"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Request body must be JSON")
		return
	}
	if in.Repo != DID && in.Repo != Handle {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Input/repo must be the authenticated account")
		return
	}
	if in.Collection != "app.bsky.feed.post" {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Invalid collection: this fake takes posts only")
		return
	}
	var rec struct {
		Type      string   `json:"$type"`
		Text      string   `json:"text"`
		Langs     []string `json:"langs"`
		CreatedAt string   `json:"createdAt"`
		Reply     *struct {
			Root, Parent struct{ URI, CID string }
		} `json:"reply"`
		Embed *struct {
			Images []struct {
				Alt   *string `json:"alt"`
				Image struct {
					Ref struct {
						Link string `json:"$link"`
					} `json:"ref"`
					Size int `json:"size"`
				} `json:"image"`
			} `json:"images"`
		} `json:"embed"`
		Facets []struct {
			Index struct{ ByteStart, ByteEnd int }
		} `json:"facets"`
	}
	if err := json.Unmarshal(in.Record, &rec); err != nil {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Invalid app.bsky.feed.post record: "+err.Error())
		return
	}
	invalid := func(msg string) {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Invalid app.bsky.feed.post record: "+msg)
	}
	switch {
	case rec.Type != "app.bsky.feed.post":
		invalid("Record/$type must be app.bsky.feed.post")
		return
	case rec.CreatedAt == "":
		invalid(`Record must have the property "createdAt"`)
		return
	case uniseg.GraphemeClusterCount(rec.Text) > 300:
		invalid("Record/text must not be longer than 300 graphemes")
		return
	case len(rec.Text) > 3000:
		invalid("Record/text must not be longer than 3000 characters")
		return
	case len(rec.Langs) > 3:
		invalid("Record/langs must not have more than 3 elements")
		return
	case !utf8.ValidString(rec.Text):
		invalid("Record/text must be UTF-8")
		return
	}
	for i, f := range rec.Facets {
		if f.Index.ByteStart < 0 || f.Index.ByteEnd > len(rec.Text) || f.Index.ByteStart >= f.Index.ByteEnd {
			invalid(fmt.Sprintf("Record/facets/%d/index is outside the text", i))
			return
		}
	}
	images := 0
	if rec.Embed != nil {
		if len(rec.Embed.Images) > 4 {
			invalid("Record/embed/images must not have more than 4 elements")
			return
		}
		for i, im := range rec.Embed.Images {
			size, ok := s.blobs[im.Image.Ref.Link]
			switch {
			case im.Alt == nil:
				invalid(fmt.Sprintf(`Record/embed/images/%d must have the property "alt"`, i))
				return
			case !ok:
				xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Could not find blob: "+im.Image.Ref.Link)
				return
			case size > 1000000:
				xrpcError(w, http.StatusBadRequest, "InvalidRequest", fmt.Sprintf("Invalid app.bsky.feed.post record: Record/embed/images/%d/image file too big (max 1000000)", i))
				return
			}
		}
		images = len(rec.Embed.Images)
	}
	rkey := in.Rkey
	if rkey == "" {
		rkey = s.rkey(s.now())
	} else if !tidRE.MatchString(rkey) {
		xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Invalid record key: "+rkey)
		return
	}
	uri := "at://" + DID + "/app.bsky.feed.post/" + rkey
	if s.find(uri) != nil {
		xrpcError(w, http.StatusInternalServerError, "InternalServerError", "Internal Server Error")
		return
	}
	var compact bytes.Buffer
	json.Compact(&compact, in.Record)
	p := &Post{URI: uri, CID: cidOf(compact.Bytes()), Rkey: rkey, Repo: DID, Text: rec.Text, Langs: rec.Langs, Images: images,
		Record: json.RawMessage(compact.Bytes()), CreatedAt: rec.CreatedAt}
	if rec.Reply != nil {
		p.ReplyParent, p.ReplyRoot = rec.Reply.Parent.URI, rec.Reply.Root.URI
	}
	s.posts = append(s.posts, p)
	s.seq++
	out := map[string]any{"uri": p.URI, "cid": p.CID, "commit": map[string]string{"cid": cidOf([]byte(p.CID)), "rev": s.rkey(s.now())}, "validationStatus": "valid"}
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
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 50
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n >= 1 {
		limit = min(n, 100)
	}
	ns := append([]notification(nil), s.notifications...)
	sort.SliceStable(ns, func(i, j int) bool { return ns[i].indexedAt.After(ns[j].indexedAt) })
	if c := q.Get("cursor"); c != "" {
		us, err := strconv.ParseInt(c, 10, 64)
		if err != nil {
			xrpcError(w, http.StatusBadRequest, "InvalidRequest", "Malformed cursor")
			return
		}
		i := sort.Search(len(ns), func(i int) bool { return ns[i].indexedAt.UnixMicro() < us })
		ns = ns[i:]
	}
	page := ns[:min(limit, len(ns))]
	items := []any{}
	for _, n := range page {
		did := s.handles[n.author]
		item := map[string]any{
			"uri": n.post.URI, "cid": n.post.CID,
			"author": map[string]any{"did": did, "handle": n.author, "displayName": strings.ToUpper(n.author[:1]) + strings.SplitN(n.author, ".", 2)[0][1:],
				"avatar": "https://cdn.bsky.app/img/avatar/plain/" + did + "/bafkreiavatar@jpeg", "labels": []any{}, "createdAt": "2024-01-01T00:00:00.000Z",
				"indexedAt": "2024-01-01T00:00:00.000Z"},
			"reason": n.reason, "record": n.post.Record, "isRead": false,
			"indexedAt": n.indexedAt.Format("2006-01-02T15:04:05.000Z"), "labels": []any{},
		}
		switch n.reason {
		case "reply":
			item["reasonSubject"] = n.post.ReplyParent
		case "like", "quote":
			var rec struct {
				Subject struct{ URI string } `json:"subject"`
				Embed   struct {
					Record struct{ URI string } `json:"record"`
				} `json:"embed"`
			}
			json.Unmarshal(n.post.Record, &rec)
			item["reasonSubject"] = rec.Subject.URI + rec.Embed.Record.URI
		}
		items = append(items, item)
	}
	out := map[string]any{"notifications": items, "priority": false}
	if len(page) == limit && len(ns) > limit {
		out["cursor"] = strconv.FormatInt(page[len(page)-1].indexedAt.UnixMicro(), 10)
	}
	writeJSON(w, http.StatusOK, out)
}
