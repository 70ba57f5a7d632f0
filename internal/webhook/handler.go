package webhook

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/ingest"
	"github.com/vigie-project/vigie/internal/store"
)

// Handler serves POST /hooks/{token}: it finds the source by its token,
// checks the delivery's signature when the source has a signing key,
// decodes the posts and deletions and hands them to the pipeline.
//
// Rate limits and the memory of delivered webhook-ids are kept in the
// process: a server whose hooks are spread over several web processes
// behind a balancer limits each process, and a replay within the
// tolerance may reach two of them (it is then stored once all the same:
// re-delivered posts are dropped, deleted ones stay deleted).
type Handler struct {
	Store    *store.Store
	Pipeline ingest.Applier
	Log      *slog.Logger
	Now      func() time.Time
	// Rate is how many deliveries a second a source takes, Burst how many
	// in a row (defaults 10 and 50); past them, 429 with Retry-After.
	Rate  float64
	Burst int

	once    sync.Once
	mu      sync.Mutex
	sources map[int64]*hookState
	seen    map[seenKey]time.Time
	order   []seenKey // seen's keys, oldest first
}

// hookState is what the handler keeps of one source.
type hookState struct {
	// deliver serialises the deliveries of the source: a webhook-id is
	// checked and recorded, and the source's health saved, one delivery
	// at a time.
	deliver sync.Mutex
	tokens  float64 // guarded by Handler.mu
	last    time.Time
}

type seenKey struct {
	source int64
	id     string
}

// remember is how long a delivered webhook-id is remembered: twice the
// tolerance, so that a signed delivery cannot be replayed while its
// timestamp is still accepted, whichever way the clocks differ.
const remember = 2 * Tolerance

// maxSeen bounds the webhook-ids remembered, over every source; the oldest
// are forgotten first. The rate limit keeps a source under 50+10×600.
const maxSeen = 100_000

func (h *Handler) init() {
	h.once.Do(func() {
		if h.Now == nil {
			h.Now = time.Now
		}
		if h.Log == nil {
			h.Log = slog.Default()
		}
		if h.Rate <= 0 {
			h.Rate = 10
		}
		if h.Burst <= 0 {
			h.Burst = 50
		}
		h.sources = map[int64]*hookState{}
		h.seen = map[seenKey]time.Time{}
	})
}

