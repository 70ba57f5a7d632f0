package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/ingest"
)

// Worker is the match role: it takes the posts on the bus, matches,
// enriches and stores them, and acknowledges each message only once the
// store committed it. A worker killed meanwhile leaves its messages to the
// server, which gives them to another worker after the consumer's ack
// wait; the store drops what it has already, so nothing is doubled.
type Worker struct {
	Bus      *JetStream
	Pipeline *ingest.Pipeline
	Log      *slog.Logger
	// Batch is the most messages matched and stored together (default
	// 10,000: on PostgreSQL one worker drained 100k posts at 9,043 posts/s
	// with it, 4,839 with 2,000 — a transaction's fixed cost, the
	// rollups, is paid per batch; BenchmarkBusDrain). A batch takes what has arrived, without waiting for more: a
	// lone post is stored at once, and a backlog, pulled ahead while the
	// batch before is stored, goes in full batches. (Waiting 20 ms for
	// more made a lone post's trip from a source to the API 31 ms at the
	// median instead of 10; BenchmarkSourceToAPI.)
	Batch int

	srcMu   sync.Mutex
	sources map[sourceRef]cachedSource
}

type cachedSource struct {
	src vigie.Source
	at  time.Time
}

// sourceTTL is how long a worker trusts the source it read: a source's
// kind, workspace and sharing rarely change, and a deletion only drops
// its posts in flight.
const sourceTTL = 30 * time.Second

// retryDelay is how long a message handed back after a store error waits
// before it is delivered again.
const retryDelay = 5 * time.Second

// job is a group of messages of one source, ready to be stored.
type job struct {
	src   *vigie.Source
	pr    *ingest.Prepared // posts, matched
	batch *connector.Batch // or a whole batch, applied as it is
	msgs  []jetstream.Msg
}

