package main

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/config"
	"github.com/vigie-project/vigie/internal/mastodon/mastodontest"
	"github.com/vigie-project/vigie/internal/store"
)

// TestBrowserInbox drives the shared inbox in headless Chromium against a
// Mastodon instance on loopback (mastodontest): a mention said to the
// connected account reaches the open inbox page live; the keyboard opens
// it; the item shows its thread; the editor assigns it to themself, adds
// a note and a tag, picks a saved reply, edits and sends it; the publisher
// publishes it once, in the mention's thread; the first-response clock
// stops.
func TestBrowserInbox(t *testing.T) {
	cfg := config.Defaults()
	cfg.Data = t.TempDir()
	cfg.LogLevel = "warn"
	cfg.AllowPrivateFetch = true // the Mastodon instance is on loopback
	in, err := build(context.Background(), cfg, false, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.app.Close() })
	srv := httptest.NewServer(in.handler)
	t.Cleanup(srv.Close)
	ctx0 := context.Background()
	st, wsID := in.app.store, in.app.workspace.ID
	base, ws := srv.URL, srv.URL+"/w/"+in.app.workspace.Slug

	m := mastodontest.New(t)
	acct, err := st.CreateAccount(ctx0, vigie.Account{WorkspaceID: wsID, Network: vigie.NetworkMastodon, ServerURL: m.URL, RemoteID: m.AccountID,
		Handle: "@vigie@" + m.Domain, Limits: vigie.AccountLimits{MaxChars: 500, URLChars: 23}, Secrets: vigie.AccountSecrets{AccessToken: mastodontest.DefaultToken}})
	if err != nil {
		t.Fatal(err)
	}
	saved := "Thank you for asking! The library opens at 10:00 on Sundays."
	if _, err := st.CreateSnippet(ctx0, vigie.Snippet{WorkspaceID: wsID, Kind: vigie.SnippetReply, Name: "Opening hours", Text: saved}); err != nil {
		t.Fatal(err)
	}
	hash, err := account.HashPassword("trois petits chats")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx0, vigie.User{Email: "camille@uval.example", Name: "Camille"}, hash,
		[]vigie.Membership{{WorkspaceID: wsID, Role: "editor"}}); err != nil {
		t.Fatal(err)
	}

	ctx := browser(t)
	login(t, ctx, base, "camille@uval.example")
	do(t, ctx, "open the inbox", chromedp.Navigate(ws+"/inbox"), chromedp.WaitVisible(chromedp.CSS("[data-inbox-live]")))
	// A mark on the page: it must survive the live update (no reload).
	get(t, ctx, "mark the page", chromedp.Evaluate[int](`window.inboxMark = 1`))

	// The mention is said to the account; the inbox reads it.
	_, statusID := m.AddMention("alice", "When does the library open on Sunday?")
	run, stop := context.WithCancel(ctx0)
	done := make(chan struct{}, 2)
	go func() { in.inbox.Run(run); done <- struct{}{} }()
	go func() { in.publisher.Run(run); done <- struct{}{} }()
	t.Cleanup(func() { stop(); <-done; <-done })

	do(t, ctx, "see the mention arrive live", chromedp.WaitVisible(chromedp.Search(`//tbody[@data-inbox-rows]/tr[contains(., "library open on Sunday")]`)))
	if mark := get(t, ctx, "read the mark", chromedp.Evaluate[int](`window.inboxMark || 0`)); mark != 1 {
		t.Fatal("the page reloaded to show the new item")
	}
	row := get(t, ctx, "read the row", chromedp.Text(chromedp.CSS("tbody[data-inbox-rows] tr")))
	for _, want := range []string{"mastodon", "alice@example.org", acct.Handle, "left", "new"} {
		if !strings.Contains(strings.ToLower(row), want) {
			t.Errorf("the live row lacks %q:\n%s", want, row)
		}
	}
	if n := get(t, ctx, "read the new tab's count", chromedp.Text(chromedp.CSS(`[data-tab-count="new"]`))); n != "1" {
		t.Errorf("the new tab counts %q", n)
	}
	fullShot(t, ctx, "inbox.png")

	// The keyboard: j selects the first row, o opens it.
	do(t, ctx, "open it with the keyboard", chromedp.KeyEvent("j"), chromedp.KeyEvent("o"), chromedp.WaitVisible(chromedp.CSS("[data-thread]")))
	thread := get(t, ctx, "read the thread", chromedp.Text(chromedp.CSS("[data-thread] .post.self")))
	if !strings.Contains(thread, "library open on Sunday") || !strings.Contains(thread, "this item") {
		t.Fatalf("the item in its thread:\n%s", thread)
	}

	do(t, ctx, "assign it to me", chromedp.Click(chromedp.CSS("[data-assign-me]")),
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-history]/li[contains(., "Assigned to Camille")]`)))
	if s := get(t, ctx, "read the status", chromedp.Text(chromedp.CSS("[data-item-status]"))); s != "Assigned" {
		t.Errorf("status after assigning: %q", s)
	}
	do(t, ctx, "add a note",
		chromedp.SendKeys(chromedp.ID("note"), "A regular: answer kindly."),
		chromedp.Submit(chromedp.ID("note")),
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-history]/li[contains(., "answer kindly")]`)))
	do(t, ctx, "add a tag",
		chromedp.SendKeys(chromedp.ID("add-tag"), "library"),
		chromedp.Submit(chromedp.ID("add-tag")),
		chromedp.WaitVisible(chromedp.Search(`//ul[@data-tags]/li[contains(., "#library")]`)))

	// A saved reply, edited, then sent.
	get(t, ctx, "pick the saved reply",
		chromedp.Evaluate[bool](`(function(){var s=document.querySelector("[data-snippet-pick]");s.selectedIndex=1;s.dispatchEvent(new Event("change"));return true})()`))
	if got := get(t, ctx, "read the reply box", chromedp.Value(chromedp.ID("reply-text"))); got != saved {
		t.Fatalf("the reply box holds %q", got)
	}
	do(t, ctx, "edit and send it",
		chromedp.SendKeys(chromedp.ID("reply-text"), " See you there!"),
		chromedp.Click(chromedp.CSS("[data-reply] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("[data-replies]")))
	fullShot(t, ctx, "inbox-item.png")

	// The publisher publishes it once, in the mention's thread.
	deadline := time.Now().Add(20 * time.Second)
	for len(m.Posts()) == 0 && time.Now().Before(deadline) {
		in.publisher.Wake()
		time.Sleep(50 * time.Millisecond) // polling the fake instance, not the page
	}
	posts := m.Posts()
	if len(posts) != 1 || posts[0].InReplyToID != statusID || posts[0].Text != saved+" See you there!" {
		t.Fatalf("the instance's posts: %+v (want one reply to %s)", posts, statusID)
	}
	// The page, read again: the reply published, the clock stopped.
	do(t, ctx, "reload the item", chromedp.Reload(),
		chromedp.WaitVisible(chromedp.Search(`//ul[@data-replies]//span[@data-post-status="published"]`)),
		chromedp.WaitVisible(chromedp.CSS(".sla.stopped")))
	if clock := get(t, ctx, "read the clock", chromedp.Text(chromedp.CSS(".bar .sla"))); !strings.Contains(clock, "answered in") {
		t.Errorf("the clock after the reply: %q", clock)
	}
	if len(m.Posts()) != 1 {
		t.Errorf("published %d times", len(m.Posts()))
	}
	items, err := st.FindInbox(ctx0, store.InboxFilter{WorkspaceID: wsID})
	if err != nil || len(items) != 1 || items[0].FirstResponseAt.IsZero() || items[0].Assignee != "Camille" || !strings.Contains(strings.Join(items[0].Tags, ","), "library") {
		t.Fatalf("the item: %+v, %v", items, err)
	}
}
