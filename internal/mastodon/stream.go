package mastodon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// Streaming.
const (
	// FlushEvery and FlushInterval: a stream's batch is saved after this
	// many events, or at the next tick of this interval, whichever comes
	// first.
	FlushEvery    = 200
	FlushInterval = time.Second
	// IdleTimeout: a stream that sends nothing this long (no event, no
	// heartbeat, no answer to a ping) is taken as dead.
	IdleTimeout = 2 * time.Minute
	// maxBadEvents is how many events in a row may be unreadable before
	// the stream is taken as not speaking Mastodon's API.
	maxBadEvents = 20
	// maxMessage bounds one event (a status with its account, escaped
	// twice on a WebSocket).
	maxMessage = 4 << 20
	// rememberIDs is how many statuses' local ids a stream remembers per
	// source, to name the post a delete event (which gives only the local
	// id) removes.
	rememberIDs = 50_000
	// connectTimeout bounds a connection's opening (the answer's headers).
	connectTimeout = 30 * time.Second
)

// Streamer is the connector of streamed sources: it follows an instance's
// public, local or hashtag timelines as they happen.
type Streamer struct {
	d connector.Deps
	// FlushEvery, FlushInterval and IdleTimeout are the constants of the
	// same names; tests lower them.
	FlushEvery    int
	FlushInterval time.Duration
	IdleTimeout   time.Duration

	mu  sync.Mutex
	ids map[int64]*idRing // per source: local id → status URI
}

var _ connector.Streamer = (*Streamer)(nil)

