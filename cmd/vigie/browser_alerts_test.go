package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/store"
)

// TestBrowserIncident drives the crisis pages in headless Chromium on the
// demo: a simulated crisis rings the bell, which counts up live when
// another alert comes; the alerts page lists it and clears the bell; the
// incident's war room takes a checklist tick, an owner, a note, a
// statement and its close, and the post-mortem shows them; a rule is
// tried on the past before it is saved; a message's acknowledgement link
// asks before it acknowledges.
func TestBrowserIncident(t *testing.T) {
	in, srv, _ := testInstance(t, true)
	base, ws := srv.URL, srv.URL+"/w/demo"
	ctx0 := context.Background()
	// The pages read the real clock: the simulated one ends near it.
	sim := newDemoSim(t, in, time.Now().UTC().Add(-100*time.Minute).Truncate(time.Second))
	first := sim.crisis(90 * time.Minute)
	if first.IncidentID == 0 {
		t.Fatalf("first alert %+v", first)
	}
	addUser(t, in, "crisis@uval.example", "editor")
	ctx := browser(t)
	login(t, ctx, base, "crisis@uval.example")
	do(t, ctx, "open the demo", chromedp.Navigate(ws+"/"), chromedp.WaitVisible(chromedp.CSS(".kpis")))
	if banner := get(t, ctx, "read the incident banner", chromedp.Text(chromedp.CSS(".incident-banner"))); !strings.Contains(banner, first.Title) {
		t.Fatalf("the overview's incident banner: %q", banner)
	}
	unread := func() string {
		return get(t, ctx, "read the bell", chromedp.Evaluate[string](`(function(){var c=document.querySelector("[data-unread]");return c.hidden?"0":c.textContent})()`))
	}
	before := unread()
	if before == "0" {
		t.Fatal("the bell shows no alert after the crisis")
	}
	// Another alert rings the open page's bell without a reload.
	key := func(id string) string {
		m, err := in.app.store.FindMonitorByID(ctx0, in.app.workspace.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		return m.Key
	}
	fired, err := in.app.store.FireAlert(ctx0, store.Fired{Alert: vigie.Alert{WorkspaceID: in.app.workspace.ID, RuleName: "test", Kind: vigie.AlertEvery,
		Phase: "alert", FiredAt: time.Now().UTC(), Title: "New mention of Rector Hélène Marchetti", Text: "@journalist: the rector speaks"},
		Channels: []vigie.AlertChannel{{Kind: vigie.ChannelInApp}}}, key("m-rector"))
	if err != nil {
		t.Fatal(err)
	}
	in.alerts.OnAlert(in.app.workspace.ID) // as the engine does after recording an alert
	var n int
	fmt.Sscan(before, &n)
	get(t, ctx, "see the bell count up", chromedp.Poll[bool](fmt.Sprintf(`document.querySelector("[data-unread]").textContent === "%d"`, n+1), chromedp.WithPollingTimeout(10*time.Second)))

	// The alerts page lists them and clears the bell.
	do(t, ctx, "open the alerts", chromedp.Click(chromedp.CSS("a.bell")), chromedp.WaitVisible(chromedp.CSS("[data-alerts]")))
	list := get(t, ctx, "read the alerts", chromedp.Text(chromedp.CSS("[data-alerts]")))
	if !strings.Contains(list, first.Title) || !strings.Contains(list, "New mention of Rector") {
		t.Fatalf("alerts page:\n%s", list)
	}
	fullShot(t, ctx, "alerts.png")
	if got := unread(); got != "0" {
		t.Fatalf("the bell shows %s after the alerts page", got)
	}

	// The war room.
	do(t, ctx, "open the incident", chromedp.Click(chromedp.Search(`//a[contains(., "Open the incident")]`)), chromedp.WaitVisible(chromedp.CSS("[data-incident] svg.chart")))
	if total := get(t, ctx, "read the mentions", chromedp.Text(chromedp.CSS("[data-total]"))); total == "0" {
		t.Fatal("the war room counts no mention")
	}
	do(t, ctx, "tick the holding statement",
		chromedp.Click(chromedp.CSS(`[data-check="1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-check="1"][aria-pressed="true"]`)))
	do(t, ctx, "take ownership",
		// Choosing submits the form (data-submit), as a person would see it.
		chromedp.SetValue(chromedp.ID("i-owner"), ownerID(t, in, "crisis@uval.example")),
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-timeline]//li[contains(., "Owner: crisis@uval.example")]`)))
	do(t, ctx, "add a note",
		chromedp.SendKeys(chromedp.ID("i-note"), "Legal is looking at the leak."),
		chromedp.Submit(chromedp.ID("i-note")),
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-timeline]//li[contains(., "Legal is looking")]`)))
	do(t, ctx, "record the statement",
		chromedp.SendKeys(chromedp.ID("i-statement"), "UVAL confirms a data leak; those affected are being contacted."),
		chromedp.Submit(chromedp.ID("i-statement")),
		chromedp.WaitVisible(chromedp.Search(`//ol[@data-timeline]//li[contains(., "UVAL confirms a data leak")]`)))
	fullShot(t, ctx, "incident-desktop.png")
	do(t, ctx, "close it", chromedp.Click(chromedp.CSS(`[data-set-status="closed"]`)), chromedp.WaitVisible(chromedp.CSS("article.report")))
	report := get(t, ctx, "read the report", chromedp.Text(chromedp.CSS("article.report")))
	for _, want := range []string{"Post-mortem", "UVAL confirms a data leak", "What was said", "Legal is looking", "☑ Holding statement"} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
	if fr := get(t, ctx, "read the first response", chromedp.Text(chromedp.CSS("[data-first-response]"))); fr == "none yet" || !strings.Contains(fr, "min") {
		t.Errorf("first response: %q", fr)
	}

	fullShot(t, ctx, "incident-report.png")
	// A rule tried on the past, then saved.
	do(t, ctx, "try a rule",
		chromedp.Navigate(ws+"/alerts/new"), chromedp.WaitVisible(chromedp.ID("r-name")),
		chromedp.SendKeys(chromedp.ID("r-name"), "Careers spike"),
		chromedp.SetValue(chromedp.ID("r-monitor"), "m-uval"),
		chromedp.Click(chromedp.CSS("[data-backtest]")),
		chromedp.WaitVisible(chromedp.CSS("[data-backtest-result]")))
	result := get(t, ctx, "read the backtest", chromedp.Text(chromedp.CSS("[data-backtest-result]")))
	if !strings.Contains(result, "This rule would have sent 1 alert") || !strings.Contains(result, "mentions in") {
		t.Fatalf("backtest:\n%s", result)
	}
	if name := get(t, ctx, "the form kept its name", chromedp.Value(chromedp.ID("r-name"))); name != "Careers spike" {
		t.Fatalf("after the backtest the name is %q", name)
	}
	fullShot(t, ctx, "alert-rule-backtest.png")
	do(t, ctx, "save the rule", chromedp.Click(chromedp.CSS(`button[value="save"]`)), chromedp.WaitVisible(chromedp.Search(`//p[contains(., "Alert rule saved.")]`)))
	rules, _ := in.app.store.AlertRules(ctx0, in.app.workspace.ID)
	if len(rules) != 5 || rules[4].Name != "Careers spike" || rules[4].Monitor != "m-uval" {
		t.Fatalf("rules after saving: %+v", rules)
	}

	// The acknowledgement link of a message: signed out, it asks first.
	logout(t, ctx)
	do(t, ctx, "follow the acknowledgement link", chromedp.Navigate(base+"/alerts/ack/"+fired.AckToken), chromedp.WaitVisible(chromedp.CSS(`form[action^="/alerts/ack/"] button`)))
	if a, _ := in.app.store.FindAlert(ctx0, in.app.workspace.ID, fired.ID); !a.AcknowledgedAt.IsZero() {
		t.Fatal("opening the link acknowledged the alert")
	}
	do(t, ctx, "acknowledge", chromedp.Click(chromedp.CSS(`form[action^="/alerts/ack/"] button`)), chromedp.WaitVisible(chromedp.Search(`//p[contains(., "Acknowledged")]`)))
	if a, _ := in.app.store.FindAlert(ctx0, in.app.workspace.ID, fired.ID); a.AcknowledgedAt.IsZero() || a.AcknowledgedBy != "link" {
		t.Fatalf("after the link: %+v", a)
	}
}

func ownerID(t *testing.T, in *instance, email string) string {
	u, _, err := in.app.store.FindUserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(u.ID)
}

// fullShot saves the whole page as it is when VIGIE_SCREENSHOTS names a
// folder (the docs' screenshots).
func fullShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("VIGIE_SCREENSHOTS")
	if dir == "" {
		return
	}
	png := get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100)) // 100: PNG
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
