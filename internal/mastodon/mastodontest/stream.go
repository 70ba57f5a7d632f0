package mastodontest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// streamNotifications answers GET /api/v1/streaming/user/notification
// (methods/streaming.md: Server-Sent Events; "event: notification" with
// the Notification as JSON in "data:", ":thump" heartbeats) until the
// client goes away. Called with s.mu held; it unlocks it.
func (s *Server) streamNotifications(w http.ResponseWriter, r *http.Request) {
	ch := make(chan []byte, 16)
	if s.streams == nil {
		s.streams = map[chan []byte]bool{}
	}
	s.streams[ch] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.streams, ch)
		s.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	fmt.Fprint(w, ":)\n\n")
	if fl != nil {
		fl.Flush()
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		case data := <-ch:
			fmt.Fprintf(w, "event: notification\ndata: %s\n\n", data)
			if fl != nil {
				fl.Flush()
			}
		}
	}
}

// Streams is how many notification streams are open (for a test to wait
// for a client's).
func (s *Server) Streams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.streams)
}

// pushNotification sends n to the open streams (s.mu held).
func (s *Server) pushNotification(n *notification) {
	if len(s.streams) == 0 {
		return
	}
	data, _ := json.Marshal(map[string]any{"id": n.id, "type": "mention", "created_at": n.at.Format("2006-01-02T15:04:05.000Z"),
		"account": s.account(n.status.Author, false), "status": s.statusJSON(n.status)})
	for ch := range s.streams {
		select {
		case ch <- data:
		default:
		}
	}
}