// NewStreamer returns the streamer of mastodon sources.
func NewStreamer(d connector.Deps) *Streamer {
	if d.Client == nil {
		d.Client = http.DefaultClient
	}
	if d.StreamClient == nil {
		c := *d.Client
		c.Timeout = 0
		d.StreamClient = &c
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Streamer{d: d, FlushEvery: FlushEvery, FlushInterval: FlushInterval, IdleTimeout: IdleTimeout, ids: map[int64]*idRing{}}
}

// frame is what a connection's reader hands the stream's loop: an event,
// an event it could not read (bad), or the end of the connection (err).
type frame struct {
	event string
	data  []byte
	bad   error
	err   error
}

// Stream follows the source's stream until ctx ends (nil) or the
// connection fails (why). Mastodon's streams have no resume point: what is
// posted while disconnected is missed (a polled source of the same tags
// covers it).
func (s *Streamer) Stream(ctx context.Context, src *vigie.Source, sink connector.Sink) error {
	cfg, err := readConfig(src)
	if err != nil {
		return err
	}
	if cfg.stream == "" || cfg.token == "" {
		return fmt.Errorf("%w: this source has no token and stream: it is polled, not streamed", vigie.ErrInvalid)
	}
	state := src.SourceState
	base, h, err := s.discover(ctx, cfg)
	if h != nil {
		if rl := connector.RateLimitState(h, s.d.Now()); rl != "" {
			state.RateLimit = rl
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}

	sctx, cancel := context.WithCancel(ctx)
	frames := make(chan frame, 64)
	var wg sync.WaitGroup
	act := &activity{}
	act.touch()
	var closers []func()
	defer func() {
		cancel()
		for _, c := range closers {
			c()
		}
		wg.Wait()
	}()
	closeWS, fallback, err := s.connectWS(sctx, cfg, base, frames, &wg, act)
	if fallback {
		closers, err = s.connectSSE(sctx, cfg, base, frames, &wg, act)
	} else if closeWS != nil {
		closers = append(closers, closeWS)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.watch(sctx, cfg, act, frames)
	}()
	sink.Connected()
	return s.loop(ctx, src, cfg, state, sink, frames)
}

// loop reads the stream's events into batches and saves them.
func (s *Streamer) loop(ctx context.Context, src *vigie.Source, cfg *config, state vigie.SourceState, sink connector.Sink, frames <-chan frame) error {
	ring := s.ring(src.ID)
	m := &mapper{host: cfg.host, replyURI: ring.get}
	var (
		b        connector.Batch
		n, bad   int
		lastBad  error
		lastTime time.Time
	)
	flush := func(ctx context.Context) error {
		if n == 0 {
			return nil
		}
		b.State = state
		if !lastTime.IsZero() {
			b.State.Lag = max(0, s.d.Now().Sub(lastTime).Seconds())
		}
		err := sink.Save(ctx, b)
		b, n = connector.Batch{}, 0
		return err
	}
	// flushLast saves what came before the end of the stream, even when
	// it ends because ctx did.
	flushLast := func() error {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return flush(fctx)
	}
	tick := time.NewTicker(s.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			flushLast() // the stream stops anyway: nothing to report
			return nil
		case <-tick.C:
			if err := flush(ctx); err != nil {
				return err
			}
			continue
		case f := <-frames:
			if f.err != nil {
				ferr := flushLast()
				if ctx.Err() != nil {
					return nil
				}
				return errors.Join(f.err, ferr)
			}
			ev, err := decodeEvent(f.event, f.data)
			if f.bad != nil {
				err = f.bad
			}
			if err != nil {
				bad++
				lastBad = err
				if bad >= maxBadEvents {
					ferr := flushLast()
					return errors.Join(fmt.Errorf("%s: %d events in a row could not be read (the last: %v); the server may not speak Mastodon's streaming API", cfg.network(), bad, lastBad), ferr)
				}
				continue
			}
			bad = 0
			switch ev.kind {
			case eventUpdate, eventEdit:
				c := ev.status.content()
				if c.ID != "" && c.postID() != "" {
					ring.put(c.ID, c.postID())
				}
				p, ok := m.post(ev.status)
				if !ok {
					continue
				}
				if ev.kind == eventEdit {
					b.Edits = append(b.Edits, p)
				} else {
					b.Posts = append(b.Posts, p)
				}
				lastTime = p.PublishedAt
			case eventDelete:
				uri := ring.get(ev.id)
				if uri == "" {
					continue // a status this stream never brought: nothing stored to remove
				}
				b.Deletes = append(b.Deletes, connector.Deletion{Kind: Source, ID: uri})
			default:
				continue
			}
			n++
			if n >= s.FlushEvery {
				if err := flush(ctx); err != nil {
					return err
				}
			}
		}
	}
}

// watch ends a silent stream: a WebSocket that does not answer a ping, an
// event stream without even its heartbeat (":thump").
func (s *Streamer) watch(ctx context.Context, cfg *config, act *activity, out chan<- frame) {
	idle := s.IdleTimeout
	t := time.NewTicker(idle / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		quiet := time.Since(act.last())
		if quiet < idle/2 {
			continue
		}
		if ping := act.pinger(); ping != nil {
			pctx, cancel := context.WithTimeout(ctx, idle/2)
			err := ping(pctx)
			cancel()
			if err == nil {
				act.touch()
				continue
			}
			if ctx.Err() != nil {
				return
			}
			send(ctx, out, frame{err: fmt.Errorf("%s: the stream went silent and did not answer a ping within %v", cfg.network(), idle/2)})
			return
		}
		if quiet >= idle {
			send(ctx, out, frame{err: fmt.Errorf("%s: the stream sent nothing, not even its heartbeat, for %v", cfg.network(), idle)})
			return
		}
	}
}

// activity is when a connection last showed life, and how to ask it to.
type activity struct {
	at   atomic.Int64
	mu   sync.Mutex
	ping func(context.Context) error
}

func (a *activity) touch()          { a.at.Store(time.Now().UnixNano()) }
func (a *activity) last() time.Time { return time.Unix(0, a.at.Load()) }

func (a *activity) pinger() func(context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ping
}

func send(ctx context.Context, out chan<- frame, f frame) bool {
	select {
	case out <- f:
		return true
	case <-ctx.Done():
		return false
	}
}

// discover finds the streaming server's address: the instance's
// configuration.urls.streaming (GET /api/v2/instance), else its
// urls.streaming_api (GET /api/v1/instance, older servers), else the
// instance itself.
func (s *Streamer) discover(ctx context.Context, cfg *config) (*url.URL, http.Header, error) {
	auth := http.Header{"Authorization": {"Bearer " + cfg.token}}
	stop := func(err error) bool {
		_, limited := connector.RateLimited(err)
		return ctx.Err() != nil || connector.IsAuth(err) || limited
	}
	var v2 struct {
		Configuration struct {
			URLs struct {
				Streaming string `json:"streaming"`
			} `json:"urls"`
		} `json:"configuration"`
	}
	h, err := connector.GetJSON(ctx, s.d.Client, cfg.network(), cfg.base.JoinPath("api", "v2", "instance").String(), auth, s.d.Now(), &v2)
	if err == nil && v2.Configuration.URLs.Streaming != "" {
		u, err := streamingURL(cfg, v2.Configuration.URLs.Streaming)
		return u, h, err
	}
	if err != nil && stop(err) {
		return nil, h, err
	}
	var v1 struct {
		URLs struct {
			StreamingAPI string `json:"streaming_api"`
		} `json:"urls"`
	}
	h1, err := connector.GetJSON(ctx, s.d.Client, cfg.network(), cfg.base.JoinPath("api", "v1", "instance").String(), auth, s.d.Now(), &v1)
	if h1 != nil {
		h = h1
	}
	if err == nil && v1.URLs.StreamingAPI != "" {
		u, err := streamingURL(cfg, v1.URLs.StreamingAPI)
		return u, h, err
	}
	if err != nil && stop(err) {
		return nil, h, err
	}
	u := *cfg.base
	return &u, h, nil
}

// streamingURL checks the streaming address an instance gives: a web or
// WebSocket address, secure when the instance is (the token goes there).
func streamingURL(cfg *config, raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("%s gives a streaming address Vigie cannot use (%q)", cfg.network(), clip(raw))
	}
	switch u.Scheme {
	case "wss", "https":
	case "ws", "http":
		if cfg.base.Scheme == "https" {
			return nil, fmt.Errorf("%s gives an insecure streaming address (%q); Vigie does not send the token there", cfg.network(), clip(raw))
		}
	default:
		return nil, fmt.Errorf("%s gives a streaming address Vigie cannot use (%q)", cfg.network(), clip(raw))
	}
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// withScheme returns u with a WebSocket scheme (ws) or a web one.
func withScheme(u *url.URL, ws bool) *url.URL {
	out := *u
	secure := u.Scheme == "https" || u.Scheme == "wss"
	switch {
	case ws && secure:
		out.Scheme = "wss"
	case ws:
		out.Scheme = "ws"
	case secure:
		out.Scheme = "https"
	default:
		out.Scheme = "http"
	}
	return &out
}

// subscription is the message that adds a stream to a WebSocket.
type subscription struct {
	Type   string `json:"type"`
	Stream string `json:"stream"`
	Tag    string `json:"tag,omitempty"`
}

// connectWS opens the WebSocket (wss://host/api/v1/streaming?stream=…),
// with one more subscription per further tag. fallback says the server
// answered without upgrading (a proxy that does not pass WebSockets): the
// event stream may work.
func (s *Streamer) connectWS(ctx context.Context, cfg *config, base *url.URL, out chan<- frame, wg *sync.WaitGroup, act *activity) (closeFn func(), fallback bool, err error) {
	u := withScheme(base, true)
	u.Path += "/api/v1/streaming"
	q := url.Values{"stream": {cfg.stream}}
	if cfg.stream == StreamHashtag {
		q.Set("tag", cfg.tags[0])
	}
	u.RawQuery = q.Encode()
	dctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	c, resp, err := websocket.Dial(dctx, u.String(), &websocket.DialOptions{
		HTTPClient: s.d.StreamClient,
		HTTPHeader: http.Header{
			"Authorization": {"Bearer " + cfg.token},
			"User-Agent":    {connector.UserAgent},
		},
		OnPingReceived: func(context.Context, []byte) bool { act.touch(); return true },
		OnPongReceived: func(context.Context, []byte) { act.touch() },
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		if resp == nil || resp.StatusCode == http.StatusSwitchingProtocols {
			return nil, false, fmt.Errorf("%s: opening the stream: %v", cfg.network(), err)
		}
		detail := errorDetail(resp.Body)
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return nil, false, &connector.AuthError{Network: cfg.network(), Status: resp.StatusCode, Detail: tokenRefused(detail)}
		case http.StatusTooManyRequests:
			now := s.d.Now()
			until := connector.RetryAt(resp.Header, now)
			if until.IsZero() {
				until = now.Add(time.Minute)
			}
			return nil, false, &connector.RateLimitError{Network: cfg.network(), Until: until, Detail: detail}
		}
		return nil, true, nil
	}
	c.SetReadLimit(maxMessage)
	if cfg.stream == StreamHashtag {
		for _, tag := range cfg.tags[1:] {
			msg, _ := json.Marshal(subscription{Type: "subscribe", Stream: StreamHashtag, Tag: tag})
			if err := c.Write(dctx, websocket.MessageText, msg); err != nil {
				c.CloseNow()
				return nil, false, fmt.Errorf("%s: subscribing to #%s: %v", cfg.network(), tag, err)
			}
		}
	}
	act.mu.Lock()
	act.ping = c.Ping
	act.mu.Unlock()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				send(ctx, out, frame{err: wsError(cfg, err)})
				return
			}
			act.touch()
			event, payload, refused, err := decodeWSMessage(data)
			f := frame{event: event, data: payload, bad: err}
			if refused != nil {
				f = frame{err: refused.err(cfg)}
			}
			if !send(ctx, out, f) || refused != nil {
				return
			}
		}
	}()
	return func() { c.CloseNow() }, false, nil
}

