package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/store"
)

// privateInstance is testInstance with VIGIE_ALLOW_PRIVATE_FETCH set: its
// sources may reach the local servers that stand in for the networks.
func privateInstance(t *testing.T) (*instance, *httptest.Server, string) {
	t.Helper()
	cfg := config.Defaults()
	cfg.Data = t.TempDir()
	cfg.LogLevel = "warn"
	cfg.AllowPrivateFetch = true
	in, err := build(context.Background(), cfg, false, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.app.Close() })
	srv := httptest.NewServer(in.handler)
	t.Cleanup(srv.Close)
	tok, _, err := in.app.store.CreateToken(context.Background(), store.TokenSpec{Name: "test", WorkspaceID: in.app.workspace.ID, Role: account.Admin})
	if err != nil {
		t.Fatal(err)
	}
	return in, srv, tok
}

// networks is one local server that answers as each network's API does,
// with the connectors' own recorded-shape fixtures.
func networks(t *testing.T) *httptest.Server {
	t.Helper()
	file := func(rel string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", rel))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	routes := map[string][]byte{
		"/api/v1/timelines/tag/": file("internal/mastodon/testdata/statuses.json"),
		"/api/v1/search_by_date": file("internal/hackernews/testdata/search_by_date.json"),
		"/api/v3/site":           file("internal/lemmy/testdata/site.json"),
		"/api/v3/search":         file("internal/lemmy/testdata/search_all.json"),
		"/api/v3/post/list":      file("internal/lemmy/testdata/post_list.json"),
		"/api/v3/comment/list":   file("internal/lemmy/testdata/comment_list.json"),
		"/posts.json":            file("internal/discourse/testdata/posts_latest.json"),
		"/search.json":           file("internal/discourse/testdata/search.json"),
		"/posts/":                file("internal/discourse/testdata/post_88207.json"),
	}
	feed := `<?xml version="1.0"?><rss version="2.0"><channel><title>UVal news</title><link>https://uval.example</link>
<item><title>Valmont opens a robotics centre</title><link>https://uval.example/n/1</link><guid>n1</guid><pubDate>` + time.Now().UTC().Add(-time.Hour).Format(time.RFC1123Z) + `</pubDate><description>The University of Valmont opens its centre.</description></item>
<item><title>Weather</title><link>https://uval.example/n/2</link><guid>n2</guid><pubDate>` + time.Now().UTC().Add(-2*time.Hour).Format(time.RFC1123Z) + `</pubDate><description>Rain.</description></item>
</channel></rss>`
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed.xml" {
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, feed)
			return
		}
		for prefix, body := range routes {
			if strings.HasPrefix(r.URL.Path, prefix) {
				w.Header().Set("Content-Type", "application/json")
				w.Write(body)
				return
			}
		}
		switch {
		case strings.HasPrefix(r.URL.Path, "/r/") && strings.HasSuffix(r.URL.Path, "/comments.json"):
			w.Header().Set("Content-Type", "application/json")
			w.Write(file("internal/reddit/testdata/comments.json"))
		case strings.HasPrefix(r.URL.Path, "/r/"):
			w.Header().Set("Content-Type", "application/json")
			w.Write(file("internal/reddit/testdata/new_page1.json"))
		case r.URL.Path == "/feeds/videos.xml":
			w.Header().Set("Content-Type", "application/atom+xml")
			w.Write(file("internal/youtube/testdata/channel_feed.xml"))
		default:
			http.NotFound(w, r)
		}
	}))
}

