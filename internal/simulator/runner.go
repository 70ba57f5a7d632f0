package simulator

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

func init() {
	connector.Register(vigie.SourceSimulator, connector.Kind{
		Poll: func(d connector.Deps) connector.Runner {
			return &Runner{Now: d.Now, Rate: DemoRate, Backfill: DemoBackfill}
		},
		Interval: time.Minute,
	})
}

// The demo's pace: posts a minute at the daytime peak, and the history a
// new simulated source starts with.
const (
	DemoRate     = 40
	DemoBackfill = 6 * time.Hour
)

// Runner is the demo's connector: it feeds demo workspaces from the
// simulator. Its cursor is the time up to which posts were generated, so a
// restart resumes there instead of replaying.
type Runner struct {
	Now      func() time.Time
	Rate     float64       // posts per minute at the daytime peak
	Backfill time.Duration // history generated at a source's first run

	mu   sync.Mutex
	sims map[int64]*Simulator
}

var _ connector.Runner = (*Runner)(nil)

// Run returns the posts published since the last run.
func (r *Runner) Run(ctx context.Context, src *vigie.Source) (connector.Batch, error) {
	now := r.Now().UTC()
	r.mu.Lock()
	if r.sims == nil {
		r.sims = map[int64]*Simulator{}
	}
	sim := r.sims[src.ID]
	if sim == nil {
		start := now.Add(-r.Backfill)
		if t, err := time.Parse(time.RFC3339Nano, src.Cursor); err == nil && t.Before(now) {
			start = t
		}
		// The seed changes with the start so that a resumed stream never
		// repeats the ids of an earlier one.
		sim = New(Config{Seed: src.ID<<32 ^ start.UnixNano(), Rate: r.Rate, Start: start})
		r.sims[src.ID] = sim
	}
	r.mu.Unlock()
	posts := sim.Next(now)
	st := src.SourceState
	st.Cursor = now.Format(time.RFC3339Nano)
	return connector.Batch{Posts: posts, State: st}, nil
}

// TriggerCrisis starts a crisis scenario in every simulated stream.
func (r *Runner) TriggerCrisis(kind string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.sims) == 0 {
		return fmt.Errorf("%w: no simulated source is running yet", vigie.ErrInvalid)
	}
	for _, s := range r.sims {
		if err := s.TriggerCrisis(kind); err != nil {
			return fmt.Errorf("%w: %v", vigie.ErrInvalid, err)
		}
	}
	return nil
}