// wsError says why a WebSocket ended.
func wsError(cfg *config, err error) error {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		msg := fmt.Sprintf("%s closed the stream (WebSocket status %d", cfg.network(), int(ce.Code))
		if r := strings.TrimSpace(ce.Reason); r != "" {
			msg += ": " + clip(r)
		}
		return errors.New(msg + ")")
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s dropped the stream's connection", cfg.network())
	}
	return fmt.Errorf("%s: the stream broke: %v", cfg.network(), err)
}

// connectSSE opens the event streams (GET /api/v1/streaming/public,
// /public/local, /hashtag?tag=…, one per tag), for a server that does not
// upgrade to a WebSocket.
func (s *Streamer) connectSSE(ctx context.Context, cfg *config, base *url.URL, out chan<- frame, wg *sync.WaitGroup, act *activity) ([]func(), error) {
	var targets []*url.URL
	u := withScheme(base, false)
	u.Path += "/api/v1/streaming/"
	switch cfg.stream {
	case StreamPublic:
		u.Path += "public"
		targets = append(targets, u)
	case StreamLocal:
		u.Path += "public/local"
		targets = append(targets, u)
	case StreamHashtag:
		u.Path += "hashtag"
		for _, tag := range cfg.tags {
			t := *u
			t.RawQuery = url.Values{"tag": {tag}}.Encode()
			targets = append(targets, &t)
		}
	}
	var closers []func()
	for _, t := range targets {
		body, closeFn, err := s.openSSE(ctx, cfg, t.String())
		if err != nil {
			for _, c := range closers {
				c()
			}
			return nil, err
		}
		closers = append(closers, closeFn)
		wg.Add(1)
		go func() {
			defer wg.Done()
			readSSE(ctx, cfg, body, out, act)
		}()
	}
	return closers, nil
}

