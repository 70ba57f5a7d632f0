package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/ingest"
	"github.com/vigie-project/vigie/internal/postjson"
	"github.com/vigie-project/vigie/internal/store"
)

// Config says where the bus is.
type Config struct {
	URL string // nats://host:4222, or several, comma-separated
	// Prefix names the stream (<prefix>_posts), its subjects
	// (<prefix>.posts.<source id>), the match workers' durable consumer
	// (<prefix>_match) and the signals (<prefix>.signal.<name>): two
	// deployments may share a NATS server with two prefixes.
	Prefix string
	// Name names this process's connection in the server's monitoring.
	Name  string
	Store *store.Store // where a source's state is saved once its batch is durable
	Log   *slog.Logger
	// AckWait is how long a worker may hold a message before the server
	// gives it to another (default 30 s). The consumer keeps the value it
	// was created with.
	AckWait time.Duration
	// PublishTimeout is how long a send waits for the server's
	// acknowledgement before it fails (default 10 s).
	PublishTimeout time.Duration
}

// Delays of the bus. A publish not acknowledged within publishTimeout
// fails the batch: its source runs again later from the same cursor.
const (
	publishTimeout = 10 * time.Second
	defaultAckWait = 30 * time.Second
	// dupWindow is how long the server remembers message ids: a re-send
	// within it is dropped by the server, after it by the store.
	dupWindow = 2 * time.Minute
	// maxAckPending bounds the messages handed to workers and not yet
	// acknowledged, all workers together: each holds up to three batches
	// (one pulled ahead, one matched, one being stored).
	maxAckPending = 100_000
)

// JetStream is the bus over a NATS JetStream server.
type JetStream struct {
	cfg      Config
	where    string // the URL without its password, for logs and errors
	nc       *nats.Conn
	js       jetstream.JetStream
	stream   string
	consumer string
	handlers

	readyMu sync.Mutex
	ready   bool

	subMu sync.Mutex
	subs  map[string]*nats.Subscription

	stats Stats
}

// Stats are the bus's counters since start, for /metrics.
type Stats struct {
	Sent        atomic.Int64 // messages the server acknowledged
	Resent      atomic.Int64 // of those, re-sends the server dropped
	Taken       atomic.Int64 // messages a worker stored and acknowledged
	Redelivered atomic.Int64 // of those, delivered more than once
	Bad         atomic.Int64 // messages no worker can take, removed
	Retried     atomic.Int64 // messages handed back after a store error
}

// Connect connects to the NATS server. It does not wait for the server:
// when the server is away, the connection is retried in the background
// for ever, and sends fail until it is back (the sources run again from
// their cursors).
func Connect(cfg Config) (*JetStream, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = config.DefaultNATSPrefix
	}
	if err := config.CheckNATSPrefix(cfg.Prefix); err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.AckWait <= 0 {
		cfg.AckWait = defaultAckWait
	}
	if cfg.PublishTimeout <= 0 {
		cfg.PublishTimeout = publishTimeout
	}
	where := config.RedactNATS(cfg.URL)
	log := cfg.Log.With("nats", where)
	nc, err := nats.Connect(cfg.URL,
		nats.Name(cfg.Name),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		// No buffer while disconnected: a send then fails at once and its
		// source runs again from its cursor, where a buffered message
		// would be sent on reconnection — after its sender was told it
		// was not taken.
		nats.ReconnectBufSize(-1),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			log.Warn("NATS", "subject", subject, "err", err)
		}),
		nats.ClosedHandler(func(nc *nats.Conn) {
			if err := nc.LastError(); err != nil {
				log.Error("the NATS connection is closed for good: check the URL and its credentials, then restart this process", "err", err)
			}
		}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err == nil {
				return // closed on purpose
			}
			log.Warn("disconnected from NATS: sources pause, workers wait; retrying every second", "err", err)
		}),
		nats.ReconnectHandler(func(*nats.Conn) { log.Info("connected to NATS again") }),
		nats.ConnectHandler(func(*nats.Conn) { log.Info("connected to NATS") }),
	)
	if err != nil {
		return nil, fmt.Errorf("NATS at %s: %w", where, err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(cfg.PublishTimeout), jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("NATS JetStream at %s: %w", where, err)
	}
	return &JetStream{cfg: cfg, where: where, nc: nc, js: js, stream: cfg.Prefix + "_posts", consumer: cfg.Prefix + "_match",
		subs: map[string]*nats.Subscription{}}, nil
}

