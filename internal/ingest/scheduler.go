package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// Runner is a connector's: see package connector.
type Runner = connector.Runner

// Scheduler runs due sources through the pipeline. The database is the
// schedule: each source's next_check_at says when it is due.
type Scheduler struct {
	Pipeline *Pipeline
	Runners  map[vigie.SourceKind]Runner
	Log      *slog.Logger
	Now      func() time.Time
	Tick     time.Duration // how often due sources are looked for (default 1 s)
	MaxRuns  int           // sources running at once (default 8)
	// Backoff gives the delay before retrying a failing source.
	Backoff func(errorCount int, interval time.Duration, rnd func() float64) time.Duration

	once    sync.Once
	mu      sync.Mutex
	running map[int64]bool
	wake    chan struct{}
}

// Wake makes the scheduler look for due sources now (a source was added).
func (s *Scheduler) Wake() {
	s.init()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Scheduler) init() { s.once.Do(s.setDefaults) }

func (s *Scheduler) setDefaults() {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Tick <= 0 {
		s.Tick = time.Second
	}
	if s.MaxRuns <= 0 {
		s.MaxRuns = 8
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.Backoff == nil {
		s.Backoff = Backoff
	}
	s.running = map[int64]bool{}
	s.wake = make(chan struct{}, 1)
}

// Run schedules sources until ctx ends, then waits for the runs in progress.
func (s *Scheduler) Run(ctx context.Context) {
	s.init()
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, s.MaxRuns)
	t := time.NewTicker(s.Tick)
	defer t.Stop()
	for {
		due, err := s.Pipeline.Store.FindDueSources(ctx, s.Now(), 2*s.MaxRuns)
		if err != nil && ctx.Err() == nil {
			s.Log.Error("finding due sources", "err", err)
		}
		for i := range due {
			src := due[i]
			s.mu.Lock()
			busy := s.running[src.ID]
			if !busy {
				s.running[src.ID] = true
			}
			s.mu.Unlock()
			if busy {
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				defer func() {
					s.mu.Lock()
					delete(s.running, src.ID)
					s.mu.Unlock()
				}()
				s.RunSource(ctx, &src)
			}()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// RunSource runs one source once and records its health. Errors are kept on
// the source (shown to the team), never crash anything, and back off.
func (s *Scheduler) RunSource(ctx context.Context, src *vigie.Source) {
	s.init()
	log := s.Log.With("source_id", src.ID, "source", src.Name, "kind", src.Kind)
	now := s.Now()
	r, ok := s.Runners[src.Kind]
	var (
		posts []vigie.Post
		state vigie.SourceState
		err   error
	)
	if !ok {
		err = fmt.Errorf("no connector for sources of kind %q in this version", src.Kind)
	} else {
		posts, state, err = safeRun(ctx, r, src)
	}
	if err == nil {
		state.LastSuccessAt = now
		state.ErrorCount = 0
		state.LastError = ""
		state.LastErrorAt = src.LastErrorAt
		state.NextCheckAt = now.Add(s.Backoff(0, src.Interval, rand.Float64))
		state.PostsSeen = src.PostsSeen + int64(len(posts))
		var res Result
		res, err = s.Pipeline.Process(ctx, src, posts, &state)
		if err == nil {
			if len(posts) > 0 {
				log.Debug("source run", "posts", len(posts), "matched", res.Matched, "stored", res.Posts)
			}
			return
		}
	}
	if ctx.Err() != nil {
		return // shutting down: the source stays due and runs at next start
	}
	fail := src.SourceState
	fail.ErrorCount++
	fail.LastError = err.Error()
	fail.LastErrorAt = now
	fail.NextCheckAt = now.Add(s.Backoff(fail.ErrorCount, src.Interval, rand.Float64))
	log.Warn("source failed", "err", err, "errors_in_a_row", fail.ErrorCount, "next_check_at", fail.NextCheckAt)
	if uerr := s.Pipeline.Store.UpdateSourceState(ctx, src.ID, fail); uerr != nil {
		log.Error("recording source failure", "err", uerr)
	}
}

// safeRun turns a connector's panic into an error: bad input from outside
// must never take the process down.
func safeRun(ctx context.Context, r Runner, src *vigie.Source) (posts []vigie.Post, st vigie.SourceState, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error in the %s connector: %v", src.Kind, p)
		}
	}()
	return r.Run(ctx, src)
}
