package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
)

// TestDashboardLinks: every chart segment with a count leads to a mention
// list of that many mentions, for this period and the previous one.
func TestDashboardLinks(t *testing.T) {
	in, api, src := valmontInstance(t, "m-valmont")
	if code, body := api.do("PATCH", "/api/v1/monitors/m-valmont", map[string]any{"name": "Valmont", "kind": "brand"}); code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	if code, body := api.do("POST", "/api/v1/monitors", map[string]any{"id": "m-rival", "name": "Rival", "kind": "competitor", "query": "rival"}); code != 201 {
		t.Fatalf("%d %v", code, body)
	}
	addUser(t, in, "vi@uval.example", "viewer")
	now := time.Now().UTC()
	var posts []vigie.Post
	add := func(n int, source, country, text string, at time.Time) {
		for i := range n {
			posts = append(posts, vigie.Post{ID: fmt.Sprintf("d:%d", len(posts)), Source: source, Country: country, PublishedAt: at,
				Author: vigie.Author{Handle: fmt.Sprintf("@a%d", i%2)}, Text: fmt.Sprintf("%s #campus%d", text, i)})
		}
	}
	add(3, "mastodon", "ch", "Valmont is a wonderful university, I love its lab", now.Add(-2*time.Hour))
	add(2, "bluesky", "", "Rival university is terrible and awful, a disaster", now.Add(-3*time.Hour))
	add(4, "mastodon", "fr", "Valmont announces its new rector today", now.Add(-30*time.Hour))
	if _, err := in.app.pipeline.Process(context.Background(), &src, posts, nil); err != nil {
		t.Fatal(err)
	}
	c := webClient(t, api.base, "vi@uval.example")
	get := func(u string) string {
		t.Helper()
		resp, err := c.Get(api.base + u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", u, resp.StatusCode, b)
		}
		return string(b)
	}
	page := get("/w/" + in.app.workspace.Slug + "/?period=24h")
	for _, want := range []string{"This period", "Previous period"} {
		if !strings.Contains(page, want) {
			t.Errorf("the dashboard has no %q series", want)
		}
	}
	listed := regexp.MustCompile(`(\d+) mentions?\b`)
	link := regexp.MustCompile(`<a href="([^"]+)"[^>]*><title>([^<]*)</title>`)
	count := regexp.MustCompile(`\((\d+)\)|: (\d+)(?: \(|$)`)
	checked, nonzero := 0, 0
	seen := map[string]bool{}
	for _, m := range link.FindAllStringSubmatch(page, -1) {
		href, title := html.UnescapeString(m[1]), html.UnescapeString(m[2])
		n := count.FindStringSubmatch(title)
		if n == nil || seen[href] {
			continue
		}
		seen[href] = true
		if href == "#" || !strings.Contains(href, "/mentions?") {
			t.Errorf("%q links to %q, not to its mentions", title, href)
			continue
		}
		want, _ := strconv.Atoi(n[1] + n[2])
		list := get(href)
		got := listed.FindStringSubmatch(list)
		// The filter form keeps the link's range when another filter is set.
		if !strings.Contains(list, `<option value="range" selected>`) || !strings.Contains(list, `<input type="hidden" name="from"`) {
			t.Errorf("%q: the mention list's form drops the range", title)
		}
		if got == nil || got[1] != strconv.Itoa(want) {
			t.Errorf("%q (%s) lists %v mentions, want %d", title, href, got, want)
		}
		checked++
		if want > 0 {
			nonzero++
		}
	}
	// Valmont and Rival per hour, this and the previous period, sentiment,
	// share, sources, languages and countries.
	if nonzero < 12 {
		t.Errorf("only %d links with mentions checked (%d in all)", nonzero, checked)
	}

	// The top lists (hashtags, domains, rising) and the top authors.
	lists := 0
	item := regexp.MustCompile(`<li><a href="([^"]+)">([^<]*)</a> <span class="n">(\d+)</span>`)
	author := regexp.MustCompile(`<tr><td><a href="([^"]+)">([^<]*)</a> <span class="src">[^<]*</span></td>\s*<td[^>]*>[^<]*</td><td[^>]*>[^<]*</td><td[^>]*>(\d+)</td>`)
	for _, m := range append(item.FindAllStringSubmatch(page, -1), author.FindAllStringSubmatch(page, -1)...) {
		href, key := html.UnescapeString(m[1]), html.UnescapeString(m[2])
		got := listed.FindStringSubmatch(get(href))
		if got == nil || got[1] != m[3] {
			t.Errorf("%q shows %s, its link (%s) lists %v", key, m[3], href, got)
		}
		lists++
	}
	if authors := len(author.FindAllString(page, -1)); lists < 5 || authors < 2 {
		t.Errorf("only %d top-list links checked, %d of them authors", lists, authors)
	}

	// The mentions figure of the period.
	kpi := regexp.MustCompile(`<li class="kpi"><a href="([^"]+)"><span class="label">Mentions</span> <span class="value">(\d+)</span>`).FindStringSubmatch(page)
	if kpi == nil || kpi[2] != "5" {
		t.Fatalf("the mentions figure: %v", kpi)
	}
	if got := listed.FindStringSubmatch(get(html.UnescapeString(kpi[1]))); got == nil || got[1] != "5" {
		t.Errorf("the mentions figure's link lists %v", got)
	}
}
