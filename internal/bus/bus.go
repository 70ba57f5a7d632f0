// Package bus is how Vigie's roles talk (architecture.md, "Scale-out"):
// the sources' batches go to the match workers, and signals (mentions
// stored, something to show live, a wake-up) reach every process.
//
// Two implementations share the interface. Local is the embedded default:
// one process, a batch matched and stored as it is applied, signals as
// function calls. JetStream runs the roles in several processes on several
// machines: a batch is made durable on a NATS JetStream stream, then a
// match worker (any number, on any machine) matches, enriches and stores
// it and acknowledges it only once the store has committed; signals are
// NATS messages.
package bus

import (
	"context"
	"sync"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/ingest"
)

// Bus carries batches and signals between the roles.
type Bus interface {
	// Apply takes a source's batch and, once the batch is safe, saves
	// state (the cursor that follows it; nil: none): stored (Local) or
	// durable on the bus (JetStream). On an error nothing was saved and
	// the source runs again from its old cursor.
	ingest.Applier
	// Signal tells every process, this one included, that something
	// happened; it is best effort and never blocks for long.
	Signal(name string, data []byte)
	// OnSignal registers fn for a signal's name; register before the
	// first Signal. fn must not block.
	OnSignal(name string, fn func(data []byte))
	Close() error
}

// Signals Vigie sends.
const (
	// SignalStored: mentions were stored; data are the keys of their
	// monitors, one per line (the alert engine evaluates their rules, the
	// live streams look).
	SignalStored = "stored"
	// SignalLive: something the web app shows live changed (an alert, a
	// post's state, the inbox).
	SignalLive = "live"
	// SignalWakeSources: a source was added or changed: look for due ones.
	SignalWakeSources = "wake.sources"
	// SignalWakeAlerts: alert rules changed: evaluate.
	SignalWakeAlerts = "wake.alerts"
	// SignalWakePublisher: a post to publish became due or changed.
	SignalWakePublisher = "wake.publisher"
)

// Local is the in-process bus: Apply is the pipeline's, signals are calls.
type Local struct {
	Pipeline *ingest.Pipeline
	handlers
}

// NewLocal returns the in-process bus over a pipeline.
func NewLocal(p *ingest.Pipeline) *Local { return &Local{Pipeline: p} }

func (l *Local) Apply(ctx context.Context, src *vigie.Source, b connector.Batch, state *vigie.SourceState) (ingest.Result, ingest.Changes, error) {
	return l.Pipeline.Apply(ctx, src, b, state)
}

func (l *Local) Signal(name string, data []byte) { l.call(name, data) }

func (l *Local) Close() error { return nil }

// handlers are the functions registered for each signal.
type handlers struct {
	mu sync.RWMutex
	fn map[string][]func([]byte)
}

func (h *handlers) OnSignal(name string, fn func(data []byte)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fn == nil {
		h.fn = map[string][]func([]byte){}
	}
	h.fn[name] = append(h.fn[name], fn)
}

func (h *handlers) call(name string, data []byte) {
	h.mu.RLock()
	fns := h.fn[name]
	h.mu.RUnlock()
	for _, fn := range fns {
		fn(data)
	}
}