// TestBrowserAddSources: an editor adds a source of each kind from the
// Sources page, against local servers that answer as the networks do: the
// kind's own form, its test button showing the first posts found and
// which monitors they match, then saving it. A bad address is refused in
// the form, saying why; a viewer is offered no form.
func TestBrowserAddSources(t *testing.T) {
	in, srv, tok := privateInstance(t)
	api := client{t: t, base: srv.URL, token: tok}
	if code, body := api.do("POST", "/api/v1/monitors", map[string]any{"id": "valmont", "name": "Valmont", "query": "valmont"}); code != 201 {
		t.Fatalf("%d %v", code, body)
	}
	addUser(t, in, "ana@uval.example", "editor")
	addUser(t, in, "victor@uval.example", "viewer")
	base, ws := srv.URL, srv.URL+"/w/"+in.app.workspace.Slug

	events, times, _ := bskyEvents(300, time.Now().UTC().Add(-10*time.Minute))
	js := httptest.NewServer(&jetstream{events: events, times: times, hold: -1})
	defer js.Close()
	nets := networks(t)
	defer nets.Close()

	cases := []struct {
		kind    string
		fields  map[string]string
		matches bool // the posts found match the Valmont monitor
	}{
		{"rss", map[string]string{"url": nets.URL + "/feed.xml"}, true},
		{"bluesky", map[string]string{"url": "ws" + strings.TrimPrefix(js.URL, "http") + "/subscribe"}, true},
		{"mastodon", map[string]string{"url": nets.URL, "tags": "epfl"}, false},
		{"hackernews", map[string]string{"url": nets.URL, "query": "valmont"}, false},
		{"lemmy", map[string]string{"url": nets.URL, "query": "valmont"}, false},
		{"discourse", map[string]string{"url": nets.URL}, false},
		{"reddit", map[string]string{"url": nets.URL, "subreddits": "switzerland"}, false},
		{"youtube", map[string]string{"url": nets.URL + "/feeds/videos.xml", "channel_id": "UCvalmontUniversity00000"}, false},
	}
	ctx := browser(t)
	login(t, ctx, base, "ana@uval.example")
	for _, c := range cases {
		fill := []chromedp.Action[chromedp.Void]{chromedp.Navigate(ws + "/sources?add=" + c.kind), chromedp.WaitVisible(chromedp.CSS(`form.add-form[data-kind="` + c.kind + `"]`))}
		for name, v := range c.fields {
			fill = append(fill, chromedp.SetValue(chromedp.ID("f-"+name), v))
		}
		fill = append(fill, chromedp.Click(chromedp.CSS("button.test-source")), chromedp.WaitVisible(chromedp.CSS(".tried, .add-source [role=alert]")))
		do(t, ctx, "test a "+c.kind+" source", fill...)
		if msg := get(t, ctx, "read the test's error", chromedp.Evaluate[string](`(document.querySelector(".add-source [role=alert]") || {}).textContent || ""`)); msg != "" {
			t.Fatalf("%s: the test failed: %s", c.kind, msg)
		}
		read := get(t, ctx, "count the posts found", chromedp.Evaluate[int](`document.querySelectorAll(".tried-posts tbody tr").length`))
		matched := get(t, ctx, "count the posts that match", chromedp.Evaluate[int](`document.querySelectorAll(".tried-posts tbody tr.matches").length`))
		summary := get(t, ctx, "read the summary", chromedp.Text(chromedp.CSS(".tried p")))
		if dir := os.Getenv("VIGIE_SCREENSHOTS"); dir != "" && c.kind == "bluesky" {
			png := get(t, ctx, "screenshot the test", chromedp.FullScreenshot(100))
			if err := os.WriteFile(filepath.Join(dir, "sources-test.png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if read == 0 || (matched > 0) != c.matches || !strings.Contains(summary, "Read ") {
			t.Errorf("%s: the test shows %d posts, %d matching (%q)", c.kind, read, matched, summary)
		}
		// What was typed is still there; saving adds the source.
		for name, v := range c.fields {
			if got := get(t, ctx, "read "+name, chromedp.Value(chromedp.ID("f-"+name))); got != v {
				t.Errorf("%s: %s is %q after the test, want %q", c.kind, name, got, v)
			}
		}
		do(t, ctx, "add the "+c.kind+" source", chromedp.Click(chromedp.CSS(`button[value=save]`)), chromedp.WaitVisible(chromedp.CSS(`p.notice[role=status]`)))
		if n := get(t, ctx, "find the new row", chromedp.Evaluate[int](`[...document.querySelectorAll("table.sources span.src")].filter(e => e.textContent === "`+c.kind+`").length`)); n != 1 {
			t.Errorf("%s: %d rows of that kind after adding it", c.kind, n)
		}
	}

	// A webhook: its delivery address is shown once, and it works.
	do(t, ctx, "add a webhook", chromedp.Navigate(ws+"/sources?add=webhook"), chromedp.WaitVisible(chromedp.CSS(`form.add-form[data-kind="webhook"]`)),
		chromedp.Click(chromedp.CSS(`button[value=save]`)), chromedp.WaitVisible(chromedp.CSS("code.hook-path")))
	hook := get(t, ctx, "read the hook's path", chromedp.Text(chromedp.CSS("code.hook-path")))
	resp, err := http.Post(base+hook, "application/json", strings.NewReader(`{"id":"h1","text":"Valmont by webhook","published_at":"`+time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)+`"}`))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("delivery to %s: %v %v", hook, resp, err)
	}
	resp.Body.Close()

	// A credential typed before a test is saved with the source: a
	// webhook with a signing key, tested then added, refuses an unsigned
	// delivery.
	do(t, ctx, "test then add a signed webhook", chromedp.Navigate(ws+"/sources?add=webhook"), chromedp.WaitVisible(chromedp.ID("f-signing_key")),
		chromedp.SetValue(chromedp.ID("f-signing_key"), "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), chromedp.SetValue(chromedp.ID("f-name"), "signed"),
		chromedp.Click(chromedp.CSS("button.test-source")), chromedp.WaitVisible(chromedp.CSS(".tried")),
		chromedp.Click(chromedp.CSS(`button[value=save]`)), chromedp.WaitVisible(chromedp.CSS("code.hook-path")))
	signed := get(t, ctx, "read the signed hook's path", chromedp.Text(chromedp.CSS("code.hook-path")))
	resp, err = http.Post(base+signed, "application/json", strings.NewReader(`{"id":"h2","text":"unsigned","published_at":"`+time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)+`"}`))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("an unsigned delivery to a signed webhook: %v %v", resp, err)
	}
	resp.Body.Close()

	// Google News: a preset of feeds, its address made from the search.
	do(t, ctx, "add a Google News search", chromedp.Navigate(ws+"/sources?add=googlenews"), chromedp.WaitVisible(chromedp.CSS(`form.add-form[data-kind="googlenews"]`)),
		chromedp.SetValue(chromedp.ID("f-query"), "Université de Valmont"), chromedp.SetValue(chromedp.ID("f-lang"), "fr"), chromedp.SetValue(chromedp.ID("f-country"), "ch"),
		chromedp.Click(chromedp.CSS(`button[value=save]`)), chromedp.WaitVisible(chromedp.CSS(`p.notice[role=status]`)))
	if u := get(t, ctx, "read the Google News address", chromedp.Evaluate[string](`[...document.querySelectorAll("table.sources code.url")].map(e => e.textContent).find(u => u.includes("news.google.com")) || ""`)); !strings.Contains(u, "hl=fr") || !strings.Contains(u, "ceid=CH:fr") {
		t.Errorf("Google News address %q", u)
	}

	// A bad address is refused in the form, saying why.
	do(t, ctx, "try a bad Mastodon address", chromedp.Navigate(ws+"/sources?add=mastodon"), chromedp.WaitVisible(chromedp.ID("f-url")),
		chromedp.SetValue(chromedp.ID("f-url"), "ftp://nowhere"), chromedp.Click(chromedp.CSS("button.test-source")),
		chromedp.WaitVisible(chromedp.CSS(".add-source [role=alert]")))
	if msg := get(t, ctx, "read the error", chromedp.Text(chromedp.CSS(".add-source [role=alert]"))); !strings.Contains(msg, "ftp://nowhere") {
		t.Errorf("bad address: %q", msg)
	}

	// A viewer sees the sources, not the form.
	logout(t, ctx)
	login(t, ctx, base, "victor@uval.example")
	do(t, ctx, "viewer on the sources", chromedp.Navigate(ws+"/sources"), chromedp.WaitVisible(chromedp.CSS("table.sources")))
	if n := get(t, ctx, "look for the add form", chromedp.Evaluate[int](`document.querySelectorAll("form.add-form, button.test-source").length`)); n != 0 {
		t.Errorf("a viewer is offered %d add controls", n)
	}
}