// Answer is what a delivery taken is answered (202).
type Answer struct {
	Received   int         `json:"received"`   // items in the body: posts, edited posts, deletions
	Accepted   int         `json:"accepted"`   // items that passed validation
	Matched    int         `json:"matched"`    // new posts that matched a monitor
	Stored     int         `json:"stored"`     // posts stored (as mentions)
	Mentions   int         `json:"mentions"`   // (post, monitor) mentions stored
	Duplicates int         `json:"duplicates"` // posts sent before (or twice in the body)
	Edited     int         `json:"edited"`     // stored posts updated
	Deleted    int         `json:"deleted"`    // stored posts deleted
	Rejected   []Rejection `json:"rejected"`   // items refused, with why
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.init()
	ctx := r.Context()
	now := h.Now()

	src, ok := h.source(w, r)
	if !ok {
		return
	}
	log := h.Log.With("source_id", src.ID, "workspace_id", src.WorkspaceID)
	if !src.Enabled {
		// 409, not 404 (the token is right: the sender's team should know
		// why) nor 410 (Standard Webhooks senders stop sending for good).
		fail(w, http.StatusConflict, "this webhook source is disabled in Vigie; enable it to take deliveries again", nil)
		return
	}
	if ok, wait := h.allow(src.ID, now); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		fail(w, http.StatusTooManyRequests, fmt.Sprintf("too many deliveries to this source: at most %g a second (%d in a row); try again after Retry-After", h.Rate, h.Burst), nil)
		return
	}
	// From here on, a refused delivery is recorded on the source, for its
	// team to see why the sender's posts do not arrive.
	refuse := func(status int, msg string, extra map[string]any) {
		fail(w, status, msg, extra)
		log.Info("webhook delivery refused", "status", status, "reason", msg)
		h.recordRefusal(ctx, log, src, status, msg, now)
	}
	lines, err := contentType(r.Header)
	if err != nil {
		refuse(http.StatusUnsupportedMediaType, err.Error(), nil)
		return
	}
	if r.ContentLength > MaxBody {
		refuse(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is %d bytes; at most %d (5 MB) per delivery: send fewer posts at a time", r.ContentLength, MaxBody), nil)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			refuse(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes (5 MB): send fewer posts at a time", MaxBody), nil)
			return
		}
		if ctx.Err() == nil {
			fail(w, http.StatusBadRequest, "the body could not be read: "+err.Error(), nil)
		}
		return
	}

	id := ""
	if raw := src.Settings[SettingSigningKey]; raw != "" {
		key, err := ParseSigningKey(raw)
		if err != nil {
			// Check refuses such keys: one stored before, or by hand.
			log.Error("webhook source has an unusable signing key", "err", err)
			fail(w, http.StatusInternalServerError, "this source's signing key is unusable; its team must set it again", nil)
			return
		}
		if id, err = Verify(key, r.Header, body, now); err != nil {
			refuse(http.StatusUnauthorized, err.Error(), nil)
			return
		}
	} else if v := r.Header.Get(HeaderID); v != "" && checkID(v) == nil {
		id = v // unsigned, it still says which deliveries are retries
	}

	var b *Body
	if lines {
		b, err = DecodeLines(body)
	} else {
		b, err = DecodeJSON(body)
	}
	if err != nil {
		var se *SyntaxError
		var tm *TooManyError
		switch {
		case errors.As(err, &se):
			refuse(http.StatusBadRequest, err.Error(), map[string]any{"line": se.Line, "column": se.Column, "offset": se.Offset})
		case errors.As(err, &tm):
			refuse(http.StatusRequestEntityTooLarge, err.Error(), nil)
		default:
			refuse(http.StatusBadRequest, err.Error(), nil)
		}
		return
	}

	hs := h.state(src.ID)
	hs.deliver.Lock()
	defer hs.deliver.Unlock()
	if id != "" && h.delivered(src.ID, id, now) {
		writeJSON(w, http.StatusOK, map[string]any{"duplicate": true, "webhook_id": id,
			"message": "this webhook-id was delivered already; nothing was done again"})
		return
	}
	ans, err := h.deliver(ctx, src, b, now)
	if err != nil {
		if ctx.Err() != nil {
			return // the sender left; it will send again
		}
		log.Error("webhook delivery", "err", err)
		if errors.Is(err, ingest.ErrUnavailable) {
			w.Header().Set("Retry-After", "30")
			fail(w, http.StatusServiceUnavailable, "Vigie cannot take deliveries right now (the bus between its processes cannot be reached): send this delivery again in a minute (should part of it have gone through, it is stored once)", nil)
			return
		}
		fail(w, http.StatusInternalServerError, "the delivery could not be stored; send it again later (the server log has the details)", nil)
		return
	}
	if id != "" {
		h.remember(src.ID, id, now)
	}
	log.Debug("webhook delivery", "received", ans.Received, "stored", ans.Stored, "rejected", len(ans.Rejected), "deleted", ans.Deleted)
	writeJSON(w, http.StatusAccepted, ans)
}

// source finds the source of the request's token, answering 404 when
// there is none. An unknown token and a wrong one are the same case, and
// the store is asked for the token's hash only.
func (h *Handler) source(w http.ResponseWriter, r *http.Request) (*vigie.Source, bool) {
	notFound := func() (*vigie.Source, bool) {
		fail(w, http.StatusNotFound, "no webhook source has this URL: check it against the address shown when the source was added (Vigie shows the token only then)", nil)
		return nil, false
	}
	tok := r.PathValue("token")
	if !validToken(tok) {
		return notFound()
	}
	sum := tokenHash(tok)
	id, ws, err := h.Store.FindSourceIDByURL(r.Context(), vigie.SourceWebhook, URLOf(tok))
	if err == nil {
		var src vigie.Source
		src, err = h.Store.FindSourceByID(r.Context(), ws, id)
		if err == nil {
			// The address says whose token it is; the setting is the
			// token: both must agree (an address set by hand does not
			// open a source).
			stored := tokenHash(src.Settings[SettingToken])
			if subtle.ConstantTimeCompare(stored[:], sum[:]) != 1 {
				return notFound()
			}
			return &src, true
		}
	}
	switch {
	case errors.Is(err, vigie.ErrNotFound):
		return notFound()
	case errors.Is(err, vigie.ErrConflict):
		h.Log.Warn("webhook: several sources have one token; neither takes deliveries until one gets a new token", "err", err)
		return notFound()
	case r.Context().Err() != nil:
		return nil, false
	}
	h.Log.Error("webhook: finding the source", "err", err)
	fail(w, http.StatusInternalServerError, "internal error; the server log has the details", nil)
	return nil, false
}

