package publish

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/store"
)

// Inbox reads the connected accounts' notifications into the shared
// inbox: each account every Interval, by one process at a time (a lease
// on the account), its cursor saved with what it brought.
type Inbox struct {
	Store    *store.Store
	Clients  map[vigie.Network]Client
	Log      *slog.Logger
	Now      func() time.Time
	Owner    string
	Interval time.Duration
	// OnNew is told a workspace's inbox got new items.
	OnNew func(workspaceID int64)

	once sync.Once
	wake chan struct{}
}

// DefaultInboxInterval is how often an account's notifications are read:
// a mention reaches the inbox within a minute.
const DefaultInboxInterval = 30 * time.Second

func (in *Inbox) init() {
	in.once.Do(func() {
		in.wake = make(chan struct{}, 1)
		if in.Owner == "" {
			in.Owner = newOwner("inbox")
		}
		if in.Interval == 0 {
			in.Interval = DefaultInboxInterval
		}
		if in.Log == nil {
			in.Log = slog.New(slog.DiscardHandler)
		}
	})
}

func (in *Inbox) now() time.Time { return utcNow(in.Now) }

// Wake reads the due inboxes now.
func (in *Inbox) Wake() {
	in.init()
	poke(in.wake)
}

// inboxConcurrency bounds the accounts read at once.
const inboxConcurrency = 16

// Run reads inboxes until ctx ends: each due account in a goroutine of
// its own, so that a slow network delays only its accounts (their lease
// keeps them from being claimed twice); new claims as slots free up.
func (in *Inbox) Run(ctx context.Context) {
	in.init()
	sem := make(chan struct{}, inboxConcurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() { defer wg.Done(); in.follow(ctx) }()
	freed := make(chan struct{}, 1)
	for {
		claimed := 0
		if room := cap(sem) - len(sem); room > 0 {
			polls, err := in.Store.ClaimInboxPolls(ctx, in.Owner, in.now(), 2*time.Minute, room)
			if err != nil && ctx.Err() == nil {
				in.Log.Error("inbox: claim", "err", err)
			}
			for _, p := range polls {
				sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					in.poll(ctx, p)
					<-sem
					poke(freed)
				}()
			}
			claimed = len(polls)
		}
		if claimed > 0 && len(sem) < cap(sem) {
			continue
		}
		wait := in.Interval
		if at, ok, err := in.Store.NextInboxDue(ctx); err == nil && ok {
			wait = min(max(at.Sub(in.now()), 0), in.Interval)
		}
		if !pause(ctx, max(wait, 100*time.Millisecond), in.wake, freed) {
			return
		}
	}
}

// PollDue reads every inbox that is due once and returns how many it read.
func (in *Inbox) PollDue(ctx context.Context) (int, error) {
	in.init()
	polls, err := in.Store.ClaimInboxPolls(ctx, in.Owner, in.now(), 2*time.Minute, 16)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, p := range polls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in.poll(ctx, p)
		}()
	}
	wg.Wait()
	return len(polls), nil
}

func (in *Inbox) poll(ctx context.Context, p store.InboxPoll) {
	a := p.Account
	log := in.Log.With("account", a.Handle)
	client, ok := in.Clients[a.Network]
	if !ok {
		in.Store.InboxPollFailed(context.WithoutCancel(ctx), p, in.Owner, in.now().Add(time.Hour))
		return
	}
	link := a.Link()
	callCtx, cancel := context.WithTimeout(ctx, time.Minute)
	items, cursor, err := client.Notifications(callCtx, &link, p.Cursor)
	cancel()
	save := context.WithoutCancel(ctx)
	if link.Secrets != a.Secrets {
		if serr := in.Store.SaveAccountSecrets(save, a.WorkspaceID, a.ID, link.Secrets); serr != nil {
			log.Error("inbox: save refreshed credentials", "err", serr)
		}
	}
	now := in.now()
	if err != nil {
		next := now.Add(in.Interval)
		switch Classify(err) {
		case RateLimit:
			rl, _ := connector.RateLimited(err)
			next = rl.Until
		case Auth:
			next = now.Add(15 * time.Minute) // tried again, slowly: a person may reconnect it
		}
		in.Store.AccountHealth(save, a.WorkspaceID, a.ID, now, false, err, Classify(err) == Auth)
		if ferr := in.Store.InboxPollFailed(save, p, in.Owner, next); ferr != nil {
			log.Error("inbox: release", "err", ferr)
		}
		log.Warn("inbox: read failed", "err", err, "next", next)
		return
	}
	added, err := in.Store.InboxPolled(save, p, in.Owner, cursor, now.Add(in.Interval), items)
	if err != nil {
		log.Error("inbox: store", "err", err)
		return
	}
	if a.Status != vigie.AccountOK || a.LastError != "" {
		in.Store.AccountHealth(save, a.WorkspaceID, a.ID, now, false, nil, false)
	}
	if added > 0 {
		log.Info("inbox: new items", "n", added)
		if in.OnNew != nil {
			in.OnNew(a.WorkspaceID)
		}
	}
}