// openSSE opens one event stream: its body, and what closes it.
func (s *Streamer) openSSE(ctx context.Context, cfg *config, u string) (io.Reader, func(), error) {
	rctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("%s: %w", cfg.network(), err)
	}
	req.Header.Set("Authorization", "Bearer "+cfg.token)
	req.Header.Set("Accept", "text/event-stream")
	// The answer's headers must come in time; its body flows for hours.
	timer := time.AfterFunc(connectTimeout, cancel)
	resp, err := connector.Do(s.d.StreamClient, cfg.network(), req, s.d.Now())
	if !timer.Stop() && err != nil && ctx.Err() == nil {
		err = fmt.Errorf("%s: the event stream did not answer within %v", cfg.network(), connectTimeout)
	}
	if err != nil {
		cancel()
		var a *connector.AuthError
		if errors.As(err, &a) {
			return nil, nil, &connector.AuthError{Network: a.Network, Status: a.Status, Detail: tokenRefused(a.Detail)}
		}
		return nil, nil, err
	}
	closeFn := func() {
		cancel()
		resp.Body.Close()
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "text/event-stream") {
		closeFn()
		return nil, nil, fmt.Errorf("%s answered %q, not an event stream, at %s; is the streaming server running?", cfg.network(), clip(ct), req.URL.Path)
	}
	return resp.Body, closeFn, nil
}

