// Package connector is the registry of source kinds. Each connector (feeds,
// the demo's simulator, the social networks) registers its Kind from an init
// function of its own package; the scheduler runs whatever is registered, so
// that neither it nor the pipeline grows with the connectors. A program
// chooses its connectors by importing their packages
// (cmd/vigie/connectors.go).
//
// A kind is polled (a Runner, run when the source is due) or streamed (a
// Streamer, kept connected). Either hands over Batches: new posts, edited
// posts and deletions, with the source's state after them (its cursor),
// which the pipeline stores in that order, the state last, so that a crash
// at any point loses nothing and duplicates nothing.
package connector

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
)

// Batch is what a run, or a stretch of a stream, brought.
type Batch struct {
	// Posts are new posts, or posts seen again (the pipeline drops those
	// stored already).
	Posts []vigie.Post
	// Edits are posts the network says changed: a stored one is updated
	// and matched again; one not stored is taken as new.
	Edits []vigie.Post
	// Deletes are posts, or whole authors, the network says are gone: they
	// leave the archive and every figure. A delete and a post of the same
	// id in one batch: the post is not stored.
	Deletes []Deletion
	// State follows the batch: its cursor, and the health a connector
	// knows (RateLimit, Lag). The scheduler sets the rest of the health.
	State vigie.SourceState
}

// Deletion names a post that is gone (Kind and ID, as vigie.Post's Source
// and ID), or all the posts of an author (Kind and AuthorID, as
// vigie.Author's ID): an account deleted or deactivated.
type Deletion struct {
	Kind     string `json:"kind"`
	ID       string `json:"id,omitempty"`
	AuthorID string `json:"author_id,omitempty"`
}

// Runner is a polled connector: it fetches what a source has published
// since its state. It must not keep the source.
type Runner interface {
	Run(ctx context.Context, src *vigie.Source) (Batch, error)
}

// Streamer is a streamed connector.
type Streamer interface {
	// Stream connects to src's stream, resuming at src.Cursor, and hands
	// what comes to sink until ctx ends (it returns nil then) or the
	// stream fails (it returns why; the scheduler reconnects after a
	// back-off). It calls sink.Connected once the stream is open.
	Stream(ctx context.Context, src *vigie.Source, sink Sink) error
}

// Sink takes a stream's batches.
type Sink interface {
	// Connected says the stream is open (health: connected).
	Connected()
	// Save stores a batch with its state, returning once it is committed:
	// a stream reads no faster than its posts are stored. An error means
	// the batch was not stored; the stream should end and resume from its
	// last saved cursor.
	Save(ctx context.Context, b Batch) error
}

// Deps are what the process gives every connector.
type Deps struct {
	// Client fetches for users: it cannot reach internal addresses unless
	// an administrator allows it (netguard), and it times out. Streams use
	// it to dial too.
	Client *http.Client
	// StreamClient is Client without its overall time limit, for streams
	// that stay open for hours.
	StreamClient *http.Client
	Now          func() time.Time
	// Terms returns what the monitors a source feeds look for (words,
	// phrases, #hashtags), for networks that filter on their side when
	// the source's settings name nothing to follow.
	Terms func(ctx context.Context, src *vigie.Source) ([]string, error)
}

// Kind is what a connector registers.
type Kind struct {
	// Poll or Stream makes the kind's connector. A kind with both (a
	// Mastodon source polls hashtags without a token, streams with one)
	// says with Streams which runs a source.
	Poll    func(Deps) Runner
	Stream  func(Deps) Streamer
	Streams func(src *vigie.Source) bool
	// Check validates a source of this kind before it is saved and
	// completes it: a default address, settings in their normal form.
	// Its errors wrap vigie.ErrInvalid and say what to fix. Nil: any
	// address and settings are taken.
	Check func(src *vigie.Source) error
	// Interval is how often a polled source is checked by default.
	Interval time.Duration
	// Settings, when set, are the names of the settings the kind takes:
	// a source with another (a misspelt "subreddit") is refused, saying
	// which it takes, rather than silently ignored.
	Settings []string
}

var (
	mu    sync.Mutex
	kinds = map[vigie.SourceKind]Kind{}
)

// Register makes a kind's connector available. Registering a kind twice,
// with neither Poll nor Stream, or with both but no Streams, is a
// programming error and panics, at start-up.
func Register(kind vigie.SourceKind, k Kind) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := kinds[kind]; dup {
		panic(fmt.Sprintf("connector: %q registered twice", kind))
	}
	if k.Poll == nil && k.Stream == nil || k.Poll != nil && k.Stream != nil && k.Streams == nil {
		panic(fmt.Sprintf("connector: %q must be polled or streamed, or say which (Streams)", kind))
	}
	kinds[kind] = k
}

// Kinds lists the registered kinds, sorted.
func Kinds() []vigie.SourceKind {
	mu.Lock()
	defer mu.Unlock()
	return slices.Sorted(maps.Keys(kinds))
}

// Lookup returns a registered kind.
func Lookup(kind vigie.SourceKind) (Kind, bool) {
	mu.Lock()
	defer mu.Unlock()
	k, ok := kinds[kind]
	return k, ok
}

// Connectors are the connectors of every registered kind, made once per
// process.
type Connectors struct {
	Runners   map[vigie.SourceKind]Runner
	Streamers map[vigie.SourceKind]Streamer
	// Streams says which of a kind's sources are streamed, for kinds
	// that are both polled and streamed.
	Streams map[vigie.SourceKind]func(*vigie.Source) bool
}

// Build makes the connector of every registered kind.
func Build(d Deps) Connectors {
	mu.Lock()
	defer mu.Unlock()
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Client == nil {
		d.Client = http.DefaultClient
	}
	if d.StreamClient == nil {
		c := *d.Client
		c.Timeout = 0
		d.StreamClient = &c
	}
	d.Client, d.StreamClient = guardRedirects(d.Client), guardRedirects(d.StreamClient)
	if d.Terms == nil {
		d.Terms = func(context.Context, *vigie.Source) ([]string, error) { return nil, nil }
	}
	out := Connectors{Runners: map[vigie.SourceKind]Runner{}, Streamers: map[vigie.SourceKind]Streamer{},
		Streams: map[vigie.SourceKind]func(*vigie.Source) bool{}}
	for kind, k := range kinds {
		if k.Poll != nil {
			out.Runners[kind] = k.Poll(d)
		}
		if k.Stream != nil {
			out.Streamers[kind] = k.Stream(d)
		}
		if k.Poll != nil && k.Stream != nil {
			out.Streams[kind] = k.Streams
		}
	}
	return out
}

// guardRedirects is c whose redirects carry no Referer (an API key in the
// address it comes from would go with it) and, to another host, none of
// the request's credentials: Go drops Authorization and cookies there, not
// the headers some networks use (Discourse's Api-Key).
func guardRedirects(c *http.Client) *http.Client {
	cc := *c
	next := c.CheckRedirect
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if next != nil {
			if err := next(req, via); err != nil {
				return err
			}
		} else if len(via) >= 10 {
			return fmt.Errorf("stopped after 10 redirects")
		}
		req.Header.Del("Referer")
		if req.URL.Host != via[0].URL.Host {
			for k := range req.Header {
				switch http.CanonicalHeaderKey(k) {
				case "Accept", "Accept-Language", "User-Agent":
				default:
					req.Header.Del(k)
				}
			}
		}
		return nil
	}
	return &cc
}
