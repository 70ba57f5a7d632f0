package publish

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/store"
)

// Publisher sends due posts, exactly once each, from any number of
// processes on one database:
//
//   - a target (post × account) is marked publishing, with its lease and
//     its idempotency key, in the transaction that claims it, before the
//     network is called;
//   - every attempt sends the same key (Mastodon's Idempotency-Key; the
//     Bluesky record key derives from it, so a second record cannot be
//     created);
//   - a target found publishing (its process crashed or timed out) is
//     first looked up on the network, then sent again with its key;
//   - a success is recorded whoever holds the lease; a failure only by
//     the lease's holder.
type Publisher struct {
	Store   *store.Store
	Clients map[vigie.Network]Client
	Log     *slog.Logger
	Now     func() time.Time
	// Owner names this process in leases (random if empty).
	Owner string
	// Lease is how long a claim is held without news of its holder: the
	// holder renews it every Lease/3 while its call runs, so that after a
	// crash another process takes the target over within Lease.
	Lease       time.Duration
	CallTimeout time.Duration
	// Poll bounds the wait for posts scheduled by another process.
	Poll time.Duration
	// OnChange is told a post changed state (the web's live updates).
	OnChange func(workspaceID int64)

	once sync.Once
	wake chan struct{}
}

// Defaults of a Publisher.
const (
	DefaultLease       = 30 * time.Second
	DefaultCallTimeout = 90 * time.Second
	DefaultPoll        = 2 * time.Second
	// maxAttempts of transient errors before a post is failed (and its
	// team told): back-off from 15 s doubling to 15 min, about 2 hours.
	maxAttempts = 12
	concurrency = 4
)

func (p *Publisher) init() {
	p.once.Do(func() {
		p.wake = make(chan struct{}, 1)
		if p.Owner == "" {
			p.Owner = newOwner("publisher")
		}
		if p.Lease == 0 {
			p.Lease = DefaultLease
		}
		if p.CallTimeout == 0 {
			p.CallTimeout = DefaultCallTimeout
		}
		if p.Poll == 0 {
			p.Poll = DefaultPoll
		}
		if p.Log == nil {
			p.Log = slog.New(slog.DiscardHandler)
		}
	})
}

func (p *Publisher) now() time.Time { return utcNow(p.Now) }

// Wake tells the publisher a post may be due now.
func (p *Publisher) Wake() {
	p.init()
	poke(p.wake)
}

// The publisher's and the inbox reader's common parts.

// newOwner names a process in leases: prefix and 48 random bits.
func newOwner(prefix string) string {
	var b [6]byte
	rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// utcNow is now's time (time.Now when nil), in UTC.
func utcNow(now func() time.Time) time.Time {
	if now != nil {
		return now().UTC()
	}
	return time.Now().UTC()
}

// poke signals ch without blocking (one signal waits at most).
func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// pause waits d, or until wake or another signal on also, or ctx's end
// (false).
func pause(ctx context.Context, d time.Duration, wake <-chan struct{}, also <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-wake:
	case <-also:
	case <-t.C:
	}
	return true
}

// Run publishes until ctx ends.
func (p *Publisher) Run(ctx context.Context) {
	p.init()
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		n, err := p.Once(ctx, sem, &wg)
		if err != nil && ctx.Err() == nil {
			p.Log.Error("publisher: claim", "err", err)
		}
		if n > 0 {
			continue
		}
		wait := p.Poll
		if at, ok, err := p.Store.NextTargetDue(ctx); err == nil && ok {
			if d := at.Sub(p.now()); d < wait {
				wait = max(d, 0)
			}
		}
		if !pause(ctx, wait, p.wake, nil) {
			return
		}
	}
}

// Once claims the due targets there is room for and publishes each in
// its own goroutine (counted in wg, bounded by sem); it returns how many
// it claimed.
func (p *Publisher) Once(ctx context.Context, sem chan struct{}, wg *sync.WaitGroup) (int, error) {
	p.init()
	room := cap(sem) - len(sem)
	if room == 0 {
		// Wait for a slot rather than spin.
		select {
		case sem <- struct{}{}:
			<-sem
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		return 0, nil
	}
	claims, err := p.Store.ClaimTargets(ctx, p.Owner, p.now(), p.Lease, room)
	if err != nil {
		return 0, err
	}
	for _, c := range claims {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			p.publish(ctx, c)
		}()
	}
	return len(claims), nil
}

// PublishDue publishes what is due now, one by one, and returns when done
// (tests, and a command that drains the outbox).
func (p *Publisher) PublishDue(ctx context.Context) (int, error) {
	p.init()
	total := 0
	for {
		claims, err := p.Store.ClaimTargets(ctx, p.Owner, p.now(), p.Lease, concurrency)
		if err != nil || len(claims) == 0 {
			return total, err
		}
		for _, c := range claims {
			p.publish(ctx, c)
		}
		total += len(claims)
	}
}

