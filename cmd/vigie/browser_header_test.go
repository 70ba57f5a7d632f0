package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
)

// headerLayout is what the header's layout looks like in the page:
// its height, how many rows its items take, and whether it overflows.
type headerLayout struct {
	Height   float64  `json:"height"`
	Tallest  float64  `json:"tallest"` // the tallest item's height
	Rows     int      `json:"rows"`
	Overflow bool     `json:"overflow"`
	Items    []string `json:"items"` // each visible item and its row, for the failure message
}

// measureHeader groups the header's visible items (brand, links,
// controls) by their vertical centre: one group is one line.
const measureHeader = `(() => {
	const top = document.querySelector("header.top");
	const items = Array.from(top.querySelectorAll(".brand, nav a, .who .ws, .who select, .who button, .who summary, .who a"))
		.filter(el => el.checkVisibility());
	const rows = [];
	const out = [];
	let tallest = 0;
	for (const el of items) {
		const r = el.getBoundingClientRect();
		if (r.width === 0) continue;
		tallest = Math.max(tallest, r.height);
		const mid = r.top + r.height / 2;
		let i = rows.findIndex(m => Math.abs(m - mid) < r.height / 2);
		if (i < 0) { rows.push(mid); i = rows.length - 1; }
		out.push(el.tagName.toLowerCase() + " " + JSON.stringify(el.textContent.trim().slice(0, 30)) + " row " + (i + 1));
	}
	return {height: top.getBoundingClientRect().height, tallest: tallest, rows: rows.length,
		overflow: top.scrollWidth > top.clientWidth + 1 || document.documentElement.scrollWidth > window.innerWidth + 1, items: out};
})()`

// TestBrowserHeader: the header stays on one line from 1024 pixels up, in
// French (the longer labels) and English, for the user who sees the most in
// it (an administrator of the organisation, in two workspaces, one with a
// long name); on a phone it takes two rows, and every link and the menu
// fit the screen.
func TestBrowserHeader(t *testing.T) {
	in, api, _ := valmontInstance(t, "m-valmont")
	ctx0 := context.Background()
	hash, err := account.HashPassword("trois petits chats")
	if err != nil {
		t.Fatal(err)
	}
	u, err := in.app.store.CreateUser(ctx0, vigie.User{Email: "camille.laurent-dubois@uval.example", Name: "Camille Laurent-Dubois"}, hash,
		[]vigie.Membership{{WorkspaceID: in.app.workspace.ID, Role: "admin"}}, in.app.workspace.OrganisationID)
	if err != nil {
		t.Fatal(err)
	}
	long, err := in.app.store.CreateWorkspace(ctx0, vigie.Workspace{OrganisationID: in.app.workspace.OrganisationID, Slug: "sciences",
		Name: "Faculté des sciences et techniques de l'ingénieur"}, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	login(t, ctx, api.base, u.Email)
	shots := os.Getenv("VIGIE_HEADER_SHOTS") // a folder for screenshots of every case
	for _, locale := range []string{"fr", "en"} {
		if err := in.app.store.SetLocale(ctx0, u.ID, locale); err != nil {
			t.Fatal(err)
		}
		for _, width := range []int64{1024, 1280, 1366, 1920} {
			for _, ws := range []string{in.app.workspace.Slug, long.Slug} {
				var got headerLayout
				page := api.base + "/w/" + ws + "/mentions"
				do(t, ctx, "open "+page, chromedp.EmulateViewport(width, 800), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("main")))
				got = get(t, ctx, "measure the header", chromedp.Evaluate[headerLayout](measureHeader))
				shot(t, ctx, shots, fmt.Sprintf("header-%s-%d-%s.png", locale, width, ws))
				t.Logf("%s at %d px, workspace %s: header %.0f px, %d row(s)", locale, width, ws, got.Height, got.Rows)
				// One row: as high as its tallest item and the padding (1 rem).
				if got.Rows != 1 || got.Overflow || got.Height > got.Tallest+20 {
					t.Errorf("%s at %d px, workspace %s: the header takes %d rows, %.0f px high (overflow %v):\n%s",
						locale, width, ws, got.Rows, got.Height, got.Overflow, strings.Join(got.Items, "\n"))
				}
			}
		}
		// A phone: the links take a row of their own under the brand, the
		// workspace and the menu; nothing goes past the screen's edge, and the
		// menu opens on the language switch and the way out.
		do(t, ctx, "open a phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(api.base+"/w/"+long.Slug+"/mentions"), chromedp.WaitVisible(chromedp.CSS("main")))
		got := get(t, ctx, "measure the header on a phone", chromedp.Evaluate[headerLayout](measureHeader))
		shot(t, ctx, shots, "header-"+locale+"-390.png")
		t.Logf("%s at 390 px: header %.0f px, %d row(s)", locale, got.Height, got.Rows)
		if got.Rows > 2 || got.Overflow {
			t.Errorf("%s on a 390-pixel phone: the header takes %d rows, %.0f px high (overflow %v):\n%s",
				locale, got.Rows, got.Height, got.Overflow, strings.Join(got.Items, "\n"))
		}
		if get(t, ctx, "look for the way out", chromedp.Evaluate[bool](`document.querySelector('form[action="/logout"] button').checkVisibility()`)) {
			t.Errorf("%s on a phone: signing out shows before the menu is opened", locale)
		}
		do(t, ctx, "open the menu", chromedp.Click(chromedp.CSS("header details.menu > summary")), chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)))
		shot(t, ctx, shots, "header-"+locale+"-390-menu.png")
		outside := get(t, ctx, "check the menu fits", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("header a, header select, header button, header summary"))
			.filter(el => el.checkVisibility())
			.filter(el => { const r = el.getBoundingClientRect(); return r.left < 0 || r.right > window.innerWidth + 1; })
			.map(el => el.outerHTML.slice(0, 80))`))
		if len(outside) > 0 {
			t.Errorf("%s on a phone: past the screen's edge: %q", locale, outside)
		}
		for _, sel := range []string{`header a[href="/workspaces"]`, `header a[href$="/members"]`, `header a[href$="/tokens"]`, "header #locale"} {
			if !get(t, ctx, "find "+sel, chromedp.Evaluate[bool](`(el => !!el && el.checkVisibility())(document.querySelector(`+"`"+sel+"`"+`))`)) {
				t.Errorf("%s on a phone: %s is not visible with the menu open", locale, sel)
			}
		}
	}
}

// shot saves a screenshot of the page when dir is set.
func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	if dir == "" {
		return
	}
	png := get(t, ctx, "screenshot "+name, chromedp.CaptureScreenshot())
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
