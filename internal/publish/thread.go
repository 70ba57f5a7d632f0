package publish

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-project/vigie"
)

// Threader is a Client that reads the conversation around a post: its
// ancestors from the root, the post, then its replies (internal/mastodon
// and internal/bluesky do). A client may change link.Secrets.
type Threader interface {
	Thread(ctx context.Context, link *vigie.AccountLink, ref vigie.RemoteRef) ([]vigie.Notification, error)
}

// ErrNoThread says an item has no thread to read: heard by listening, or
// on a network whose client does not read threads.
var ErrNoThread = errors.New("no thread to read")

// threadTimeout bounds a thread's reading: a page waits at most that.
const threadTimeout = 10 * time.Second

// Thread reads the conversation of an inbox item with the account it was
// said to. When the client refreshed the account's credentials, a.Secrets
// holds the new ones: the caller saves them (changed reports it).
func Thread(ctx context.Context, clients map[vigie.Network]Client, a *vigie.Account, it vigie.InboxItem) (thread []vigie.Notification, changed bool, err error) {
	if it.MentionID != 0 || it.AccountID == 0 || a == nil || a.ID != it.AccountID {
		return nil, false, ErrNoThread
	}
	c, ok := clients[a.Network].(Threader)
	if !ok {
		return nil, false, fmt.Errorf("%w: %s", ErrNoThread, a.Network)
	}
	link := a.Link()
	ctx, cancel := context.WithTimeout(ctx, threadTimeout)
	defer cancel()
	thread, err = c.Thread(ctx, &link, it.Ref)
	if link.Secrets != a.Secrets {
		a.Secrets, changed = link.Secrets, true
	}
	return thread, changed, err
}