// deliver validates the body's posts and applies it, saving the source's
// health with it.
func (h *Handler) deliver(ctx context.Context, src *vigie.Source, b *Body, now time.Time) (Answer, error) {
	ans := Answer{Received: b.Items(), Rejected: append([]Rejection{}, b.Rejected...)}
	valid := func(items []Item) []vigie.Post {
		out := make([]vigie.Post, 0, len(items))
		for _, it := range items {
			p := it.Post
			p.StripNUL()
			err := p.Validate()
			if err == nil {
				err = p.CheckDate(now)
			}
			if err != nil {
				ans.Rejected = append(ans.Rejected, Rejection{Index: it.Index, Line: it.Line, Where: it.Where, ID: p.ID, Error: err.Error(), Seq: it.Seq})
				continue
			}
			out = append(out, p)
		}
		return out
	}
	batch := connector.Batch{Posts: valid(b.Posts), Edits: valid(b.Edits)}
	for _, d := range b.Deletes {
		batch.Deletes = append(batch.Deletes, d.Deletion)
	}
	ans.Accepted = len(batch.Posts) + len(batch.Edits) + len(batch.Deletes)

	// The health is saved with the posts: read it again now that this
	// delivery is the source's only one.
	fresh, err := h.Store.FindSourceByID(ctx, src.WorkspaceID, src.ID)
	if err != nil {
		return ans, fmt.Errorf("reading source %d: %w", src.ID, err)
	}
	state := fresh.SourceState
	state.LastSuccessAt = now
	state.ErrorCount, state.LastError = 0, ""
	state.PostsSeen += int64(len(batch.Posts) + len(batch.Edits))
	res, ch, err := h.Pipeline.Apply(ctx, &fresh, batch, &state)
	if err != nil {
		return ans, err
	}
	// The pipeline checks what was checked above; should it refuse more
	// (a clock apart), say which by id.
	for _, rej := range res.Rejected {
		r := Rejection{Index: -1, Where: "post " + strconv.Quote(rej.ID), ID: rej.ID, Error: rej.Err.Error(), Seq: math.MaxInt}
		for _, it := range append(slices.Clip(b.Posts), b.Edits...) {
			if it.Post.ID == rej.ID {
				r.Index, r.Line, r.Where, r.Seq = it.Index, it.Line, it.Where, it.Seq
				break
			}
		}
		ans.Accepted--
		ans.Rejected = append(ans.Rejected, r)
	}
	slices.SortStableFunc(ans.Rejected, func(a, b Rejection) int { return a.Seq - b.Seq })
	ans.Matched, ans.Stored, ans.Mentions, ans.Duplicates = res.Matched, res.Posts, res.Mentions, res.Duplicates
	ans.Edited, ans.Deleted = ch.Edited, ch.Deleted
	return ans, nil
}