// Run takes messages until ctx ends. It waits for the server when it is
// away, reads the consumer again when it was lost (deleted, or the server
// restarted without its store), and returns only with ctx.
func (w *Worker) Run(ctx context.Context) error {
	if w.Batch <= 0 {
		w.Batch = 10_000
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
	w.sources = map[sourceRef]cachedSource{}
	for {
		err := w.consume(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		w.Log.Warn("match worker waiting for NATS JetStream", "err", err)
		w.Bus.unready()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// maxLinger bounds how long a batch waits to fill while a backlog waits.
const maxLinger = 250 * time.Millisecond

// errConsumerLost ends a consume whose consumer the server no longer has.
var errConsumerLost = errors.New("the consumer is gone")

// consume takes messages until ctx ends or the consumer is lost.
func (w *Worker) consume(ctx context.Context) error {
	if err := w.Bus.ensure(ctx); err != nil {
		return err
	}
	cons, err := w.Bus.js.Consumer(ctx, w.Bus.stream, w.Bus.consumer)
	if err != nil {
		return fmt.Errorf("the consumer %s: %w", w.Bus.consumer, err)
	}
	// The client keeps up to a batch pulled ahead, so that the next batch
	// is there when this one is stored.
	it, err := cons.Messages(jetstream.PullMaxMessages(w.Batch))
	if err != nil {
		return fmt.Errorf("reading the consumer %s: %w", w.Bus.consumer, err)
	}
	// A short hand-off: the client's own buffer holds the batch pulled
	// ahead, so that a worker holds about three batches (pulled, being
	// matched, being stored).
	in := make(chan jetstream.Msg, 1024)
	lost := make(chan error, 1)
	go func() {
		defer close(in)
		for {
			m, err := it.Next()
			switch {
			case err == nil:
				in <- m
				continue
			case errors.Is(err, jetstream.ErrMsgIteratorClosed) || ctx.Err() != nil:
				return
			case errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) ||
				errors.Is(err, jetstream.ErrStreamNotFound):
				lost <- fmt.Errorf("%w: %v", errConsumerLost, err)
				it.Stop()
				return
			}
			// Missed heartbeats while the server is away: the client
			// pulls again once it is back; a pause keeps this from
			// spinning meanwhile.
			w.Log.Debug("reading the bus", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()

	// Matching a batch overlaps storing the one before, as in vigie
	// import; they are stored in the order they were matched, as
	// near-duplicates need.
	jobs := make(chan job, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for j := range jobs {
			w.store(j)
		}
	}()
	defer func() { close(jobs); <-done }()

	gap := time.NewTimer(time.Hour)
	gap.Stop()
	for {
		m, ok := <-in
		if !ok {
			select {
			case err := <-lost:
				return err
			default:
				return ctx.Err()
			}
		}
		msgs := []jetstream.Msg{m}
		// A lone post goes at once; while the consumer has more (a
		// backlog, shared with other workers, whose deliveries come in
		// bursts), the batch fills, for at most maxLinger: a
		// transaction's fixed cost is paid per batch. (Batches cut at the
		// first millisecond without a message made two workers drain 100k
		// posts at 2,600 posts/s, one at 10,600.)
		start := time.Now()
		gap.Reset(time.Millisecond)
	more:
		for len(msgs) < w.Batch {
			select {
			case m, ok := <-in:
				if !ok {
					break more
				}
				msgs = append(msgs, m)
			case <-gap.C:
				md, err := msgs[len(msgs)-1].Metadata()
				if err != nil || md.NumPending == 0 || time.Since(start) >= maxLinger {
					break more
				}
				gap.Reset(5 * time.Millisecond)
			}
		}
		gap.Stop()
		w.prepare(ctx, msgs, jobs)
	}
}

// prepare decodes messages, groups them by source (in order) and matches
// each group's posts; what cannot be read is removed and reported.
func (w *Worker) prepare(ctx context.Context, msgs []jetstream.Msg, jobs chan<- job) {
	type group struct {
		ref   sourceRef
		posts []vigie.Post
		msgs  []jetstream.Msg
	}
	var groups []*group
	byRef := map[sourceRef]*group{}
	var batches []job
	for _, m := range msgs {
		h := m.Headers()
		dm, err := decodeMessage(h.Get(hdrSource), h.Get(hdrKind), m.Data())
		if err == nil && m.Subject() != w.Bus.cfg.Prefix+".posts."+strconv.FormatInt(dm.ref.Source, 10) {
			// The subject names the source too, so that NATS's subject
			// permissions can confine a sender to its sources.
			err = fmt.Errorf("%w: subject %s, header %s %s: they name two sources", errBadMessage, m.Subject(), hdrSource, h.Get(hdrSource))
		}
		if err != nil {
			w.bad(m, err)
			continue
		}
		if dm.kind == kindBatch {
			b := dm.batch
			batches = append(batches, job{batch: &b, msgs: []jetstream.Msg{m}, src: &vigie.Source{ID: dm.ref.Source, WorkspaceID: dm.ref.Workspace}})
			continue
		}
		g := byRef[dm.ref]
		if g == nil {
			g = &group{ref: dm.ref}
			byRef[dm.ref] = g
			groups = append(groups, g)
		}
		g.posts = append(g.posts, dm.post)
		g.msgs = append(g.msgs, m)
	}
	for _, g := range groups {
		src, err := w.source(ctx, g.ref)
		if err != nil {
			w.drop(g.msgs, g.ref, err)
			continue
		}
		pr, err := w.Pipeline.Prepare(ctx, &src, g.posts)
		if err != nil {
			w.retry(g.msgs, fmt.Errorf("matching %d posts of source %d: %w", len(g.posts), src.ID, err))
			continue
		}
		jobs <- job{src: &src, pr: pr, msgs: g.msgs}
	}
	for _, b := range batches {
		src, err := w.source(ctx, sourceRef{b.src.WorkspaceID, b.src.ID})
		if err != nil {
			w.drop(b.msgs, sourceRef{b.src.WorkspaceID, b.src.ID}, err)
			continue
		}
		b.src = &src
		jobs <- b
	}
}

// store commits a job and acknowledges its messages. It finishes a job
// begun even when the worker is stopping: its posts are matched already.
func (w *Worker) store(j job) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var (
		res ingest.Result
		err error
	)
	if j.batch != nil {
		res, _, err = w.Pipeline.Apply(ctx, j.src, *j.batch, nil)
	} else {
		res, err = w.Pipeline.Commit(ctx, j.pr, nil)
	}
	if err != nil {
		if len(j.msgs) > 1 && j.batch == nil {
			// One bad post fails its batch: store them one by one, so
			// that the others go and the bad one is found.
			w.Log.Warn("a batch could not be stored: storing its posts one by one", "source_id", j.src.ID, "posts", len(j.msgs), "err", err)
			for _, m := range j.msgs {
				w.storeAlone(ctx, j.src, m)
			}
			return
		}
		w.fail(ctx, j.src, j.msgs[0], err)
		return
	}
	for _, r := range res.Rejected {
		w.Log.Warn("post refused by the pipeline", "source_id", j.src.ID, "post", r.ID, "err", r.Err)
	}
	for _, m := range j.msgs {
		if md, err := m.Metadata(); err == nil && md.NumDelivered > 1 {
			w.Bus.stats.Redelivered.Add(1)
		}
		if err := m.Ack(); err != nil {
			// Not acknowledged: delivered again after the ack wait, and
			// dropped by the store then.
			w.Log.Debug("acknowledging a message", "err", err)
		}
		w.Bus.stats.Taken.Add(1)
	}
}

// storeAlone stores one post message on its own.
func (w *Worker) storeAlone(ctx context.Context, src *vigie.Source, m jetstream.Msg) {
	h := m.Headers()
	dm, err := decodeMessage(h.Get(hdrSource), h.Get(hdrKind), m.Data())
	if err != nil {
		w.bad(m, err)
		return
	}
	if _, err := w.Pipeline.Process(ctx, src, []vigie.Post{dm.post}, nil); err != nil {
		w.fail(ctx, src, m, err)
		return
	}
	_ = m.Ack()
	w.Bus.stats.Taken.Add(1)
}

// maxStoreTries is how many deliveries of a message the store refuses,
// while it stores others, before the message is removed as bad.
const maxStoreTries = 3

// fail hands back a message the store refused alone — or, after
// maxStoreTries deliveries and with the database answering, removes it:
// a post no retry will store (a value the database refuses) must not be
// retried for ever, nor hold the bus's drain.
func (w *Worker) fail(ctx context.Context, src *vigie.Source, m jetstream.Msg, err error) {
	if md, merr := m.Metadata(); merr == nil && md.NumDelivered >= maxStoreTries && w.Pipeline.Store.Ping(ctx) == nil {
		w.bad(m, fmt.Errorf("source %d: refused by the database %d times while it answers: %w", src.ID, md.NumDelivered, err))
		return
	}
	w.retry([]jetstream.Msg{m}, fmt.Errorf("storing a message of source %d: %w", src.ID, err))
}

// source returns a message's source, from a short-lived cache.
func (w *Worker) source(ctx context.Context, ref sourceRef) (vigie.Source, error) {
	w.srcMu.Lock()
	c, ok := w.sources[ref]
	w.srcMu.Unlock()
	if ok && time.Since(c.at) < sourceTTL {
		return c.src, nil
	}
	src, err := w.Pipeline.Store.FindSourceByID(ctx, ref.Workspace, ref.Source)
	if err != nil {
		return src, err
	}
	w.srcMu.Lock()
	w.sources[ref] = cachedSource{src, time.Now()}
	w.srcMu.Unlock()
	return src, nil
}

// bad removes a message no worker can read, and says why.
func (w *Worker) bad(m jetstream.Msg, err error) {
	w.Bus.stats.Bad.Add(1)
	attrs := []any{"subject", m.Subject(), "err", err}
	if md, merr := m.Metadata(); merr == nil {
		attrs = append(attrs, "stream_sequence", md.Sequence.Stream)
	}
	w.Log.Error("a message on the bus cannot be read: removed (was it sent by another program or another version?)", attrs...)
	if err := m.Term(); err != nil {
		w.Log.Debug("terminating a message", "err", err)
	}
}

// drop removes the messages of a source that is gone, or hands them back
// when the source could not be read.
func (w *Worker) drop(msgs []jetstream.Msg, ref sourceRef, err error) {
	if !errors.Is(err, vigie.ErrNotFound) {
		w.retry(msgs, fmt.Errorf("reading source %d: %w", ref.Source, err))
		return
	}
	w.Log.Info("posts of a deleted source dropped", "workspace_id", ref.Workspace, "source_id", ref.Source, "posts", len(msgs))
	for _, m := range msgs {
		_ = m.Ack()
	}
}

// retry hands messages back to the bus, delivered again after retryDelay,
// doubled at each delivery up to maxRetryDelay (the database may be away
// for a while).
func (w *Worker) retry(msgs []jetstream.Msg, err error) {
	if errors.Is(err, context.Canceled) {
		w.Log.Info("posts handed back to the bus: stopping", "messages", len(msgs))
	} else {
		w.Log.Error("posts handed back to the bus, tried again in a few seconds", "messages", len(msgs), "err", err)
	}
	w.Bus.stats.Retried.Add(int64(len(msgs)))
	for _, m := range msgs {
		d := retryDelay
		if md, err := m.Metadata(); err == nil {
			for n := uint64(1); n < md.NumDelivered && d < maxRetryDelay; n++ {
				d *= 2
			}
		}
		_ = m.NakWithDelay(min(d, maxRetryDelay))
	}
}

// maxRetryDelay caps the delay before a message handed back is delivered
// again.
const maxRetryDelay = 5 * time.Minute
