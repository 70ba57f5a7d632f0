package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/apptest"
	"github.com/vigie-project/vigie/internal/store"
)

// browser starts headless Chromium for a test, with the flags that keep it
// off the network (this machine has none) and a fresh profile.
func browser(t testing.TB) context.Context {
	t.Helper()
	path := apptest.Chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// do runs browser actions, failing the test with what was being done.
func do(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs one browser action and returns its value.
func get[T any](t testing.TB, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func addUser(t testing.TB, in *instance, email, role string) {
	t.Helper()
	hash, err := account.HashPassword("trois petits chats")
	if err != nil {
		t.Fatal(err)
	}
	_, err = in.app.store.CreateUser(context.Background(), vigie.User{Email: email}, hash,
		[]vigie.Membership{{WorkspaceID: in.app.workspace.ID, Role: role}})
	if err != nil {
		t.Fatal(err)
	}
}

func login(t testing.TB, ctx context.Context, base, email string) {
	t.Helper()
	loginWith(t, ctx, base, email, "trois petits chats")
}

func loginWith(t testing.TB, ctx context.Context, base, email, password string) {
	t.Helper()
	do(t, ctx, "log in as "+email,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS(".kpis")), // the dashboard
	)
}

// openMenu opens the header's menu (the administration pages, the language
// and signing out).
func openMenu() chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS("header details.menu > summary"))
}

// logout signs out through the header's menu.
func logout(t testing.TB, ctx context.Context) {
	t.Helper()
	do(t, ctx, "log out", openMenu(), chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.ID("email")))
}