// readSSE reads an event stream into frames until it ends. A last event
// cut off by the end is dropped.
func readSSE(ctx context.Context, cfg *config, body io.Reader, out chan<- frame, act *activity) {
	br := bufio.NewReaderSize(body, 64<<10)
	var p sseParser
	for {
		line, err := readLine(br, maxMessage)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			switch {
			case errors.Is(err, io.EOF):
				err = fmt.Errorf("%s closed the stream", cfg.network())
			case errors.Is(err, errLineTooLong):
				err = fmt.Errorf("%s: an event of the stream is over %d MB", cfg.network(), maxMessage>>20)
			default:
				err = fmt.Errorf("%s: the stream broke: %v", cfg.network(), err)
			}
			send(ctx, out, frame{err: err})
			return
		}
		act.touch()
		if len(p.data)+len(line) > maxMessage {
			// Data lines without the blank line that ends an event: one
			// event would grow without bound.
			send(ctx, out, frame{err: fmt.Errorf("%s: an event of the stream is over %d MB", cfg.network(), maxMessage>>20)})
			return
		}
		if event, data, ok := p.feed(line); ok {
			if !send(ctx, out, frame{event: event, data: data}) {
				return
			}
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line without its end ("\n" or "\r\n"), at most max
// bytes. A line cut off by the end of the stream is an error.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > max {
			return nil, errLineTooLong
		}
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return nil, err
		}
		line = line[:len(line)-1]
		return bytes.TrimSuffix(line, []byte("\r")), nil
	}
}

// sseParser reads an event stream's lines (text/event-stream): "event:"
// and "data:" fields, a blank line ending an event, comments (":thump",
// Mastodon's heartbeat) skipped.
type sseParser struct {
	event string
	data  []byte
	has   bool
}

// feed takes one line; ok says it ended an event.
func (p *sseParser) feed(line []byte) (event string, data []byte, ok bool) {
	if len(line) == 0 {
		if !p.has {
			p.event = ""
			return "", nil, false
		}
		event, data = p.event, p.data
		if event == "" {
			event = "message"
		}
		p.event, p.data, p.has = "", nil, false
		return event, data, true
	}
	if line[0] == ':' {
		return "", nil, false
	}
	field, value, found := bytes.Cut(line, []byte(":"))
	if found {
		value = bytes.TrimPrefix(value, []byte(" "))
	}
	switch string(field) {
	case "event":
		p.event = string(value)
	case "data":
		if p.has {
			p.data = append(p.data, '\n')
		}
		p.data = append(p.data, value...)
		p.has = true
	}
	return "", nil, false
}

// Kinds of stream event Vigie acts on.
const (
	eventOther = iota
	eventUpdate
	eventEdit
	eventDelete
)

type streamEvent struct {
	kind   int
	status *status // update, status.update
	id     string  // delete: the status's local id
}

