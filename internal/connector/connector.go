// Package connector is the registry of source kinds. Each connector (feeds,
// the demo's simulator, and the social networks to come) registers the
// factory of its Runner from an init function of its own package; the
// scheduler runs whatever is registered, so that neither it nor the
// pipeline grows with the connectors. A program chooses its connectors by
// importing their packages (cmd/vigie/connectors.go).
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

// Runner fetches what a source has published since its state: the posts and
// the state that follows them (cursor, ETag…). It must not keep the source.
type Runner interface {
	Run(ctx context.Context, src *vigie.Source) ([]vigie.Post, vigie.SourceState, error)
}

// Deps are what the process gives every connector.
type Deps struct {
	// Client fetches for users: it cannot reach internal addresses unless
	// an administrator allows it (netguard), and it times out.
	Client *http.Client
	Now    func() time.Time
}

// Factory makes a connector's Runner.
type Factory func(Deps) Runner

var (
	mu        sync.Mutex
	factories = map[vigie.SourceKind]Factory{}
)

// Register makes kind's connector available. Registering a kind twice is a
// programming error and panics, at start-up.
func Register(kind vigie.SourceKind, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := factories[kind]; dup {
		panic(fmt.Sprintf("connector: %q registered twice", kind))
	}
	factories[kind] = f
}

// Kinds lists the registered kinds, sorted.
func Kinds() []vigie.SourceKind {
	mu.Lock()
	defer mu.Unlock()
	return slices.Sorted(maps.Keys(factories))
}

// Build makes one Runner of every registered connector.
func Build(d Deps) map[vigie.SourceKind]Runner {
	mu.Lock()
	defer mu.Unlock()
	if d.Now == nil {
		d.Now = time.Now
	}
	out := make(map[vigie.SourceKind]Runner, len(factories))
	for kind, f := range factories {
		out[kind] = f(d)
	}
	return out
}
