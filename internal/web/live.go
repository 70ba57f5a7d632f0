package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Hub tells live streams that mentions were stored. It carries no data: each
// stream then reads what is new for its own workspace and filters, so a
// burst of stored batches costs one read per stream, not one per batch. In
// a scaled-out deployment the same signal comes from the bus.
type Hub struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

// NewHub returns a hub with no subscriber.
func NewHub() *Hub { return &Hub{subs: map[chan struct{}]struct{}{}} }

// Notify wakes every subscriber; it never blocks.
func (h *Hub) Notify() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.subs {
		select {
		case c <- struct{}{}:
		default: // already signalled
		}
	}
}

// Subscribe returns a channel signalled after stores, and its cancel.
func (h *Hub) Subscribe() (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	h.mu.Lock()
	h.subs[c] = struct{}{}
	h.mu.Unlock()
	return c, func() {
		h.mu.Lock()
		delete(h.subs, c)
		h.mu.Unlock()
	}
}

// liveStream serves one page's Server-Sent Events: send writes the events
// the current state calls for — at once, then after each of the hub's
// signals (a burst gathered for liveInterval), and again at once when it
// says more is waiting. A comment every liveKeepAlive keeps proxies from
// closing the stream, once the visitor is checked to still have their
// session and their workspace: a signed-out, disabled or removed member's
// stream ends there. retry is how long a browser waits to reconnect.
func (w *Web) liveStream(rw http.ResponseWriter, r *http.Request, v *visit, retry time.Duration, send func(ctx context.Context) (more bool, err error)) error {
	rc := http.NewResponseController(rw)
	// The request is read: the server's read deadline must not end the stream.
	_ = rc.SetReadDeadline(time.Time{})
	signal, cancel := w.Live.Subscribe()
	defer cancel()
	rw.Header().Set("Content-Type", "text/event-stream")
	rw.Header().Set("Cache-Control", "no-store")
	rw.Header().Set("X-Accel-Buffering", "no")
	rw.WriteHeader(http.StatusOK)
	fmt.Fprintf(rw, "retry: %d\n\n", retry.Milliseconds())
	keep := time.NewTicker(liveKeepAlive)
	defer keep.Stop()
	ctx := r.Context()
	for {
		more, err := send(ctx)
		if err != nil {
			return err
		}
		if err := rc.Flush(); err != nil {
			return nil // the browser went away
		}
		if more {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-keep.C:
			if still, err := w.stillMember(r, v); err != nil || !still {
				return nil
			}
			fmt.Fprint(rw, ": keep-alive\n\n")
			if err := rc.Flush(); err != nil {
				return nil
			}
		case <-signal:
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(liveInterval):
			}
		}
	}
}

// writeEvent writes one event whose data may span lines (rendered HTML):
// each line its own "data:" field, carriage returns made line ends (SSE
// ends lines on CR too: outside text must not frame events). id 0 sends
// none.
func writeEvent(w io.Writer, id int64, event, data string) {
	if id > 0 {
		fmt.Fprintf(w, "id: %d\n", id)
	}
	fmt.Fprintf(w, "event: %s\n", event)
	data = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(data)
	for _, line := range strings.Split(data, "\n") {
		fmt.Fprintf(w, "data: %s\n", line)
	}
	fmt.Fprint(w, "\n")
}
