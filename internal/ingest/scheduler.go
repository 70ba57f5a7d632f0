package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
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
	// Send takes the sources' batches (Applier): the pipeline itself when
	// nil; the bus when matching runs in other processes (internal/bus).
	Send    Applier
	Runners map[vigie.SourceKind]Runner
	// Streamers keep their sources connected (RunStream), outside MaxRuns.
	Streamers map[vigie.SourceKind]connector.Streamer
	// Streams chooses, for a kind both polled and streamed, which sources
	// are streamed.
	Streams map[vigie.SourceKind]func(*vigie.Source) bool
	Log     *slog.Logger
	Now     func() time.Time
	Tick    time.Duration // how often due sources are looked for (default 1 s)
	MaxRuns int           // sources running at once (default 8)
	// StreamRetry is the first delay before reconnecting a failed stream
	// (default 5 s), doubled at each failure in a row (Backoff).
	StreamRetry time.Duration
	// Heartbeat is how often a stream's source is read again (stopped if
	// disabled, deleted or changed) and its health saved when nothing was
	// stored meanwhile (default 15 s).
	Heartbeat time.Duration
	// Owner names this process's claims on sources (default: the host's
	// name): several processes running sources share them, and a process
	// started again on the same host resumes the streams it held.
	Owner string
	// Lease is how long a claimed source is this process's before another
	// may run it, should this one die mid-run (default 5 minutes).
	Lease time.Duration
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

