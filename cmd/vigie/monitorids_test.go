package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/account"
	"github.com/vigie-project/vigie/internal/store"
)

// TestMonitorIDsPerWorkspace: two workspaces each have a monitor "brand"
// with its own query. Creating the second is not refused (a refusal told
// one workspace what another watches); each workspace reads, matches,
// counts, changes and deletes only its own, through the API.
func TestMonitorIDsPerWorkspace(t *testing.T) {
	in, srv, tokA := testInstance(t, false)
	ctx := context.Background()
	st := in.app.store
	wsA := in.app.workspace
	wsB, err := st.CreateWorkspace(ctx, vigie.Workspace{Name: "Law faculty", Slug: "law"})
	if err != nil {
		t.Fatal(err)
	}
	tokB, _, err := st.CreateToken(ctx, store.TokenSpec{Name: "b", WorkspaceID: wsB.ID, Role: account.Admin})
	if err != nil {
		t.Fatal(err)
	}
	a := client{t: t, base: srv.URL, token: tokA}
	b := client{t: t, base: srv.URL, token: tokB}

	if code, body := a.do("POST", "/api/v1/monitors", map[string]any{"id": "brand", "name": "Valmont", "query": "valmont"}); code != 201 {
		t.Fatalf("A's brand: %d %v", code, body)
	}
	if code, body := b.do("POST", "/api/v1/monitors", map[string]any{"id": "brand", "name": "Robots", "query": "robot*"}); code != 201 {
		t.Fatalf("B's brand, same id: %d %v (want 201: ids are per workspace)", code, body)
	}
	if code, _ := b.do("POST", "/api/v1/monitors", map[string]any{"id": "brand", "name": "Again", "query": "x"}); code != 409 {
		t.Fatalf("B's brand twice: %d, want 409", code)
	}

	// Each workspace's own source: its posts are its mentions only.
	feed := func(ws vigie.Workspace, prefix string, texts ...string) {
		t.Helper()
		src, err := st.FindOrCreateSource(ctx, ws.ID, vigie.SourceImport, "test", "")
		if err != nil {
			t.Fatal(err)
		}
		var posts []vigie.Post
		for i, text := range texts {
			posts = append(posts, vigie.Post{ID: fmt.Sprintf("%s-%d", prefix, i), Source: "rss", Text: text,
				PublishedAt: time.Now().UTC().Add(-time.Duration(i+1) * time.Minute)})
		}
		if _, err := in.app.pipeline.Process(ctx, &src, posts, nil); err != nil {
			t.Fatal(err)
		}
	}
	feed(wsA, "a", "Valmont opens a lab", "Valmont robots win", "Nothing here")
	feed(wsB, "b", "Robots in court", "Valmont law school", "robotics and law")

	mentions := func(c client) []string {
		t.Helper()
		code, body := c.do("GET", "/api/v1/mentions?monitor=brand", nil)
		if code != 200 {
			t.Fatalf("mentions: %d %v", code, body)
		}
		var ids []string
		for _, m := range body["mentions"].([]any) {
			m := m.(map[string]any)
			if fmt.Sprint(m["monitors"]) != "[brand]" {
				t.Errorf("mention %v lists monitors %v, want [brand]", m["id"], m["monitors"])
			}
			ids = append(ids, fmt.Sprint(m["post"].(map[string]any)["id"]))
		}
		return ids
	}
	if got, want := fmt.Sprint(mentions(a)), "[a-0 a-1]"; got != want {
		t.Fatalf("A's brand mentions %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(mentions(b)), "[b-0 b-2]"; got != want {
		t.Fatalf("B's brand mentions %s, want %s", got, want)
	}
	for _, c := range []struct {
		cl    client
		query string
		total float64
	}{{a, "valmont", 2}, {b, "robot*", 2}} {
		code, body := c.cl.do("GET", "/api/v1/monitors/brand", nil)
		if code != 200 || body["query"] != c.query {
			t.Fatalf("GET brand: %d %v, want query %q", code, body, c.query)
		}
		code, body = c.cl.do("GET", "/api/v1/overview?monitor=brand", nil)
		if code != 200 {
			t.Fatalf("overview: %d %v", code, body)
		}
		vol := body["volume"].([]any)
		if len(vol) != 1 || vol[0].(map[string]any)["total"] != c.total {
			t.Fatalf("overview of %q: %v, want one series of %v", c.query, vol, c.total)
		}
	}

	// The listing shows each monitor's own backfill (B's listing showed the
	// first workspace's jobs, by id).
	if code, body := b.do("POST", "/api/v1/monitors", map[string]any{"id": "only-b", "name": "Only B", "query": "court"}); code != 201 {
		t.Fatalf("only-b: %d %v", code, body)
	}
	_, body := b.do("GET", "/api/v1/monitors", nil)
	for _, m := range body["monitors"].([]any) {
		m := m.(map[string]any)
		if m["backfill"] == nil {
			t.Errorf("B's %v is listed without its backfill", m["id"])
		}
	}

	// Someone in both workspaces follows both brands' private feeds: two
	// feeds, two ids (a reader would merge feeds of one id).
	u, err := st.CreateUser(ctx, vigie.User{Email: "both@uval.example"}, "x",
		[]vigie.Membership{{WorkspaceID: wsA.ID, Role: "viewer"}, {WorkspaceID: wsB.ID, Role: "viewer"}})
	if err != nil {
		t.Fatal(err)
	}
	feedIDs := map[string]bool{}
	for _, ws := range []int64{wsA.ID, wsB.ID} {
		tok, hash, err := account.NewToken("vgf_")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateFeedToken(ctx, hash, ws, "brand", u.ID); err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(srv.URL + "/feeds/" + tok)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		id := regexp.MustCompile(`<id>([^<]+)</id>`).FindSubmatch(body)
		if resp.StatusCode != 200 || id == nil {
			t.Fatalf("feed of workspace %d's brand: %d %s", ws, resp.StatusCode, body)
		}
		feedIDs[string(id[1])] = true
	}
	if len(feedIDs) != 2 {
		t.Fatalf("the two brands' feeds have one id: %v", feedIDs)
	}

	// A changes and deletes its brand: B's stays as it was.
	if code, body := a.do("PATCH", "/api/v1/monitors/brand", map[string]any{"query": "valmont AND lab"}); code != 200 {
		t.Fatalf("PATCH: %d %v", code, body)
	}
	if _, body := b.do("GET", "/api/v1/monitors/brand", nil); body["query"] != "robot*" {
		t.Fatalf("B's brand after A's change: %v", body)
	}
	if code, _ := a.do("DELETE", "/api/v1/monitors/brand", nil); code != 204 {
		t.Fatalf("DELETE: %d", code)
	}
	if code, _ := a.do("GET", "/api/v1/monitors/brand", nil); code != 404 {
		t.Fatalf("A's deleted brand: %d", code)
	}
	if got, want := fmt.Sprint(mentions(b)), "[b-0 b-2]"; got != want {
		t.Fatalf("B's brand mentions after A deleted its brand: %s, want %s", got, want)
	}
	// The engine still matches B's brand, and no longer A's.
	feed(wsB, "b-new", "robot dogs")
	feed(wsA, "a-new", "Valmont lab")
	if got := mentions(b); len(got) != 3 {
		t.Fatalf("B's brand after new posts: %v", got)
	}
	if code, body := a.do("GET", "/api/v1/mentions?monitor=brand", nil); code != 200 || body["total"] != float64(0) {
		t.Fatalf("A's deleted brand still gets mentions: %d %v", code, body["total"])
	}
}
