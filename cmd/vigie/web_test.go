package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

// webClient signs in through the login form, as a browser would.
func webClient(t *testing.T, base, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if csrf == nil {
		t.Fatal("no CSRF token on the login page")
	}
	resp, err = c.PostForm(base+"/login", url.Values{"csrf": {string(csrf[1])}, "email": {email}, "password": {"trois petits chats"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	return c
}

// TestLiveStreamFraming: a carriage return in outside text cannot end an
// event of the live stream or set its id.
func TestLiveStreamFraming(t *testing.T) {
	in, api, src := valmontInstance(t, "m-v")
	addUser(t, in, "ana@uval.example", "viewer")
	c := webClient(t, api.base, "ana@uval.example")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", api.base+"/w/"+in.app.workspace.Slug+"/mentions/live?after=0", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if line, _ := r.ReadString('\n'); line != "retry: 3000\n" {
		t.Fatalf("stream opens with %q", line)
	}
	r.ReadString('\n')
	evil := vigie.Post{ID: "cr:1", Source: "mastodon", PublishedAt: time.Now().UTC(),
		Author: vigie.Author{Name: "Mallory\r\rid: 9000000000\rretry: 86400000\r\r"}, Text: "Valmont plain\rid: 1\rtext"}
	if _, err := in.app.pipeline.Process(context.Background(), &src, []vigie.Post{evil}, nil); err != nil {
		t.Fatal(err)
	}
	var event strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\n" {
			break
		}
		event.WriteString(line)
	}
	ev := event.String()
	if strings.Contains(ev, "\r") || strings.Count(ev, "\nid: ") != 0 || !strings.HasPrefix(ev, "id: ") || !strings.Contains(ev, "Mallory") {
		t.Fatalf("event:\n%q", ev)
	}
	for _, l := range strings.Split(strings.TrimSuffix(ev, "\n"), "\n")[2:] {
		if !strings.HasPrefix(l, "data: ") {
			t.Fatalf("a line of the event is not data: %q", l)
		}
	}
}

// TestWebLimits: oversized or multipart bodies are refused before anything
// reads them, and parallel login guesses cannot pass the limit.
func TestWebLimits(t *testing.T) {
	_, srv, _ := testInstance(t, false)
	big := strings.NewReader("email=a%40b.example&password=" + strings.Repeat("x", 200<<10))
	resp, err := http.Post(srv.URL+"/login", "application/x-www-form-urlencoded", big)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusSeeOther {
		t.Fatalf("a 200 KB login form was taken: %d", resp.StatusCode)
	}
	resp, err = http.Post(srv.URL+"/login", "multipart/form-data; boundary=x", strings.NewReader("--x--"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("multipart login: %d", resp.StatusCode)
	}

	// 30 wrong guesses at once for one address: at most the limit (5) are
	// checked, the others are refused.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	page, _ := c.Get(srv.URL + "/login")
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	csrf := string(regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)[1])
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.PostForm(srv.URL+"/login", url.Values{"csrf": {csrf}, "email": {"nobody@uval.example"}, "password": {"wrong password"}})
			if err != nil {
				return
			}
			resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[http.StatusUnauthorized] != 5 || codes[http.StatusTooManyRequests] != 25 {
		t.Fatalf("parallel guesses: %v, want 5 checked and 25 refused", codes)
	}
}