func (s *Scheduler) send() Applier {
	if s.Send != nil {
		return s.Send
	}
	return s.Pipeline
}

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
	if s.StreamRetry <= 0 {
		s.StreamRetry = 5 * time.Second
	}
	if s.Heartbeat <= 0 {
		s.Heartbeat = 15 * time.Second
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.Owner == "" {
		s.Owner, _ = os.Hostname()
	}
	if s.Lease <= 0 {
		s.Lease = 5 * time.Minute
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
	// Sources this host claimed and did not finish (it was killed) run now.
	if _, err := s.Pipeline.Store.ResumeClaims(ctx, s.Owner, s.Now()); err != nil && ctx.Err() == nil {
		s.Log.Error("resuming sources", "err", err)
	}
	if len(s.Streamers) > 0 {
		// Streams this process left connected (it stopped, or was killed)
		// resume now rather than when their lease ends.
		kinds := make([]vigie.SourceKind, 0, len(s.Streamers))
		for k := range s.Streamers {
			kinds = append(kinds, k)
		}
		if _, err := s.Pipeline.Store.ResumeStreams(ctx, s.Owner, kinds, s.Now()); err != nil && ctx.Err() == nil {
			s.Log.Error("resuming streams", "err", err)
		}
	}
	t := time.NewTicker(s.Tick)
	defer t.Stop()
	for {
		due, err := s.Pipeline.Store.ClaimDueSources(ctx, s.Owner, s.Now(), s.Lease, 2*s.MaxRuns)
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
			if st, ok := s.streamer(&src); ok {
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer s.done(src.ID)
					s.RunStream(ctx, st, &src)
				}()
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				// Claimed and not started: due again at once, for
				// whichever process runs sources next.
				for _, left := range due[i:] {
					s.release(&left)
				}
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				defer s.done(src.ID)
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

// streamer returns the Streamer that runs src, if it is streamed.
func (s *Scheduler) streamer(src *vigie.Source) (connector.Streamer, bool) {
	st, ok := s.Streamers[src.Kind]
	if !ok {
		return nil, false
	}
	if choose := s.Streams[src.Kind]; choose != nil && !choose(src) {
		return nil, false
	}
	return st, true
}

func (s *Scheduler) done(id int64) {
	s.mu.Lock()
	delete(s.running, id)
	s.mu.Unlock()
}

// RunSource runs one source once and records its health. Errors are kept on
// the source (shown to the team), never crash anything, and back off (a
// source whose credentials cannot be decrypted fails without running); a
// network's rate limit waits until the time it gives, without counting as
// a failure. A stream's source is run by RunStream.
func (s *Scheduler) RunSource(ctx context.Context, src *vigie.Source) {
	s.init()
	log := s.Log.With("source_id", src.ID, "source", src.Name, "kind", src.Kind)
	now := s.Now()
	r, ok := s.Runners[src.Kind]
	var (
		b   connector.Batch
		err error
	)
	if !ok {
		err = fmt.Errorf("no connector for sources of kind %q in this version", src.Kind)
	} else if err = src.CredentialError(); err == nil {
		b, err = safeRun(ctx, r, src)
	}
	if err == nil {
		state := b.State
		state.LastSuccessAt = now
		state.ErrorCount = 0
		state.LastError = ""
		state.LastErrorAt = src.LastErrorAt
		state.NextCheckAt = now.Add(s.Backoff(0, src.Interval, rand.Float64))
		state.PostsSeen = src.PostsSeen + int64(len(b.Posts)+len(b.Edits))
		var res Result
		var ch Changes
		res, ch, err = s.send().Apply(ctx, src, b, &state)
		if err == nil {
			if len(b.Posts) > 0 || ch != (Changes{}) {
				log.Debug("source run", "posts", len(b.Posts), "matched", res.Matched, "stored", res.Posts, "deleted", ch.Deleted, "edited", ch.Edited)
			}
			return
		}
	}
	if ctx.Err() != nil {
		s.release(src) // shutting down: the source is due again and runs at next start
		return
	}
	s.recordFailure(ctx, log, src, b.State, err, now)
}

// release gives back a source this process claimed and did not run to its
// end, due as it was.
func (s *Scheduler) release(src *vigie.Source) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Pipeline.Store.ReleaseSource(ctx, src.ID, s.Owner, src.NextCheckAt); err != nil {
		s.Log.Warn("giving back a source (it runs again when its lease ends)", "source_id", src.ID, "err", err)
	}
}

// unavailableRetry is how soon a source whose batch the bus could not take
// runs again.
const unavailableRetry = 15 * time.Second

// recordFailure keeps a failed run's error on the source and schedules the
// next try: at the time a rate limit gives, else after a back-off. A
// connector's partial state (rate-limit words) is kept; the cursor is not.
func (s *Scheduler) recordFailure(ctx context.Context, log *slog.Logger, src *vigie.Source, partial vigie.SourceState, err error, now time.Time) {
	fail := src.SourceState
	fail.Connected = false
	if partial.RateLimit != "" {
		fail.RateLimit = partial.RateLimit
	}
	if rl, ok := connector.RateLimited(err); ok {
		// Not a failure of the source: the network asks to wait.
		fail.LastError = err.Error()
		fail.LastErrorAt = now
		// Within a day whatever the connector read (a server's answer
		// decides it): a time past year 9999 cannot even be stored.
		fail.NextCheckAt = rl.Until
		if !fail.NextCheckAt.After(now) {
			fail.NextCheckAt = now.Add(time.Minute)
		}
		if fail.NextCheckAt.After(now.Add(connector.MaxRetryWait)) {
			fail.NextCheckAt = now.Add(connector.MaxRetryWait)
		}
		log.Info("source rate-limited", "until", fail.NextCheckAt)
	} else if errors.Is(err, ErrUnavailable) {
		// Not a failure of the source either: the bus is away. Tried
		// again soon, without backing off, so that it resumes shortly
		// after the bus returns.
		fail.LastError = err.Error()
		fail.LastErrorAt = now
		fail.NextCheckAt = now.Add(unavailableRetry)
		log.Warn("source paused: the bus is unavailable", "err", err, "next_check_at", fail.NextCheckAt)
	} else {
		fail.ErrorCount++
		fail.LastError = err.Error()
		fail.LastErrorAt = now
		if _, stream := s.streamer(src); stream {
			// A stream reconnects soon: StreamRetry, doubled at each
			// failure in a row, at most MaxStreamBackoff.
			fail.NextCheckAt = now.Add(StreamBackoff(fail.ErrorCount, s.StreamRetry, rand.Float64))
		} else {
			fail.NextCheckAt = now.Add(s.Backoff(fail.ErrorCount, src.Interval, rand.Float64))
		}
		log.Warn("source failed", "err", err, "errors_in_a_row", fail.ErrorCount, "next_check_at", fail.NextCheckAt)
	}
	// Saved even when shutting down, so that a stream is not shown
	// connected after its process stopped.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if uerr := s.Pipeline.Store.UpdateSourceState(wctx, src.ID, fail); uerr != nil && !errors.Is(uerr, vigie.ErrNotFound) {
		log.Error("recording source failure", "err", uerr)
	}
}

// safeRun turns a connector's panic into an error: bad input from outside
// must never take the process down.
func safeRun(ctx context.Context, r Runner, src *vigie.Source) (b connector.Batch, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error in the %s connector: %v", src.Kind, p)
		}
	}()
	return r.Run(ctx, src)
}