// TestBrowser drives the web app in headless Chromium: log in, see posts
// rendered safely, see a mention arrive live, search and filter, create a
// monitor after seeing an invalid query's error at its column, and check a
// viewer cannot edit monitors.
func TestBrowser(t *testing.T) {
	in, api, src := valmontInstance(t, "m-valmont")
	base := api.base
	ws := base + "/w/" + in.app.workspace.Slug
	addUser(t, in, "ana@uval.example", "editor")
	addUser(t, in, "victor@uval.example", "viewer")
	addUser(t, in, "root@uval.example", "admin")
	ctx0 := context.Background()
	at := time.Now().UTC().Add(-time.Hour)
	posts := []vigie.Post{
		{ID: "b:1", Source: "mastodon", PublishedAt: at, Author: vigie.Author{Handle: "@ana"},
			Text: "Valmont opens a robotics lab for first-year students"},
		{ID: "b:2", Source: "bluesky", PublishedAt: at.Add(time.Minute), Author: vigie.Author{Handle: "@mallory"},
			Text: `Valmont <script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> &lt;script&gt;window.__xss = 3&lt;/script&gt; onerror=alert(4)`},
	}
	if _, err := in.app.pipeline.Process(ctx0, &src, posts, nil); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	login(t, ctx, base, "ana@uval.example")
	do(t, ctx, "open the stream", chromedp.Click(chromedp.Search(`//nav//a[contains(., "Mentions")]`)), chromedp.WaitVisible(chromedp.CSS("ol.mentions")))

	// Outside markup is inert: no script ran, no element came from a post,
	// and escaped markup shows as text.
	xss := get(t, ctx, "read window.__xss", chromedp.Evaluate[bool](`window.__xss !== undefined`))
	live := get(t, ctx, "count scripts and images", chromedp.Evaluate[int](`document.querySelectorAll("ol.mentions script, ol.mentions img").length`))
	texts := get(t, ctx, "read the stream", chromedp.Text(chromedp.CSS("ol.mentions")))
	if xss || live != 0 {
		t.Fatalf("post markup became live: xss=%v elements=%d", xss, live)
	}
	if !strings.Contains(texts, "<script>window.__xss = 3</script>") || !strings.Contains(texts, "onerror=alert(4)") {
		t.Fatalf("escaped markup is not shown as text:\n%s", texts)
	}

	// A new mention arrives without a reload.
	do(t, ctx, "wait for the live stream", chromedp.WaitVisible(chromedp.CSS(".live:not([hidden])")))
	countBefore := get(t, ctx, "read the count before", chromedp.Evaluate[int](`Number(document.querySelector("[data-count]").dataset.count)`))
	arrival := vigie.Post{ID: "b:3", Source: "rss", PublishedAt: time.Now().UTC(), Title: "Valmont live arrival 42", Text: "Breaking news from the campus"}
	if _, err := in.app.pipeline.Process(ctx0, &src, []vigie.Post{arrival}, nil); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "see the new mention arrive",
		chromedp.WaitVisible(chromedp.Search(`//li[contains(@class,"mention") and contains(., "live arrival 42")]`)))
	// The count grows with it; paused, the stream says so.
	if n := get(t, ctx, "read the count", chromedp.Evaluate[string](`document.querySelector("[data-count]").textContent`)); n != fmt.Sprintf("%d mentions", countBefore+1) {
		t.Fatalf("count after a live arrival: %q, want %d mentions", n, countBefore+1)
	}
	do(t, ctx, "pause", chromedp.Click(chromedp.CSS("[data-pause]")))
	if st := get(t, ctx, "read the live state", chromedp.Text(chromedp.CSS("[data-live-state]"))); st != "Paused" {
		t.Fatalf("paused stream says %q", st)
	}
	do(t, ctx, "resume", chromedp.Click(chromedp.CSS("[data-pause]")))

	// Search: the matched word is highlighted; a bad query says where.
	do(t, ctx, "search",
		chromedp.SetValue(chromedp.ID("q"), "robot*"),
		chromedp.Submit(chromedp.ID("q")),
		chromedp.WaitVisible(chromedp.CSS("ol.mentions mark")),
	)
	count := get(t, ctx, "read the count", chromedp.Text(chromedp.CSS(".count")))
	marked := get(t, ctx, "read the highlight", chromedp.Text(chromedp.CSS("ol.mentions mark")))
	if !strings.HasPrefix(count, "1 ") || marked != "robotics" {
		t.Fatalf("search robot*: count %q, marked %q", count, marked)
	}
	do(t, ctx, "search with an invalid query",
		chromedp.SetValue(chromedp.ID("q"), "(valmont"),
		chromedp.Submit(chromedp.ID("q")),
		chromedp.WaitVisible(chromedp.ID("q-error")),
	)
	if qerr := get(t, ctx, "read the query error", chromedp.Text(chromedp.ID("q-error"))); !strings.Contains(qerr, "Column 1") {
		t.Fatalf("query error: %q", qerr)
	}
	do(t, ctx, "filter by source", chromedp.Navigate(ws+"/mentions?source=bluesky"), chromedp.WaitVisible(chromedp.CSS("ol.mentions")))
	if n := get(t, ctx, "count rows", chromedp.Evaluate[int](`document.querySelectorAll("ol.mentions > li").length`)); n != 1 {
		t.Fatalf("source=bluesky: %d rows", n)
	}
	// Export the filtered list as CSV, as the browser downloads it.
	csv := get(t, ctx, "export CSV", chromedp.Evaluate[string](`fetch(document.querySelector(".exports a").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	rows := strings.Split(strings.TrimSpace(csv), "\n")
	if len(rows) != 2 || !strings.HasPrefix(strings.TrimPrefix(rows[0], "\ufeff"), "id,published_at,source") || !strings.Contains(rows[1], "bluesky") || !strings.Contains(rows[1], "onerror=alert(4)") {
		t.Fatalf("CSV export of source=bluesky:\n%s", csv)
	}

	// Correct a mention's tone and mark another irrelevant, from the stream.
	do(t, ctx, "correct the sentiment",
		chromedp.Navigate(ws+"/mentions?source=mastodon"), chromedp.WaitVisible(chromedp.CSS("ol.mentions")),
		chromedp.Click(chromedp.CSS("li.mention details.actions summary")),
		chromedp.SetValue(chromedp.CSS("li.mention details.actions select"), "negative"),
		chromedp.SetValue(chromedp.CSS("li.mention details.actions input[name=tags]"), "press, to answer"),
		chromedp.Submit(chromedp.CSS("li.mention details.actions select")),
		chromedp.WaitVisible(chromedp.CSS("li.mention .badge.tag")),
	)
	if s := get(t, ctx, "read the corrected row", chromedp.Text(chromedp.CSS("li.mention .tags"))); !strings.Contains(s, "Negative") || !strings.Contains(s, "#press") || !strings.Contains(s, "#to answer") {
		t.Fatalf("corrected row: %q", s)
	}
	// The page comes back to the mention saved, marked.
	if target := get(t, ctx, "read the target", chromedp.Evaluate[string](`(document.querySelector("li.mention:target") || {}).id || ""`)); !strings.HasPrefix(target, "m-") {
		t.Fatalf("after saving, no mention is the page's target (%q): %s", target, get(t, ctx, "url", chromedp.Evaluate[string](`location.href`)))
	}
	do(t, ctx, "mark irrelevant",
		chromedp.Click(chromedp.CSS("li.mention details.actions summary")),
		chromedp.Click(chromedp.CSS("li.mention details.actions input[name=irrelevant]")),
		chromedp.Submit(chromedp.CSS("li.mention details.actions select")),
		chromedp.WaitVisible(chromedp.CSS("p.empty")),
	)
	do(t, ctx, "show irrelevant mentions", chromedp.Navigate(ws+"/mentions?source=mastodon&irrelevant=1"), chromedp.WaitVisible(chromedp.CSS(".badge.irrelevant")))

	// The monitor editor: the error of an invalid query shows at its column
	// while typing; a valid one can be tried, then saved.
	do(t, ctx, "type an invalid query",
		chromedp.Navigate(ws+"/monitors/new"),
		chromedp.WaitVisible(chromedp.ID("m-query")),
		chromedp.SendKeys(chromedp.ID("m-name"), "Robotics"),
		chromedp.SendKeys(chromedp.ID("m-query"), "robot* AND (lab OR campus"),
		chromedp.WaitVisible(chromedp.CSS(".query-status .error")),
	)
	col := get(t, ctx, "read the error column", chromedp.AttributeValue(chromedp.CSS(".query-status .error"), "data-column"))
	caret := get(t, ctx, "read the caret", chromedp.Text(chromedp.CSS(".query-status .caret")))
	if col.Value != "12" || !strings.HasSuffix(caret, "\n"+strings.Repeat(" ", 11)+"^") {
		t.Fatalf("invalid query: column %q, caret %q", col.Value, caret)
	}
	do(t, ctx, "fix the query, test it and save",
		chromedp.SetValue(chromedp.ID("m-query"), "robot* AND (lab OR campus)"),
		chromedp.Click(chromedp.CSS("[data-test-query]")),
		chromedp.WaitVisible(chromedp.CSS(".test-result .total")),
	)
	tested := get(t, ctx, "read the test", chromedp.Text(chromedp.CSS(".test-result")))
	if !strings.Contains(tested, "1 post of the last") || !strings.Contains(tested, "robotics lab") {
		t.Fatalf("test of the query: %q", tested)
	}
	do(t, ctx, "save", chromedp.Submit(chromedp.ID("m-name")), chromedp.WaitVisible(chromedp.CSS("table.list")))
	// The query is folded: unfolded, it shows.
	do(t, ctx, "unfold the query", chromedp.Click(chromedp.Search(`//tr[contains(., "Robotics")]//details/summary`)))
	if listed := get(t, ctx, "read the monitors", chromedp.Text(chromedp.CSS("table.list"))); !strings.Contains(listed, "Robotics") || !strings.Contains(listed, "robot* AND (lab OR campus)") {
		t.Fatalf("monitor list after saving:\n%s", listed)
	}
	// A private Atom feed of a monitor, read as a feed reader would.
	do(t, ctx, "create a feed", chromedp.Click(chromedp.Search(`//tr[contains(., "m-valmont")]//button[contains(., "Atom")]`)),
		chromedp.WaitVisible(chromedp.ID("feed-url")))
	feedURL := get(t, ctx, "read the feed URL", chromedp.Evaluate[string](`document.getElementById("feed-url").value`))
	resp, err := http.Get(feedURL)
	if err != nil {
		t.Fatal(err)
	}
	var feed struct {
		Title   string `xml:"title"`
		Entries []struct {
			Title   string `xml:"title"`
			Content string `xml:"content"`
		} `xml:"entry"`
	}
	err = xml.NewDecoder(resp.Body).Decode(&feed)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || len(feed.Entries) != 3 || !strings.Contains(feed.Entries[0].Title, "live arrival 42") {
		t.Fatalf("Atom feed: %d %v %+v", resp.StatusCode, err, feed)
	}
	if resp, _ := http.Get(base + "/feeds/vgf_nope"); resp.StatusCode != 404 {
		t.Fatalf("unknown feed: %d", resp.StatusCode)
	}
	// Revoked, it stops working.
	do(t, ctx, "revoke the feed", chromedp.Navigate(ws+"/monitors"), chromedp.WaitVisible(chromedp.CSS(".feeds form")),
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.CSS(".feeds form button")), chromedp.WaitNotPresent(chromedp.CSS(".feeds")))
	if resp, _ := http.Get(feedURL); resp.StatusCode != 404 {
		t.Fatalf("revoked feed: %d", resp.StatusCode)
	}
	if dir := os.Getenv("VIGIE_SCREENSHOTS"); dir != "" {
		screenshots(t, ctx, ws+"/mentions", dir)
	}

	// The UI in French, chosen by the user.
	do(t, ctx, "switch to French",
		chromedp.Navigate(ws+"/"), openMenu(), chromedp.WaitVisible(chromedp.ID("locale")),
		// The select submits its form on change (app.js): set and submit
		// in one step, so that no action runs on the page being left
		// (SetValue then Submit raced the navigation: "Cannot find context").
		chromedp.Evaluate[chromedp.Void](`(function () { var s = document.getElementById("locale"); s.value = "fr"; s.form.submit(); return {}; })()`),
		chromedp.WaitVisible(chromedp.Search(`//nav//a[contains(., "Vue d'ensemble")]`)),
	)
	if h := get(t, ctx, "read the French page", chromedp.Text(chromedp.CSS(".kpis"))); !strings.Contains(h, "Mentions") || !strings.Contains(h, "Négatives") {
		t.Fatalf("French dashboard: %q", h)
	}

	// A viewer sees monitors but cannot edit them.
	logout(t, ctx)
	if l := get(t, ctx, "read the login page", chromedp.Text(chromedp.CSS("h1"))); l != "Sign in" {
		t.Fatalf("a signed-out visitor sees the browser's language (English here), got %q", l)
	}
	login(t, ctx, base, "victor@uval.example")
	do(t, ctx, "viewer on the monitors", chromedp.Navigate(ws+"/monitors"), chromedp.WaitVisible(chromedp.CSS("table.list")))
	links := get(t, ctx, "count edit links", chromedp.Evaluate[int](`document.querySelectorAll('a[href$="/monitors/new"], a[href$="/edit"]').length`))
	do(t, ctx, "viewer opens the editor", chromedp.Navigate(ws+"/monitors/new"), chromedp.WaitVisible(chromedp.CSS("[role=alert]")))
	forbidden := get(t, ctx, "read the refusal", chromedp.Text(chromedp.CSS("[role=alert]")))
	if links != 0 || !strings.Contains(forbidden, "role does not allow") {
		t.Fatalf("viewer: %d edit links, page says %q", links, forbidden)
	}

	// An admin adds a colleague, who signs in with the password shown once.
	do(t, ctx, "back to the dashboard", chromedp.Navigate(ws+"/"), chromedp.WaitVisible(chromedp.CSS("main")))
	logout(t, ctx)
	login(t, ctx, base, "root@uval.example")

	// Accounts with long handles, a post in the calendar and an item in
	// the inbox, for the publishing pages' phone layout.
	for _, h := range []string{"@communication.faculte-des-sciences@mastodon.uval.example", "faculte-des-sciences.uval.example"} {
		network := vigie.NetworkMastodon
		if !strings.HasPrefix(h, "@") {
			network = vigie.NetworkBluesky
		}
		acc, err := in.app.store.CreateAccount(ctx0, vigie.Account{WorkspaceID: in.app.workspace.ID, Network: network, ServerURL: "https://mastodon.uval.example",
			RemoteID: h, Handle: h, Limits: vigie.AccountLimits{MaxChars: 500, URLChars: 23}, Secrets: vigie.AccountSecrets{AccessToken: "x"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := in.app.store.CreatePublication(ctx0, store.NewPublication{Publication: vigie.Publication{WorkspaceID: in.app.workspace.ID,
			Kind: vigie.PostKindPost, Status: vigie.PostPendingApproval, Text: "Journée portes ouvertes de la Faculté des sciences, samedi de 10 h à 16 h",
			ScheduledAt: time.Now().Add(time.Hour), Steps: 1, Targets: []vigie.PostTarget{{AccountID: acc.ID}}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := in.app.store.AddNotification(ctx0, in.app.workspace.ID, acc.ID, vigie.Notification{Kind: vigie.NotifyMention,
			Post: vigie.RemoteRef{ID: "1", URI: "https://x.example/1" + h}, AuthorName: "Quelqu'un avec un nom assez long", Text: "Bonjour, jusqu'à quand peut-on s'inscrire au master ?"}); err != nil {
			t.Fatal(err)
		}
	}

	// Every control of every page has a label, and every page fits a
	// 360-pixel phone without sideways scrolling.
	for _, page := range []string{"/", "/mentions", "/monitors", "/monitors/new", "/sources", "/members",
		"/posts", "/posts/new", "/calendar", "/calendar?view=week", "/inbox", "/accounts", "/settings/publishing"} {
		do(t, ctx, "open "+page, chromedp.EmulateViewport(360, 780), chromedp.Navigate(ws+page), chromedp.WaitVisible(chromedp.CSS("main")))
		unlabelled := get(t, ctx, "check labels on "+page, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(
			"input:not([type=hidden]), select, textarea, button")).filter(el => !el.hidden).filter(el => {
				if (el.tagName === "BUTTON") return !(el.textContent.trim() || el.getAttribute("aria-label"));
				return !((el.id && document.querySelector('label[for="' + el.id + '"]')) || el.closest("label") || el.getAttribute("aria-label"));
			}).map(el => el.outerHTML.slice(0, 120))`))
		if len(unlabelled) > 0 {
			t.Errorf("%s: controls without a label: %q", page, unlabelled)
		}
		if wide := get(t, ctx, "check width of "+page, chromedp.Evaluate[[]string](`document.documentElement.scrollWidth <= window.innerWidth + 1 ? [] :
			Array.from(document.querySelectorAll("body *")).filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
				.map(el => el.tagName + "." + el.className + " " + Math.round(el.getBoundingClientRect().right)).slice(0, 5)`)); len(wide) > 0 {
			t.Errorf("%s scrolls sideways on a 360-pixel phone (%v too wide)", page, wide)
		}
	}
	// The phone layout of the dashboard: wide time charts scroll inside
	// their card and open on their latest hours (the right end).
	do(t, ctx, "open the dashboard on a phone", chromedp.EmulateViewport(360, 780), chromedp.Navigate(ws+"/"), chromedp.WaitVisible(chromedp.CSS(".grid .wide")))
	ends := get(t, ctx, "read the charts' scroll", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".grid .wide"))
		.map(c => c.scrollWidth <= c.clientWidth ? "fits" : (c.scrollLeft + c.clientWidth >= c.scrollWidth - 1 ? "end" : "start " + c.scrollLeft))`))
	scrolled := 0
	for _, e := range ends {
		if e != "end" && e != "fits" {
			t.Errorf("a wide chart opens away from its latest hours on a phone: %v", ends)
		}
		if e == "end" {
			scrolled++
		}
	}
	if scrolled == 0 {
		t.Errorf("no chart scrolls on a phone (%v): the check checks nothing", ends)
	}
	// The phone layout of the monitors page: each figure says what it is.
	do(t, ctx, "open the monitors on a phone", chromedp.Navigate(ws+"/monitors"), chromedp.WaitVisible(chromedp.CSS("table.list")))
	if labels := get(t, ctx, "read the figures' labels", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("table.list td.num"), "::before").content`)); labels != `"24 h: "` {
		t.Errorf("monitors on a phone: the 24-hour figure is labelled %s", labels)
	}
	do(t, ctx, "back to desktop", chromedp.EmulateViewport(1280, 900))
	do(t, ctx, "add a member",
		chromedp.Navigate(ws+"/members"), chromedp.WaitVisible(chromedp.ID("mb-email")),
		chromedp.SendKeys(chromedp.ID("mb-email"), "nina@uval.example"),
		chromedp.SetValue(chromedp.ID("mb-role"), "editor"),
		chromedp.Submit(chromedp.ID("mb-email")),
		chromedp.WaitVisible(chromedp.CSS("code.password")),
	)
	pw := get(t, ctx, "read the new password", chromedp.Text(chromedp.CSS("code.password")))
	logout(t, ctx)
	loginWith(t, ctx, base, "nina@uval.example", pw)
	if n := get(t, ctx, "count member links", chromedp.Evaluate[int](`document.querySelectorAll('a[href$="/members"]').length`)); n != 0 {
		t.Fatalf("an editor sees the members page link")
	}
}

// screenshots saves the stream at desktop and phone widths.
func screenshots(t *testing.T, ctx context.Context, url, dir string) {
	t.Helper()
	for _, s := range []struct {
		name string
		w, h int64
	}{{"stream-desktop.png", 1280, 900}, {"stream-phone.png", 360, 780}} {
		do(t, ctx, "open "+s.name, chromedp.EmulateViewport(s.w, s.h), chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("ol.mentions")))
		png := get(t, ctx, "screenshot "+s.name, chromedp.FullScreenshot(80))
		if err := os.WriteFile(filepath.Join(dir, s.name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do(t, ctx, "back to desktop", chromedp.EmulateViewport(1280, 900))
	fmt.Fprintln(os.Stderr, "screenshots written to", dir)
}