// decodeEvent reads an event's payload: a Status for update and
// status.update, the local id of the status for delete. Other events
// (notifications, announcements, filters) are of no use here.
func decodeEvent(event string, data []byte) (streamEvent, error) {
	switch event {
	case "update", "status.update":
		s, err := decodeStatus(data)
		if err != nil {
			return streamEvent{}, fmt.Errorf("%s event: %w", event, err)
		}
		kind := eventUpdate
		if event == "status.update" {
			kind = eventEdit
		}
		return streamEvent{kind: kind, status: s}, nil
	case "delete":
		id := strings.Trim(strings.TrimSpace(string(data)), `"`)
		if !validID(id) {
			return streamEvent{}, fmt.Errorf("delete event: %q is not a status id", clip(string(data)))
		}
		return streamEvent{kind: eventDelete, id: id}, nil
	}
	return streamEvent{kind: eventOther}, nil
}

// refusal is an error message of the streaming server on a WebSocket
// ({"error":"Unknown stream type","status":400}).
type refusal struct {
	status int
	detail string
}

func (r *refusal) err(cfg *config) error {
	if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
		return &connector.AuthError{Network: cfg.network(), Status: r.status, Detail: tokenRefused(r.detail)}
	}
	msg := cfg.network() + "'s streaming server refused: " + r.detail
	if r.status != 0 {
		msg += fmt.Sprintf(" (status %d)", r.status)
	}
	return errors.New(msg)
}

// decodeWSMessage reads one WebSocket message: {"stream":[…],
// "event":"update","payload":"{…}"}, whose payload is a JSON string to
// decode again (the delete event's: the id itself). refused is the
// server's error message instead of an event.
func decodeWSMessage(msg []byte) (event string, payload []byte, refused *refusal, err error) {
	var m struct {
		Event   string          `json:"event"`
		Payload json.RawMessage `json:"payload"`
		Error   json.RawMessage `json:"error"`
		Status  int             `json:"status"`
	}
	if err := json.Unmarshal(msg, &m); err != nil {
		return "", nil, nil, fmt.Errorf("a message of the stream is not JSON: %v", err)
	}
	if len(m.Error) > 0 && string(m.Error) != "null" {
		var detail string
		if json.Unmarshal(m.Error, &detail) != nil {
			detail = string(m.Error)
		}
		return "", nil, &refusal{status: m.Status, detail: clip(detail)}, nil
	}
	switch p := bytes.TrimSpace(m.Payload); {
	case len(p) == 0 || string(p) == "null":
	case p[0] == '"':
		var s string
		if err := json.Unmarshal(p, &s); err != nil {
			return m.Event, nil, nil, fmt.Errorf("%s event: its payload is not a JSON string: %v", m.Event, err)
		}
		payload = []byte(s)
	default:
		payload = p // a server that sends the payload as an object
	}
	return m.Event, payload, nil, nil
}

// errorDetail is what an error answer says ({"error":"…"}), in one line.
func errorDetail(body io.Reader) string {
	if body == nil {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(body, 1024))
	var j struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(b, &j) == nil && j.Error != "" {
		return clip(j.Error)
	}
	s := strings.Join(strings.Fields(string(b)), " ")
	if strings.HasPrefix(s, "<") {
		return ""
	}
	return clip(s)
}

// tokenRefused says which credential was refused.
func tokenRefused(detail string) string {
	msg := "the source's access token was refused (revoked, expired, or without the read:statuses scope)"
	if detail != "" {
		msg = detail + " — " + msg
	}
	return msg
}

// ring returns the local-id memory of a source, kept across its
// reconnections.
func (s *Streamer) ring(id int64) *idRing {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.ids[id]
	if r == nil {
		r = &idRing{size: rememberIDs, uris: map[string]string{}}
		s.ids[id] = r
	}
	return r
}

// idRing remembers the URIs of the last size statuses by local id.
type idRing struct {
	mu   sync.Mutex
	size int
	uris map[string]string
	keys []string
	next int
}

func (r *idRing) put(id, uri string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.uris[id]; ok {
		r.uris[id] = uri
		return
	}
	if len(r.keys) < r.size {
		r.keys = append(r.keys, id)
	} else {
		delete(r.uris, r.keys[r.next])
		r.keys[r.next] = id
		r.next = (r.next + 1) % r.size
	}
	r.uris[id] = uri
}

func (r *idRing) get(id string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.uris[id]
}
