package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
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
	ev := readEvent(t, r)
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

// TestSourcesPage adds feeds by URL and by OPML through the web app, as an
// editor, and checks what a viewer may not do.
func TestSourcesPage(t *testing.T) {
	in, api, _ := valmontInstance(t, "m-v")
	addUser(t, in, "ed@uval.example", "editor")
	addUser(t, in, "vi@uval.example", "viewer")
	base := api.base + "/w/" + in.app.workspace.Slug
	ed := webClient(t, api.base, "ed@uval.example")
	csrfOf := func(c *http.Client) string {
		resp, err := c.Get(base + "/sources")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(b)
		if m == nil {
			t.Fatalf("no form on the sources page (%d)", resp.StatusCode)
		}
		return string(m[1])
	}
	post := func(c *http.Client, path string, form url.Values) (int, string) {
		resp, err := c.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	csrf := csrfOf(ed)
	if code, body := post(ed, "/sources", url.Values{"csrf": {csrf}, "url": {"http://127.0.0.1:9/feed.xml"}}); code != 400 || !strings.Contains(body, "loopback") {
		t.Fatalf("a loopback feed: %d", code)
	}
	if code, body := post(ed, "/sources", url.Values{"csrf": {csrf}, "url": {"https://news.example.org/feed.xml"}, "name": {"News"}}); code != 201 || !strings.Contains(body, "Now following News") {
		t.Fatalf("a feed: %d", code)
	}
	if code, _ := post(ed, "/sources", url.Values{"csrf": {csrf}, "url": {"https://news.example.org/other.xml"}, "name": {"News"}}); code != 409 {
		t.Fatalf("the same name twice: %d", code)
	}
	if code, body := post(ed, "/sources", url.Values{"csrf": {csrf}, "url": {"https://NEWS.example.org/feed.xml"}, "name": {"News again"}}); code != 409 || !strings.Contains(body, "already followed here as News") {
		t.Fatalf("the same feed twice: %d", code)
	}
	// A feed stopped by migration 0020 (a copy of another) says so.
	if _, err := in.app.store.CreateSource(context.Background(), vigie.Source{WorkspaceID: in.app.workspace.ID, Kind: vigie.SourceRSS, Name: "Copy",
		URL: "https://copy.example.org/feed", SourceState: vigie.SourceState{LastError: "stopped: the same address is followed by source 1 (News); delete this copy"}}); err != nil {
		t.Fatal(err)
	}
	resp, err := ed.Get(base + "/sources")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`health stopped">Stopped</span><br><span class="error-text">stopped: the same address is followed by source 1 \(News\)`).Match(page) {
		t.Fatalf("a stopped feed on the sources page:\n%s", page)
	}

	// OPML: one good feed, one on an internal address.
	var body strings.Builder
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrf)
	fw, _ := mw.CreateFormFile("opml", "feeds.opml")
	fw.Write([]byte(`<?xml version="1.0"?><opml version="2.0"><body>
		<outline text="Blog" xmlUrl="https://blog.example.org/rss"/>
		<outline text="Intranet" xmlUrl="http://10.0.0.5/rss"/></body></opml>`))
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/sources/opml", strings.NewReader(body.String()))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err = ed.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || !strings.Contains(string(page), "1 feed added, 1 skipped") || !strings.Contains(string(page), "10.0.0.5") {
		t.Fatalf("OPML import: %d\n%s", resp.StatusCode, page)
	}
	srcs, err := in.app.store.FindSources(context.Background(), in.app.workspace.ID)
	if err != nil {
		t.Fatal(err)
	}
	var feedID int64
	for _, s := range srcs {
		if s.Name == "Blog" {
			feedID = s.ID
		}
	}
	if feedID == 0 {
		t.Fatalf("the OPML feed is not stored: %+v", srcs)
	}

	// A viewer sees the sources but cannot add or delete.
	vi := webClient(t, api.base, "vi@uval.example")
	vcsrf := csrfOf(vi)
	if code, _ := post(vi, "/sources", url.Values{"csrf": {vcsrf}, "url": {"https://x.example.org/feed"}}); code != 403 {
		t.Fatalf("viewer adds a feed: %d", code)
	}
	if code, _ := post(vi, "/sources/"+strconv.FormatInt(feedID, 10)+"/delete", url.Values{"csrf": {vcsrf}}); code != 403 {
		t.Fatalf("viewer deletes a feed: %d", code)
	}
	if code, _ := post(ed, "/sources/"+strconv.FormatInt(feedID, 10)+"/delete", url.Values{"csrf": {csrf}}); code != 303 {
		t.Fatalf("editor deletes a feed: %d", code)
	}
}

