package feeds

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/match"
)

// Tried is a post a source's test found, with the monitors of the
// workspace it matches (their ids).
type Tried struct {
	Post     vigie.Post `json:"post"`
	Monitors []string   `json:"monitors"`
}

// TryResult is what a source's test found: the first posts (at most
// TryPosts) and how many of those matched a monitor, the deletions it saw,
// and for a stream how long it listened.
type TryResult struct {
	Posts     []Tried `json:"posts"`
	Read      int     `json:"read"`    // posts read
	Matched   int     `json:"matched"` // of them, posts that match a monitor
	Deletions int     `json:"deletions"`
	// Listened is how long a stream was listened to (seconds; 0 for a
	// polled source).
	Listened float64 `json:"listened_seconds,omitempty"`
	// RateLimit is the network's rate-limit state after the test.
	RateLimit string `json:"rate_limit,omitempty"`
}

// Limits of a test: the posts shown, and how long a stream is listened
// to (it stops earlier once it has TryPosts posts).
const (
	TryPosts  = 20
	TryListen = 10 * time.Second
	tryPoll   = 45 * time.Second
)

// Try checks a new source as AddSource does and reads it once without
// saving anything: a polled source's first fetch, or a stream for up to
// TryListen. It says which of the workspace's monitors each post found
// matches. A network's refusal (credentials, rate limit, unreachable
// address) is the error, in plain words.
func (a *Adder) Try(ctx context.Context, workspaceID int64, n NewSource) (vigie.Source, TryResult, error) {
	src, err := a.Prepare(workspaceID, n)
	if err != nil {
		return src, TryResult{}, err
	}
	var res TryResult
	var b connector.Batch
	switch r, st := a.Connectors.Runners[src.Kind], a.Connectors.Streamers[src.Kind]; {
	case a.Streamed(&src):
		start := time.Now()
		b, err = tryStream(ctx, st, &src)
		res.Listened = time.Since(start).Round(100 * time.Millisecond).Seconds()
	case r != nil:
		rctx, cancel := context.WithTimeout(ctx, tryPoll)
		b, err = r.Run(rctx, &src)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = fmt.Errorf("no answer within %s", tryPoll)
		}
	default:
		return src, res, fmt.Errorf("%w: sources of kind %q cannot be tried in this version", vigie.ErrInvalid, src.Kind)
	}
	res.RateLimit = b.State.RateLimit
	if err != nil {
		return src, res, err
	}
	monitors, err := a.Store.FindMonitors(ctx, workspaceID)
	if err != nil {
		return src, res, err
	}
	ids := make(map[string]string, len(monitors))
	for _, m := range monitors {
		ids[m.Key] = m.ID
	}
	posts := append(b.Posts, b.Edits...)
	res.Read, res.Deletions = len(posts), len(b.Deletes)
	var m *match.Matcher
	if a.Index != nil {
		m = match.NewMatcher(a.Index)
		m.Scope = []int64{workspaceID}
	}
	for i := range posts {
		p := &posts[i]
		if p.Source == "" {
			p.Source = string(src.Kind)
		}
		var found []string
		if m != nil {
			for _, key := range m.Match(p) {
				if id, ok := ids[key]; ok {
					found = append(found, id)
				}
			}
		}
		if len(found) > 0 {
			res.Matched++
		}
		res.Posts = append(res.Posts, Tried{Post: *p, Monitors: found})
	}
	// The matching posts first, then the newest.
	slices.SortStableFunc(res.Posts, func(x, y Tried) int {
		if (len(x.Monitors) > 0) != (len(y.Monitors) > 0) {
			if len(x.Monitors) > 0 {
				return -1
			}
			return 1
		}
		return y.Post.PublishedAt.Compare(x.Post.PublishedAt)
	})
	if len(res.Posts) > TryPosts {
		res.Posts = res.Posts[:TryPosts]
	}
	return src, res, nil
}

// Streamed reports whether a source is kept connected (a stream) rather
// than polled.
func (a *Adder) Streamed(src *vigie.Source) bool {
	if a.Connectors.Streamers[src.Kind] == nil {
		return false
	}
	choose := a.Connectors.Streams[src.Kind]
	return choose == nil || choose(src)
}

// tryStream listens to a stream until it has TryPosts posts or TryListen
// passed, and returns what it heard.
func tryStream(ctx context.Context, st connector.Streamer, src *vigie.Source) (connector.Batch, error) {
	sctx, cancel := context.WithTimeout(ctx, TryListen)
	defer cancel()
	k := &trySink{cancel: cancel}
	err := st.Stream(sctx, src, k)
	k.mu.Lock()
	defer k.mu.Unlock()
	if err == nil && !k.connected && ctx.Err() == nil {
		err = fmt.Errorf("could not connect within %s", TryListen)
	}
	return k.b, err
}

type trySink struct {
	cancel    context.CancelFunc
	mu        sync.Mutex
	connected bool
	b         connector.Batch
}

func (k *trySink) Connected() {
	k.mu.Lock()
	k.connected = true
	k.mu.Unlock()
}

func (k *trySink) Save(_ context.Context, b connector.Batch) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.b.Posts = append(k.b.Posts, b.Posts...)
	k.b.Edits = append(k.b.Edits, b.Edits...)
	k.b.Deletes = append(k.b.Deletes, b.Deletes...)
	if b.State.RateLimit != "" {
		k.b.State.RateLimit = b.State.RateLimit
	}
	if len(k.b.Posts)+len(k.b.Edits) >= TryPosts {
		k.cancel()
	}
	return nil
}
