package web

import "sync"

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