// TestDemoCrisisButton starts the simulator's crisis from the sources page.
func TestDemoCrisisButton(t *testing.T) {
	in, srv, _ := testInstance(t, true)
	addUser(t, in, "ed@uval.example", "editor")
	c := webClient(t, srv.URL, "ed@uval.example")
	// The simulated source runs once, as the scheduler would start it.
	due, err := in.app.store.FindDueSources(context.Background(), time.Now().Add(time.Second), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due sources: %v %v", due, err)
	}
	in.sched.RunSource(context.Background(), &due[0])
	base := srv.URL + "/w/" + in.app.workspace.Slug
	resp, err := c.Get(base + "/sources")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), `name="kind" value="data-leak"`) {
		t.Fatal("no crisis button on the demo's sources page")
	}
	csrf := string(regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)[1])
	resp, err = c.PostForm(base+"/demo/crisis", url.Values{"csrf": {csrf}, "kind": {"data-leak"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/mentions?crisis=data-leak") {
		t.Fatalf("crisis: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = c.PostForm(base+"/demo/crisis", url.Values{"csrf": {csrf}, "kind": {"alien-invasion"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown crisis: %d", resp.StatusCode)
	}
}

// TestStreamSourceFilter: the stream's source filter offers the kinds the
// workspace's mentions come from, not networks Vigie does not read.
func TestStreamSourceFilter(t *testing.T) {
	in, api, src := valmontInstance(t, "m-v")
	addUser(t, in, "ana@uval.example", "viewer")
	now := time.Now().UTC()
	posts := []vigie.Post{
		{ID: "1", Source: "rss", Text: "Valmont news", PublishedAt: now.Add(-time.Hour)},
		{ID: "2", Source: "mastodon", Text: "Valmont toot", PublishedAt: now.Add(-2 * time.Hour)},
	}
	if _, err := in.app.pipeline.Process(context.Background(), &src, posts, nil); err != nil {
		t.Fatal(err)
	}
	c := webClient(t, api.base, "ana@uval.example")
	options := func(query string) []string {
		t.Helper()
		resp, err := c.Get(api.base + "/w/" + in.app.workspace.Slug + "/mentions" + query)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		sel := regexp.MustCompile(`(?s)<select id="f-source" name="source">.*?</select>`).Find(page)
		var out []string
		for _, m := range regexp.MustCompile(`<option value="([a-z]+)"`).FindAllSubmatch(sel, -1) {
			out = append(out, string(m[1]))
		}
		return out
	}
	if got := fmt.Sprint(options("")); got != "[mastodon rss]" {
		t.Errorf("source filter offers %s, want [mastodon rss]", got)
	}
	if got := fmt.Sprint(options("?source=youtube")); got != "[mastodon rss youtube]" {
		t.Errorf("with a kind asked for in the address: %s", got)
	}
}

// TestQueryGuideServed: the monitor editor's guide is served by Vigie
// itself (an offline installation has it), rendered from the Markdown.
func TestQueryGuideServed(t *testing.T) {
	in, api, _ := valmontInstance(t, "m-v")
	addUser(t, in, "ana@uval.example", "editor")
	c := webClient(t, api.base, "ana@uval.example")
	get := func(path string) string {
		t.Helper()
		resp, err := c.Get(api.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return string(b)
	}
	editor := get("/w/" + in.app.workspace.Slug + "/monitors/new")
	if !strings.Contains(editor, `href="/help/query"`) || strings.Contains(editor, "github.com") {
		t.Fatalf("the editor links elsewhere than /help/query")
	}
	guide := get("/help/query")
	for _, want := range []string{`<h1 id="writing-monitors-the-vigie-query-language">`, `<a href="#1-what-a-monitor-is">`, "<code>NEAR/n</code>", "<table>"} {
		if !strings.Contains(guide, want) {
			t.Errorf("the guide lacks %s", want)
		}
	}
}

// TestExportBadFilter: an export whose filter the store refuses is a 400
// error page, not a file that begins as an export and holds the error page.
func TestExportBadFilter(t *testing.T) {
	in, api, _ := valmontInstance(t, "m-v")
	addUser(t, in, "ana@uval.example", "viewer")
	c := webClient(t, api.base, "ana@uval.example")
	for _, q := range []string{"csv?monitor=%00", "csv?source=%C3%28", "json?lang=%00"} {
		resp, err := c.Get(api.base + "/w/" + in.app.workspace.Slug + "/export/" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || resp.Header.Get("Content-Disposition") != "" {
			t.Errorf("export %s: %d, Content-Disposition %q; want a 400 page", q, resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
	}
	resp, err := c.Get(api.base + "/w/" + in.app.workspace.Slug + "/export/csv")
	if err != nil {
		t.Fatal(err)
	}
	head, _ := bufio.NewReader(resp.Body).ReadString('\n')
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("a plain export: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	// The CSV has what the JSON export has: country and tags too.
	if !strings.Contains(head, ",lang,country,sentiment,") || !strings.Contains(head, ",monitors,tags,") {
		t.Errorf("CSV header %q", head)
	}
}

// TestLiveRowKeepsFilters: the forms of a row that arrives live come back
// to the stream with its filters (they came back to the unfiltered stream).
func TestLiveRowKeepsFilters(t *testing.T) {
	in, api, src := valmontInstance(t, "m-v")
	addUser(t, in, "ed@uval.example", "editor")
	c := webClient(t, api.base, "ed@uval.example")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", api.base+"/w/"+in.app.workspace.Slug+"/mentions/live?after=0&source=mastodon&sentiment=negative", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	r.ReadString('\n')
	r.ReadString('\n')
	p := vigie.Post{ID: "live:1", Source: "mastodon", PublishedAt: time.Now().UTC(), Text: "Valmont is a disaster, terrible and awful"}
	if _, err := in.app.pipeline.Process(context.Background(), &src, []vigie.Post{p}, nil); err != nil {
		t.Fatal(err)
	}
	ev := readEvent(t, r)
	next := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(ev)
	if next == nil {
		t.Fatalf("no form in the live row:\n%s", ev)
	}
	back := html.UnescapeString(next[1])
	if !strings.Contains(back, "source=mastodon") || !strings.Contains(back, "sentiment=negative") || strings.Contains(back, "after=") {
		t.Fatalf("a live row's forms come back to %q", back)
	}
}

// TestMonitorsPageVolumes: the monitors page shows each monitor's
// mentions over 24 hours and 7 days, with a sparkline and its last
// mention, its query folded.
func TestMonitorsPageVolumes(t *testing.T) {
	in, api, src := valmontInstance(t, "m-v")
	addUser(t, in, "ana@uval.example", "viewer")
	if code, body := api.do("POST", "/api/v1/monitors", map[string]any{"id": "m-quiet", "name": "Quiet", "query": "zzzquiet"}); code != 201 {
		t.Fatalf("%d %v", code, body)
	}
	now := time.Now().UTC()
	var posts []vigie.Post
	for i, ago := range []time.Duration{2 * time.Hour, 30 * time.Hour, 3 * 24 * time.Hour, 10 * 24 * time.Hour} {
		posts = append(posts, vigie.Post{ID: fmt.Sprint("v", i), Source: "rss", Text: "Valmont news", PublishedAt: now.Add(-ago)})
	}
	if _, err := in.app.pipeline.Process(context.Background(), &src, posts, nil); err != nil {
		t.Fatal(err)
	}
	c := webClient(t, api.base, "ana@uval.example")
	resp, err := c.Get(api.base + "/w/" + in.app.workspace.Slug + "/monitors")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	row := regexp.MustCompile(`(?s)<tr>\s*<td><a href="[^"]*monitor=m-v">.*?</tr>`).Find(page)
	if row == nil {
		t.Fatalf("no row for m-v:\n%s", page)
	}
	cells := regexp.MustCompile(`(?s)<td class="num[^"]*"[^>]*>(.*?)</td>`).FindAllSubmatch(row, -1)
	if len(cells) != 2 || strings.TrimSpace(string(cells[0][1])) != "1" || !strings.HasSuffix(strings.TrimSpace(string(cells[1][1])), "</svg> 3") {
		t.Fatalf("m-v's figures (want 1 in 24 h, 3 in 7 days with a sparkline): %q", cells)
	}
	if !strings.Contains(string(row), "3 mentions over the last 7 days") || !strings.Contains(string(row), "2 h ago") ||
		!regexp.MustCompile(`<details class="query"><summary>Query</summary><code>valmont</code></details>`).Match(row) {
		t.Fatalf("m-v's row:\n%s", row)
	}
	quiet := regexp.MustCompile(`(?s)<tr>\s*<td><a href="[^"]*monitor=m-quiet">.*?</tr>`).Find(page)
	if quiet == nil || !strings.Contains(string(quiet), "none yet") || !strings.Contains(string(quiet), "0 mentions over") {
		t.Fatalf("the quiet monitor's row:\n%s", quiet)
	}
}

// TestShareOfVoiceCountsOnce: the dashboard's share of voice compares the
// brand with its competitors, each mention once (one of both is "several",
// not one for each), and leaves keyword monitors out.
func TestShareOfVoiceCountsOnce(t *testing.T) {
	in, api, src := valmontInstance(t, "m-v") // a keyword monitor "valmont"
	addUser(t, in, "ana@uval.example", "viewer")
	for _, m := range []map[string]any{
		{"id": "m-brand", "name": "Uval", "kind": "brand", "query": "uval"},
		{"id": "m-rival", "name": "Rivebourg", "kind": "competitor", "query": "rivebourg"},
	} {
		if code, body := api.do("POST", "/api/v1/monitors", m); code != 201 {
			t.Fatalf("%d %v", code, body)
		}
	}
	now := time.Now().UTC()
	var posts []vigie.Post
	for i, text := range []string{"uval valmont", "uval news", "rivebourg news", "uval and rivebourg", "valmont only"} {
		posts = append(posts, vigie.Post{ID: fmt.Sprint("s", i), Source: "rss", Text: text, PublishedAt: now.Add(-time.Duration(i+1) * time.Minute)})
	}
	if _, err := in.app.pipeline.Process(context.Background(), &src, posts, nil); err != nil {
		t.Fatal(err)
	}
	_, body := api.do("GET", "/api/v1/overview", nil)
	if body["bucket"] != "1h" {
		t.Errorf("overview bucket %v, want \"1h\"", body["bucket"])
	}
	sov, _ := json.Marshal(body["share_of_voice"])
	if want := `[{"count":2,"key":"brand","prev":0},{"count":1,"key":"m-rival","name":"Rivebourg","prev":0},{"count":1,"key":"several","prev":0}]`; string(sov) != want {
		t.Fatalf("share of voice %s, want %s", sov, want)
	}
	c := webClient(t, api.base, "ana@uval.example")
	resp, err := c.Get(api.base + "/w/" + in.app.workspace.Slug + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// A crisis is read by the hour too: the last 6 hours, this hour.
	for _, period := range []string{"6h", "1h"} {
		resp, err := c.Get(api.base + "/w/" + in.app.workspace.Slug + "/?period=" + period)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !regexp.MustCompile(`href="\?period=`+period+`" aria-current="true"`).Match(p) {
			t.Errorf("dashboard for %s: %d", period, resp.StatusCode)
		}
	}
	// Time axes say their zone.
	if !strings.Contains(string(page), "Time (UTC)") {
		t.Errorf("the dashboard's time axes do not name their zone")
	}
	donut := regexp.MustCompile(`(?s)<svg[^>]*aria-label="Share of voice".*?</svg>`).Find(page)
	for _, want := range []string{"Uval", "Rivebourg", "Several at once", "50"} {
		if !strings.Contains(string(donut), want) {
			t.Errorf("the share of voice lacks %q:\n%s", want, donut)
		}
	}
	if strings.Contains(string(donut), "valmont") {
		t.Errorf("the keyword monitor is in the share of voice:\n%s", donut)
	}
}

// TestQueryTestOnYoungArchive: trying a query on an archive a few hours
// old says so, and its rate is over those hours, not over 7 days.
func TestQueryTestOnYoungArchive(t *testing.T) {
	in, api, src := valmontInstance(t, "m-v")
	addUser(t, in, "ed@uval.example", "editor")
	now := time.Now().UTC()
	var posts []vigie.Post
	for i := range 6 {
		posts = append(posts, vigie.Post{ID: fmt.Sprint("y", i), Source: "rss", Text: "Valmont news", PublishedAt: now.Add(-time.Duration(i*20+5) * time.Minute)})
	}
	if _, err := in.app.pipeline.Process(context.Background(), &src, posts, nil); err != nil {
		t.Fatal(err)
	}
	c := webClient(t, api.base, "ed@uval.example")
	resp, err := c.Get(api.base + "/w/" + in.app.workspace.Slug + "/monitors/check?q=valmont&test=1")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Total   int     `json:"total"`
		PerDay  float64 `json:"per_day"`
		Hours   int     `json:"hours"`
		Summary string  `json:"summary"`
	}
	err = json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 6 || res.Hours < 1 || res.Hours > 3 || res.PerDay < 6*24/3.0 {
		t.Fatalf("tried on a young archive: %+v (want 6 mentions over 1–3 hours, at least 48 a day)", res)
	}
	if !strings.Contains(res.Summary, "(all the archive holds)") || !strings.Contains(res.Summary, "6 posts of the last") || !strings.Contains(res.Summary, "among 6 received") {
		t.Fatalf("summary %q", res.Summary)
	}
}

// TestSourcesCheckNowAndBulk: a source can be checked at once, several
// deleted together (none when one is not the workspace's), and when every
// feed fails the page says to look at the connection, once.
func TestSourcesCheckNowAndBulk(t *testing.T) {
	in, api, _ := valmontInstance(t, "m-v")
	addUser(t, in, "ed@uval.example", "editor")
	ctx := context.Background()
	st := in.app.store
	ws := in.app.workspace.ID
	var ids []int64
	for i := range 3 {
		s, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: ws, Kind: vigie.SourceRSS, Name: fmt.Sprint("Feed ", i),
			URL: fmt.Sprintf("https://feed%d.example.org/rss", i), Interval: time.Hour, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(time.Hour)
		if err := st.UpdateSourceState(ctx, s.ID, vigie.SourceState{NextCheckAt: later, ErrorCount: 2, LastErrorAt: time.Now(),
			LastError: "the server name feed.example.org does not exist"}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	c := webClient(t, api.base, "ed@uval.example")
	base := api.base + "/w/" + in.app.workspace.Slug
	page := func() string {
		t.Helper()
		resp, err := c.Get(base + "/sources")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b)
	}
	p := page()
	if strings.Count(p, "None of the 3 feeds can be reached") != 1 {
		t.Fatalf("no single diagnosis of a machine without network:\n%s", p)
	}
	csrf := string(regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(p)[1])
	post := func(path string, form url.Values) int {
		t.Helper()
		form.Set("csrf", csrf)
		resp, err := c.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(fmt.Sprintf("/sources/%d/check", ids[0]), url.Values{}); code != 303 {
		t.Fatalf("check now: %d", code)
	}
	if s, err := st.FindSourceByID(ctx, ws, ids[0]); err != nil || s.NextCheckAt.After(time.Now()) {
		t.Fatalf("after check now, next check %v (%v)", s.NextCheckAt, err)
	}
	other, err := st.CreateWorkspace(ctx, vigie.Workspace{Name: "Other", Slug: "other"})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := st.CreateSource(ctx, vigie.Source{WorkspaceID: other.ID, Kind: vigie.SourceRSS, Name: "Theirs", URL: "https://theirs.example.org/rss", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if code := post("/sources/delete", url.Values{"id": {fmt.Sprint(ids[0]), fmt.Sprint(foreign.ID)}}); code != 404 {
		t.Fatalf("bulk delete with another workspace's source: %d, want 404", code)
	}
	if srcs, _ := st.FindSources(ctx, ws); len(srcs) != 4 { // 3 feeds and the import
		t.Fatalf("after a refused bulk delete: %d sources", len(srcs))
	}
	if code := post("/sources/delete", url.Values{"id": {fmt.Sprint(ids[0]), fmt.Sprint(ids[1])}}); code != 303 {
		t.Fatalf("bulk delete: %d", code)
	}
	if srcs, _ := st.FindSources(ctx, ws); len(srcs) != 2 {
		t.Fatalf("after deleting two: %d sources", len(srcs))
	}
	if _, err := st.FindSourceByID(ctx, other.ID, foreign.ID); err != nil {
		t.Fatalf("the other workspace's source: %v", err)
	}
	if strings.Contains(page(), "None of the") {
		t.Fatal("one failing feed is diagnosed as no network")
	}
}

// readEvent reads one event of a live stream, up to its blank line.
func readEvent(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	var event strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\n" {
			return event.String()
		}
		event.WriteString(line)
	}
}
