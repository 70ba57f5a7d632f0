package publish

import (
	"context"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
)

// NotificationStreamer is a client that follows an account's
// notifications live (Mastodon's user:notification stream): each one
// makes the account's inbox due at once, so that a mention reaches it in
// about a second instead of at the next poll. Polling stays: it reads the
// notifications and keeps the cursor, and covers the stream's gaps.
type NotificationStreamer interface {
	StreamNotifications(ctx context.Context, link *vigie.AccountLink, arrived func()) error
}

// followEvery is how often the followed accounts are listed again (new
// ones, disconnected ones).
const followEvery = 30 * time.Second

// follow keeps one stream per account whose network has one, until ctx
// ends.
func (in *Inbox) follow(ctx context.Context) {
	streams := map[int64]context.CancelFunc{}
	var wg sync.WaitGroup
	defer func() {
		for _, stop := range streams {
			stop()
		}
		wg.Wait()
	}()
	t := time.NewTicker(followEvery)
	defer t.Stop()
	for {
		accounts, err := in.Store.AccountsToFollow(ctx)
		if err != nil && ctx.Err() == nil {
			in.Log.Error("inbox: accounts to follow", "err", err)
		}
		if err == nil {
			keep := map[int64]bool{}
			for _, a := range accounts {
				client, ok := in.Clients[a.Network].(NotificationStreamer)
				if !ok {
					continue
				}
				keep[a.ID] = true
				if streams[a.ID] != nil {
					continue
				}
				sctx, stop := context.WithCancel(ctx)
				streams[a.ID] = stop
				wg.Add(1)
				go func() {
					defer wg.Done()
					in.stream(sctx, client, a)
				}()
			}
			for id, stop := range streams {
				if !keep[id] {
					stop()
					delete(streams, id)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// stream follows one account's stream, reconnecting after 5 s doubling
// to 5 minutes (15 minutes after a refusal), with its credentials read
// again each time (connected again meanwhile).
func (in *Inbox) stream(ctx context.Context, client NotificationStreamer, a vigie.Account) {
	wait := 5 * time.Second
	for ctx.Err() == nil {
		cur, err := in.Store.FindAccount(ctx, a.WorkspaceID, a.ID)
		if err != nil {
			return // gone; the next listing stops this stream
		}
		link := cur.Link()
		began := time.Now()
		err = client.StreamNotifications(ctx, &link, func() {
			if err := in.Store.InboxDueNow(context.WithoutCancel(ctx), a.WorkspaceID, a.ID); err != nil {
				in.Log.Error("inbox: due now", "account", a.Handle, "err", err)
				return
			}
			in.Wake()
		})
		if ctx.Err() != nil {
			return
		}
		if time.Since(began) > 5*time.Minute {
			wait = 5 * time.Second // it held a while: a fresh break
		}
		next := wait
		if IsAuth(err) {
			next = 15 * time.Minute
		}
		in.Log.Info("inbox: notification stream ended", "account", a.Handle, "err", err, "retry_in", next)
		if !pause(ctx, next, nil, nil) {
			return
		}
		wait = min(wait*2, 5*time.Minute)
	}
}