// publish makes one attempt at a claimed target and records its outcome.
func (p *Publisher) publish(ctx context.Context, c store.Claim) {
	defer func() {
		if p.OnChange != nil {
			p.OnChange(c.WorkspaceID)
		}
	}()
	log := p.Log.With("post", c.PostID, "target", c.TargetID, "account", c.Account.Handle, "attempt", c.Attempts)
	client, ok := p.Clients[c.Account.Network]
	if !ok {
		p.record(ctx, c, log, vigie.RemotePost{}, fmt.Errorf("%w: the %s network is not compiled into this Vigie", errPermanent, c.Account.Network))
		return
	}
	link := c.Account.Link()
	callCtx, cancel := context.WithTimeout(ctx, p.CallTimeout)
	defer cancel()
	stopRenew := p.renew(callCtx, c, log)
	defer stopRenew()
	var (
		remote vigie.RemotePost
		err    error
		found  bool
	)
	if c.Resumed {
		remote, found, err = client.Lookup(callCtx, &link, c.Draft)
		if found {
			if taken, terr := p.Store.RemoteTaken(ctx, c, remote.URL); terr != nil || taken {
				// Another post of the same words, not this one's.
				found, remote = false, vigie.RemotePost{}
			} else {
				log.Info("publisher: found the post an earlier attempt published", "url", remote.URL)
			}
		}
	}
	if err == nil && !found {
		remote, err = client.Publish(callCtx, &link, c.Draft)
	}
	if link.Secrets != c.Account.Secrets {
		// Saved with a fresh context: a refreshed session must not be
		// lost to a shutdown.
		if serr := p.Store.SaveAccountSecrets(context.WithoutCancel(ctx), c.WorkspaceID, c.Account.ID, link.Secrets); serr != nil {
			log.Error("publisher: save refreshed credentials", "err", serr)
		}
	}
	if ctx.Err() != nil && err != nil {
		return // shutting down: the lease expires and another attempt asks the network first
	}
	p.record(ctx, c, log, remote, err)
}

// renew keeps the lease on c while its call runs; the returned func stops
// it (and waits for it).
func (p *Publisher) renew(ctx context.Context, c store.Claim, log *slog.Logger) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(p.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if ok, err := p.Store.RenewTarget(ctx, c, p.Owner, p.now().Add(p.Lease)); err != nil && ctx.Err() == nil {
					log.Warn("publisher: renew lease", "err", err)
				} else if !ok && err == nil {
					log.Warn("publisher: lost the lease; the network's idempotency keeps the post single")
					return
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// errPermanent marks an error that no retry will cure.
var errPermanent = errors.New("permanent")

// Kind classifies a network's answer for the publisher.
type Kind int

// Outcomes of an attempt.
const (
	Transient Kind = iota // retry with back-off
	RateLimit             // retry when the network says
	Auth                  // the account's credentials were refused: a person must act
	Permanent             // the network refused this post: fail it, with its reason
)

// Classify says what an error of a network client means.
func Classify(err error) Kind {
	if errors.Is(err, errPermanent) {
		return Permanent
	}
	if _, ok := connector.RateLimited(err); ok {
		return RateLimit
	}
	if connector.IsAuth(err) {
		return Auth
	}
	if connector.Permanent(err) {
		return Permanent
	}
	return Transient
}

// IsAuth reports whether err is a refusal of an account's credentials.
func IsAuth(err error) bool { return Classify(err) == Auth }

// backoff is the wait before attempt n+1 after n transient failures.
func backoff(n int) time.Duration {
	d := 15 * time.Second
	for i := 1; i < n && d < 15*time.Minute; i++ {
		d *= 2
	}
	return min(d, 15*time.Minute)
}

func (p *Publisher) record(ctx context.Context, c store.Claim, log *slog.Logger, remote vigie.RemotePost, err error) {
	ctx = context.WithoutCancel(ctx)
	now := p.now()
	if err == nil {
		if rerr := p.Store.TargetPublished(ctx, c, remote, now); rerr != nil {
			log.Error("publisher: record published", "err", rerr)
			return
		}
		p.Store.AccountHealth(ctx, c.WorkspaceID, c.Account.ID, now, true, nil, false)
		log.Info("publisher: published", "url", remote.URL)
		return
	}
	var rerr error
	switch kind := Classify(err); {
	case kind == RateLimit:
		rl, _ := connector.RateLimited(err)
		log.Warn("publisher: rate limited", "until", rl.Until)
		rerr = p.Store.TargetRetry(ctx, c, p.Owner, rl.Until, err)
	case kind == Auth:
		p.Store.AccountHealth(ctx, c.WorkspaceID, c.Account.ID, now, false, err, true)
		log.Warn("publisher: credentials refused", "err", err)
		rerr = p.Store.TargetFailed(ctx, c, p.Owner, now, fmt.Errorf("%v; connect the account again, then retry the post", err))
	case kind == Permanent:
		log.Warn("publisher: refused", "err", err)
		rerr = p.Store.TargetFailed(ctx, c, p.Owner, now, err)
	case c.Attempts >= maxAttempts:
		p.Store.AccountHealth(ctx, c.WorkspaceID, c.Account.ID, now, false, err, false)
		log.Warn("publisher: giving up after transient errors", "err", err)
		rerr = p.Store.TargetFailed(ctx, c, p.Owner, now, fmt.Errorf("%v (after %d attempts; retry when the network is back)", err, c.Attempts))
	default:
		p.Store.AccountHealth(ctx, c.WorkspaceID, c.Account.ID, now, false, err, false)
		next := now.Add(backoff(c.Attempts))
		log.Warn("publisher: will retry", "err", err, "at", next)
		rerr = p.Store.TargetRetry(ctx, c, p.Owner, next, err)
	}
	if rerr != nil {
		log.Error("publisher: record outcome", "err", rerr)
	}
}
