package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/bluesky/blueskytest"
	"github.com/vigie-project/vigie/internal/mastodon/mastodontest"
)

// TestBrowserPublish drives the publishing pages in headless Chromium
// against local servers that speak Mastodon's and Bluesky's APIs: an
// administrator connects a Mastodon account by its access token and a
// Bluesky account by an app password on the accounts page; an editor
// writes one post for both, with its own text for Bluesky, and submits it
// for approval; the administrator approves it; the calendar shows it on
// its day; the publisher sends it, and its page, open meanwhile, says
// published with both links without a reload; each network has it
// exactly once, Bluesky with its own text.
func TestBrowserPublish(t *testing.T) {
	in, srv, _ := privateInstance(t)
	masto := mastodontest.New(t)
	bsky := blueskytest.New(t)
	addUser(t, in, "ada@uval.example", "admin")
	addUser(t, in, "eddie@uval.example", "editor")
	base, ws := srv.URL, srv.URL+"/w/"+in.app.workspace.Slug
	ctx := browser(t)

	// The administrator connects both accounts.
	login(t, ctx, base, "ada@uval.example")
	do(t, ctx, "open the accounts page",
		chromedp.Click(chromedp.Search(`//nav//a[.="Publishing"]`)), chromedp.WaitVisible(chromedp.CSS("[data-new-post]")),
		chromedp.Click(chromedp.Search(`//a[.="Connected accounts"]`)), chromedp.WaitVisible(chromedp.ID("m-instance")))
	do(t, ctx, "connect Mastodon by token",
		chromedp.SendKeys(chromedp.ID("m-instance"), masto.URL),
		chromedp.SendKeys(chromedp.ID("m-token"), mastodontest.DefaultToken),
		chromedp.Submit(chromedp.ID("m-token")),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "Account connected.")]`)),
		chromedp.WaitVisible(chromedp.Search(`//table[@data-accounts]//td[contains(., "@vigie@")]`)))
	do(t, ctx, "connect Bluesky by app password",
		chromedp.SendKeys(chromedp.ID("b-handle"), blueskytest.Handle),
		chromedp.SendKeys(chromedp.ID("b-password"), blueskytest.AppPassword),
		chromedp.SendKeys(chromedp.ID("b-pds"), bsky.URL),
		chromedp.Submit(chromedp.ID("b-pds")),
		chromedp.WaitVisible(chromedp.Search(`//table[@data-accounts]//td[contains(., "`+blueskytest.Handle+`")]`)))
	accounts, err := in.app.store.FindAccounts(context.Background(), in.app.workspace.ID)
	if err != nil || len(accounts) != 2 {
		t.Fatalf("accounts: %+v %v", accounts, err)
	}
	var mastoID, bskyID int64
	for _, a := range accounts {
		if a.Network == vigie.NetworkMastodon {
			mastoID = a.ID
		} else {
			bskyID = a.ID
		}
		if strings.Contains(a.Credential, mastodontest.DefaultToken) || strings.Contains(a.Credential, blueskytest.AppPassword) {
			t.Errorf("the credential is shown whole: %q", a.Credential)
		}
	}
	page := get(t, ctx, "read the accounts", chromedp.Text(chromedp.CSS("[data-accounts]")))
	if strings.Contains(page, mastodontest.DefaultToken) || strings.Contains(page, blueskytest.AppPassword) {
		t.Fatalf("the accounts page shows a credential:\n%s", page)
	}
	// The publishing settings' channels: a Slack address, saved, shows by
	// its end; the form saved again as shown keeps it.
	const slack = "https://hooks.slack.com/services/T000/B000/secretpart123"
	do(t, ctx, "set a channel", chromedp.Navigate(ws+"/settings/publishing"), chromedp.WaitVisible(chromedp.ID("s-slack")),
		chromedp.SendKeys(chromedp.ID("s-slack"), slack), chromedp.Click(chromedp.CSS("[data-pubsettings] button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	// (From the page without ?saved, so that the notice waited for is the
	// next page's.)
	do(t, ctx, "open the settings again", chromedp.Navigate(ws+"/settings/publishing"), chromedp.WaitVisible(chromedp.ID("s-slack")))
	shown := get(t, ctx, "read the channel", chromedp.Value(chromedp.ID("s-slack")))
	do(t, ctx, "save again", chromedp.Click(chromedp.CSS("[data-pubsettings] button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	settings, err := in.app.store.PublishSettings(context.Background(), in.app.workspace.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(shown, "secretpart") || len(settings.Channels) != 1 || settings.Channels[0].URL != slack {
		t.Errorf("the channel shows as %q and is stored as %+v", shown, settings.Channels)
	}
	logout(t, ctx)

	// The editor writes one post for both, with Bluesky's own text.
	const text = "Valmont opens its robotics centre today https://uval.example/robotics #robotics"
	const variant = "Valmont opens its robotics centre today: uval.example/robotics"
	login(t, ctx, base, "eddie@uval.example")
	// A saved text goes in at the cursor.
	if _, err := in.app.store.CreateSnippet(context.Background(), vigie.Snippet{WorkspaceID: in.app.workspace.ID, Kind: vigie.SnippetText,
		Name: "Signature", Text: "— the communication team"}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "open the composer", chromedp.Navigate(ws+"/posts/new"), chromedp.WaitVisible(chromedp.ID("c-snippet")),
		chromedp.SendKeys(chromedp.ID("c-text"), "Hello "))
	get(t, ctx, "pick the saved text", chromedp.Evaluate[bool](`(function(){var s=document.getElementById("c-snippet");s.selectedIndex=1;s.dispatchEvent(new Event("change",{bubbles:true}));return true})()`))
	if got := get(t, ctx, "read the text", chromedp.Value(chromedp.ID("c-text"))); got != "Hello — the communication team" {
		t.Errorf("the saved text inserted: %q", got)
	}
	do(t, ctx, "open the composer", chromedp.Navigate(ws+"/posts/new"), chromedp.WaitVisible(chromedp.ID("c-text")))
	do(t, ctx, "write the post",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-account="%d"]`, mastoID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-account="%d"]`, bskyID))),
		chromedp.SendKeys(chromedp.ID("c-text"), text),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-variant="%d"] summary`, bskyID))),
		chromedp.SendKeys(chromedp.ID(fmt.Sprintf("c-variant-%d", bskyID)), variant))
	// Mastodon counts the address as 23 characters.
	wantMasto := fmt.Sprintf("%d / 500", len(text)-len("https://uval.example/robotics")+23)
	get(t, ctx, "see Mastodon's counter", chromedp.Poll[bool](fmt.Sprintf(`document.querySelector('[data-counter-for="%d"]').textContent === %q`, mastoID, wantMasto),
		chromedp.WithPollingTimeout(5*time.Second)))
	get(t, ctx, "see the variant's counter", chromedp.Poll[bool](fmt.Sprintf(`document.querySelector('[data-variant-counter="%d"]').textContent === "%d / 300"`, bskyID, len(variant)),
		chromedp.WithPollingTimeout(5*time.Second)))
	if label := get(t, ctx, "read the submit button", chromedp.Text(chromedp.CSS("[data-submit-post]"))); label != "Submit for approval" {
		t.Errorf("an editor's submit button says %q", label)
	}
	do(t, ctx, "submit it", chromedp.Click(chromedp.CSS("[data-submit-post]")), chromedp.WaitVisible(chromedp.CSS(`[data-post-status="pending_approval"]`)))
	postURL := get(t, ctx, "read the post's address", chromedp.Location())
	logout(t, ctx)

	// The administrator approves it.
	login(t, ctx, base, "ada@uval.example")
	do(t, ctx, "approve it", chromedp.Navigate(postURL), chromedp.WaitVisible(chromedp.CSS("[data-approve]")),
		chromedp.Click(chromedp.CSS("[data-approve]")), chromedp.WaitVisible(chromedp.CSS(`[data-post-status="scheduled"]`)))
	approvals := get(t, ctx, "read the approvals", chromedp.Text(chromedp.CSS("[data-approvals]")))
	if !strings.Contains(approvals, "1 of 1") || !strings.Contains(approvals, "ada@uval.example") {
		t.Errorf("approvals: %q", approvals)
	}
	var id int64
	fmt.Sscanf(postURL[strings.LastIndex(postURL, "/")+1:], "%d", &id)

	// The calendar shows it on its day.
	loc, err := time.LoadLocation(in.app.workspace.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	today := time.Now().In(loc).Format("2006-01-02")
	do(t, ctx, "see it in the calendar", chromedp.Navigate(ws+"/calendar"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`td[data-day="%s"] [data-cal-post="%d"]`, today, id))))
	do(t, ctx, "see it in the week", chromedp.Navigate(ws+"/calendar?view=week"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`td[data-day="%s"] [data-cal-post="%d"]`, today, id))))

	// The publisher sends it while its page is open.
	do(t, ctx, "open the post", chromedp.Navigate(postURL), chromedp.WaitVisible(chromedp.CSS(`[data-post-status="scheduled"]`)))
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); in.publisher.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })
	do(t, ctx, "see it published", chromedp.WaitVisible(chromedp.CSS(`[data-post-status="published"]`)))
	links := get(t, ctx, "count the links", chromedp.Evaluate[int](`document.querySelectorAll("[data-remote-link]").length`))
	if links != 2 {
		t.Fatalf("the published post shows %d links", links)
	}
	if mp := masto.Posts(); len(mp) != 1 || mp[0].Text != text {
		t.Errorf("Mastodon has %+v", mp)
	}
	if bp := bsky.Posts(); len(bp) != 1 || bp[0].Text != variant {
		t.Errorf("Bluesky has %+v", bp)
	}
	fullShot(t, ctx, "post-published.png")
}
