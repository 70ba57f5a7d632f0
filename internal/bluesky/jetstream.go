package bluesky

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

func init() {
	connector.Register(vigie.SourceBluesky, connector.Kind{
		Stream: func(d connector.Deps) connector.Streamer { return &Jetstream{Client: d.StreamClient, Now: d.Now} },
		Check:  Check,
	})
}

// PublicHosts are Bluesky's public Jetstream instances. A source that
// follows one of them moves to the next at each reconnection that follows
// a failure: the same time cursor works on every instance.
var PublicHosts = []string{
	"jetstream2.us-east.bsky.network",
	"jetstream1.us-east.bsky.network",
	"jetstream1.us-west.bsky.network",
	"jetstream2.us-west.bsky.network",
}

// DefaultURL is a new source's address.
var DefaultURL = "wss://" + PublicHosts[0] + "/subscribe"

// Rewind is how far before its saved cursor a stream resumes: Jetstream's
// instances differ by a few seconds, and the pipeline drops what it has.
const Rewind = 5 * time.Second

// Batching: a batch is saved when it holds this many posts and deletions,
// or when this long passed since its first event.
const (
	batchEvents = 1000
	batchWait   = time.Second
)

// Check validates a Bluesky source: a ws:// or wss:// Jetstream address
// (DefaultURL when empty), and settings.langs, a list of languages to keep
// (empty: all).
func Check(src *vigie.Source) error {
	if strings.TrimSpace(src.URL) == "" {
		src.URL = DefaultURL
	}
	u, err := url.Parse(strings.TrimSpace(src.URL))
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return fmt.Errorf("%w: %q is not a Jetstream address: give wss://host/subscribe (by default %s), or leave it empty", vigie.ErrInvalid, src.URL, DefaultURL)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/subscribe"
	}
	q := u.Query()
	for k := range q {
		if k != "wantedCollections" && k != "wantedDids" {
			// Vigie sets the cursor and the rest itself.
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	src.URL = u.String()
	for k := range src.Settings {
		if k != "langs" {
			return fmt.Errorf("%w: unknown Bluesky setting %q; the only one is \"langs\" (languages to keep, e.g. \"fr,de,en,it\")", vigie.ErrInvalid, k)
		}
	}
	if langs, err := parseLangs(src.Settings["langs"]); err != nil {
		return err
	} else if len(langs) > 0 {
		src.Settings["langs"] = strings.Join(langs, ",")
	}
	return nil
}

func parseLangs(s string) ([]string, error) {
	var out []string
	for _, l := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		if len(l) < 2 || len(l) > 3 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz") != "" {
			return nil, fmt.Errorf("%w: %q is not a language code; give codes such as \"fr,de,en,it\"", vigie.ErrInvalid, l)
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out, nil
}

// Jetstream is the Bluesky connector.
type Jetstream struct {
	Client *http.Client // dials the WebSocket; no overall time limit
	Now    func() time.Time
	// Idle is how long the stream may stay silent before it is taken for
	// dead and reconnected (default IdleTimeout): the whole network is
	// never silent for that long.
	Idle time.Duration
}

// IdleTimeout is Jetstream.Idle's default.
const IdleTimeout = time.Minute

var _ connector.Streamer = (*Jetstream)(nil)

// address is where a source's stream is read from: its address, on the
// next public instance after failures when it follows one, with the
// post collection wanted and the cursor rewound.
func (j *Jetstream) address(src *vigie.Source) (string, error) {
	u, err := url.Parse(src.URL)
	if err != nil {
		return "", fmt.Errorf("the source's address %q: %v", src.URL, err)
	}
	if i := slices.Index(PublicHosts, u.Host); i >= 0 && src.ErrorCount > 0 {
		u.Host = PublicHosts[(i+src.ErrorCount)%len(PublicHosts)]
	}
	q := u.Query()
	q.Set("wantedCollections", postCollection)
	if c, err := strconv.ParseInt(src.Cursor, 10, 64); err == nil && c > 0 {
		q.Set("cursor", strconv.FormatInt(c-Rewind.Microseconds(), 10))
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Stream follows the source's Jetstream until ctx ends or the connection
// fails.
func (j *Jetstream) Stream(ctx context.Context, src *vigie.Source, sink connector.Sink) error {
	addr, err := j.address(src)
	if err != nil {
		return err
	}
	langs, _ := parseLangs(src.Settings["langs"])
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	conn, resp, err := websocket.Dial(dctx, addr, &websocket.DialOptions{
		HTTPClient: j.Client,
		HTTPHeader: http.Header{"User-Agent": {connector.UserAgent}},
	})
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		if resp != nil && (resp.StatusCode == http.StatusTooManyRequests) {
			return &connector.RateLimitError{Network: "Jetstream", Until: connector.RetryAt(resp.Header, j.Now()), Detail: "too many connections"}
		}
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return fmt.Errorf("Jetstream at %s: the server answered HTTP %d instead of opening a WebSocket; is it a Jetstream v1 address (wss://host/subscribe)?", hostOf(addr), resp.StatusCode)
		}
		return connector.Plain("connecting to Jetstream at "+hostOf(addr), err)
	}
	defer conn.CloseNow()
	// A post is a few kilobytes; Jetstream's own limit on what it sends
	// is far below this.
	conn.SetReadLimit(1 << 20)
	sink.Connected()

	type read struct {
		msg []byte
		err error
	}
	msgs := make(chan read, 256)
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		defer close(msgs)
		for {
			_, msg, err := conn.Read(rctx)
			select {
			case msgs <- read{msg, err}:
			case <-rctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()

	var (
		b       connector.Batch
		pending int   // posts and deletions in b
		last    int64 // time_us of the last event read
		saved   = src.Cursor
		bad     int
		first   time.Time
	)
	timer := time.NewTimer(batchWait)
	timer.Stop()
	idleFor := j.Idle
	if idleFor <= 0 {
		idleFor = IdleTimeout
	}
	idle := time.NewTimer(idleFor)
	defer idle.Stop()
	flush := func() error {
		timer.Stop()
		cur := strconv.FormatInt(last, 10)
		if pending == 0 && cur == saved || last == 0 {
			return nil
		}
		b.State.Cursor = cur
		b.State.Lag = max(j.Now().Sub(time.UnixMicro(last)).Seconds(), 0)
		if err := sink.Save(ctx, b); err != nil {
			return err
		}
		saved = cur
		b, pending, first = connector.Batch{}, 0, time.Time{}
		return nil
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
			if err := flush(); err != nil {
				return err
			}
		case <-idle.C:
			if err := flush(); err != nil {
				return err
			}
			return fmt.Errorf("Jetstream at %s sent nothing for %s; reconnecting", hostOf(addr), idleFor)
		case r, ok := <-msgs:
			if !ok {
				return nil // ctx ended
			}
			if r.err != nil {
				if ctx.Err() != nil {
					return nil
				}
				// What came before is stored; the rest comes again from
				// the saved cursor.
				if err := flush(); err != nil {
					return err
				}
				return connector.Plain("the Jetstream connection to "+hostOf(addr)+" ended", r.err)
			}
			idle.Reset(idleFor)
			c, err := decode(r.msg)
			if err == nil || errors.Is(err, errNoise) {
				// A time cursor from the future (or none) would freeze
				// the cursor, or date posts in 1970: such an event is
				// bad.
				if c.at <= 0 || c.at > j.Now().Add(24*time.Hour).UnixMicro() {
					err = fmt.Errorf("an event whose time_us (%d) is not a plausible time", c.at)
				}
			}
			if err == nil || errors.Is(err, errNoise) {
				if c.at > last {
					last = c.at
				}
			}
			if first.IsZero() {
				// The cursor moves past noise too, once a second at most.
				first = time.Now()
				timer.Reset(batchWait)
			}
			switch {
			case errors.Is(err, errNoise):
				continue
			case err != nil:
				// One bad event does not stop the stream; many in a row
				// mean the server speaks something else.
				bad++
				if bad > 100 {
					return fmt.Errorf("Jetstream at %s sent 100 events Vigie cannot read (the last: %v); is it a Jetstream v1 address?", hostOf(addr), err)
				}
				continue
			}
			bad = 0
			switch {
			case c.delete != nil:
				b.Deletes = append(b.Deletes, *c.delete)
			case len(langs) > 0 && !slices.Contains(langs, strings.ToLower(baseLang(c.post.Lang))):
				continue
			case c.edit:
				b.Edits = append(b.Edits, *c.post)
			default:
				b.Posts = append(b.Posts, *c.post)
			}
			pending++
			if pending >= batchEvents {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
}

func baseLang(l string) string {
	if i := strings.IndexAny(l, "-_"); i > 0 {
		return l[:i]
	}
	return l
}

func hostOf(addr string) string {
	if u, err := url.Parse(addr); err == nil {
		return u.Host
	}
	return addr
}