// Stats returns the live counters.
func (j *JetStream) Stats() *Stats { return &j.stats }

// Stream is the name of the posts' stream.
func (j *JetStream) Stream() string { return j.stream }

// Close flushes what was sent and closes the connection.
func (j *JetStream) Close() error {
	if err := j.nc.FlushTimeout(2 * time.Second); err != nil && j.nc.IsConnected() {
		j.cfg.Log.Warn("flushing NATS", "err", err)
	}
	j.nc.Close()
	return nil
}

// ensure creates or updates the stream and the workers' consumer, once
// the server answers.
func (j *JetStream) ensure(ctx context.Context) error {
	j.readyMu.Lock()
	defer j.readyMu.Unlock()
	if j.ready {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, j.cfg.PublishTimeout)
	defer cancel()
	// A work queue: a message leaves the stream once a worker acknowledged
	// it; file storage, so that a server restart keeps what was sent.
	_, err := j.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        j.stream,
		Description: "Vigie: posts from sources, waiting for a match worker",
		Subjects:    []string{j.cfg.Prefix + ".posts.>"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Duplicates:  dupWindow,
		Discard:     jetstream.DiscardOld,
	})
	if err != nil {
		if !j.nc.IsConnected() {
			return fmt.Errorf("%w: NATS at %s cannot be reached: %v", ingest.ErrUnavailable, j.where, err)
		}
		return fmt.Errorf("the stream %s on NATS at %s: %w (is a NATS server with JetStream on, nats-server -js, running there?)", j.stream, j.where, err)
	}
	_, err = j.js.CreateOrUpdateConsumer(ctx, j.stream, jetstream.ConsumerConfig{
		Durable:       j.consumer,
		Description:   "Vigie's match workers",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       j.cfg.AckWait,
		MaxDeliver:    -1,
		MaxAckPending: maxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("the consumer %s of stream %s on NATS at %s: %w", j.consumer, j.stream, j.where, err)
	}
	j.ready = true
	return nil
}

// unready makes the next send or worker create the stream and consumer
// again, should the server have lost them.
func (j *JetStream) unready() {
	j.readyMu.Lock()
	j.ready = false
	j.readyMu.Unlock()
}

// Apply sends a batch and, once the server holds all of it, saves the
// source's state: a source's cursor never moves past posts that are not
// durable on the bus. Invalid posts are refused here, as the pipeline
// would, so that a webhook's sender hears which.
func (j *JetStream) Apply(ctx context.Context, src *vigie.Source, b connector.Batch, state *vigie.SourceState) (ingest.Result, ingest.Changes, error) {
	res := ingest.Result{Received: len(b.Posts)}
	valid := b.Posts[:0:0]
	bodies := make([][]byte, 0, len(b.Posts)) // each valid post, encoded once
	now := time.Now()
	for i := range b.Posts {
		p := b.Posts[i]
		p.StripNUL()
		err := p.Validate()
		if err == nil {
			err = p.CheckDate(now)
		}
		var body []byte
		if err == nil {
			// A post of a megabyte of text is valid, and over NATS's
			// default max_payload: refused alone, the source's other
			// posts flow.
			if body = postjson.Append(nil, &p); int64(len(body)) > j.nc.MaxPayload() {
				err = fmt.Errorf("post %q takes %d bytes, over the NATS server's max_payload of %d: raise max_payload in its configuration (8MB holds any post)", p.ID, len(body), j.nc.MaxPayload())
				j.cfg.Log.Warn("post refused", "source_id", src.ID, "err", err)
			}
		}
		if err != nil {
			res.Rejected = append(res.Rejected, ingest.Rejected{Index: i, ID: p.ID, Err: err})
			continue
		}
		valid = append(valid, p)
		bodies = append(bodies, body)
	}
	res.Invalid = len(res.Rejected)
	b.Posts = valid
	dups, err := j.send(ctx, src, b, bodies)
	if err != nil {
		return res, ingest.Changes{}, err
	}
	res.Duplicates = dups
	if state != nil {
		if err := j.cfg.Store.UpdateSourceState(ctx, src.ID, *state); err != nil {
			return res, ingest.Changes{}, fmt.Errorf("saving the state of source %d after its posts were sent: %w", src.ID, err)
		}
	}
	return res, ingest.Changes{}, nil
}

