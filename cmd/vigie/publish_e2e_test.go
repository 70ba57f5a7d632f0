package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/bluesky/blueskytest"
	"github.com/vigie-project/vigie/internal/mastodon/mastodontest"
)

// fakeNetwork is what the exactly-once test needs of a fake network.
type fakeNetwork struct {
	connect  map[string]string
	hold     func() func()
	held     func() <-chan struct{}
	posts    func() []string // "text|reply-to" of each post the account published
	mention  func(text string) (ref string)
	mentions int
}

func cliToken(t testing.TB, data, name, role string) string {
	t.Helper()
	out, err := cliCommand("token", "create", "--data", data, "--name", name, "--role", role).CombinedOutput()
	if err != nil {
		t.Fatalf("token: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// TestPublishExactlyOnceAcrossKill: against local servers that speak
// Mastodon's and Bluesky's APIs, an editor's post scheduled through the
// API is approved by an admin; vigie is killed with SIGKILL while the
// network is answering the publish call (the post is stored there, the
// answer never read); after a restart the post says published, with its
// URL, and the network has it once. Then a mention reaches the inbox and
// a reply from Vigie lands in its thread.
func TestPublishExactlyOnceAcrossKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts vigie twice per network")
	}
	t.Parallel()
	networks := map[string]func(t *testing.T) fakeNetwork{
		"mastodon": func(t *testing.T) fakeNetwork {
			m := mastodontest.New(t)
			return fakeNetwork{
				connect: map[string]string{"network": "mastodon", "instance_url": m.URL, "access_token": mastodontest.DefaultToken},
				hold:    m.Hold, held: m.Held,
				posts: func() []string {
					var out []string
					for _, p := range m.Posts() {
						out = append(out, p.Text+"|"+p.InReplyToID)
					}
					return out
				},
				mention: func(text string) string { _, id := m.AddMention("alice", text); return id },
			}
		},
		"bluesky": func(t *testing.T) fakeNetwork {
			b := blueskytest.New(t)
			return fakeNetwork{
				connect: map[string]string{"network": "bluesky", "instance_url": b.URL, "identifier": blueskytest.Handle, "app_password": blueskytest.AppPassword},
				hold:    b.Hold, held: b.Held,
				posts: func() []string {
					var out []string
					for _, p := range b.Posts() {
						if p.Repo == blueskytest.DID {
							out = append(out, p.Text+"|"+p.ReplyParent)
						}
					}
					return out
				},
				mention: func(text string) string { uri, _ := b.AddMention("alice.test", text); return uri },
			}
		},
	}
	for name, mk := range networks {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			net := mk(t)
			data := filepath.Join(t.TempDir(), "data")
			s := startServe(t, data)
			admin, editor := cliToken(t, data, "admin", "admin"), cliToken(t, data, "editor", "editor")

			var acc struct {
				ID     int64  `json:"id"`
				Handle string `json:"handle"`
			}
			if code := s.call("POST", "/api/v1/accounts", admin, net.connect, &acc); code != http.StatusCreated || acc.Handle == "" {
				t.Fatalf("connect: %d %+v", code, acc)
			}
			release := net.hold()
			type post struct {
				ID     int64  `json:"id"`
				Status string `json:"status"`
				URL    string `json:"url"`
			}
			var p post
			text := "Open day on Saturday at 10:00, all faculties 🎓"
			body := map[string]any{"accounts": []int64{acc.ID}, "text": text, "scheduled_at": time.Now().Add(2 * time.Second).Format(time.RFC3339)}
			if code := s.call("POST", "/api/v1/posts", editor, body, &p); code != http.StatusCreated || p.Status != "pending_approval" {
				t.Fatalf("create: %d %+v", code, p)
			}
			if code := s.call("POST", fmt.Sprintf("/api/v1/posts/%d/approve", p.ID), editor, nil, nil); code != http.StatusForbidden {
				t.Errorf("an editor approved: %d", code)
			}
			if code := s.call("POST", fmt.Sprintf("/api/v1/posts/%d/approve", p.ID), admin, map[string]string{"comment": "go"}, &p); code != http.StatusOK || p.Status != "scheduled" {
				t.Fatalf("approve: %d %+v", code, p)
			}
			select {
			case <-net.held():
			case <-time.After(time.Minute):
				t.Fatalf("the network was not called within a minute of the post's time; vigie said:\n%s", s.out)
			}
			if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			s.cmd.Wait()
			release()
			if got := net.posts(); len(got) != 1 {
				t.Fatalf("before the restart the network has %d posts", len(got))
			}
			mentionRef := net.mention("when does the open day start?")

			s = startServe(t, data)
			s.waitFor("the post to say published", func() bool {
				s.call("GET", fmt.Sprintf("/api/v1/posts/%d", p.ID), admin, nil, &p)
				return p.Status == "published"
			})
			if p.URL == "" {
				t.Errorf("published without a URL: %+v", p)
			}
			if got := net.posts(); len(got) != 1 || !strings.HasPrefix(got[0], text) {
				t.Fatalf("after the restart the network has %q; want the post once", got)
			}

			// The inbox.
			var inbox struct {
				Items []struct {
					ID   int64  `json:"id"`
					Text string `json:"text"`
				} `json:"items"`
			}
			s.waitFor("the mention to reach the inbox", func() bool {
				s.call("GET", "/api/v1/inbox", editor, nil, &inbox)
				return len(inbox.Items) == 1
			})
			if !strings.Contains(inbox.Items[0].Text, "open day") {
				t.Errorf("inbox item %+v", inbox.Items[0])
			}
			var reply post
			if code := s.call("POST", fmt.Sprintf("/api/v1/inbox/%d/reply", inbox.Items[0].ID), editor, map[string]string{"text": "At 10:00 in the main hall."}, &reply); code != http.StatusCreated {
				t.Fatalf("reply: %d", code)
			}
			s.waitFor("the reply to be published", func() bool {
				s.call("GET", fmt.Sprintf("/api/v1/posts/%d", reply.ID), editor, nil, &reply)
				return reply.Status == "published"
			})
			got := net.posts()
			if len(got) != 2 || got[1] != "At 10:00 in the main hall.|"+mentionRef {
				t.Errorf("the network has %q; want the reply in the mention's thread (%s)", got, mentionRef)
			}
		})
	}
}