// recordRefusal keeps a refused delivery's reason on the source: its
// health says why a sender's posts do not arrive.
func (h *Handler) recordRefusal(ctx context.Context, log *slog.Logger, src *vigie.Source, status int, msg string, now time.Time) {
	hs := h.state(src.ID)
	hs.deliver.Lock()
	defer hs.deliver.Unlock()
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	fresh, err := h.Store.FindSourceByID(wctx, src.WorkspaceID, src.ID)
	if err != nil {
		if !errors.Is(err, vigie.ErrNotFound) {
			log.Error("webhook: reading the source to record a refusal", "err", err)
		}
		return
	}
	st := fresh.SourceState
	st.ErrorCount++
	st.LastErrorAt = now
	if m, clipped := vigie.ClipRunes(msg, 300); clipped {
		msg = m + "…"
	}
	st.LastError = fmt.Sprintf("a delivery was refused (HTTP %d): %s", status, msg)
	if err := h.Store.UpdateSourceState(wctx, src.ID, st); err != nil && !errors.Is(err, vigie.ErrNotFound) {
		log.Error("webhook: recording a refusal", "err", err)
	}
}

// state returns what the handler keeps of a source.
func (h *Handler) state(id int64) *hookState {
	h.mu.Lock()
	defer h.mu.Unlock()
	hs := h.sources[id]
	if hs == nil {
		hs = &hookState{tokens: float64(h.Burst)}
		h.sources[id] = hs
	}
	return hs
}

// allow takes a token from the source's bucket, or says how long until
// one is there.
func (h *Handler) allow(id int64, now time.Time) (bool, time.Duration) {
	hs := h.state(id)
	h.mu.Lock()
	defer h.mu.Unlock()
	if !hs.last.IsZero() && now.After(hs.last) {
		hs.tokens = min(float64(h.Burst), hs.tokens+now.Sub(hs.last).Seconds()*h.Rate)
	}
	if now.After(hs.last) {
		hs.last = now
	}
	if hs.tokens >= 1 {
		hs.tokens--
		return true, 0
	}
	return false, time.Duration((1 - hs.tokens) / h.Rate * float64(time.Second))
}

// delivered reports whether the source took a delivery of this
// webhook-id within the last remember.
func (h *Handler) delivered(src int64, id string, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.expire(now)
	_, ok := h.seen[seenKey{src, id}]
	return ok
}

// remember records a delivered webhook-id.
func (h *Handler) remember(src int64, id string, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := seenKey{src, id}
	if _, ok := h.seen[k]; ok {
		return
	}
	h.seen[k] = now
	h.order = append(h.order, k)
	h.expire(now)
}

// expire forgets the webhook-ids older than remember, and the oldest past
// maxSeen.
func (h *Handler) expire(now time.Time) {
	n := 0
	for n < len(h.order) {
		k := h.order[n]
		if at := h.seen[k]; now.Sub(at) < remember && len(h.order)-n <= maxSeen {
			break
		}
		delete(h.seen, k)
		n++
	}
	if n > 0 {
		h.order = slices.Delete(h.order, 0, n)
	}
}

// contentType says whether the body is JSON Lines (true) or JSON; other
// types, encodings and charsets are refused.
func contentType(hd http.Header) (bool, error) {
	if enc := strings.TrimSpace(hd.Get("Content-Encoding")); enc != "" && !strings.EqualFold(enc, "identity") {
		return false, fmt.Errorf("Content-Encoding %q is not taken: send the body uncompressed", enc)
	}
	ct := hd.Get("Content-Type")
	if strings.TrimSpace(ct) == "" {
		return false, nil // JSON, as Standard Webhooks senders send
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return false, fmt.Errorf("Content-Type %.60q cannot be read: send application/json, or application/x-ndjson for JSON Lines", ct)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return false, fmt.Errorf("charset %.30q is not taken: send UTF-8", cs)
	}
	switch {
	case mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json"):
		return false, nil
	case mt == "application/x-ndjson" || mt == "application/ndjson" || mt == "application/jsonl" ||
		mt == "application/x-jsonlines" || mt == "application/jsonlines":
		return true, nil
	}
	return false, fmt.Errorf("Content-Type %.60q is not taken: send application/json (a post, an array of posts, or {\"posts\":…,\"deleted\":…}), or application/x-ndjson for JSON Lines", mt)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// fail answers an error as the API does: {"error": {"message": …}}, with
// the extra fields (where in the body).
func fail(w http.ResponseWriter, status int, msg string, extra map[string]any) {
	body := map[string]any{"message": msg}
	for k, v := range extra {
		body[k] = v
	}
	writeJSON(w, status, map[string]any{"error": body})
}