// send sends a batch whose posts are valid and encoded (bodies, in order).
func (j *JetStream) send(ctx context.Context, src *vigie.Source, b connector.Batch, bodies [][]byte) (int, error) {
	if len(b.Posts)+len(b.Edits)+len(b.Deletes) == 0 {
		return 0, nil
	}
	if err := j.ensure(ctx); err != nil {
		return 0, err
	}
	ref := sourceRef{src.WorkspaceID, src.ID}.String()
	subject := j.cfg.Prefix + ".posts." + strconv.FormatInt(src.ID, 10)
	newMsg := func(kind, id string, body []byte) *nats.Msg {
		m := nats.NewMsg(subject)
		m.Header.Set(hdrSource, ref)
		m.Header.Set(hdrKind, kind)
		m.Header.Set(hdrMsgID, id)
		m.Data = body
		return m
	}
	var msgs []*nats.Msg
	if len(b.Edits) > 0 || len(b.Deletes) > 0 {
		// An edit or a deletion must find the posts sent before it
		// stored, or it does nothing and the post stays as first sent:
		// wait until no earlier message of this source is on the bus.
		j.waitSourceStored(ctx, src, subject)
		body, err := encodeBatch(b)
		if err != nil {
			return 0, fmt.Errorf("encoding a batch of source %d: %w", src.ID, err)
		}
		if int64(len(body)) <= j.nc.MaxPayload() {
			msgs = append(msgs, newMsg(kindBatch, batchMsgID(src, body), body))
			b.Posts = nil
		} else {
			// Too large for one message: the edits and deletions travel
			// together and the posts apart (a post deleted in the same
			// batch may then be stored and deleted by the next batch).
			body, err = encodeBatch(connector.Batch{Edits: b.Edits, Deletes: b.Deletes})
			if err != nil {
				return 0, err
			}
			if int64(len(body)) > j.nc.MaxPayload() {
				return 0, fmt.Errorf("a batch of source %d with %d edits and %d deletions takes %d bytes, over the NATS server's max_payload of %d: raise max_payload in the server's configuration",
					src.ID, len(b.Edits), len(b.Deletes), len(body), j.nc.MaxPayload())
			}
			msgs = append(msgs, newMsg(kindBatch, batchMsgID(src, body), body))
		}
	}
	for i := range b.Posts {
		msgs = append(msgs, newMsg(kindPost, postMsgID(src, &b.Posts[i]), bodies[i]))
	}
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	for _, m := range msgs {
		// Past 4,096 messages in flight, wait for the server to catch up
		// (a large import) rather than fail.
		f, err := j.js.PublishMsgAsync(m, jetstream.WithStallWait(j.cfg.PublishTimeout))
		if err != nil {
			j.unready()
			return 0, j.sendError(src, err)
		}
		futures = append(futures, f)
	}
	resent := 0
	for _, f := range futures {
		select {
		case ack := <-f.Ok():
			j.stats.Sent.Add(1)
			if ack.Duplicate {
				resent++
				j.stats.Resent.Add(1)
			}
		case err := <-f.Err():
			j.unready() // should the server have lost the stream, the next send makes it again
			return resent, j.sendError(src, err)
		case <-ctx.Done():
			return resent, ctx.Err()
		}
	}
	return resent, nil
}

// orderWait bounds how long a batch of edits or deletions waits for the
// source's earlier posts to be stored.
const orderWait = 30 * time.Second

