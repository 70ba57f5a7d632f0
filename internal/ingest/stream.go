package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// RunStream keeps a stream's source connected until ctx ends, the stream
// fails, or the source is disabled, deleted or changed (read again every
// Heartbeat). Each batch is stored with its cursor (Apply); while it
// flows, the source's next check stays a few heartbeats ahead, so that
// the scheduler does not start it twice and takes it up again soon if
// this process dies. A failure is recorded as RunSource's are, with a
// back-off from StreamRetry.
func (s *Scheduler) RunStream(ctx context.Context, st connector.Streamer, src *vigie.Source) {
	s.init()
	log := s.Log.With("source_id", src.ID, "source", src.Name, "kind", src.Kind)
	if err := src.CredentialError(); err != nil {
		s.recordFailure(ctx, log, src, vigie.SourceState{}, err, s.Now())
		return
	}
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	k := &sink{s: s, src: src, log: log, state: src.SourceState, cancel: cancel}
	k.state.Connected = false
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		k.watch(sctx, stop)
	}()
	err := safeStream(sctx, st, src, k)
	close(stop)
	wg.Wait()
	if cause := context.Cause(sctx); errors.Is(cause, errSourceChanged) {
		log.Info("stream restarted: its source changed")
		k.disconnect(ctx)
		return
	}
	if ctx.Err() != nil {
		k.disconnect(ctx)
		return
	}
	if err == nil {
		err = errors.New("the stream ended")
	}
	k.mu.Lock()
	state := k.state
	k.mu.Unlock()
	src.SourceState = state
	s.recordFailure(ctx, log, src, state, err, s.Now())
}

var errSourceChanged = errors.New("the source changed")

func safeStream(ctx context.Context, st connector.Streamer, src *vigie.Source, k connector.Sink) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error in the %s connector: %v", src.Kind, p)
		}
	}()
	return st.Stream(ctx, src, k)
}

// sink stores a stream's batches and keeps its source's health.
type sink struct {
	s      *Scheduler
	src    *vigie.Source
	log    *slog.Logger
	cancel context.CancelCauseFunc

	// wmu orders the writes of the source's state: a heartbeat must not
	// write an older cursor over the one a batch just saved.
	wmu       sync.Mutex
	mu        sync.Mutex
	state     vigie.SourceState // as last saved
	lastSave  time.Time
	connected bool
}

var _ connector.Sink = (*sink)(nil)

func (k *sink) Connected() {
	now := k.s.Now()
	k.mu.Lock()
	k.connected = true
	k.state.Connected = true
	k.state.ConnectedAt = now
	k.mu.Unlock()
	k.log.Info("stream connected")
	k.heartbeat(context.Background(), true)
}

// lease is how far ahead a connected stream's next check is kept.
func (k *sink) lease() time.Duration { return 4 * k.s.Heartbeat }

func (k *sink) Save(ctx context.Context, b connector.Batch) error {
	k.wmu.Lock()
	defer k.wmu.Unlock()
	now := k.s.Now()
	k.mu.Lock()
	state := k.state
	k.mu.Unlock()
	// The connector's cursor and rate limit; the rest is the health.
	next := state
	next.Cursor = b.State.Cursor
	next.ETag, next.LastModified = b.State.ETag, b.State.LastModified
	if b.State.RateLimit != "" {
		next.RateLimit = b.State.RateLimit
	}
	next.Lag = b.State.Lag
	next.LastSuccessAt = now
	next.ErrorCount = 0
	next.LastError = ""
	next.Connected = true
	if next.ConnectedAt.IsZero() {
		next.ConnectedAt = now
	}
	next.NextCheckAt = now.Add(k.lease())
	next.PostsSeen = state.PostsSeen + int64(len(b.Posts)+len(b.Edits))
	_, ch, err := k.s.send().Apply(ctx, k.src, b, &next)
	if err != nil {
		return fmt.Errorf("storing the stream's posts: %w", err)
	}
	if ch != (Changes{}) {
		k.log.Debug("stream changes", "deleted", ch.Deleted, "edited", ch.Edited)
	}
	k.mu.Lock()
	k.state = next
	k.lastSave = now
	k.mu.Unlock()
	return nil
}

// watch reads the source again every heartbeat: it stops the stream when
// the source was disabled, deleted or changed, and saves the health when no
// batch did meanwhile.
func (k *sink) watch(ctx context.Context, stop <-chan struct{}) {
	t := time.NewTicker(k.s.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-t.C:
		}
		cur, err := k.s.Pipeline.Store.FindSourceByID(ctx, k.src.WorkspaceID, k.src.ID)
		if errors.Is(err, vigie.ErrNotFound) || err == nil && (!cur.Enabled || cur.URL != k.src.URL || !maps.Equal(cur.Settings, k.src.Settings) || cur.Shared != k.src.Shared) {
			k.cancel(errSourceChanged)
			return
		}
		k.heartbeat(ctx, false)
	}
}

// heartbeat saves the stream's health (connected, next check ahead) unless
// a batch did within the last heartbeat, or now when force.
func (k *sink) heartbeat(ctx context.Context, force bool) {
	k.wmu.Lock()
	defer k.wmu.Unlock()
	now := k.s.Now()
	k.mu.Lock()
	if !force && now.Sub(k.lastSave) < k.s.Heartbeat {
		k.mu.Unlock()
		return
	}
	st := k.state
	st.Connected = k.connected
	st.NextCheckAt = now.Add(k.lease())
	k.state.NextCheckAt = st.NextCheckAt
	k.lastSave = now
	k.mu.Unlock()
	if err := k.s.Pipeline.Store.UpdateSourceState(ctx, k.src.ID, st); err != nil && ctx.Err() == nil && !errors.Is(err, vigie.ErrNotFound) {
		k.log.Warn("saving the stream's health", "err", err)
	}
}

// disconnect saves the stream as closed and due again at once (its
// source changed, or the process stops and resumes it at next start).
func (k *sink) disconnect(ctx context.Context) {
	k.mu.Lock()
	st := k.state
	k.mu.Unlock()
	st.Connected = false
	st.NextCheckAt = k.s.Now()
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := k.s.Pipeline.Store.UpdateSourceState(wctx, k.src.ID, st); err != nil && !errors.Is(err, vigie.ErrNotFound) {
		k.log.Warn("saving the stream's health", "err", err)
	}
}
