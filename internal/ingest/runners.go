package ingest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/rss"
	"github.com/vigie-project/vigie/internal/simulator"
)

// RSSRunner polls feeds with conditional GET.
type RSSRunner struct {
	Fetcher *rss.Fetcher
}

var _ Runner = (*RSSRunner)(nil)

// Run fetches the feed and returns its items; the store drops the ones it
// already has, and ETag/Last-Modified spare unchanged feeds.
func (r *RSSRunner) Run(ctx context.Context, src *vigie.Source) ([]vigie.Post, vigie.SourceState, error) {
	st := src.SourceState
	res, err := r.Fetcher.Fetch(ctx, src.URL, st)
	if err != nil {
		return nil, st, err
	}
	if res.NotModified {
		return nil, st, nil
	}
	st.ETag, st.LastModified = res.ETag, res.LastModified
	return res.Posts, st, nil
}

// SimulatorRunner feeds demo workspaces from the built-in simulator. Its
// cursor is the time up to which posts were generated, so a restart resumes
// there instead of replaying.
type SimulatorRunner struct {
	Now      func() time.Time
	Rate     float64       // posts per minute at the daytime peak
	Backfill time.Duration // history generated at a source's first run

	mu   sync.Mutex
	sims map[int64]*simulator.Simulator
}

var _ Runner = (*SimulatorRunner)(nil)

// Run returns the posts published since the last run.
func (r *SimulatorRunner) Run(ctx context.Context, src *vigie.Source) ([]vigie.Post, vigie.SourceState, error) {
	now := r.Now().UTC()
	r.mu.Lock()
	if r.sims == nil {
		r.sims = map[int64]*simulator.Simulator{}
	}
	sim := r.sims[src.ID]
	if sim == nil {
		start := now.Add(-r.Backfill)
		if t, err := time.Parse(time.RFC3339Nano, src.Cursor); err == nil && t.Before(now) {
			start = t
		}
		// The seed changes with the start so that a resumed stream never
		// repeats the ids of an earlier one.
		sim = simulator.New(simulator.Config{Seed: src.ID<<32 ^ start.UnixNano(), Rate: r.Rate, Start: start})
		r.sims[src.ID] = sim
	}
	r.mu.Unlock()
	posts := sim.Next(now)
	st := src.SourceState
	st.Cursor = now.Format(time.RFC3339Nano)
	return posts, st, nil
}

// TriggerCrisis starts a crisis scenario in every simulated stream.
func (r *SimulatorRunner) TriggerCrisis(kind string) error {
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