// waitSourceStored waits, up to orderWait, until the stream holds no
// message of subject (the posts stream is a work queue: a message leaves
// it once a worker stored it). Past the wait, or when the server cannot
// say, the batch goes all the same: the edit or deletion may then come
// before its post.
func (j *JetStream) waitSourceStored(ctx context.Context, src *vigie.Source, subject string) {
	s, err := j.js.Stream(ctx, j.stream)
	if err != nil {
		return
	}
	deadline := time.Now().Add(orderWait)
	for {
		_, err := s.GetMsg(ctx, 1, jetstream.WithGetMsgSubject(subject))
		if err != nil {
			if !errors.Is(err, jetstream.ErrMsgNotFound) {
				j.cfg.Log.Warn("could not check that a source's earlier posts are stored before its edits or deletions", "source_id", src.ID, "err", err)
			}
			return
		}
		if time.Now().After(deadline) {
			j.cfg.Log.Warn("a source's edits or deletions sent before its earlier posts were stored (the match workers are behind)", "source_id", src.ID, "waited", orderWait)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// sendError says why a send failed; ingest.ErrUnavailable when NATS
// cannot be reached, so that the sender tries again later.
func (j *JetStream) sendError(src *vigie.Source, err error) error {
	if !j.nc.IsConnected() {
		return fmt.Errorf("%w: NATS at %s cannot be reached (%v): the posts were not sent; a source runs again from its cursor when NATS is back", ingest.ErrUnavailable, j.where, err)
	}
	return fmt.Errorf("sending posts of source %d to NATS at %s: %w", src.ID, j.where, err)
}

// Signal publishes a signal to every process (this one included).
func (j *JetStream) Signal(name string, data []byte) {
	if err := j.nc.Publish(j.cfg.Prefix+".signal."+name, data); err != nil {
		j.cfg.Log.Debug("signal not sent", "signal", name, "err", err)
	}
}

// OnSignal registers fn and subscribes to the signal once.
func (j *JetStream) OnSignal(name string, fn func(data []byte)) {
	j.handlers.OnSignal(name, fn)
	j.subMu.Lock()
	defer j.subMu.Unlock()
	if j.subs[name] != nil {
		return
	}
	sub, err := j.nc.Subscribe(j.cfg.Prefix+".signal."+name, func(m *nats.Msg) { j.call(name, m.Data) })
	if err != nil {
		j.cfg.Log.Error("subscribing to a signal", "signal", name, "err", err)
		return
	}
	j.subs[name] = sub
}

// WriteMetrics writes the bus's counters with the server's /metrics writers.
func (j *JetStream) WriteMetrics(counter func(name, help string, v int64), gauge func(name, help string, v float64)) {
	s := &j.stats
	counter("vigie_bus_sent_total", "Messages sent to the bus and acknowledged by the NATS server.", s.Sent.Load())
	counter("vigie_bus_resent_total", "Messages the server dropped as re-sends.", s.Resent.Load())
	counter("vigie_bus_taken_total", "Messages a match worker of this process stored and acknowledged.", s.Taken.Load())
	counter("vigie_bus_redelivered_total", "Messages taken that had been delivered before (a worker died or failed).", s.Redelivered.Load())
	counter("vigie_bus_bad_total", "Messages no worker can read, removed from the bus.", s.Bad.Load())
	counter("vigie_bus_retried_total", "Messages handed back to the bus after a store error.", s.Retried.Load())
	up := 0.0
	if j.nc.IsConnected() {
		up = 1
	}
	gauge("vigie_bus_connected", "Whether this process is connected to NATS.", up)
}

// Status is the state of the posts' stream and the workers' consumer.
type Status struct {
	Messages uint64 // in the stream: waiting, or held by a worker
	Bytes    uint64
	Waiting  uint64 // not yet delivered to a worker
	Held     int    // delivered and not acknowledged
	// Deliveries counts every delivery since the consumer was made, the
	// same message again included.
	Deliveries uint64
	Server     string // the server's version
}

// Status reads the stream's and consumer's state from the server.
func (j *JetStream) Status(ctx context.Context) (Status, error) {
	var st Status
	s, err := j.js.Stream(ctx, j.stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return st, fmt.Errorf("NATS at %s has no stream %s: no Vigie process has used the bus with the prefix %q yet", j.where, j.stream, j.cfg.Prefix)
	}
	if err != nil {
		return st, fmt.Errorf("the stream %s on NATS at %s: %w", j.stream, j.where, err)
	}
	si, err := s.Info(ctx)
	if err != nil {
		return st, fmt.Errorf("the stream %s: %w", j.stream, err)
	}
	c, err := s.Consumer(ctx, j.consumer)
	if err != nil {
		return st, fmt.Errorf("the consumer %s: %w", j.consumer, err)
	}
	ci, err := c.Info(ctx)
	if err != nil {
		return st, fmt.Errorf("the consumer %s: %w", j.consumer, err)
	}
	st.Messages, st.Bytes = si.State.Msgs, si.State.Bytes
	st.Waiting, st.Held = ci.NumPending, ci.NumAckPending
	st.Deliveries = ci.Delivered.Consumer
	st.Server = j.nc.ConnectedServerVersion()
	return st, nil
}

// Drained says whether no post waits for a worker nor is held by one.
func (s Status) Drained() bool { return s.Waiting == 0 && s.Held == 0 }
